"""End-to-end: the built-in study and bad input to the runner."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
)
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study


@pytest.fixture(scope="module")
def tf_run(builtin_run):
    return builtin_run("trade-facilitation")


def test_trade_facilitation_writes_every_output(tf_run):
    out = tf_run.out_dir
    for name in ("table2", "table3", "table3_iid", "table4", "table5", "comparison_table3",
                 "tfi_coverage"):
        assert (out / f"{name}.txt").is_file(), name
        assert (out / f"{name}.md").is_file(), name
    for name in ("sample.csv", "results.json", "manifest.json", "summary.md"):
        assert (out / name).is_file(), name


def test_panel_is_the_49_study_countries(tf_run, data_dir):
    from hitex.data.countries import members

    panel = tf_run.panel
    assert panel["iso3"].nunique() == 49
    assert set(panel["iso3"]) == set(members("study000", data_dir=data_dir))
    assert panel["year"].min() == 2009 and panel["year"].max() == 2017
    assert not panel.duplicated(["iso3", "year"]).any()


def test_table3_matches_a_direct_estimate_on_the_written_sample(tf_run):
    """The table's numbers are those of hitex.panel on the sample file it wrote."""
    out = tf_run.out_dir
    sample = pd.read_csv(out / "sample.csv")
    results = json.loads((out / "results.json").read_text())
    col2 = results["tables"]["table3"][1]
    used = sample[sample["in_table3_2"] == 1]
    assert col2["nobs"] == len(used)
    direct = hitex.panel(col2["spec"]["formula"], used, vcov={"CRV1": "iso3"})
    coef = {c["term"]: c for c in col2["coefficients"]}
    np.testing.assert_allclose(coef["tfi"]["estimate"], direct.params["tfi"], rtol=1e-10)
    np.testing.assert_allclose(coef["tfi"]["std_error"], direct.std_errors["tfi"], rtol=1e-8)


def test_outcome_is_the_wdi_series_from_the_bundle(tf_run, data_dir):
    """Spot-check one cell against the raw 2026-vintage file, read independently."""
    raw = pd.read_csv(data_dir / "wdi" / "wdi_hightech_2026vintage_long.csv.gz")
    cell = raw[(raw.iso3 == "DEU") & (raw.year == 2012) & (raw.indicator == "TX.VAL.TECH.MF.ZS")]
    panel = tf_run.panel
    ours = panel.loc[(panel.iso3 == "DEU") & (panel.year == 2012), "tech_export"].iloc[0]
    assert ours == pytest.approx(float(cell["value"].iloc[0]))


def test_tfi_is_mean_of_primaries_times_100_over_7(tf_run):
    p = tf_run.panel.dropna(subset=["pe", "re", "ce", "eb"])
    expected = p[["pe", "re", "ce", "eb"]].mean(axis=1)  # primaries are on the 0-100 scale
    np.testing.assert_allclose(p["tfi"], expected, rtol=1e-12)


def test_tfi_cell_from_the_raw_scores(tf_run, data_dir):
    """DEU 2012 recomputed from the raw WEF file: study 000, Table 1, scaled by 100/7."""
    raw = pd.read_csv(data_dir / "wef_gcr" / "gcr_panel_best_available_2007_2018_long.csv")
    cell = raw[(raw.iso3 == "DEU") & (raw.edition == "2012-2013")].set_index("indicator_code")
    table1 = {  # study 000, Table 1: primary -> WEF secondaries
        "pe": ["EOSQ057", "EOSQrailroad", "EOSQ353", "EOSQ061"],
        "re": ["EOSQ144", "EOSQ048", "EOSQ049"],
        "ce": ["EOSQ096", "EOSQ050"],
        "eb": ["EOSQ067", "EOSQ068"],
    }
    primaries = {p: cell["value"].reindex(codes).dropna().mean() for p, codes in table1.items()}
    row = tf_run.panel[(tf_run.panel.iso3 == "DEU") & (tf_run.panel.year == 2012)].iloc[0]
    for p, value in primaries.items():
        assert row[p] == pytest.approx(value * 100 / 7, rel=1e-10), p
    assert row["tfi"] == pytest.approx(np.mean(list(primaries.values())) * 100 / 7, rel=1e-10)


