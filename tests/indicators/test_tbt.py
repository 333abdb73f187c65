"""TBT depth (study 001, Tables 4-6) and the pair-year FTA/depth panel on hand-made data.

Every coding, dyad and withdrawal below is invented for the test; every expected
depth, tier and panel row is worked out by hand from the rules of study 001:
depth = wto + coop + distort + dispute + intstand + harmon (tbt_prov dropped).
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
    NonNumericError,
)
from hitex.indicators.tbt import (
    TBT_ITEMS,
    TIERS,
    check_study001_table6,
    depth_tier,
    pair_year_panel,
    study001_table6,
    tbt_depth,
)

ITEMS = ["tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand", "tbt_harmon"]


def coding_frame(rows: dict[str, list]) -> pd.DataFrame:
    """rows: id -> [prov, wto, coop, distort, dispute, intstand, harmon]."""
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["tbt_prov", *ITEMS])
    return frame.rename_axis("agreement_id").reset_index()


# ----------------------------------------------------------------------------- depth


def test_items_are_the_six_of_study001():
    assert TBT_ITEMS == tuple(ITEMS)
    assert TIERS == ("0", "1-2", "3-4", "5-6", "7-8")


def test_depth_and_tier_by_hand():
    coding = coding_frame({
        "nz": [1, 1, 1, 0, 1, 1, 0],  # 1+1+0+1+1+0 = 4
        "full": [1, 1, 1, 1, 1, 1, 3],  # 1+1+1+1+1+3 = 8
        "none": [0, 0, 0, 0, 0, 0, 0],  # 0
        "prov_only": [1, 0, 0, 0, 0, 0, 0],  # tbt_prov is not counted: 0
        "harm2": [1, 1, 0, 0, 0, 0, 2],  # 1+2 = 3
        "coop": [1, 0, 1, 0, 0, 0, 0],  # 1
        "six": [1, 1, 1, 1, 1, 1, 1],  # 6
        "five": [1, 1, 1, 1, 1, 1, 0],  # 5
        "seven": [1, 1, 1, 1, 1, 1, 2],  # 7
    })
    out = tbt_depth(coding).set_index("agreement_id")
    expected_depth = {"nz": 4, "full": 8, "none": 0, "prov_only": 0, "harm2": 3, "coop": 1,
                      "six": 6, "five": 5, "seven": 7}
    expected_tier = {"nz": "3-4", "full": "7-8", "none": "0", "prov_only": "0", "harm2": "3-4",
                     "coop": "1-2", "six": "5-6", "five": "5-6", "seven": "7-8"}
    assert out["depth"].to_dict() == expected_depth
    assert out["tier"].astype(str).to_dict() == expected_tier
    assert (out["missing_items"] == "").all()
    assert not out["items_imputed"].any()
    assert list(out["tier"].cat.categories) == ["0", "1-2", "3-4", "5-6", "7-8"]


def test_depth_keeps_other_columns_and_order():
    coding = coding_frame({"b": [1, 1, 1, 0, 0, 0, 0], "a": [1, 0, 0, 0, 0, 0, 1]})
    coding["name"] = ["B-land C-land", "A-land D-land"]
    out = tbt_depth(coding)
    assert list(out["agreement_id"]) == ["b", "a"]
    assert list(out["name"]) == ["B-land C-land", "A-land D-land"]
    assert list(out["depth"]) == [2, 1]  # wto + coop; harmon


def test_depth_tier_alone():
    tiers = depth_tier(pd.Series([0, 1, 2, 3, 4, 5, 6, 7, 8, np.nan]))
    assert [None if pd.isna(t) else t for t in tiers] == [
        "0", "1-2", "1-2", "3-4", "3-4", "5-6", "5-6", "7-8", "7-8", None]
    with pytest.raises(DataFormatError, match="0 to 8"):
        depth_tier([9])


def test_missing_items_are_reported_not_zero():
    coding = coding_frame({"ok": [1, 1, 1, 0, 0, 1, 0], "gap": [1, 1, None, 0, 0, 1, None]})
    with pytest.warns(DataCoverageWarning, match="'gap'"):
        out = tbt_depth(coding)
    out = out.set_index("agreement_id")
    assert out.at["ok", "depth"] == 3
    assert pd.isna(out.at["gap", "depth"])  # not 1+0+0+1 = 2
    assert pd.isna(out.at["gap", "tier"])
    assert out.at["gap", "missing_items"] == "tbt_coop,tbt_harmon"
    assert out.at["ok", "missing_items"] == ""


def test_missing_items_raise():
    coding = coding_frame({"gap": [1, 1, None, 0, 0, 1, 0]})
    with pytest.raises(DataFormatError, match="'gap'.*missing_items"):
        tbt_depth(coding, missing="raise")


def test_missing_items_zero_if_no_provision():
    coding = coding_frame({
        "no_chapter": [0, None, None, None, None, None, None],  # no TBT provision: all items 0
        "chapter_gap": [1, 1, None, 0, 0, 0, 0],  # has provisions: gap stays a gap
        "full": [1, 1, 1, 0, 0, 0, 1],  # 3
    })
    with pytest.warns(DataCoverageWarning, match="'chapter_gap'") as record:
        out = tbt_depth(coding, missing="zero_if_no_provision").set_index("agreement_id")
    assert "no_chapter" not in str(record[0].message)
    assert out.at["no_chapter", "depth"] == 0
    assert out.at["no_chapter", "items_imputed"]
    assert pd.isna(out.at["chapter_gap", "depth"])
    assert not out.at["chapter_gap", "items_imputed"]
    assert out.at["full", "depth"] == 3


@pytest.mark.parametrize(
    ("item", "value", "codes"),
    [("tbt_harmon", 4, "0-3"), ("tbt_distort", 2, "0-1"), ("tbt_wto", 0.5, "0-1"),
     ("tbt_coop", -1, "0-1"), ("tbt_prov", 3, "0-1")],
)
def test_out_of_range_code_names_agreement_and_item(item, value, codes):
    coding = coding_frame({"fine": [1, 1, 1, 0, 0, 1, 0], "China Korea": [1, 1, 1, 0, 1, 1, 0]})
    coding[item] = coding[item].astype("float64")
    coding.loc[1, item] = value
    with pytest.raises(DataFormatError, match=rf"'China Korea'.*{item}.*{codes}"):
        tbt_depth(coding)


def test_bad_coding_inputs():
    coding = coding_frame({"a": [1, 1, 1, 0, 0, 1, 0]})
    with pytest.raises(ColumnNotFoundError, match="tbt_harmon"):
        tbt_depth(coding.drop(columns="tbt_harmon"))
    with pytest.raises(ColumnNotFoundError, match="agreement_id"):
        tbt_depth(coding, id_col="agreement_id_x")
    with pytest.raises(DuplicateKeyError, match="'a'"):
        tbt_depth(pd.concat([coding, coding]))
    text = coding.astype({"tbt_coop": object})
    text.loc[0, "tbt_coop"] = "yes"
    with pytest.raises(NonNumericError, match="tbt_coop.*'yes'"):
        tbt_depth(text)


# ----------------------------------------------------------------------------- pair-year panel

# Economies AAA, BBB, CCC, DDD; years 2000-2004.
#   P  plurilateral AAA-BBB-CCC, in force 2001, depth 2; DDD accedes in 2002 (its pairs belong
#      to P, base treaty P); CCC withdraws from P in 2003.
#   P2 consolidated version of P (base treaty P) for AAA-BBB from 2004, depth 6.
#   Q  bilateral AAA-BBB from 2002, depth 5.
#   R  bilateral AAA-DDD with no entry-into-force year: never in force.
#   U  bilateral CCC-DDD from 2000 with unknown depth.
AGREEMENTS = pd.DataFrame({"agreement_id": ["P", "P2", "Q", "R", "U"],
                           "depth": [2, 6, 5, 1, None]})
DYADS = pd.DataFrame(
    [("P", "P", "AAA", "BBB", 2001), ("P", "P", "AAA", "CCC", 2001), ("P", "P", "CCC", "BBB", 2001),
     ("P", "P", "DDD", "AAA", 2002), ("P", "P", "BBB", "DDD", 2002), ("P", "P", "CCC", "DDD", 2002),
     ("P2", "P", "AAA", "BBB", 2004), ("Q", "Q", "BBB", "AAA", 2002), ("R", "R", "AAA", "DDD", None),
     ("U", "U", "DDD", "CCC", 2000)],
    columns=["agreement_id", "base_treaty", "iso3_1", "iso3_2", "entry_into_force"],
).astype({"entry_into_force": "Int64"})
WITHDRAWALS = pd.DataFrame(
    [("P", "CCC", "AAA", 2003), ("P", "BBB", "CCC", 2003), ("P", "CCC", "DDD", 2003)],
    columns=["base_treaty", "iso3_1", "iso3_2", "year"],
)
NA = None
# (pair, year): fta, depth, n_agreements, n_depth_unknown, deepest -- worked out by hand
EXPECTED = {
    ("AAA", "BBB"): [(0, NA, 0, 0, NA), (1, 2, 1, 0, "P"), (1, 5, 2, 0, "Q"), (1, 5, 2, 0, "Q"),
                     (1, 6, 2, 0, "P2")],
    ("AAA", "CCC"): [(0, NA, 0, 0, NA), (1, 2, 1, 0, "P"), (1, 2, 1, 0, "P"), (0, NA, 0, 0, NA),
                     (0, NA, 0, 0, NA)],
    ("BBB", "CCC"): [(0, NA, 0, 0, NA), (1, 2, 1, 0, "P"), (1, 2, 1, 0, "P"), (0, NA, 0, 0, NA),
                     (0, NA, 0, 0, NA)],
    ("AAA", "DDD"): [(0, NA, 0, 0, NA), (0, NA, 0, 0, NA), (1, 2, 1, 0, "P"), (1, 2, 1, 0, "P"),
                     (1, 2, 1, 0, "P")],
    ("BBB", "DDD"): [(0, NA, 0, 0, NA), (0, NA, 0, 0, NA), (1, 2, 1, 0, "P"), (1, 2, 1, 0, "P"),
                     (1, 2, 1, 0, "P")],
    ("CCC", "DDD"): [(1, NA, 1, 1, NA), (1, NA, 1, 1, NA), (1, 2, 2, 1, "P"), (1, NA, 1, 1, NA),
                     (1, NA, 1, 1, NA)],
}
YEARS = range(2000, 2005)


def build_panel(**kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCoverageWarning)
        return pair_year_panel(AGREEMENTS, DYADS, WITHDRAWALS, YEARS, **kwargs)


def test_panel_by_hand_both_directions():
    panel = build_panel()
    assert len(panel) == 4 * 3 * 5  # ordered pairs of 4 economies x 5 years
    assert list(panel.columns) == ["exporter", "importer", "year", "fta", "depth", "depth_x_fta",
                                   "n_agreements", "n_depth_unknown", "deepest_agreement"]
    assert panel.equals(panel.sort_values(["exporter", "importer", "year"]))
    rows = panel.set_index(["exporter", "importer", "year"])
    for (a, b), values in EXPECTED.items():
        for (i, j) in ((a, b), (b, a)):
            for year, (fta, depth, n_agr, n_unknown, deepest) in zip(YEARS, values, strict=True):
                got = rows.loc[(i, j, year)]
                where = f"{i}-{j} {year}"
                assert got["fta"] == fta, where
                assert (math.isnan(got["depth"]) if depth is None else got["depth"] == depth), where
                want_x = 0.0 if fta == 0 else (math.nan if depth is None else depth)
                assert (math.isnan(got["depth_x_fta"]) if math.isnan(want_x)
                        else got["depth_x_fta"] == want_x), where
                assert got["n_agreements"] == n_agr, where
                assert got["n_depth_unknown"] == n_unknown, where
                assert (pd.isna(got["deepest_agreement"]) if deepest is None
                        else got["deepest_agreement"] == deepest), where


def test_panel_coverage_is_reported():
    with pytest.warns(DataCoverageWarning, match="no entry-into-force year") as record:
        panel = pair_year_panel(AGREEMENTS, DYADS, WITHDRAWALS, YEARS)
    assert "unknown depth" in str(record[0].message)
    cov = panel.attrs["coverage"]
    assert cov["dyads_without_entry_into_force"] == 1  # R
    assert cov["spells_ended_by_withdrawal"] == 3  # P for AAA-CCC, BBB-CCC, CCC-DDD
    assert cov["pair_years_with_unknown_depth"] == 5  # CCC-DDD 2000-2004
    assert cov["dyads_of_unlisted_agreements"] == 0


def test_panel_unknown_depth_missing():
    panel = build_panel(unknown_depth="missing").set_index(["exporter", "importer", "year"])
    row = panel.loc[("DDD", "CCC", 2002)]  # P (depth 2) and U (unknown) in force
    assert row["fta"] == 1 and math.isnan(row["depth"]) and pd.isna(row["deepest_agreement"])
    assert panel.loc[("AAA", "BBB", 2004), "depth"] == 6


def test_panel_countries_and_unlisted_agreements():
    only_q = AGREEMENTS.loc[AGREEMENTS["agreement_id"] == "Q"]
    with pytest.warns(DataCoverageWarning, match="without a row in the depth table") as record:
        panel = pair_year_panel(only_q, DYADS, WITHDRAWALS, [2001, 2002],
                                countries=["aaa", "BBB", " ddd"])  # codes of the dyads, any case
    message = str(record[0].message)
    assert "'P'" in message and "FTA = 0" in message
    assert "filter dyads" not in message and "attrs" not in message  # no Python-only advice
    assert len(panel) == 3 * 2 * 2
    assert set(panel["exporter"]) == {"AAA", "BBB", "DDD"}
    rows = panel.set_index(["exporter", "importer", "year"])["fta"]
    assert rows[("AAA", "BBB", 2001)] == 0 and rows[("AAA", "BBB", 2002)] == 1
    assert rows[("BBB", "AAA", 2002)] == 1
    assert rows[("DDD", "AAA", 2002)] == 0  # only P links them, and P is left out


def test_tie_goes_to_earliest_then_smallest_id():
    agreements = pd.DataFrame({"agreement_id": ["late", "early", "b_same", "a_same"],
                               "depth": [4, 4, 3, 3]})
    dyads = pd.DataFrame({"agreement_id": ["late", "early", "b_same", "a_same"],
                          "iso3_1": ["AAA", "AAA", "CCC", "CCC"], "iso3_2": ["BBB", "BBB", "DDD", "DDD"],
                          "entry_into_force": [2001, 2000, 2000, 2000]})
    empty = pd.DataFrame(columns=["base_treaty", "iso3_1", "iso3_2", "year"])
    panel = pair_year_panel(agreements, dyads, empty, [2001]).set_index(["exporter", "importer"])
    assert panel.loc[("BBB", "AAA"), "deepest_agreement"] == "early"
    assert panel.loc[("DDD", "CCC"), "deepest_agreement"] == "a_same"
    assert panel.loc[("AAA", "BBB"), "n_agreements"] == 2  # no base_treaty: ids are treaties


def test_withdrawal_does_not_end_a_later_spell():
    # AAA leaves T in 2002 and joins again (accession) in 2004.
    agreements = pd.DataFrame({"agreement_id": ["T"], "depth": [1]})
    dyads = pd.DataFrame({"agreement_id": ["T", "T"], "base_treaty": ["T", "T"],
                          "iso3_1": ["AAA", "BBB"], "iso3_2": ["BBB", "AAA"],
                          "entry_into_force": [2000, 2004]})
    withdrawals = pd.DataFrame({"base_treaty": ["T"], "iso3_1": ["BBB"], "iso3_2": ["AAA"],
                                "year": [2002]})
    panel = pair_year_panel(agreements, dyads, withdrawals, range(2000, 2006))
    got = panel.loc[panel["exporter"] == "AAA", "fta"].tolist()
    assert got == [1, 1, 0, 0, 1, 1]


def test_bad_panel_inputs():
    with pytest.raises(ColumnNotFoundError, match="'depth'"):
        pair_year_panel(AGREEMENTS.drop(columns="depth"), DYADS, WITHDRAWALS, YEARS)
    with pytest.raises(ColumnNotFoundError, match="entry_into_force"):
        pair_year_panel(AGREEMENTS, DYADS.drop(columns="entry_into_force"), WITHDRAWALS, YEARS)
    with pytest.raises(ColumnNotFoundError, match="'year'"):
        pair_year_panel(AGREEMENTS, DYADS, WITHDRAWALS.drop(columns="year"), YEARS)
    with pytest.raises(DuplicateKeyError, match="'P'"):
        pair_year_panel(pd.concat([AGREEMENTS, AGREEMENTS]), DYADS, WITHDRAWALS, YEARS)
    text = AGREEMENTS.astype({"depth": object})
    text.loc[0, "depth"] = "deep"
    with pytest.raises(NonNumericError, match="depth.*'deep'"):
        pair_year_panel(text, DYADS, WITHDRAWALS, YEARS)
    with pytest.raises(EmptySampleError, match="years"):
        pair_year_panel(AGREEMENTS, DYADS, WITHDRAWALS, [])


# ----------------------------------------------------------------------------- study 001, Table 6


def test_table6_file_holds_the_printed_rows():
    table = study001_table6()
    assert len(table) == 11
    assert list(table["partner_iso3"]) == ["NZL", "SGP", "KOR", "CRI", "GEO", "PAK", "CHL", "CHE",
                                           "PER", "AUS", "ISL"]
    assert list(table["depth_printed"]) == [4, 5, 5, 5, 4, 3, 5, 4, 5, 4, 4]
    assert (table["tbt_harmon"] == 0).all()


def test_table6_inconsistent_row_without_desta():
    # Read by hand: Singapore's printed items are 1,1,0,1,1,0 (sum 4) but its printed depth is 5;
    # Table 5 lists Singapore-China under 4. Every other row adds up.
    check = check_study001_table6()
    assert check.inconsistent["partner_iso3"].tolist() == ["SGP"]
    row = check.inconsistent.iloc[0]
    assert (row["row"], row["depth_printed"], row["depth_items"], row["depth_table5"]) == (2, 5, 4, 4)
    assert check.disagreements.empty
    assert "row 2 (Singapore)" in check.summary()


def test_table6_against_a_made_up_coding():
    # Two invented DESTA-style entries: Korea coded like the study except distort, Peru twice
    # (the earlier one, in force 2010, is the match); Iceland's only entry is outside the window.
    coding = pd.DataFrame({
        "agreement_id": ["k1", "p_old", "p_new", "i_old"],
        "name": ["China Korea", "China Peru", "China Peru", "China Iceland"],
        "entry_type": ["base_treaty"] * 4,
        "entry_into_force": [2015, 2010, 2019, 1999],
        "members": [("CHN", "KOR"), ("PER", "CHN"), ("CHN", "PER"), ("CHN", "ISL")],
        "tbt_wto": [1, 1, 1, 1], "tbt_coop": [1, 1, 1, 1], "tbt_distort": [0, 1, 0, 0],
        "tbt_dispute": [1, 1, 0, 1], "tbt_intstand": [1, 0, 1, 1], "tbt_harmon": [0, 0, 2, 0],
    })
    with pytest.warns(DataCoverageWarning, match="Iceland"):
        check = check_study001_table6(coding)
    got = {(r.partner_iso3, r.desta_id, r.item, r.study, r.desta)
           for r in check.disagreements.itertuples()}
    assert got == {("KOR", "k1", "tbt_distort", 1, 0), ("PER", "p_old", "tbt_intstand", 1, 0)}
    table = check.table.set_index("partner_iso3")
    assert table.at["PER", "desta_candidates"] == 2
    assert table.at["KOR", "desta_depth"] == 4 and table.at["PER", "desta_depth"] == 4
    assert pd.isna(table.at["ISL", "desta_id"])
