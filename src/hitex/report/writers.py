"""Writers that lay a :class:`~hitex.report.model.Table` out as text.

Each writer is a function ``Table -> str`` registered in :data:`WRITERS` under
its file extension; adding a format (LaTeX, HTML, ...) means adding one function
and one registry entry. :func:`write_table` writes a table in several formats.

- :func:`to_text` -- fixed-width "three-line" table: a rule above the header,
  one below it and one at the bottom, notes underneath (laid out by
  :mod:`hitex.report.text_layout`, which ``str(table)`` also uses; re-exported
  here with :data:`GAP` and :func:`display_width`).
- :func:`to_markdown` -- a GitHub pipe table with the title in bold above and
  the notes below; every header row is a line of the pipe table's header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from hitex.errors import HitexError
from hitex.fileio import atomic_write_text
from hitex.report.labels import split_depvar_heading
from hitex.report.model import Cell, Row, Table
from hitex.report.text_layout import GAP, column_widths, display_width, pad, to_text

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


MD_LINE_BREAK = "<br>"
"""What separates the lines of a Markdown header cell (one line per header row)."""


def _header_texts(row: Row, ncols: int) -> list[str]:
    """One text per column of a header row, for a format without spanning cells.

    A cell spanning several columns gives its text to each column it covers,
    except a "Dependent variable: y" heading over every model column: its word
    goes to the (empty) stub column and the variable to each column.
    """
    texts = [""] * ncols
    for start, cell in row.positions():
        split = split_depvar_heading(cell.text) if cell.span > 1 else None
        if split is not None and start == 1 and not texts[0]:
            texts[0], text = split
        else:
            text = cell.text
        for col in range(start, start + cell.span):
            texts[col] = text
    return texts


def to_markdown(table: Table) -> str:
    """Lay a table out as a GitHub-flavoured Markdown pipe table.

    Parameters
    ----------
    table : Table
        The table.

    Returns
    -------
    str
        The title as a bold line, a blank line, the pipe table, then each note as
        its own paragraph; ends with a newline. Every header row (the column
        labels, model titles, the dependent variable) is a line of the pipe
        table's one header row: the lines of a header cell are joined by
        ``<br>`` (:data:`MD_LINE_BREAK`), which GitHub and pandoc show as line
        breaks, so the header stays above the rule line. Markdown has no
        spanning cells: a spanning header cell is repeated in each column it
        covers, and a "Dependent variable: y" heading over all model columns
        puts "Dependent variable" in the stub column and ``y`` in each column.
        A spanning body cell puts its text in the first column it covers.
        Markdown characters in cells are escaped (``0.224\\*\\*\\*``) so stars
        are not read as emphasis; ``<`` is escaped, so the only raw ``<br>`` are
        the line breaks.
    """
    n = table.ncols
    head_rows = [Row.of(table.column_labels, role="header"), *table.header_rows]
    lines_by_col = list(zip(*(_header_texts(r, n) for r in head_rows), strict=True))
    header = Row(tuple(Cell(MD_LINE_BREAK.join(_md_escape(t) for t in col))
                       for col in lines_by_col), role="header")
    body = [Row.of(r.texts(), role=r.role) for r in table.body_rows]  # expand spans
    body = [Row(tuple(Cell(_md_escape(c.text), c.align) for c in r.cells)) for r in body]
    rows = [header, *body]
    widths = column_widths([r.positions() for r in rows], n, 0, minimum=3)
    aligns = table.column_align

    def line(row: Row) -> str:
        return (
            "| "
            + " | ".join(pad(c.text, w, "left") for c, w in zip(row.cells, widths, strict=True))
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


def _html(table: Table) -> str:
    from hitex.report.html_table import to_html

    return to_html(table)


def _latex(table: Table) -> str:
    from hitex.report.latex import to_latex

    return to_latex(table)


WRITERS: dict[str, Callable[[Table], str]] = {"txt": to_text, "md": to_markdown, "html": _html,
                                              "tex": _latex}
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


__all__ = ["GAP", "MD_LINE_BREAK", "WRITERS", "display_width", "to_markdown", "to_text", "write_table"]
