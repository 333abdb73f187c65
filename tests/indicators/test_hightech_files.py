"""High-tech exports computed by an engine from files equal the in-memory function.

The oracle is :func:`hitex.indicators.hightech_exports` on the same file read
into pandas (itself tested against hand computations in ``test_hightech.py``);
the engine path must give the same table to 1e-12 relative, and the same
errors and warnings for the same bad input.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators import hightech_exports, hightech_exports_from_files
from hitex.indicators.products import classification

BY = ["exporter", "importer", "year"]


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    listed = classification("study001_sitc3")["code"].astype(str).tolist()
    codes = listed[:25] + ["011", "054", "699", "781", "334", "0111"]
    n = 6000
    return pd.DataFrame({
        "exporter": rng.choice(["CHN", "USA", "DEU", "JPN", "VNM"], n),
        "importer": rng.choice(["FRA", "GBR", "KOR"], n),
        "year": rng.choice([2001, 2002, 2003], n),
        "sitc3": rng.choice(codes, n),
        "value": rng.lognormal(3.0, 1.5, n).round(3),
    })


def _expected(trade: pd.DataFrame, **kw) -> pd.DataFrame:
    return hightech_exports(trade, by=kw.pop("by", BY), code_col="sitc3", **kw)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".tsv", ".parquet"])
def test_files_equal_the_in_memory_table(trade, tmp_path, suffix):
    path = tmp_path / f"trade{suffix}"
    if suffix == ".parquet":
        trade.to_parquet(path)
    else:
        trade.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    got = hightech_exports_from_files(path, by=BY, code_col="sitc3", rca=True)
    pd.testing.assert_frame_equal(got, _expected(trade, rca=True), rtol=1e-12)


def test_several_files_and_a_partitioned_folder(trade, tmp_path):
    parts = []
    for year, part in trade.groupby("year"):
        path = tmp_path / f"t{year}.csv"
        part.to_csv(path, index=False)
        parts.append(path)
        folder = tmp_path / "ds" / f"year={year}"
        folder.mkdir(parents=True)
        part.drop(columns="year").to_parquet(folder / "part.parquet")
    want = _expected(trade, by=["exporter", "year"])
    got = hightech_exports_from_files(parts, by=["exporter", "year"], code_col="sitc3")
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    got = hightech_exports_from_files(tmp_path / "ds", by=["exporter", "year"], code_col="sitc3")
    pd.testing.assert_frame_equal(got.astype({"year": "int64"}), want, rtol=1e-12)


def test_missing_values_are_skipped_as_in_memory(trade, tmp_path):
    holes = trade.astype({"value": object}).copy()
    holes.loc[::7, "value"] = None
    path = tmp_path / "holes.csv"
    holes.to_csv(path, index=False)
    want = _expected(pd.read_csv(path, dtype={"sitc3": str}))
    pd.testing.assert_frame_equal(
        hightech_exports_from_files(path, by=BY, code_col="sitc3"), want, rtol=1e-12)


def test_numeric_codes_need_level_as_in_memory(tmp_path):
    frame = pd.DataFrame({"exporter": ["A", "A", "B"], "year": 2020,
                          "code": [792, 11, 541], "value": [1.0, 2.0, 3.0]})
    path = tmp_path / "num.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataFormatError) as mem:
        hightech_exports(frame)
    with pytest.raises(DataFormatError) as eng:
        hightech_exports_from_files(path)
    assert "level" in str(mem.value) and "level" in str(eng.value)
    pd.testing.assert_frame_equal(hightech_exports_from_files(path, level=3),
                                  hightech_exports(frame, level=3), rtol=1e-12)


def test_only_high_tech_products_warns(tmp_path):
    path = tmp_path / "ht.csv"
    pd.DataFrame({"exporter": ["A", "B"], "year": 2020, "code": ["792", "541"],
                  "value": [1.0, 2.0]}).to_csv(path, index=False)
    with pytest.warns(DataCoverageWarning, match="every product"):
        hightech_exports_from_files(path)


@pytest.mark.parametrize(("values", "error", "match"), [
    (["1.5", "12,000", "3"], NonNumericError, "'value'.*'12,000'"),
    (["1.5", "-2", "3"], DataFormatError, "negative"),
    (["", "NA", ""], EmptySampleError, "no values"),
])
def test_bad_values_name_the_column(tmp_path, values, error, match):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"exporter": ["A", "A", "B"], "year": 2020, "code": ["792", "011", "541"],
                  "value": values}).to_csv(path, index=False)
    with pytest.raises(error, match=match):
        hightech_exports_from_files(path)


def test_input_mistakes_name_the_fix(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"exporter": ["A", "A"], "year": [2020, 2020], "code": ["792", "011"],
                  "value": [1.0, 2.0]}).to_csv(path, index=False)
    with pytest.raises(ColumnNotFoundError, match=r"sitc3.*columns"):
        hightech_exports_from_files(path, code_col="sitc3")
    empty = tmp_path / "empty.csv"
    empty.write_text("exporter,year,code,value\n", encoding="utf-8")
    with pytest.raises(EmptySampleError, match="no rows"):
        hightech_exports_from_files(empty)
    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataFormatError, match="CSV UTF-8 or Parquet"):
        hightech_exports_from_files(xlsx)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("exporter,year,code,value\n中国,2020,792,1\n".encode("gb18030"))
    with pytest.raises(DataFormatError, match="not UTF-8"):
        hightech_exports_from_files(gbk)
    with pytest.raises(SpecificationError, match="engine='flink' is not known"):
        hightech_exports_from_files(path, engine="flink")
    with pytest.raises(SpecificationError, match="different columns"):
        hightech_exports_from_files(path, by=["exporter", "code"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = hightech_exports_from_files(path, by=["exporter", "year"])
    assert not [w for w in caught if issubclass(w.category, HitexWarning)]
    assert out["year"].tolist() == [2020]


def test_cli_index_hightech_on_an_engine_equals_in_memory(trade, tmp_path):
    from typer.testing import CliRunner

    from hitex.cli import app

    src = tmp_path / "trade.csv"
    trade.to_csv(src, index=False)
    args = ["index", "hightech", str(src), "--code-col", "sitc3", "--wide", "--rca"]
    mem = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "mem.csv")])
    eng = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "eng.csv"), "--engine",
                                   "duckdb", "--quiet"])
    assert mem.exit_code == 0 and eng.exit_code == 0, eng.output
    assert "Aggregating" not in eng.output and "warning" not in eng.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "eng.csv"),
                                  pd.read_csv(tmp_path / "mem.csv"), rtol=1e-12)
    long = CliRunner().invoke(app, ["index", "hightech", str(src), "--code-col", "sitc3",
                                    "--out", str(tmp_path / "x.csv"), "--engine", "duckdb"])
    assert long.exit_code != 0 and "--wide" in long.output and "Traceback" not in long.output
