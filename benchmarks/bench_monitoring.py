"""Monitoring indicators: hitex.indicators.monitoring.monitor against a plain loop.

Builds a panel of ``--units`` units x ``--years`` years (some values missing),
then computes year-on-year growth, ranks (ties at the minimum) and who
overtook whom twice: with :func:`monitor` and with a plain Python loop over
dictionaries. Checks that both agree and prints the times and their ratio::

    python benchmarks/bench_monitoring.py --units 200 --years 60
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from hitex.indicators.monitoring import monitor


def plain_loop(df: pd.DataFrame) -> dict:
    level = {(u, y): v for u, y, v in zip(df["unit"], df["year"], df["ht"], strict=True)
             if not np.isnan(v)}
    years = sorted({y for _, y in level})
    units = sorted({u for u, _ in level})
    growth, rank, overtaken = {}, {}, {}
    for (u, y), v in level.items():
        p = level.get((u, y - 1))
        growth[(u, y)] = 100.0 * (v / p - 1.0) if p else np.nan
    for y in years:
        vals = {u: level[(u, y)] for u in units if (u, y) in level}
        for u, v in vals.items():
            rank[(u, y)] = 1 + sum(w > v for w in vals.values())
    for y in years:
        for a in units:
            if (a, y) not in level or (a, y - 1) not in level:
                continue
            overtaken[(a, y)] = sorted(
                b for b in units
                if (b, y) in level and (b, y - 1) in level
                and level[(b, y - 1)] < level[(a, y - 1)] and level[(b, y)] > level[(a, y)])
    return {"growth": growth, "rank": rank, "overtaken": overtaken}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--years", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = args.units * args.years
    df = pd.DataFrame({"unit": np.repeat([f"u{i:03d}" for i in range(args.units)], args.years),
                       "year": np.tile(np.arange(1960, 1960 + args.years), args.units),
                       # persistent levels: a random walk in logs per unit
                       "ht": np.round(np.exp(3 + rng.normal(0, 1, args.units).repeat(args.years)
                                             + rng.normal(0, 0.1, n).reshape(args.units, -1)
                                             .cumsum(axis=1).ravel()), 1)})
    df.loc[rng.random(n) < 0.02, "ht"] = np.nan

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return min(times), out

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_hitex, res = best(lambda: monitor(df, "unit", "year", "ht", unit_of_value="USD_m"))
    t_loop, ref = best(lambda: plain_loop(df))
    tab = res.table.set_index(["unit", "year"])
    for key, g in ref["growth"].items():
        assert np.isclose(tab.loc[key, "growth_pct"], g, equal_nan=True), key
    for key, r in ref["rank"].items():
        assert tab.loc[key, "rank"] == r, key
    for key, names in ref["overtaken"].items():
        got = tab.loc[key, "overtaken_by"]
        assert sorted(got.split(", ") if got else []) == names, key
    print(f"{args.units} units x {args.years} years ({n} rows): monitor {t_hitex:.3f} s, "
          f"plain loop {t_loop:.3f} s, ratio loop/monitor = {t_loop / t_hitex:.1f}")


if __name__ == "__main__":
    main()
