"""End to end: the built-in pilot-zones study (study 003 with a stand-in outcome)."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.data.pilot_zones import pilot_zone_cities
from hitex.errors import StudySpecError
from hitex.models.placebo import placebo
from hitex.studies.runner import run_study
from hitex.studies.sources.city_panel import MINORITY_PROVINCES
from hitex.studies.spec import load_study, parse_study


@pytest.fixture(scope="module")
def pz_run(builtin_run):
    return builtin_run("pilot-zones")


def test_writes_tables_and_figures(pz_run):
    out = pz_run.out_dir
    for name in ("table1", "table2", "table3_twfe", "table3", "table3_balance", "figure1",
                 "staggered", "staggered_dynamic", "table4", "table5", "table5_freedom"):
        assert (out / f"{name}.txt").is_file(), name
        assert (out / f"{name}.md").is_file(), name
    for name in ("figure1", "staggered_event_study"):
        png = out / "figures" / f"{name}.png"
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert "figures/figure1.png" in manifest["outputs"]
    assert "figures/staggered_event_study.png" in manifest["outputs"]


def test_main_did_equals_direct_panel_call(pz_run):
    sample = pd.read_csv(pz_run.out_dir / "sample.csv")
    sub = sample.loc[sample["in_table3_twfe_2"] == 1]
    formula = "ln_tertiary ~ treat_post + ln_gdppc + ln_pop + ln_light | city_code + year"
    direct = hitex.panel(formula, sub, vcov={"CRV1": "city_code"})
    res = pz_run.results["table3_twfe"][1]
    assert res.nobs == direct.nobs == len(sub)
    assert res.params["treat_post"] == pytest.approx(direct.params["treat_post"], abs=1e-10)
    assert res.std_errors["treat_post"] == pytest.approx(direct.std_errors["treat_post"],
                                                         abs=1e-10)


def test_placebo_pvalue_reproducible(pz_run):
    text = (pz_run.out_dir / "figure1.txt").read_text()
    line = next(x for x in text.splitlines() if x.startswith("p-value, two-sided"))
    p = float(line.split()[-1])
    assert 0.0 <= p <= 1.0
    sample = pd.read_csv(pz_run.out_dir / "sample.csv")
    sub = sample.dropna(subset=["ln_tertiary", "treat_post", "ln_gdppc", "ln_pop", "ln_light"])
    formula = "ln_tertiary ~ treat_post + ln_gdppc + ln_pop + ln_light | city_code + year"
    seed = load_study("pilot-zones").seed
    again = placebo(formula, sub, treatment="treat_post", unit="city_code", time="year",
                    n=500, seed=seed)
    assert again.pvalue == pytest.approx(p, abs=1e-4)
    np.testing.assert_allclose(again.estimates, pz_run.frames["figure1"]["estimate"], atol=1e-12)


def test_stand_in_notice_in_summary(pz_run):
    summary = (pz_run.out_dir / "summary.md").read_text()
    assert "STAND-IN OUTCOME" in summary
    assert "provincial product-level exports" in summary
    assert "not in the bundle" in summary


def test_treated_city_list():
    zones = pilot_zone_cities()
    assert len(zones) == 63
    assert zones["city_code"].is_unique
    assert zones.groupby("policy_year").size().to_dict() == {2015: 9, 2016: 54}
    assert zones.groupby("zone").size().to_dict() == {
        "Beijing-Tianjin-Hebei": 13, "Chongqing": 1, "Guizhou": 9, "Henan": 17,
        "Inner Mongolia": 12, "Pearl River Delta": 9, "Shanghai": 1, "Shenyang": 1}


def test_treatment_columns(pz_run):
    panel = pz_run.panel
    assert panel.loc[panel["treat"] == 1, "city_code"].nunique() == 61  # no Dongguan, Zhongshan
    assert (panel["treat_post"] == panel["treat"] * (panel["year"] >= panel["first_treat"])).all()
    gy = panel.loc[panel["city_code"] == 520100].set_index("year")["treat_post"]
    assert gy[2014] == 0 and gy[2015] == 1
    assert set(panel.loc[panel["minority4"] == 1, "province_code"]) == set(MINORITY_PROVINCES)


def test_missing_mechanism_inputs_give_notes(pz_run):
    assert "Not estimated" in (pz_run.out_dir / "table4.txt").read_text()
    assert "freedom" in (pz_run.out_dir / "table5_freedom.txt").read_text()


def test_table5_moderation_by_2014_provincial_openness(pz_run, data_dir):
    """The moderator is the province's (imports + exports) / GRP in 2014, the same for every
    year of a city; recomputed here from the bundle's files and WDI's rate."""
    from hitex.data.china_provincial import province_variables
    from hitex.data.wdi import load_wdi

    panel = pz_run.panel
    prov, _ = province_variables(["trade_10k_usd", "grp_100m_yuan"], data_dir=data_dir)
    rate = load_wdi(["PA.NUS.FCRF"], countries=["CHN"], years=[2014], data_dir=data_dir)
    cny = float(rate.loc[rate["year"] == 2014, "PA.NUS.FCRF"].iloc[0])
    p14 = prov.loc[prov["year"] == 2014].set_index("province_code")
    expected = p14["trade_10k_usd"] * 1e4 * cny / (p14["grp_100m_yuan"] * 1e8)
    got = panel.groupby("province_code")["openness_2014"].agg(["min", "max"])
    assert (got["min"] == got["max"]).all()
    common = got.index.intersection(expected.index)
    np.testing.assert_allclose(got.loc[common, "min"], expected.loc[common], rtol=1e-12)
    res = pz_run.results["table5"][0]
    assert res.interaction in res.regression.params.index
    text = (pz_run.out_dir / "table5.txt").read_text()
    assert "STAND-IN MODERATOR" in text and "Openness 2014" in text


def test_mechanism_and_moderation_with_user_file(tmp_path, data_dir):
    sample = pd.read_csv(_panel_path(data_dir, tmp_path))
    rng = np.random.default_rng(1)
    extra = sample[["city_code", "year"]].assign(
        rd=rng.normal(size=len(sample)), tfp=rng.normal(size=len(sample)),
        freedom=rng.normal(size=len(sample)))
    extra.to_csv(tmp_path / "city_mechanisms.csv", index=False)
    spec = load_study("pilot-zones").model_dump()
    spec["tables"] = [t for t in spec["tables"] if t["name"] in ("table4", "table5_freedom")]
    spec["comparisons"] = [c for c in spec["comparisons"]
                           if c["table"] in {t["name"] for t in spec["tables"]}]
    study = tmp_path / "pz.yaml"
    import yaml

    study.write_text(yaml.safe_dump(spec))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(study, tmp_path / "out", data_dir=data_dir)
    assert len(run.results["table4"]) == 6
    assert "tp_x_freedom" in run.results["table5_freedom"][1].params.index


def _panel_path(data_dir, tmp_path):
    spec = load_study("pilot-zones").model_dump()
    spec["tables"] = [t for t in spec["tables"] if t["name"] == "table1"]
    spec["comparisons"] = [c for c in spec["comparisons"]
                           if c["table"] in {t["name"] for t in spec["tables"]}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(parse_study(spec), tmp_path / "base", data_dir=data_dir)
    return run.out_dir / "sample.csv"


def test_city_panel_needs_city_year_kind():
    spec = copy.deepcopy(load_study("pilot-zones").model_dump())
    spec["data"]["kind"] = "country_year"
    with pytest.raises(StudySpecError, match="city_year"):
        parse_study(spec)


def test_policy_table_needs_outcome():
    spec = load_study("pilot-zones").model_dump()
    spec["tables"] = [{"name": "p", "kind": "placebo"}]
    spec["comparisons"] = [c for c in spec["comparisons"]
                           if c["table"] in {t["name"] for t in spec["tables"]}]
    with pytest.raises(StudySpecError, match="needs 'outcome'"):
        parse_study(spec)


def test_expy_file_builds_the_full_outcome(tmp_path, data_dir):
    """ln_esf = ln(tertiary share / 100 x provincial EXPY), missing where EXPY is absent."""
    from hitex.studies.build import build_panel

    doc = load_study("pilot-zones").model_dump(mode="json", exclude_none=True)
    city = next(s for s in doc["data"]["sources"] if s["kind"] == "city_panel")
    base = build_panel(parse_study(copy.deepcopy(doc)).data, data_dir=data_dir).data
    provinces = sorted(base["province_code"].astype(str).unique())
    years = sorted(base["year"].unique())
    expy = pd.DataFrame([(p, y, 1000.0 + int(p) + y) for p in provinces[1:] for y in years],
                        columns=["province_code", "year", "expy"])  # first province left out
    expy.to_csv(tmp_path / "expy.csv", index=False)
    city["expy_path"] = str(tmp_path / "expy.csv")
    built = build_panel(parse_study(doc).data, data_dir=data_dir)
    panel = built.data
    has = panel["province_code"].astype(str) != provinces[0]
    want = np.log(panel.loc[has, "tertiary_share_pct"] / 100
                  * (1000.0 + panel.loc[has, "province_code"].astype(int) + panel.loc[has, "year"]))
    np.testing.assert_allclose(panel.loc[has, "ln_esf"], want)
    assert panel.loc[~has, "ln_esf"].isna().all()
    assert any("has no value for" in n and provinces[0] in n for n in built.notes)


def test_matching_options_in_the_study_file(tmp_path, data_dir):
    """``matching:`` passes psmatch2's options; the column equals a direct psm_did call."""
    from hitex.models.psm_did import psm_did

    spec = load_study("pilot-zones").model_dump()
    spec["tables"] = [t for t in spec["tables"] if t["name"] == "table3"]
    spec["comparisons"] = [c for c in spec["comparisons"]
                           if c["table"] in {t["name"] for t in spec["tables"]}]
    spec["tables"][0]["matching"] = {"method": "kernel", "bandwidth": 0.1,
                                     "common_support": "none"}
    spec["tables"][0].pop("exclude")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(parse_study(spec), tmp_path / "out", data_dir=data_dir)
        panel = run.panel.dropna(subset=["ln_tertiary", "ln_gdppc", "ln_pop", "ln_light"])
        direct = psm_did(panel, "ln_tertiary", "treat_post", "city_code", "year",
                         ["ln_gdppc", "ln_pop", "ln_light"], how="once",
                         vcov={"CRV1": "city_code"}, method="kernel", bandwidth=0.1,
                         common_support="none")
    first = run.results["table3"][0]
    assert first.params["treat_post"] == pytest.approx(direct.regression.params["treat_post"],
                                                       rel=1e-10)
    text = (run.out_dir / "table3.txt").read_text().replace("\n", " ")
    assert "kernel matching (Epanechnikov, bandwidth 0.1)" in text
    assert "no trimming to common support" in text


