"""Fixed-width text layout of a table: display widths, padding, wrapping, the three-line text.

:func:`to_text` lays a :class:`hitex.report.model.Table` out as aligned text;
``str(table)`` and the ``txt`` writer of :mod:`hitex.report.writers` both call
it, and the Markdown writer uses :func:`column_widths` and :func:`pad`. The
module reads a table only through the attributes named by :class:`TextTable`,
so it imports no other module of :mod:`hitex.report`; the public names are
re-exported by :mod:`hitex.report.writers`.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "GAP", "TextCell", "TextRow", "TextSection", "TextTable", "column_widths", "display_width",
    "pad", "to_text",
]


class TextCell(Protocol):
    """What the layout reads of a cell (:class:`hitex.report.model.Cell`)."""

    @property
    def text(self) -> str: ...

    @property
    def align(self) -> str | None: ...

    @property
    def span(self) -> int: ...


class TextRow(Protocol):
    """What the layout reads of a row (:class:`hitex.report.model.Row`)."""

    def positions(self) -> Sequence[tuple[int, TextCell]]: ...


class TextSection(Protocol):
    """What the layout reads of a section (:class:`hitex.report.model.Section`)."""

    @property
    def rows(self) -> Sequence[TextRow]: ...


class TextTable(Protocol):
    """What the layout reads of a table (:class:`hitex.report.model.Table`)."""

    @property
    def title(self) -> str | None: ...

    @property
    def column_labels(self) -> Sequence[str]: ...

    @property
    def header_rows(self) -> Sequence[TextRow]: ...

    @property
    def sections(self) -> Sequence[TextSection]: ...

    @property
    def notes(self) -> Sequence[str]: ...

    @property
    def ncols(self) -> int: ...

    @property
    def column_align(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class _Label:
    """A column label laid out as a one-column cell."""

    text: str
    align: str | None = None
    span: int = 1


GAP = 2
"""Spaces between two columns of a text table."""


def display_width(text: str) -> int:
    """Number of terminal columns ``text`` takes (CJK characters take two).

    Parameters
    ----------
    text : str
        One line of text.

    Returns
    -------
    int
        The width; wide and full-width characters count 2, combining marks 0.
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


_NO_LINE_START = frozenset("，。、；：？！）」』】〉》”’,.;:?!)]}%")
"""Closing punctuation that must not begin a line (it stays with the text before it)."""


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _wrap(text: str, width: int) -> list[str]:
    """Wrap a paragraph at ``width`` display columns.

    Text without wide characters is wrapped by :func:`textwrap.wrap` at spaces.
    Text with wide (CJK) characters, which are written without spaces, may also
    break before or after a wide character, but never before closing
    punctuation; words of narrow characters are never split.
    """
    if not any(_is_wide(ch) for ch in text):
        return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    tokens: list[str] = []  # unbreakable pieces, and " " where a space was
    for piece in re.findall(r"\s+|\S", text):
        last = tokens[-1] if tokens else " "
        if piece.isspace():
            tokens.append(" ")
        elif last != " " and (
            piece in _NO_LINE_START or not (_is_wide(piece) or _is_wide(last[-1]))
        ):
            tokens[-1] += piece
        else:
            tokens.append(piece)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token == " ":
            line += " " if line else ""
            continue
        if line and display_width(line.rstrip() + token) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def pad(text: str, width: int, align: str) -> str:
    """Pad ``text`` to ``width`` columns; centring puts an odd space on the right."""
    room = max(0, width - display_width(text))
    if align == "right":
        return " " * room + text
    if align == "center":
        left = room // 2
        return " " * left + text + " " * (room - left)
    return text + " " * room


def column_widths(
    rows: Sequence[Sequence[tuple[int, TextCell]]], ncols: int, gap: int, minimum: int = 0
) -> list[int]:
    """Widths that fit every cell; a spanning cell widens the columns it covers.

    Parameters
    ----------
    rows : sequence of sequences of (int, cell)
        Each row as ``(first column, cell)`` pairs (``Row.positions()``).
    ncols : int
        Number of columns.
    gap : int
        Spaces between two columns (a spanning cell also covers the gaps).
    minimum : int
        The narrowest column.

    Returns
    -------
    list of int
        The display width of each column.
    """
    widths = [minimum] * ncols
    for row in rows:
        for col, cell in row:
            if cell.span == 1:
                widths[col] = max(widths[col], display_width(cell.text))
    for row in rows:
        for col, cell in row:
            if cell.span > 1:
                have = sum(widths[col : col + cell.span]) + gap * (cell.span - 1)
                extra = display_width(cell.text) - have
                for k in range(max(0, extra)):  # spread evenly, leftmost first
                    widths[col + k % cell.span] += 1
    return widths


def _text_line(
    row: Sequence[tuple[int, TextCell]], widths: Sequence[int], aligns: Sequence[str]
) -> str:
    parts = []
    for col, cell in row:
        width = sum(widths[col : col + cell.span]) + GAP * (cell.span - 1)
        parts.append(pad(cell.text, width, cell.align or aligns[col]))
    return (" " * GAP).join(parts).rstrip()


def to_text(table: TextTable, *, section_rules: bool = False) -> str:
    """Lay a table out as aligned fixed-width text in the three-line style.

    Parameters
    ----------
    table : Table
        The table (:class:`hitex.report.model.Table`, or any object with its
        attributes, see :class:`TextTable`).
    section_rules : bool
        Also draw a light rule between body sections (coefficients, fixed
        effects, statistics), as ``esttab`` does.

    Returns
    -------
    str
        The title, a ``=`` rule, the header rows, a ``-`` rule, the body, a
        ``=`` rule and the notes (wrapped at the table's width, at least 78
        columns), ending with a newline. Trailing spaces are removed. Widths
        are display widths: a wide or full-width (CJK) character takes two
        columns, so Chinese labels line up; notes in Chinese may break between
        any two characters.
    """
    labels = [(j, _Label(str(text))) for j, text in enumerate(table.column_labels)]
    rows = [labels, *(r.positions() for r in table.header_rows),
            *(r.positions() for s in table.sections for r in s.rows)]
    widths = column_widths(rows, table.ncols, GAP)
    aligns = table.column_align
    total = sum(widths) + GAP * (len(widths) - 1)
    lines = [table.title] if table.title else []
    lines.append("=" * total)
    lines.extend(_text_line(r, widths, aligns) for r in rows[: 1 + len(table.header_rows)])
    lines.append("-" * total)
    for i, section in enumerate(table.sections):
        if section_rules and i > 0:
            lines.append("-" * total)
        lines.extend(_text_line(r.positions(), widths, aligns) for r in section.rows)
    lines.append("=" * total)
    for note in table.notes:
        lines.extend(_wrap(note, max(total, 78)) or [""])
    return "\n".join(lines) + "\n"
