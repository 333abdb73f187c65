"""Text and Markdown layout of tables with Chinese (wide) characters.

A CJK character takes two terminal columns; widths below are counted by hand
with that rule (e.g. "贸易便利化" is 5 x 2 = 10 columns).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from hitex.report.tables import Row, Section, Table, regression_table
from hitex.report.writers import to_markdown, to_text
from tests.report.test_tables import FakeSpec, fake, sp


def width(text: str) -> int:
    """Display width, counted here independently of hitex: W and F take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_text_snapshot_with_chinese_labels() -> None:
    table = Table(
        ("变量", "系数", "N"),
        (
            Section(
                "s",
                (Row.of(["贸易便利化", "0.224***", "1,321"]), Row.of(["人均GDP", "(0.085)", "40"])),
            ),
        ),
        align=("left", "right", "right"),
    )
    # Column widths: max(4, 10, 7) = 10; max(4, 8, 7) = 8; max(1, 5, 2) = 5 -> 10+2+8+2+5 = 27.
    assert to_text(table).splitlines() == [
        "=" * 27,
        "变量" + sp(6 + 2 + 4) + "系数" + sp(2 + 4) + "N",
        "-" * 27,
        "贸易便利化" + sp(2) + "0.224***" + sp(2) + "1,321",
        "人均GDP" + sp(3 + 2 + 1) + "(0.085)" + sp(2 + 3) + "40",
        "=" * 27,
    ]


def _chinese_regression() -> Table:
    spec = FakeSpec(fixed_effects=("country", "year"))
    m1 = fake({"tfi": (0.224, 0.085, 0.009), "gdp": (-1.5, 0.7, 0.04)}, nobs=424, spec=spec)
    m2 = fake({"tfi": (0.268, 0.091, 0.2), "gdp": (0.3, 0.2, 0.5)}, nobs=1321, spec=spec)
    return regression_table(
        [m1, m2],
        titles=["经合组织国家", "非经合组织"],
        labels={"tfi": "贸易便利化指数", "gdp": "人均GDP", "y": "出口额"},
        fe_labels={"country": "国家固定效应", "year": "年份固定效应"},
        stats=(("nobs", "样本量"), ("rsquared", "拟合优度")),
        notes="注：括号内为聚类稳健标准误。" * 8,
    )


def test_chinese_regression_table_lines_up() -> None:
    # Right-align the model columns so that every cell ends where its column ends.
    table = replace(_chinese_regression(), align=("left", "right", "right"))
    lines = to_text(table).splitlines()
    rules = [i for i, line in enumerate(lines) if set(line) in ({"="}, {"-"})]
    total = width(lines[rules[0]])
    assert {width(lines[i]) for i in rules} == {total}
    body = [line for i, line in enumerate(lines[: rules[-1]]) if i > rules[0] and i not in rules]
    assert len(body) == 3 + 4 + 2 + 2  # 3 header rows, 4 coefficient, 2 FE, 2 statistics
    # Every line ends at the rule's width ...
    assert {width(line) for line in body} == {total}
    # ... and every cell of model (1) ends at the same column.
    ends = set()
    for line in body:
        cells = list(re.finditer(r"\S+(?: \S+)*", line))
        inner = [m for m in cells[:-1] if m.start() > 0]  # not the stub, not model (2)
        ends |= {width(line[: m.end()]) for m in inner}
    assert len(ends) == 1
    # The stub column is as wide as its widest label, "贸易便利化指数" (7 x 2 = 14), so
    # "经合组织国家" (12), right-aligned in column (1), starts after 14 + 2 columns.
    stub_gap = width(body[1]) - width(body[1].lstrip())
    assert stub_gap >= 14 + 2


def test_chinese_notes_wrap_by_display_width() -> None:
    lines = to_text(_chinese_regression()).splitlines()
    bottom = max(i for i, line in enumerate(lines) if set(line) == {"="})
    notes = lines[bottom + 1 :]
    assert notes[:2] == [
        "Standard errors in parentheses: Clustered (country).",
        "* p<0.10, ** p<0.05, *** p<0.01.",
    ]
    chinese = notes[2:]
    # 8 x 14 characters = 224 columns: three lines of at most 78 columns (the table is
    # narrower than 78), each as full as the characters allow (78 or 77 columns).
    assert len(chinese) == 3
    assert all(76 < width(line) <= 78 for line in chinese[:-1])
    assert "".join(chinese) == "注：括号内为聚类稳健标准误。" * 8  # nothing lost or added
    assert not any(line.startswith(("。", "：")) for line in chinese)


def test_markdown_with_chinese_labels_lines_up() -> None:
    lines = to_markdown(_chinese_regression()).splitlines()
    rows = [line for line in lines if line.startswith("|")]
    assert len({width(line) for line in rows}) == 1
    bars = {tuple(width(line[:i]) for i, c in enumerate(line) if c == "|") for line in rows}
    assert len(bars) == 1  # every "|" at the same display column in every row
