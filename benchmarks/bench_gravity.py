"""Wrapper cost of hitex.gravity against calling pyfixest directly, timed in the same run.

Usage::

    python benchmarks/bench_gravity.py [--scale S] [--repeats R] [--years T]
                                       [--method ols|ppml|both] [--seed N] [--rta-only]

Generates an exporter x importer x year panel of structural-gravity type
(``--scale 1``: 300 x 300 x 15 = 1,350,000 rows; ``--scale S`` keeps the years
and uses ``round(300 * sqrt(S))`` countries, so about ``S`` times the rows) with
about 20% zero flows, ln distance (constant within pair), an RTA dummy that
switches on within pairs over time, and exporter^year + importer^year + pair_id
fixed effects. It then times, alternating the two and taking the median of
``--repeats`` runs:

* OLS on log flows (zeros are missing in ``ln_trade``, so both sides drop them):
  ``hitex.gravity(fml, df, method="ols")`` against ``pf.feols(fml, df, ...)``;
* PPML on levels, zeros kept: ``hitex.gravity(fml, df)`` against
  ``pf.fepois(fml, df, separation_check=["fe", "ir"], ...)``.

Same formula, same clustering (CRV1 by ``pair_id``), singletons dropped on both
sides. What differs:

* hitex checks the input (columns, numeric types, missing pair identifiers,
  negative flows, outcome variation), copies the used columns, drops the
  PPML "fe" separation itself (iterated all-zero fixed-effect groups, counted
  per fixed effect) and hands pyfixest only the "ir" check; pyfixest's direct
  call runs its own "fe" and "ir" checks;
* hitex detects regressors absorbed by the fixed effects *before* fitting
  (``ln_dist`` under pair effects) and fits without them; pyfixest gets
  ``ln_dist`` too and drops it itself as collinear after demeaning it;
* hitex asks pyfixest for the unadjusted clustered variance and applies its
  own ``G/(G-1) (N-1)/(N-K)`` (reghdfe) factor, which counts fixed-effect
  levels with pandas group-bys; the direct call uses pyfixest's default ssc.
  So standard errors may differ by that factor; coefficients must agree.

Prints rows, the median seconds of each side, the ratio hitex/pyfixest and the
largest absolute coefficient difference. Not part of the test suite: timings
are reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd

FES = "exporter^year + importer^year + pair_id"


def make_gravity_panel(n_countries: int = 300, n_years: int = 15, zero_share: float = 0.2,
                       seed: int = 0) -> pd.DataFrame:
    """Exporter x importer x year panel with structural-gravity fixed effects and zeros."""
    rng = np.random.default_rng(seed)
    n = n_countries
    exp_i, imp_j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    exp_i, imp_j = exp_i.ravel(), imp_j.ravel()
    n_pairs = exp_i.size
    # geography: countries on a plane; own-country distance is a small internal distance
    xy = rng.uniform(0, 100, size=(n, 2))
    dist = np.hypot(*(xy[exp_i] - xy[imp_j]).T)
    dist = np.where(exp_i == imp_j, 1.0, dist + 1.0)
    ln_dist = np.log(dist)
    pair_eff = -0.9 * ln_dist + rng.normal(0, 1.0, n_pairs)
    # RTA: a quarter of pairs enter an agreement in some year (stays in force after)
    start = np.where(rng.random(n_pairs) < 0.25, rng.integers(0, n_years + 1, n_pairs), n_years + 1)

    year = np.tile(np.arange(n_years), n_pairs)
    pair = np.repeat(np.arange(n_pairs), n_years)
    exporter = exp_i[pair]
    importer = imp_j[pair]
    rta = (year >= start[pair]).astype(np.float64)
    out_eff = rng.normal(0, 1.0, (n, n_years))   # exporter-year (outward resistance, output)
    in_eff = rng.normal(0, 1.0, (n, n_years))    # importer-year (inward resistance, spending)
    eta = 8.0 + 0.4 * rta + pair_eff[pair] + out_eff[exporter, year] + in_eff[importer, year]
    trade = np.exp(eta) * rng.lognormal(-0.5, 1.0, pair.size)  # mean-one multiplicative noise
    # zeros concentrate on small flows: drop the lowest-latent ones plus some random noise
    score = eta + rng.normal(0, 1.5, pair.size)
    trade[score < np.quantile(score, zero_share)] = 0.0
    df = pd.DataFrame({
        "exporter": exporter.astype(np.int32),
        "importer": importer.astype(np.int32),
        "year": (2000 + year).astype(np.int32),
        "pair_id": pair.astype(np.int64),
        "trade": trade,
        "ln_dist": ln_dist[pair],
        "rta": rta,
    })
    with np.errstate(divide="ignore"):
        df["ln_trade"] = np.where(trade > 0, np.log(np.where(trade > 0, trade, 1.0)), np.nan)
    return df


def run_pair(direct, wrapped, repeats: int) -> tuple[float, float, object, object]:
    """Alternate the two calls ``repeats`` times; return medians and the last fits."""
    t_pf, t_hx = [], []
    fit_pf = fit_hx = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit_pf = direct()
        t_pf.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fit_hx = wrapped()
        t_hx.append(time.perf_counter() - t0)
    return statistics.median(t_pf), statistics.median(t_hx), fit_pf, fit_hx


def max_coef_diff(fit_pf, res_hx) -> tuple[float, list[str]]:
    pf_coef = fit_pf.coef()
    common = [c for c in res_hx.params.index if c in pf_coef.index]
    if not common:
        return float("nan"), []
    diff = np.abs(res_hx.params[common].to_numpy() - pf_coef[common].to_numpy())
    return float(diff.max()), common


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the full 300x300x15 panel's rows (countries scale by sqrt)")
    ap.add_argument("--years", type=int, default=15)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--method", choices=("ols", "ppml", "both"), default="both")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rta-only", action="store_true",
                    help="leave ln_dist out of the formula (pure wrapper cost: no absorbed term "
                         "for hitex to remove before fitting or for pyfixest to demean and drop)")
    args = ap.parse_args()
    import pyfixest as pf

    import hitex

    warnings.simplefilter("ignore")
    n_countries = max(10, round(300 * args.scale ** 0.5))
    t0 = time.perf_counter()
    df = make_gravity_panel(n_countries, args.years, seed=args.seed)
    t_gen = time.perf_counter() - t0
    print(f"panel {n_countries} x {n_countries} x {args.years}: rows={len(df):,} "
          f"zero flows={float((df['trade'] == 0).mean()):.1%} rta share={df['rta'].mean():.1%} "
          f"(generated in {t_gen:.1f} s)")
    print(f"fixed effects: {FES}; cluster: pair_id; repeats={args.repeats} (median, alternating)")
    vcov = {"CRV1": "pair_id"}

    # warm up numba/JIT on a small panel so compilation is not timed on either side
    small = make_gravity_panel(20, 5, seed=1)
    pf.feols(f"ln_trade ~ ln_dist + rta | {FES}", small, vcov=vcov)
    pf.fepois(f"trade ~ ln_dist + rta | {FES}", small, vcov=vcov, separation_check=["fe", "ir"])
    hitex.gravity(f"ln_trade ~ ln_dist + rta | {FES}", small, method="ols")
    hitex.gravity(f"trade ~ ln_dist + rta | {FES}", small)

    rhs = "rta" if args.rta_only else "ln_dist + rta"
    methods = ("ols", "ppml") if args.method == "both" else (args.method,)
    for method in methods:
        if method == "ols":
            fml = f"ln_trade ~ {rhs} | {FES}"
            direct = lambda fml=fml: pf.feols(fml, df, vcov=vcov, fixef_rm="singleton")  # noqa: E731
            wrapped = lambda fml=fml: hitex.gravity(fml, df, method="ols")  # noqa: E731
            label = "pyfixest.feols "
        else:
            fml = f"trade ~ {rhs} | {FES}"
            direct = lambda fml=fml: pf.fepois(fml, df, vcov=vcov, fixef_rm="singleton",  # noqa: E731
                                       separation_check=["fe", "ir"])
            wrapped = lambda fml=fml: hitex.gravity(fml, df, method="ppml")  # noqa: E731
            label = "pyfixest.fepois"
        t_pf, t_hx, fit_pf, res_hx = run_pair(direct, wrapped, args.repeats)
        diff, common = max_coef_diff(fit_pf, res_hx)
        print(f"\n[{method.upper()}] {fml}")
        print(f"  N used: pyfixest={int(fit_pf._N):,} hitex={res_hx.nobs:,}")
        print(f"  {label}  {t_pf:8.2f} s")
        print(f"  hitex.gravity    {t_hx:8.2f} s")
        print(f"  ratio hitex/pyfixest = {t_hx / t_pf:.3f}")
        print(f"  max |coef diff| over {common} = {diff:.3g}")
        se_pf = fit_pf.se()[common]
        print("  se pyfixest (default ssc) / hitex (reghdfe): "
              + ", ".join(f"{c}: {se_pf[c]:.5g} / {res_hx.std_errors[c]:.5g}" for c in common))


if __name__ == "__main__":
    main()
