"""Exports by exporter and HS 4-digit product (Open Trade Statistics samples).

The bundle folder ``product_exports/`` holds exporter x product tables (no
importer dimension) for three years, from the R package ``economiccomplexity``
(pachadotdev/economiccomplexity; data by Open Trade Statistics, built from UN
Comtrade; ``SOURCE.md`` of the folder names the commits):

======  ==================================  ===========================  =================
year    file                                classification               value column
======  ==================================  ===========================  =================
1962    ``ots_exports_hs07_4d_1962.csv.gz``  HS 2007, 4 digits            ``value``
1980    ``ots_exports_hs4d_1980.csv.gz``     HS, 4 digits                 ``export_value_usd``
2017    ``ots_exports_hs4d_2017.csv.gz``     HS, 4 digits                 ``export_value_usd``
======  ==================================  ===========================  =================

Values are current US dollars. Exporters are ISO 3166 alpha-3 codes, lower
case in the files and upper case here (``"chn"`` -> ``"CHN"``), as elsewhere
in hitex; the files also hold a few historical codes (e.g. ``ANT``,
Netherlands Antilles). Product codes are 4-digit text (``"0101"``; ``"9999"``
is "commodities not specified"). Empty values in the files (56,461 of the
2017 rows, 74,157 of the 1980 rows) are "no value reported"; by default those
rows are dropped, which the indicators treat as zero exports (RCA, ECI). The
folder's fourth file (SITC, 1998-2000 average) is not read: its magnitudes do
not look like world exports (see ``SOURCE.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from hitex import _paths
from hitex.data.bundle_files import read_bundle_csv
from hitex.errors import DataFormatError, DataNotFoundError, SpecificationError

PathLike = str | os.PathLike[str] | None
Missing = Literal["drop", "keep"]

FOLDER = "product_exports"

__all__ = ["FOLDER", "ProductExportsFile", "available_years", "product_exports_path",
           "read_product_exports"]


@dataclass(frozen=True)
class ProductExportsFile:
    """One file of the folder: its name, columns and classification."""

    year: int
    name: str
    country: str
    product: str
    value: str
    classification: str


FILES: dict[int, ProductExportsFile] = {
    f.year: f
    for f in (
        ProductExportsFile(1962, "ots_exports_hs07_4d_1962.csv.gz", "country", "product",
                           "value", "HS 2007, 4-digit"),
        ProductExportsFile(1980, "ots_exports_hs4d_1980.csv.gz", "reporter_iso",
                           "product_code", "export_value_usd", "HS, 4-digit"),
        ProductExportsFile(2017, "ots_exports_hs4d_2017.csv.gz", "reporter_iso",
                           "product_code", "export_value_usd", "HS, 4-digit"),
    )
}


def available_years() -> list[int]:
    """The years of the folder: 1962, 1980 and 2017."""
    return sorted(FILES)


def _spec(year: object) -> ProductExportsFile:
    """The file of ``year`` (an int, or its digits as text: 2017, ``"2017"``)."""
    text = str(year).strip()
    key = int(text) if text.isdigit() and not isinstance(year, bool) else None
    if key not in FILES:
        raise SpecificationError(
            f"no product-level export file for year {year!r}; the bundle's "
            f"{FOLDER}/ folder has the years {available_years()}"
        )
    return FILES[key]


def product_exports_path(year: int = 2017, data_dir: PathLike = None) -> Path:
    """The bundle file of ``year`` (for a manifest's checksums).

    Raises
    ------
    SpecificationError
        If ``year`` is not one of :func:`available_years`.
    DataNotFoundError
        If the bundle or the file is missing; the message says where it was
        looked for and how to point hitex at a complete bundle.
    """
    spec = _spec(year)
    path = _paths.data_dir(data_dir) / FOLDER / spec.name
    if not path.is_file():
        raise DataNotFoundError(
            f"{path} does not exist: the data bundle lacks the product-level exports of "
            f"{spec.year}. Copy the folder {FOLDER}/ into the bundle, or point data_dir (or "
            f"{_paths.ENV_DATA_DIR}) at a bundle that has it."
        )
    return path


def read_product_exports(
    year: int = 2017,
    data_dir: PathLike = None,
    *,
    missing: Missing = "drop",
) -> pd.DataFrame:
    """Exports by exporter and HS 4-digit product for one year of the bundle.

    Parameters
    ----------
    year : {1962, 1980, 2017}
        The year (one file each; see the module notes).
    data_dir : path-like, optional
        Data bundle folder; default: see :func:`hitex._paths.data_dir`.
    missing : {"drop", "keep"}, default "drop"
        Rows without a value in the file: drop them (absent rows count as
        zero exports in :func:`hitex.indicators.sophistication.rca` and
        :func:`hitex.indicators.complexity.economic_complexity`), or keep them
        with a missing ``value``.

    Returns
    -------
    pandas.DataFrame
        Columns ``year`` (int), ``country`` (upper-case ISO3 text),
        ``product`` (4-digit text), ``value`` (float, USD), one row per
        exporter and product, sorted by country and product. ``attrs`` holds
        ``source`` (the file), ``classification`` and ``rows_without_value``.

    Raises
    ------
    SpecificationError
        For a year without a file or an unknown ``missing``.
    DataNotFoundError
        If the bundle or the file is missing.
    DataFormatError
        If the file is damaged, lacks its columns, holds product codes that
        are not 4 digits, negative or non-numeric values, or repeats an
        exporter-product pair.
    """
    if missing not in ("drop", "keep"):
        raise SpecificationError(f"missing must be 'drop' or 'keep', got {missing!r}")
    spec = _spec(year)
    path = product_exports_path(spec.year, data_dir)
    raw = read_bundle_csv(pd.read_csv, path, dtype={spec.country: str, spec.product: str},
                          keep_default_na=False, na_values=[""])
    need = [spec.country, spec.product, spec.value]
    lacking = [c for c in need if c not in raw.columns]
    if lacking:
        raise DataFormatError(
            f"{path} lacks the column(s) {lacking} (columns: {list(raw.columns)}); the file is "
            "not the one the bundle documents: restore it from the bundle's source"
        )
    value = pd.to_numeric(raw[spec.value], errors="coerce")
    text = value.isna() & raw[spec.value].notna()
    if text.any():
        raise DataFormatError(
            f"{path}: column {spec.value!r} holds text such as "
            f"{raw.loc[text, spec.value].iloc[0]!r}; restore the file from the bundle's source"
        )
    out = pd.DataFrame({
        "year": spec.year,
        "country": raw[spec.country].str.strip().str.upper(),
        "product": raw[spec.product].str.strip(),
        "value": value.astype("float64"),
    })
    bad_code = ~out["product"].str.fullmatch(r"\d{4}", na=False)
    if bad_code.any():
        raise DataFormatError(
            f"{path}: {int(bad_code.sum())} product code(s) are not 4 digits, e.g. "
            f"{out.loc[bad_code, 'product'].iloc[0]!r}; restore the file from the bundle's source"
        )
    if (out["value"] < 0).any():
        raise DataFormatError(f"{path}: column {spec.value!r} holds negative exports; restore "
                              "the file from the bundle's source")
    dup = out.duplicated(subset=["country", "product"], keep=False)
    if dup.any():
        first = out.loc[dup, ["country", "product"]].iloc[0].tolist()
        raise DataFormatError(f"{path}: {int(dup.sum())} rows repeat an exporter-product pair, "
                              f"e.g. {first}; restore the file from the bundle's source")
    no_value = int(out["value"].isna().sum())
    if missing == "drop":
        out = out[out["value"].notna()]
    out = out.sort_values(["country", "product"]).reset_index(drop=True)
    out.attrs.update(source=f"{FOLDER}/{spec.name}", classification=spec.classification,
                     rows_without_value=no_value)
    return out
