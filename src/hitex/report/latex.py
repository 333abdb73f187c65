"""LaTeX output of a :class:`~hitex.report.model.Table`: a booktabs three-line table.

:func:`to_latex` writes one table (``\\toprule`` above the header, ``\\midrule``
below it, ``\\bottomrule`` at the end, no vertical rules), the way ``esttab,
booktabs`` (Stata) and ``etable(tex = TRUE, style.tex = style.tex("aer"))``
(fixest) lay regression tables out; :func:`latex_document` wraps one or several
tables into a complete document that compiles as it is.

Conventions
-----------
- Every string of the table is escaped for text mode: ``& % $ # _ { } ~ ^ \\``
  and also ``< > |`` (which the default OT1 font encoding prints as other
  glyphs) and ``[ ]`` (which a ``\\\\`` or ``\\midrule`` before them would read
  as an optional argument). A line break inside a cell becomes a space.
- Header cells that span several columns become ``\\multicolumn`` cells with
  a ``\\cmidrule(lr)`` under them; ``multirow`` is never used.
- The title is the ``\\caption``, above the table; the notes are the
  ``tablenotes`` of a ``threeparttable``, so they wrap at the table's width.
- Chinese (or any CJK) text is written as it is, in UTF-8: it needs xelatex or
  lualatex with ``ctex`` (or ``xeCJK``); ``latex_document(..., lang="zh")``
  loads ``ctex``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hitex.errors import HitexError
from hitex.report.model import Cell, Row, Table

__all__ = ["latex_document", "latex_escape", "to_latex"]

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "[": "{[}",
    "]": "{]}",
    "\n": " ",
    "\r": "",
}
_SPECIAL = re.compile("|".join(re.escape(c) for c in _ESCAPES))

_ALIGN_LETTER = {"left": "l", "center": "c", "right": "r"}

# A number as hitex's formatters write it, with the affixes of a regression table:
# an opening bracket, the number, a closing bracket, then significance stars.
_NUMBER = re.compile(
    r"^(?P<pre>[(\[]?)(?P<num>-?(?P<int>\d+)(?:\.(?P<dec>\d+))?(?:[eE](?P<exp>[-+]?\d+))?)"
    r"(?P<post>[)\]]?\**)$"
)

# Characters of the CJK blocks (ideographs, kana, hangul, full-width forms, punctuation).
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
_LABEL = re.compile(r"^[A-Za-z0-9:._/+-]+$")
_LANGS = ("en", "zh")


def latex_escape(text: str) -> str:
    """Escape a string for LaTeX text mode.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The text with ``& % $ # _ { }`` backslashed, ``~ ^ \\ < > |`` replaced by
        their text-mode commands (``\\textasciitilde{}`` ...), ``[ ]`` braced and
        line breaks turned into spaces, in one pass (an escape is never escaped
        again). Other characters, Chinese included, are left as they are.
    """
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], str(text))


@dataclass(frozen=True)
class _Format:
    """siunitx ``table-format`` and affix spaces of one decimal-aligned column."""

    sign: bool
    int_digits: int
    decimals: int
    exp_digits: int
    pre: str
    post: str

    def spec(self) -> str:
        options = [
            "table-format="
            + ("-" if self.sign else "")
            + f"{self.int_digits}.{self.decimals}"
            + (f"e-{self.exp_digits}" if self.exp_digits else "")
        ]
        if self.pre:
            options.append("table-align-text-before=false")
            options.append(f"table-space-text-pre={{{self.pre}}}")
        if self.post:
            options.append("table-align-text-after=false")
            options.append(f"table-space-text-post={{{self.post}}}")
        return "S[" + ", ".join(options) + "]"


def _column_format(texts: Iterable[str]) -> _Format | None:
    """The format of a column's numbers, or None when no cell is a number."""
    matches = [m for t in texts if (m := _NUMBER.match(t.strip())) is not None]
    if not matches:
        return None
    return _Format(
        sign=any(m.group("num").startswith("-") for m in matches),
        int_digits=max(len(m.group("int")) for m in matches),
        decimals=max(len(m.group("dec") or "") for m in matches),
        exp_digits=max(len((m.group("exp") or "").lstrip("+-")) for m in matches),
        pre=max((m.group("pre") for m in matches), key=len),
        post=max((m.group("post") for m in matches), key=len),
    )


def _s_cell(text: str) -> str:
    """A body cell of an S column: a number with braced affixes, else braced text."""
    stripped = text.strip()
    if not stripped:
        return ""
    match = _NUMBER.match(stripped)
    if match is None:
        return "{" + latex_escape(stripped) + "}"
    pre, post = match.group("pre"), match.group("post")
    return (
        # The affixes are brackets and stars only, safe as they are inside braces.
        (f"{{{pre}}}" if pre else "")
        + match.group("num")
        + (f"{{{post}}}" if post else "")
    )


