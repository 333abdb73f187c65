"""Monitoring indicators: growth, CAGR, shares, ranks, gaps, overtaking, units.

Expected values are computed by hand in each test (written out as arithmetic
on the inputs), and against study 002's printed Tables 1-2
(tests/references/study002_tables.json), including where the study's own
arithmetic does not add up.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators.monitoring import monitor
from hitex.indicators.units import UNITS, as_unit, convert, harmonize
from tests.conftest import load_reference

# --------------------------------------------------------------------------- study 002


@pytest.fixture(scope="module")
def study() -> dict:
    return load_reference("study002_tables")


def _table1(study: dict) -> pd.DataFrame:
    rows = study["table1"]["rows"]
    return pd.DataFrame({"province": "Shandong Province", "year": [int(y) for y in rows],
                         "exports": [float(r["export_volume"]) for r in rows.values()]})


def _table2(study: dict) -> pd.DataFrame:
    return pd.DataFrame([
        {"province": p, "year": int(y), "exports": float(v)}
        for p, row in study["table2"]["rows"].items() for y, v in row.items()])


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_table1_growth_recomputed_from_its_volumes(study):
    out = monitor(_table1(study), "province", "year", "exports", unit_of_value=study["unit"])
    growth = out.table.set_index("year")["growth_pct"]
    printed = study["table1"]["rows"]
    for year in range(2013, 2018):
        text = printed[str(year)]["growth_pct"]
        assert round(growth[year], _decimals(text)) == float(text), year
    # 2012's printed -4.9 needs the unprinted 2011 volume
    assert math.isnan(growth[2012])
    assert out.table.set_index("year").loc[2012, "growth_note"] == "first year"


def test_table1_growth_follows_14_78_not_table2s_14_82(study):
    """Documents the disagreement: Table 1's 2016-2017 growth rates fit 14.78 only."""
    out = monitor(_table2(study), "province", "year", "exports", unit_of_value="USD_bn",
                  focus="Shandong Province")
    growth = out.table.set_index("year")["growth_pct"]
    # by hand from Table 2: 14.82 / 17.71 - 1 and 14.62 / 14.82 - 1
    assert round(growth[2016], 1) == -16.3 and round(growth[2017], 2) == -1.35
    printed = study["table1"]["rows"]
    assert float(printed["2016"]["growth_pct"]) != round(growth[2016], 1)
    assert float(printed["2017"]["growth_pct"]) != round(growth[2017], 2)


def test_text_claim_of_more_than_20_percent_disagrees_with_table1(study):
    """The text says the highest annual increase 2012-2015 was 'more than 20%'; Table 1 says 19.2."""
    assert "more than 20%" in study["text_claims"]["highest_increase"]
    out = monitor(_table1(study), "province", "year", "exports", unit_of_value="USD_bn")
    growth = out.table.set_index("year")["growth_pct"]
    printed_max = max(float(r["growth_pct"]) for r in study["table1"]["rows"].values())
    assert printed_max == 19.2
    assert growth.loc[2013:2015].max() < 20  # 17.53 / 14.71 - 1 = 19.17 %
    assert growth.loc[2013:2015].idxmax() == 2013


def test_text_claim_of_decline_from_2015(study):
    out = monitor(_table1(study), "province", "year", "exports", unit_of_value="USD_bn")
    growth = out.table.set_index("year")["growth_pct"]
    assert (growth.loc[2015:2017] < 0).all() and (growth.loc[2013:2014] > 0).all()


