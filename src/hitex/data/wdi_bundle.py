"""Reading the WDI files of the data bundle and merging their vintages.

Helpers behind :mod:`hitex.data.wdi`: they locate ``<data_dir>/wdi/``, read
the long CSV files, attach a WDI release date (*vintage*) to every value,
keep the 2013-vintage series that must not be spliced under separate codes
(``.SITC3``, ``.2005``) and merge the vintages cell by cell (see the vintage
rule in the docstring of :mod:`hitex.data.wdi`). The file names and codes
are re-exported by :mod:`hitex.data.wdi`.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.errors import DataFormatError, DataNotFoundError

WDI_FOLDER = "wdi"
HIGHTECH_FILE = "wdi_hightech_2026vintage_long.csv.gz"
RECENT_FILE = "wdi_recent_long.csv.gz"
#: Single-series files of later vintages: the official exchange rate (LCU per US$, period
#: average) and internet users (% of population).
EXCHANGE_RATE_FILE = "wdi_pa_nus_fcrf_2025vintage_long.csv.gz"
INTERNET_FILE = "wdi_it_net_user_zs_2026vintage_long.csv.gz"
VINTAGE2013_FILE = "wdi_2013vintage_long.csv.gz"
METADATA_FILE = "wdi_country_metadata.csv"
PROVENANCE_FILE = "wdi_recent_provenance.csv"

#: Vintage of ``wdi_2013vintage_long.csv.gz`` (WDI bulk release of December 2013).
VINTAGE_2013 = "2013-12"
#: Suffix of the 2013-vintage high-tech series (SITC Rev. 3 product list).
SITC_SUFFIX = ".SITC3"
#: Suffix of the 2013-vintage constant-price series (constant 2005 prices).
BASE2005_SUFFIX = ".2005"

#: Data files in priority order (used only to break ties between equal vintages).
DATA_FILES = (INTERNET_FILE, EXCHANGE_RATE_FILE, HIGHTECH_FILE, RECENT_FILE, VINTAGE2013_FILE)

#: WDI country codes used in 2013 that were changed later.
OLD_CODES = {
    "ADO": "AND",
    "IMY": "IMN",
    "KSV": "XKX",
    "ROM": "ROU",
    "TMP": "TLS",
    "WBG": "PSE",
    "ZAR": "COD",
}

_DATE = re.compile(r"(\d{4}-\d{2}(?:-\d{2})?)")
_REQUIRED = ("iso3", "indicator", "year", "value")


# --------------------------------------------------------------------------- reading
def wdi_folder(data_dir: str | os.PathLike[str] | None) -> Path:
    """Return the ``wdi/`` folder of the data bundle (:func:`hitex._paths.data_dir`).

    Raises :class:`~hitex.errors.DataNotFoundError` when the bundle has none.
    """
    folder = _paths.data_dir(data_dir) / WDI_FOLDER
    if not folder.is_dir():
        raise DataNotFoundError(
            f"The data bundle {folder.parent} has no '{WDI_FOLDER}/' folder. Point data_dir "
            f"(or {_paths.ENV_DATA_DIR}) at a bundle that holds it, or use fetch_wdi()."
        )
    return folder


def _read_csv(path: Path, required: Iterable[str]) -> pd.DataFrame:
    # keep_default_na=False: the text "NA" (Namibia in ISO2) must stay text.
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"iso3": "str"})
    except (OSError, ValueError, UnicodeDecodeError, EOFError, zlib.error) as err:
        raise DataFormatError(
            f"Cannot read {path}: {err}. Restore the file from the bundle."
        ) from err
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{path} lacks column(s) {', '.join(missing)} (has: {', '.join(map(str, df.columns))}). "
            "Restore the file from the data bundle."
        )
    return df


def _source_md_vintages(folder: Path) -> dict[str, str]:
    """Release dates from the provenance table of ``wdi/SOURCE.md`` (``| CODE ... | ≈2023-09 ...``)."""
    path = folder / "SOURCE.md"
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    pattern = re.compile(r"^\|\s*([A-Z][A-Z0-9.]+)[^|]*\|\s*(≈?)\s*(\d{4}-\d{2}(?:-\d{2})?)")
    for line in path.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match:
            found[match.group(1)] = match.group(3) + (" approx." if match.group(2) else "")
    return found


def _provenance_vintages(folder: Path) -> dict[str, str]:
    path = folder / PROVENANCE_FILE
    if not path.exists():
        return {}
    prov = _read_csv(path, ("indicator", "wdi_last_updated"))
    out = {}
    for code, text in zip(prov["indicator"], prov["wdi_last_updated"], strict=True):
        if isinstance(text, str) and text.strip():
            out[str(code)] = text
    return out


def _parse_vintage(text: object) -> tuple[str | None, bool]:
    """Return (ISO date text, approximate?) from a 'last updated' field."""
    if not isinstance(text, str):
        return None, False
    match = _DATE.search(text)
    if match is None:
        return None, False
    return match.group(1), ("approx" in text.lower() or "≈" in text)


def _vintages_for(df: pd.DataFrame, path: Path, folder: Path) -> tuple[pd.Series, dict[str, bool]]:
    """One vintage per row of a file with a ``wdi_last_updated`` column.

    Rows whose ``wdi_last_updated`` is empty take the release date given for
    their indicator in ``wdi_recent_provenance.csv`` or, failing that, in the
    provenance table of ``SOURCE.md``.
    """
    fallbacks: list[dict[str, str]] | None = None
    approx: dict[str, bool] = {}
    texts = (
        df["wdi_last_updated"]
        if "wdi_last_updated" in df.columns
        else pd.Series(pd.NA, index=df.index)
    )
    parsed = {t: _parse_vintage(t) for t in texts.dropna().unique()}
    vintage = texts.map(lambda t: parsed.get(t, (None, False))[0]).astype("str")
    row_approx = texts.map(lambda t: parsed.get(t, (None, False))[1]).astype(bool)
    for code, rows in df.groupby("indicator", sort=False).groups.items():
        flags = set(row_approx.loc[rows])
        if vintage.loc[rows].isna().any():
            if fallbacks is None:
                fallbacks = [_provenance_vintages(folder), _source_md_vintages(folder)]
            date, is_approx = None, False
            for table in fallbacks:
                date, is_approx = _parse_vintage(table.get(str(code)))
                if date is not None:
                    break
            if date is None:
                raise DataFormatError(
                    f"{path}: the WDI release date of {code} is unknown (column "
                    f"'wdi_last_updated' is empty and neither {PROVENANCE_FILE} nor SOURCE.md "
                    "gives it). Fill 'wdi_last_updated' with the 'Last Updated' date of the "
                    "World Bank file."
                )
            missing = vintage.loc[rows].isna()
            vintage.loc[missing[missing].index] = date
            flags.add(is_approx)
        approx[str(code)] = any(flags)
    return vintage, approx


def _separate_code(code: str) -> str:
    """Code under which a 2013-vintage series is kept when it must not be spliced."""
    if code.startswith("TX.VAL.TECH."):
        return code + SITC_SUFFIX
    if re.search(r"\.K[DN]$", code):
        return code + BASE2005_SUFFIX
    return code


@dataclass(frozen=True)
class WdiBundle:
    """The WDI files of one bundle folder, read by :func:`load_bundle`."""

    cells: pd.DataFrame  # every value of every file, with vintage and source_file
    releases: pd.DataFrame  # one row per (indicator, source_file, vintage)
    names: dict[str, str]
    economies: frozenset[str]
    has_metadata: bool


@lru_cache(maxsize=8)
def load_bundle(folder_text: str) -> WdiBundle:
    """Read every WDI file of the folder ``folder_text`` (cached per folder).

    Returns the cells of every file with their vintage and source file, one row
    per release (indicator, file, vintage), the country names, the economies
    (not aggregates) of the metadata file and whether that file exists. Raises
    :class:`~hitex.errors.DataNotFoundError` when the folder holds no WDI file
    and :class:`~hitex.errors.DataFormatError` for a year or value that is not
    a number.
    """
    folder = Path(folder_text)
    frames = []
    approx: dict[tuple[str, str], bool] = {}
    names: dict[str, str] = {}
    for priority, filename in enumerate(reversed(DATA_FILES)):
        path = folder / filename
        if not path.exists():
            continue
        df = _read_csv(path, _REQUIRED)
        df["iso3"] = df["iso3"].astype("str").str.strip().str.upper().replace(OLD_CODES)
        df["indicator"] = df["indicator"].astype("str").str.strip()
        if filename == VINTAGE2013_FILE:
            df["vintage"] = VINTAGE_2013
            df["indicator"] = df["indicator"].map(_separate_code)
        else:
            df["vintage"], file_approx = _vintages_for(df, path, folder)
            approx.update({(code, filename): flag for code, flag in file_approx.items()})
        if "country_name" in df.columns:
            names.update(df.drop_duplicates("iso3").set_index("iso3")["country_name"].dropna())
        df["source_file"] = filename
        df["_priority"] = priority
        frames.append(
            df[["iso3", "indicator", "year", "value", "vintage", "source_file", "_priority"]]
        )
    if not frames:
        raise DataNotFoundError(
            f"{folder} holds none of the WDI files {', '.join(DATA_FILES)}. Restore the bundle "
            "or fetch the series live with fetch_wdi()."
        )
    cells = pd.concat(frames, ignore_index=True)
    bad_year = pd.to_numeric(cells["year"], errors="coerce").isna()
    if bad_year.any():
        row = cells[bad_year].iloc[0]
        raise DataFormatError(
            f"{folder / row['source_file']}: column 'year' holds {row['year']!r}; it must be an "
            "integer year. Restore the file from the bundle."
        )
    cells["year"] = cells["year"].astype("int64")
    values = pd.to_numeric(cells["value"], errors="coerce").astype("float64")
    if (values.isna() & cells["value"].notna()).any():
        row = cells[values.isna() & cells["value"].notna()].iloc[0]
        raise DataFormatError(
            f"{folder / row['source_file']}: column 'value' holds the text {row['value']!r} "
            f"({row['iso3']}, {row['indicator']}, {row['year']}); leave missing values empty."
        )
    cells["value"] = values
    cells = cells.dropna(subset=["value"])
    cells = cells.sort_values(
        ["iso3", "indicator", "year", "vintage", "_priority"],
        ascending=[True, True, True, False, False],
    ).drop_duplicates(["iso3", "indicator", "year", "source_file"], keep="first")

    releases = (
        cells.groupby(["indicator", "source_file", "vintage"], as_index=False)
        .agg(
            _priority=("_priority", "first"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            n_obs=("value", "size"),
            n_codes=("iso3", "nunique"),
        )
        .sort_values(["indicator", "vintage", "_priority"], ascending=[True, False, False])
        .reset_index(drop=True)
    )
    releases["approximate_vintage"] = [
        approx.get((c, f), False)
        for c, f in zip(releases["indicator"], releases["source_file"], strict=True)
    ]

    economies: frozenset[str] = frozenset()
    meta_path = folder / METADATA_FILE
    if meta_path.exists():
        meta = _read_csv(meta_path, ("iso3", "Region"))
        meta["iso3"] = meta["iso3"].astype("str").str.strip().str.upper()
        economies = frozenset(meta.loc[meta["Region"].notna(), "iso3"])
        if "country_name" in meta.columns:
            names.update(meta.set_index("iso3")["country_name"].dropna())
    return WdiBundle(cells, releases, names, economies, meta_path.exists())


@lru_cache(maxsize=16)
def merged_cells(folder_text: str, older_vintages: str) -> pd.DataFrame:
    """One row per (iso3, indicator, year): the value of the newest allowed vintage."""
    bundle = load_bundle(folder_text)
    cells = bundle.cells
    if older_vintages == "extend":
        # rank 0 = newest release of a series; drop a cell if a newer release spans its year
        rel = bundle.releases.assign(rank=bundle.releases.groupby("indicator").cumcount())
        keys = ["indicator", "source_file", "vintage"]
        ranked = cells.reset_index().merge(rel[[*keys, "rank"]], on=keys)
        pairs = ranked[["index", "indicator", "year", "rank"]].merge(
            rel[["indicator", "rank", "first_year", "last_year"]],
            on="indicator",
            suffixes=("", "_n"),
        )
        covered = (pairs["rank_n"] < pairs["rank"]) & pairs["year"].between(
            pairs["first_year"], pairs["last_year"]
        )
        cells = cells.drop(index=pairs.loc[covered, "index"].unique())
    merged = cells.drop_duplicates(["iso3", "indicator", "year"], keep="first").copy()
    merged.insert(1, "country_name", merged["iso3"].map(bundle.names).astype("str"))
    return merged.drop(columns="_priority").reset_index(drop=True)