def _check_label(label: str | None) -> None:
    if label is not None and not _LABEL.match(label):
        raise HitexError(
            f"label={label!r} cannot be a LaTeX label; use letters, digits and : . _ / + - "
            "only (e.g. label='tab:baseline')"
        )


def _row_line(
    row: Row,
    aligns: Sequence[str],
    s_columns: Sequence[bool],
    header: bool,
) -> str:
    """One tabular row, ending in ``\\\\``."""
    parts = []
    for start, cell in row.positions():
        parts.append(_cell(cell, start, aligns, s_columns, header))
    if parts[0].startswith("*"):  # "\\*" would be read as a starred line break
        parts[0] = "{}" + parts[0]
    return " & ".join(parts) + r" \\"


def _cell(
    cell: Cell,
    start: int,
    aligns: Sequence[str],
    s_columns: Sequence[bool],
    header: bool,
) -> str:
    letter = _ALIGN_LETTER[cell.align or aligns[start]]
    if cell.span > 1:
        # Spanning header cells are centred over their columns unless the cell says otherwise.
        letter = _ALIGN_LETTER[cell.align or ("center" if header else aligns[start])]
        return rf"\multicolumn{{{cell.span}}}{{{letter}}}{{{latex_escape(cell.text)}}}"
    if s_columns[start]:
        if header:
            text = latex_escape(cell.text)
            return rf"\multicolumn{{1}}{{{letter}}}{{{text}}}" if text else ""
        return _s_cell(cell.text)
    text = latex_escape(cell.text)
    if cell.align is not None and cell.align != aligns[start]:
        return rf"\multicolumn{{1}}{{{letter}}}{{{text}}}"
    return text


def _cmidrules(row: Row) -> str:
    """``\\cmidrule`` under each labelled spanning cell of a header row ("" if none)."""
    rules = [
        rf"\cmidrule(lr){{{start + 1}-{start + cell.span}}}"
        for start, cell in row.positions()
        if cell.span > 1 and cell.text.strip()
    ]
    return " ".join(rules)