def test_manifest_checksums_and_versions(tf_run):
    man = json.loads((tf_run.out_dir / "manifest.json").read_text())
    assert man["versions"]["pyfixest"] != "not installed"
    assert man["seed"] == tf_run.spec.seed
    assert man["data_files"], "no data files recorded"
    first = man["data_files"][0]
    assert hashlib.sha256(Path(first["path"]).read_bytes()).hexdigest() == first["sha256"]


def test_comparison_puts_paper_beside_hitex(tf_run):
    text = (tf_run.out_dir / "comparison_table3.txt").read_text()
    assert "paper" in text and "hitex" in text
    summary = (tf_run.out_dir / "summary.md").read_text()
    assert "tfi_coverage" in summary


def test_comparisons_of_tables_4_and_5_hold_the_printed_numbers(tf_run):
    """The paper column shows what the study file records (the seed's Tables 4-5), hitex's
    column the estimates of the run."""
    for table, cols in (("table4", 4), ("table5", 2)):
        comp = next(c for c in tf_run.spec.comparisons if c.table == table)
        assert len(comp.columns) == cols
        text = (tf_run.out_dir / f"comparison_{table}.txt").read_text()
        for printed in comp.columns:
            res = tf_run.results[table][printed.column - 1]
            assert f"{printed.nobs}" in text and f"{res.nobs:,}" in text
    assert "0.594 (0.202)" in (tf_run.out_dir / "comparison_table5.txt").read_text()


def test_oecd_split_uses_membership_by_year(tf_run):
    oecd, non = tf_run.results["table5"]
    panel = tf_run.panel
    assert oecd.nobs == int(panel["in_table5_1"].sum())
    assert set(panel.loc[panel["in_table5_1"] == 1, "oecd"]) == {1}
    assert set(panel.loc[panel["in_table5_2"] == 1, "oecd"]) == {0}


# -- bad input to the runner --------------------------------------------------

def _file_study(tmp_path: Path, frame: pd.DataFrame, formula: str, sample: str | None = None):
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    doc = {
        "name": "user-file",
        "title": "User file",
        "data": {
            "countries": {"iso3": ["DEU", "FRA", "ITA", "ESP"]},
            "years": [2010, 2013],
            "sources": [{"kind": "file", "path": str(path)}],
        },
        "tables": [{"name": "t", "models": [{"formula": formula, "sample": sample}]}],
    }
    return parse_study(copy.deepcopy(doc))


