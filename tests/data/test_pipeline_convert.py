"""``convert_trade``: CSV trade files -> Parquet dataset partitioned by year (hive layout).

Oracle: the same pipeline run on the CSV files (whose agreement with
:mod:`hitex.data.tradeflows` and :mod:`hitex.indicators.sophistication` is
tested in ``test_pipeline.py``), and record counts by year written out by
plain Python.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from hitex.data.pipeline.convert import convert_trade
from hitex.data.pipeline.read import DATASET_MANIFEST, dataset_is_checked
from hitex.data.pipeline.trade import run_trade_pipeline
from hitex.errors import DataCoverageWarning, DataFormatError, OutputFolderError

CATS = pd.DataFrame({"code": ["30", "3006", "8471", "85"],
                     "category": ["pharma", None, "computers", "electronics"]})
CODES = ["010121", "300490", "300610", "847130", "851712", "854231", "090111"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    rng = random.Random(3)
    folder = tmp_path_factory.mktemp("conv")
    out = []
    for year in (2017, 2018, 2019):
        rows = [(year, i, j, k, round(rng.uniform(0, 90), 3), 1) for i in (4, 156, 842)
                for j in (8, 156, 842) for k in CODES if rng.random() > 0.2]
        path = folder / f"BACI_HS17_Y{year}.csv"
        path.write_text("t,i,j,k,v,q\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
        out.append(path)
    return out


def _rows_by_year(files: list[Path]) -> dict[int, int]:
    counts: Counter[int] = Counter()
    for f in files:
        for line in f.read_text().splitlines()[1:]:
            counts[int(line.split(",")[0])] += 1
    return dict(counts)


def test_dataset_layout_and_manifest(tmp_path, files):
    done = convert_trade(files, tmp_path / "baci")
    assert done.rows_by_year == _rows_by_year(files)
    assert sorted(p.name for p in done.path.iterdir() if p.is_dir()) == [
        "year=2017", "year=2018", "year=2019"]
    manifest = json.loads((done.path / DATASET_MANIFEST).read_text())
    assert manifest["unique_records"] is True and manifest["sources"] == [f.name for f in files]
    assert dataset_is_checked(done.path)
    assert not [p for p in tmp_path.iterdir() if "hitex-tmp" in p.name]


def test_pipeline_on_dataset_equals_pipeline_on_csv(tmp_path, files):
    done = convert_trade(files, tmp_path / "baci")
    a = run_trade_pipeline(files, categories=CATS, code_system="HS", years=[2018, 2019])
    b = run_trade_pipeline(done.path, fmt="parquet", categories=CATS, code_system="HS",
                           years=[2018, 2019])
    for name in ("exporter_year", "exporter_importer_sector_year", "rca", "complexity"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.drop(columns=x.select_dtypes("number").columns).equals(
            y.drop(columns=y.select_dtypes("number").columns)), name
        num = x.select_dtypes("number").columns
        assert x[num].to_numpy() == pytest.approx(y[num].to_numpy(), rel=1e-12, nan_ok=True)
    assert set(b.exporter_year["year"]) == {2018, 2019}


def test_duplicates_dropped_once_at_conversion(tmp_path, files):
    with pytest.warns(DataCoverageWarning, match="duplicate"):
        done = convert_trade([*files, files[0]], tmp_path / "baci")
    assert done.rows_by_year == _rows_by_year(files)


def test_comtrade_to_dataset(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "refYear,period,reporterISO,flowCode,partnerISO,cmdCode,primaryValue\n"
        "2019,2019,CHN,X,USA,847130,10\n2019,2019,CHN,X,W00,847130,99\n"
        "2020,2020,CHN,X,DEU,300490,4\n2020,2020,CHN,M,DEU,300490,5\n"
    )
    done = convert_trade(path, tmp_path / "ct", fmt="comtrade")
    assert done.rows_by_year == {2019: 1, 2020: 1}


def test_existing_folder_is_protected(tmp_path, files):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    with pytest.raises(OutputFolderError, match="exists"):
        convert_trade(files, foreign)
    with pytest.raises(OutputFolderError, match="not written by hitex"):
        convert_trade(files, foreign, overwrite=True)
    assert (foreign / "notes.txt").read_text() == "keep"
    done = convert_trade(files[:1], tmp_path / "d")
    again = convert_trade(files[1:], tmp_path / "d", overwrite=True)
    assert set(again.rows_by_year) == {2018, 2019} and done.path == again.path


def test_partitions_with_different_column_types(tmp_path):
    root = tmp_path / "mixed"
    for year, value in ((2018, [1.5, 2.0]), (2019, ["1.5", "2"])):
        folder = root / f"year={year}"
        folder.mkdir(parents=True)
        pd.DataFrame({"exporter": ["4", "8"], "importer": ["8", "4"],
                      "product": ["847130", "300490"], "value": value}).to_parquet(
            folder / "part.parquet")
    with pytest.raises(DataFormatError, match="disagree on the type of column 'value'"):
        run_trade_pipeline(root, fmt="parquet", categories=CATS, code_system="HS")


def test_cli_data_convert(tmp_path, files):
    from typer.testing import CliRunner

    from hitex.cli import app

    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["data", "convert", *map(str, files), "--out", str(out)])
    assert result.exit_code == 0, result.output
    total = sum(_rows_by_year(files).values())
    assert f"Wrote {total:,} rows" in result.output and dataset_is_checked(out)
    again = CliRunner().invoke(app, ["data", "convert", *map(str, files), "--out", str(out)])
    assert again.exit_code != 0 and "Traceback" not in again.output  # no overwrite
    url = CliRunner().invoke(app, ["data", "convert", *map(str, files), "--out",
                                   "hdfs://namenode:8020/trade/baci"])
    assert url.exit_code != 0 and "Traceback" not in url.output
    said = " ".join(url.output.split())
    assert "hdfs://namenode:8020/trade/baci" in said  # the URL kept whole, not made a path
    assert "Use --engine spark" in said


def test_cli_data_convert_says_what_it_reads_unless_quiet(tmp_path, files):
    from typer.testing import CliRunner

    from hitex.cli import app

    loud = CliRunner().invoke(app, ["data", "convert", *map(str, files), "--out",
                                    str(tmp_path / "a")])
    assert loud.exit_code == 0 and f"Converting {len(files)} file(s)" in loud.output
    quiet = CliRunner().invoke(app, ["data", "convert", *map(str, files), "--out",
                                     str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0 and "Converting" not in quiet.output
    assert "Wrote" in quiet.output


def test_engine_progress_setting_reaches_duckdb():
    from hitex.data.pipeline.engines import connect

    for progress in (False, True):
        eng = connect("duckdb", progress=progress)
        try:
            shown = eng.backend.raw_sql(
                "SELECT current_setting('enable_progress_bar')").fetchone()[0]
        finally:
            eng.close()
        assert bool(shown) is progress
