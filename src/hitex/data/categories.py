"""Product categories for trade files: code tables, prefixes and concordances.

:func:`category_lookup` turns a category table (``code, category``; an empty
category excludes a code) and, when the table's nomenclature differs from the
trade file's, a concordance into the table of product codes and categories
that :func:`hitex.data.tradeflows.aggregate_trade` joins the trade rows with.
Each product gets the category of its longest matching code prefix.
:func:`read_country_codes` reads the numeric country code -> ISO3 table of
BACI (and of Comtrade files without ISO3 columns). The DuckDB SQL that
attaches categories and ISO3 codes to the trade rows and checks the traded
records for duplicates and lost leading zeros is in
:mod:`hitex.data.tradeflows_checks`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    SpecificationError,
)

PathLike = str | os.PathLike[str]


def _clean_codes(col: pd.Series, what: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        raise DataFormatError(
            f"column 'code' of {what} holds numbers, so leading zeros (HS 0101, SITC 054) are lost; "
            "read it as text (dtype=str)."
        )
    text = col.astype("string").str.strip().str.replace(r"[.\s]", "", regex=True)
    text = text.mask(text == "")
    bad = text.notna() & ~text.str.fullmatch(r"\d+").fillna(False)
    if bad.any() or text.isna().any():
        raise DataFormatError(
            f"column 'code' of {what} has empty or non-digit codes such as "
            f"{list(dict.fromkeys(text[bad | text.isna()].astype(str).tolist()))[:5]}; keep "
            "numeric product codes only."
        )
    return text


def _category_table(categories: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(categories, pd.DataFrame):
        raise SpecificationError(
            "categories must be a DataFrame with columns 'code' and 'category', e.g. "
            "hitex.indicators.products.classification('study001_sitc3')."
        )
    for col in ("code", "category"):
        if col not in categories.columns:
            raise DataFormatError(
                f"the category table has no column {col!r} (found {list(categories.columns)}); "
                "it needs 'code' and 'category'."
            )
    table = pd.DataFrame(
        {
            "code": _clean_codes(categories["code"], "the category table"),
            "category": categories["category"].astype("string"),
        }
    )
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        raise DataFormatError(
            "the category table lists the codes "
            f"{sorted(set(table.loc[dup, 'code']))[:10]} more than once in column 'code'; keep "
            "one row per code."
        )
    return table.reset_index(drop=True)


def _prefix_category(codes: Iterable[str], table: pd.DataFrame) -> dict[str, Any]:
    """Longest-prefix category of each code (None when none or excluded)."""
    listed = dict(zip(table["code"], table["category"], strict=True))
    lengths = sorted({len(c) for c in listed}, reverse=True)
    out: dict[str, Any] = {}
    for code in codes:
        cat = None
        for n in lengths:
            if len(code) >= n and code[:n] in listed:
                value = listed[code[:n]]
                cat = None if pd.isna(value) else str(value)
                break
        out[code] = cat
    return out


def _system(name: str) -> str:
    word = str(name).strip().upper()
    for system in ("HS", "SITC", "ISIC", "BEC"):
        if word.startswith(system):
            return system
    return word


def category_lookup(
    categories: pd.DataFrame,
    *,
    code_system: str | None = None,
    product_system: str = "HS",
    concordance: pd.DataFrame | None = None,
    concordance_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the code -> category table matched against the traded codes.

    Parameters
    ----------
    categories : pandas.DataFrame
        Columns ``code`` (text) and ``category`` (empty = exclusion).
    code_system : str, optional
        Nomenclature of ``categories`` (``"HS"``, ``"SITC"``). Default: read
        from ``categories.attrs["nomenclature"]`` (set by
        :func:`hitex.indicators.products.classification`).
    product_system : str, default "HS"
        Nomenclature of the traded codes (BACI is HS).
    concordance : pandas.DataFrame, optional
        Needed when the two nomenclatures differ: traded code -> category-table
        code, e.g. :func:`hitex.indicators.products.load_concordance` of an
        HS -> SITC table.
    concordance_cols : pair of str, optional
        Source and target columns of ``concordance`` (default: its first two).

    Returns
    -------
    pandas.DataFrame
        ``code, category``: ``categories`` itself when the nomenclatures agree,
        else one row per traded code of the concordance.

    Raises
    ------
    SpecificationError
        If the nomenclatures differ and no concordance is given, or the
        nomenclature of ``categories`` is unknown.

    Warns
    -----
    DataCoverageWarning
        For traded codes whose concordance targets fall in different
        categories; they are left unclassified.
    """
    table = _category_table(categories)
    system = code_system or categories.attrs.get("nomenclature")
    if not system:
        raise SpecificationError(
            "the nomenclature of the category table is unknown; pass code_system='HS' or 'SITC'."
        )
    if _system(system) == _system(product_system):
        return table
    if concordance is None:
        raise SpecificationError(
            f"the category table is coded in {system} but the trade file in {product_system}; "
            f"pass a {product_system} -> {system} concordance as concordance= (see "
            "hitex.indicators.products.load_concordance) or an HS-coded category table."
        )
    cols = list(concordance_cols or concordance.columns[:2])
    for col in cols:
        if col not in concordance.columns:
            raise DataFormatError(
                f"the concordance has no column {col!r} (found {list(concordance.columns)}); "
                "pass concordance_cols=(source, target)."
            )
    pairs = pd.DataFrame(
        {
            "src": _clean_codes(concordance[cols[0]].rename("code"), "the concordance"),
            "dst": _clean_codes(concordance[cols[1]].rename("code"), "the concordance"),
        }
    ).drop_duplicates()
    target_cat = _prefix_category(pairs["dst"].unique(), table)
    pairs["category"] = pairs["dst"].map(target_cat)
    rows, conflicts = [], []
    for src, group in pairs.groupby("src", sort=True):
        cats = set(group["category"].where(group["category"].notna(), None))
        if len(cats) == 1:
            rows.append((src, cats.pop()))
        else:
            conflicts.append(src)
            rows.append((src, None))
    if conflicts:
        warnings.warn(
            f"{len(conflicts)} {product_system} code(s) map to {system} codes in different "
            f"categories, e.g. {conflicts[:5]}; they are left unclassified. Pass a concordance "
            "that assigns each of them one target to classify them.",
            DataCoverageWarning,
            stacklevel=3,
        )
    out = pd.DataFrame(rows, columns=["code", "category"])
    out["category"] = out["category"].astype("string")
    return out


