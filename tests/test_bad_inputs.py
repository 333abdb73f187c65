"""Wrong files, places and arguments end in a hitex error naming the problem and the fix."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from hitex import _paths
from hitex.data.files import read_table
from hitex.errors import DataCoverageWarning, DataFormatError, DataNotFoundError, HitexError
from hitex.studies.runner import run_study
from hitex.studies.spec import load_study, parse_study


def test_a_csv_with_a_header_and_no_rows(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("iso3,year,y\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="has column names .*but no rows"):
        read_table(path)


def test_a_latin1_file_is_not_read_as_chinese(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("iso3,year,dépenses\nDEU,2010,1.5\n".encode("latin-1"))
    with pytest.raises(DataFormatError, match="probably Latin-1.*encoding"):
        read_table(path)
    assert list(read_table(path, encoding="latin-1").columns) == ["iso3", "year", "dépenses"]


def test_a_gbk_file_is_still_read(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("省份,年份,出口\n山东,2016,14.7\n".encode("gbk"))
    assert list(read_table(path).columns) == ["省份", "年份", "出口"]


def test_semicolons_and_decimal_commas_are_detected(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("iso3;year;y\nDEU;2010;1,5\nFRA;2010;2,25\n", encoding="utf-8")
    with pytest.warns(DataCoverageWarning, match="semicolon-separated with decimal commas"):
        frame = read_table(path)
    assert frame["y"].tolist() == [1.5, 2.25] and list(frame.columns) == ["iso3", "year", "y"]


def test_repeated_column_names_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("iso3,year,y,y\nDEU,2010,1,2\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="repeated column names: y"):
        read_table(path)


def test_the_cache_folder_is_a_file(tmp_path, monkeypatch):
    target = tmp_path / "cache"
    target.write_text("x", encoding="utf-8")
    monkeypatch.setenv(_paths.ENV_CACHE_DIR, str(target))
    with pytest.raises(DataNotFoundError, match="is a file; point HITEX_CACHE_DIR"):
        _paths.cache_dir()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_an_output_folder_without_permission(tmp_path, data_dir):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(HitexError, match="permission|cannot create"):
            run_study("trade-facilitation", locked / "out", data_dir=data_dir)
    finally:
        locked.chmod(0o700)


def test_an_output_folder_under_a_file(tmp_path, data_dir):
    parent = tmp_path / "file.txt"
    parent.write_text("x", encoding="utf-8")
    doc = {"name": "t", "title": "T",
           "data": {"countries": {"iso3": ["DEU"]}, "years": [2010, 2011],
                    "sources": [{"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "g"}}]},
           "tables": [{"name": "t", "kind": "descriptive", "variables": ["g"]}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(HitexError, match="cannot create the folder"):
            run_study(parse_study(doc), parent / "out", data_dir=data_dir)


@pytest.mark.parametrize("bad", [None, 123, 4.5, ["trade-facilitation"]])
def test_the_python_api_names_a_wrong_argument(bad):
    with pytest.raises(HitexError, match="load_study needs"):
        load_study(bad)
    with pytest.raises(HitexError, match="run_study needs"):
        run_study(bad)


def test_a_file_source_with_its_encoding(tmp_path, data_dir):
    path = tmp_path / "extra.csv"
    pd.DataFrame({"iso3": ["DEU", "FRA"], "year": [2010, 2010], "dépenses": [1.0, 2.0]}).to_csv(
        path, index=False, encoding="latin-1")
    doc = {"name": "t", "title": "T",
           "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2010, 2010],
                    "sources": [{"kind": "file", "path": str(path), "encoding": "latin-1"}]},
           "tables": [{"name": "t", "kind": "descriptive", "variables": ["dépenses"]}]}
    run = run_study(parse_study(doc), write=False, data_dir=data_dir)
    assert run.panel["dépenses"].tolist() == [1.0, 2.0]


def test_repeated_column_names_in_a_dataframe_are_named():
    import numpy as np

    import hitex

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=["y", "x", "x"])
    frame["id"], frame["t"] = np.repeat(range(8), 5), list(range(5)) * 8
    for call in (lambda: hitex.panel("y ~ x | id + t", frame),
                 lambda: hitex.gravity("y ~ x | id + t", frame.abs(), method="ppml")):
        with pytest.raises(HitexError, match="repeated column names: x"):
            call()


def test_wdi_codes_of_the_wrong_type():
    from hitex.data.wdi import load_wdi

    with pytest.raises(HitexError, match="WDI indicators must be a code or a list"):
        load_wdi(123)


def test_descriptive_table_of_something_that_is_no_table():
    import hitex

    with pytest.raises(HitexError, match="descriptive_table.*must be a pandas DataFrame"):
        hitex.descriptive_table(None, ["x"])
