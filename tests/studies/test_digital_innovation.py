"""The built-in study 004 (digital-innovation) on the bundle, and with the user's own files."""

from __future__ import annotations

import re
import shutil
import unicodedata

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.indicators.innovation import keyword_counts
from hitex.studies.registry import builtin_studies
from hitex.studies.runner import run_study


@pytest.fixture(scope="module")
def di_run(builtin_run):
    return builtin_run("digital-innovation")


def test_writes_every_table_and_says_what_is_missing(di_run):
    names = {p.name for p in di_run.out_dir.iterdir()}
    for k in [*range(1, 13)]:
        assert f"table{k}.txt" in names
    assert {"robustness.txt", "comparison_table2.txt", "summary.md"} <= names
    summary = (di_run.out_dir / "summary.md").read_text(encoding="utf-8")
    for missing in ("government work reports", "official turnover", "digital financial inclusion",
                    "high-tech industry enterprises"):
        assert missing in summary
    assert "STAND-IN DATA" in summary and "DTI from all patents (not digital-economy" in summary
    for table in ("table4", "table9", "table11"):  # need the user's files: a note, no numbers
        assert "Not estimated" in (di_run.out_dir / f"{table}.txt").read_text(encoding="utf-8")


def test_dti_from_the_bundle_files(di_run, data_dir):
    # independent reading of the two published files: patents (S&T yearbook) and population (NBS)
    sci = pd.read_csv(data_dir / "china_provincial" / "china_sci_tech_yearbook_provincial_long.csv.gz")
    pat = sci[(sci["variable"] == "v4_cg_zlsq_hj") & (sci["province_code"] == 44)
              & (sci["year"] == 2017)]["value"].item()
    pop = pd.read_csv(data_dir / "china_provincial" / "nbs_resident_population_2005_2024.csv")
    pop = pop[(pop["province_code"] == 44) & (pop["year"] == 2017)]["resident_pop_10k"].item()
    row = di_run.panel[(di_run.panel["province_code"] == 44) & (di_run.panel["year"] == 2017)]
    assert row["dti"].item() == pytest.approx(np.log1p(pat / (pop / 100)), rel=1e-12)


def test_baseline_equals_a_direct_fit(di_run):
    panel = di_run.panel
    res = di_run.results["table2"][3]
    direct = hitex.panel("export ~ dti + other_trade + gdp + gdp_sec + fie | province_code + year",
                         panel, vcov={"CRV1": "province_code"})
    assert res.params["dti"] == pytest.approx(direct.params["dti"], rel=1e-10)
    assert res.nobs == direct.nobs == int(panel["export"].notna().sum())


def test_keyword_counter_on_the_shanghai_reports(data_dir):
    reports = pd.read_csv(data_dir / "china_gov_reports" / "shanghai_gov_work_reports_2020_2024.csv.gz")
    words = ["数字经济", "大数据", "人工智能"]
    counts = keyword_counts(reports["report"], words)
    for text, (_, row) in zip(reports["report"], counts.iterrows(), strict=True):
        # the documented rule: NFKC, no whitespace, Han characters (CJK ideographs, extensions,
        # compatibility ideographs, 〇) as the word count; these keywords never overlap
        norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        hits = sum(norm.count(w) for w in words)
        han = len(re.findall("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                             "\U00020000-\U0003134f]", norm))
        assert row["keyword_frequency"] == pytest.approx(hits / han, rel=1e-12)
    assert counts["keyword_frequency"].gt(0).all()  # every report speaks of the digital economy


def test_the_users_reports_give_the_studys_own_instrument(tmp_path, data_dir):
    study = tmp_path / "digital-innovation.yaml"
    shutil.copy(builtin_studies()["digital-innovation"], study)
    provinces = hitex.data.china.provinces()
    rng = np.random.default_rng(3)
    rows = []
    for code in provinces["province_code"]:
        for year in range(2010, 2024):
            n = int(rng.integers(0, 6))
            rows.append({"province": int(code), "year": year,
                         "text": "推进数字经济发展" * n + "稳定就业保障民生" * 20})
    pd.DataFrame(rows).to_csv(tmp_path / "gov_reports.csv", index=False)
    run = run_study(study, tmp_path / "out", data_dir=data_dir)
    assert len(run.results["table3"]) == 4  # both first stages and both second stages
    assert "dti_iv" in run.panel.columns and run.panel["dti_iv"].notna().sum() == 31 * 14
    assert not any("DTI_iv" in n and "left out" in n for n in run.notes)


def test_a_folder_of_report_texts_gives_the_instrument(tmp_path, data_dir):
    import yaml

    doc = yaml.safe_load(builtin_studies()["digital-innovation"].read_text(encoding="utf-8"))
    for src in doc["data"]["sources"]:
        if src.get("name") == "dti_iv":
            src["path"] = "reports"
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True),
                                         encoding="utf-8")
    folder = tmp_path / "reports"
    folder.mkdir()
    provinces = hitex.data.china.provinces()
    rng = np.random.default_rng(4)
    for name in provinces["province_zh"]:
        for year in range(2010, 2024):
            text = "推进数字经济发展" * int(rng.integers(0, 6)) + "稳定就业保障民生" * 20
            (folder / f"{name}_{year}.txt").write_text(text, encoding="utf-8")
    run = run_study(tmp_path / "study.yaml", tmp_path / "out", data_dir=data_dir)
    assert run.panel["dti_iv"].notna().sum() == 31 * 14
    assert len(run.results["table3"]) == 4


def test_in_chinese_with_t_statistics(tmp_path, data_dir):
    run = run_study("digital-innovation", tmp_path / "zh", data_dir=data_dir, lang="zh")
    text = (run.out_dir / "table2.txt").read_text(encoding="utf-8")
    for word in ("被解释变量：高技术产业出口（对数）", "数字技术创新", "年份固定效应", "省份固定效应",
                 "括号内为 t 值", "观测值", "常数项"):
        assert word in text
    res = run.results["table2"][3]
    assert f"({res.params['dti'] / res.std_errors['dti']:.3f})" in text  # t, not the SE
    assert text.startswith("表2 基准回归：数字技术创新与高技术产业出口\n")
    assert "加入省份固定效应" in text and "No controls" not in text
    robust = (run.out_dir / "robustness.txt").read_text(encoding="utf-8")
    assert "基准回归" in robust and "Baseline" not in robust
