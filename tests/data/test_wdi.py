"""Tests of the WDI bundle reader: vintage merge, separate series, filters, errors.

Expected values come from a hand-made synthetic bundle or are read straight
from the raw bundle files with pandas, never from the code under test.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import wdi
from hitex.errors import DataCoverageWarning, DataFormatError, EmptySampleError, HitexError

RECENT = "wdi_recent_long.csv.gz"
HIGHTECH = "wdi_hightech_2026vintage_long.csv.gz"
OLD = "wdi_2013vintage_long.csv.gz"
META = "wdi_country_metadata.csv"


def _write_gz(path: Path, text: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(text)


def _synthetic_bundle(root: Path, *, recent_updated: str = "2024-01-15") -> Path:
    """Two or three vintages with overlapping cells, one aggregate, one old code."""
    folder = root / "wdi"
    folder.mkdir(parents=True)
    _write_gz(
        folder / RECENT,
        "iso3,country_name,indicator,year,value,wdi_last_updated\n"
        f"AAA,Alpha,X.ONE,2000,10.0,{recent_updated}\n"
        f"AAA,Alpha,X.ONE,2001,11.0,{recent_updated}\n"
        f"AAA,Alpha,X.ONE,2003,13.0,{recent_updated}\n"
        f"WLD,World,X.ONE,2000,50.0,{recent_updated}\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2007,20.0,2022-12-22\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2008,21.0,2022-12-22\n"
        "BBB,Beta,TX.VAL.TECH.MF.ZS,2008,5.0,2022-12-22\n"
        "AAA,Alpha,NY.GDP.PCAP.KD,2000,1000.0,2025-12-19\n",
    )
    _write_gz(
        folder / HIGHTECH,
        "iso3,country_name,indicator,year,value,wdi_last_updated\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2007,30.0,2026-04-08\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2008,31.0,2026-04-08\n"
        "BBB,Beta,TX.VAL.TECH.MF.ZS,2007,6.0,2026-04-08\n"
        "BBB,Beta,TX.VAL.TECH.MF.ZS,2009,7.0,2026-04-08\n",
    )
    _write_gz(
        folder / OLD,
        "iso3,country_name,indicator,year,value\n"
        "AAA,Alpha,X.ONE,1998,8.0\n"
        "AAA,Alpha,X.ONE,1999,9.0\n"
        "AAA,Alpha,X.ONE,2000,99.0\n"
        "AAA,Alpha,X.ONE,2002,12.5\n"
        "ROM,Romania,X.ONE,1999,3.0\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2005,15.0\n"
        "AAA,Alpha,TX.VAL.TECH.MF.ZS,2007,16.0\n"
        "AAA,Alpha,NY.GDP.PCAP.KD,1999,800.0\n"
        "AAA,Alpha,NY.GDP.PCAP.KD,2000,810.0\n",
    )
    (folder / META).write_text(
        "iso3,Region,IncomeGroup,SpecialNotes,country_name\n"
        "AAA,Region A,High income,,Alpha\n"
        "BBB,Region B,Low income,,Beta\n"
        "ROU,Europe & Central Asia,High income,,Romania\n"
        "WLD,,,,World\n",
        encoding="utf-8",
    )
    wdi.clear_cache()
    return root


@pytest.fixture
def synth(tmp_path) -> Path:
    return _synthetic_bundle(tmp_path / "bundle")


def _cell(df: pd.DataFrame, iso3: str, code: str, year: int) -> pd.Series:
    rows = df[(df["iso3"] == iso3) & (df["indicator"] == code) & (df["year"] == year)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ----------------------------------------------------------------- synthetic bundle
def test_newest_vintage_wins_and_is_recorded(synth):
    df = wdi.wdi_long(["X.ONE", "TX.VAL.TECH.MF.ZS"], data_dir=synth)
    assert list(df.columns) == wdi.LONG_COLUMNS
    cell = _cell(df, "AAA", "X.ONE", 2000)  # 2013 vintage says 99.0, 2024 vintage 10.0
    assert (cell["value"], cell["vintage"], cell["source_file"]) == (10.0, "2024-01-15", RECENT)
    cell = _cell(df, "AAA", "TX.VAL.TECH.MF.ZS", 2007)  # 2022 vintage 20.0, 2026 vintage 30.0
    assert (cell["value"], cell["vintage"], cell["source_file"]) == (30.0, "2026-04-08", HIGHTECH)
    assert not df.duplicated(["iso3", "indicator", "year"]).any()


def test_older_vintage_extends_series_backwards(synth):
    df = wdi.wdi_long("X.ONE", data_dir=synth)
    cell = _cell(df, "AAA", "X.ONE", 1998)
    assert (cell["value"], cell["vintage"], cell["source_file"]) == (8.0, "2013-12", OLD)
    assert _cell(df, "AAA", "X.ONE", 1999)["value"] == 9.0


def test_gap_inside_newer_span_filled_by_default_not_with_extend(synth):
    extend = wdi.wdi_long(["X.ONE", "TX.VAL.TECH.MF.ZS"], data_dir=synth, older_vintages="extend")
    # AAA 2002 is missing in the 2024 vintage (2000-2003); BBB 2008 in the 2026 one (2007-2009)
    assert extend.query("iso3 == 'AAA' and year == 2002").empty
    assert extend.query("iso3 == 'BBB' and year == 2008").empty
    fill = wdi.wdi_long(["X.ONE", "TX.VAL.TECH.MF.ZS"], data_dir=synth)  # default: newest wins
    cell = _cell(fill, "AAA", "X.ONE", 2002)
    assert (cell["value"], cell["vintage"]) == (12.5, "2013-12")
    cell = _cell(fill, "BBB", "TX.VAL.TECH.MF.ZS", 2008)
    assert (cell["value"], cell["vintage"], cell["source_file"]) == (5.0, "2022-12-22", RECENT)
    assert _cell(fill, "AAA", "X.ONE", 2000)["value"] == 10.0  # newest still wins


def test_sitc_high_tech_series_stays_separate(synth):
    hs = wdi.wdi_long("TX.VAL.TECH.MF.ZS", data_dir=synth, older_vintages="fill")
    assert hs["year"].min() == 2007
    assert "2013-12" not in set(hs["vintage"])
    sitc = wdi.wdi_long("TX.VAL.TECH.MF.ZS.SITC3", data_dir=synth)
    assert sitc[["year", "value"]].values.tolist() == [[2005, 15.0], [2007, 16.0]]
    assert set(sitc["vintage"]) == {"2013-12"}


def test_constant_price_series_of_other_base_year_stays_separate(synth):
    kd = wdi.wdi_long("NY.GDP.PCAP.KD", data_dir=synth, older_vintages="fill")
    assert kd[["year", "value"]].values.tolist() == [[2000, 1000.0]]
    old = wdi.wdi_long("NY.GDP.PCAP.KD.2005", data_dir=synth)
    assert old["value"].tolist() == [800.0, 810.0]


def test_old_country_codes_are_mapped(synth):
    df = wdi.wdi_long("X.ONE", countries=["ROU"], data_dir=synth)
    assert df[["iso3", "country_name", "year", "value"]].values.tolist() == [
        ["ROU", "Romania", 1999, 3.0]
    ]
    same = wdi.wdi_long("X.ONE", countries="rom", data_dir=synth)
    pd.testing.assert_frame_equal(df, same)


def test_aggregates_excluded_by_default(synth):
    assert "WLD" not in set(wdi.wdi_long("X.ONE", data_dir=synth)["iso3"])
    with_aggs = wdi.wdi_long("X.ONE", data_dir=synth, economies_only=False)
    assert _cell(with_aggs, "WLD", "X.ONE", 2000)["value"] == 50.0
    with pytest.raises(HitexError, match=r"WLD.*economies_only=False"):
        wdi.wdi_long("X.ONE", countries=["WLD"], data_dir=synth)


def test_load_wdi_wide_panel(synth):
    wide = wdi.load_wdi(["X.ONE", "NY.GDP.PCAP.KD"], countries=["AAA"], data_dir=synth)
    assert list(wide.columns) == ["iso3", "year", "X.ONE", "NY.GDP.PCAP.KD"]
    assert wide["year"].tolist() == [1998, 1999, 2000, 2001, 2002, 2003]  # 2002 from 2013
    row = wide[wide["year"] == 2000].iloc[0]
    assert (row["X.ONE"], row["NY.GDP.PCAP.KD"]) == (10.0, 1000.0)
    assert wide.loc[wide["year"] == 1998, "NY.GDP.PCAP.KD"].isna().all()

    vint = wdi.load_wdi(
        ["X.ONE", "NY.GDP.PCAP.KD"], countries=["AAA"], data_dir=synth, with_vintage=True
    )
    assert list(vint.columns)[-2:] == ["X.ONE__vintage", "NY.GDP.PCAP.KD__vintage"]
    row = vint[vint["year"] == 2000].iloc[0]
    assert (row["X.ONE__vintage"], row["NY.GDP.PCAP.KD__vintage"]) == ("2024-01-15", "2025-12-19")
    assert vint.loc[vint["year"] == 1998, "X.ONE__vintage"].item() == "2013-12"


def test_years_filter_and_empty_sample(synth):
    df = wdi.wdi_long("X.ONE", years=range(1999, 2001), data_dir=synth)
    assert sorted(set(df["year"])) == [1999, 2000]
    assert set(wdi.wdi_long("X.ONE", years=2001, data_dir=synth)["year"]) == {2001}
    with pytest.raises(EmptySampleError, match="X.ONE"):
        wdi.wdi_long("X.ONE", years=[1950], data_dir=synth)


def test_unknown_indicator_names_code_list_and_fetch_wdi(synth):
    with pytest.raises(HitexError) as info:
        wdi.wdi_long(["X.ONE", "NO.SUCH.CODE"], data_dir=synth)
    message = str(info.value)
    assert "NO.SUCH.CODE" in message
    assert "X.ONE" in message and "TX.VAL.TECH.MF.ZS.SITC3" in message
    assert "fetch_wdi" in message


def test_unknown_country_is_named_and_skipped(synth):
    with pytest.warns(DataCoverageWarning, match="ZZZ"):
        df = wdi.wdi_long("X.ONE", countries=["AAA", "ZZZ"], data_dir=synth)
    assert set(df["iso3"]) == {"AAA"}
    with pytest.warns(DataCoverageWarning), pytest.raises(EmptySampleError):
        wdi.wdi_long("X.ONE", countries=["ZZZ"], data_dir=synth)


def test_text_in_value_column_names_file_and_cell(tmp_path):
    root = _synthetic_bundle(tmp_path / "b")
    _write_gz(root / "wdi" / OLD, "iso3,country_name,indicator,year,value\nAAA,A,X.ONE,1999,n/a\n")
    with pytest.raises(DataFormatError, match=rf"{OLD}.*'n/a'.*AAA"):
        wdi.wdi_long("X.ONE", data_dir=root)


def test_available_indicators_lists_every_vintage(synth):
    avail = wdi.available_indicators(data_dir=synth)
    tech = avail[avail["indicator"] == "TX.VAL.TECH.MF.ZS"]
    assert tech["vintage"].tolist() == ["2026-04-08", "2022-12-22"]  # newest first
    assert set(avail["indicator"]) == {
        "X.ONE",
        "TX.VAL.TECH.MF.ZS",
        "TX.VAL.TECH.MF.ZS.SITC3",
        "NY.GDP.PCAP.KD",
        "NY.GDP.PCAP.KD.2005",
    }


def test_missing_release_date_falls_back_to_source_md(tmp_path):
    root = _synthetic_bundle(tmp_path / "b", recent_updated="")
    (root / "wdi" / "SOURCE.md").write_text(
        '| indicator | WDI "Last Updated" | years |\n|---|---|---|\n'
        "| X.ONE (extra) | ≈2023-09 (header stripped) | 2000–2003 |\n",
        encoding="utf-8",
    )
    df = wdi.wdi_long("X.ONE", data_dir=root)
    assert _cell(df, "AAA", "X.ONE", 2000)["vintage"] == "2023-09"
    avail = wdi.available_indicators(data_dir=root).set_index(["indicator", "source_file"])
    assert bool(avail.loc[("X.ONE", RECENT), "approximate_vintage"]) is True


def test_missing_release_date_without_fallback_is_an_error(tmp_path):
    root = _synthetic_bundle(tmp_path / "b", recent_updated="")
    with pytest.raises(DataFormatError, match=r"X.ONE.*wdi_last_updated"):
        wdi.wdi_long("X.ONE", data_dir=root)


def test_missing_column_names_file_and_column(tmp_path):
    root = _synthetic_bundle(tmp_path / "b")
    _write_gz(root / "wdi" / OLD, "iso3,indicator,year\nAAA,X.ONE,1999\n")
    wdi.clear_cache()
    with pytest.raises(DataFormatError, match=rf"{OLD}.*value"):
        wdi.wdi_long("X.ONE", data_dir=root)


# ----------------------------------------------------------------- real bundle
def _raw(data_dir: Path, filename: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / "wdi" / filename, keep_default_na=False, na_values=[""])


def _raw_value(raw: pd.DataFrame, iso3: str, code: str, year: int) -> float:
    rows = raw[(raw["iso3"] == iso3) & (raw["indicator"] == code) & (raw["year"] == year)]
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def test_real_bundle_recent_vintage_wins_over_2013(data_dir):
    recent, old = _raw(data_dir, RECENT), _raw(data_dir, OLD)
    expected = _raw_value(recent, "CHN", "NE.TRD.GNFS.ZS", 2010)
    assert expected != pytest.approx(_raw_value(old, "CHN", "NE.TRD.GNFS.ZS", 2010))
    df = wdi.wdi_long("NE.TRD.GNFS.ZS", countries=["CHN"], data_dir=data_dir)
    cell = _cell(df, "CHN", "NE.TRD.GNFS.ZS", 2010)
    assert cell["value"] == expected
    assert cell["source_file"] == RECENT
    assert (
        cell["vintage"]
        == recent.loc[recent["indicator"] == "NE.TRD.GNFS.ZS", "wdi_last_updated"].iloc[0]
    )
    # before 1995 only the 2013 vintage has values
    cell = _cell(df, "CHN", "NE.TRD.GNFS.ZS", 1990)
    assert cell["value"] == _raw_value(old, "CHN", "NE.TRD.GNFS.ZS", 1990)
    assert (cell["vintage"], cell["source_file"]) == ("2013-12", OLD)


def test_real_bundle_high_tech_series_not_spliced(data_dir):
    hightech, old = _raw(data_dir, HIGHTECH), _raw(data_dir, OLD)
    hs = wdi.wdi_long(
        "TX.VAL.TECH.MF.ZS", economies_only=False, data_dir=data_dir, older_vintages="fill"
    )
    assert hs["year"].min() == 2007
    assert "2013-12" not in set(hs["vintage"])
    cell = _cell(hs, "CHN", "TX.VAL.TECH.MF.ZS", 2010)
    assert cell["value"] == _raw_value(hightech, "CHN", "TX.VAL.TECH.MF.ZS", 2010)
    assert cell["vintage"] == "2026-04-08"
    sitc = wdi.wdi_long("TX.VAL.TECH.MF.ZS.SITC3", countries=["CHN"], data_dir=data_dir)
    assert _cell(sitc, "CHN", "TX.VAL.TECH.MF.ZS.SITC3", 2000)["value"] == _raw_value(
        old, "CHN", "TX.VAL.TECH.MF.ZS", 2000
    )
    assert sitc["year"].max() == 2011


def test_real_bundle_constant_2005_gdp_kept_apart(data_dir):
    old = _raw(data_dir, OLD)
    kd = wdi.wdi_long("NY.GDP.PCAP.KD", data_dir=data_dir, older_vintages="fill")
    assert "2013-12" not in set(kd["vintage"]) and kd["year"].min() >= 1995
    kd05 = wdi.wdi_long("NY.GDP.PCAP.KD.2005", countries="USA", data_dir=data_dir)
    assert _cell(kd05, "USA", "NY.GDP.PCAP.KD.2005", 1990)["value"] == _raw_value(
        old, "USA", "NY.GDP.PCAP.KD", 1990
    )


def test_real_bundle_aggregates_excluded_by_default(data_dir):
    meta = _raw(data_dir, META)
    aggregates = set(meta.loc[meta["Region"].isna(), "iso3"])
    assert {"WLD", "HIC", "EAS"} <= aggregates
    df = wdi.wdi_long("SP.POP.TOTL", data_dir=data_dir)
    assert not set(df["iso3"]) & aggregates
    assert not set(df["iso3"]) & {"OEC", "NOC"}  # 2013 aggregates unknown to the metadata
    everything = wdi.wdi_long("SP.POP.TOTL", economies_only=False, data_dir=data_dir)
    assert "WLD" in set(everything["iso3"])


def test_real_bundle_old_codes_mapped(data_dir):
    old = _raw(data_dir, OLD)
    df = wdi.wdi_long("NY.GDP.MKTP.CD", countries=["ROU", "COD"], years=1990, data_dir=data_dir)
    assert _cell(df, "ROU", "NY.GDP.MKTP.CD", 1990)["value"] == _raw_value(
        old, "ROM", "NY.GDP.MKTP.CD", 1990
    )
    assert _cell(df, "COD", "NY.GDP.MKTP.CD", 1990)["value"] == _raw_value(
        old, "ZAR", "NY.GDP.MKTP.CD", 1990
    )


def test_real_bundle_load_wdi_panel(data_dir):
    hightech = _raw(data_dir, HIGHTECH)
    wide = wdi.load_wdi(
        ["TX.VAL.TECH.MF.ZS", "TX.VAL.TECH.CD"], countries=["CHN", "DEU"], years=range(2007, 2025),
        data_dir=data_dir, with_vintage=True,
    )  # fmt: skip
    assert not wide.duplicated(["iso3", "year"]).any()
    row = wide[(wide["iso3"] == "DEU") & (wide["year"] == 2015)].iloc[0]
    assert row["TX.VAL.TECH.CD"] == _raw_value(hightech, "DEU", "TX.VAL.TECH.CD", 2015)
    assert row["TX.VAL.TECH.CD__vintage"] == "2026-04-08"


def test_real_bundle_approximate_vintages(data_dir):
    avail = wdi.available_indicators(data_dir=data_dir)
    row = avail[
        (avail["indicator"] == "TG.VAL.TOTL.GD.ZS") & (avail["source_file"] == RECENT)
    ].iloc[0]
    # wdi/SOURCE.md: "| TG.VAL.TOTL.GD.ZS | ≈2023-09 (header stripped) |"
    assert row["vintage"] == "2023-09" and bool(row["approximate_vintage"])