def _user_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [(c, y) for c in ["DEU", "FRA", "ITA", "ESP"] for y in range(2010, 2014)]
    df = pd.DataFrame(rows, columns=["iso3", "year"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    return df


def test_runner_on_user_file(tmp_path, data_dir):
    spec = _file_study(tmp_path, _user_frame(), "y ~ x | iso3 + year")
    run = run_study(spec, tmp_path / "out", data_dir=data_dir)
    assert run.results["t"][0].nobs == 16


def test_runner_missing_column(tmp_path, data_dir):
    spec = _file_study(tmp_path, _user_frame(), "y ~ z | iso3 + year")
    with pytest.raises(ColumnNotFoundError, match="'z'"):
        run_study(spec, tmp_path / "out", data_dir=data_dir, write=False)


def test_runner_empty_sample(tmp_path, data_dir):
    spec = _file_study(tmp_path, _user_frame(), "y ~ x | iso3 + year", sample="year > 2050")
    with pytest.raises(EmptySampleError, match="year > 2050"):
        run_study(spec, tmp_path / "out", data_dir=data_dir, write=False)


def test_runner_duplicate_rows(tmp_path, data_dir):
    frame = _user_frame()
    frame = pd.concat([frame, frame.iloc[[0]]])
    spec = _file_study(tmp_path, frame, "y ~ x | iso3 + year")
    with pytest.raises(DuplicateKeyError, match="duplicate"):
        run_study(spec, tmp_path / "out", data_dir=data_dir, write=False)


def test_runner_text_in_numeric_column(tmp_path, data_dir):
    frame = _user_frame()
    frame["x"] = frame["x"].astype(object)
    frame.loc[2, "x"] = "missing"
    spec = _file_study(tmp_path, frame, "y ~ x | iso3 + year")
    with pytest.raises(HitexError, match="'x'.*text"):
        run_study(spec, tmp_path / "out", data_dir=data_dir, write=False)


def test_runner_absorbed_regressor_is_reported(tmp_path, data_dir):
    frame = _user_frame()
    frame["size"] = frame["iso3"].map({"DEU": 1.0, "FRA": 2.0, "ITA": 3.0, "ESP": 4.0})
    spec = _file_study(tmp_path, frame, "y ~ x + size | iso3 + year")
    run = run_study(spec, tmp_path / "out", data_dir=data_dir)
    assert any("size" in w and "absorbed" in w for w in run.warnings)
    text = (tmp_path / "out" / "t.txt").read_text()
    assert "size" in text and "absorbed" in text


def test_indicator_steps_and_units_from_files(tmp_path, data_dir):
    """A provincial study: units come from the files; composite and DTI are study steps."""
    import math

    scores = pd.DataFrame({
        "province": ["11", "11", "33", "33"], "year": [2020, 2021, 2020, 2021],
        "a": [1.0, 2.0, 3.0, 4.0], "b": [3.0, 2.0, 1.0, 0.0],
    })
    scores.to_csv(tmp_path / "scores.csv", index=False)
    patents = pd.DataFrame({
        "province": ["11", "11", "33", "33"], "year": [2020, 2021, 2020, 2021],
        "patents": [99.0, 199.0, 0.0, 9.0], "pop": [1.0, 1.0, 2.0, 2.0],  # million persons
    })
    patents.to_csv(tmp_path / "patents.csv", index=False)
    doc = {
        "name": "provinces",
        "title": "Provinces",
        "data": {
            "unit": "province",
            "years": [2020, 2021],
            "sources": [
                {"kind": "indicator", "name": "composite", "path": "scores.csv",
                 "unit_col": "province", "options": {"name": "idx", "primaries": {"P": ["a", "b"]},
                                                     "layout": "wide"},
                 "columns": {"idx": "idx"}},
                {"kind": "indicator", "name": "dti", "path": "patents.csv",
                 "unit_col": "province",
                 "options": {"population_unit": "million_persons", "patents_col": "patents",
                             "population_col": "pop"},
                 "columns": {"dti": "dti"}},
            ],
        },
        "tables": [{"name": "t2", "kind": "descriptive", "variables": ["idx", "dti"]}],
    }
    path = tmp_path / "provinces.yaml"
    import yaml

    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    run = run_study(path, tmp_path / "out", data_dir=data_dir)
    panel = run.panel.assign(province=run.panel["province"].astype(str))
    panel = panel.set_index(["province", "year"])
    assert len(panel) == 4
    # idx = mean(a, b) = 2 everywhere; dti = ln(1 + patents / pop[million])
    assert panel["idx"].tolist() == pytest.approx([2.0] * 4)
    assert panel.loc[("11", 2021), "dti"] == pytest.approx(math.log(200.0))
    assert panel.loc[("33", 2021), "dti"] == pytest.approx(math.log(1 + 4.5))


def test_expy_step(tmp_path, data_dir):
    """EXPY as a study step: shares x PRODY, worked out by hand below."""
    exports = pd.DataFrame({"iso3": ["DEU", "DEU", "FRA"], "year": 2015,
                            "product": ["p", "q", "p"], "value": [1.0, 3.0, 2.0]})
    exports.to_csv(tmp_path / "x.csv", index=False)
    pd.DataFrame({"iso3": ["DEU", "FRA"], "year": 2015, "gdp_pc": [10.0, 20.0]}).to_csv(
        tmp_path / "g.csv", index=False)
    doc = {
        "name": "expy-study", "title": "EXPY",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2015, 2015],
                 "sources": [{"kind": "indicator", "name": "expy", "path": str(tmp_path / "x.csv"),
                              "unit_col": "iso3",
                              "options": {"gdp_path": str(tmp_path / "g.csv")},
                              "columns": {"expy": "expy"}}]},
        "tables": [{"name": "d", "kind": "descriptive", "variables": ["expy"]}],
    }
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    got = run.panel.set_index("iso3")["expy"]
    # shares: DEU p .25 q .75; FRA p 1. PRODY_p = (.25*10 + 1*20)/1.25 = 18, PRODY_q = 10.
    # EXPY_DEU = .25*18 + .75*10 = 12; EXPY_FRA = 18
    assert got["DEU"] == pytest.approx(12.0) and got["FRA"] == pytest.approx(18.0)


