"""A catalog of the datasets in the embedded data bundle.

One entry per bundle folder (``wdi``, ``wef_gcr``, ``desta`` ...): title,
publisher, licence and whether it may be redistributed, its files with their
columns (read from each file's header), units where known, coverage (rows,
years, number of countries or other units, computed from the files when a
dataset is described) and provenance text taken from the folder's
``SOURCE.md``.

Note that the WEF Global Competitiveness Report scores (``wef_gcr``) are
covered by WEF terms that forbid storing them on a retrieval system without
permission: they are research input and must never be shipped with hitex.

Examples
--------
>>> from hitex.data.catalog import list_datasets, describe_dataset, format_dataset
>>> list_datasets()  # doctest: +SKIP
>>> print(format_dataset(describe_dataset("wdi")))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from hitex import _paths
from hitex.errors import DataFormatError, HitexError

__all__ = ["list_datasets", "describe_dataset", "format_dataset", "DATASETS"]

#: Columns tried, in order, to count years and units (countries, provinces ...).
_YEAR_COLUMNS = ("year", "edition_start_year", "entryforceyear", "hfi_year")
_UNIT_COLUMNS = (
    "iso3", "ISO3", "Code", "iso_o", "iso3_o", "iso3_tp_o", "iso1", "country1",
    "province_code", "city_id", "indicator_code",
)  # fmt: skip
_DATE_YEAR_COLUMNS = ("Date of Entry into Force (G)", "accession_date")


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about one bundle folder (what the files cannot tell)."""

    title: str
    publisher: str
    licence: str
    redistribution: str
    units: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"


_CC_BY = "CC BY 4.0 (World Bank Open Data terms)"

