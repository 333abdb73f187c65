"""The built-in study 002 (shandong-monitor): levels, growth, ranks and the conflicting sources."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from hitex.errors import HitexError, StudySpecError
from hitex.studies.runner import run_study
from hitex.studies.spec import load_study, parse_study

PRINTED = json.loads((Path(__file__).parents[1] / "references" / "study002_tables.json")
                     .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sm_run(builtin_run):
    return builtin_run("shandong-monitor")


def _bundle_bn(data_dir: Path, code: int, year: int) -> float:
    sci = pd.read_csv(data_dir / "china_provincial" / "china_sci_tech_yearbook_provincial_long.csv.gz")
    row = sci[(sci["variable"] == "v4_cy_my_ck") & (sci["province_code"] == code)
              & (sci["year"] == year)]
    return float(row["value"].item()) / 1000  # million US$ -> billion US$


def test_the_2016_conflict_of_the_studys_own_tables_and_the_yearbook(sm_run, data_dir):
    conflicts = sm_run.frames["table1_conflicts"]
    cell = conflicts[(conflicts["province_code"] == 37) & (conflicts["year"] == 2016)]
    pairs = {frozenset((a, b)): (va, vb) for a, b, va, vb in
             cell[["source_a", "source_b", "value_a", "value_b"]].itertuples(index=False)}
    t1, t2 = "Study 002 Table 1 (printed)", "Study 002 Table 2 (printed)"
    va, vb = pairs[frozenset((t1, t2))]
    assert {va, vb} == {float(PRINTED["table1"]["rows"]["2016"]["export_volume"]),
                        float(PRINTED["table2"]["rows"]["Shandong Province"]["2016"])}
    yearbook = _bundle_bn(data_dir, 37, 2016)  # the third source of the same cell
    assert yearbook in {v for pair in pairs.values() for v in pair}
    assert set(cell["chosen_source"]) == {"S&T yearbook"}
    assert set(cell["chosen_value"]) == {yearbook}


def test_levels_name_their_source_and_growth_is_recomputed(sm_run, data_dir):
    table = sm_run.frames["table1"].set_index("year")
    assert set(table.loc[2012:2015, "source"]) == {"Study 002 Table 1 (printed)"}
    assert set(table.loc[2016:2018, "source"]) == {"S&T yearbook"}
    level = table["level"]
    assert level[2017] == pytest.approx(_bundle_bn(data_dir, 37, 2017))
    assert table.loc[2016, "growth_pct"] == pytest.approx(100 * (level[2016] / level[2015] - 1))
    assert pd.isna(table.loc[2012, "growth_pct"])  # no 2011 value: no growth


def test_growth_recomputed_from_the_printed_volumes(sm_run):
    check = sm_run.frames["table1_check"].set_index("year")
    for year in range(2013, 2018):
        printed = float(PRINTED["table1"]["rows"][str(year)]["growth_pct"])
        # the study rounds to one decimal (two in 2017): agreement within rounding
        assert check.loc[year, "growth_pct"] == pytest.approx(printed, abs=0.05)


def test_rank_among_all_provinces_and_who_overtook(sm_run):
    table = sm_run.frames["table2"]
    shandong = table[table["province_code"] == 37].set_index("year")
    # study 002: "In 2017, Shandong Province ranked 11th in the country" (from the bundle's yearbook)
    assert shandong.loc[2017, "rank"] == 11 and shandong.loc[2017, "n_ranked"] == 31
    # "in 2016 ... surpassed by that of Zhejiang Province, and since then the gap has widened"
    assert "33" in str(shandong.loc[2016, "overtaken_by"])
    gap = shandong["gap_to_reference"]
    assert gap[2016] < gap[2017] < gap[2018]
    text = (sm_run.out_dir / "table2.txt").read_text(encoding="utf-8")
    assert "Zhejiang" in text and "11 of 31" in text


def test_missing_customs_data_are_listed(sm_run):
    summary = (sm_run.out_dir / "summary.md").read_text(encoding="utf-8")
    assert "customs records" in summary and "PRINTED VALUES" in summary
    assert "Not estimated" in (sm_run.out_dir / "customs.txt").read_text(encoding="utf-8")


def test_monitoring_table_mistakes(tmp_path, data_dir):
    doc = load_study("shandong-monitor").model_dump(mode="json")
    doc["tables"] = [copy.deepcopy(doc["tables"][0])]
    bad = copy.deepcopy(doc)
    bad["tables"][0]["sources"][0]["column"] = "ht_yearbok_bn"
    with pytest.raises(StudySpecError, match="Did you mean 'ht_yearbook_bn'"):
        run_study(parse_study(bad), tmp_path / "a", data_dir=data_dir)
    bad = copy.deepcopy(doc)
    bad["tables"][0]["rule"] = "stop"
    with pytest.raises(HitexError, match="conflict"):
        run_study(parse_study(bad), tmp_path / "b", data_dir=data_dir)
    bad = copy.deepcopy(doc)
    bad["tables"][0]["unit_of_value"] = "USD_bnn"
    with pytest.raises(HitexError, match="USD_bn"):
        run_study(parse_study(bad), tmp_path / "c", data_dir=data_dir)
