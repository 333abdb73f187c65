"""Parser of WEF's GCI workbook layout, behind :func:`hitex.data.gcr.read_gci_workbook`.

WEF's dataset (``GCI_Dataset_2007-2017.xlsx`` and its siblings) holds a
``Data`` sheet with title rows, a header row of metadata columns (``Edition``,
``GLOBAL ID``, ``Attribute`` ...) and one column per economy, whose ISO3 code
sits in a row next to the header row. The helpers here find that sheet (or a
sheet laid out as a tidy table) and turn it into raw long rows
``iso3, edition_start_year, indicator_code, indicator_name, value``, which
:mod:`hitex.data.gcr` then checks and finishes: :func:`find_tidy_sheet` finds a
sheet laid out as a tidy table, :func:`read_publisher_workbook` reads WEF's own
layout, and :data:`AGGREGATE_CODES` lists the columns of regional and
income-group averages that are not economies. ``openpyxl`` is imported only
when a workbook is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.gcr_editions import parse_edition
from hitex.errors import DataFormatError, HitexError

__all__ = ["AGGREGATE_CODES", "find_tidy_sheet", "read_publisher_workbook"]

AGGREGATE_CODES = frozenset(
    {"AVG", "LAC", "DEVASIA", "MENAP", "SSA", "CIS", "CEE", "ADV", "LIC", "LMIC", "UMIC", "HIC",
     "HICO", "HICNO", "ASEAN", "STAGE1", "TRANS1TO2", "STAGE2", "TRANS2TO3", "STAGE3", "EU",
     "EU28", "WLD", "OECD", "MENA", "EMDE"}
)  # fmt: skip
"""Column codes of regional and income-group averages in WEF workbooks (not economies)."""

_ISO3 = re.compile(r"^[A-Z]{3}$")
# Header labels (lower case) of the metadata columns of WEF's 'Data' sheet.
_CODE_HEADERS = ("global id", "series global id", "series code", "code")
_NAME_HEADERS = ("series unindented", "series", "series name", "indicator")
_META_HEADERS = frozenset(
    {"dataset", "placement", "edition", "global id", "series global id", "series code", "code",
     "series", "series unindented", "series name", "indicator", "attribute", "series type",
     "series order", "freeze date", "index", "series code (if applicable)"}
)  # fmt: skip


def _norm(cell: object) -> str:
    return re.sub(r"\s+", " ", str(cell)).strip().lower() if cell is not None else ""


def read_publisher_workbook(
    file: Path, *, sheet: str | None, economy_codes: Mapping[str, str] | None
) -> pd.DataFrame:
    """Read WEF's GCI workbook layout into raw long rows.

    Parameters
    ----------
    file : Path
        The workbook (``.xlsx``/``.xlsm``).
    sheet : str or None
        The worksheet; None tries ``Data`` first, then every other sheet.
    economy_codes : mapping or None
        Economy name -> ISO3 code, for workbooks without a row of ISO3 codes.

    Returns
    -------
    DataFrame
        Columns ``iso3, edition_start_year, indicator_code, indicator_name,
        value`` (cells as read, not yet numbers), one row per economy column
        with an ISO3 code outside :data:`AGGREGATE_CODES` and data row whose
        ``Attribute`` is ``Value``.

    Raises
    ------
    DataFormatError
        No sheet has a header row holding ``Edition`` and ``Attribute``, the
        header has no indicator-code column, the economies have no ISO3 codes,
        or ``sheet`` does not exist.
    """
    from openpyxl import load_workbook

    book = load_workbook(file, read_only=True, data_only=True)
    try:
        _require_sheet(book.sheetnames, sheet, file)
        data_first = sorted(book.sheetnames, key=lambda s: s.strip().lower() != "data")
        for name in [sheet] if sheet is not None else data_first:
            rows = [list(r) for r in book[name].iter_rows(values_only=True)]
            header = next(
                (i for i, row in enumerate(rows[:30])
                 if {"edition", "attribute"} <= {_norm(c) for c in row}),
                None,
            )  # fmt: skip
            if header is not None:
                return _parse_data_sheet(rows, header, file, economy_codes)
    finally:
        book.close()
    where = f"sheet '{sheet}'" if sheet is not None else "any sheet"
    raise DataFormatError(
        f"{file.name} is neither WEF's GCI workbook (a header row holding 'Edition' and "
        f"'Attribute') nor a tidy table (first row: iso3, indicator_code, value and edition or "
        f"year) in {where}. Choose the data sheet (sheet=, or --sheet on the command line), or "
        "give the table the columns of a tidy file."
    )


def _require_sheet(names: list[str], sheet: str | None, file: Path) -> None:
    if sheet is not None and sheet not in names:
        raise DataFormatError(
            f"{file.name} has no sheet '{sheet}' (sheets: {', '.join(names)}); "
            "pass the name of the data sheet (sheet=, or --sheet on the command line)."
        )


def find_tidy_sheet(file: Path, sheet: str | None) -> str | None:
    """Return the first sheet (or ``sheet``) whose first row names the tidy columns, else None.

    The tidy columns are ``iso3``, ``indicator_code``, ``value`` and one of
    ``edition``, ``edition_start_year`` or ``year``. Raises
    :class:`~hitex.errors.DataFormatError` when ``sheet`` does not exist.
    """
    from openpyxl import load_workbook

    book = load_workbook(file, read_only=True, data_only=True)
    try:
        _require_sheet(book.sheetnames, sheet, file)
        for name in [sheet] if sheet is not None else book.sheetnames:
            first = next(book[name].iter_rows(max_row=1, values_only=True), ())
            head = {_norm(c) for c in first}
            if {"iso3", "indicator_code", "value"} <= head and \
                    head & {"edition", "edition_start_year", "year"}:
                return name
    finally:
        book.close()
    return None


def _looks_like_codes(cells: list[Any]) -> bool:
    filled = [c for c in cells if c not in (None, "")]
    hits = sum(1 for c in filled if isinstance(c, str) and _ISO3.match(c.strip()))
    return bool(filled) and hits / len(filled) >= 0.6


def _at(row: Sequence[Any], j: int | None) -> Any:
    return row[j] if j is not None and 0 <= j < len(row) else None


def _is_edition(cell: object) -> bool:
    try:
        return cell not in (None, "") and parse_edition(cell) > 0
    except HitexError:
        return False


def _parse_data_sheet(
    rows: list[list[Any]], header: int, file: Path, economy_codes: Mapping[str, str] | None
) -> pd.DataFrame:
    heads = [_norm(c) for c in rows[header]]
    edition_col, attribute_col = heads.index("edition"), heads.index("attribute")
    code_col = next((heads.index(h) for h in _CODE_HEADERS if h in heads), None)
    name_col = next((heads.index(h) for h in _NAME_HEADERS if h in heads), None)
    if code_col is None:
        raise DataFormatError(
            f"{file.name}: the header row has no 'GLOBAL ID' or 'Series code' column, so the "
            "indicator codes (EOSQ057 ...) cannot be read."
        )
    meta = [j for j, h in enumerate(heads) if h in _META_HEADERS or h.startswith("code ")]
    width = max(len(r) for r in rows[max(header - 3, 0) : header + 2])
    econ_cols = list(range(max(meta) + 1, width))

    def cells(r: int) -> list[Any]:
        row = rows[r] if 0 <= r < len(rows) else []
        return [_at(row, j) for j in econ_cols]

    # ISO3 codes sit in a row just above the header row, or in the header row itself.
    code_row = next(
        (r for r in (header - 1, header, header + 1, header - 2) if _looks_like_codes(cells(r))),
        None,
    )
    names_row = header
    if code_row == header:  # variant: codes in the header row, economy names in the row below
        below = rows[header + 1] if header + 1 < len(rows) else []
        names_row = header if _is_edition(_at(below, edition_col)) else header + 1
    labels = cells(names_row)
    if code_row is not None:
        codes = ["" if c in (None, "") else str(c).strip() for c in cells(code_row)]
    else:
        lookup = dict(economy_codes or {})
        codes = ["" if n in (None, "") else lookup.get(str(n).strip(), "") for n in labels]
        unresolved = [str(n) for n, c in zip(labels, codes, strict=True) if n and not c]
        if unresolved:
            raise DataFormatError(
                f"{file.name}: no header row with ISO3 codes, and no code for the economies "
                f"{', '.join(unresolved[:8])}{' ...' if len(unresolved) > 8 else ''}. Pass "
                "economy_codes={'Korea, Rep.': 'KOR', ...} to read_gci_workbook."
            )
    keep = [
        (j, code)
        for j, code in zip(econ_cols, codes, strict=True)
        if _ISO3.match(code) and code not in AGGREGATE_CODES
    ]
    records: list[tuple[Any, ...]] = []
    for row in rows[header + 1 :]:
        # Data rows carry an Attribute ('Value', 'Rank', ...); name and code rows do not.
        if _norm(_at(row, attribute_col)) != "value":
            continue
        edition, code = _at(row, edition_col), _at(row, code_col)
        if edition in (None, "") or code in (None, ""):
            continue
        start = parse_edition(edition)
        name = _at(row, name_col)
        records.extend((iso3, start, str(code).strip(), name, _at(row, j)) for j, iso3 in keep)
    if not records:
        raise DataFormatError(
            f"{file.name}: no row with Attribute 'Value' and an economy column with an ISO3 code "
            "was found under the header row."
        )
    return pd.DataFrame(
        records, columns=["iso3", "edition_start_year", "indicator_code", "indicator_name", "value"]
    )
