"""Markdown tables keep every header row in the pipe table's header, and read back."""

from __future__ import annotations

from hitex.report.html_report import table_from_markdown
from hitex.report.labels import depvar_heading, split_depvar_heading
from hitex.report.model import Cell, Row, Section, Table
from hitex.report.writers import to_markdown


def _table(lang: str) -> Table:
    return Table(
        column_labels=("", "(1)", "(2)", "(3)"),
        header_rows=(
            Row((Cell(""), Cell("OECD", span=2), Cell("non-OECD")), role="title"),
            Row((Cell(""), Cell(depvar_heading("高技术出口", lang), span=3)), role="depvar"),
        ),
        sections=(Section("coef", (Row.of(["tfi", "0.2", "0.3", "0.1"]),)),),
        title="Table 2",
    )


def _pipe_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_every_header_row_sits_above_the_rule_line() -> None:
    for lang, word in (("en", "Dependent variable"), ("zh", "被解释变量")):
        head, rule, body = _pipe_lines(to_markdown(_table(lang)))
        cells = [c.strip() for c in head.strip("|").split("|")]
        assert cells == [f"<br><br>{word}", "(1)<br>OECD<br>高技术出口",
                         "(2)<br>OECD<br>高技术出口", "(3)<br>non-OECD<br>高技术出口"]
        assert set(rule) <= set("|:- ")
        assert body.startswith("| tfi ")  # no header text among the body rows


def test_header_rows_and_their_spans_read_back() -> None:
    for lang in ("en", "zh"):
        table = _table(lang)
        back = table_from_markdown(to_markdown(table))
        assert back.column_labels == table.column_labels
        assert [r.cells for r in back.header_rows] == [r.cells for r in table.header_rows]
        assert [r.texts() for r in back.body_rows] == [r.texts() for r in table.body_rows]


def test_escaped_line_breaks_in_user_text_stay_text() -> None:
    table = Table(column_labels=("", "a<br>b"), sections=(Section("s", (Row.of(["x", "1"]),)),),
                  header_rows=(Row.of(["", "t\\"]),))
    back = table_from_markdown(to_markdown(table))
    assert back.column_labels == ("", "a<br>b")
    assert back.header_rows[0].texts() == ("", "t\\")


def test_depvar_heading_splits_back() -> None:
    assert split_depvar_heading(depvar_heading("y", "en")) == ("Dependent variable", "y")
    assert split_depvar_heading(depvar_heading("出口", "zh")) == ("被解释变量", "出口")
    assert split_depvar_heading("Dependent variable: ") is None
    assert split_depvar_heading("Panel A: OECD") is None