def test_table2_ranks_overtaking_and_gaps(study):
    out = monitor(_table2(study), "province", "year", "exports", unit_of_value="USD_bn",
                  reference="Zhejiang Province")
    t = out.table.set_index(["province", "year"])
    sd, zj, js = "Shandong Province", "Zhejiang Province", "Jiangsu Province"
    # by hand from Table 2's rows: Jiangsu leads every year, Shandong and Zhejiang swap
    assert list(t.loc[js, "rank"]) == [1] * 6
    assert list(t.loc[sd, "rank"]) == [3, 2, 2, 2, 3, 3]
    assert list(t.loc[zj, "rank"]) == [2, 3, 3, 3, 2, 2]
    assert (t["n_ranked"] == 3).all() and not t["rank_tied"].any()
    # text: "in 2016 ... Shandong ... was surpassed by ... Zhejiang"
    assert t.loc[(sd, 2016), "overtaken_by"] == zj
    assert t.loc[(zj, 2016), "overtook"] == sd
    # 2012 -> 2013: 14.71 < 14.88, then 17.53 > 14.37
    assert t.loc[(sd, 2013), "overtook"] == zj
    changes = out.rank_changes.set_index(["province", "year"])
    assert set(changes.index) == {(sd, 2013), (zj, 2013), (sd, 2016), (zj, 2016)}
    assert changes.loc[(sd, 2016), "rank_before"] == 2 and changes.loc[(sd, 2016), "rank"] == 3
    # "since then the gap has gradually widened": 16.85 - 14.82, then 18.66 - 14.62
    assert t.loc[(sd, 2016), "gap_to_reference"] == pytest.approx(16.85 - 14.82)
    assert t.loc[(sd, 2017), "gap_to_reference"] == pytest.approx(18.66 - 14.62)
    assert t.loc[(sd, 2017), "gap_to_reference_pct"] == pytest.approx(
        100 * (18.66 - 14.62) / 18.66)
    # "far behind Jiangsu": the leader's gap in 2017
    assert t.loc[(sd, 2017), "leader"] == js
    assert t.loc[(sd, 2017), "gap_to_leader"] == pytest.approx(138.01 - 14.62)
    assert t.loc[(sd, 2017), "gap_to_leader_pct"] == pytest.approx(
        100 * (138.01 - 14.62) / 138.01)


def test_table2_cagr_by_hand(study):
    out = monitor(_table2(study), "province", "year", "exports", unit_of_value="USD_bn")
    cagr = out.cagr.set_index("province")["cagr_pct"]
    assert cagr["Shandong Province"] == pytest.approx(100 * ((14.62 / 14.71) ** (1 / 5) - 1))
    assert cagr["Jiangsu Province"] == pytest.approx(100 * ((138.01 / 132.91) ** (1 / 5) - 1))
    win = monitor(_table2(study), "province", "year", "exports", unit_of_value="USD_bn",
                  window=(2012, 2015)).cagr.set_index("province")
    assert win.loc["Shandong Province", "cagr_pct"] == pytest.approx(
        100 * ((17.71 / 14.71) ** (1 / 3) - 1))
    assert (win["years"] == 3).all()


# --------------------------------------------------------------------------- by hand


def _panel() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": ["A", "A", "A", "B", "B", "C", "C", "C"],
        "year": [2015, 2016, 2017, 2015, 2017, 2015, 2016, 2017],
        "ht": [100.0, 110.0, 121.0, 50.0, 80.0, 100.0, 20.0, 130.0],
        "all": [1000.0, 1000.0, 1100.0, 500.0, 400.0, 200.0, 200.0, 260.0],
    })


def test_growth_and_gap_handling_by_hand():
    with pytest.warns(DataCoverageWarning, match="B 2017"):
        out = monitor(_panel(), "unit", "year", "ht", unit_of_value="USD_m")
    t = out.table.set_index(["unit", "year"])
    assert t.loc[("A", 2016), "growth_pct"] == pytest.approx(10.0)   # 110 / 100 - 1
    assert t.loc[("A", 2017), "growth_pct"] == pytest.approx(10.0)   # 121 / 110 - 1
    assert t.loc[("C", 2016), "growth_pct"] == pytest.approx(-80.0)  # 20 / 100 - 1
    assert t.loc[("C", 2017), "growth_pct"] == pytest.approx(550.0)  # 130 / 20 - 1
    # B has no 2016 row: no growth over the gap 2015 -> 2017
    assert math.isnan(t.loc[("B", 2017), "growth_pct"])
    assert t.loc[("B", 2017), "growth_note"] == "gap: no 2016 row"
    assert any("never taken over a gap" in n for n in out.notes)


