"""Exports by exporter and HS 4-digit product (bundle folder ``product_exports/``).

The checks against published figures use the totals that the folder's SOURCE.md
records for the files (China, USA and Germany's 2017 totals, China's HS 8542 and
8471 exports, China's 1980 total; row counts and empty values per file).
"""

from __future__ import annotations

import gzip
import shutil

import pytest

from hitex.data.product_exports import (
    FOLDER,
    available_years,
    product_exports_path,
    read_product_exports,
)
from hitex.errors import DataFormatError, DataNotFoundError, SpecificationError


@pytest.fixture(scope="module")
def exports_2017(data_dir):
    return read_product_exports(2017, data_dir)


def test_2017_rows_columns_and_codes(exports_2017):
    # SOURCE.md: 233,432 rows of which 56,461 have no value; 224 exporters, 1,222 products
    assert list(exports_2017.columns) == ["year", "country", "product", "value"]
    assert len(exports_2017) == 233_432 - 56_461
    assert exports_2017.attrs["rows_without_value"] == 56_461
    assert (exports_2017["year"] == 2017).all()
    assert exports_2017["product"].str.fullmatch(r"\d{4}").all()
    assert "0101" in set(exports_2017["product"])  # leading zeros kept
    assert exports_2017["country"].str.fullmatch(r"[A-Z]{3}").all()
    assert exports_2017["value"].notna().all() and (exports_2017["value"] >= 0).all()
    assert exports_2017["country"].nunique() <= 224
    assert exports_2017["product"].nunique() <= 1_222
    assert not exports_2017.duplicated(["country", "product"]).any()


def test_2017_totals_match_the_figures_source_md_records(exports_2017):
    totals = exports_2017.groupby("country")["value"].sum()
    assert totals["CHN"] == pytest.approx(2.95e12, rel=5e-3)
    assert totals["USA"] == pytest.approx(1.84e12, rel=5e-3)
    assert totals["DEU"] == pytest.approx(1.61e12, rel=5e-3)
    china = exports_2017[exports_2017["country"] == "CHN"].set_index("product")["value"]
    assert china["8542"] == pytest.approx(109.5e9, rel=5e-3)
    assert china["8471"] == pytest.approx(186.1e9, rel=5e-3)


def test_rows_without_value_can_be_kept(data_dir):
    kept = read_product_exports(2017, data_dir, missing="keep")
    assert len(kept) == 233_432
    assert int(kept["value"].isna().sum()) == 56_461


def test_1962_and_1980(data_dir):
    e1962 = read_product_exports(1962, data_dir)
    assert len(e1962) == 44_435 and e1962["country"].nunique() == 158
    assert e1962["product"].nunique() == 991
    assert e1962.attrs["classification"] == "HS 2007, 4-digit"
    e1980 = read_product_exports("1980", data_dir)
    assert len(e1980) == 165_977 - 74_157
    china = e1980.loc[e1980["country"] == "CHN", "value"].sum()
    assert china == pytest.approx(15.9e9, rel=5e-3)


def test_available_years_and_path(data_dir):
    assert available_years() == [1962, 1980, 2017]
    path = product_exports_path(2017, data_dir)
    assert path.name == "ots_exports_hs4d_2017.csv.gz" and path.parent.name == FOLDER


@pytest.mark.parametrize("year", [2018, "2017.5", True, None, "year"])
def test_a_year_without_a_file_is_refused(data_dir, year):
    with pytest.raises(SpecificationError, match=r"1962, 1980, 2017"):
        read_product_exports(year, data_dir)


def test_an_unknown_missing_option_is_refused(data_dir):
    with pytest.raises(SpecificationError, match="missing"):
        read_product_exports(2017, data_dir, missing="zero")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- damaged bundles
@pytest.fixture
def bundle(tmp_path, data_dir):
    """A bundle whose other folders are links to the real one, with its own product_exports/."""
    copy = tmp_path / "bundle"
    copy.mkdir()
    for entry in data_dir.iterdir():
        if entry.name != FOLDER:
            (copy / entry.name).symlink_to(entry)
    (copy / FOLDER).mkdir()
    return copy


def _write(bundle, text: str, name: str = "ots_exports_hs4d_2017.csv.gz") -> None:
    with gzip.open(bundle / FOLDER / name, "wt", encoding="utf-8") as fh:
        fh.write(text)


def test_a_missing_file_names_the_folder_and_the_fix(bundle):
    with pytest.raises(DataNotFoundError, match=r"product_exports.*HITEX_DATA_DIR"):
        read_product_exports(2017, bundle)


def test_a_truncated_file_is_named(bundle, data_dir):
    source = data_dir / FOLDER / "ots_exports_hs4d_2017.csv.gz"
    target = bundle / FOLDER / source.name
    shutil.copyfile(source, target)
    target.write_bytes(target.read_bytes()[:50_000])
    with pytest.raises(DataFormatError, match=r"ots_exports_hs4d_2017\.csv\.gz.*Restore"):
        read_product_exports(2017, bundle)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iso,product_code,export_value_usd\nchn,0101,1.0\n", "lacks the column"),
        ("reporter_iso,product_code,export_value_usd\nchn,101,1.0\n", "not 4 digits"),
        ("reporter_iso,product_code,export_value_usd\nchn,0101,-1.0\n", "negative"),
        ("reporter_iso,product_code,export_value_usd\nchn,0101,1\nchn,0101,2\n", "repeat"),
        ("reporter_iso,product_code,export_value_usd\nchn,0101,abc\n", "text"),
    ],
    ids=["columns", "codes", "negative", "duplicates", "text"],
)
def test_a_damaged_file_is_refused_with_the_fix(bundle, text, message):
    _write(bundle, text)
    with pytest.raises(DataFormatError, match=message):
        read_product_exports(2017, bundle)


def test_a_good_small_file_is_read_as_documented(bundle):
    _write(bundle, "reporter_iso,product_code,export_value_usd\nnam,0101,2.5\nchn,0102,\n")
    frame = read_product_exports(2017, bundle)
    # Namibia's code "nam" stays a country code (no NA parsing of codes)
    assert frame[["country", "product", "value"]].values.tolist() == [["NAM", "0101", 2.5]]
    assert frame.attrs["rows_without_value"] == 1
