"""Benchmark: the permutation test of hitex.group_difference against a plain loop, in one run.

A firm panel (``--units`` firms x ``--years`` years, two controls, firm and
year fixed effects) is split into two time-invariant groups of firms (a third
of the firms in the first group). ``group_difference(..., method="permutation")``
permutes the group labels across firms, as Stata ``bdiff`` does for panel
commands, and re-estimates both groups' coefficients for every draw at once.
The plain loop takes the same permutations (``DifferenceTest.permuted_groups``)
and re-estimates each permuted group with ``hitex.panel``; it is timed on
``--loop-draws`` draws (all of them by default) and scaled linearly to
``--draws``. The data are simulated (the timing does not depend on the
values); the panel is balanced, so both sides are exact and their draws agree
to rounding.

Run: ``python benchmarks/bench_heterogeneity.py [--draws 1000] [--loop-draws 1000]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

FORMULA = "y ~ x + c1 + c2 | firm + year"


def make_panel(n_units: int = 60, n_years: int = 12, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(n_units), n_years),
                       "year": np.tile(np.arange(2008, 2008 + n_years), n_units)})
    df["east"] = (df["firm"] % 3 == 0).astype(int)
    df["x"] = rng.normal(size=len(df)) + 0.05 * df["firm"]
    df["c1"] = rng.normal(size=len(df))
    df["c2"] = rng.normal(size=len(df)) + 0.1 * (df["year"] - 2008)
    df["y"] = ((1.0 + 0.3 * df["east"]) * df["x"] + 0.5 * df["c1"] - 0.2 * df["c2"]
               + 0.02 * df["firm"] + rng.normal(size=len(df)))
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--loop-draws", type=int, default=1000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5, help="hitex runs; the fastest is reported")
    args = parser.parse_args()

    import hitex
    from hitex.models.heterogeneity import group_difference

    df = make_panel(args.units, args.years)
    group_difference(FORMULA, df, "east", "x", method="permutation", draws=100)  # warm-up

    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = group_difference(FORMULA, df, "east", "x", method="permutation", draws=args.draws,
                               seed=0)
        runs.append(time.perf_counter() - t0)
    t_hitex = min(runs)

    m = min(args.loop_draws, args.draws)
    loop = np.empty(m)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(m):
            groups = res.permuted_groups(b)
            d = df.loc[groups.index].copy()
            d["east"] = groups.to_numpy()
            est = [float(hitex.panel(FORMULA, d.loc[d["east"] == g]).params["x"])
                   for g in res.groups]
            loop[b] = est[0] - est[1]
    t_loop = (time.perf_counter() - t0) / m * args.draws

    print(f"panel: {df.firm.nunique()} firms x {df.year.nunique()} years = {len(df)} rows, "
          f"2 controls, firm + year FE; groups east = 0 / 1 ({res.extra['n_first']} of "
          f"{res.extra['n_blocks']} firms in east = 0), permuted by firm")
    print(f"hitex group_difference(method='permutation'), {args.draws} draws "
          f"[{res.extra['engine']}]: {t_hitex:.4f} s (fastest of {args.repeat}; median "
          f"{sorted(runs)[len(runs) // 2]:.4f} s)")
    print(f"plain loop of hitex.panel (2 fits a draw), {m} draws timed, scaled to {args.draws}: "
          f"{t_loop:.1f} s")
    print(f"speed-up: {t_loop / t_hitex:,.0f}x")
    print(f"max |difference of the draws' differences| over {m} draws: "
          f"{np.max(np.abs(loop - res.permuted_differences[:m])):.2e}")
    print(f"observed difference {res.difference:.6f}, two-sided p {res.p_value:.4f}, "
          f"bdiff one-sided p {res.p_values['bdiff']:.4f}")


if __name__ == "__main__":
    main()