def test_matching_options_are_checked():
    spec = load_study("pilot-zones").model_dump()
    spec["tables"] = [t for t in spec["tables"] if t["name"] == "table3"]
    spec["comparisons"] = [c for c in spec["comparisons"]
                           if c["table"] in {t["name"] for t in spec["tables"]}]
    spec["tables"][0]["matching"] = {"method": "kernal"}
    with pytest.raises(StudySpecError, match="kernal|method"):
        parse_study(spec)


def test_outcome_coverage_counts_units_by_group_and_year(pz_run):
    frame = pz_run.frames["outcome_coverage"].set_index("variable")
    panel = pz_run.panel
    treated = panel[(panel["treat"] == 1) & panel["ln_tertiary"].notna()]
    expected = treated.groupby("year")["city_code"].nunique()
    row = frame.loc["ln tertiary share (stand-in for ln ESF), treat = 1"]
    for year, n in expected.items():
        assert row[str(year)] == n
    assert (frame.loc["units, treat = 1"] == 61).all()


def test_table3_fits_a_page(pz_run):
    """Matched once / matched by year are column groups, so the table is no wider than 100."""
    lines = (pz_run.out_dir / "table3.txt").read_text(encoding="utf-8").splitlines()
    width = max(len(line) for line in lines if not line.startswith(("Propensity", "Standard")))
    assert width <= 100
    assert "Matched once" in lines[3] and "Matched by year" in lines[3]


def test_in_chinese_every_hitex_wording_and_label(tmp_path, data_dir):
    spec = load_study("pilot-zones")
    keep = {"table1", "table3", "figure1"}
    spec = spec.model_copy(update={
        "tables": tuple(t for t in spec.tables if t.name in keep),
        "comparisons": tuple(c for c in spec.comparisons if c.table in keep)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_study(spec, tmp_path, data_dir=data_dir, lang="zh")
    table3 = (run.out_dir / "table3.txt").read_text(encoding="utf-8")
    for words in ("表3 PSM-DID估计结果", "一次匹配", "逐年匹配", "无控制变量", "加入控制变量",
                  "剔除4个少数民族地区", "处理组 × 政策后（TP）", "人均GDP（对数）"):
        assert words in table3, words
    assert "Matched" not in table3 and "No controls" not in table3
    balance = (run.out_dir / "table3_balance.txt").read_text(encoding="utf-8")
    assert balance.startswith("表3 PSM-DID估计结果：协变量平衡性（一次匹配）\n")
    assert "匹配后标准化偏差" in balance
    placebo_table = (run.out_dir / "figure1.txt").read_text(encoding="utf-8")
    assert "真实估计值" in placebo_table and "每次抽样随机选取" in placebo_table