#: The datasets of the bundle, by folder name.
DATASETS: dict[str, DatasetInfo] = {
    "wdi": DatasetInfo(
        "World Bank World Development Indicators (WDI) extracts, several vintages",
        "The World Bank, World Development Indicators",
        _CC_BY + "; attribute 'World Bank, World Development Indicators'",
        "allowed with attribution",
        {
            "value": "unit of each indicator (see hitex.data.wdi.available_indicators())",
            "TX.VAL.TECH.MF.ZS": "% of manufactured exports",
            "TX.VAL.TECH.CD": "current US$",
            "NY.GDP.PCAP.KD": "constant 2015 US$ (constant 2005 US$ in the 2013 vintage)",
            "wdi_last_updated": "WDI release date of the series",
        },
    ),
    "wef_gcr": DatasetInfo(
        "WEF Global Competitiveness Report, Executive Opinion Survey scores, 2006-07 to 2017-18",
        "World Economic Forum (some values via World Bank GovData360, Fraser Institute EFW, "
        "Cato Institute HFI)",
        "WEF Terms of Use: attribute the World Economic Forum; storage on a retrieval system "
        "and commercial use prohibited without permission of the data providers",
        "NOT ALLOWED: WEF's terms forbid redistribution; research input only, never ship these "
        "values with hitex",
        {
            "value": "score 1-7 (7 = best)",
            "edition": "GCR edition, e.g. 2014-2015",
            "edition_start_year": "survey year (first year of the edition)",
        },
    ),
    "wdi_logistics": DatasetInfo(
        "World Bank Logistics Performance Index (LPI) and WDI re-publications of WEF port and "
        "customs scores",
        "The World Bank (LPI, WDI); the IQ.WEF.* series originate with the World Economic Forum",
        _CC_BY + "; the IQ.WEF.* series are WEF data and WEF terms also apply",
        "LPI: allowed with attribution; IQ.WEF.* series: WEF terms apply (see wef_gcr)",
        {"value": "LP.LPI.*: score 1-5; IQ.WEF.*: score 1-7"},
    ),
    "desta": DatasetInfo(
        "Design of Trade Agreements (DESTA) database, version 2.03",
        "Dür, Baccini & Elsig (2014), Review of International Organizations 9(3); "
        "designoftradeagreements.org",
        "no formal licence; distributed freely for research, cite Dür, Baccini & Elsig (2014)",
        "unclear: cite and link the original",
        {
            "tbt_harmon": "ordinal 0-3",
            "tbt_prov, tbt_wto, tbt_coop, tbt_distort, tbt_dispute, tbt_intstand": "0/1",
            "year": "signature year",
            "iso1, iso2, c1...": "ISO 3166 numeric / DESTA country codes",
        },
        encoding="latin-1",
    ),
    "wto_rta": DatasetInfo(
        "WTO Regional Trade Agreements Information System (RTA-IS): list of all RTAs",
        "World Trade Organization, RTA Database",
        "WTO data terms: free use with attribution 'Source: WTO RTA Database'; no explicit open "
        "licence",
        "unclear: attribution required",
    ),
    "cepii_geodist": DatasetInfo(
        "CEPII GeoDist: bilateral distances and country geography",
        "CEPII (Mayer & Zignago 2011, CEPII WP 2011-25)",
        "Etalab Open Licence 2.0 (CEPII); CRAN repackaging cepiigeodist: CC0",
        "allowed with attribution (cite CEPII and Mayer & Zignago 2011)",
        {
            "dist, distcap, distw, distwces": "km",
            "contig, comlang_off, comlang_ethno, colony, comcol, curcol, col45, smctry": "0/1",
            "area": "km2",
        },
    ),
    "cepii_gravity_sample": DatasetInfo(
        "CEPII Gravity V202211 and TradeProd V202401: 2,000-row random samples (test fixtures)",
        "CEPII (Conte, Cotterlaz & Mayer 2022; Mayer, Santoni & Vicard)",
        "Etalab Open Licence 2.0 (CEPII)",
        "allowed with attribution",
        {"tradeflow_*, trade_*": "thousands of current US$", "dist, distcap, distw_*": "km"},
    ),
    "wb_income_groups": DatasetInfo(
        "World Bank income classification history 1987-2023 and current country classification",
        "The World Bank, World Bank Country and Lending Groups",
        _CC_BY,
        "allowed with attribution",
        {"income_group": "L, LM, UM, H (LM* = the Bank's footnoted code for Yemen 1987/88)"},
    ),
    "country_groups": DatasetInfo(
        "Country groupings: OECD/EU/G7/G20 membership, WTO members with accession dates, "
        "Belt and Road cooperation countries (about 2019)",
        "OECD, EU, UN (via country_converter); WTO (via Wikipedia); China's Belt and Road list "
        "(third-party transcription)",
        "facts; country_converter is GPL-3.0 (factual columns only), Wikipedia CC BY-SA 4.0, "
        "BRI list from a BSD-2-Clause repository",
        "check per file: mixed sources",
        {"oecd_accession_year": "year", "accession_date": "date (YYYY-MM-DD)"},
    ),
    "china_provincial": DatasetInfo(
        "China provincial data: NBS gross regional product and Science and Technology Yearbook "
        "tables",
        "National Bureau of Statistics of China; R package techme (Hu Huaping)",
        "NBS public data, no explicit licence (cite NBS); techme package MIT",
        "unclear: cite NBS and the yearbook",
        {
            "grp_100m_yuan": "100 million yuan, current prices",
            "value": "see the 'units' column (万元, 百万美元, pieces ...)",
        },
    ),
    "product_exports": DatasetInfo(
        "Exports by exporter and 4-digit product (HS), 1962, 1980 and 2017, and an SITC "
        "1998-2000 average",
        "Open Trade Statistics (built from UN Comtrade), as shipped with the R package "
        "economiccomplexity",
        "package GPL-3 / Apache-2.0; the figures derive from UN Comtrade, whose terms restrict "
        "bulk redistribution",
        "not cleared: research input; check UN Comtrade's terms before shipping",
        {
            "value, export_value_usd": "current US$",
            "country": "ISO3 (lower case in the files)",
        },
    ),
    "china_city_panel": DatasetInfo(
        "China prefecture-level city panel 2001-2020: GDP, sector shares, population, night lights",
        "China City Statistical Yearbooks (China Data Online), LandScan, VIIRS/DMSP night lights; "
        "compiled by Yilin Chen",
        "none stated; academic-use compilation, cite the original yearbooks",
        "not cleared: check with the project lead before shipping",
        {
            "gdpct01": "100 million yuan (nominal)",
            "gdpct02, gdpct03, gdpct04": "% of GDP (primary, secondary, tertiary)",
            "gdp_percapita": "yuan",
            "gdpyoy": "% (real GDP growth)",
            "city_rgdp, city_rgdppc": "real, 2010 prices",
            "total_population, urban_population": "persons (LandScan)",
        },
    ),
}


# ------------------------------------------------------------------------- reading
def _open_text(path: Path, encoding: str) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def _is_data_file(path: Path) -> bool:
    return path.is_file() and path.name != "SOURCE.md" and not path.name.startswith(".")


