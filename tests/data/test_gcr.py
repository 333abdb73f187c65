"""GCR reader: edition -> year rule, WEF workbook layout, tidy files, bundle.

Every score used here is made up for the test: WEF's terms do not allow
copying the real data into the repository.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from hitex.data.gcr import (
    COLUMNS,
    edition_to_year,
    format_edition,
    load_gcr,
    parse_edition,
    read_gci_workbook,
)
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    HitexError,
    NonNumericError,
)

# ----------------------------------------------------------------------------- editions


@pytest.mark.parametrize(
    ("label", "start"),
    [
        ("2012-2013", 2012),
        ("2012-13", 2012),
        ("2012/13", 2012),
        ("2012–2013", 2012),
        (2012, 2012),
        ("2009", 2009),
        ("1999-00", 1999),
    ],
)
def test_parse_edition(label, start):
    assert parse_edition(label) == start


@pytest.mark.parametrize("label", ["2012-2014", "twenty", "2012.5", 2012.5, None])
def test_parse_edition_rejects_non_editions(label):
    with pytest.raises(HitexError, match="edition"):
        parse_edition(label)


def test_edition_to_year_rule_both_ways():
    assert edition_to_year("2012-2013") == 2012
    assert edition_to_year("2012-2013", "start") == 2012
    assert edition_to_year("2012-2013", "end") == 2013
    assert format_edition(2016) == "2016-2017"
    with pytest.raises(HitexError, match="year_rule"):
        edition_to_year("2012-2013", "middle")


# ----------------------------------------------------------------------------- workbook

META = [
    "Dataset",
    "Placement",
    "Edition",
    "GLOBAL ID",
    "Code GCR",
    "Series",
    "Series unindented",
    "Attribute",
]
ECONOMIES = [("Germany", "DEU"), ("Korea, Rep.", "KOR"), ("Average GCR", "AVG")]
ROADS = "Quality of roads, 1-7 (best)"
# (edition, GLOBAL ID, series, attribute, values for DEU, KOR, AVG)
DATA = [
    ("2012-2013", "EOSQ057", ROADS, "Value", [5.5, 4.25, 4.0]),
    ("2012-2013", "EOSQ057", ROADS, "Rank", [10, 25, None]),
    (
        "2012-2013",
        "EOSQ048",
        "Burden of government regulation, 1-7 (best)",
        "Value",
        [3.125, "n/a", 3.5],
    ),
    ("2012-2013", "HIVPREV", "HIV prevalence, % adult pop.", "Value", ["<0.1", 0.2, 1.0]),
    ("2013-2014", "EOSQ057", ROADS, "Value", [5.75, 4.5, 4.1]),
    ("2013-2014", "EOSQ057", ROADS, "Rank", [9, 22, None]),
]


def write_workbook(path: Path, data=DATA, layout: str = "codes_above") -> Path:
    """A tiny workbook in the layout of WEF's GCI_Dataset_2007-2017.xlsx."""
    book = Workbook()
    book.active.title = "About"
    sheet = book.create_sheet("Data")
    names = [n for n, _ in ECONOMIES]
    codes = [c for _, c in ECONOMIES]
    sheet.append(["The Global Competitiveness Index dataset 2007-2017 (test copy)"])
    sheet.append(["Test data; not WEF values."])
    if layout == "codes_above":
        sheet.append([None] * len(META) + codes)
        sheet.append(META + names)
    elif layout == "codes_in_header":
        sheet.append(META + codes)
        sheet.append(["Dataset"] + [None] * (len(META) - 1) + names)
    else:  # names only
        sheet.append([None])
        sheet.append(META + names)
    for i, (edition, code, series, attribute, values) in enumerate(data, start=1):
        sheet.append(["GCI", i, edition, code, "2.02", series, series, attribute, *values])
    book.save(path)
    return path


