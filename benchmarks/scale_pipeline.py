"""The trade pipeline on DuckDB against a hand-written DuckDB query and pandas, by size.

A BACI-like job on generated data: join every record to a high-tech list
(longest prefix, with an exclusion); exporter-year totals, high-tech exports
and share; exporter x HS4 x year with RCA, Mcp, diversity and ubiquity;
exporter x importer x category x year. Four ways, each in its own subprocess
(wall time, and peak resident memory from ``getrusage``):

* ``pipeline-csv``: :func:`hitex.data.pipeline.trade.run_trade_pipeline` on the
  CSV file (with its checks: bad values and the duplicate count pass);
* ``pipeline-parquet``: the same on the year-partitioned Parquet dataset that
  :func:`hitex.data.pipeline.convert.convert_trade` wrote (duplicates were
  checked once, at conversion);
* ``duckdb-csv`` / ``duckdb-parquet``: one hand-written DuckDB SQL script
  computing the same tables, no checks;
* ``pandas-csv`` / ``pandas-parquet``: ``read_csv`` / ``read_parquet``, a
  category map over the distinct codes, ``groupby`` and ``transform``;
* with ``--spark``, ``spark-csv`` / ``spark-parquet``: the same pipeline on
  Spark in local mode; its start-up (JVM and session) is printed apart.

DuckDB runs with the same memory limit (``--memory-limit``) in both DuckDB
ways. Module imports are timed apart (``import s``: Ibis and hitex for the
pipeline, a constant per run). The parent checks that all ways give the same exporter-importer-category
total and prints each time and peak memory with its ratio to the hand-written
query on the same source. Run on demand, never in the test suite::

    python benchmarks/scale_pipeline.py --rows 1000000 10000000 --repeat 3
    python benchmarks/scale_pipeline.py --rows 1000000 --spark
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
        "code": ["30", "3006", "8471", "8517", "8541", "8542", "88", "9018"],
        "category": ["pharmaceuticals", None, "computers_office", "electronics_telecom",
                     "electronics_telecom", "electronics_telecom", "aerospace",
                     "medical_instruments"],
    }
)
_CHUNK = 1_000_000
WAYS = ("pipeline", "duckdb", "pandas")


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write a BACI-format CSV (``t,i,j,k,v,q``) of distinct records, chunk by chunk."""
    rng = np.random.default_rng(seed)
    countries = rng.choice(np.arange(4, 900), size=220, replace=False)
    hs = np.unique(rng.integers(10_000, 970_000, size=6_000))
    hs = np.concatenate([hs, [300490, 847130, 851712, 854231, 880240, 901890, 300610]])
    products = np.array([f"{c:06d}" for c in hs])
    years = np.arange(2015, 2020)
    space = len(years) * len(countries) ** 2 * len(products)
    keys = np.sort(rng.choice(space, size=rows, replace=False))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("t,i,j,k,v,q\n")
        for start in range(0, rows, _CHUNK):
            key = keys[start:start + _CHUNK]
            key, k = np.divmod(key, len(products))
            key, j = np.divmod(key, len(countries))
            t, i = np.divmod(key, len(countries))
            pd.DataFrame({
                "t": years[t], "i": countries[i], "j": countries[j], "k": products[k],
                "v": np.round(rng.lognormal(3.0, 2.0, size=len(key)), 3),
                "q": np.round(rng.lognormal(1.0, 2.0, size=len(key)), 3),
            }).to_csv(fh, header=False, index=False)


# --------------------------------------------------------------------------- the ways
def run_pipeline(source: Path, kind: str, memory_limit: str) -> float:
    from hitex.data.pipeline.engine import EngineOptions
    from hitex.data.pipeline.trade import run_trade_pipeline

    out = run_trade_pipeline(
        source, fmt="baci" if kind == "csv" else "parquet", categories=CATEGORIES,
        code_system="HS", product_digits=4, engine_options=EngineOptions(memory_limit=memory_limit),
    )
    return float(out.exporter_importer_sector_year["value"].sum())