def test_missing_value_and_zero_previous_value():
    df = pd.DataFrame({"unit": "A", "year": [2015, 2016, 2017, 2018],
                       "ht": [np.nan, 5.0, 0.0, 3.0]})
    with pytest.warns(DataCoverageWarning):
        t = monitor(df, "unit", "year", "ht", unit_of_value="USD").table.set_index("year")
    assert t.loc[2015, "growth_note"] == "no value"
    assert t.loc[2016, "growth_note"] == "no 2015 value" and math.isnan(t.loc[2016, "growth_pct"])
    assert t.loc[2017, "growth_pct"] == pytest.approx(-100.0)  # 0 / 5 - 1
    assert t.loc[2018, "growth_note"] == "2017 value is 0" and math.isnan(t.loc[2018, "growth_pct"])


def test_cagr_windows_by_hand():
    with pytest.warns(DataCoverageWarning):
        out = monitor(_panel(), "unit", "year", "ht", unit_of_value="USD_m")
    cagr = out.cagr.set_index("unit")
    assert cagr.loc["A", "cagr_pct"] == pytest.approx(10.0)  # (121 / 100) ** (1/2) - 1
    # the gap in between does not matter: only the end values enter
    assert cagr.loc["B", "cagr_pct"] == pytest.approx(100 * (math.sqrt(80 / 50) - 1))
    assert cagr.loc["C", "cagr_pct"] == pytest.approx(100 * (math.sqrt(1.3) - 1))
    with pytest.warns(DataCoverageWarning):
        win = monitor(_panel(), "unit", "year", "ht", unit_of_value="USD_m",
                      window=(2016, 2017)).cagr.set_index("unit")
    assert win.loc["A", "cagr_pct"] == pytest.approx(10.0)
    assert math.isnan(win.loc["B", "cagr_pct"]) and win.loc["B", "note"] == "no value in 2016"
    df = pd.DataFrame({"unit": ["A", "A", "B", "B"], "year": [2010, 2014, 2012, 2014],
                       "ht": [1.0, 16.0, 4.0, 16.0]})
    with pytest.warns(DataCoverageWarning):
        own = monitor(df, "unit", "year", "ht", unit_of_value="USD", window="own").cagr
    own = own.set_index("unit")
    assert own.loc["A", "cagr_pct"] == pytest.approx(100.0)  # 16 = 1 * 2 ** 4
    assert own.loc["B", "cagr_pct"] == pytest.approx(100.0)  # 16 = 4 * 2 ** 2
    assert (own.loc["A", "start"], own.loc["B", "start"]) == (2010, 2012)


def test_share_and_change_in_points_by_hand():
    with pytest.warns(DataCoverageWarning):
        t = monitor(_panel(), "unit", "year", "ht", unit_of_value="USD_m",
                    total="all").table.set_index(["unit", "year"])
    assert list(t.loc["A", "share_pct"]) == pytest.approx([10.0, 11.0, 11.0])
    assert math.isnan(t.loc[("A", 2015), "share_change_pp"])
    assert list(t.loc["A", "share_change_pp"].iloc[1:]) == pytest.approx([1.0, 0.0])
    assert t.loc[("B", 2017), "share_pct"] == pytest.approx(20.0)
    assert math.isnan(t.loc[("B", 2017), "share_change_pp"])  # 2016 absent
    assert list(t.loc["C", "share_change_pp"].iloc[1:]) == pytest.approx([-40.0, 40.0])


