r"""High-tech product classifications, code matching and HS <-> SITC concordances.

A classification is a table of product codes and categories shipped as data in
``hitex/indicators/resources/`` (one CSV file each, with its source in the
header):

- ``study001_sitc3`` (SITC Rev.3): study 001, Table 7 -- aerospace 792, 71319;
  pharmaceuticals 54; electronics and telecom 76, 77; medical equipment and
  instruments 74183, 872; computers and office machines 75.
- ``oecd_hightech_sitc3`` (SITC Rev.3): Hatzichronoglou (1997), OECD STI Working
  Paper 1997/2, Annex 2, Table 4 -- the OECD/Eurostat list (nine groups) behind
  the WDI high-tech export series. Marked *unverified* in its header: loading it
  warns until the codes have been checked against the original table.

Matching rule. A traded code :math:`k` gets the category of the longest listed
code :math:`l` that is a prefix of :math:`k`,

.. math::

    \operatorname{cat}(k) = \operatorname{cat}\Bigl(\arg\max_{l \in L,\; k = l\cdots}
    \operatorname{len}(l)\Bigr),

so a 2-digit entry (``54``) covers every finer code (``541``, ``5413``,
``54131``) and a finer entry overrides a coarser one. A listed code with an
empty category is an *exclusion* ("714 - 714.89" in the OECD notation): it
removes its sub-codes from the category of the shorter code. Codes are text:
leading zeros matter (SITC ``054``, vegetables, is not ``54``, medicinal
products), and dots or spaces in codes (``792.1``, ``741 83``) are removed.

A traded code that is *coarser* than the list where the list splits it (SITC
``7131`` against the entry ``71319``; ``764`` against the exclusion ``76493``)
cannot be classified exactly; :func:`classify` reports such codes with a
:class:`~hitex.errors.DataCoverageWarning`.

Codes stored as numbers (a numeric column, or numbers in an object column as
Excel files give) need ``level``; a column that mixes numbers and text needs
it too, because the numbers may have lost their leading zeros.

HS <-> SITC concordances: :func:`load_concordance` (in
:mod:`hitex.indicators.concordance`, also importable from here) reads a
concordance file that the user downloads (CSV or Excel).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
    HitexWarning,
    SpecificationError,
)
from hitex.indicators.concordance import load_concordance
from hitex.indicators.input_checks import numeric_column, require_frame

CLASSIFICATIONS: dict[str, str] = {
    "study001_sitc3": "study001_sitc3.csv",
    "oecd_hightech_sitc3": "oecd_hightech_sitc3.csv",
}
"""Built-in classification name -> data file in ``hitex/indicators/resources``."""

DEFAULT_CLASSIFICATION = "study001_sitc3"

STUDY001_LABELS_ZH: dict[str, str] = {
    "aerospace": "航空航天器产品",
    "pharmaceuticals": "医药产品",
    "electronics_telecom": "电子及通信设备产品",
    "medical_instruments": "医疗设备及仪器仪表产品",
    "computers_office": "计算机及办公设备产品",
}
"""Chinese names of the study 001 categories, as printed in its Table 7."""

_SEPARATORS = re.compile(r"[.\s]")


# --------------------------------------------------------------------------- classifications
def available_classifications() -> list[str]:
    """Return the names of the built-in classifications."""
    return sorted(CLASSIFICATIONS)


@cache
def _read_resource(name: str) -> tuple[dict[str, str], tuple[tuple[str, str | None], ...]]:
    text = resources.files("hitex.indicators").joinpath("resources", CLASSIFICATIONS[name])
    meta: dict[str, str] = {}
    rows: list[tuple[str, str | None]] = []
    header_seen = False
    for raw in text.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, val = line[1:].partition(":")
            meta[key.strip()] = val.strip()
            continue
        if not header_seen:  # the "code,category" line
            header_seen = True
            continue
        code, _, category = line.partition(",")
        rows.append((code.strip(), category.strip() or None))
    return meta, tuple(rows)


def classification(name: str = DEFAULT_CLASSIFICATION) -> pd.DataFrame:
    """Return a built-in high-tech product classification.

    Parameters
    ----------
    name : str
        One of :func:`available_classifications` (``"study001_sitc3"``,
        ``"oecd_hightech_sitc3"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (text, leading zeros kept), ``category`` (missing for
        an exclusion row, see the module notes) and ``source`` (the citation
        of the list). ``DataFrame.attrs`` holds the file header (``title``,
        ``nomenclature``, ``status``, ...).

    Raises
    ------
    SpecificationError
        If ``name`` is not a built-in classification.

    Warns
    -----
    HitexWarning
        If the file header says the list has not been verified against its
        source.
    """
    if name not in CLASSIFICATIONS:
        raise SpecificationError(
            f"unknown classification {name!r}; built-in classifications are "
            f"{available_classifications()}. Pass one of them, or pass your own table with "
            "columns 'code' and 'category' as classification=..."
        )
    meta, rows = _read_resource(name)
    if meta.get("status") != "verified":
        warnings.warn(
            f"classification {name!r} is marked {meta.get('status', 'unverified')!r} in its data "
            f"file (verified against: {meta.get('verified_against', 'nothing')}). Check the codes "
            "before publishing results.",
            HitexWarning,
            stacklevel=2,
        )
    table = pd.DataFrame(
        {
            "code": pd.array([r[0] for r in rows], dtype="string"),
            "category": pd.array([r[1] for r in rows], dtype="string"),
            "source": meta.get("source", ""),
        }
    )
    table.attrs.update(meta)
    return table


def as_classification(classification_: str | pd.DataFrame) -> pd.DataFrame:
    """Return a classification table (``code``, ``category``) checked and normalised.

    Parameters
    ----------
    classification_ : str or DataFrame
        A built-in name (:data:`CLASSIFICATIONS`, read by :func:`classification`)
        or a table with columns ``code`` and ``category``.

    Returns
    -------
    DataFrame
        Columns ``code`` (text, separators removed by :func:`normalize_codes`)
        and ``category`` (string; empty for an exclusion).

    Raises
    ------
    SpecificationError
        ``classification_`` is neither a name nor a DataFrame.
    ColumnNotFoundError
        The table lacks ``code`` or ``category``.
    DataFormatError
        A row has no code, or a code is listed twice.
    """
    if isinstance(classification_, str):
        return classification(classification_)
    if not isinstance(classification_, pd.DataFrame):
        raise SpecificationError(
            "classification must be a built-in name "
            f"({available_classifications()}) or a DataFrame with columns 'code' and 'category'"
        )
    for col in ("code", "category"):
        if col not in classification_.columns:
            raise ColumnNotFoundError(
                f"the classification table has no column {col!r} (columns: "
                f"{list(classification_.columns)}); it needs 'code' and 'category'"
            )
    table = classification_.loc[:, ["code", "category"]].copy()
    table["code"] = normalize_codes(table["code"], column="code")
    if table["code"].isna().any():
        raise DataFormatError("the classification table has rows without a code in column 'code'")
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        raise DataFormatError(
            "the classification table lists the same code more than once in column 'code': "
            f"{sorted(set(table.loc[dup, 'code']))[:10]}; keep one row per code"
        )
    table["category"] = table["category"].astype("string")
    return table


# --------------------------------------------------------------------------- codes
def normalize_codes(codes: pd.Series, column: str = "code", level: int | None = None) -> pd.Series:
    """Return product codes as text with separators removed.

    Parameters
    ----------
    codes : pandas.Series
        Codes as text (``"0541"``, ``"792.1"``, ``"741 83"``) or, with
        ``level``, as integers.
    column : str
        Name of the column, used in error messages.
    level : int, optional
        Number of digits every code has. Shorter codes are left-padded with
        zeros, which restores leading zeros lost when codes were stored as
        numbers (SITC ``054`` read as ``54``). Without ``level`` a numeric
        column is refused, because ``54`` could be either code; so is an
        object column holding numbers (Python ints or floats, as read from
        Excel), alone or mixed with text.

    Returns
    -------
    pandas.Series
        String dtype; missing codes stay missing.

    Raises
    ------
    DataFormatError
        If the column holds numbers (numeric dtype, or numbers in an object
        column, also mixed with text) and ``level`` is not given, if a code holds
        characters other than digits (after removing dots and spaces), or if a
        code is longer than ``level``.
    """
    if pd.api.types.is_bool_dtype(codes):
        raise DataFormatError(f"column {column!r} holds True/False values, not product codes")
    if codes.dtype == object:  # Excel: numbers (5410 for SITC 05410) in a text column
        codes = _object_codes(codes, column, level)
    if pd.api.types.is_numeric_dtype(codes):
        if level is None:
            raise DataFormatError(
                f"column {column!r} holds numbers, so codes that start with 0 (SITC 054, HS 0101) "
                "cannot be told apart from shorter codes. Store the codes as text (in Python: "
                f"pd.read_csv(..., dtype={{{column!r}: str}})) or pass the number of digits as "
                "level=N (the study option level, --level N on the command line) to left-pad the "
                "codes with zeros."
            )
        values = pd.to_numeric(codes)
        frac = values.dropna() % 1
        if (frac != 0).any():
            raise DataFormatError(
                f"column {column!r} holds non-integer numbers such as "
                f"{values.dropna()[frac != 0].iloc[0]!r}; product codes must be whole numbers or text"
            )
        text = values.astype("Int64").astype("string")
    else:
        text = codes.astype("string")
    text = text.str.replace(_SEPARATORS, "", regex=True)
    text = text.mask(text == "")
    bad = text.notna() & ~text.str.fullmatch(r"\d+").fillna(False)
    if bad.any():
        examples = list(dict.fromkeys(text[bad].tolist()))[:5]
        raise DataFormatError(
            f"column {column!r} has codes that are not digits: {examples}. Drop aggregate rows "
            "(such as 'TOTAL') and keep only numeric product codes."
        )
    if level is not None:
        if not isinstance(level, int) or level < 1:
            raise SpecificationError(f"level must be a positive number of digits, got {level!r}")
        too_long = text.str.len() > level
        if too_long.fillna(False).any():
            raise DataFormatError(
                f"column {column!r} has codes longer than level={level} digits, e.g. "
                f"{text[too_long.fillna(False)].iloc[0]!r}; pass the right level or level=None"
            )
        text = text.str.zfill(level)
    return text


def _longest_prefix(codes: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Category by longest listed prefix, and the codes that are split by the list."""
    listed = dict(zip(table["code"], table["category"], strict=True))
    lengths = sorted({len(c) for c in listed}, reverse=True)
    # categories found under each proper prefix of a listed code
    below: dict[str, set] = {}
    for code, cat in listed.items():
        for i in range(1, len(code)):
            below.setdefault(code[:i], set()).add(None if pd.isna(cat) else cat)

    unique = pd.Series(codes.dropna().unique(), dtype="string")
    result = pd.Series(pd.NA, index=unique.index, dtype="string")
    matched = pd.Series(False, index=unique.index)
    for n in lengths:
        todo = ~matched & (unique.str.len() >= n)
        if not todo.any():
            continue
        prefix = unique[todo].str.slice(0, n)
        hit = prefix.isin(listed.keys())
        idx = prefix[hit].index
        result.loc[idx] = prefix[hit].map(listed).astype("string")
        matched.loc[idx] = True
    split: list[str] = []
    for i, code in unique.items():
        cats_below = below.get(code)
        if cats_below is None:
            continue
        assigned = result[i]
        own = None if pd.isna(assigned) else assigned
        if cats_below - {own}:
            split.append(code)
    mapping = dict(zip(unique, result, strict=True))
    return codes.map(mapping).astype("string"), split


def classify(
    trade: pd.DataFrame,
    code_col: str,
    classification: str | pd.DataFrame = DEFAULT_CLASSIFICATION,
    level: int | None = None,
    *,
    category_col: str = "category",
) -> pd.DataFrame:
    """Assign high-tech categories to traded product codes.

    Parameters
    ----------
    trade : pandas.DataFrame
        Trade records with a product-code column.
    code_col : str
        Column with the product codes (text; see :func:`normalize_codes`).
    classification : str or pandas.DataFrame
        A built-in name (default ``"study001_sitc3"``) or a table with columns
        ``code`` and ``category`` (an empty category marks an exclusion).
    level : int, optional
        Digits every traded code has; pads codes stored as numbers with
        leading zeros (see :func:`normalize_codes`).
    category_col : str
        Name of the new column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``trade`` with ``category_col`` added: the category of the
        longest listed prefix of each code, missing where no listed code
        matches (not high-tech). The codes in ``code_col`` are left as they
        were.

    Raises
    ------
    ColumnNotFoundError
        If ``code_col`` is not a column of ``trade``.
    DataFormatError
        For codes that are not digits, or numeric codes without ``level``.

    Warns
    -----
    DataCoverageWarning
        For traded codes coarser than the list where the list splits them;
        they cannot be classified exactly (use finer codes).
    """
    require_frame(trade, "trade")
    if code_col not in trade.columns:
        raise ColumnNotFoundError(
            f"column {code_col!r} is not in the trade table (columns: {list(trade.columns)}); "
            "pass the product-code column as code_col="
        )
    if category_col in trade.columns:
        raise SpecificationError(
            f"the trade table already has a column {category_col!r}; pass another category_col="
        )
    table = as_classification(classification)
    codes = normalize_codes(trade[code_col], column=code_col, level=level)
    if level is None:
        _warn_lost_zeros(codes, code_col)
    categories, split = _longest_prefix(codes, table)
    if split:
        warnings.warn(
            f"{len(split)} code(s) in column {code_col!r} are coarser than the classification "
            f"where it splits them, e.g. {sorted(split)[:5]}; they were classified by their own "
            "listed prefix only (or left unclassified). Use codes at a finer digit level.",
            DataCoverageWarning,
            stacklevel=2,
        )
    out = trade.copy()
    out[category_col] = categories.to_numpy()
    out[category_col] = out[category_col].astype("string")
    return out


# --------------------------------------------------------------------------- aggregation
def aggregate_by_category(
    trade: pd.DataFrame,
    by: Sequence[str] = ("exporter", "importer", "year"),
    value: str = "value",
    *,
    category_col: str = "category",
    code_col: str | None = None,
    classification: str | pd.DataFrame = DEFAULT_CLASSIFICATION,
    level: int | None = None,
    other: str | None = None,
) -> pd.DataFrame:
    r"""Sum trade values by ``by`` x high-tech category.

    .. math::

        V_{g,k} = \sum_{r \in g,\; \operatorname{cat}(r) = k} v_r

    for each group :math:`g` of ``by`` (exporter-importer-year by default) and
    category :math:`k`.

    Parameters
    ----------
    trade : pandas.DataFrame
        Product-level trade records.
    by : sequence of str
        Grouping columns; ``()`` gives totals by category only.
    value : str
        Numeric column to sum (missing values are skipped).
    category_col : str
        Column with the categories (made by :func:`classify`).
    code_col : str, optional
        If given, the records are classified first with ``classification``
        and ``level`` (see :func:`classify`).
    classification, level
        Passed to :func:`classify` when ``code_col`` is given.
    other : str, optional
        Label for records without a category. By default they are left out;
        with ``other="other"`` their total is kept, so shares of high-tech in
        all trade can be computed.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` x category with the summed ``value``, sorted.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, EmptySampleError
        For missing columns, text in ``value`` or an empty table.
    """
    require_frame(trade, "trade")
    by = [by] if isinstance(by, str) else list(by)
    if code_col is not None:
        trade = classify(trade, code_col, classification, level=level, category_col=category_col)
    for col in [*by, value, category_col]:
        if col not in trade.columns:
            hint = (
                "classify the records first (hitex.indicators.products.classify) or pass code_col="
                if col == category_col
                else "pass the right column names as by=/value= (--by/--value on the command line)"
            )
            raise ColumnNotFoundError(
                f"column {col!r} is not in the trade table (columns: {list(trade.columns)}); {hint}"
            )
    if trade.empty:
        raise EmptySampleError("the trade table is empty; there is nothing to aggregate")
    values = numeric_column(trade[value], value)
    frame = trade.loc[:, by].copy()
    frame[category_col] = trade[category_col].astype("string")
    frame[value] = values
    if other is not None:
        frame[category_col] = frame[category_col].fillna(other)
    frame = frame[frame[category_col].notna()]
    if frame.empty:
        raise EmptySampleError(
            f"no record has a category in column {category_col!r}; check the code column and "
            "the classification, or pass other='other' to keep unclassified trade"
        )
    keys = [*by, category_col]
    out = frame.groupby(keys, dropna=False, sort=True)[value].sum(min_count=1).reset_index()
    return out


# --------------------------------------------------------------------------- helpers
def _warn_lost_zeros(codes: pd.Series, column: str) -> None:
    """Warn when some codes are one digit shorter than most: lost leading zeros?"""
    present = codes.dropna()
    if present.empty or present.str.startswith("0").any():  # zeros kept: stored as text
        return
    lengths = present.str.len()
    counts = lengths.value_counts()
    modal = int(counts.idxmax())
    short = int(counts.get(modal - 1, 0))
    if modal >= 2 and short and counts[modal] >= 0.5 * len(lengths):
        examples = list(dict.fromkeys(codes[codes.str.len() == modal - 1].dropna()))[:3]
        warnings.warn(
            f"{short} code(s) in column {column!r} have {modal - 1} digits while most have "
            f"{modal}, e.g. {examples}: if the codes were once stored as numbers, their leading "
            f"zeros were lost (SITC 054 read as 54) and they will be misclassified. Pass "
            f"level={modal} (CLI: --level {modal}) to restore them; ignore this if the table "
            "mixes digit levels on purpose.",
            DataCoverageWarning,
            stacklevel=3,
        )


def _object_codes(codes: pd.Series, column: str, level: int | None) -> pd.Series:
    """Codes of an object column: numbers as numbers, text and numbers mixed only with level."""
    present = codes.dropna()
    is_number = present.map(
        lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
    ).astype(bool)
    if present.empty or not is_number.any():
        return codes
    if is_number.all():
        return pd.to_numeric(codes)
    if level is None:
        raise DataFormatError(
            f"column {column!r} mixes codes stored as numbers (e.g. {present[is_number].iloc[0]!r})"
            f" with codes stored as text (e.g. {present[~is_number].iloc[0]!r}), as Excel files "
            "often do; the numbers may have lost leading zeros (SITC 05410 read as 5410). Store "
            "all codes as text, or pass the number of digits as level=N (the study option level, "
            "--level N on the command line) to left-pad the codes with zeros."
        )
    numbers = pd.to_numeric(present[is_number]).astype("float64")
    if (numbers % 1 != 0).any():
        raise DataFormatError(
            f"column {column!r} holds non-integer numbers such as "
            f"{numbers[numbers % 1 != 0].iloc[0]!r}; product codes must be whole numbers or text"
        )
    out = codes.copy()
    out[numbers.index] = numbers.astype("int64").astype(str)
    return out


__all__ = [
    "CLASSIFICATIONS",
    "DEFAULT_CLASSIFICATION",
    "STUDY001_LABELS_ZH",
    "aggregate_by_category",
    "as_classification",
    "available_classifications",
    "classification",
    "classify",
    "load_concordance",
    "normalize_codes",
]
