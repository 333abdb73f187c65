"""Cost of the IV diagnostics, timed against peers in the same run.

Usage: ``python benchmarks/bench_iv_diagnostics.py [n_units] [n_years] [repeats]``.

Prints median times and ratios of

* ``iv_diagnostics(result)`` (every ivreg2 statistic and the Anderson-Rubin
  set, clustered, two-way fixed effects) against the 2SLS estimation itself
  (``hitex.panel``);
* the Anderson-Rubin set by exact test inversion against a plain loop that
  evaluates the Anderson-Rubin statistic on a grid of 2,000 values (the
  usual grid search, which moreover only approximates the bounds).

Not part of the test suite: timings are reported, never asserted.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd


def make_panel(n_units: int, n_years: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(n_years), n_units)
    n = unit.size
    a = rng.normal(size=n_units)[unit]
    z1, z2, w = rng.normal(size=(3, n))
    u = rng.normal(size=n)
    x = 0.3 * z1 + 0.2 * z2 + 0.5 * w + a + rng.normal(size=n) + 0.6 * u
    y = 0.7 * x - 0.3 * w + a + 0.05 * year + u
    return pd.DataFrame({"unit": unit, "year": year, "z1": z1, "z2": z2, "w": w, "x": x, "y": y})


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n_years = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    import hitex
    from hitex.models import iv_stats
    from hitex.models.iv_diagnostics import iv_diagnostics

    warnings.simplefilter("ignore")
    df = make_panel(n_units, n_years)
    formula = "y ~ w | unit + year | x ~ z1 + z2"
    res = hitex.panel(formula, df, vcov={"CRV1": "unit"})
    t_fit = timed(lambda: hitex.panel(formula, df, vcov={"CRV1": "unit"}), repeats)
    t_diag = timed(lambda: iv_diagnostics(res), repeats)
    print(f"N = {len(df):,}, {n_units:,} clusters")
    print(f"hitex.panel 2SLS      {t_fit * 1e3:9.1f} ms")
    print(f"iv_diagnostics        {t_diag * 1e3:9.1f} ms   ratio diagnostics/estimation "
          f"{t_diag / t_fit:.2f}")

    design = res.extra["iv_design"]
    x2 = design.x_exog
    yp = iv_stats.partial_out(design.y[:, None], x2)[:, 0]
    xp = iv_stats.partial_out(design.x_endog, x2)[:, 0]
    zp = iv_stats.partial_out(design.z_excl, x2)
    vce = iv_stats.Vce("cluster", (pd.factorize(design.sample["unit"])[0],))
    crit = 5.991464547107979
    system = iv_stats.ar_system(yp, xp, zp, vce)
    exact = iv_stats.invert_ar(system, crit, 0.7, 0.1)

    def grid_loop():
        accepted = []
        for b0 in np.linspace(0.0, 1.4, 2000):
            wald, _, _, _ = iv_stats.wald_ols(zp, yp - b0 * xp, vce)
            if wald <= crit:
                accepted.append(b0)
        return accepted

    t_exact = timed(lambda: iv_stats.invert_ar(iv_stats.ar_system(yp, xp, zp, vce), crit, 0.7,
                                               0.1), repeats)
    t_grid = timed(grid_loop, max(1, repeats // 2))
    grid = grid_loop()
    print(f"AR set, exact         {t_exact * 1e3:9.1f} ms   {exact}")
    print(f"AR set, 2,000-point grid loop {t_grid * 1e3:9.1f} ms   [{grid[0]:.4f}, {grid[-1]:.4f}]"
          f"   ratio exact/grid {t_exact / t_grid:.4f}")


if __name__ == "__main__":
    main()