def test_comparison_keeps_column_numbers_when_a_model_is_left_out(tmp_path, data_dir):
    frame = _user_frame()
    frame["y2"] = -3.0 * frame["x"] + np.random.default_rng(1).normal(size=len(frame))
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    doc = {
        "name": "left-out", "title": "Left out",
        "data": {
            "countries": {"iso3": ["DEU", "FRA", "ITA", "ESP"]}, "years": [2010, 2013],
            "sources": [{"kind": "file", "path": str(path)},
                        {"kind": "file", "path": str(tmp_path / "absent.csv"), "optional": True,
                         "provides": ["w"]}],
        },
        "tables": [{"name": "t", "models": [{"formula": "w ~ x | iso3 + year"},
                                            {"formula": "y ~ x | iso3 + year"},
                                            {"formula": "y2 ~ x | iso3 + year"}]}],
        "comparisons": [{"table": "t", "source": "paper", "columns": [
            {"column": 3, "estimates": {"x": {"coef": -3.0}}}]}],
    }
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    comp = run.tables["comparison_t"].to_frame()
    text = comp.to_string()
    assert "(3)" in text
    direct = hitex.panel("y2 ~ x | iso3 + year", frame)
    assert f"{direct.params['x']:.3f}" in text
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [c["column"] for c in results["tables"]["t"]] == [2, 3]


def test_unit_codes_as_int_and_float_match(tmp_path, data_dir):
    a = pd.DataFrame({"prov": [11, 11, 12, 12], "year": [2020, 2021, 2020, 2021],
                      "x": [1.0, 2.0, 3.0, 4.0]})
    b = pd.DataFrame({"prov": [11.0, 11.0, np.nan], "year": [2020, 2021, 2020],
                      "w": [5.0, 6.0, 7.0]})
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    doc = {"name": "codes", "title": "Codes",
           "data": {"unit": "prov", "years": [2020, 2021],
                    "sources": [{"kind": "file", "path": str(tmp_path / "a.csv")},
                                {"kind": "file", "path": str(tmp_path / "b.csv")}]},
           "tables": [{"name": "d", "kind": "descriptive", "variables": ["x", "w"]}]}
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    panel = run.panel.set_index(["prov", "year"])
    assert panel.loc[("11", 2021), "w"] == 6.0


