"""Province-year studies: 31 provinces x years, groups as columns, national series by year."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from hitex.data.china_provincial import province_groups
from hitex.data.wdi import load_wdi
from hitex.errors import StudySpecError
from hitex.studies.build import build_panel
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study

DOC = {
    "name": "provinces", "title": "Provinces",
    "data": {"kind": "province_year", "unit": "province_code", "years": [2016, 2018],
             "sources": [
                 {"kind": "china_provincial",
                  "variables": {"patent_applications": "patents", "population_10k": "pop",
                                "ht_exports": "ht_exports"}},
                 {"kind": "wdi", "indicators": {"PA.NUS.FCRF": "exr"}}],
             "transforms": {"dti": "ln1p(patents / (pop / 100))", "export": "log(ht_exports)"}},
    "tables": [{"name": "t", "vcov": {"CRV1": "province_code"},
                "models": [{"formula": "export ~ dti | province_code + year"},
                           {"formula": "export ~ dti | province_code + year",
                            "sample": "east == 1 and municipality == 0"}]}],
}


def test_rows_groups_and_national_series(data_dir):
    built = build_panel(parse_study(DOC).data, data_dir)
    panel = built.data
    assert len(panel) == 31 * 3 and not panel.duplicated(["province_code", "year"]).any()
    groups = province_groups().set_index("province_code")
    first = panel.drop_duplicates("province_code").set_index("province_code")
    for col in ("region", "east", "municipality", "belt_road"):
        assert first[col].equals(groups.loc[first.index, col])
    rate = load_wdi(["PA.NUS.FCRF"], countries=["CHN"], years=[2016, 2017, 2018],
                    data_dir=data_dir).set_index("year")["PA.NUS.FCRF"]
    assert (panel["exr"] == panel["year"].map(rate)).all()  # China's rate in every province
    zhejiang = panel.loc[panel["province_code"] == 33, "dist_hangzhou_km"]
    assert (zhejiang == 0).all() and (panel["dist_hangzhou_km"] >= 0).all()
    assert any("[万人 (10,000 persons)]" in n for n in built.notes)  # units stated


def test_group_filters_in_models(data_dir, tmp_path):
    run = run_study(parse_study(DOC), tmp_path / "out", data_dir=data_dir)
    full, east = run.results["t"]
    assert east.nobs < full.nobs
    used = run.panel.loc[run.panel["in_t_2"] == 1]
    assert set(used["east"]) == {1} and set(used["municipality"]) == {0}


def test_province_study_refuses_other_units_and_foreign_sources():
    doc = copy.deepcopy(DOC)
    doc["data"]["unit"] = "iso3"
    with pytest.raises(StudySpecError, match="unit: province_code"):
        parse_study(doc)
    doc = copy.deepcopy(DOC)
    doc["data"]["kind"] = "country_year"
    doc["data"]["countries"] = {"iso3": ["CHN"]}
    with pytest.raises(StudySpecError, match="'china_provincial' source needs 'kind: province_year'"):
        parse_study(doc)
    doc = copy.deepcopy(DOC)
    doc["data"]["sources"][0]["variables"] = {"patent_aplications": "p"}
    with pytest.raises(StudySpecError, match="did you mean patent_applications"):
        parse_study(doc)


def test_a_user_file_merges_on_province_codes_written_as_text(data_dir, tmp_path):
    extra = tmp_path / "extra.csv"
    pd.DataFrame({"province_code": ["11", "上海"], "year": [2017, 2017],
                  "hr": [12.1, 11.8]}).to_csv(extra, index=False)
    doc = copy.deepcopy(DOC)
    doc["data"]["sources"].append({"kind": "file", "path": str(extra)})
    built = build_panel(parse_study(doc).data, data_dir)
    got = built.data.loc[built.data["hr"].notna(), ["province_code", "year", "hr"]]
    assert sorted(got["hr"]) == [11.8, 12.1] and set(got["year"]) == {2017}
    assert any("has no rows for 29" in w for w in built.warnings)
    assert built.data["province_code"].dtype == "int64"  # the panel's codes stay numbers
    assert set(got["province_code"]) == {11, 31}
    pd.DataFrame({"province_code": ["Atlantis"], "year": [2017], "hr": [1.0]}).to_csv(
        extra, index=False)
    with pytest.raises(StudySpecError, match="Unknown Chinese province value"):
        build_panel(parse_study(doc).data, data_dir)
