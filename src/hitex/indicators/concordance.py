"""HS <-> SITC product-code concordances read from a user's file.

No maintained Python package on PyPI ships the UN Statistics Division / WITS
correspondence tables (the maintained one is the R package ``concordance``).
:func:`load_concordance` therefore reads a concordance file that the user
downloads (CSV or Excel), keeps codes as text and reports codes that map to
more than one target code. It is also importable from
:mod:`hitex.indicators.products`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
)

_SEPARATORS = re.compile(r"[.\s]")


def load_concordance(
    path: str | Path,
    from_col: str,
    to_col: str,
    *,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a product-code concordance (for example HS -> SITC) from CSV or Excel.

    The UN Statistics Division and WITS publish HS <-> SITC correspondence
    tables; download one and point this function at it. Codes are read as
    text (leading zeros kept) and dots or spaces in codes are removed.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``, ``.tsv``/``.txt`` (tab-separated) or ``.xlsx``/``.xls``
        file.
    from_col, to_col : str
        Columns with the source and target codes.
    sheet : str or int, optional
        Excel sheet (default: the first).

    Returns
    -------
    pandas.DataFrame
        Unique pairs with columns ``from_col``, ``to_col`` and
        ``one_to_many`` (True where the source code maps to more than one
        target code, so its trade value would have to be split).

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    DataFormatError
        For an unsupported file type or codes with characters other than
        letters and digits.
    ColumnNotFoundError
        If ``from_col`` or ``to_col`` is not in the file.
    EmptySampleError
        If no row has both codes.

    Warns
    -----
    DataCoverageWarning
        If some source codes map to several target codes.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataNotFoundError(
            f"concordance file {str(path)!r} not found; download the HS-SITC correspondence "
            "table (UN Statistics Division or WITS) and pass its path"
        )
    from hitex.data.files import read_csv_text

    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = read_csv_text(path, dtype=str, keep_default_na=False, na_values=[""])
    elif suffix in (".tsv", ".txt"):
        raw = read_csv_text(path, dtype=str, sep="\t", keep_default_na=False, na_values=[""])
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        raw = pd.read_excel(path, dtype=str, sheet_name=0 if sheet is None else sheet)
    else:
        raise DataFormatError(
            f"cannot read concordance file {path.name!r}: use a .csv, .tsv/.txt or .xlsx file"
        )
    raw.columns = [str(c).strip() for c in raw.columns]
    for col in (from_col, to_col):
        if col not in raw.columns:
            raise ColumnNotFoundError(
                f"column {col!r} is not in {path.name} (columns: {list(raw.columns)}); pass the "
                "code columns as from_col= and to_col="
            )
    table = pd.DataFrame(
        {
            from_col: _clean_concordance_codes(raw[from_col], from_col, path.name),
            to_col: _clean_concordance_codes(raw[to_col], to_col, path.name),
        }
    )
    table = table.dropna().drop_duplicates().reset_index(drop=True)
    if table.empty:
        raise EmptySampleError(
            f"{path.name} has no row with both {from_col!r} and {to_col!r}; check the columns"
        )
    n_targets = table.groupby(from_col)[to_col].transform("nunique")
    table["one_to_many"] = n_targets > 1
    if table["one_to_many"].any():
        multi = table.loc[table["one_to_many"], from_col].unique()
        warnings.warn(
            f"{len(multi)} code(s) in column {from_col!r} of {path.name} map to more than one "
            f"{to_col!r} code, e.g. {sorted(multi)[:5]}; trade in them must be split (or "
            "assigned to one target) before converting. They are flagged in 'one_to_many'.",
            DataCoverageWarning,
            stacklevel=2,
        )
    table.attrs["source_file"] = str(path)
    return table


def _clean_concordance_codes(col: pd.Series, name: str, file: str) -> pd.Series:
    text = col.astype("string").str.strip().str.replace(_SEPARATORS, "", regex=True)
    text = text.mask(text == "")
    bad = text.notna() & ~text.str.fullmatch(r"[0-9A-Za-z]+").fillna(False)
    if bad.any():
        raise DataFormatError(
            f"column {name!r} of {file} has values that are not product codes: "
            f"{list(dict.fromkeys(text[bad].tolist()))[:5]}; remove header or note rows"
        )
    return text


__all__ = ["load_concordance"]
