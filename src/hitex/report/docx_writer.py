"""Word output of :class:`~hitex.report.model.Table`: journal three-line tables.

:func:`write_docx` writes one or several tables into one ``.docx`` document, in
order, each with its title above and its notes below. Each table has a 1.5 pt
rule above the header, a 0.75 pt rule under the header rows and a 1.5 pt rule
at the bottom, and no other line (the layout of ``esttab ... using x.rtf`` and
of the three-line tables Chinese journals ask for). Borders are set in the
cell XML (``w:tcBorders``), which python-docx has no API for.

Fonts: Times New Roman for Latin text and SimSun (宋体) as the east-Asian font
(``w:rFonts w:eastAsia``); body 10.5 pt (五号), notes 9 pt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from hitex.errors import HitexError
from hitex.fileio import atomic_path
from hitex.report.model import Row, Table

__all__ = ["write_docx"]

_LATIN = "Times New Roman"
_EAST_ASIA = "SimSun"
_BODY_PT = 10.5
_NOTE_PT = 9.0
_THICK = 12  # eighths of a point: 1.5 pt
_THIN = 6  # 0.75 pt
_WIDE = 7
_LANDSCAPE = ("auto", True, False)


def _font(run, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = _LATIN
    run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), _LATIN)
    fonts.set(qn("w:eastAsia"), _EAST_ASIA)


def _paragraph(container, text: str, size: float, align=None, bold: bool = False):
    par = container.add_paragraph()
    if align is not None:
        par.alignment = align
    run = par.add_run(text)
    run.bold = bold
    _font(run, size)
    return par


def _borders(cell, top: int | None, bottom: int | None) -> None:
    """Set the cell's borders: the given rules, every other side none."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:tcBorders")):
        tcpr.remove(old)
    borders = OxmlElement("w:tcBorders")
    for side, size in (("top", top), ("left", None), ("bottom", bottom), ("right", None),
                       ("insideH", None), ("insideV", None)):
        el = OxmlElement(f"w:{side}")
        if size is None:
            el.set(qn("w:val"), "nil")
        else:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tcpr.append(borders)


def _no_table_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _is_wide(table: Table, landscape, lang: str) -> bool:
    # Chinese labels are wider per character, so a zh table turns one column sooner.
    limit = _WIDE - 1 if lang == "zh" else _WIDE
    return table.ncols > limit if landscape == "auto" else bool(landscape)


def _add_table(doc, table: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
              "right": WD_ALIGN_PARAGRAPH.RIGHT}
    if table.title:
        _paragraph(doc, table.title, _BODY_PT, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    header = [Row.of(table.column_labels, role="header"), *table.header_rows]
    rows = [*header, *table.body_rows]
    grid = doc.add_table(rows=len(rows), cols=table.ncols)
    _no_table_borders(grid)
    col_align = table.column_align
    last = len(rows) - 1
    for i, row in enumerate(rows):
        top = _THICK if i == 0 else None
        bottom = _THIN if i == len(header) - 1 else (_THICK if i == last else None)
        for start, cell in row.positions():
            target = grid.cell(i, start)
            if cell.span > 1:
                target = target.merge(grid.cell(i, start + cell.span - 1))
            align = cell.align or ("center" if cell.span > 1 else col_align[start])
            par = target.paragraphs[0]
            par.alignment = aligns[align]
            _font(par.add_run(cell.text), _BODY_PT)
        for j in range(table.ncols):
            _borders(grid.cell(i, j), top, bottom)
    for note in table.notes:
        _paragraph(doc, note, _NOTE_PT, WD_ALIGN_PARAGRAPH.LEFT)


def write_docx(
    tables: Table | Sequence[Table],
    path: str | os.PathLike[str],
    *,
    lang: str = "en",
    landscape: bool | str = "auto",
) -> None:
    """Write tables to a Word document as journal three-line tables.

    Parameters
    ----------
    tables : Table or sequence of Table
        The tables, written in order into one document.
    path : path-like
        The ``.docx`` file; written atomically (:func:`hitex.fileio.atomic_path`).
    lang : {"en", "zh"}
        Language of the tables' wording; both use the same fonts (Times New
        Roman, SimSun for Chinese), and ``"zh"`` puts every table on a
        landscape section when ``landscape="auto"`` and it has more than 6 columns.
    landscape : {"auto", True, False}
        ``"auto"``: a table of more than 7 columns goes on a landscape section;
        True / False: every table landscape / portrait.

    Raises
    ------
    HitexError
        If ``tables`` holds something else than tables or is empty, or
        ``lang`` / ``landscape`` is not one of the values above.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION

    given = [tables] if isinstance(tables, Table) else list(tables)
    if not given or not all(isinstance(t, Table) for t in given):
        raise HitexError("tables must be a Table or a non-empty sequence of Tables")
    if lang not in ("en", "zh"):
        raise HitexError(f"lang must be 'en' or 'zh', got {lang!r}")
    if landscape not in _LANDSCAPE:
        raise HitexError(f"landscape must be 'auto', True or False, got {landscape!r}")
    doc = Document()
    for i, table in enumerate(given):
        wide = _is_wide(table, landscape, lang)
        section = doc.sections[0] if i == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        portrait_w, portrait_h = sorted((section.page_width, section.page_height))
        section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (
            (portrait_h, portrait_w) if wide else (portrait_w, portrait_h))
        _add_table(doc, table)
    with atomic_path(path, suffix=".docx") as tmp:
        doc.save(tmp)
