"""Command-line errors give command-line advice (options), never Python advice."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from hitex.cli import app
from hitex.cli_advice import cli_advice

runner = CliRunner()
PYTHON = re.compile(r"\b[a-z_]+=|df\.|pd\.|\(in Python")


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = result.output
    assert not PYTHON.search(text), text  # no argument=, no pandas code
    return text


@pytest.fixture
def files(tmp_path):
    pd.DataFrame({"country": ["A", "A", "B"], "product": ["01", "02", "02"],
                  "value": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "trade.csv", index=False)
    pd.DataFrame({"country": ["A", "A", "B"], "product": ["01", "01", "02"],
                  "value": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "dup.csv", index=False)
    pd.DataFrame({"country": ["A"], "gdp_pc": [100.0]}).to_csv(tmp_path / "gdp.csv",
                                                                index=False)
    pd.DataFrame({"province_code": [11], "year": [2020], "patents": [5],
                  "population": ["abc"]}).to_csv(tmp_path / "dti.csv", index=False)
    return tmp_path


def test_duplicate_rows_say_what_to_do_with_the_file(files):
    text = _error(["index", "prody", str(files / "dup.csv"), "--gdp", str(files / "gdp.csv"),
                   "--out", str(files / "p.csv")])
    assert "one row per country, product" in text and "groupby" not in text


def test_missing_gdp_names_the_option(files):
    text = _error(["index", "prody", str(files / "trade.csv"), "--gdp", str(files / "gdp.csv"),
                   "--out", str(files / "p.csv")])
    assert "--missing-gdp drop" in text
    result = runner.invoke(app, ["index", "prody", str(files / "trade.csv"), "--gdp",
                                 str(files / "gdp.csv"), "--out", str(files / "p.csv"),
                                 "--missing-gdp", "drop"])
    assert result.exit_code == 0, result.output  # and the option it names works


def test_a_renamed_argument_gets_the_command_s_option(files):
    text = _error(["index", "prody", str(files / "trade.csv"), "--gdp", str(files / "gdp.csv"),
                   "--out", str(files / "p.csv"), "--gdp-col", "gdp"])
    assert "--gdp-col" in text


def test_missing_code_column_names_code_col_option(files):
    text = _error(["index", "hightech", str(files / "trade.csv"), "--out",
                   str(files / "h.csv")])
    assert "--code-col" in text


def test_dti_errors_name_options_and_no_pandas(files):
    text = _error(["index", "dti", str(files / "dti.csv"), "--out", str(files / "d.csv"),
                   "--population-unit", "persons", "--patents-col", "pat"])
    assert "--unit, --time, --patents-col." in text
    text = _error(["index", "dti", str(files / "dti.csv"), "--out", str(files / "d.csv"),
                   "--population-unit", "persons"])
    assert "Convert it to numbers first" in text


def test_text_in_a_numeric_column(files):
    pd.DataFrame({"country": ["A", "B"], "product": ["01", "02"],
                  "value": ["x", "3"]}).to_csv(files / "text.csv", index=False)
    text = _error(["index", "rca", str(files / "text.csv"), "--out", str(files / "r.csv")])
    assert "save the column 'value' as numbers in the file" in text


def test_composite_advice_names_the_spec_file(files):
    pd.DataFrame({"unit": ["A", "B", "A", "B"], "period": [1, 1, 1, 1],
                  "indicator": ["a", "a", "b", "b"],
                  "value": [1.0, 2.0, 1.0, 2.0]}).to_csv(files / "c.csv", index=False)
    (files / "spec.yaml").write_text("primaries: {p: [a, b]}\nsecondary_weights: {a: 1}\n",
                                     encoding="utf-8")
    result = runner.invoke(app, ["index", "composite", str(files / "c.csv"), "--spec",
                                 str(files / "spec.yaml"), "--out", str(files / "o.csv")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "weights=" not in result.output
    assert "secondary_weights/primary_weights: mean (in the --spec file)" in result.output


def test_cli_advice_rewrites_python_asides():
    message = ("column 'code' holds numbers, so codes that start with 0 cannot be told apart. "
               "Store the codes as text (in Python: pd.read_csv(..., dtype={'code': str})) or "
               "pass the number of digits as level=N (the study option level, --level N on "
               "the command line) to left-pad the codes with zeros.")
    assert cli_advice(message, {"level": "--level"}) == (
        "column 'code' holds numbers, so codes that start with 0 cannot be told apart. Store "
        "the codes as text or give the number of digits as --level N to left-pad the codes "
        "with zeros.")


def test_cli_advice_leaves_arguments_without_an_option_alone():
    assert cli_advice("pass prefix='x_'", {"code_col": "--code-col"}) == "pass prefix='x_'"
    assert cli_advice("Use normalize='none'", {"*": "--spec"}) == (
        "Use normalize: none (in the --spec file)")


def test_run_warnings_keep_the_study_file_advice(tmp_path, data_dir):
    import yaml

    rows = [(c, y) for c in ["DEU", "FRA", "ITA", "ESP"] for y in range(2010, 2014)]
    frame = pd.DataFrame(rows, columns=["iso3", "year"])
    frame["x"] = [0.3, 1.2, -0.5, 2.0, 0.1, -1.1, 0.7, 0.9, 1.5, -0.2, 0.4, 0.0, -0.8, 1.1,
                  0.6, -0.3]
    frame["y"] = frame["x"] * 0.5 + (frame.index % 3)
    frame.to_csv(tmp_path / "panel.csv", index=False)
    doc = {"name": "few", "title": "Few clusters",
           "data": {"countries": {"iso3": ["DEU", "FRA", "ITA", "ESP"]}, "years": [2010, 2013],
                    "sources": [{"kind": "file", "path": str(tmp_path / "panel.csv")}]},
           "tables": [{"name": "t", "models": [{"formula": "y ~ x | iso3 + year"}]}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o"),
                                 "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "Few clusters: 'iso3' has 4 cluster(s)" in text and "in Python" not in text
    assert "(in a study file vcov: {CRV1: column}; e.g. the panel unit" in text
