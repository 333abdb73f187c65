"""The engine-neutral trade pipeline on DuckDB against hitex's own pandas and DuckDB code.

Oracles: :func:`hitex.data.tradeflows.aggregate_trade` (a separate DuckDB SQL
implementation) for the exporter-importer-category-year table; plain Python
loops over the records written here for the exporter-year and
exporter-product-year tables; :mod:`hitex.indicators.sophistication` (pandas)
for RCA, PRODY and EXPY; pandas group-bys of that RCA for Mcp, diversity and
ubiquity. Values must agree to 1e-9 relative and keys exactly.
"""

from __future__ import annotations

import random
import warnings
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import tradeflows as tf
from hitex.data.pipeline.engines import connect
from hitex.data.pipeline.read import checked_records, read_trade, with_key_hash
from hitex.data.pipeline.trade import run_trade_pipeline
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    SpecificationError,
)
from hitex.indicators import sophistication as so

REL = 1e-9
HS_CATEGORIES = pd.DataFrame(
    {
        "code": ["30", "3006", "8471", "85", "8542"],
        "category": ["pharma", None, "computers", "electronics", "chips"],
    }
)
CODES = ["010121", "300490", "300610", "847130", "851712", "854231", "880240", "090111"]
EXPORTERS = (4, 156, 842, 251)


def _category(code: str) -> str | None:
    """The longest-prefix rule written out by hand for HS_CATEGORIES."""
    for prefix, cat in (("3006", None), ("8542", "chips"), ("8471", "computers"),
                        ("85", "electronics"), ("30", "pharma")):
        if code.startswith(prefix):
            return cat
    return None


def _write_baci(path: Path, rows: list[tuple]) -> Path:
    lines = ["t,i,j,k,v,q"] + [",".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baci_rows() -> list[tuple]:
    rng = random.Random(11)
    rows = [
        (t, i, j, k, round(rng.uniform(0, 500), 3), "NA")
        for t in (2018, 2019)
        for i in EXPORTERS
        for j in (8, 156, 842, 699)
        for k in CODES
        if rng.random() > 0.15  # some zero flows, so that not every exporter has every product
    ]
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def gdp() -> pd.DataFrame:
    return pd.DataFrame(
        [(str(c), y, 900.0 * (n + 1) ** 2 + 13.0 * (y - 2017)) for n, c in enumerate(EXPORTERS)
         for y in (2018, 2019)],
        columns=["exporter", "year", "gdp_pc"],
    )


@pytest.fixture(scope="module")
def baci_file(tmp_path_factory, baci_rows) -> Path:
    return _write_baci(tmp_path_factory.mktemp("baci") / "BACI_HS17.csv", baci_rows)


@pytest.fixture(scope="module")
def result(baci_file, gdp):
    return run_trade_pipeline(baci_file, categories=HS_CATEGORIES, code_system="HS", gdp_pc=gdp)


def _close(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], cols: list[str]) -> None:
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(want)
    for k in keys:
        assert got[k].astype(str).tolist() == want[k].astype(str).tolist(), k
    for c in cols:
        a, b = got[c].astype(float), want[c].astype(float)
        assert (a.isna() == b.isna()).all(), c
        assert a[a.notna()].to_numpy() == pytest.approx(b[b.notna()].to_numpy(), rel=REL), c


def _epy(rows) -> pd.DataFrame:
    sums: dict[tuple, float] = defaultdict(float)
    for t, i, _j, k, v, _ in rows:
        sums[(str(i), t, k)] += v * 1000.0
    return pd.DataFrame([(*k, v) for k, v in sums.items()],
                        columns=["exporter", "year", "product", "value"])


# --------------------------------------------------------------------------- aggregates
def test_sector_table_equals_aggregate_trade(result, baci_file):
    want = tf.aggregate_trade(baci_file, categories=HS_CATEGORIES, code_system="HS")
    got = result.exporter_importer_sector_year
    assert list(got.columns) == list(tf.AGGREGATE_COLUMNS)
    _close(got, want, ["exporter", "importer", "year", "category"], ["value"])


def test_exporter_product_year_equals_python_sums(result, baci_rows):
    _close(result.exporter_product_year, _epy(baci_rows), ["exporter", "year", "product"],
           ["value"])