@lru_cache(maxsize=256)
def _header(path_text: str, encoding: str, _stamp: tuple[float, int]) -> tuple[str, ...]:
    path = Path(path_text)
    if not re.search(r"\.(csv|tsv)(\.gz)?$", path.name):
        return ()
    try:
        with _open_text(path, encoding) as fh:
            first = next(csv.reader(fh), [])
    except UnicodeDecodeError:
        with _open_text(path, "latin-1") as fh:
            first = next(csv.reader(fh), [])
    except (OSError, EOFError) as err:
        raise DataFormatError(
            f"Cannot read the header of {path}: {err}. Restore the file."
        ) from err
    return tuple(c.strip() for c in first)


def _stamp(path: Path) -> tuple[float, int]:
    stat = path.stat()
    return stat.st_mtime, stat.st_size


@lru_cache(maxsize=256)
def _coverage(path_text: str, encoding: str, _stamp: tuple[float, int]) -> dict[str, Any]:
    path = Path(path_text)
    columns = _header(path_text, encoding, _stamp)
    if not columns:
        return {}
    year_col = next((c for c in _YEAR_COLUMNS if c in columns), None)
    date_col = next((c for c in _DATE_YEAR_COLUMNS if c in columns), None)
    unit_col = next((c for c in _UNIT_COLUMNS if c in columns), None)
    usecols = [c for c in (year_col or date_col, unit_col) if c] or [columns[0]]
    try:
        df = pd.read_csv(
            path, usecols=usecols, encoding=encoding, keep_default_na=False, na_values=[""],
            dtype="str",
        )  # fmt: skip
    except (OSError, ValueError, UnicodeDecodeError, EOFError, zlib.error) as err:
        raise DataFormatError(f"Cannot read {path}: {err}. Restore the file.") from err
    out: dict[str, Any] = {"rows": int(len(df))}
    years = None
    if year_col:
        years = pd.to_numeric(df[year_col], errors="coerce")
        out["year_column"] = year_col
    elif date_col:
        years = pd.to_numeric(df[date_col].str.extract(r"((?:18|19|20)\d{2})")[0], errors="coerce")
        out["year_column"] = date_col
    else:
        year_headers = [int(c) for c in columns if re.fullmatch(r"(18|19|20)\d{2}", c)]
        year_headers += [
            int(c[:4]) for c in columns if re.fullmatch(r"(19|20)\d{2}-(19|20)\d{2}", c)
        ]
        if year_headers:
            years = pd.Series(year_headers)
            out["year_column"] = "(years in the header)"
    if years is not None and years.notna().any():
        out["first_year"] = int(years.min())
        out["last_year"] = int(years.max())
    if unit_col:
        out["unit_column"] = unit_col
        out["n_units"] = int(df[unit_col].dropna().nunique())
    return out


def _source_text(folder: Path) -> tuple[str, str]:
    """Return (title, provenance) from ``folder/SOURCE.md``: the H1 and the first paragraphs."""
    path = folder / "SOURCE.md"
    if not path.exists():
        return "", ""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = ""
    if lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:].strip()
    body: list[str] = []
    for line in lines:
        if line.startswith("#") and any(x.strip() for x in body):
            break
        body.append(line)
    body = [re.sub(r"^#+\s*", "", line) for line in body]
    paragraphs = [p.strip() for p in "\n".join(body).split("\n\n") if p.strip()]
    text = ""
    for para in paragraphs:
        if text and len(text) + len(para) > 1800:
            break
        text = f"{text}\n\n{para}" if text else para
    return title, text


def _folder(name: str, data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    root = _paths.data_dir(data_dir)
    names = _names(root)
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in names:
        raise HitexError(
            f"No dataset named {name!r} in the catalog. Valid names: {', '.join(names)}. "
            "list_datasets() shows them with titles."
        )
    return root / key, key


def _names(root: Path) -> list[str]:
    extra = sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.name not in DATASETS and (p / "SOURCE.md").exists()
    ) if root.is_dir() else []  # fmt: skip
    return [*DATASETS, *extra]


def _info_for(name: str, folder: Path) -> DatasetInfo:
    if name in DATASETS:
        return DATASETS[name]
    title, _ = _source_text(folder)
    return DatasetInfo(title or name, "see SOURCE.md", "see SOURCE.md", "unknown: see SOURCE.md")