def test_ties_share_the_minimum_rank_and_are_flagged():
    df = pd.DataFrame({"unit": ["A", "B", "C", "D"], "year": 2020,
                       "ht": [10.0, 10.0, 5.0, 12.0]})
    t = monitor(df, "unit", "year", "ht", unit_of_value="USD_bn").table.set_index("unit")
    assert list(t["rank"]) == [2, 2, 4, 1]
    assert list(t["rank_tied"]) == [True, True, False, False]
    tied_first = df.assign(ht=[12.0, 12.0, 5.0, 1.0])
    t = monitor(tied_first, "unit", "year", "ht", unit_of_value="USD_bn").table.set_index("unit")
    assert list(t["rank"]) == [1, 1, 3, 4]
    assert (t["leader"] == "A, B").all()
    assert t.loc["C", "gap_to_leader"] == pytest.approx(7.0)
    assert t.loc["C", "gap_to_leader_pct"] == pytest.approx(100 * 7 / 12)
    assert t.loc["A", "gap_to_leader"] == 0.0


def test_peers_restrict_ranking_and_focus_restricts_rows():
    with pytest.warns(DataCoverageWarning):
        out = monitor(_panel(), "unit", "year", "ht", unit_of_value="USD_m", peers=["A", "C"],
                      focus="A", reference="C")
    t = out.table.set_index("year")
    assert set(out.table["unit"]) == {"A"}
    # among A and C only: 2015 tie 100 = 100, 2016 A first, 2017 C first
    assert list(t["rank"]) == [1, 1, 2]
    assert list(t["rank_tied"]) == [True, False, False]
    assert list(t["gap_to_reference"]) == pytest.approx([0.0, 20.0 - 110.0, 130.0 - 121.0])
    # a tie that is broken is not overtaking; 2016 -> 2017: 20 < 110, 130 > 121
    assert t.loc[2016, "overtaken_by"] == "" and t.loc[2016, "rank_change"] == 0
    assert t.loc[2017, "overtaken_by"] == "C" and t.loc[2017, "rank_change"] == -1
    assert list(out.rank_changes["year"]) == [2017]


def test_overtaking_by_hand_three_units():
    df = pd.DataFrame({"unit": list("ABC") * 2, "year": [2020] * 3 + [2021] * 3,
                       "ht": [30.0, 20.0, 10.0, 15.0, 25.0, 35.0]})
    t = monitor(df, "unit", "year", "ht", unit_of_value="USD").table.set_index(["unit", "year"])
    # 2020 order A > B > C; 2021 order C > B > A: every pair reversed
    assert t.loc[("A", 2021), "overtaken_by"] == "C, B"  # by level in 2021
    assert t.loc[("C", 2021), "overtook"] == "B, A"
    assert t.loc[("B", 2021), "overtook"] == "A" and t.loc[("B", 2021), "overtaken_by"] == "C"
    assert list(t.xs(2021, level="year")["rank_change"]) == [-2, 0, 2]
    assert pd.isna(t.loc[("A", 2020), "overtaken_by"])  # no previous year to compare


def test_rank_change_without_overtaking_is_explained():
    df = pd.DataFrame({"unit": ["A", "B", "A", "B", "C"], "year": [2020, 2020, 2021, 2021, 2021],
                       "ht": [5.0, 3.0, 6.0, 4.0, 10.0]})
    out = monitor(df, "unit", "year", "ht", unit_of_value="USD")
    ch = out.rank_changes.set_index("unit")
    assert ch.loc["A", "rank_change"] == -1 and ch.loc["A", "overtaken_by"] == ""
    assert "without overtaking" in ch.loc["A", "note"] and "C" in ch.loc["A", "note"]


def test_gap_year_gives_no_rank_change():
    df = pd.DataFrame({"unit": ["A", "B", "A", "B"], "year": [2015, 2015, 2017, 2017],
                       "ht": [5.0, 3.0, 2.0, 4.0]})
    with pytest.warns(DataCoverageWarning):
        out = monitor(df, "unit", "year", "ht", unit_of_value="USD")
    assert out.table["rank_change"].isna().all() and out.rank_changes.empty


def test_single_unit_has_no_ranks():
    df = pd.DataFrame({"unit": "A", "year": [2015, 2016], "ht": [1.0, 2.0]})
    out = monitor(df, "unit", "year", "ht", unit_of_value="USD")
    assert "rank" not in out.table.columns
    assert "One unit only" in out.text()