def test_exporter_year_totals_and_hightech_share(result, baci_rows):
    total: dict[tuple, float] = defaultdict(float)
    high: dict[tuple, float] = defaultdict(float)
    for t, i, _j, k, v, _ in baci_rows:
        total[(str(i), t)] += v * 1000.0
        if _category(k):
            high[(str(i), t)] += v * 1000.0
    want = pd.DataFrame(
        [(*k, v, high[k], high[k] / v) for k, v in total.items()],
        columns=["exporter", "year", "value", "hightech", "hightech_share"],
    )
    _close(result.exporter_year, want, ["exporter", "year"],
           ["value", "hightech", "hightech_share"])


def test_hs4_products(baci_file, baci_rows):
    out = run_trade_pipeline(baci_file, categories=HS_CATEGORIES, code_system="HS",
                             product_digits=4)
    want = _epy(baci_rows).assign(product=lambda d: d["product"].str[:4])
    want = want.groupby(["exporter", "year", "product"], as_index=False)["value"].sum()
    _close(out.exporter_product_year, want, ["exporter", "year", "product"], ["value"])


# --------------------------------------------------------------------------- indicators
def test_rca_equals_sophistication_rca(result, baci_rows):
    want = so.rca(_epy(baci_rows), country="exporter", year="year")
    _close(result.rca, want, ["exporter", "year", "product"], ["value", "rca"])


def test_prody_and_expy_equal_sophistication(result, baci_rows, gdp):
    epy = _epy(baci_rows)
    want_p = so.prody(epy, gdp, country="exporter", year="year")
    _close(result.prody, want_p, ["year", "product"], ["prody"])
    want_e = so.expy(epy, want_p, country="exporter", year="year")
    _close(result.expy, want_e, ["exporter", "year"], ["expy"])


def test_complexity_inputs_from_rca(result, baci_rows):
    r = so.rca(_epy(baci_rows), country="exporter", year="year")
    r["mcp"] = (r["rca"] >= 1).astype(int)
    r["diversity"] = r.groupby(["exporter", "year"])["mcp"].transform("sum")
    r["ubiquity"] = r.groupby(["product", "year"])["mcp"].transform("sum")
    _close(result.complexity, r, ["exporter", "year", "product"],
           ["rca", "mcp", "diversity", "ubiquity"])