_SQL = """
CREATE TEMP TABLE cat AS SELECT * FROM cats;
CREATE TEMP TABLE rec AS
SELECT r.exporter, r.importer, r.year, r.product, r.value,
       coalesce(CASE WHEN c4.code IS NOT NULL THEN c4.category
                     WHEN c2.code IS NOT NULL THEN c2.category END, 'other') AS category
FROM ({source}) r
LEFT JOIN (SELECT * FROM cat WHERE length(code) = 4) c4 ON substr(r.product, 1, 4) = c4.code
LEFT JOIN (SELECT * FROM cat WHERE length(code) = 2) c2 ON substr(r.product, 1, 2) = c2.code;
CREATE TEMP TABLE ey AS
SELECT exporter, year, sum(value) AS value,
       sum(CASE WHEN category <> 'other' THEN value ELSE 0 END) AS hightech,
       sum(CASE WHEN category <> 'other' THEN value ELSE 0 END) / sum(value) AS share
FROM rec GROUP BY ALL;
CREATE TEMP TABLE eisy AS
SELECT exporter, importer, year, category, sum(value) AS value FROM rec
WHERE category <> 'other' GROUP BY ALL;
CREATE TEMP TABLE epy AS
SELECT exporter, year, substr(product, 1, 4) AS product, sum(value) AS value FROM rec GROUP BY ALL;
CREATE TEMP TABLE cx AS
WITH r AS (
  SELECT *, (value / sum(value) OVER (PARTITION BY exporter, year))
          / (sum(value) OVER (PARTITION BY year, product) / sum(value) OVER (PARTITION BY year))
          AS rca FROM epy),
m AS (SELECT *, CASE WHEN rca >= 1 THEN 1 ELSE 0 END AS mcp FROM r)
SELECT *, sum(mcp) OVER (PARTITION BY exporter, year) AS diversity,
          sum(mcp) OVER (PARTITION BY product, year) AS ubiquity FROM m;
"""


def run_spark(source: Path, kind: str, memory_limit: str) -> float:
    from hitex.data.pipeline.trade import run_trade_pipeline

    out = run_trade_pipeline(
        source, fmt="baci" if kind == "csv" else "parquet", categories=CATEGORIES,
        code_system="HS", product_digits=4, engine="spark", spark_master="local[*]",
    )
    return float(out.exporter_importer_sector_year["value"].sum())


def spark_startup() -> float:
    """Seconds to start a local Spark session (the JVM included)."""
    from hitex.data.pipeline.engines import connect

    start = time.perf_counter()
    connect("spark", spark_master="local[*]")
    return time.perf_counter() - start


def run_duckdb(source: Path, kind: str, memory_limit: str) -> float:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.register("cats", CATEGORIES.astype(object))
    if kind == "csv":
        src = (f"SELECT CAST(i AS VARCHAR) AS exporter, CAST(j AS VARCHAR) AS importer, t AS year, "
               f"lpad(k, 6, '0') AS product, v * 1000.0 AS value FROM read_csv('{source}', "
               "header = true, columns = {'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', "
               "'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'VARCHAR'})")
    else:
        src = (f"SELECT exporter, importer, year, product, value FROM "
               f"read_parquet('{source}/**/*.parquet', hive_partitioning = true)")
    for stmt in _SQL.format(source=src).split(";"):
        if stmt.strip():
            con.execute(stmt)
    for table in ("ey", "eisy", "cx"):
        con.execute(f"SELECT * FROM {table}").df()
    return float(con.execute("SELECT sum(value) FROM eisy").fetchone()[0])


def run_pandas(source: Path, kind: str, memory_limit: str) -> float:
    if kind == "csv":
        df = pd.read_csv(source, dtype={"k": str, "i": "int64", "j": "int64"},
                         usecols=["t", "i", "j", "k", "v"])
        df = pd.DataFrame({"exporter": df["i"].astype(str), "importer": df["j"].astype(str),
                           "year": df["t"], "product": df["k"].str.zfill(6),
                           "value": df["v"] * 1000.0})
    else:
        df = pd.read_parquet(source, columns=["exporter", "importer", "year", "product", "value"])
        df["year"] = df["year"].astype("int64")
    listed = dict(zip(CATEGORIES["code"], CATEGORIES["category"], strict=True))

    def cat(code: str) -> str:
        for n in (4, 2):
            if code[:n] in listed:
                value = listed[code[:n]]
                return "other" if value is None else value
        return "other"

    codes = pd.Series(df["product"].unique())
    df["category"] = df["product"].map(dict(zip(codes, codes.map(cat), strict=True)))
    high = df["category"] != "other"
    df["hightech"] = df["value"].where(high, 0.0)
    ey = df.groupby(["exporter", "year"], as_index=False)[["value", "hightech"]].sum()
    ey["share"] = ey["hightech"] / ey["value"]
    eisy = df[high].groupby(["exporter", "importer", "year", "category"], as_index=False)[
        "value"].sum()
    df["hs4"] = df["product"].str[:4]
    epy = df.groupby(["exporter", "year", "hs4"], as_index=False)["value"].sum()
    xc = epy.groupby(["exporter", "year"])["value"].transform("sum")
    xp = epy.groupby(["year", "hs4"])["value"].transform("sum")
    xw = epy.groupby("year")["value"].transform("sum")
    epy["rca"] = (epy["value"] / xc) / (xp / xw)
    epy["mcp"] = (epy["rca"] >= 1).astype(int)
    epy["diversity"] = epy.groupby(["exporter", "year"])["mcp"].transform("sum")
    epy["ubiquity"] = epy.groupby(["hs4", "year"])["mcp"].transform("sum")
    return float(eisy["value"].sum())