def expected_from_workbook(year_rule: str = "start") -> pd.DataFrame:
    shift = 0 if year_rule == "start" else 1
    rows = [
        ("DEU", 2012, "EOSQ048", "Burden of government regulation, 1-7 (best)", 3.125),
        ("DEU", 2012, "EOSQ057", ROADS, 5.5),
        ("DEU", 2012, "HIVPREV", "HIV prevalence, % adult pop.", math.nan),
        ("DEU", 2013, "EOSQ057", ROADS, 5.75),
        ("KOR", 2012, "EOSQ057", ROADS, 4.25),
        ("KOR", 2012, "HIVPREV", "HIV prevalence, % adult pop.", 0.2),
        ("KOR", 2013, "EOSQ057", ROADS, 4.5),
    ]
    df = pd.DataFrame(
        rows, columns=["iso3", "edition_start_year", "indicator_code", "indicator_name", "value"]
    )
    df = df[df["value"].notna()]
    df["edition"] = [f"{y}-{y + 1}" for y in df["edition_start_year"]]
    df["year"] = df["edition_start_year"] + shift
    return df


def check_against(out: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(out.columns) == COLUMNS
    got = out.set_index(["iso3", "edition_start_year", "indicator_code"]).sort_index()
    exp = expected.set_index(["iso3", "edition_start_year", "indicator_code"]).sort_index()
    assert list(got.index) == list(exp.index)
    assert got["value"].tolist() == pytest.approx(exp["value"].tolist())
    assert got["year"].tolist() == exp["year"].tolist()
    assert got["edition"].tolist() == exp["edition"].tolist()
    assert got["indicator_name"].tolist() == exp["indicator_name"].tolist()


@pytest.mark.parametrize("layout", ["codes_above", "codes_in_header"])
def test_workbook_round_trip(tmp_path, layout):
    path = write_workbook(tmp_path / "GCI_Dataset_2007-2017.xlsx", layout=layout)
    with pytest.warns(DataCoverageWarning, match="HIVPREV"):
        out = read_gci_workbook(path)
    check_against(out, expected_from_workbook())
    assert set(out["source"]) == {"user file GCI_Dataset_2007-2017.xlsx"}
    assert "AVG" not in set(out["iso3"])  # group averages are not economies


def test_workbook_year_rule_end_and_filters(tmp_path):
    path = write_workbook(tmp_path / "gci.xlsx")
    out = load_gcr("EOSQ057", editions=["2013-14"], path=path, year_rule="end")
    assert out[["iso3", "edition", "year", "value"]].values.tolist() == [
        ["DEU", "2013-2014", 2014, 5.75],
        ["KOR", "2013-2014", 2014, 4.5],
    ]


def test_workbook_without_code_row_needs_a_name_map(tmp_path):
    path = write_workbook(tmp_path / "gci.xlsx", layout="names_only")
    with pytest.raises(DataFormatError, match="economy_codes"):
        read_gci_workbook(path, indicators=["EOSQ057"])
    out = read_gci_workbook(
        path,
        indicators=["EOSQ057"],
        economy_codes={"Germany": "DEU", "Korea, Rep.": "KOR", "Average GCR": "AVG"},
    )
    assert sorted(set(out["iso3"])) == ["DEU", "KOR"]
    assert len(out) == 4


def test_workbook_score_out_of_range_names_indicator_economy_edition(tmp_path):
    bad = [("2014-2015", "EOSQ057", ROADS, "Value", [8.25, 4.0, 4.0])]
    path = write_workbook(tmp_path / "gci.xlsx", data=bad)
    with pytest.raises(HitexError, match="EOSQ057.*DEU.*2014-2015"):
        read_gci_workbook(path)


def test_workbook_text_in_a_score_raises(tmp_path):
    bad = [("2014-2015", "EOSQ057", ROADS, "Value", [5.0, "good", 4.0])]
    path = write_workbook(tmp_path / "gci.xlsx", data=bad)
    with pytest.raises(NonNumericError, match="EOSQ057.*KOR"):
        read_gci_workbook(path)


def test_workbook_without_the_layout_is_rejected(tmp_path):
    book = Workbook()
    book.active.append(["iso3", "value"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(DataFormatError, match="Edition"):
        read_gci_workbook(tmp_path / "other.xlsx")


# ----------------------------------------------------------------------------- tidy files


def tidy_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "BBB"],
            "edition": ["2010-2011", "2011-2012", "2010-2011"],
            "indicator_code": ["EOSQ353", "EOSQ353", "EOSQ353"],
            "value": [4.5, 4.75, 2.0],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tidy_file(tmp_path, suffix):
    path = tmp_path / f"scores{suffix}"
    df = tidy_scores()
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path)
    out = read_gci_workbook(path, year_rule="end")
    assert out[["iso3", "edition_start_year", "year", "value"]].values.tolist() == [
        ["AAA", 2010, 2011, 4.5],
        ["AAA", 2011, 2012, 4.75],
        ["BBB", 2010, 2011, 2.0],
    ]
    assert set(out["indicator_name"]) == {"Quality of port infrastructure, 1-7 (best)"}


def test_tidy_file_with_year_column_reads_it_as_edition_start(tmp_path):
    df = tidy_scores().drop(columns="edition").assign(year=[2010, 2011, 2010])
    df.to_csv(tmp_path / "s.csv", index=False)
    out = read_gci_workbook(tmp_path / "s.csv")
    assert out["edition"].tolist() == ["2010-2011", "2011-2012", "2010-2011"]


def test_tidy_file_missing_column(tmp_path):
    tidy_scores().drop(columns="indicator_code").to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(ColumnNotFoundError, match="'indicator_code'"):
        read_gci_workbook(tmp_path / "s.csv")
    tidy_scores().drop(columns="edition").to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ColumnNotFoundError, match="'edition'"):
        read_gci_workbook(tmp_path / "t.csv")


