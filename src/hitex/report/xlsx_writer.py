"""Excel output of :class:`~hitex.report.model.Table`: one sheet per table.

:func:`write_xlsx` lays each table out on its own sheet as it is printed: the
title in the first row, the header rows with a thick rule above and a thin rule
below (cell borders), the body, a thick rule under the last row, the notes
below. Spanning header cells are merged cells. A cell holding a plain number
(``424``, ``0.151``, ``-1.2e-05``) is stored as a number; anything else
(``0.224**``, ``(0.052)``, ``Yes``) stays text, as printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import pandas as pd

from hitex.errors import HitexError
from hitex.fileio import atomic_path
from hitex.report.model import Row, Table

__all__ = ["TIDY_COLUMNS", "sheet_names", "write_xlsx"]

#: Columns of the ``tidy`` frame written to the sheet "results".
TIDY_COLUMNS = ("table", "column", "term", "estimate", "std_error", "statistic", "p_value",
                "conf_low", "conf_high", "nobs")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET = 31
_RESULTS = "results"


def _value(text: str) -> str | int | float:
    stripped = text.strip()
    if not _PLAIN_NUMBER.match(stripped):
        return text
    number = float(stripped)
    if re.fullmatch(r"-?\d+", stripped) and abs(number) < 2**53:
        return int(stripped)
    return number


def sheet_names(tables: Sequence[Table], reserved: Sequence[str] = ()) -> list[str]:
    """Unique Excel sheet names for ``tables``: the title (else ``Table N``) without
    ``[]:*?/\\``, cut to 31 characters, a `` (2)`` suffix on a repeat
    (compared without case, as Excel does), never one of ``reserved``."""
    taken = {r.lower() for r in reserved}
    names = []
    for i, table in enumerate(tables, start=1):
        base = _BAD_SHEET_CHARS.sub(" ", table.title or "").strip().strip("'") or f"Table {i}"
        name = base[:_MAX_SHEET].strip()
        k = 2
        while name.lower() in taken:
            suffix = f" ({k})"
            name = base[: _MAX_SHEET - len(suffix)].strip() + suffix
            k += 1
        taken.add(name.lower())
        names.append(name)
    return names


def _fill(ws, table: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    thick, thin = Side(style="medium"), Side(style="thin")
    header = [Row.of(table.column_labels, role="header"), *table.header_rows]
    rows = [*header, *table.body_rows]
    first = 1
    if table.title:
        ws.cell(row=1, column=1, value=table.title).font = Font(bold=True)
        first = 2
    aligns = table.column_align
    last = first + len(rows) - 1
    for i, row in enumerate(rows):
        r = first + i
        is_header = i < len(header)
        for start, cell in row.positions():
            c = ws.cell(row=r, column=start + 1,
                        value=cell.text if is_header or start == 0 else _value(cell.text))
            align = cell.align or ("center" if cell.span > 1 else aligns[start])
            c.alignment = Alignment(horizontal=align)
            if cell.span > 1:
                ws.merge_cells(start_row=r, start_column=start + 1, end_row=r,
                               end_column=start + cell.span)
        top = thick if i == 0 else None
        bottom = thin if i == len(header) - 1 else (thick if r == last else None)
        for j in range(1, table.ncols + 1):
            ws.cell(row=r, column=j).border = Border(top=top, bottom=bottom)
    for k, note in enumerate(table.notes, start=last + 1):
        ws.cell(row=k, column=1, value=note).font = Font(size=9)
    ws.column_dimensions["A"].width = max(12, *(len(t) + 2 for t in
                                                (r.texts()[0] for r in rows)))


def write_xlsx(
    tables: Table | Sequence[Table],
    path: str | os.PathLike[str],
    *,
    tidy: pd.DataFrame | None = None,
) -> list[str]:
    """Write tables to an Excel workbook, one sheet per table.

    Parameters
    ----------
    tables : Table or sequence of Table
        The tables, one sheet each, in order, named by :func:`sheet_names`.
    path : path-like
        The ``.xlsx`` file; written atomically (:func:`hitex.fileio.atomic_path`).
    tidy : DataFrame, optional
        Tidy results with the columns :data:`TIDY_COLUMNS`, written as they are
        (numbers as numbers) to a last sheet named ``"results"``.

    Returns
    -------
    list of str
        The sheet names, in order.

    Raises
    ------
    HitexError
        If ``tables`` is empty or holds something else than tables, or ``tidy``
        is not a DataFrame or lacks one of :data:`TIDY_COLUMNS`.
    """
    from openpyxl import Workbook

    given = [tables] if isinstance(tables, Table) else list(tables)
    if not given or not all(isinstance(t, Table) for t in given):
        raise HitexError("tables must be a Table or a non-empty sequence of Tables")
    if tidy is not None:
        if not isinstance(tidy, pd.DataFrame):
            raise HitexError(f"tidy must be a pandas DataFrame, got {type(tidy).__name__}")
        missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
        if missing:
            raise HitexError(f"tidy lacks the column(s) {missing}; it needs {list(TIDY_COLUMNS)}")
    names = sheet_names(given, reserved=(_RESULTS,) if tidy is not None else ())
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in zip(names, given, strict=True):
        _fill(wb.create_sheet(name), table)
    if tidy is not None:
        ws = wb.create_sheet(_RESULTS)
        ws.append(list(TIDY_COLUMNS))
        for rec in tidy.loc[:, list(TIDY_COLUMNS)].itertuples(index=False):
            ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                       for v in rec])
        names.append(_RESULTS)
    with atomic_path(path, suffix=".xlsx") as tmp:
        wb.save(tmp)
    return names
