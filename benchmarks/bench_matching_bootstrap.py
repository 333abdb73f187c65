"""Benchmark: psm's bootstrap standard error of kernel/radius matching against a plain loop.

The plain loop is psmatch2's practice written out: draw the same resamples
(``numpy.random.default_rng(seed).integers(0, n, size=(B, n))``), run
``hitex.psm`` on each resampled frame (score re-estimated by statsmodels,
matching redone) and take the standard deviation of the ATTs. ``hitex.psm``
fits all replicates' scores at once (Fisher scoring with frequency weights)
and matches each replicate in blocks. Both give the same standard error
(printed with its relative difference); the speed-up is the ratio of the
fastest of ``--repeat`` runs of each.

Data: simulated, ``--n`` units, 6 covariates, 30% treated (the timing does
not depend on the values).

Run: ``python benchmarks/bench_matching_bootstrap.py [--n 2000] [--reps 100] [--method kernel]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def make_data(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    index = -0.9 + x @ np.array([0.6, -0.4, 0.3, 0.2, -0.2, 0.1])
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-index))).astype(int)
    y = x @ np.array([1.0, 0.5, -0.5, 0.2, 0.0, 0.3]) + 1.5 * d + rng.normal(size=n)
    df = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(6)])
    df["d"], df["y"] = d, y
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--method", choices=["kernel", "radius"], default="kernel")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest is reported")
    args = parser.parse_args()

    from hitex.models.matching import psm

    df = make_data(args.n)
    covs = [f"x{j + 1}" for j in range(6)]
    opts = {"method": args.method, "outcome": "y"}
    if args.method == "radius":
        opts.update(caliper=0.05, caliper_scale="score")
    warnings.simplefilter("ignore")

    def vectorised() -> float:
        return psm(df, "d", covs, se="bootstrap", bootstrap_reps=args.reps, seed=1, **opts).se

    def plain_loop() -> float:
        draws = np.random.default_rng(1).integers(0, len(df), size=(args.reps, len(df)))
        atts = [psm(df.iloc[idx].reset_index(drop=True), "d", covs, se="none", **opts).att
                for idx in draws]
        return float(np.std(atts, ddof=1))

    psm(df.iloc[:300], "d", covs, se="bootstrap", bootstrap_reps=2, **opts)  # warm-up (imports)
    times: dict[str, list[float]] = {"hitex": [], "loop": []}
    values = {}
    for _ in range(args.repeat):
        for name, fn in (("hitex", vectorised), ("loop", plain_loop)):
            start = time.perf_counter()
            values[name] = fn()
            times[name].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in times.items()}
    print(f"{args.method} matching, n = {args.n}, {args.reps} bootstrap replicates")
    print(f"  hitex.psm(se='bootstrap'): {best['hitex']:.3f} s   s.e. {values['hitex']:.10f}")
    print(f"  plain loop of psm():       {best['loop']:.3f} s   s.e. {values['loop']:.10f}")
    print(f"  relative difference of the s.e.: {abs(values['hitex'] / values['loop'] - 1):.2e}")
    print(f"  speed-up: {best['loop'] / best['hitex']:.1f}x")


if __name__ == "__main__":
    main()
