"""Stata files out: a study's estimation sample as sample.dta, and `hitex index --out x.dta`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hitex.cli import app
from hitex.data.files import stata_names, write_dta

runner = CliRunner()


def _study(tmp_path, data_dir_lang: str = "en"):
    rng = np.random.default_rng(7)
    rows = [(c, y) for c in ["DEU", "FRA", "ITA", "ESP"] for y in range(2010, 2014)]
    frame = pd.DataFrame(rows, columns=["iso3", "year"])
    frame["tfi"] = rng.normal(size=len(frame))
    frame["gdp pc"] = rng.normal(size=len(frame))  # a name Stata does not accept
    frame["ht_export"] = frame["tfi"] + rng.normal(size=len(frame))
    frame.to_csv(tmp_path / "panel.csv", index=False)
    doc = {
        "name": "stata-out", "title": "高技术出口 study",
        "data": {"countries": {"iso3": ["DEU", "FRA", "ITA", "ESP"]}, "years": [2010, 2013],
                 "sources": [{"kind": "file", "path": str(tmp_path / "panel.csv")}]},
        "tables": [{"name": "t", "models": [
            {"formula": "ht_export ~ tfi | iso3 + year"},
            {"formula": "ht_export ~ tfi | iso3 + year", "sample": "year >= 2011"}]}],
        "labels": {"tfi": "Trade facilitation index", "ht_export": "High-tech exports",
                   "gdp pc": "GDP per capita", "iso3": "Country FE"},
        "labels_zh": {"tfi": "贸易便利化指数", "ht_export": "高技术出口", "iso3": "国家固定效应"},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path, frame


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_writes_the_estimation_sample_as_stata(tmp_path, data_dir, lang):
    study, frame = _study(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(study), "--out", str(out), "--lang", lang,
                                 "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "sample.dta" in result.output
    # the renamed column is reported as a note naming both names
    assert "note: sample.dta: column 'gdp pc' is 'gdp_pc'" in result.output
    csv = pd.read_csv(out / "sample.csv")
    dta = pd.read_stata(out / "sample.dta")
    assert list(dta.columns) == [stata_names(list(csv.columns))[c] for c in csv.columns]
    assert "gdp_pc" in dta.columns and "gdp pc" in csv.columns
    # the same values as the file the study read and the CSV sample
    merged = dta.merge(frame.rename(columns={"gdp pc": "gdp_pc"}), on=["iso3", "year"],
                       suffixes=("", "_in"))
    assert len(merged) == 16
    for col in ("tfi", "gdp_pc", "ht_export"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_in"], rtol=1e-12)
    assert dta["in_t_1"].tolist() == csv["in_t_1"].tolist() == [1] * 16
    assert dta["in_t_2"].tolist() == (csv["year"] >= 2011).astype(int).tolist()
    with pd.io.stata.StataReader(out / "sample.dta") as reader:
        labels = reader.variable_labels()
        data_label = reader.data_label
    if lang == "zh":
        assert labels["tfi"] == "贸易便利化指数" and labels["ht_export"] == "高技术出口"
        assert labels["gdp_pc"] == "GDP per capita"  # no labels_zh entry: the English one
        assert labels["in_t_2"] == "t 第(2)列的估计样本"
    else:
        assert labels["tfi"] == "Trade facilitation index"
        assert labels["gdp_pc"] == "GDP per capita"
        assert labels["in_t_2"] == "In the estimation sample of t, column (2)"
    assert labels["iso3"] == ("国家" if lang == "zh" else "Country")  # not "Country FE"
    assert labels["year"] == ""
    assert data_label == "高技术出口 study"
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"sample.dta"' in manifest  # hitex's own file: listed with its checksum


def test_stata_names_follow_stata_rules():
    names = stata_names(["ln(gdp)", "2sls", "in", "_n", "高技术出口", "a b", "a_b", "x" * 40,
                         "y" * 40])
    assert names == {"ln(gdp)": "ln_gdp_", "2sls": "_2sls", "in": "_in", "_n": "__n",
                     "高技术出口": "高技术出口", "a b": "a_b_2", "a_b": "a_b",
                     "x" * 40: "x" * 32, "y" * 40: "y" * 32}


def test_write_dta_round_trip_keeps_values_labels_and_chinese(tmp_path):
    frame = pd.DataFrame({"省份": ["山东", "浙江", None], "value": [1.5, np.nan, -2.0],
                          "flag": [True, False, True], "n": [1, 2, 3],
                          "mixed": [1, "a", None], "id64": [2**60 + 1, 2**40, 7]})
    long_label = "标签" * 50
    notes = write_dta(frame, tmp_path / "x.dta",
                      variable_labels={"省份": "省份名称", "value": long_label})
    assert notes == ["column 'id64' holds integers beyond 2^53, which Stata cannot store "
                     "exactly; it is written as text in x.dta"]
    back = pd.read_stata(tmp_path / "x.dta")
    assert back["省份"].tolist() == ["山东", "浙江", ""]  # Stata's missing text is ""
    np.testing.assert_array_equal(back["value"], [1.5, np.nan, -2.0])
    assert back["flag"].tolist() == [1, 0, 1] and back["n"].tolist() == [1, 2, 3]
    assert back["mixed"].tolist() == ["1", "a", ""]
    assert back["id64"].tolist() == [str(2**60 + 1), str(2**40), "7"]  # every digit kept
    with pd.io.stata.StataReader(tmp_path / "x.dta") as reader:
        labels = reader.variable_labels()
    assert labels["省份"] == "省份名称"
    assert len(labels["value"]) == 80 and labels["value"].endswith("...")


def test_index_writes_dta(tmp_path):
    trade = pd.DataFrame({"country": ["A", "A", "B", "B"], "product": ["01", "02", "01", "02"],
                          "value": [10.0, 30.0, 20.0, 40.0]})
    trade.to_csv(tmp_path / "trade.csv", index=False)
    result = runner.invoke(app, ["index", "rca", str(tmp_path / "trade.csv"),
                                 "--out", str(tmp_path / "rca.dta")])
    assert result.exit_code == 0, result.output
    back = pd.read_stata(tmp_path / "rca.dta")
    # Balassa RCA by hand: (x_cp / x_c) / (x_p / x), e.g. A, 01: (10/40) / (30/100)
    got = back.set_index(["country", "product"])["rca"]
    assert got[("A", "01")] == pytest.approx((10 / 40) / (30 / 100), rel=1e-12)
    assert got[("B", "02")] == pytest.approx((40 / 60) / (70 / 100), rel=1e-12)


def test_index_refuses_an_unknown_output_type(tmp_path):
    result = runner.invoke(app, ["index", "tbt-depth", "--out", str(tmp_path / "d.sav")])
    assert result.exit_code == 2
    assert ".dta" in result.output and "Traceback" not in result.output


def test_index_dta_reports_a_renamed_column(tmp_path):
    pd.DataFrame({"exporter name": ["A", "A", "B"], "product": ["01", "02", "01"],
                  "value": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "t.csv", index=False)
    result = runner.invoke(app, ["index", "rca", str(tmp_path / "t.csv"), "--country",
                                 "exporter name", "--out", str(tmp_path / "r.dta")])
    assert result.exit_code == 0, result.output
    assert "warning: column 'exporter name' is 'exporter_name' in r.dta" in result.output
    back = pd.read_stata(tmp_path / "r.dta")
    assert back["exporter_name"].tolist()[:1] == ["A"]


def test_write_dta_refuses_tables_stata_cannot_hold(tmp_path):
    from hitex.errors import DataFormatError

    with pytest.raises(DataFormatError, match="no columns"):
        write_dta(pd.DataFrame(), tmp_path / "e.dta")
    with pytest.raises(DataFormatError, match=r"\['1'\] are repeated"):
        write_dta(pd.DataFrame({1: [1], "1": [2]}), tmp_path / "e.dta")
    assert not (tmp_path / "e.dta").exists()