def to_latex(
    table: Table,
    *,
    decimal_align: bool = False,
    float_env: bool = True,
    label: str | None = None,
    landscape: bool = False,
) -> str:
    """Lay a table out as a LaTeX booktabs three-line table.

    Parameters
    ----------
    table : Table
        The table.
    decimal_align : bool
        Align the numbers of each column on the decimal point with siunitx
        ``S`` columns. A number cell may carry an opening ``(`` or ``[``
        before and a closing bracket and stars after it (``0.500***``,
        ``(0.181)``): the affixes are written in braces (``0.500{***}``,
        ``{(}0.181{)}``) so siunitx prints them as text outside the number, and
        the column reserves room for the longest ones (by number of characters)
        (``table-space-text-pre``/``-post``) so that the decimal points line
        up whatever the stars. ``table-format`` is worked out from the
        column's numbers (sign, digits, decimals, exponent). Any other body
        cell (``Yes``, ``1,234``, words) is braced and so set as text, centred
        and not aligned; header cells become ``\\multicolumn{1}{c}{...}``.
        Columns with no number keep their alignment letter. siunitx prints
        the numbers in its own way: a true minus sign, and ``-2.31e-05`` as
        :math:`-2.31\\times 10^{-5}`. The affixes sit
        next to the number (``table-align-text-before/after=false``). Needs
        ``\\usepackage{siunitx}`` version 3 or later (TeX Live 2021 on).
    float_env : bool
        Wrap the table in ``\\begin{table}[htbp]`` ... ``\\end{table}``. When
        false the result is the ``threeparttable`` alone, to ``\\input`` inside
        a float of the document (its ``\\caption`` and ``\\label`` work there).
    label : str, optional
        A ``\\label`` after the caption (``"tab:baseline"``).
    landscape : bool
        Put the table on a landscape page (``pdflscape``'s ``landscape``
        environment, which rotates the page in the PDF viewer too).

    Returns
    -------
    str
        LaTeX code ending with a newline: ``\\caption`` (the title) above the
        table, ``\\toprule``, the header rows (``column_labels`` first) with a
        ``\\cmidrule(lr)`` under each labelled spanning cell, ``\\midrule``, the
        sections separated by ``\\addlinespace``, ``\\bottomrule``, then the
        notes as ``tablenotes``, one ``\\item[]`` each. Every string is escaped
        by :func:`latex_escape`. Needs ``booktabs`` and ``threeparttable``
        (and ``siunitx``, ``pdflscape`` as said above); :func:`latex_document`
        loads them. Chinese text needs xelatex or lualatex with ``ctex`` (or
        ``xeCJK``).

    Raises
    ------
    HitexError
        If ``label`` has characters a LaTeX label cannot hold.
    """
    _check_label(label)
    aligns = table.column_align
    n = table.ncols
    header_rows = [Row.of(table.column_labels, role="header"), *table.header_rows]
    s_columns = [False] * n
    spec = []
    for j in range(n):
        fmt = None
        if decimal_align and j > 0:
            texts = [
                c.text for row in table.body_rows for start, c in row.positions()
                if start == j and c.span == 1
            ]
            fmt = _column_format(texts)
        s_columns[j] = fmt is not None
        spec.append(fmt.spec() if fmt is not None else _ALIGN_LETTER[aligns[j]])

    lines = []
    if float_env:
        lines += [r"\begin{table}[htbp]", r"\centering"]
    lines.append(r"\begin{threeparttable}")
    if table.title:
        lines.append(rf"\caption{{{latex_escape(table.title)}}}")
    if label is not None:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\begin{tabular}{" + "".join(spec) + "}")
    lines.append(r"\toprule")
    for row in header_rows:
        lines.append(_row_line(row, aligns, s_columns, header=True))
        rules = _cmidrules(row)
        if rules:
            lines.append(rules)
    lines.append(r"\midrule")
    sections = [s for s in table.sections if s.rows]
    for i, section in enumerate(sections):
        if i:
            lines.append(r"\addlinespace")
        lines += [_row_line(row, aligns, s_columns, header=False) for row in section.rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if table.notes:
        lines += [r"\begin{tablenotes}[flushleft]", r"\footnotesize"]
        lines += [rf"\item[] {latex_escape(note)}" for note in table.notes]
        lines.append(r"\end{tablenotes}")
    lines.append(r"\end{threeparttable}")
    if float_env:
        lines.append(r"\end{table}")
    if landscape:
        lines = [r"\begin{landscape}", *lines, r"\end{landscape}"]
    return "\n".join(lines) + "\n"


def _has_cjk(table: Table) -> bool:
    texts = [
        table.title or "", *table.column_labels, *table.notes,
        *(c.text for row in (*table.header_rows, *table.body_rows) for c in row.cells),
    ]
    return any(_CJK.search(t) for t in texts)


def latex_document(
    tables: Table | Sequence[Table],
    *,
    lang: str = "en",
    decimal_align: bool = False,
    landscape: bool = False,
) -> str:
    """A complete LaTeX document holding one or several tables.

    Parameters
    ----------
    tables : Table or sequence of Table
        The tables, each laid out by :func:`to_latex` in its own float, labelled
        ``tab:1``, ``tab:2``, ...
    lang : {"en", "zh"}
        ``"en"``: ``article`` with ``fontenc`` T1, compiles with pdflatex (or
        xelatex/lualatex). ``"zh"``: also loads ``ctex`` (UTF-8, the fonts
        ctex picks for the system), compiles with xelatex or lualatex only.
    decimal_align, landscape : bool
        Passed to :func:`to_latex` for every table; they add ``siunitx`` and
        ``pdflscape`` to the preamble.

    Returns
    -------
    str
        The document: ``\\documentclass{article}``, the packages the tables
        need (``booktabs``, ``threeparttable``, and ``siunitx``, ``pdflscape``,
        ``ctex`` when used), then the tables one after the other.

    Raises
    ------
    HitexError
        If ``lang`` is not one of the above, ``tables`` is empty or holds
        something else than tables, or a table has Chinese (CJK) text while
        ``lang="en"`` (pdflatex cannot set it: pass ``lang="zh"``).
    """
    given = [tables] if isinstance(tables, Table) else list(tables)
    if lang not in _LANGS:
        raise HitexError(f"lang must be one of {list(_LANGS)}, got {lang!r}")
    if not given or not all(isinstance(t, Table) for t in given):
        kinds = sorted({type(t).__name__ for t in given})
        raise HitexError(
            f"tables must be a Table or a non-empty sequence of Tables, got {kinds or 'nothing'}"
        )
    if lang == "en":
        cjk = [i + 1 for i, t in enumerate(given) if _has_cjk(t)]
        if cjk:
            raise HitexError(
                f"table(s) {cjk} have Chinese text, which pdflatex cannot set; "
                "use latex_document(..., lang='zh') and compile with xelatex or lualatex"
            )
    preamble = [r"\documentclass{article}"]
    if lang == "zh":
        preamble.append(r"\usepackage[UTF8]{ctex}")
    else:
        preamble += [r"\usepackage[T1]{fontenc}", r"\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}"]
    preamble += [r"\usepackage{booktabs}", r"\usepackage{threeparttable}"]
    if decimal_align:
        preamble.append(r"\usepackage{siunitx}")
    if landscape:
        preamble.append(r"\usepackage{pdflscape}")
    body = [
        to_latex(t, decimal_align=decimal_align, label=f"tab:{i}", landscape=landscape)
        for i, t in enumerate(given, start=1)
    ]
    return "\n".join([*preamble, "", r"\begin{document}", "", *body, r"\end{document}"]) + "\n"