def child(way: str, source: Path, kind: str, memory_limit: str) -> None:
    start = time.perf_counter()
    if way in ("pipeline", "spark"):  # imports are timed apart: a constant, not per row
        import hitex.data.pipeline.trade  # noqa: F401
    else:
        import duckdb  # noqa: F401
    imported = time.perf_counter() - start
    startup = spark_startup() if way == "spark" else 0.0
    start = time.perf_counter()
    total = {"pipeline": run_pipeline, "duckdb": run_duckdb, "pandas": run_pandas,
             "spark": run_spark}[way](source, kind, memory_limit)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "total": total,
                      "import_seconds": imported, "startup_seconds": startup}))


def _run_child(way: str, source: Path, kind: str, memory_limit: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", way, "--source", str(source), "--kind", kind,
         "--memory-limit", memory_limit],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each way this many times and keep the fastest run")
    parser.add_argument("--sources", nargs="+", choices=["csv", "parquet"],
                        default=["csv", "parquet"], help="sources to time")
    parser.add_argument("--spark", action="store_true",
                        help="also run the pipeline on Spark local mode (needs hitex[spark])")
    parser.add_argument("--child", choices=(*WAYS, "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=["csv", "parquet"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.source, args.kind, args.memory_limit)
        return
    from hitex.data.pipeline.convert import convert_trade

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{'rows':>12} {'way':<18}{'seconds':>9}{'peak MB':>9}{'time ratio':>11}"
              f"{'memory ratio':>13}{'import s':>9}")
        for rows in args.rows:
            csv = work / f"baci_{rows}.csv"
            if not csv.exists():
                start = time.perf_counter()
                generate(csv, rows)
                print(f"# generated {rows:,} rows ({csv.stat().st_size / 2**20:.0f} MB) in "
                      f"{time.perf_counter() - start:.1f} s")
            dataset = work / f"baci_{rows}_parquet"
            if not dataset.exists():
                start = time.perf_counter()
                convert_trade(csv, dataset)
                print(f"# converted to Parquet (checked once) in "
                      f"{time.perf_counter() - start:.1f} s")
            totals = []
            for kind, source in (("csv", csv), ("parquet", dataset)):
                if kind not in args.sources:
                    continue
                res = {}
                ways = (*WAYS, "spark") if args.spark else WAYS
                for _ in range(max(1, args.repeat)):
                    for way in ways:  # interleaved, so that a busy moment hits every way
                        r = _run_child(way, source, kind, args.memory_limit)
                        if way not in res or r.get("seconds", 1e9) < res[way].get(
                                "seconds", 1e9):
                            res[way] = r
                base = res["duckdb"]
                for way, r in res.items():
                    if "error" in r:
                        print(f"{rows:>12,} {way + '-' + kind:<18} failed: {r['error']}")
                        continue
                    totals.append(r["total"])
                    print(f"{rows:>12,} {way + '-' + kind:<18}{r['seconds']:>9.2f}"
                          f"{r['peak_mb']:>9.0f}{r['seconds'] / base['seconds']:>11.2f}"
                          f"{r['peak_mb'] / base['peak_mb']:>13.2f}"
                          f"{r['import_seconds']:>9.2f}")
                    if way == "spark":
                        print(f"# Spark local mode: start-up {r['startup_seconds']:.1f} s (not in "
                              f"the time above); {1e6 * r['seconds'] / rows:.2f} s per million "
                              f"rows; peak MB counts the Python driver only, not the JVM")
            same = max(totals) - min(totals) <= 1e-9 * max(abs(x) for x in totals)
            print(f"# {rows:,} rows: all ways give the same high-tech total: {same}; ratios "
                  "are against the hand-written DuckDB query on the same source")


if __name__ == "__main__":
    main()
