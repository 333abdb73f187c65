"""A study's engine: ``engine:`` in the study file, ``--engine`` / ``engine=`` when run.

The built-in ``tbt-gravity`` study reads product-level bilateral exports
(``hightech_trade.csv``, optional) through its ``hightech`` indicator source;
with that file in the working folder, the study run with ``engine="spark"``
(Spark in local mode) writes the same tables, byte for byte, as the default
run on DuckDB, and the DuckDB run's high-tech column equals
:func:`hitex.indicators.hightech_exports` on the file read into pandas.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hitex.cli import app
from hitex.data.pipeline.spark_engine import spark_available
from hitex.errors import StudySpecError
from hitex.indicators import hightech_exports
from hitex.studies.registry import builtin_studies
from hitex.studies.runner import run_study, with_engine
from hitex.studies.spec import load_study, parse_study

SPARK_OK, SPARK_WHY = spark_available()


def _spec_text(**top) -> dict:
    raw = yaml.safe_load(builtin_studies()["tbt-gravity"].read_text(encoding="utf-8"))
    raw.update(top)
    return raw


def test_engine_at_the_top_or_under_data():
    spec = parse_study(_spec_text(engine="spark", spark_master="local[2]"))
    assert (spec.data.engine, spec.data.spark_master) == ("spark", "local[2]")
    assert load_study("tbt-gravity").data.engine == "duckdb"
    raw = _spec_text(engine="spark")
    raw["data"]["engine"] = "duckdb"
    with pytest.raises(StudySpecError, match="'engine' is given twice"):
        parse_study(raw)
    with pytest.raises(StudySpecError, match="engine"):
        parse_study(_spec_text(engine="flink"))
    with pytest.raises(StudySpecError, match="spark_master.*needs engine: spark"):
        parse_study(_spec_text(spark_master="local[2]"))


def test_engine_chosen_when_run_overrides_the_file():
    spec = load_study("tbt-gravity")
    assert with_engine(spec, None, None) is spec
    assert with_engine(spec, "SPARK", None).data.engine == "spark"
    assert with_engine(spec, None, "spark://h:7077").data.spark_master == "spark://h:7077"
    with pytest.raises(StudySpecError, match="use duckdb .* or spark"):
        with_engine(spec, "flink", None)
    with pytest.raises(StudySpecError, match="needs engine='spark'"):
        with_engine(spec, "duckdb", "local[2]")


def test_cli_refuses_an_unknown_engine():
    result = CliRunner().invoke(app, ["run", "tbt-gravity", "--engine", "flink"])
    assert result.exit_code != 0
    assert "flink" in result.output and "duckdb" in result.output


@pytest.fixture(scope="module")
def hightech_file(tmp_path_factory, data_dir, reference_dir) -> Path:
    """Product-level exports (SITC3) for 60% of the study's pairs and years, 4 products each."""
    from hitex.studies.build import build_panel

    panel = build_panel(load_study("tbt-gravity").data).data
    pairs = panel[["exporter", "importer", "year"]].drop_duplicates()
    rows = pairs.sample(frac=0.6, random_state=1)
    rng = np.random.default_rng(7)
    out = rows.loc[rows.index.repeat(4)].copy()
    out["sitc3"] = rng.choice(["792", "764", "541", "774", "871", "011", "699", "781", "334"],
                              len(out))
    out["value"] = rng.lognormal(8, 2, len(out)).round(2)
    folder = tmp_path_factory.mktemp("hightech")
    path = folder / "hightech_trade.csv"
    out.to_csv(path, index=False)
    return path


