"""Writers that lay a :class:`~hitex.report.tables.Table` out as text.

Each writer is a function ``Table -> str`` registered in :data:`WRITERS` under
its file extension; adding a format (LaTeX, HTML, ...) means adding one function
and one registry entry. :func:`write_table` writes a table in several formats.

- :func:`to_text` -- fixed-width "three-line" table: a rule above the header,
  one below it and one at the bottom, notes underneath.
- :func:`to_markdown` -- a GitHub pipe table with the title in bold above and
  the notes below.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from hitex.errors import HitexError
from hitex.fileio import atomic_write_text
from hitex.report.tables import Cell, Row, Table

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


def _pad(text: str, width: int, align: str) -> str:
    """Pad ``text`` to ``width`` columns; centring puts an odd space on the right."""
    room = max(0, width - display_width(text))
    if align == "right":
        return " " * room + text
    if align == "center":
        left = room // 2
        return " " * left + text + " " * (room - left)
    return text + " " * room


def _all_rows(table: Table) -> list[Row]:
    return [Row.of(table.column_labels, role="header"), *table.header_rows, *table.body_rows]


def _column_widths(rows: Sequence[Row], ncols: int, gap: int, minimum: int = 0) -> list[int]:
    """Widths that fit every cell; a spanning cell widens the columns it covers."""
    widths = [minimum] * ncols
    for row in rows:
        for col, cell in row.positions():
            if cell.span == 1:
                widths[col] = max(widths[col], display_width(cell.text))
    for row in rows:
        for col, cell in row.positions():
            if cell.span > 1:
                have = sum(widths[col : col + cell.span]) + gap * (cell.span - 1)
                extra = display_width(cell.text) - have
                for k in range(max(0, extra)):  # spread evenly, leftmost first
                    widths[col + k % cell.span] += 1
    return widths


def _text_line(row: Row, widths: Sequence[int], aligns: Sequence[str]) -> str:
    parts = []
    for col, cell in row.positions():
        width = sum(widths[col : col + cell.span]) + GAP * (cell.span - 1)
        parts.append(_pad(cell.text, width, cell.align or aligns[col]))
    return (" " * GAP).join(parts).rstrip()


def to_text(table: Table, *, section_rules: bool = False) -> str:
    """Lay a table out as aligned fixed-width text in the three-line style.

    Parameters
    ----------
    table : Table
        The table.
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
    rows = _all_rows(table)
    widths = _column_widths(rows, table.ncols, GAP)
    aligns = table.column_align
    total = sum(widths) + GAP * (len(widths) - 1)
    lines = [table.title] if table.title else []
    lines.append("=" * total)
    lines.extend(_text_line(r, widths, aligns) for r in rows[: 1 + len(table.header_rows)])
    lines.append("-" * total)
    for i, section in enumerate(table.sections):
        if section_rules and i > 0:
            lines.append("-" * total)
        lines.extend(_text_line(r, widths, aligns) for r in section.rows)
    lines.append("=" * total)
    for note in table.notes:
        lines.extend(_wrap(note, max(total, 78)) or [""])
    return "\n".join(lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*|<\[\]]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))")


def _md_escape(text: str) -> str:
    """Escape characters Markdown would read as markup (stars, pipes, ...)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _md_paragraph(text: str) -> str:
    """Escape a paragraph, including a start that would open a heading or list."""
    escaped = _md_escape(text)
    match = _MD_BLOCK_START.match(escaped)
    if match is None:
        return escaped
    if match.group(2).isdigit():  # "1. text" would start a numbered list
        end = match.end()
        return escaped[:end] + "\\" + escaped[end:]
    return escaped[: match.start(2)] + "\\" + escaped[match.start(2) :]


def to_markdown(table: Table) -> str:
    """Lay a table out as a GitHub-flavoured Markdown pipe table.

    Parameters
    ----------
    table : Table
        The table.

    Returns
    -------
    str
        The title as a bold line, a blank line, the pipe table (``column_labels``
        as its header, further header rows as its first rows), then each note as
        its own paragraph; ends with a newline. A spanning cell puts its text in
        the first column it covers. Markdown characters in cells are escaped
        (``0.224\\*\\*\\*``) so stars are not read as emphasis.
    """
    rows = [Row.of(r.texts(), role=r.role) for r in _all_rows(table)]  # expand spans
    rows = [Row(tuple(Cell(_md_escape(c.text), c.align) for c in r.cells)) for r in rows]
    widths = _column_widths(rows, table.ncols, 0, minimum=3)
    aligns = table.column_align

    def line(row: Row) -> str:
        return (
            "| "
            + " | ".join(_pad(c.text, w, "left") for c, w in zip(row.cells, widths, strict=True))
            + " |"
        )

    def rule(width: int, align: str) -> str:
        if align == "center":
            return ":" + "-" * (width - 2) + ":"
        if align == "right":
            return "-" * (width - 1) + ":"
        return ":" + "-" * (width - 1)

    lines = [f"**{_md_escape(table.title)}**", ""] if table.title else []
    lines.append(line(rows[0]))
    lines.append("| " + " | ".join(rule(w, a) for w, a in zip(widths, aligns, strict=True)) + " |")
    lines.extend(line(r) for r in rows[1:])
    for note in table.notes:
        lines.extend(["", _md_paragraph(note)])
    return "\n".join(lines) + "\n"


WRITERS: dict[str, Callable[[Table], str]] = {"txt": to_text, "md": to_markdown}
"""Writers by file extension; register a new format by adding an entry."""


def write_table(
    table: Table,
    path_or_stem: str | Path,
    formats: Sequence[str] | None = None,
) -> list[Path]:
    """Write a table to files, one per format.

    Parameters
    ----------
    table : Table
        The table.
    path_or_stem : str or Path
        A file name without extension (``out/table3`` writes ``out/table3.txt``
        and ``out/table3.md``) or with one of the formats' extensions
        (``out/table3.md``). Missing parent folders are created.
    formats : sequence of str, optional
        Keys of :data:`WRITERS`. By default the extension of ``path_or_stem``
        when it names a format, else ``("txt", "md")``.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``. Files are UTF-8 encoded.

    Raises
    ------
    HitexError
        If a format has no writer.
    """
    path = Path(path_or_stem)
    suffix = path.suffix.lstrip(".").lower()
    if suffix in WRITERS:
        stem = path.with_suffix("")
        formats = (suffix,) if formats is None else formats
    else:
        stem = path
        formats = ("txt", "md") if formats is None else formats
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f.lower().lstrip(".") not in WRITERS]
    if unknown:
        raise HitexError(f"no table writer for format(s) {unknown}; available: {sorted(WRITERS)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        key = fmt.lower().lstrip(".")
        target = stem.with_name(f"{stem.name}.{key}")
        atomic_write_text(target, WRITERS[key](table))  # replaces a link, never follows it
        written.append(target)
    return written


__all__ = ["GAP", "WRITERS", "display_width", "to_markdown", "to_text", "write_table"]
