"""High-tech classifications: the shipped lists, longest-prefix matching, aggregation, concordances.

Expected categories are read off the printed lists (study 001 Table 7; the OECD
notation "714 - 714.89 - 714.99"), expected totals are added up by hand in the
comments.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators.products import (
    STUDY001_LABELS_ZH,
    aggregate_by_category,
    available_classifications,
    classification,
    classify,
    load_concordance,
    normalize_codes,
)

# ----------------------------------------------------------------------------- shipped lists


def test_study001_list_is_table_7():
    table = classification("study001_sitc3")
    assert list(table.columns) == ["code", "category", "source"]
    got = dict(zip(table["code"], table["category"], strict=True))
    # study 001, Table 7 (SITC Rev.3)
    assert got == {
        "792": "aerospace",
        "71319": "aerospace",
        "54": "pharmaceuticals",
        "76": "electronics_telecom",
        "77": "electronics_telecom",
        "74183": "medical_instruments",
        "872": "medical_instruments",
        "75": "computers_office",
    }
    assert table["source"].str.contains("Table 7").all()
    assert table.attrs["nomenclature"] == "SITC Rev.3"
    assert set(STUDY001_LABELS_ZH) == set(got.values())
    assert STUDY001_LABELS_ZH["aerospace"] == "航空航天器产品"


def test_oecd_list_warns_until_verified_and_has_nine_groups():
    with pytest.warns(HitexWarning, match="unverified"):
        table = classification("oecd_hightech_sitc3")
    groups = set(table["category"].dropna())
    assert groups == {
        "aerospace",
        "computers_office",
        "electronics_telecom",
        "pharmacy",
        "scientific_instruments",
        "electrical_machinery",
        "chemistry",
        "non_electrical_machinery",
        "armament",
    }
    assert table["code"].is_unique
    assert table["source"].str.contains("Hatzichronoglou").all()
    # exclusions are rows without a category
    assert table.loc[table["code"] == "76493", "category"].isna().all()


def test_unknown_classification_names_the_choices():
    assert "study001_sitc3" in available_classifications()
    with pytest.raises(SpecificationError, match="study001_sitc3"):
        classification("no_such_list")


# ----------------------------------------------------------------------------- matching


def _cats(codes, **kw):
    frame = pd.DataFrame({"sitc": pd.array(codes, dtype="string")})
    return list(
        classify(frame, "sitc", **kw)["category"].astype(object).where(lambda s: s.notna(), None)
    )


def test_prefix_matching_at_several_digit_levels():
    codes = [
        "54",
        "541",
        "5413",
        "54131",
        "792",
        "7921",
        "79211",
        "71319",
        "74183",
        "872",
        "87211",
        "75",
        "752",
        "7599",
        "76",
        "7643",
        "77",
        "7764",
    ]
    expected = (
        ["pharmaceuticals"] * 4
        + ["aerospace"] * 4
        + ["medical_instruments"] * 3
        + ["computers_office"] * 3
        + ["electronics_telecom"] * 4
    )
    assert _cats(codes) == expected


def test_leading_zeros_and_separators():
    # SITC 054 (vegetables) is not 54 (medicinal products); dots and spaces are removed
    assert _cats(["054", "0541", "792.1", "741 83", " 75 "]) == [
        None,
        None,
        "aerospace",
        "medical_instruments",
        "computers_office",
    ]


def test_non_high_tech_and_missing_codes_get_no_category():
    assert _cats(["7111", "9", "781", None]) == [None, None, None, None]


def test_coarse_codes_are_reported():
    # 7131 and 7418 are coarser than the listed 71319 and 74183; 7 is coarser than all
    with pytest.warns(DataCoverageWarning, match="coarser"):
        got = _cats(["7131", "7418", "7"])
    assert got == [None, None, None]


def test_longest_prefix_wins_and_exclusions_override():
    custom = pd.DataFrame(
        {
            "code": ["7", "792", "764", "76493"],
            "category": ["machinery", "aerospace", "electronics", None],
        }
    )
    with pytest.warns(DataCoverageWarning, match="'79'"):  # 79 holds 792 (aerospace) too
        got = _cats(["7111", "7921", "79", "76491", "76493", "764931"], classification=custom)
    assert got == ["machinery", "aerospace", "machinery", "electronics", None, None]


def test_oecd_notation_714_minus_71489_71499():
    with pytest.warns(HitexWarning) as record:
        got = _cats(
            ["7141", "71481", "71489", "71499", "7149", "87411", "8741", "891"],
            classification="oecd_hightech_sitc3",
        )
    # 7149 is split by the list (71499 is not aerospace): classified by 714, and reported
    assert any(
        isinstance(w.message, DataCoverageWarning) and "'7149'" in str(w.message) for w in record
    )
    assert got[4] == "aerospace"
    # 714 is aerospace except 714.89 and 714.99 (non-electrical machinery); 874.11 aerospace,
    # the rest of 874 scientific instruments; 891 armament
    assert got[:4] == [
        "aerospace",
        "aerospace",
        "non_electrical_machinery",
        "non_electrical_machinery",
    ]
    assert got[5] == "aerospace"
    assert got[6] == "scientific_instruments"
    assert got[7] == "armament"


def test_numeric_codes_need_a_level():
    frame = pd.DataFrame({"sitc": [5413, 7921]})
    with pytest.raises(DataFormatError, match="'sitc'.*leading|'sitc'.*start with 0"):
        classify(frame, "sitc")
    # as 5-digit codes, 5413 is 05413 (not pharmaceuticals) and 7921 is 07921
    out = classify(pd.DataFrame({"sitc": [5413, 54131, 79211]}), "sitc", level=5)
    assert out["category"].isna().tolist() == [True, False, False]
    assert normalize_codes(pd.Series([541, 7]), level=5).tolist() == ["00541", "00007"]
    with pytest.raises(DataFormatError, match="longer than level=3"):
        normalize_codes(pd.Series(["54131"]), column="sitc", level=3)


def test_bad_codes_and_missing_column():
    with pytest.raises(DataFormatError, match="'sitc'.*TOTAL"):
        classify(pd.DataFrame({"sitc": ["7921", "TOTAL"]}), "sitc")
    with pytest.raises(ColumnNotFoundError, match="'hs'"):
        classify(pd.DataFrame({"sitc": ["7921"]}), "hs")
    with pytest.raises(DataFormatError, match="more than once"):
        classify(
            pd.DataFrame({"sitc": ["7921"]}),
            "sitc",
            classification=pd.DataFrame({"code": ["792", "792"], "category": ["a", "b"]}),
        )


def test_classify_keeps_the_input():
    frame = pd.DataFrame({"sitc": ["7921", "054"], "value": [1.0, 2.0]})
    out = classify(frame, "sitc")
    assert list(frame.columns) == ["sitc", "value"]
    assert out["sitc"].tolist() == ["7921", "054"]


# ----------------------------------------------------------------------------- aggregation

TRADE = pd.DataFrame(
    {
        "exporter": ["CHN", "CHN", "CHN", "CHN", "CHN", "VNM", "VNM"],
        "importer": ["KOR", "KOR", "KOR", "KOR", "SGP", "KOR", "KOR"],
        "year": [2010, 2010, 2010, 2010, 2010, 2010, 2011],
        "sitc": ["7921", "79211", "5413", "0541", "7764", "7521", "7764"],
        "value": [10.0, 5.0, 7.0, 100.0, 3.0, 4.0, 2.0],
    }
)


def test_aggregate_totals_by_pair_year_category():
    out = aggregate_by_category(TRADE, code_col="sitc")
    got = {tuple(r[:4]): r[4] for r in out.itertuples(index=False)}
    assert got == {
        ("CHN", "KOR", 2010, "aerospace"): 15.0,  # 10 + 5
        ("CHN", "KOR", 2010, "pharmaceuticals"): 7.0,  # 0541 (food) is left out
        ("CHN", "SGP", 2010, "electronics_telecom"): 3.0,
        ("VNM", "KOR", 2010, "computers_office"): 4.0,
        ("VNM", "KOR", 2011, "electronics_telecom"): 2.0,
    }


def test_aggregate_with_other_and_by_category_only():
    classified = classify(TRADE, "sitc")
    out = aggregate_by_category(classified, by=("exporter",), other="other")
    got = {tuple(r[:2]): r[2] for r in out.itertuples(index=False)}
    assert got[("CHN", "other")] == 100.0
    assert got[("CHN", "aerospace")] == 15.0
    assert sum(got.values()) == TRADE["value"].sum()  # 131
    totals = aggregate_by_category(classified, by=())
    assert dict(zip(totals["category"], totals["value"], strict=True)) == {
        "aerospace": 15.0,
        "computers_office": 4.0,
        "electronics_telecom": 5.0,  # 3 + 2
        "pharmaceuticals": 7.0,
    }


def test_aggregate_bad_input():
    with pytest.raises(ColumnNotFoundError, match="'category'.*classify"):
        aggregate_by_category(TRADE)
    text = TRADE.assign(value=["1", "2", "x", "4", "5", "6", "7"])
    with pytest.raises(NonNumericError, match="'value'"):
        aggregate_by_category(text, code_col="sitc")
    with pytest.raises(EmptySampleError):
        aggregate_by_category(TRADE.iloc[:0], code_col="sitc")
    with pytest.raises(EmptySampleError, match="no record has a category"):
        aggregate_by_category(TRADE[TRADE["sitc"] == "0541"], code_col="sitc")


# ----------------------------------------------------------------------------- concordances


def _write_csv(tmp_path, text):
    path = tmp_path / "hs_sitc.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_concordance_keeps_zeros_and_flags_one_to_many(tmp_path):
    path = _write_csv(
        tmp_path,
        "HS1992,SITC3,note\n010110,00151,x\n0101.90,001.52,\n300420,54131,\n300420,54132,\n"
        "300420,54131,duplicate\n,54139,\n",
    )
    with pytest.warns(DataCoverageWarning, match="300420"):
        table = load_concordance(path, "HS1992", "SITC3")
    assert table.columns.tolist() == ["HS1992", "SITC3", "one_to_many"]
    pairs = set(zip(table["HS1992"], table["SITC3"], strict=True))
    assert pairs == {
        ("010110", "00151"),
        ("010190", "00152"),
        ("300420", "54131"),
        ("300420", "54132"),
    }
    flagged = set(table.loc[table["one_to_many"], "HS1992"])
    assert flagged == {"300420"}


def test_concordance_from_excel(tmp_path):
    path = tmp_path / "conc.xlsx"
    pd.DataFrame({"hs": ["010110", "852520"], "sitc": ["00151", "76432"]}).to_excel(
        path, index=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = load_concordance(path, "hs", "sitc")
    assert table["hs"].tolist() == ["010110", "852520"]
    assert not table["one_to_many"].any()


def test_concordance_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found"):
        load_concordance(tmp_path / "missing.csv", "a", "b")
    path = _write_csv(tmp_path, "HS,SITC\n010110,00151\n")
    with pytest.raises(ColumnNotFoundError, match="'SITC3'.*from_col"):
        load_concordance(path, "HS", "SITC3")
    bad = _write_csv(tmp_path, "HS,SITC\n010110,001-51\n")
    with pytest.raises(DataFormatError, match="'SITC'"):
        load_concordance(bad, "HS", "SITC")
    empty = _write_csv(tmp_path, "HS,SITC\n010110,\n")
    with pytest.raises(EmptySampleError):
        load_concordance(empty, "HS", "SITC")
    other = tmp_path / "conc.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(DataFormatError, match=".csv"):
        load_concordance(other, "HS", "SITC")