def read_country_codes(source: PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read a table of numeric country codes and ISO3 codes.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        BACI's country file (``country_codes_V202401.csv``: ``country_code``
        and ``country_iso3``; older releases: ``iso_3digit_alpha``), or a
        DataFrame with columns ``code`` and ``iso3``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (text, no leading zeros: ``"4"`` for Afghanistan) and
        ``iso3``; one row per code.

    Raises
    ------
    DataNotFoundError, DataFormatError
        If the file is missing, lacks the columns, or lists a code twice with
        different ISO3 codes.
    """
    if isinstance(source, pd.DataFrame):
        raw, name = source, "the country-code table"
        code_col, iso_col = "code", "iso3"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise DataNotFoundError(
                f"country-code file {str(path)!r} not found; pass BACI's country_codes_V*.csv."
            )
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except UnicodeDecodeError:
            raw = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], encoding="latin-1"
            )
        name = path.name
        raw.columns = [str(c).strip() for c in raw.columns]
        code_col = "country_code" if "country_code" in raw.columns else "code"
        iso_col = next(
            (c for c in ("country_iso3", "iso_3digit_alpha", "iso3") if c in raw.columns), "iso3"
        )
    for col in (code_col, iso_col):
        if col not in raw.columns:
            raise DataFormatError(
                f"{name} has no column {col!r} (found {list(raw.columns)}); expected BACI's "
                "country file (country_code, country_iso3) or a table with 'code' and 'iso3'."
            )
    codes = pd.to_numeric(raw[code_col], errors="coerce")
    if codes.isna().any() or (codes % 1 != 0).any():
        bad = raw.loc[codes.isna() | (codes % 1 != 0), code_col].tolist()[:5]
        raise DataFormatError(f"column {code_col!r} of {name} holds non-integer codes: {bad}.")
    table = pd.DataFrame(
        {
            "code": codes.astype("int64").astype(str),
            "iso3": raw[iso_col].astype("string").str.strip(),
        }
    ).dropna()
    table = table.drop_duplicates()
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        raise DataFormatError(
            f"{name} gives several ISO3 codes for the codes {sorted(set(table.loc[dup, 'code']))[:5]}"
            f" (column {iso_col!r}); keep one row per code."
        )
    return table.reset_index(drop=True)
