"""The format-independent table model shared by every builder and writer.

A :class:`Table` holds every cell as a plain string; each row records its
role (``"coef"``, ``"se"``, ``"fe"``, ``"stat"`` ...) and the name behind it,
so that a writer (text, Markdown, and later LaTeX, HTML, Word, Excel, Chinese
labels) only decides how to lay the strings out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hitex.report.text_layout import to_text

Align = Literal["left", "center", "right"]
_ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Cell:
    """One cell: formatted ``text``, an optional ``align`` overriding the column's,
    and the number of columns it covers (``span``)."""

    text: str = ""
    align: Align | None = None
    span: int = 1

    def __post_init__(self) -> None:
        if self.span < 1 or (self.align is not None and self.align not in _ALIGNS):
            raise ValueError(f"invalid cell: span={self.span}, align={self.align!r}")


@dataclass(frozen=True)
class Row:
    """One row of ``cells``, the row label (stub) first; spans add up to the table width.

    ``role`` says what the row holds (``"header"``, ``"title"``, ``"depvar"``,
    ``"coef"``, ``"se"``, ``"fe"``, ``"stat"``, ``"body"``) and ``key`` the name
    behind it (term, fixed effect, statistic), for writers and label translators.
    """

    cells: tuple[Cell, ...]
    role: str = "body"
    key: str = ""

    @classmethod
    def of(cls, texts: Iterable[str], role: str = "body", key: str = "") -> Row:
        """Build a row of one-column cells from strings."""
        return cls(tuple(Cell(str(t)) for t in texts), role=role, key=key)

    @property
    def width(self) -> int:
        """Number of table columns the row covers."""
        return sum(c.span for c in self.cells)

    def positions(self) -> list[tuple[int, Cell]]:
        """``(first column, cell)`` for every cell of the row."""
        starts = np.cumsum([0, *(c.span for c in self.cells)])[:-1]
        return [(int(s), c) for s, c in zip(starts, self.cells, strict=True)]

    def texts(self) -> tuple[str, ...]:
        """Cell texts with spanning cells expanded (text first, then "")."""
        return tuple(t for c in self.cells for t in (c.text, *[""] * (c.span - 1)))


@dataclass(frozen=True)
class Section:
    """A named block of body rows (coefficients, fixed effects, statistics, ...)."""

    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Table:
    """A publication table, independent of any output format.

    Parameters
    ----------
    column_labels : tuple of str
        The first header row, the stub column's label included (often "").
    sections : tuple of Section
        The body, block by block.
    header_rows : tuple of Row
        Further header rows below ``column_labels`` (model titles, dependent
        variable); writers put all header rows between the top and middle rules.
    title : str or None
        The caption.
    notes : tuple of str
        Notes below the table, one paragraph each.
    align : tuple of {"left", "center", "right"} or None
        Alignment of each column; None: the stub left, the rest centred.

    Notes
    -----
    Tables are immutable; ``dataclasses.replace(table, notes=(...))`` makes a changed copy.
    """

    column_labels: tuple[str, ...]
    sections: tuple[Section, ...]
    header_rows: tuple[Row, ...] = ()
    title: str | None = None
    notes: tuple[str, ...] = ()
    align: tuple[Align, ...] | None = None

    def __post_init__(self) -> None:
        # Accept lists for convenience but store tuples, so the table stays immutable.
        object.__setattr__(self, "column_labels", tuple(str(c) for c in self.column_labels))
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "header_rows", tuple(self.header_rows))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        n = self.ncols
        if self.align is not None:
            object.__setattr__(self, "align", tuple(self.align))
            if len(self.align) != n or any(a not in _ALIGNS for a in self.align):
                raise ValueError(f"align needs {n} entries from {_ALIGNS}, got {self.align!r}")
        for row in (*self.header_rows, *self.body_rows):
            if row.width != n:
                text = " | ".join(row.texts())
                raise ValueError(f"row '{text}' covers {row.width} columns, the table has {n}")

    @property
    def ncols(self) -> int:
        """Number of columns, the stub column included."""
        return len(self.column_labels)

    @property
    def body_rows(self) -> tuple[Row, ...]:
        """All body rows, section after section."""
        return tuple(row for section in self.sections for row in section.rows)

    @property
    def column_align(self) -> tuple[Align, ...]:
        """The alignment of each column, the default filled in."""
        return self.align or ("left",) + ("center",) * (self.ncols - 1)

    def to_frame(self, header: bool = True) -> pd.DataFrame:
        """The cells as strings, columns named by ``column_labels``; ``header_rows``
        come first when ``header`` is true; a spanning cell fills its first column."""
        rows = [*(self.header_rows if header else ()), *self.body_rows]
        return pd.DataFrame([r.texts() for r in rows], columns=list(self.column_labels))

    def __str__(self) -> str:
        return to_text(self)

    def __repr__(self) -> str:
        title = f"{self.title!r}, " if self.title else ""
        return f"Table({title}{len(self.body_rows)} rows x {self.ncols} columns)"
