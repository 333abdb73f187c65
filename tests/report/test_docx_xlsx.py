"""Word and Excel tables: reopened with python-docx / openpyxl and checked cell by cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import HitexError
from hitex.report.model import Cell, Row, Section, Table
from hitex.report.xlsx_writer import sheet_names, write_xlsx

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn  # noqa: E402

from hitex.report.docx_writer import write_docx  # noqa: E402


def _toy(title: str = "Baseline", ncols: int = 3) -> Table:
    labels = ["", *(f"({j})" for j in range(1, ncols))]
    return Table(
        column_labels=labels,
        header_rows=(Row((Cell(""), Cell("ln export", span=ncols - 1)), role="depvar"),),
        sections=(
            Section("coef", (Row.of(["x", *["0.224**"] * (ncols - 1)], "coef", "x"),
                             Row.of(["", *["(0.101)"] * (ncols - 1)], "se", "x"))),
            Section("stat", (Row.of(["N", *["424"] * (ncols - 1)], "stat", "nobs"),
                             Row.of(["R2", *["0.151"] * (ncols - 1)], "stat", "r2"))),
        ),
        title=title,
        notes=("Standard errors in parentheses.", "* p<0.10, ** p<0.05, *** p<0.01"),
    )


def _chinese() -> Table:
    return Table(
        column_labels=["", "(1)", "(2)"],
        header_rows=(Row.of(["被解释变量", "高技术出口", "高技术出口"], "depvar"),),
        sections=(Section("coef", (Row.of(["贸易便利化", "0.5***", "0.4**"], "coef", "tfi"),)),
                  Section("fe", (Row.of(["个体固定效应", "是", "是"], "fe", "id"),))),
        title="表 1 基准回归",
        notes=("注：括号内为聚类稳健标准误。",),
    )


@pytest.fixture(scope="module")
def real_table() -> Table:
    rng = np.random.default_rng(3)
    ids, years = np.repeat(np.arange(30), 6), np.tile(np.arange(2010, 2016), 30)
    x = rng.normal(size=ids.size)
    y = 0.5 * x + rng.normal(size=30)[ids] + rng.normal(size=ids.size)
    data = pd.DataFrame({"id": ids, "year": years, "x": x, "y": y})
    fits = [hitex.panel("y ~ x | id", data), hitex.panel("y ~ x | id + year", data)]
    return hitex.regression_table(fits)


def _all_rows(table: Table) -> list[Row]:
    return [Row.of(table.column_labels), *table.header_rows, *table.body_rows]


# ---------------------------------------------------------------- Word


def _borders(cell) -> dict[str, tuple[str | None, str | None]]:
    tcb = cell._tc.tcPr.find(qn("w:tcBorders"))
    return {el.tag.split("}")[1]: (el.get(qn("w:val")), el.get(qn("w:sz"))) for el in tcb}


def test_docx_three_rules_and_no_vertical_lines(tmp_path):
    path = tmp_path / "t.docx"
    table = _toy()
    write_docx(table, path)
    grid = docx.Document(path).tables[0]
    nrows = len(grid.rows)
    assert nrows == 1 + len(table.header_rows) + len(table.body_rows)
    for j in range(table.ncols):
        b = [_borders(grid.rows[i].cells[j]) for i in range(nrows)]
        assert b[0]["top"] == ("single", "12")  # 1.5 pt = 12 eighths
        assert b[1]["bottom"] == ("single", "6")  # 0.75 pt under the last header row
        assert b[-1]["bottom"] == ("single", "12")
        assert b[0]["bottom"][0] == "nil" and b[2]["top"][0] == "nil"
        for i in range(2, nrows - 1):
            assert b[i]["bottom"][0] == "nil"
        for cell in b:
            assert cell["left"][0] == cell["right"][0] == cell["insideV"][0] == "nil"
    tbl_borders = grid._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(el.get(qn("w:val")) == "nil" for el in tbl_borders)


def test_docx_texts_merges_fonts(tmp_path, real_table):
    path = tmp_path / "real.docx"
    write_docx([real_table, _chinese()], path, lang="zh")
    doc = docx.Document(path)
    for table, grid in zip([real_table, _chinese()], doc.tables, strict=True):
        for row, drow in zip(_all_rows(table), grid.rows, strict=True):
            for start, cell in row.positions():
                assert drow.cells[start].text == cell.text
                if cell.span > 1:  # a merged cell: the same cell object over its columns
                    assert drow.cells[start + cell.span - 1]._tc is drow.cells[start]._tc
    fonts = doc.element.body.findall(".//" + qn("w:rFonts"))
    assert fonts and all(f.get(qn("w:eastAsia")) == "SimSun" for f in fonts)
    assert all(f.get(qn("w:ascii")) == "Times New Roman" for f in fonts)
    texts = [p.text for p in doc.paragraphs]
    assert "表 1 基准回归" in texts and "注：括号内为聚类稳健标准误。" in texts


def test_docx_several_tables_in_order_and_landscape(tmp_path):
    path = tmp_path / "study.docx"
    tables = [_toy("First"), _toy("Wide", ncols=9), _toy("Third")]
    write_docx(tables, path)
    doc = docx.Document(path)
    assert [p.text for p in doc.paragraphs if p.text in ("First", "Wide", "Third")] == [
        "First", "Wide", "Third"]
    assert [len(t.columns) for t in doc.tables] == [3, 9, 3]
    orient = [s.orientation for s in doc.sections]
    from docx.enum.section import WD_ORIENT
    assert orient == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert doc.sections[1].page_width > doc.sections[1].page_height
    write_docx(_toy(), path, landscape=True)
    assert docx.Document(path).sections[0].orientation == WD_ORIENT.LANDSCAPE


@pytest.mark.parametrize("kwargs", [{"lang": "fr"}, {"landscape": "yes"}])
def test_docx_bad_options(tmp_path, kwargs):
    with pytest.raises(HitexError):
        write_docx(_toy(), tmp_path / "x.docx", **kwargs)


def test_docx_refuses_non_tables(tmp_path):
    with pytest.raises(HitexError, match="Table"):
        write_docx([], tmp_path / "x.docx")


# ---------------------------------------------------------------- Excel


def _style(side) -> str | None:
    return None if side is None else side.style


def test_xlsx_layout_borders_merges_numbers(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    table = _toy()
    assert write_xlsx(table, path) == ["Baseline"]
    ws = load_workbook(path)["Baseline"]
    assert ws["A1"].value == "Baseline"
    assert [ws.cell(2, j).value for j in (1, 2, 3)] == [None, "(1)", "(2)"]
    assert [str(r) for r in ws.merged_cells.ranges] == ["B3:C3"]
    assert ws["B3"].value == "ln export"
    for j in (1, 2, 3):
        assert ws.cell(2, j).border.top.style == "medium"
        assert ws.cell(3, j).border.bottom.style == "thin"
        assert ws.cell(7, j).border.bottom.style == "medium"
        for i in (4, 5, 6):
            border = ws.cell(i, j).border
            assert _style(border.top) is None and _style(border.bottom) is None
        for i in range(2, 8):  # no vertical line anywhere
            assert _style(ws.cell(i, j).border.left) is _style(ws.cell(i, j).border.right) is None
    assert ws["B4"].value == "0.224**" and ws["B5"].value == "(0.101)"
    assert ws["B6"].value == 424 and isinstance(ws["B6"].value, int)
    assert ws["B7"].value == pytest.approx(0.151) and isinstance(ws["B7"].value, float)
    assert ws["A8"].value == "Standard errors in parentheses."


def test_xlsx_real_and_chinese_cells(tmp_path, real_table):
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    names = write_xlsx([real_table, _chinese()], path)
    wb = load_workbook(path)
    for name, table in zip(names, [real_table, _chinese()], strict=True):
        ws = wb[name]
        first = 2 if table.title else 1
        for i, row in enumerate(_all_rows(table)):
            for j, text in enumerate(row.texts()):
                value = ws.cell(first + i, j + 1).value
                if isinstance(value, (int, float)):
                    assert value == pytest.approx(float(text))
                else:
                    assert (value or "") == text
    assert wb[names[1]]["A3"].value == "被解释变量"


def test_sheet_names_unique_short_clean():
    long = "A very long title: exports [2010-2020] / high-tech? *"
    names = sheet_names([_toy(long), _toy(long), _toy("results"), Table(["", "a"], ())],
                        reserved=("results",))
    assert len(set(n.lower() for n in names)) == 4
    assert all(len(n) <= 31 and not set("[]:*?/\\") & set(n) for n in names)
    assert names[1].endswith(" (2)") and names[2] == "results (2)" and names[3] == "Table 4"


def test_xlsx_tidy_sheet(tmp_path):
    from openpyxl import load_workbook

    tidy = pd.DataFrame({"table": ["t1"], "column": ["(1)"], "term": ["x"], "estimate": [0.5],
                         "std_error": [0.1], "statistic": [5.0], "p_value": [1e-6],
                         "conf_low": [0.3], "conf_high": [0.7], "nobs": [np.int64(180)]})
    path = tmp_path / "t.xlsx"
    assert write_xlsx(_toy(), path, tidy=tidy)[-1] == "results"
    rows = list(load_workbook(path)["results"].values)
    assert list(rows[0]) == list(tidy.columns)
    assert rows[1] == ("t1", "(1)", "x", 0.5, 0.1, 5.0, 1e-6, 0.3, 0.7, 180)
    with pytest.raises(HitexError, match="nobs"):
        write_xlsx(_toy(), path, tidy=tidy.drop(columns="nobs"))
    with pytest.raises(HitexError, match="DataFrame"):
        write_xlsx(_toy(), path, tidy=[1])