def test_conflicting_duplicates_raise_identical_ones_are_kept_once(tmp_path):
    df = tidy_scores()
    pd.concat([df, df.iloc[[0]]]).to_csv(tmp_path / "same.csv", index=False)
    assert len(read_gci_workbook(tmp_path / "same.csv")) == 3
    conflict = df.iloc[[0]].assign(value=3.0)
    pd.concat([df, conflict]).to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(DuplicateKeyError, match="AAA 2010-2011 EOSQ353"):
        read_gci_workbook(tmp_path / "dup.csv")


def test_tidy_score_out_of_range(tmp_path):
    tidy_scores().assign(value=[4.5, 0.5, 2.0]).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(HitexError, match="EOSQ353, economy AAA, edition 2011-2012"):
        read_gci_workbook(tmp_path / "s.csv")


def test_missing_file():
    with pytest.raises(DataNotFoundError):
        read_gci_workbook("no/such/GCI_Dataset.xlsx")


# ----------------------------------------------------------------------------- bundle


def fake_bundle(tmp_path: Path) -> Path:
    (tmp_path / "wef_gcr").mkdir()
    df = tidy_scores().assign(
        edition_start_year=[2010, 2011, 2010],
        indicator_name="Quality of port infrastructure, 1-7 (best)",
        source="test",
    )
    df.to_csv(tmp_path / "wef_gcr" / "gcr_panel_best_available_2007_2018_long.csv", index=False)
    return tmp_path


def test_load_gcr_from_a_bundle_folder(tmp_path):
    folder = fake_bundle(tmp_path)
    out = load_gcr(data_dir=folder)
    assert list(out.columns) == COLUMNS
    assert out["year"].tolist() == [2010, 2011, 2010]
    out = load_gcr(["EOSQ353"], editions=2011, data_dir=folder, year_rule="end")
    assert out[["iso3", "year", "value"]].values.tolist() == [["AAA", 2012, 4.75]]
    with pytest.raises(DataNotFoundError, match="EOSQ999"):
        load_gcr(["EOSQ999"], data_dir=folder)
    with pytest.raises(DataNotFoundError, match="2005-2006"):
        load_gcr(editions="2005-2006", data_dir=folder)


def test_load_gcr_bundle_without_the_file(tmp_path):
    (tmp_path / "wef_gcr").mkdir()
    with pytest.raises(DataNotFoundError, match="path="):
        load_gcr(data_dir=tmp_path)


def test_real_bundle_layout(data_dir):
    out = load_gcr(data_dir=data_dir)
    assert list(out.columns) == COLUMNS
    assert out["value"].between(1, 7).all()
    assert len(set(out["indicator_code"])) == 11
    assert (out["year"] == out["edition_start_year"]).all()
    assert not out.duplicated(["iso3", "edition", "indicator_code"]).any()
    late = load_gcr(editions="2016-2017", data_dir=data_dir)
    assert set(late["indicator_code"]) == {"EOSQ048", "EOSQ049", "EOSQ050", "EOSQ144", "EOSQ096"}
