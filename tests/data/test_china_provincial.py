"""Province-year variables of the bundle: values as published, one unit each, the groups."""

from __future__ import annotations

import pandas as pd
import pytest

from hitex.data.china_provincial import (
    PROVINCE_VARIABLES,
    belt_road_provinces,
    convert_currency,
    province_groups,
    province_variables,
)
from hitex.errors import ColumnNotFoundError, HitexError


def _value(frame: pd.DataFrame, code: int, year: int, col: str) -> float:
    return float(frame.loc[(frame["province_code"] == code) & (frame["year"] == year), col].item())


def test_values_equal_the_checks_the_bundle_states(data_dir):
    # The checks printed in china_provincial/SOURCE.md (NBS values).
    frame, files = province_variables(
        ["population_10k", "population_10k_v2019", "fiscal_expenditure_100m_yuan",
         "urbanisation_pct", "trade_100m_yuan", "trade_10k_usd"], data_dir)
    assert _value(frame, 37, 2020, "population_10k") == 10165  # Shandong
    assert _value(frame, 44, 2020, "population_10k") == 12624  # Guangdong
    assert _value(frame, 44, 2023, "population_10k") == 12706
    assert _value(frame, 44, 2015, "population_10k") == 11678  # revised series ...
    assert _value(frame, 44, 2015, "population_10k_v2019") == 10849  # ... and the 2016 yearbook's
    assert _value(frame, 11, 2017, "population_10k_v2019") == 2171
    assert _value(frame, 44, 2020, "fiscal_expenditure_100m_yuan") == pytest.approx(17430.79)
    assert _value(frame, 37, 2020, "fiscal_expenditure_100m_yuan") == pytest.approx(11233.52)
    assert _value(frame, 37, 2020, "urbanisation_pct") == pytest.approx(63.05)
    assert _value(frame, 44, 2020, "urbanisation_pct") == pytest.approx(74.15)
    assert _value(frame, 44, 2020, "trade_100m_yuan") == pytest.approx(70871, rel=1e-4)
    assert _value(frame, 44, 2014, "trade_10k_usd") == pytest.approx(107_658_400, rel=1e-6)
    # the publisher's change of unit is two variables, never one mixed series; 2015 has neither
    both = frame[["trade_10k_usd", "trade_100m_yuan"]].notna()
    assert not both.all(axis=1).any()
    assert frame.loc[frame["year"] == 2015, ["trade_10k_usd", "trade_100m_yuan"]].isna().all().all()
    assert len({f.name for f in files}) == len(files) >= 3


def test_one_row_per_province_year_and_no_national_total(data_dir):
    frame, _ = province_variables(["patent_applications", "fiscal_science_100m_yuan"], data_dir)
    assert not frame.duplicated(["province_code", "year"]).any()
    assert set(frame["province_code"]) == set(province_groups()["province_code"])
    assert 0 not in set(frame["province_code"])


def test_every_variable_states_its_unit():
    assert all(v.unit and v.label for v in PROVINCE_VARIABLES.values())
    assert "10,000 persons" in PROVINCE_VARIABLES["population_10k"].unit
    assert "million US$" in PROVINCE_VARIABLES["ht_exports"].unit


def test_unknown_variable_names_the_known_ones(data_dir):
    with pytest.raises(ColumnNotFoundError, match="did you mean.*population_10k"):
        province_variables(["populaton_10k"], data_dir)


def test_groups_four_regions_municipalities_and_belt_road():
    groups = province_groups()
    assert len(groups) == 31
    assert groups[["east", "central", "west", "northeast"]].sum().tolist() == [10, 6, 12, 3]
    assert (groups[["east", "central", "west", "northeast"]].sum(axis=1) == 1).all()
    assert set(groups.loc[groups["municipality"] == 1, "province_en"]) == {
        "Beijing", "Tianjin", "Shanghai", "Chongqing"}
    bri = belt_road_provinces()
    assert len(bri) == 18 and bri["province_code"].is_unique
    named = {"Xinjiang", "Shaanxi", "Gansu", "Ningxia", "Qinghai", "Inner Mongolia",
             "Heilongjiang", "Jilin", "Liaoning", "Guangxi", "Yunnan", "Tibet", "Shanghai",
             "Fujian", "Guangdong", "Zhejiang", "Hainan", "Chongqing"}  # the 2015 document
    assert set(groups.loc[groups["belt_road"] == 1, "province_en"]) == named


def test_currency_conversion_is_stated_and_refuses_missing_rates():
    values = pd.Series([700.0, 680.0])
    years = pd.Series([2019, 2020])
    out, text = convert_currency(values, years, pd.Series({2019: 7.0, 2020: 6.8}),
                                 what="trade", scale=100)
    assert out.tolist() == pytest.approx([10_000.0, 10_000.0])
    assert "PA.NUS.FCRF" in text and "trade" in text
    with pytest.raises(HitexError, match=r"no CNY/US\$ exchange rate for \[2020\]"):
        convert_currency(values, years, pd.Series({2019: 7.0}), what="trade")
