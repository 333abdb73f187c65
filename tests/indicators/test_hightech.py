"""High-tech exports by unit: totals, share and Balassa RCA, checked by hand."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
    HitexError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators import aggregate_by_category, hightech_exports


def _trade() -> pd.DataFrame:
    # study 001 list: 792 aerospace, 54 pharmaceuticals, 76 electronics, 75 computers
    return pd.DataFrame({
        "exporter": ["A", "A", "B", "B", "B", "A", "A", "C"],
        "year": [2020, 2020, 2020, 2020, 2020, 2021, 2021, 2021],
        "code": ["7921", "0111", "5413", "7649", "0111", "7522", "0111", "0111"],
        "value": [30.0, 70.0, 50.0, 25.0, 25.0, 10.0, 10.0, 80.0],
    })


def test_totals_and_share_by_hand():
    out = hightech_exports(_trade()).set_index(["exporter", "year"])
    a20, b20, a21, c21 = (out.loc[k] for k in [("A", 2020), ("B", 2020), ("A", 2021), ("C", 2021)])
    assert (a20["ht_aerospace"], a20["ht_total"], a20["all_exports"], a20["ht_share"]) == (
        30.0, 30.0, 100.0, 30.0)
    assert (b20["ht_pharmaceuticals"], b20["ht_electronics_telecom"], b20["ht_total"]) == (
        50.0, 25.0, 75.0)
    assert b20["ht_share"] == 75.0 and b20["ht_aerospace"] == 0.0
    assert (a21["ht_computers_office"], a21["ht_share"]) == (10.0, 50.0)
    assert (c21["ht_total"], c21["ht_share"]) == (0.0, 0.0)
    # every category of the list has a column, also the ones nobody exports
    assert (out["ht_medical_instruments"] == 0).all()


def test_rca_by_hand():
    out = hightech_exports(_trade(), rca=True).set_index(["exporter", "year"])
    # 2020 world: all 200, high-tech 105, aerospace 30, pharmaceuticals 50
    assert out.loc[("A", 2020), "ht_rca"] == pytest.approx((30 / 100) / (105 / 200))
    assert out.loc[("B", 2020), "ht_rca"] == pytest.approx((75 / 100) / (105 / 200))
    assert out.loc[("A", 2020), "ht_rca_aerospace"] == pytest.approx(2.0)
    assert out.loc[("B", 2020), "ht_rca_aerospace"] == 0.0
    assert out.loc[("B", 2020), "ht_rca_pharmaceuticals"] == pytest.approx(2.0)
    # 2021 world: all 100, high-tech 10 (A's computers)
    assert out.loc[("A", 2021), "ht_rca"] == pytest.approx((10 / 20) / (10 / 100))
    assert out.loc[("C", 2021), "ht_rca"] == 0.0
    # nobody exports medical instruments: RCA undefined, not 0 or inf
    assert out["ht_rca_medical_instruments"].isna().all()


def test_bilateral_rca_compares_exporters_in_the_same_market():
    trade = pd.DataFrame({
        "exporter": ["A", "A", "B", "B", "A"],
        "importer": ["X", "X", "X", "X", "Y"],
        "year": 2020,
        "code": ["7921", "0111", "7921", "0111", "0111"],
        "value": [10.0, 30.0, 30.0, 30.0, 50.0],
    })
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = hightech_exports(trade, by=("exporter", "importer", "year"), rca=True)
    out = out.set_index(["exporter", "importer"])
    # market X: all 100, aerospace 40
    assert out.loc[("A", "X"), "ht_rca"] == pytest.approx((10 / 40) / (40 / 100))
    assert out.loc[("B", "X"), "ht_rca"] == pytest.approx((30 / 60) / (40 / 100))
    # market Y has A only and no high-tech: undefined
    assert math.isnan(out.loc[("A", "Y"), "ht_rca"])
    assert any("one 'exporter' only" in str(w.message) and "importer=Y" in str(w.message)
               for w in caught)


def test_equals_the_long_aggregation():
    wide = hightech_exports(_trade()).set_index(["exporter", "year"])
    long = aggregate_by_category(_trade(), by=("exporter", "year"), code_col="code")
    for row in long.itertuples(index=False):
        assert wide.loc[(row.exporter, row.year), f"ht_{row.category}"] == row.value


def test_missing_values_are_skipped_and_prefix_is_used():
    trade = _trade()
    trade.loc[0, "value"] = None
    out = hightech_exports(trade, prefix="hi_").set_index(["exporter", "year"])
    assert out.loc[("A", 2020), "hi_total"] == 0.0
    assert out.loc[("A", 2020), "all_exports"] == 70.0
    assert "hi_share" in out.columns


def test_oecd_list_warns_that_it_is_unverified():
    with pytest.warns(HitexWarning, match="unverified"):
        out = hightech_exports(_trade(), classification="oecd_hightech_sitc3")
    assert "ht_aerospace" in out.columns and "ht_armament" in out.columns


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda t: t.drop(columns="value"), ColumnNotFoundError, "'value'"),
        (lambda t: t.drop(columns="exporter"), ColumnNotFoundError, "'exporter'"),
        (lambda t: t.assign(value=t["value"].astype(object).where(t.index != 2, "n/a")),
         NonNumericError, "n/a"),
        (lambda t: t.assign(value=-t["value"]), DataFormatError, "negative"),
        (lambda t: t.iloc[:0], EmptySampleError, "empty"),
        (lambda t: t.assign(value=float("nan")), EmptySampleError, "no values"),
        (lambda t: t.assign(code="ab12"), DataFormatError, "code"),
    ],
)
def test_bad_input(change, error, match):
    with pytest.raises(error, match=match) as info:
        hightech_exports(change(_trade()))
    assert isinstance(info.value, HitexError)


def test_rca_needs_a_reference_column():
    with pytest.raises(SpecificationError, match="by= needs the unit"):
        hightech_exports(_trade(), by=("exporter",), rca=True)


def test_category_names_must_not_clash_with_totals():
    table = pd.DataFrame({"code": ["79"], "category": ["total"]})
    with pytest.raises(SpecificationError, match="clash"):
        hightech_exports(_trade(), classification=table)


def test_only_high_tech_products_warns():
    trade = _trade()
    trade = trade[trade["code"] != "0111"]
    with pytest.warns(DataCoverageWarning, match="every product"):
        out = hightech_exports(trade)
    assert (out["ht_share"] == 100).all()


def test_codes_one_digit_short_warn_about_lost_zeros():
    trade = _trade()
    trade["code"] = trade["code"].str.lstrip("0")  # 0111 -> 111, read once as a number
    with pytest.warns(DataCoverageWarning, match="leading zeros were lost.*level=4"):
        hightech_exports(trade)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCoverageWarning)
        hightech_exports(_trade())  # 0111 keeps its zero: the column was text, no warning
