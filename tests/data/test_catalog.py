"""Tests of the dataset catalog: names, headers, coverage, licences, provenance.

Headers and row counts are read independently with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

from hitex.data.catalog import describe_dataset, format_dataset, list_datasets
from hitex.errors import HitexError

NAMES = [
    "wdi", "wef_gcr", "wdi_logistics", "desta", "wto_rta", "cepii_geodist",
    "cepii_gravity_sample", "wb_income_groups", "country_groups", "china_provincial",
    "china_city_panel",
]  # fmt: skip


def _rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    raw = gzip.open(path, "rb").read() if path.name.endswith(".gz") else path.read_bytes()
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))


def test_list_datasets_has_every_bundle_folder(data_dir):
    table = list_datasets()
    assert list(table.columns) == ["name", "title", "files", "licence", "redistribution"]
    assert set(NAMES) <= set(table["name"])
    on_disk = {p.name for p in data_dir.iterdir() if p.is_dir()}
    assert on_disk <= set(table["name"])
    wdi_files = table.set_index("name").loc["wdi", "files"].split(", ")
    assert "wdi_recent_long.csv.gz" in wdi_files and "SOURCE.md" not in wdi_files


@pytest.mark.parametrize("name", NAMES)
def test_describe_reads_headers_and_counts_rows(name, data_dir):
    info = describe_dataset(name)
    folder = data_dir / name
    expected_files = sorted(p.name for p in folder.iterdir() if p.name != "SOURCE.md")
    assert [f["file"] for f in info["files"]] == expected_files
    encoding = "latin-1" if name == "desta" else "utf-8"
    for entry in info["files"]:
        rows = _rows(folder / entry["file"], encoding)
        assert entry["columns"] == [c.strip() for c in rows[0]]
        assert entry["rows"] == len([r for r in rows[1:] if r]), entry["file"]
    assert info["licence"] and info["publisher"] and info["redistribution"]
    assert info["provenance"]
    text = format_dataset(info)
    assert info["title"] in text and "Licence:" in text


def test_wdi_coverage_years_and_countries(data_dir):
    raw = pd.read_csv(
        data_dir / "wdi" / "wdi_recent_long.csv.gz", keep_default_na=False, na_values=[""]
    )
    entry = {f["file"]: f for f in describe_dataset("wdi")["files"]}["wdi_recent_long.csv.gz"]
    assert (entry["first_year"], entry["last_year"]) == (raw["year"].min(), raw["year"].max())
    assert entry["unit_column"] == "iso3" and entry["n_units"] == raw["iso3"].nunique()


def test_wef_gcr_says_no_redistribution(data_dir):
    info = describe_dataset("wef_gcr", data_dir)
    assert "NOT ALLOWED" in info["redistribution"]
    assert "never ship" in info["redistribution"]
    assert "NOT ALLOWED" in format_dataset(info)
    row = list_datasets(data_dir).set_index("name").loc["wef_gcr"]
    assert "NOT ALLOWED" in row["redistribution"]


def test_provenance_comes_from_source_md(data_dir):
    source = (data_dir / "cepii_geodist" / "SOURCE.md").read_text(encoding="utf-8")
    first_para = source.split("\n\n")[1].splitlines()[0]  # after the H1 title
    info = describe_dataset("cepii_geodist")
    assert first_para.replace("**", "")[:60] in info["provenance"].replace("**", "")
    assert info["source_title"] == source.splitlines()[0].lstrip("# ").strip()


def test_units_are_given_where_known(data_dir):
    units = describe_dataset("cepii_geodist", data_dir)["units"]
    assert units["dist, distcap, distw, distwces"] == "km"
    assert "1-7" in describe_dataset("wef_gcr", data_dir)["units"]["value"]


def test_unknown_name_lists_valid_names(data_dir):
    with pytest.raises(HitexError) as info:
        describe_dataset("comtrade", data_dir)
    message = str(info.value)
    assert "'comtrade'" in message
    assert all(name in message for name in NAMES)


def test_name_is_case_insensitive(data_dir):
    assert describe_dataset("WDI", data_dir)["name"] == "wdi"
