"""Study files with the mistakes users make: each gives the right result or a clear error."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, OutputFolderError, StudySpecError
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study

UNITS = ["DEU", "FRA", "ITA", "ESP"]


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [(c, y) for c in UNITS for y in range(2010, 2016)]
    df = pd.DataFrame(rows, columns=["iso3", "year"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    df["treat_post"] = ((df["iso3"].isin(["DEU", "FRA"])) & (df["year"] >= 2013)).astype(int)
    return df


def _doc(path: Path, tables: list[dict], **data) -> dict:
    return {
        "name": "mistakes", "title": "Mistakes",
        "data": {"countries": {"iso3": UNITS}, "years": [2010, 2015],
                 "sources": [{"kind": "file", "path": str(path)}], **data},
        "tables": tables,
    }


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    return path


def test_model_sample_applies_within_the_table_sample(tmp_path, data_dir):
    path = _write(tmp_path, _frame())
    doc = _doc(path, [{"name": "t", "sample": "year >= 2012", "models": [
        {"formula": "y ~ x | iso3 + year"},
        {"formula": "y ~ x | iso3 + year", "sample": "iso3 != 'ESP'"}]}])
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    n1, n2 = (r.nobs for r in run.results["t"])
    assert n1 == 4 * 4 and n2 == 3 * 4  # 2012-2015; without Spain as well
    text = (tmp_path / "out" / "t.txt").read_text()
    assert "Sample: year >= 2012." in text and "Column (2) also: iso3 != 'ESP'." in text


def test_misspelled_column_in_a_policy_table(tmp_path, data_dir):
    path = _write(tmp_path, _frame())
    for table in ({"name": "c", "kind": "correlation", "variables": ["x", "yy"]},
                  {"name": "p", "kind": "placebo", "outcome": "yy", "draws": 5}):
        with pytest.raises(StudySpecError, match="'yy' is not in the study data. Did you mean 'y'"):
            run_study(parse_study(_doc(path, [table])), tmp_path / "out", data_dir=data_dir,
                      write=False)


def test_out_is_a_file(tmp_path, data_dir):
    path = _write(tmp_path, _frame())
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    doc = _doc(path, [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}])
    with pytest.raises(OutputFolderError, match="is a file"):
        run_study(parse_study(doc), target, data_dir=data_dir)


def test_rerun_removes_the_previous_runs_tables_only(tmp_path, data_dir):
    path = _write(tmp_path, _frame())
    out = tmp_path / "out"
    doc = _doc(path, [{"name": "old", "models": [{"formula": "y ~ x | iso3 + year"}]}])
    run_study(parse_study(doc), out, data_dir=data_dir)
    doc["tables"][0]["name"] = "new"
    run_study(parse_study(copy.deepcopy(doc)), out, data_dir=data_dir)
    assert not (out / "old.txt").exists() and (out / "new.txt").is_file()
    (out / "mine.txt").write_text("my own notes", encoding="utf-8")
    with pytest.raises(OutputFolderError, match=r"did not write.*mine\.txt.*--force"):
        run_study(parse_study(copy.deepcopy(doc)), out, data_dir=data_dir)
    doc["tables"][0]["name"] = "newer"
    run_study(parse_study(copy.deepcopy(doc)), out, data_dir=data_dir, force=True)
    assert not (out / "new.txt").exists() and (out / "newer.txt").is_file()
    assert (out / "mine.txt").read_text(encoding="utf-8") == "my own notes"


def test_years_written_as_text_in_a_user_file(tmp_path, data_dir):
    frame = _frame()
    plain = _write(tmp_path, frame)
    texty = tmp_path / "texty.csv"
    frame.assign(year=frame["year"].astype(str) + "年").to_csv(texty, index=False)
    tables = [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}]
    a = run_study(parse_study(_doc(plain, tables)), tmp_path / "a", data_dir=data_dir)
    b = run_study(parse_study(_doc(texty, tables)), tmp_path / "b", data_dir=data_dir)
    assert a.results["t"][0].params["x"] == b.results["t"][0].params["x"]
    bad = tmp_path / "bad.csv"
    frame.assign(year="next year").to_csv(bad, index=False)
    with pytest.raises(StudySpecError, match="not years, e.g. \\['next year'\\]"):
        run_study(parse_study(_doc(bad, tables)), tmp_path / "c", data_dir=data_dir, write=False)


def test_file_with_country_names_for_some_units_warns(tmp_path, data_dir):
    frame = _frame()
    frame["iso3"] = frame["iso3"].replace({"DEU": "Germany"})
    path = _write(tmp_path, frame)
    doc = _doc(path, [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}])
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    warning = next(w for w in run.warnings if "has no rows for 1 of" in w)
    assert "DEU" in warning and "'Germany'" in warning and "Germany = DEU" in warning
    assert run.results["t"][0].nobs == 3 * 6


def test_file_column_clashing_with_wdi(tmp_path, data_dir):
    path = _write(tmp_path, _frame().assign(gdppc=1.0))
    doc = _doc(path, [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}])
    doc["data"]["sources"].insert(0, {"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}})
    with pytest.raises(StudySpecError, match=r"\['gdppc'\] that the study data already have"):
        run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir, write=False)


def test_transform_losing_rows_is_noted(tmp_path, data_dir):
    frame = _frame()
    frame.loc[:4, "x"] = -2.0  # ln1p of -2 is undefined
    path = _write(tmp_path, frame)
    doc = _doc(path, [{"name": "t", "models": [{"formula": "y ~ lx | iso3 + year"}]}],
               transforms={"lx": "ln1p(x)", "lag_x": "lag(x)"})
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    note = next(n for n in run.notes if n.startswith("Transform 'lx'"))
    expected = int((frame["x"] <= -1).sum())  # ln1p(x) is undefined for x <= -1
    assert expected >= 5 and f"{expected} row(s) are missing although x is present" in note
    assert not any(n.startswith("Transform 'lag_x'") for n in run.notes)  # edges are expected


def test_value_in_a_sample_filter_must_be_quoted(tmp_path, data_dir):
    path = _write(tmp_path, _frame())
    doc = _doc(path, [{"name": "t", "sample": "iso3 == DEU",
                       "models": [{"formula": "y ~ x | iso3 + year"}]}])
    with pytest.raises(ColumnNotFoundError, match="is a value, not a column: quote it"):
        run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir, write=False)


def test_indicator_step_warnings_reach_the_study_warnings(tmp_path, data_dir):
    patents = pd.DataFrame({"province": ["11", "11"], "year": [2020, 2021],
                            "patents": [5.0, 6.0], "pop": [1e-6, 1e-6]})  # one person
    patents.to_csv(tmp_path / "patents.csv", index=False)
    doc = {"name": "dti-warn", "title": "DTI",
           "data": {"unit": "province", "years": [2020, 2021],
                    "sources": [{"kind": "indicator", "name": "dti", "path": "patents.csv",
                                 "unit_col": "province",
                                 "options": {"population_unit": "million_persons",
                                             "patents_col": "patents", "population_col": "pop"},
                                 "columns": {"dti": "dti"}}]},
           "tables": [{"name": "d", "kind": "descriptive", "variables": ["dti"]}]}
    import yaml

    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    run = run_study(tmp_path / "s.yaml", tmp_path / "out", data_dir=data_dir)
    assert any(w.startswith("data: ") and "patent" in w for w in run.warnings), run.warnings


@pytest.mark.parametrize(("options", "match"), [
    ({"population_unit": "million_persons", "patents_col": "patents", "population_col": "pop",
      "weights": 1}, r"options.weights is not an option of this indicator\. Its options are: "
                     r"population_unit"),
    ({"patents_col": "patents", "population_col": "pop"},
     r"a required option is missing: options.population_unit"),
])
def test_indicator_option_mistakes_name_the_option(tmp_path, data_dir, options, match):
    pd.DataFrame({"province": ["11"], "year": [2020], "patents": [5.0], "pop": [1.0]}).to_csv(
        tmp_path / "patents.csv", index=False)
    doc = {"name": "opt", "title": "Options",
           "data": {"unit": "province", "years": [2020, 2020],
                    "sources": [{"kind": "indicator", "name": "dti",
                                 "path": str(tmp_path / "patents.csv"), "unit_col": "province",
                                 "options": options}]},
           "tables": [{"name": "d", "kind": "descriptive", "variables": ["dti"]}]}
    with pytest.raises(StudySpecError, match=match):
        run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir, write=False)


def test_years_without_wdi_values_are_noted(tmp_path, data_dir):
    doc = {"name": "late", "title": "Late years",
           "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2019, 2035],
                    "sources": [{"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}}]},
           "tables": [{"name": "d", "kind": "descriptive", "variables": ["gdppc"]}]}
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir, write=False)
    note = next(n for n in run.notes if n.startswith("WDI NY.GDP.PCAP.KD"))
    gaps = note.split(" has no values for ", 1)[1].split(" in the bundle")[0]
    assert gaps.endswith("-2035") and "2019" not in gaps  # the bundle has 2019 values
