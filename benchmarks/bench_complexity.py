"""Economic complexity: hitex against a plain implementation of the same definitions.

Times :func:`hitex.indicators.complexity.economic_complexity` (symmetric
eigenproblem with ``numpy.linalg.eigh``, vectorised proximity, density, COI and
COG) against a plain version written here the way the Growth Lab's Python port
(py-ecomplexity) computes it: rectangularise with pandas, general eigenproblem
``numpy.linalg.eig`` of the non-symmetric country-product matrix, a loop over
years. Both run in the same process on the same table; the script checks that
they give the same ECI and PCI and prints the time ratio. If the package
``ecomplexity`` (py-ecomplexity) is installed it is timed too. Run on demand::

    python benchmarks/bench_complexity.py                  # real 2017 HS4 exports (bundle)
    python benchmarks/bench_complexity.py --synthetic --countries 200 --products 1200 --years 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from hitex.indicators.complexity import economic_complexity


def synthetic(countries: int, products: int, years: int, seed: int = 1) -> pd.DataFrame:
    """A dense exporter x product x year table with a nested (complexity-like) structure."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=countries)
    difficulty = rng.normal(size=products)
    frames = []
    for t in range(years):
        size = np.exp(rng.normal(22, 1.5, size=countries))
        logit = ability[:, None] - difficulty[None, :] + rng.normal(scale=1.0,
                                                                    size=(countries, products))
        share = np.exp(logit)
        share /= share.sum(axis=1, keepdims=True)
        value = size[:, None] * share
        frames.append(pd.DataFrame({
            "year": 2000 + t,
            "country": np.repeat([f"c{i:03d}" for i in range(countries)], products),
            "product": np.tile([f"{p:04d}" for p in range(products)], countries),
            "value": value.ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def plain(trade: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """ECI and PCI as py-ecomplexity computes them (general eigensolver, dense, per year)."""
    eci_all, pci_all = [], []
    for year, part in trade.groupby("year"):
        x = part.pivot_table(index="country", columns="product", values="value",
                             aggfunc="sum", fill_value=0.0)
        xv = x.to_numpy()
        rca = (xv / xv.sum(axis=1, keepdims=True)) / (xv.sum(axis=0) / xv.sum())
        m = (rca >= 1).astype(float)
        kc0, kp0 = m.sum(axis=1), m.sum(axis=0)
        mcp1 = m / kc0[:, None]
        mcp2 = m / kp0[None, :]
        mpp = mcp2.T @ mcp1
        vals, vecs = np.linalg.eig(mpp)
        kp = np.real(vecs[:, np.argsort(np.real(vals))[-2]])
        kc = mcp1 @ kp
        sign = 1.0 if np.corrcoef(kc0, kc)[0, 1] > 0 else -1.0
        kc, kp = sign * kc, sign * kp
        rows = kc.size * kp.size
        mean = kc.mean()
        sd = np.sqrt(((kc - mean) ** 2).sum() * kp.size / (rows - 1))
        eci_all.append(pd.Series((kc - mean) / sd, index=pd.MultiIndex.from_product(
            [[year], x.index], names=["year", "country"])))
        pci_all.append(pd.Series((kp - mean) / sd, index=pd.MultiIndex.from_product(
            [[year], x.columns], names=["year", "product"])))
    return pd.concat(eci_all), pd.concat(pci_all)


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--products", type=int, default=1200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    if args.synthetic:
        trade = synthetic(args.countries, args.products, args.years)
        label = f"synthetic {args.countries} x {args.products} x {args.years} years"
    else:
        from hitex.data.product_exports import read_product_exports

        trade = read_product_exports(2017)
        totals = trade.groupby("country")["value"].sum()
        trade = trade[trade["country"].isin(totals[totals >= 1e9].index)]
        label = f"real 2017 HS4, {trade['country'].nunique()} exporters >= 1 bn USD"

    t_hitex, res = best_of(lambda: economic_complexity(trade, year="year"), args.repeat)
    t_plain, (eci, pci) = best_of(lambda: plain(trade), args.repeat)
    got = res.countries.set_index(["year", "country"])["eci"]
    diff = float(np.max(np.abs(got.loc[eci.index].to_numpy() - eci.to_numpy())))
    got_p = res.products.set_index(["year", "product"])["pci"]
    diff_p = float(np.max(np.abs(got_p.loc[pci.index].to_numpy() - pci.to_numpy())))
    print(f"{label}: {len(trade):,} rows")
    print(f"  hitex economic_complexity (all measures): {t_hitex:8.3f} s")
    print(f"  plain eig (ECI and PCI only)            : {t_plain:8.3f} s")
    print(f"  ratio plain / hitex                     : {t_plain / t_hitex:8.2f}")
    print(f"  max |ECI difference| {diff:.2e}, max |PCI difference| {diff_p:.2e}")
    try:
        from ecomplexity import ecomplexity as peer  # py-ecomplexity, if installed
    except ImportError:
        print("  (py-ecomplexity not installed: peer not timed)")
        return
    cols = {"time": "year", "loc": "country", "prod": "product", "val": "value"}
    t_peer, _ = best_of(lambda: peer(trade, cols, verbose=False), args.repeat)
    print(f"  py-ecomplexity (all measures)           : {t_peer:8.3f} s")
    print(f"  ratio py-ecomplexity / hitex            : {t_peer / t_hitex:8.2f}")


if __name__ == "__main__":
    main()
