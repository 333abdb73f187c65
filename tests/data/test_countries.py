"""Tests of hitex.data.countries.

Expected values come from well-known facts (OECD and WTO accession dates, the
country lists printed in study 000) or from the raw bundle files, read here with
the standard library's csv module, independently of the code under test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import countries
from hitex.errors import DataCoverageWarning, DataNotFoundError, HitexError

# Study 000, section 3.3, as printed (its order and spelling).
STUDY000_EMERGING = {
    "China": "CHN",
    "India": "IND",
    "Brazil": "BRA",
    "Indonesia": "IDN",
    "Russia": "RUS",
    "Turkey": "TUR",
    "Mexico": "MEX",
    "Argentina": "ARG",
    "Bangladesh": "BGD",
    "Chile": "CHL",
    "Colombia": "COL",
    "Egypt": "EGY",
    "Malaysia": "MYS",
    "Pakistan": "PAK",
    "Peru": "PER",
    "the Philippines": "PHL",
    "Poland": "POL",
    "South Africa": "ZAF",
    "Thailand": "THA",
    "Ukraine": "UKR",
    "Vietnam": "VNM",
}
STUDY000_DEVELOPED = {
    "Australia": "AUS",
    "Austria": "AUT",
    "Belgium": "BEL",
    "Canada": "CAN",
    "the Czech Republic": "CZE",
    "Denmark": "DNK",
    "Finland": "FIN",
    "France": "FRA",
    "Germany": "DEU",
    "Greece": "GRC",
    "Hungary": "HUN",
    "Ireland": "IRL",
    "Italy": "ITA",
    "Japan": "JPN",
    "South Korea": "KOR",
    "Luxembourg": "LUX",
    "the Netherlands": "NLD",
    "Switzerland": "CHE",
    "Portugal": "PRT",
    "Slovakia": "SVK",
    "Spain": "ESP",
    "Sweden": "SWE",
    "the United States": "USA",
    "the United Kingdom": "GBR",
    "Cyprus": "CYP",
    "Estonia": "EST",
    "Malta": "MLT",
    "Slovenia": "SVN",
}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def income_wide(data_dir: Path) -> dict[str, dict[str, str]]:
    """Raw World Bank history, wide layout: {iso3: {year: code}} ('NaN' and '' dropped)."""
    rows = read_rows(data_dir / "wb_income_groups" / "wb_income_class_history_wide.csv")
    return {
        row["Code"]: {k: v for k, v in row.items() if k.isdigit() and v not in ("", "NaN")}
        for row in rows
    }


# -- country table and resolve ------------------------------------------------


def test_country_table_layout(data_dir):
    table = countries.country_table(data_dir)
    assert list(table.columns) == [
        "iso3",
        "name",
        "iso2",
        "wdi_region",
        "continent",
        "is_aggregate",
    ]
    assert table["iso3"].is_unique
    meta = {
        r["iso3"]: r["Region"] for r in read_rows(data_dir / "wdi" / "wdi_country_metadata.csv")
    }
    by_code = table.set_index("iso3")
    for code, region in meta.items():  # every WDI row is there, aggregates flagged
        assert bool(by_code.loc[code, "is_aggregate"]) == (region == "")
        if region:
            assert by_code.loc[code, "wdi_region"] == region
    assert by_code.loc["WLD", "is_aggregate"]
    assert by_code.loc["CHN", "wdi_region"] == "East Asia & Pacific"
    assert by_code.loc["NAM", "iso2"] == "NA"  # ISO 3166-1: Namibia is "NA", not missing
    assert by_code.loc["DEU", "iso2"] == "DE"


def test_country_table_is_a_copy(data_dir):
    table = countries.country_table(data_dir)
    table.loc[:, "name"] = "changed"
    assert countries.country_table(data_dir).set_index("iso3").loc["FRA", "name"] == "France"


@pytest.mark.parametrize(
    ("entry", "iso3"),
    [
        ("CHN", "CHN"),
        ("chn", "CHN"),
        ("CN", "CHN"),
        ("china", "CHN"),
        (" China ", "CHN"),
        ("NA", "NAM"),
        ("Namibia", "NAM"),
        ("United States", "USA"),
        ("USA", "USA"),
        ("UK", "GBR"),
        ("South Korea", "KOR"),
        ("Korea, Rep.", "KOR"),
        ("Viet Nam", "VNM"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("St. Lucia", "LCA"),
        ("Saint Lucia", "LCA"),
        ("Hong Kong", "HKG"),
        ("Russian Federation", "RUS"),
    ],
)
def test_resolve_codes_and_names(data_dir, entry, iso3):
    assert countries.resolve([entry], data_dir) == [iso3]


def test_resolve_keeps_order_and_accepts_a_string(data_dir):
    assert countries.resolve(["Japan", "DE", "bra"], data_dir) == ["JPN", "DEU", "BRA"]
    assert countries.resolve("France", data_dir) == ["FRA"]


def test_resolve_names_every_unknown_entry_with_suggestions(data_dir):
    with pytest.raises(HitexError) as info:
        countries.resolve(["China", "Germny", "Narnia", "Korea"], data_dir)
    message = str(info.value)
    assert "'Germny'" in message and "Germany" in message and "DEU" in message
    assert "'Narnia'" in message
    assert "'Korea'" in message and "KOR" in message and "PRK" in message
    assert "'China'" not in message


# -- OECD, EU, G7/G20, WTO, BRI -------------------------------------------------


def test_oecd_membership_follows_accession_year(data_dir):
    assert countries.is_member("CHL", "oecd", 2012, data_dir)  # joined 2010
    assert not countries.is_member("CHL", "oecd", 2009, data_dir)
    assert not countries.is_member("LVA", "oecd", 2012, data_dir)  # joined 2016
    assert countries.is_member("LVA", "oecd", 2016, data_dir)
    assert not countries.is_member("COL", "oecd", 2019, data_dir)  # joined 2020
    assert countries.is_member("CRI", "OECD", 2021, data_dir)  # joined 2021
    assert countries.is_member("USA", "oecd", 1961, data_dir)
    assert len(countries.members("oecd", 2012, data_dir)) == 34  # 34 members 2010-2015


def test_oecd_members_match_raw_file(data_dir):
    rows = read_rows(data_dir / "country_groups" / "country_groups_country_converter.csv")
    raw = {
        r["ISO3"]: int(float(r["oecd_accession_year"])) for r in rows if r["oecd_accession_year"]
    }
    assert countries.members("oecd", None, data_dir) == sorted(raw)
    assert len(raw) == 38
    assert countries.members("oecd", 2000, data_dir) == sorted(
        c for c, y in raw.items() if y <= 2000
    )


def test_eu_g7_g20(data_dir):
    eu = countries.members("eu", 2015, data_dir)
    assert len(eu) == 28 and "GBR" in eu and {"DEU", "HRV", "POL"} <= set(eu)
    # enlargements and the UK's exit (31 January 2020) are facts of the EU, not of the code
    assert len(countries.members("eu", 2020, data_dir)) == 27
    assert not countries.is_member("POL", "eu", 2003, data_dir)
    assert countries.is_member("POL", "eu", 2004, data_dir)
    assert len(countries.members("eu", 1995, data_dir)) == 15
    assert "GBR" not in countries.members("eu", None, data_dir)
    # the EU27 flag of the bundle's country table agrees with today's membership
    conv = pd.read_csv(data_dir / "country_groups" / "country_groups_country_converter.csv",
                       keep_default_na=False)
    eu27 = set(conv.loc[conv["EU27"] != "", "ISO3"])
    assert set(countries.members("eu", 2023, data_dir)) == eu27
    assert countries.members("g7", None, data_dir) == sorted(
        ["CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"]
    )
    g20 = countries.members("g20", 2010, data_dir)
    assert g20 == sorted(
        [
            "ARG",
            "AUS",
            "BRA",
            "CAN",
            "CHN",
            "FRA",
            "DEU",
            "IND",
            "IDN",
            "ITA",
            "JPN",
            "KOR",
            "MEX",
            "RUS",
            "SAU",
            "ZAF",
            "TUR",
            "GBR",
            "USA",
        ]
    )


def test_wto_membership_follows_accession_date(data_dir):
    assert not countries.is_member("CHN", "wto", 2000, data_dir)  # joined 11 Dec 2001
    assert countries.is_member("CHN", "wto", 2002, data_dir)
    assert not countries.is_member("RUS", "wto", 2011, data_dir)  # joined 22 Aug 2012
    assert countries.is_member("RUS", "wto", 2012, data_dir)
    assert countries.is_member("USA", "wto", 1995, data_dir)  # original member
    assert not countries.is_member("USA", "wto", 1994, data_dir)


def test_bri_is_the_raw_list_and_time_invariant(data_dir):
    rows = read_rows(data_dir / "country_groups" / "bri_cooperation_countries_circa2019.csv")
    raw = sorted({r["iso3"] for r in rows})
    assert countries.members("bri", None, data_dir) == raw
    assert countries.members("bri", 2000, data_dir) == raw
    assert countries.is_member("PAK", "bri", 2005, data_dir)
    assert not countries.is_member("USA", "bri", 2019, data_dir)


def test_region_groups_match_wdi_metadata(data_dir):
    rows = read_rows(data_dir / "wdi" / "wdi_country_metadata.csv")
    raw = sorted(r["iso3"] for r in rows if r["Region"] == "South Asia")
    assert countries.members("region:South Asia", None, data_dir) == raw
    assert "region:East Asia & Pacific" in countries.list_groups(data_dir)


# -- income classes -----------------------------------------------------------


def test_income_group_2005_matches_raw_history(data_dir, income_wide):
    assert countries.income_group("CHN", 2005, data_dir) == "LM"  # lower-middle income then
    assert countries.income_group("USA", 2005, data_dir) == "H"
    for code, by_year in income_wide.items():
        expected = by_year.get("2005")
        expected = expected.rstrip("*") if expected else None
        assert countries.income_group(code, 2005, data_dir) == expected, code


def test_income_members_match_raw_history(data_dir, income_wide):
    for klass in ("H", "UM", "LM", "L"):
        raw = sorted(c for c, by_year in income_wide.items() if by_year.get("2012") == klass)
        assert countries.members(f"income:{klass}", 2012, data_dir) == raw
    assert countries.is_member("CHL", "income:H", 2013, data_dir)  # high income from FY2014
    assert countries.income_group("YEM", 1987, data_dir) == "LM"  # the Bank's "LM*"


def test_income_year_outside_data_raises(data_dir):
    with pytest.raises(HitexError, match="1987-2023"):
        countries.income_group("CHN", 1980, data_dir)
    with pytest.raises(HitexError, match="1987-2023"):
        countries.members("income:H", 2030, data_dir)


# -- study 000 ----------------------------------------------------------------


def test_study000_lists(data_dir):
    emerging = countries.members("study000_emerging", None, data_dir)
    developed = countries.members("study000_developed", None, data_dir)
    assert len(emerging) == 21 and len(developed) == 28
    assert len(set(emerging) | set(developed)) == 49
    assert emerging == sorted(STUDY000_EMERGING.values())
    assert developed == sorted(STUDY000_DEVELOPED.values())
    assert countries.members("study000", 2012, data_dir) == sorted(emerging + developed)
    assert set(emerging + developed) <= set(countries.country_table(data_dir)["iso3"])


def test_study000_names_as_printed_resolve(data_dir):
    for printed in (STUDY000_EMERGING, STUDY000_DEVELOPED):
        assert countries.resolve(list(printed), data_dir) == list(printed.values())


# -- group panel --------------------------------------------------------------


def test_group_panel_shape_and_values(data_dir, income_wide):
    years = range(2009, 2018)
    panel = countries.group_panel(
        ["CHL", "LVA", "CHN"],
        years,
        ["oecd", "wto", "income:H", "region:Latin America & Caribbean", "study000_emerging"],
        data_dir,
    )
    assert panel.shape == (3 * 9, 7)
    assert list(panel.columns) == [
        "iso3",
        "year",
        "oecd",
        "wto",
        "income_H",
        "region_Latin_America_&_Caribbean",
        "study000_emerging",
    ]
    assert not panel.duplicated(["iso3", "year"]).any()
    rows = panel.set_index(["iso3", "year"])
    assert rows.loc[("CHL", 2009), "oecd"] == 0 and rows.loc[("CHL", 2010), "oecd"] == 1
    assert rows.loc[("LVA", 2015), "oecd"] == 0 and rows.loc[("LVA", 2016), "oecd"] == 1
    assert rows.loc[("CHN", 2012), "wto"] == 1 and rows.loc[("CHN", 2012), "oecd"] == 0
    for (code, year), value in rows["income_H"].items():
        assert value == int(income_wide[code].get(str(year)) == "H"), (code, year)
    assert set(panel.loc[panel["region_Latin_America_&_Caribbean"] == 1, "iso3"]) == {"CHL"}
    assert set(panel.loc[panel["study000_emerging"] == 1, "iso3"]) == {"CHL", "CHN"}
    oecd_rows = panel.query("oecd == 1")
    assert set(zip(oecd_rows["iso3"], oecd_rows["year"], strict=True)) == (
        {("CHL", y) for y in range(2010, 2018)} | {("LVA", y) for y in (2016, 2017)}
    )


def test_group_panel_warns_for_income_years_outside_data(data_dir):
    with pytest.warns(DataCoverageWarning, match="2024"):
        panel = countries.group_panel(["CHN"], [2023, 2024], ["income:UM", "oecd"], data_dir)
    assert panel["income_UM"].iloc[0] == 1
    assert panel["income_UM"].isna().iloc[1]
    assert panel["oecd"].tolist() == [0, 0]


# -- errors -------------------------------------------------------------------


def test_unknown_group_lists_valid_groups(data_dir):
    with pytest.raises(HitexError) as info:
        countries.members("oecdd", 2012, data_dir)
    message = str(info.value)
    assert "'oecdd'" in message and "Did you mean 'oecd'" in message
    for group in ("wto", "bri", "income:H", "study000_emerging"):
        assert group in message
    with pytest.raises(HitexError, match="Valid groups"):
        countries.group_panel(["CHN"], [2010], ["nato"], data_dir)


def test_unknown_country_in_is_member_and_panel(data_dir):
    with pytest.raises(HitexError, match="Atlantis"):
        countries.is_member("Atlantis", "oecd", 2012, data_dir)
    with pytest.raises(HitexError, match="'XXX'"):
        countries.group_panel(["CHN", "XXX"], [2010], ["oecd"], data_dir)


def test_bad_year_type(data_dir):
    with pytest.raises(HitexError, match="year"):
        countries.members("oecd", "2012", data_dir)


def test_missing_country_file_is_reported(tmp_path):
    (tmp_path / "wdi").mkdir()
    with pytest.raises(DataNotFoundError, match="country_groups"):
        countries.country_table(tmp_path)