# --------------------------------------------------------------------------- other inputs
def test_gzip_files_and_country_codes(tmp_path, baci_rows):
    import gzip

    first = _write_baci(tmp_path / "a.csv", baci_rows[:100])
    second = tmp_path / "b.csv.gz"
    second.write_bytes(gzip.compress(_write_baci(tmp_path / "t.csv", baci_rows[100:]).read_bytes()))
    codes = pd.DataFrame({"code": ["4", "156", "842", "251", "8"],
                          "iso3": ["AFG", "CHN", "USA", "FRA", "ALB"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCoverageWarning)  # 699 is not in the table
        want = tf.aggregate_trade([first, second], categories=HS_CATEGORIES, code_system="HS",
                                  country_codes=codes)
    with pytest.warns(DataCoverageWarning, match=r"country codes \['699'\] are not in"):
        got = run_trade_pipeline([first, second], categories=HS_CATEGORIES, code_system="HS",
                                 country_codes=codes).exporter_importer_sector_year
    _close(got, want, ["exporter", "importer", "year", "category"], ["value"])
    assert set(got["importer"]) == {"ALB", "CHN", "USA", "699"}


COMTRADE_HEADER = ["typeCode", "freqCode", "refYear", "period", "reporterCode", "reporterISO",
                   "flowCode", "partnerCode", "partnerISO", "partner2Code", "classificationCode",
                   "cmdCode", "cmdDesc", "customsCode", "motCode", "primaryValue", "fobvalue"]


def _comtrade(path: Path, rows: list[tuple], delim: str = ",") -> Path:
    codes = {"CHN": 156, "USA": 842, "DEU": 276, "W00": 0}
    lines = [delim.join(COMTRADE_HEADER)]
    for rep, par, flow, cmd, value, mot in rows:
        rec = ["C", "A", "2019", "2019", codes[rep], rep, flow, codes[par], par, 0, "H5", cmd,
               '"Machines, parts"', "C00", mot, value, value]
        lines.append(delim.join(str(x) for x in rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("flow", ["X", "M"])
def test_comtrade_plus_equals_aggregate_trade(tmp_path, flow):
    path = _comtrade(tmp_path / "c.csv", [
        ("CHN", "USA", "X", "847130", 100.0, 0),
        ("CHN", "USA", "X", "854231", 50.0, 0),
        ("CHN", "DEU", "X", "300490", 7.0, 0),
        ("CHN", "USA", "X", "8471", 150.0, 0),  # heading: left out
        ("CHN", "USA", "X", "TOTAL", 1000.0, 0),
        ("CHN", "W00", "X", "847130", 999.0, 0),  # partner World: left out
        ("CHN", "USA", "X", "847130", 5.0, 1000),  # a transport mode: left out
        ("USA", "CHN", "M", "847130", 80.0, 0),
        ("USA", "CHN", "X", "854231", 30.0, 0),
        ("USA", "DEU", "M", "30490", 12.0, 0),  # lost leading zero: 030490 is not pharma
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCoverageWarning)
        want = tf.aggregate_trade(path, fmt="comtrade", flow=flow, categories=HS_CATEGORIES,
                                  code_system="HS", other="other")
    got = run_trade_pipeline(path, fmt="comtrade", flow=flow, categories=HS_CATEGORIES,
                             code_system="HS", other="other")
    want = want[want["category"] != "other"]
    _close(got.exporter_importer_sector_year, want,
           ["exporter", "importer", "year", "category"], ["value"])


def test_duplicates_dropped_once_with_warning(tmp_path, baci_rows):
    path = _write_baci(tmp_path / "a.csv", baci_rows)
    again = _write_baci(tmp_path / "b.csv", baci_rows[:5])
    with pytest.warns(DataCoverageWarning, match="5 duplicate"):
        got = run_trade_pipeline([path, again], categories=HS_CATEGORIES, code_system="HS")
    _close(got.exporter_product_year, _epy(baci_rows), ["exporter", "year", "product"],
           ["value"])


# --------------------------------------------------------------------------- bad input
def test_conflicting_duplicates_raise(tmp_path, baci_rows):
    t, i, j, k, v, q = baci_rows[0]
    path = _write_baci(tmp_path / "a.csv", [*baci_rows, (t, i, j, k, v + 1, q)])
    with pytest.raises(DuplicateKeyError, match="different values"):
        run_trade_pipeline(path, categories=HS_CATEGORIES, code_system="HS")


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [("-5", DataFormatError, "negative"), ("1,5", DataFormatError, "columns"),
     ("abc", DataFormatError, "not a number")],
)
def test_bad_values_raise(tmp_path, value, error, match):
    path = tmp_path / "b.csv"
    path.write_text(f"t,i,j,k,v,q\n2019,4,8,847130,{value},1\n2019,4,8,847140,3,1\n")
    with pytest.raises(error, match=match):
        run_trade_pipeline(path, categories=HS_CATEGORIES, code_system="HS")


def test_missing_value_warns(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("t,i,j,k,v,q\n2019,4,8,847130,,1\n2019,4,8,847140,3,1\n")
    with pytest.warns(DataCoverageWarning, match="no value"):
        out = run_trade_pipeline(path, categories=HS_CATEGORIES, code_system="HS")
    assert out.exporter_year["value"].tolist() == [3000.0]


def test_empty_after_filters(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("t,i,j,k,v,q\n2019,4,8,84713011,3,1\n")
    with pytest.raises(EmptySampleError, match="code_digits"):
        run_trade_pipeline(path, categories=HS_CATEGORIES, code_system="HS")


def test_missing_gdp_raises_and_drop(baci_file, gdp):
    short = gdp[gdp["exporter"] != "251"]
    with pytest.raises(DataFormatError, match="no GDP per capita"):
        run_trade_pipeline(baci_file, categories=HS_CATEGORIES, code_system="HS", gdp_pc=short)
    with pytest.raises(ColumnNotFoundError, match="gdp_pc"):
        run_trade_pipeline(baci_file, categories=HS_CATEGORIES, code_system="HS",
                           gdp_pc=gdp.rename(columns={"gdp_pc": "y"}))


def test_bad_arguments(tmp_path, baci_file):
    with pytest.raises(SpecificationError, match="not known"):
        connect("polars")
    with pytest.raises(SpecificationError, match="unknown engine setting"):
        connect("duckdb", memory="1GB")
    with pytest.raises(DataNotFoundError, match="not found"):
        run_trade_pipeline(tmp_path / "none.csv", categories=HS_CATEGORIES, code_system="HS")
    with pytest.raises(SpecificationError, match="flow"):
        run_trade_pipeline(baci_file, categories=HS_CATEGORIES, code_system="HS", flow="E")
    with pytest.raises(DataFormatError, match="not a BACI file"):
        run_trade_pipeline(_comtrade(tmp_path / "c.csv", [("CHN", "USA", "X", "847130", 1, 0)]),
                           categories=HS_CATEGORIES, code_system="HS")
    with pytest.raises(DataNotFoundError, match="Parquet dataset"):
        run_trade_pipeline(tmp_path / "nodir", fmt="parquet", categories=HS_CATEGORIES,
                           code_system="HS")
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataFormatError, match="year=YYYY"):
        run_trade_pipeline(tmp_path / "flat", fmt="parquet", categories=HS_CATEGORIES,
                           code_system="HS")


def test_records_are_lazy_and_checked(baci_file):
    eng = connect("duckdb", threads=1)
    try:
        raw = read_trade(eng, baci_file)
        with pytest.raises(SpecificationError, match="duplicates"):
            checked_records(eng, raw, duplicates="maybe")
        rec = checked_records(eng, raw, duplicates="trust")
        assert list(rec.columns) == ["exporter", "importer", "year", "product", "value"]
    finally:
        eng.close()


def test_spark_without_pyspark_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if pyspark were not installed
    with pytest.raises(SpecificationError, match=r"pip install 'hitex\[spark\]'"):
        connect("spark")


def test_spark_without_java_names_java_17(monkeypatch, tmp_path):
    pytest.importorskip("pyspark", reason="checks the Java message after the pyspark check")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    with pytest.raises(SpecificationError, match="Java 17"):
        connect("spark", spark_master="local[1]")


def test_repeats_found_exactly_when_every_key_shares_one_hash(tmp_path, baci_rows):
    """The hash pass never decides alone: keys that share a hash are compared exactly."""
    import dataclasses

    import ibis

    from hitex.data.pipeline.duckdb_engine import DuckDBEngine

    @dataclasses.dataclass(frozen=True)
    class Colliding(DuckDBEngine):
        def key_hash(self, *columns):
            return ibis.literal(7, type="uint64")  # the worst hash: every key collides

    base = connect("duckdb", threads=1)
    eng = Colliding(name="duckdb", backend=base.backend)
    try:
        unique = _write_baci(tmp_path / "a.csv", baci_rows)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataCoverageWarning)  # no repeat is reported
            rec = checked_records(eng, with_key_hash(eng, read_trade(eng, unique)))
        assert "_key_hash" not in rec.columns
        again = _write_baci(tmp_path / "b.csv", baci_rows[:3])
        with pytest.warns(DataCoverageWarning, match="3 duplicate"):
            checked_records(eng, with_key_hash(eng, read_trade(eng, [unique, again])))
    finally:
        base.close()


# --------------------------------------------------------------------------- command line
def test_cli_data_aggregate_writes_the_pipeline_tables(tmp_path, baci_file, gdp, result):
    from typer.testing import CliRunner

    from hitex.cli import app

    cats, gdp_path = tmp_path / "cats.csv", tmp_path / "gdp.csv"
    HS_CATEGORIES.to_csv(cats, index=False)
    gdp.to_csv(gdp_path, index=False)
    out = tmp_path / "tables"
    args = ["data", "aggregate", str(baci_file), "--out", str(out), "--categories", str(cats),
            "--code-system", "HS", "--gdp", str(gdp_path)]
    run = CliRunner().invoke(app, [*args, "--quiet"])
    assert run.exit_code == 0, run.output
    assert "Aggregating" not in run.output
    for name in ("exporter_year", "exporter_importer_sector_year", "complexity", "prody",
                 "expy"):
        got = pd.read_parquet(out / f"{name}.parquet")
        want = getattr(result, name)
        keys = [c for c in want.columns if c in ("exporter", "importer", "year", "product",
                                                 "category")]
        _close(got, want, keys, [c for c in want.columns if c not in keys])
    again = CliRunner().invoke(app, args)
    assert again.exit_code != 0 and "--overwrite" in again.output
    csv = CliRunner().invoke(app, [*args, "--format", "csv", "--out", str(tmp_path / "c")])
    assert csv.exit_code == 0 and (tmp_path / "c" / "rca.csv").is_file()
    assert "Aggregating 1 input(s)" in csv.output


def test_cli_data_aggregate_names_the_missing_concordance(baci_file, tmp_path):
    from typer.testing import CliRunner

    from hitex.cli import app

    run = CliRunner().invoke(app, ["data", "aggregate", str(baci_file), "--out",
                                   str(tmp_path / "x")])
    assert run.exit_code == 2 and "Traceback" not in run.output
    assert "--concordance" in run.output  # the SITC list needs an HS -> SITC table
    bad = CliRunner().invoke(app, ["data", "aggregate", str(baci_file), "--out",
                                   str(tmp_path / "y"), "--years", "2019-x"])
    assert bad.exit_code == 2 and "2015-2019" in bad.output