def _run(folder: Path, out: Path, data_dir: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study("tbt-gravity", out, data_dir=data_dir, **kw)


@pytest.fixture(scope="module")
def on_duckdb(hightech_file, data_dir, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.chdir(hightech_file.parent)  # the study's relative path 'hightech_trade.csv'
    try:
        yield _run(hightech_file.parent, tmp_path_factory.mktemp("duck"), data_dir)
    finally:
        mp.undo()


def test_default_engine_equals_the_in_memory_indicator(on_duckdb, hightech_file):
    trade = pd.read_csv(hightech_file, dtype={"sitc3": str})
    want = hightech_exports(trade, by=["exporter", "importer", "year"], code_col="sitc3")
    panel = on_duckdb.panel.merge(want, on=["exporter", "importer", "year"], how="inner")
    assert len(panel) == len(want)
    np.testing.assert_allclose(panel["hightech"], panel["ht_total"], rtol=1e-12)
    assert len(on_duckdb.results["table9"]) == 4  # the two high-tech columns ran
    assert not any(n.startswith("Engine:") for n in on_duckdb.notes)


@pytest.mark.skipif(not SPARK_OK, reason=f"Spark needs pyspark and Java 17: {SPARK_WHY}")
def test_spark_writes_the_same_tables(on_duckdb, hightech_file, data_dir, tmp_path):
    mp = pytest.MonkeyPatch()
    mp.chdir(hightech_file.parent)
    try:
        run = _run(hightech_file.parent, tmp_path / "spark", data_dir, engine="spark",
                   spark_master="local[2]")
    finally:
        mp.undo()
    tables = sorted(p.name for p in on_duckdb.out_dir.glob("*.txt"))
    assert tables and tables == sorted(p.name for p in run.out_dir.glob("*.txt"))
    for name in tables:
        assert (run.out_dir / name).read_bytes() == (on_duckdb.out_dir / name).read_bytes(), name
    assert any(n.startswith("Engine: Apache Spark (local[2]) aggregated hightech_trade.csv")
               for n in run.notes)


@pytest.mark.skipif(not SPARK_OK, reason=f"Spark needs pyspark and Java 17: {SPARK_WHY}")
def test_spark_without_records_to_aggregate_says_so(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no hightech_trade.csv here
    spec = load_study("tbt-gravity")
    keep = [t for t in spec.tables if t.name == "table8"]
    spec = spec.model_copy(update={"tables": tuple(keep), "comparisons": ()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(spec, tmp_path / "out", data_dir=data_dir, engine="spark", write=False)
    assert any("no source of this study reads trade records" in n for n in run.notes)


def test_spark_missing_stops_the_study_with_what_to_install(hightech_file, data_dir,
                                                            monkeypatch, tmp_path):
    from hitex.data.pipeline import spark_engine
    from hitex.errors import HitexError

    monkeypatch.setattr(spark_engine, "spark_available", lambda: (False, "no Java runtime"))
    monkeypatch.chdir(hightech_file.parent)
    with pytest.raises(HitexError, match=r"hitex\[spark\].*Java 17"):
        _run(hightech_file.parent, tmp_path / "out", data_dir, engine="spark")
    result = CliRunner().invoke(app, ["run", "tbt-gravity", "--engine", "spark", "--out",
                                      str(tmp_path / "cli"), "--data-dir", str(data_dir)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "hitex[spark]" in result.output and "--engine duckdb" in result.output


def test_a_file_spark_cannot_read_is_read_into_memory_with_a_note(tmp_path, data_dir,
                                                                    monkeypatch):
    """An Excel file under engine: spark: the same numbers, read in memory, said in the notes
    (Spark is not even started: it is made unavailable here)."""
    from hitex.data.pipeline import spark_engine

    monkeypatch.setattr(spark_engine, "spark_available", lambda: (False, "not needed"))
    trade = pd.DataFrame({"iso3": ["DEU", "DEU", "FRA", "FRA"], "year": 2015,
                          "sitc": ["7921", "0111", "5413", "0111"],
                          "value": [30.0, 70.0, 10.0, 90.0]})
    trade.to_excel(tmp_path / "trade.xlsx", index=False)
    doc = {
        "name": "ht-study", "title": "High-tech", "engine": "spark",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2015, 2015],
                 "sources": [{"kind": "indicator", "name": "hightech", "path": "trade.xlsx",
                              "unit_col": "iso3", "options": {"code": "sitc"},
                              "columns": {"ht_share": "ht_share"}}]},
        "tables": [{"name": "d", "kind": "descriptive", "variables": ["ht_share"]}],
    }
    (tmp_path / "ht.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    run = run_study(tmp_path / "ht.yaml", tmp_path / "out", data_dir=data_dir, write=False)
    assert run.panel.set_index("iso3")["ht_share"].to_dict() == pytest.approx(
        {"DEU": 30.0, "FRA": 10.0})
    assert any("read into memory, not by Spark" in n and ".xlsx" in n for n in run.notes)
    assert any("no source of this study reads trade records" in n for n in run.notes)
