"""Trade facilitation index of study 000: hand-computed values and the real bundle.

The scores below are invented for the test (WEF data may not be copied into the
repository); expected values are worked out by hand from the study's rule:
primary = mean of the secondaries present, TFI = mean of the 4 primaries x 100/7.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from hitex.data.gcr import load_gcr
from hitex.errors import ColumnNotFoundError, DuplicateKeyError, HitexError
from hitex.indicators.facilitation import (
    COLUMNS,
    TFI_SECONDARIES,
    tfi_coverage_by_year,
    trade_facilitation_index,
)

K = 100 / 7

SCORES = {
    ("AAA", "2012-2013"): {
        "EOSQ057": 4,
        "EOSQrailroad": 5,
        "EOSQ353": 6,  # EOSQ061 missing
        "EOSQ144": 3,
        "EOSQ048": 4,
        "EOSQ049": 5,
        "EOSQ096": 2,
        "EOSQ050": 4,
        "EOSQ067": 6,
        "EOSQ068": 6,
    },
    ("AAA", "2013-2014"): {
        "EOSQ057": 5,
        "EOSQrailroad": 5,
        "EOSQ353": 5,
        "EOSQ061": 5,
        "EOSQ144": 6,
        "EOSQ048": 6,
        "EOSQ049": 3,
        "EOSQ096": 1,
        "EOSQ050": 7,
        "EOSQ067": 2,
        "EOSQ068": 4,
    },
    ("BBB", "2012-2013"): {
        "EOSQ057": 2,
        "EOSQ353": 3,  # no railroad, no air
        "EOSQ144": 1,
        "EOSQ048": 2,
        "EOSQ049": 3,
        "EOSQ096": 7,  # no customs burden
    },  # no e-business at all
}


def scores_long() -> pd.DataFrame:
    rows = [
        {"iso3": iso3, "edition": ed, "indicator_code": code, "value": float(v)}
        for (iso3, ed), d in SCORES.items()
        for code, v in d.items()
    ]
    rows.append(
        {"iso3": "AAA", "edition": "2012-2013", "indicator_code": "EOSQ999", "value": 3.0}
    )  # not a TFI indicator: ignored
    return pd.DataFrame(rows)


def get(tfi: pd.DataFrame, iso3: str, year: int) -> pd.Series:
    sel = tfi[(tfi["iso3"] == iso3) & (tfi["year"] == year)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_tfi_by_hand():
    tfi = trade_facilitation_index(scores_long())
    assert list(tfi.columns) == COLUMNS
    assert len(tfi) == 3
    r = get(tfi, "AAA", 2012)
    pe, re_, ce, eb = (4 + 5 + 6) / 3, (3 + 4 + 5) / 3, (2 + 4) / 2, (6 + 6) / 2
    assert r["PE"] == pytest.approx(pe * K)
    assert r["RE"] == pytest.approx(re_ * K)
    assert r["CE"] == pytest.approx(ce * K)
    assert r["EB"] == pytest.approx(eb * K)
    assert r["TFI"] == pytest.approx((5 + 4 + 3 + 6) / 4 * 100 / 7)
    assert r["n_secondary_present"] == 10
    assert r["missing_secondaries"] == "EOSQ061"
    r = get(tfi, "AAA", 2013)
    assert r["TFI"] == pytest.approx((5 + 5 + 4 + 3) / 4 * 100 / 7)
    assert (r["n_secondary_present"], r["missing_secondaries"]) == (11, "")


def test_missing_primary_leaves_tfi_missing_unless_allowed():
    r = get(trade_facilitation_index(scores_long()), "BBB", 2012)
    assert r["PE"] == pytest.approx((2 + 3) / 2 * K)
    assert r["CE"] == pytest.approx(7 * K)
    assert math.isnan(r["EB"]) and math.isnan(r["TFI"])
    assert r["n_secondary_present"] == 6
    assert r["missing_secondaries"] == "EOSQrailroad;EOSQ061;EOSQ050;EOSQ067;EOSQ068"
    r = get(trade_facilitation_index(scores_long(), index_min_count=3), "BBB", 2012)
    assert r["TFI"] == pytest.approx((2.5 + 2 + 7) / 3 * 100 / 7)


def test_min_count_two():
    r = get(trade_facilitation_index(scores_long(), min_count=2), "BBB", 2012)
    assert math.isnan(r["CE"])  # one customs score only
    assert r["PE"] == pytest.approx(2.5 * K)


def test_unscaled_primaries_option():
    r = get(trade_facilitation_index(scores_long(), scale_primaries=False), "AAA", 2012)
    assert r["PE"] == pytest.approx(5.0)
    assert r["EB"] == pytest.approx(6.0)
    assert r["TFI"] == pytest.approx(4.5 * 100 / 7)


def test_year_rule_both_ways():
    start = trade_facilitation_index(scores_long())
    end = trade_facilitation_index(scores_long(), year_rule="end")
    assert sorted(start["year"].unique()) == [2012, 2013]
    assert sorted(end["year"].unique()) == [2013, 2014]
    assert get(end, "AAA", 2014)["TFI"] == pytest.approx(get(start, "AAA", 2013)["TFI"])
    with pytest.raises(HitexError, match="year_rule"):
        trade_facilitation_index(scores_long(), year_rule="mid")


def test_edition_start_year_or_year_columns_are_accepted():
    by_start = (
        scores_long()
        .assign(edition_start_year=lambda d: d["edition"].str[:4].astype(int))
        .drop(columns="edition")
    )
    tfi = trade_facilitation_index(by_start, year_rule="end")
    assert sorted(tfi["year"].unique()) == [2013, 2014]
    by_year = by_start.rename(columns={"edition_start_year": "year"})
    tfi = trade_facilitation_index(by_year)
    assert sorted(tfi["year"].unique()) == [2012, 2013]


def test_coverage_by_year():
    cov = tfi_coverage_by_year(trade_facilitation_index(scores_long()))
    assert list(cov.columns) == [
        "year",
        "economies",
        "mean_secondaries_present",
        "share_complete",
        "tfi_available",
        "missing_for_all",
    ]
    y12 = cov[cov["year"] == 2012].iloc[0]
    assert y12["economies"] == 2
    assert y12["mean_secondaries_present"] == pytest.approx((10 + 6) / 2)
    assert y12["share_complete"] == 0.0
    assert y12["tfi_available"] == 1
    assert y12["missing_for_all"] == "EOSQ061"
    y13 = cov[cov["year"] == 2013].iloc[0]
    assert (y13["economies"], y13["share_complete"], y13["missing_for_all"]) == (1, 1.0, "")


def test_out_of_range_score_names_indicator_economy_edition():
    df = scores_long()
    df.loc[(df["iso3"] == "AAA") & (df["indicator_code"] == "EOSQ353"), "value"] = 7.5
    with pytest.raises(HitexError, match="EOSQ353, economy AAA, edition 2012-2013"):
        trade_facilitation_index(df)


def test_duplicate_scores_raise():
    df = scores_long()
    with pytest.raises(DuplicateKeyError, match="iso3 x year x indicator_code"):
        trade_facilitation_index(pd.concat([df, df.iloc[[0]]], ignore_index=True))


def test_missing_column_raises():
    with pytest.raises(ColumnNotFoundError, match="'indicator_code'"):
        trade_facilitation_index(scores_long().drop(columns="indicator_code"))
    with pytest.raises(ColumnNotFoundError, match="'edition'"):
        trade_facilitation_index(scores_long().drop(columns="edition"))
    with pytest.raises(ColumnNotFoundError, match="'n_secondary_present'"):
        tfi_coverage_by_year(pd.DataFrame({"year": [2012]}))


# ----------------------------------------------------------------------------- real bundle

# Study 000's sample: 21 emerging and 28 developed economies.
STUDY_000 = (
    "CHN IND BRA IDN RUS TUR MEX ARG BGD CHL COL EGY MYS PAK PER PHL POL ZAF THA UKR VNM "
    "AUS AUT BEL CAN CZE DNK FIN FRA DEU GRC HUN IRL ITA JPN KOR LUX NLD CHE PRT SVK ESP "
    "SWE USA GBR CYP EST MLT SVN"
).split()


def test_real_bundle_coverage(data_dir):
    tfi = trade_facilitation_index(load_gcr(data_dir=data_dir))
    cov = tfi_coverage_by_year(tfi).set_index("year")
    # GCR 2016-17 (year 2016): the secondaries wef_gcr/SOURCE.md lists as missing.
    missing_2016 = set(cov.loc[2016, "missing_for_all"].split(";"))
    assert missing_2016 == {"EOSQ057", "EOSQ061", "EOSQrailroad", "EOSQ353", "EOSQ067", "EOSQ068"}
    assert cov.loc[2016, "tfi_available"] == 0  # no port-efficiency score at all that year
    deu = tfi[(tfi["iso3"] == "DEU") & tfi["year"].between(2009, 2014)]
    assert len(deu) == 6
    assert (deu["n_secondary_present"] == len(TFI_SECONDARIES)).all()
    assert deu["TFI"].notna().all()
    sample = tfi[tfi["iso3"].isin(STUDY_000) & tfi["year"].between(2009, 2014)]
    assert len(sample) == 49 * 6
    # Cyprus and Malta have no railways, hence no railroad score; everyone else is complete.
    incomplete = sample[sample["n_secondary_present"] < len(TFI_SECONDARIES)]
    assert set(incomplete["iso3"]) == {"CYP", "MLT"}
    assert set(incomplete["missing_secondaries"]) == {"EOSQrailroad"}