def test_year_as_text_and_index_on_own_columns():
    df = pd.DataFrame({"unit": ["A", "A"], "year": ["2015年", "2016"], "ht": [1.0, 2.0]})
    t = monitor(df.set_index(["unit"], drop=False), "unit", "year", "ht",
                unit_of_value="USD").table
    assert list(t["year"]) == [2015, 2016] and t["growth_pct"].iloc[1] == pytest.approx(100.0)


# --------------------------------------------------------------------------- units


def test_unit_codes_and_chinese_names():
    assert as_unit("万美元") == UNITS["USD_10k"] and as_unit("亿元") == UNITS["CNY_100m"]
    assert UNITS["USD_bn"].scale == 1e9 and UNITS["CNY_10k"].currency == "CNY"


def test_scale_conversion_and_note():
    out = convert(pd.Series([1_471_000.0, np.nan]), "USD_10k", "USD_bn", what="exports")
    assert out.values.iloc[0] == pytest.approx(14.71)  # 1,471,000 x 10,000 / 1e9
    assert math.isnan(out.values.iloc[1])
    assert out.notes == ("exports: 1 amount(s) converted from USD_10k (10,000 US$) to USD_bn "
                         "(billion US$): x 1e-05",)
    assert convert(pd.Series([1.0]), "USD_bn", "USD_bn").notes == ()


def test_currency_conversion_at_annual_average_rates():
    rates = pd.DataFrame({"year": [2016, 2017], "rate": [6.6423, 6.7518]})  # NBS / 100
    out = convert(pd.Series([1000.0, 500.0]), "CNY_100m", "USD_bn",
                  years=pd.Series([2016, 2017]), rates=rates, what="exports")
    assert out.values.iloc[0] == pytest.approx(1000 * 1e8 / 6.6423 / 1e9)
    assert out.values.iloc[1] == pytest.approx(500 * 1e8 / 6.7518 / 1e9)
    assert "annual average" in out.text() and "2016: 6.6423" in out.text()
    back = convert(out.values, "USD_bn", "CNY_100m", years=pd.Series([2016, 2017]),
                   rates=rates.set_index("year")["rate"])
    assert list(back.values) == pytest.approx([1000.0, 500.0])


def test_monitor_converts_mixed_units_when_asked_and_records_it():
    df = pd.DataFrame({"unit": ["A", "A", "B", "B"], "year": [2016, 2017] * 2,
                       "ht": [14.0, 1_500_000.0, 100.0, 120.0],
                       "u": ["USD_bn", "万美元", "CNY_100m", "CNY_100m"]})
    rates = pd.Series([6.6423, 6.7518], index=[2016, 2017])
    out = monitor(df, "unit", "year", "ht", unit_of_value="u", to_unit="USD_bn", rates=rates)
    t = out.table.set_index(["unit", "year"])
    assert t.loc[("A", 2017), "level"] == pytest.approx(15.0)
    assert t.loc[("B", 2016), "level"] == pytest.approx(100 * 1e8 / 6.6423 / 1e9)
    text = out.text()
    assert text.startswith("Levels in billion US$ (USD_bn).")
    assert "from USD_10k" in text and "from CNY_100m" in text and "6.7518" in text


def test_total_in_another_unit_is_converted_for_the_share():
    df = pd.DataFrame({"unit": "A", "year": [2016, 2017], "ht": [14.71, 17.53],
                       "all": [13_133_930.0, 13_695_310.0]})  # 10,000 US$
    out = monitor(df, "unit", "year", "ht", unit_of_value="USD_bn", total="all",
                  unit_of_total="USD_10k")
    assert list(out.table["share_pct"]) == pytest.approx(
        [100 * 14.71 / 131.3393, 100 * 17.53 / 136.9531])
    assert "USD_10k (10,000 US$) to USD_bn" in out.text()