def test_hightech_step_by_exporter_year(tmp_path, data_dir):
    """High-tech exports, share and RCA from a product-level file, worked out by hand."""
    trade = pd.DataFrame({
        "iso3": ["DEU", "DEU", "FRA", "FRA"], "year": 2015,
        "sitc": ["7921", "0111", "5413", "0111"], "value": [30.0, 70.0, 10.0, 90.0],
    })
    trade.to_csv(tmp_path / "trade.csv", index=False)
    doc = {
        "name": "ht-study", "title": "High-tech",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2015, 2015],
                 "sources": [{"kind": "indicator", "name": "hightech", "path": "trade.csv",
                              "unit_col": "iso3",
                              "options": {"code": "sitc", "rca": True},
                              "columns": {"ht_share": "ht_share", "ht_rca": "ht_rca"}}]},
        "tables": [{"name": "d", "kind": "descriptive", "variables": ["ht_share"]}],
    }
    import yaml

    (tmp_path / "ht.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    run = run_study(tmp_path / "ht.yaml", tmp_path / "out", data_dir=data_dir)
    got = run.panel.set_index("iso3")
    assert got.loc["DEU", "ht_share"] == pytest.approx(30.0)
    assert got.loc["FRA", "ht_share"] == pytest.approx(10.0)
    # world: 200 exported, 40 high-tech -> DEU (30/100)/(40/200) = 1.5, FRA 0.5
    assert got.loc["DEU", "ht_rca"] == pytest.approx(1.5)
    assert got.loc["FRA", "ht_rca"] == pytest.approx(0.5)


def test_dti_iv_step_from_texts(tmp_path, data_dir):
    """Study 004's instrument as a study step: keyword share of words / distance to Hangzhou."""
    from hitex.indicators.innovation import capital_distances

    texts = pd.DataFrame({
        "province": ["Beijing", "Beijing", "Guangdong", "Guangdong"], "year": [2020, 2021] * 2,
        "text": ["we build the digital economy and digital government now",  # 2 of 9 words
                 "roads and bridges",  # 0 of 3
                 "digital", "nothing here at all"],  # 1 of 1, 0 of 4
    })
    texts.to_csv(tmp_path / "reports.csv", index=False)
    doc = {
        "name": "iv-study", "title": "IV",
        "data": {"unit": "province", "years": [2020, 2021],
                 "sources": [{"kind": "indicator", "name": "dti_iv", "path": "reports.csv",
                              "unit_col": "province",
                              "options": {"keywords": ["digital"], "language": "en"},
                              "columns": {"dti_iv": "dti_iv",
                                          "keyword_frequency": "freq"}}]},
        "tables": [{"name": "d", "kind": "descriptive", "variables": ["dti_iv"]}],
    }
    import yaml

    (tmp_path / "iv.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    run = run_study(tmp_path / "iv.yaml", tmp_path / "out", data_dir=data_dir)
    got = run.panel.set_index(["province", "year"])
    assert got["freq"].tolist() == pytest.approx([2 / 9, 0.0, 1.0, 0.0])
    km = capital_distances("Hangzhou").set_index("province_en")["distance_km"]
    assert got.loc[("Beijing", 2020), "dti_iv"] == pytest.approx(2 / 9 / km["Beijing"])
    assert got.loc[("Guangdong", 2020), "dti_iv"] == pytest.approx(1 / km["Guangdong"])


def test_optional_indicator_file_absent_is_a_note(tmp_path, data_dir):
    doc = {
        "name": "opt", "title": "Optional",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2015, 2016],
                 "sources": [
                     {"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}},
                     {"kind": "indicator", "name": "hightech", "path": "absent.csv",
                      "unit_col": "iso3", "optional": True, "provides": ["ht_share"],
                      "description": "product-level exports"}]},
        "tables": [{"name": "d", "kind": "descriptive", "variables": ["gdppc"]}],
    }
    run = run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "Missing input: product-level exports" in summary
    assert "ht_share" not in run.panel.columns


def test_chinese_tables_take_the_study_chinese_labels(tmp_path, data_dir):
    run = run_study("trade-facilitation", tmp_path / "zh", data_dir=data_dir, lang="zh")
    text = (run.out_dir / "table3.txt").read_text(encoding="utf-8")
    assert "被解释变量：高技术产品出口占比" in text and "贸易便利化指数" in text
    assert "聚类到国家" in text
    body = text.split("=" * 10)[1]
    assert "Tfi" not in body and "Gdpp" not in body


def test_chinese_titles_from_text_zh_and_hitex_words(tmp_path, data_dir):
    run = run_study("trade-facilitation", tmp_path / "zh", data_dir=data_dir, lang="zh")
    text = (run.out_dir / "table3.txt").read_text(encoding="utf-8")
    assert text.startswith("表3 贸易便利化与高技术产品出口\n")
    assert (run.out_dir / "table3_iid.txt").read_text(encoding="utf-8").startswith(
        "表3 贸易便利化与高技术产品出口（常规标准误）\n")
    assert "非OECD" in (run.out_dir / "table5.txt").read_text(encoding="utf-8")
    compared = (run.out_dir / "comparison_table3.txt").read_text(encoding="utf-8")
    assert compared.startswith("研究000表3（原文）与 hitex 的对比\n")
    assert "统计量" in compared and "statistic" not in compared
    assert not any(n.startswith("text_zh:") for n in run.notes)
    english = run_study("trade-facilitation", tmp_path / "en", data_dir=data_dir, write=False)
    assert english.tables["table3"].title == "Table 3. Trade facilitation and high-tech exports"


def test_text_zh_entries_no_title_reads_are_named(tmp_path, data_dir):
    import yaml

    from hitex.studies.registry import builtin_studies
    from hitex.studies.spec import parse_study

    raw = yaml.safe_load(builtin_studies()["trade-facilitation"].read_text(encoding="utf-8"))
    raw["text_zh"] = {**raw["text_zh"], "Table 3. Trade facilitation": "表3"}
    raw["tables"] = [t for t in raw["tables"] if t["name"] == "table2"]
    raw["comparisons"] = [c for c in raw["comparisons"] if c["table"] == "table2"]
    spec = parse_study(raw)  # a copied study keeps translations of tables it left out
    assert "Table 3. Trade facilitation" in spec.untranslated_keys()
    run = run_study(spec, tmp_path, data_dir=data_dir, lang="zh", write=False)
    note = next(n for n in run.notes if n.startswith("text_zh:"))
    assert "'Table 3. Trade facilitation'" in note and "check the spelling" in note
    assert run.tables["table2"].title == "表2 描述性统计"
    english = run_study(spec, tmp_path, data_dir=data_dir, write=False)
    assert not any(n.startswith("text_zh:") for n in english.notes)
