"""Benchmark: hitex.models.mediation's vectorised bootstrap against a plain loop of refits.

Two designs, both simulated (the timing does not depend on the values):

* ``panel``: 300 firms x 10 years, firm and year fixed effects, three controls,
  two mediators, errors clustered by firm, so whole firms are resampled;
* ``panel, observations``: the same with heteroskedasticity-robust errors, so
  single observations are resampled (the costlier path: the firm effects are
  re-estimated with the weights of each draw);
* ``cross-section``: PROCESS model 4 shape, 1,000 observations, two
  mediators, no fixed effects, observations resampled.

hitex runs all ``--draws`` draws (default 5,000; the fastest of ``--repeat``
runs is reported, the steps and Sobel tests included). The loop rebuilds each
resampled data set from the same resampling indices
(:func:`hitex.models.boot_moments.resample_indices`) and re-estimates every
step with :func:`hitex.panel`; it is timed on ``--loop-draws`` draws and
scaled linearly to ``--draws``. The script prints the time of one full set of
steps (the point estimates), hitex's time in units of that, the speed-up over
the loop, and the largest absolute difference between the loop's indirect
effects and hitex's for the same draws.

Run: ``python benchmarks/bench_mediation.py [--draws 5000] [--loop-draws 40]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def make_panel(n_firms: int = 300, n_years: int = 10, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(n_firms), n_years),
                       "year": np.tile(np.arange(2010, 2010 + n_years), n_firms)})
    n = len(df)
    fe = rng.normal(size=n_firms)[df.firm]
    for j in range(3):
        df[f"c{j + 1}"] = rng.normal(size=n) + 0.3 * fe
    df["d"] = 0.5 * fe + 0.1 * (df.year - 2010) + rng.normal(size=n)
    df["m1"] = 0.6 * df.d + 0.2 * df.c1 + fe + rng.normal(size=n)
    df["m2"] = -0.4 * df.d + 0.1 * df.c2 + rng.normal(size=n)
    df["y"] = 0.3 * df.d + 0.5 * df.m1 + 0.7 * df.m2 + 0.2 * df.c3 + fe + rng.normal(size=n)
    return df


def make_cross_section(n: int = 1000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = rng.normal(size=n)
    m1 = 1 + d + rng.normal(size=n)
    m2 = 1 - d + rng.normal(size=n)
    return pd.DataFrame({"d": d, "m1": m1, "m2": m2, "y": 1 + d + m1 + m2 + rng.normal(size=n)})


def loop_indirect(df: pd.DataFrame, kw: dict, indices: np.ndarray, cluster: str | None) -> np.ndarray:
    """Indirect effects (m1, m2) of each draw by re-estimating the steps on resampled data."""
    import hitex

    fe = " | " + " + ".join(kw["fixed_effects"]) if kw["fixed_effects"] else ""
    ctrl = "".join(f" + {c}" for c in kw["controls"])
    if cluster:
        labels = np.unique(df[cluster].to_numpy())
        rows_of = {lab: np.flatnonzero(df[cluster].to_numpy() == lab) for lab in labels}
    out = np.empty((len(indices), 2))
    for b, idx in enumerate(indices):
        rows = np.concatenate([rows_of[labels[i]] for i in idx]) if cluster else idx
        data = df.iloc[rows].reset_index(drop=True)
        opts = {"vcov": "iid", "panel_id": None}
        a1 = hitex.panel(f"m1 ~ d{ctrl}{fe}", data, **opts).params["d"]
        a2 = hitex.panel(f"m2 ~ d{ctrl}{fe}", data, **opts).params["d"]
        full = hitex.panel(f"y ~ d + m1 + m2{ctrl}{fe}", data, **opts)
        hitex.panel(f"y ~ d{ctrl}{fe}", data, **opts)  # the total-effect step, as the bootstrap does
        out[b] = [a1 * full.params["m1"], a2 * full.params["m2"]]
    return out


def run(name: str, df: pd.DataFrame, kw: dict, args: argparse.Namespace) -> None:
    from hitex.models.boot_moments import resample_indices
    from hitex.models.mediation import mediation

    mediation(df, "y", "d", ["m1", "m2"], bootstrap=0, **kw)  # warm-up
    t0 = time.perf_counter()
    mediation(df, "y", "d", ["m1", "m2"], bootstrap=0, **kw)
    t_steps = time.perf_counter() - t0
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = mediation(df, "y", "d", ["m1", "m2"], bootstrap=args.draws, seed=11, **kw)
        runs.append(time.perf_counter() - t0)
    t_hitex = min(runs)
    t_boot = t_hitex - t_steps

    cluster = res.boot_unit if res.boot_unit != "observation" else None
    n_units = df[cluster].nunique() if cluster else len(df)
    m = min(args.loop_draws, args.draws)
    indices = resample_indices(n_units, m, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        loop = loop_indirect(df, kw, indices, cluster)
        t_loop = (time.perf_counter() - t0) / m * args.draws
    mine = res.boot_draws[["indirect_m1", "indirect_m2"]].to_numpy()[:m]
    diff = float(np.max(np.abs(mine - loop)))
    n_fits = 4  # total effect, two mediators, outcome
    print(f"\n[{name}] N={len(df):,}, resampling {res.boot_unit}, {args.draws:,} draws")
    print(f"  steps (4 fits, point estimates + Sobel): {t_steps:8.3f} s")
    print(f"  hitex mediation with bootstrap:          {t_hitex:8.3f} s  (bootstrap alone "
          f"{t_boot:.3f} s = {t_boot / (t_steps / n_fits):.1f} fits)")
    print(f"  loop of refits (scaled from {m} draws):  {t_loop:8.1f} s")
    print(f"  speed-up: {t_loop / t_hitex:,.0f}x   max |indirect difference| over {m} draws: "
          f"{diff:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--loop-draws", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="hitex runs; the fastest is reported")
    args = parser.parse_args()
    run("panel", make_panel(), {"controls": ["c1", "c2", "c3"], "fixed_effects": ["firm", "year"],
                                "vcov": {"CRV1": "firm"}}, args)
    run("panel, observations", make_panel(), {"controls": ["c1", "c2", "c3"],
                                              "fixed_effects": ["firm", "year"],
                                              "vcov": "hetero"}, args)
    run("cross-section", make_cross_section(), {"controls": [], "fixed_effects": [],
                                                "vcov": "iid"}, args)


if __name__ == "__main__":
    main()
