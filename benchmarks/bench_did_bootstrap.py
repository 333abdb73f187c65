"""Multiplier bootstrap of Callaway-Sant'Anna: hitex's vectorised draws against a plain loop.

Simulates a staggered panel (``--units`` units, 8 periods, three cohorts and never treated),
estimates ``att_gt`` with a covariate (doubly robust), then bootstraps the influence
functions of all ATT(g,t) with ``--draws`` Mammen draws twice:

* ``hitex``: :func:`hitex.models.did.multiplier_bootstrap` (one matrix product per block of
  draws);
* ``loop``: a plain Python loop over draws, one weighted mean per draw and cell, with the
  same weights (same seed), as a straightforward port of R ``did``'s ``mboot`` would do.

Both give the same standard errors (checked); the script prints the times and the ratio.
Run on demand, never in the test suite::

    python benchmarks/bench_did_bootstrap.py --units 5000 --draws 999
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from hitex.models.did import att_gt, multiplier_bootstrap


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 4, 6, 8], size=n)
    x = rng.normal(size=n)
    rows = []
    for i in range(n):
        a = rng.normal()
        for t in range(1, 9):
            eff = 1.0 if cohorts[i] and t >= cohorts[i] else 0.0
            rows.append((i, t, cohorts[i], x[i], a + t * (0.2 + 0.3 * x[i]) + eff + rng.normal()))
    return pd.DataFrame(rows, columns=["id", "t", "g", "x", "y"])


def loop_bootstrap(psi: np.ndarray, draws: int, seed: int) -> np.ndarray:
    n, k = psi.shape
    rng = np.random.default_rng(seed)
    p = (math.sqrt(5) + 1) / (2 * math.sqrt(5))
    v = np.where(rng.random((draws, n)) < p, (1 - math.sqrt(5)) / 2, (1 + math.sqrt(5)) / 2)
    out = np.empty((draws, k))
    for b in range(draws):
        for j in range(k):
            out[b, j] = np.mean(psi[:, j] * v[b])
    q75, q25 = np.quantile(out, [0.75, 0.25], axis=0, method="inverted_cdf")
    return (q75 - q25) / 1.3489795003921634


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=999)
    args = parser.parse_args()
    data = simulate(args.units)
    start = time.perf_counter()
    res = att_gt(data, "y", "id", "t", "g", covariates=["x"])
    t_fit = time.perf_counter() - start
    psi = res.influence
    start = time.perf_counter()
    boot = multiplier_bootstrap(psi, n_boot=args.draws, seed=42)
    t_hitex = time.perf_counter() - start
    start = time.perf_counter()
    se_loop = loop_bootstrap(psi, args.draws, seed=42)
    t_loop = time.perf_counter() - start
    np.testing.assert_allclose(boot.std_errors, se_loop, rtol=1e-10)
    print(f"att_gt (dr, 1 covariate): {psi.shape[1]} cells, {psi.shape[0]} units, "
          f"{t_fit:.2f} s")
    print(f"multiplier bootstrap, {args.draws} draws: hitex {t_hitex:.3f} s, plain loop "
          f"{t_loop:.3f} s, ratio loop/hitex = {t_loop / t_hitex:.1f}x (same SEs)")


if __name__ == "__main__":
    main()