# --------------------------------------------------------------------------- bad input


def _two() -> pd.DataFrame:
    return pd.DataFrame({"unit": ["A", "A", "B", "B"], "year": [2016, 2017] * 2,
                         "ht": [1.0, 2.0, 3.0, 4.0]})


def test_negative_exports_are_refused_naming_rows():
    df = _two().assign(ht=[1.0, -2.0, 3.0, 4.0])
    with pytest.raises(DataFormatError, match=r"negative.*'unit': 'A', 'year': 2017"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD")


def test_peer_group_of_one_is_refused():
    with pytest.raises(SpecificationError, match="peer group of one.*add peers"):
        monitor(_two(), "unit", "year", "ht", unit_of_value="USD", peers=["A"])


def test_window_with_no_data_is_refused():
    with pytest.raises(EmptySampleError, match=r"window=\(2000, 2005\) has no data.*2016-2017"):
        monitor(_two(), "unit", "year", "ht", unit_of_value="USD", window=(2000, 2005))
    with pytest.raises(SpecificationError, match="start year must come before"):
        monitor(_two(), "unit", "year", "ht", unit_of_value="USD", window=(2017, 2016))
    with pytest.raises(SpecificationError, match="two whole years"):
        monitor(_two(), "unit", "year", "ht", unit_of_value="USD", window="2016-2017")


def test_mixed_units_are_refused_naming_rows_and_the_fix():
    df = _two().assign(u=["USD_bn", "USD_bn", "USD_10k", "USD_bn"])
    with pytest.raises(DataFormatError, match=r"mixes units.*USD_10k \(1 rows.*'B'.*to_unit="):
        monitor(df, "unit", "year", "ht", unit_of_value="u")


def test_currency_change_without_rates_or_with_wrong_rates():
    df = _two().assign(u=["USD_bn", "USD_bn", "CNY_100m", "CNY_100m"])
    with pytest.raises(SpecificationError, match="pass rates="):
        monitor(df, "unit", "year", "ht", unit_of_value="u", to_unit="USD_bn")
    per100 = pd.Series([664.23, 675.18], index=[2016, 2017])
    with pytest.raises(DataFormatError, match="per 100 US\\$.*divide the rates by 100"):
        monitor(df, "unit", "year", "ht", unit_of_value="u", to_unit="USD_bn", rates=per100)
    inverse = pd.Series([0.15, 0.148], index=[2016, 2017])
    with pytest.raises(DataFormatError, match="1 / rate"):
        monitor(df, "unit", "year", "ht", unit_of_value="u", to_unit="USD_bn", rates=inverse)
    short = pd.Series([6.6423], index=[2016])
    with pytest.raises(DataFormatError, match=r"year\(s\) \[2017\]"):
        monitor(df, "unit", "year", "ht", unit_of_value="u", to_unit="USD_bn", rates=short)


def test_duplicate_unit_years_are_refused():
    df = pd.concat([_two(), _two().iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError, match="one row per 'unit' and 'year'.*reconcile"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD")


def test_text_in_the_value_column_is_refused():
    df = _two().astype({"ht": object})
    df.loc[2, "ht"] = "n.a."
    with pytest.raises(NonNumericError, match=r"'ht'.*'n.a.'.*give numbers"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD")
    # numbers written as text with thousands separators are read
    ok = _two().assign(ht=["1,000", "2000", "3", ""])
    t = monitor(ok, "unit", "year", "ht", unit_of_value="USD").table
    assert list(t["level"].iloc[:3]) == [1000.0, 2000.0, 3.0] and math.isnan(t["level"].iloc[3])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"value": "nope"}, ColumnNotFoundError, "value="),
    ({"total": "nope"}, ColumnNotFoundError, "total="),
    ({"unit_of_value": "dollars"}, SpecificationError, "not a known unit"),
    ({"reference": "Z"}, SpecificationError, "not values of column 'unit'"),
    ({"focus": ["A", "Z"]}, SpecificationError, r"\['Z'\]"),
    ({"peers": ["A", "B"], "reference": "A", "focus": "A", "window": (2016, 2017),
      "to_unit": "yen"}, SpecificationError, "to_unit"),
])
def test_bad_arguments_name_the_fix(kwargs, error, match):
    args = {"value": "ht", "unit_of_value": "USD", **kwargs}
    with pytest.raises(error, match=match):
        monitor(_two(), "unit", "year", **args)


