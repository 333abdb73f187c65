"""Aggregating a large BACI-format file: hitex (DuckDB, streaming) against pandas.

Generates a BACI-format CSV (``t,i,j,k,v,q``) of ``--rows`` rows, written in
chunks so the generator never holds the file in memory, then aggregates it to
exporter x importer x year x high-tech category twice, each in its own
subprocess:

* ``hitex``: :func:`hitex.data.tradeflows.aggregate_trade` (DuckDB, memory
  limit 1 GB, spilling to a temporary folder);
* ``pandas``: ``pd.read_csv`` of the whole file, longest-prefix category
  lookup, ``groupby().sum()``.

Each child reports its wall time and its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``); the parent checks that both
give the same total. Run on demand, never in the test suite::

    python benchmarks/bench_aggregate.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CATEGORIES = pd.DataFrame(
    {
        "code": ["30", "8471", "8517", "8541", "8542", "88", "9018", "3006"],
        "category": [
            "pharmaceuticals",
            "computers_office",
            "electronics_telecom",
            "electronics_telecom",
            "electronics_telecom",
            "aerospace",
            "medical_instruments",
            None,  # exclusion: 3006 is not counted as pharmaceuticals
        ],
    }
)
_CHUNK = 500_000


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write a BACI-format CSV of ``rows`` random rows, chunk by chunk."""
    rng = np.random.default_rng(seed)
    countries = rng.choice(np.arange(4, 900), size=220, replace=False)
    hs = np.unique(rng.integers(10_000, 970_000, size=6_000))
    hs = np.concatenate([hs, [300490, 847130, 851712, 854231, 880240, 901890, 300610]])
    products = np.array([f"{c:06d}" for c in hs])
    years = np.arange(2017, 2020)
    # one row per (year, exporter, importer, product), as in BACI: draw distinct keys
    space = len(years) * len(countries) * len(countries) * len(products)
    keys = np.sort(rng.choice(space, size=rows, replace=False))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("t,i,j,k,v,q\n")
        for start in range(0, rows, _CHUNK):
            key = keys[start:start + _CHUNK]
            key, k = np.divmod(key, len(products))
            key, j = np.divmod(key, len(countries))
            t, i = np.divmod(key, len(countries))
            n = len(key)
            chunk = pd.DataFrame(
                {
                    "t": years[t],
                    "i": countries[i],
                    "j": countries[j],
                    "k": products[k],
                    "v": np.round(rng.lognormal(3.0, 2.0, size=n), 3),
                    "q": np.round(rng.lognormal(1.0, 2.0, size=n), 3),
                }
            )
            chunk.to_csv(fh, header=False, index=False)


def run_hitex(path: Path) -> dict:
    from hitex.data.tradeflows import aggregate_trade

    out = aggregate_trade(path, fmt="baci", categories=CATEGORIES, code_system="HS")
    return {"groups": len(out), "total": float(out["value"].sum())}


def run_pandas(path: Path) -> dict:
    df = pd.read_csv(path, dtype={"k": str})
    listed = dict(zip(CATEGORIES["code"], CATEGORIES["category"], strict=True))
    category = pd.Series(pd.NA, index=df.index, dtype="object")
    matched = pd.Series(False, index=df.index)
    for n in sorted({len(c) for c in listed}, reverse=True):
        prefix = df["k"].str.slice(0, n)
        hit = ~matched & prefix.isin(list(listed))
        category[hit] = prefix[hit].map(listed)
        matched |= hit
    df["category"] = category
    df = df[df["category"].notna()]
    out = df.groupby(["i", "j", "t", "category"], sort=True)["v"].sum().reset_index()
    return {"groups": len(out), "total": float(out["v"].sum()) * 1000.0}


def child(which: str, path: Path) -> None:
    start = time.perf_counter()
    result = run_hitex(path) if which == "hitex" else run_pandas(path)
    result["seconds"] = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    result["peak_mb"] = peak_kb / 1024.0
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--file", type=Path, help="reuse (or create) this BACI-format file")
    parser.add_argument("--child", choices=["hitex", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "baci_bench.csv"
        if not path.exists():
            start = time.perf_counter()
            generate(path, args.rows)
            print(
                f"generated {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MB) in "
                f"{time.perf_counter() - start:.1f} s"
            )
        results = {}
        for which in ("hitex", "pandas"):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", which, "--file", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[which] = json.loads(proc.stdout.strip().splitlines()[-1])
        h, p = results["hitex"], results["pandas"]
        same = abs(h["total"] - p["total"]) <= 1e-9 * max(abs(p["total"]), 1.0)
        print(
            f"rows: {args.rows:,}   groups: hitex {h['groups']:,}, pandas {p['groups']:,}; "
            f"totals agree: {same}"
        )
        print(f"{'path':<8}{'seconds':>10}{'peak MB':>10}")
        for name, r in results.items():
            print(f"{name:<8}{r['seconds']:>10.2f}{r['peak_mb']:>10.0f}")
        print(
            f"ratio hitex/pandas: time {h['seconds'] / p['seconds']:.2f}, "
            f"peak memory {h['peak_mb'] / p['peak_mb']:.2f}"
        )


if __name__ == "__main__":
    main()