# ------------------------------------------------------------------------- public API
def list_datasets(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """List the datasets of the embedded bundle.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle folder (default: found by :func:`hitex._paths.data_dir`).

    Returns
    -------
    pandas.DataFrame
        Columns ``name, title, files, licence, redistribution``; ``files`` is a
        comma-separated list of the folder's data files (``"(missing)"`` when
        the folder is not in the bundle).
    """
    root = _paths.data_dir(data_dir)
    rows = []
    for name in _names(root):
        folder = root / name
        info = _info_for(name, folder)
        files = (
            sorted(p.name for p in folder.iterdir() if _is_data_file(p)) if folder.is_dir() else []
        )
        rows.append(
            {
                "name": name,
                "title": info.title,
                "files": ", ".join(files) if files else "(missing)",
                "licence": info.licence,
                "redistribution": info.redistribution,
            }
        )
    return pd.DataFrame(rows, columns=["name", "title", "files", "licence", "redistribution"])


def describe_dataset(name: str, data_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Describe one dataset: licence, files, columns, units, coverage and provenance.

    Coverage is computed from the files each time (rows, first and last year,
    number of distinct countries or other units), so it reflects the bundle on
    disk.

    Parameters
    ----------
    name : str
        Dataset (folder) name, e.g. ``"wdi"``; see :func:`list_datasets`.
    data_dir : path-like, optional
        The data bundle folder.

    Returns
    -------
    dict
        Keys ``name, title, publisher, licence, redistribution, folder, units,
        provenance, source_title, files``; ``files`` is a list of dicts with
        ``file, size_bytes, columns`` and the coverage keys ``rows,
        year_column, first_year, last_year, unit_column, n_units`` (those that
        apply).

    Raises
    ------
    HitexError
        If ``name`` is not a dataset of the bundle (the message lists them).
    """
    folder, key = _folder(name, data_dir)
    info = _info_for(key, folder)
    source_title, provenance = _source_text(folder)
    files = []
    if folder.is_dir():
        for path in sorted(p for p in folder.iterdir() if _is_data_file(p)):
            stamp = _stamp(path)
            entry: dict[str, Any] = {
                "file": path.name,
                "size_bytes": stamp[1],
                "columns": list(_header(str(path), info.encoding, stamp)),
            }
            entry.update(_coverage(str(path), info.encoding, stamp))
            files.append(entry)
    return {
        "name": key,
        "title": info.title,
        "publisher": info.publisher,
        "licence": info.licence,
        "redistribution": info.redistribution,
        "folder": str(folder),
        "units": dict(info.units),
        "source_title": source_title,
        "provenance": provenance,
        "files": files,
    }


def _wrap(text: str, width: int = 96, indent: str = "  ") -> list[str]:
    import textwrap

    out = []
    for para in text.split("\n"):
        out.extend(
            textwrap.wrap(para, width=width, initial_indent=indent, subsequent_indent=indent)
            or [""]
        )
    return out


def format_dataset(info: dict[str, Any]) -> str:
    """Render :func:`describe_dataset`'s dict as plain text.

    Parameters
    ----------
    info : dict
        As returned by :func:`describe_dataset`.

    Returns
    -------
    str
        A multi-line description for a terminal.
    """
    lines = [f"{info['name']}: {info['title']}", ""]
    lines.append(f"Publisher:      {info['publisher']}")
    lines.append(f"Licence:        {info['licence']}")
    lines.append(f"Redistribution: {info['redistribution']}")
    lines.append(f"Folder:         {info['folder']}")
    lines += ["", "Files:"]
    for f in info["files"]:
        cover = [f"{f['rows']:,} rows"] if "rows" in f else []
        if "first_year" in f:
            cover.append(f"years {f['first_year']}-{f['last_year']}")
        if "n_units" in f:
            cover.append(f"{f['n_units']} distinct {f['unit_column']}")
        lines.append(
            f"  {f['file']} ({f['size_bytes']:,} bytes{'; ' if cover else ''}{', '.join(cover)})"
        )
        if f["columns"]:
            cols = ", ".join(f["columns"])
            lines.extend(
                _wrap(f"columns: {cols if len(cols) < 400 else cols[:400] + ' ...'}", indent="    ")
            )
    if info["units"]:
        lines += ["", "Units:"]
        lines += [f"  {col}: {unit}" for col, unit in info["units"].items()]
    if info["provenance"]:
        lines += ["", "Provenance (from SOURCE.md):"]
        lines += _wrap(info["provenance"].replace("**", ""))
    return "\n".join(lines).rstrip() + "\n"