def test_reference_and_focus_must_be_peers():
    df = pd.concat([_two(), _two().assign(unit=["C", "C", "D", "D"])], ignore_index=True)
    with pytest.raises(SpecificationError, match="add it to peers"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD", peers=["A", "B"], reference="C")
    with pytest.raises(SpecificationError, match="not in peers"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD", peers=["A", "B"], focus="C")


def test_empty_and_valueless_tables_are_refused():
    with pytest.raises(EmptySampleError, match="empty"):
        monitor(_two().iloc[:0], "unit", "year", "ht", unit_of_value="USD")
    with pytest.raises(EmptySampleError, match="no values"):
        monitor(_two().assign(ht=np.nan), "unit", "year", "ht", unit_of_value="USD")


def test_hightech_above_total_is_refused():
    df = _two().assign(all=[10.0, 1.0, 10.0, 10.0])
    with pytest.raises(DataFormatError, match="exceed total exports.*unit_of_total="):
        monitor(df, "unit", "year", "ht", unit_of_value="USD", total="all")


def test_missing_keys_and_unit_rows_are_refused():
    with pytest.raises(DataFormatError, match="'unit' is missing"):
        monitor(_two().assign(unit=["A", None, "B", "B"]), "unit", "year", "ht",
                unit_of_value="USD")
    with pytest.raises(NonNumericError, match="'year'"):
        monitor(_two().assign(year=["2016", "x", "2016", "2017"]), "unit", "year", "ht",
                unit_of_value="USD")
    with pytest.raises(DataFormatError, match="gives no unit"):
        monitor(_two().assign(u=["USD", None, "USD", "USD"]), "unit", "year", "ht",
                unit_of_value="u")
    with pytest.raises(SpecificationError, match="DataFrame"):
        monitor([1, 2], "unit", "year", "ht", unit_of_value="USD")


def test_harmonize_refuses_column_named_like_a_unit():
    df = _two().assign(USD=["USD"] * 4)
    with pytest.raises(SpecificationError, match="rename the column"):
        harmonize(df, "ht", "USD")


def test_every_error_is_a_hitex_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(HitexError):
            monitor(_two(), "unit", "year", "ht", unit_of_value="USD", peers=["A"])


def test_numeric_unit_codes_and_one_year_tables():
    df = pd.DataFrame({"code": [37, 33, 32], "year": 2017, "ht": [14.62, 18.66, 138.01]})
    out = monitor(df, "code", "year", "ht", unit_of_value="USD_bn", reference=33)
    t = out.table.set_index("code")
    assert list(t.index) == [32, 33, 37]  # sorted by unit
    assert list(t["rank"]) == [1, 2, 3] and t.loc[37, "leader"] == "32"
    assert t.loc[37, "gap_to_reference"] == pytest.approx(18.66 - 14.62)
    assert (out.cagr["note"] == "one year only (2017)").all() and out.cagr["cagr_pct"].isna().all()


def test_total_with_mixed_units_is_refused_unless_converted():
    df = _two().assign(all=[10.0, 20.0, 30.0, 400_000.0], u=["USD"] * 3 + ["USD_10k"])
    with pytest.raises(DataFormatError, match="'all' mixes units"):
        monitor(df, "unit", "year", "ht", unit_of_value="USD", total="all", unit_of_total="u")
    t = monitor(df, "unit", "year", "ht", unit_of_value="USD", total="all", unit_of_total="u",
                to_unit="USD").table
    assert t["share_pct"].iloc[3] == pytest.approx(100 * 4.0 / 4e9)
