"""Wrapper cost of hitex.panel against calling pyfixest directly, timed in the same run.

Usage: ``python benchmarks/bench_panel.py [n_units] [n_years] [repeats]``.
Prints the median time of each and their ratio (hitex / pyfixest). Not part of the
test suite: timings are reported, never asserted.
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
    x = rng.normal(size=(unit.size, 8))
    y = x @ np.linspace(0.1, 0.8, 8) + rng.normal(size=n_units)[unit] + rng.normal(size=unit.size)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(8)])
    df["y"], df["unit"], df["year"] = y, unit, year
    return df


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    n_years = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    import pyfixest as pf

    import hitex

    df = make_panel(n_units, n_years)
    fml = "y ~ " + " + ".join(f"x{i}" for i in range(8)) + " | unit + year"
    warnings.simplefilter("ignore")
    direct = lambda: pf.feols(fml, df, vcov={"CRV1": "unit"})  # noqa: E731
    wrapped = lambda: hitex.panel(fml, df, vcov={"CRV1": "unit"})  # noqa: E731
    direct(), wrapped()  # warm up
    t_pf = timed(direct, repeats)
    t_hx = timed(wrapped, repeats)
    print(f"rows={len(df):,} regressors=8 fe=unit+year cluster=unit repeats={repeats}")
    print(f"pyfixest.feols  {t_pf:8.3f} s")
    print(f"hitex.panel     {t_hx:8.3f} s")
    print(f"ratio hitex/pyfixest = {t_hx / t_pf:.2f}")


if __name__ == "__main__":
    main()
