"""Tests of the LaTeX writer: the booktabs layout, escaping, spans, notes, decimal
alignment, and documents that a LaTeX engine compiles without error.

Expected strings are written out by hand from LaTeX's rules (which characters
are special in text mode, what booktabs/siunitx/threeparttable expect); the
compile tests use pdflatex and xelatex as the independent judge and are skipped
with the reason when the engine or a package is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import HitexError
from hitex.report.latex import latex_document, latex_escape, to_latex
from hitex.report.model import Cell, Row, Section, Table


# --------------------------------------------------------------------------- tables
def small_table(**kwargs) -> Table:
    """Two models under one spanning group header, a coefficient, an FE and a stat."""
    base = {
        "column_labels": ("", "(1)", "(2)", "(3)"),
        "header_rows": (
            Row((Cell(""), Cell("OECD", span=2), Cell("Other")), role="title"),
        ),
        "sections": (
            Section(
                "coefficients",
                (
                    Row.of(["tariff", "0.500***", "-0.25*", "1.5"], role="coef", key="tariff"),
                    Row.of(["", "(0.181)", "(0.100)", "(12.75)"], role="se", key="tariff"),
                ),
            ),
            Section("fixed_effects", (Row.of(["year FE", "Yes", "No", "Yes"], role="fe"),)),
            Section("statistics", (Row.of(["N", "1,234", "60", "7"], role="stat"),)),
        ),
        "title": "Baseline",
        "notes": ("Standard errors in parentheses.", "* p<0.10, ** p<0.05, *** p<0.01."),
    }
    base.update(kwargs)
    return Table(**base)


@pytest.fixture(scope="module")
def panel_table() -> Table:
    """A regression table of two hitex.panel fits: title, depvar, coef, se, fe and stat rows."""
    rng = np.random.default_rng(7)
    n = 80
    df = pd.DataFrame(
        {"country": np.repeat(list("ABCDEFGH"), 10), "year": np.tile(range(2010, 2020), 8)}
    )
    df["tariff_cut"] = rng.normal(size=n)
    df["rd_share"] = rng.normal(size=n)
    df["hx_share"] = 0.5 * df["tariff_cut"] + rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few clusters: the warning becomes a note
        m1 = hitex.panel("hx_share ~ tariff_cut | country + year", df, vcov={"CRV1": "country"})
        m2 = hitex.panel("hx_share ~ tariff_cut + rd_share | country", df, vcov="hetero")
    return hitex.regression_table(
        [m1, m2],
        titles=["Base", "R&D"],
        title="High-tech exports & tariffs",
        labels={"rd_share": "R&D share (%)"},
    )


def lines_of(tex: str) -> list[str]:
    return tex.splitlines()


# --------------------------------------------------------------------------- escaping
@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("\\", r"\textbackslash{}"),
        ("<", r"\textless{}"),
        (">", r"\textgreater{}"),
        ("|", r"\textbar{}"),
        ("[", "{[}"),
        ("]", "{]}"),
        ("a\nb", "a b"),
        ("R&D_share 50%", r"R\&D\_share 50\%"),
        ("高技术出口", "高技术出口"),
        ("0.500***", "0.500***"),
    ],
)
def test_latex_escape_each_special_character(raw: str, escaped: str) -> None:
    assert latex_escape(raw) == escaped


def test_escape_is_one_pass() -> None:
    # The braces added by \textbackslash{} must not be escaped again into \{\}.
    assert latex_escape("\\&{") == r"\textbackslash{}\&\{"
    assert latex_escape("~^") == r"\textasciitilde{}\textasciicircum{}"


def test_every_user_string_is_escaped() -> None:
    nasty = "a&b%c$d#e_f{g}h~i^j\\k<l>m|n"
    expected = (
        r"a\&b\%c\$d\#e\_f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}k"
        r"\textless{}l\textgreater{}m\textbar{}n"
    )
    table = Table(
        column_labels=("", nasty),
        header_rows=(Row.of([nasty, nasty], role="title"),),
        sections=(Section("body", (Row.of([nasty, nasty]),)),),
        title=nasty,
        notes=(nasty,),
    )
    tex = to_latex(table)
    assert rf"\caption{{{expected}}}" in tex
    assert rf" & {expected} \\" in tex  # column label
    assert rf"{expected} & {expected} \\" in tex  # header and body rows
    assert rf"\item[] {expected}" in tex
    # Nothing of the raw string survives unescaped.
    assert "b%c" not in tex and "e_f" not in tex and "m|n" not in tex


# --------------------------------------------------------------------------- layout
def test_booktabs_three_rules_in_order_and_no_vertical_rules() -> None:
    tex = to_latex(small_table())
    lines = lines_of(tex)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert lines.count(rule) == 1, rule
    assert lines.index(r"\toprule") < lines.index(r"\midrule") < lines.index(r"\bottomrule")
    assert r"\hline" not in tex
    assert r"\begin{tabular}{lccc}" in lines
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}", tex).group(1)
    assert "|" not in spec


def test_header_rows_above_midrule_body_below() -> None:
    lines = lines_of(to_latex(small_table()))
    mid = lines.index(r"\midrule")
    assert lines[lines.index(r"\toprule") + 1] == r" & (1) & (2) & (3) \\"
    assert lines.index(r" & \multicolumn{2}{c}{OECD} & Other \\") < mid
    assert lines.index(r"tariff & 0.500*** & -0.25* & 1.5 \\") > mid
    assert lines[lines.index(r"\bottomrule") - 1] == r"N & 1,234 & 60 & 7 \\"
    # Sections are set apart by space, not by more rules.
    assert lines.count(r"\addlinespace") == 2


def test_multicolumn_span_and_cmidrule_under_the_group() -> None:
    lines = lines_of(to_latex(small_table()))
    row = lines.index(r" & \multicolumn{2}{c}{OECD} & Other \\")
    # The group covers table columns 2 and 3 (1-based, the stub is column 1).
    assert lines[row + 1] == r"\cmidrule(lr){2-3}"
    assert sum(line.startswith(r"\cmidrule") for line in lines) == 1


def test_cmidrule_for_each_group_and_none_for_blank_spans() -> None:
    header = Row(
        (Cell(""), Cell("A", span=2), Cell("", span=2), Cell("B", span=2)), role="title"
    )
    table = Table(
        column_labels=("", *(f"({i})" for i in range(1, 7))),
        header_rows=(header,),
        sections=(Section("body", (Row.of(["x", *"123456"]),)),),
    )
    tex = to_latex(table)
    assert r"\cmidrule(lr){2-3} \cmidrule(lr){6-7}" in lines_of(tex)
    assert r" & \multicolumn{2}{c}{A} & \multicolumn{2}{c}{} & \multicolumn{2}{c}{B} \\" in tex


def test_caption_above_and_notes_in_threeparttable_below() -> None:
    lines = lines_of(to_latex(small_table(), label="tab:base"))
    assert lines[:5] == [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\begin{threeparttable}",
        r"\caption{Baseline}",
        r"\label{tab:base}",
    ]
    end_tabular = lines.index(r"\end{tabular}")
    assert lines[end_tabular + 1 :] == [
        r"\begin{tablenotes}[flushleft]",
        r"\footnotesize",
        r"\item[] Standard errors in parentheses.",
        r"\item[] * p\textless{}0.10, ** p\textless{}0.05, *** p\textless{}0.01.",
        r"\end{tablenotes}",
        r"\end{threeparttable}",
        r"\end{table}",
    ]


def test_no_title_no_notes_no_float_landscape() -> None:
    table = small_table(title=None, notes=())
    tex = to_latex(table, float_env=False)
    assert r"\caption" not in tex and "tablenotes" not in tex and r"\begin{table}" not in tex
    assert tex.startswith(r"\begin{threeparttable}") and tex.endswith("\\end{threeparttable}\n")
    wide = lines_of(to_latex(table, landscape=True))
    assert wide[0] == r"\begin{landscape}" and wide[1] == r"\begin{table}[htbp]"
    assert wide[-1] == r"\end{landscape}"


def test_column_alignment_and_cell_override() -> None:
    table = Table(
        column_labels=("", "a", "b"),
        sections=(Section("body", (Row((Cell("x"), Cell("1", align="left"), Cell("2"))),)),),
        align=("left", "right", "right"),
    )
    tex = to_latex(table)
    assert r"\begin{tabular}{lrr}" in tex
    assert r"x & \multicolumn{1}{l}{1} & 2 \\" in tex


def test_row_starts_that_latex_would_misread_are_protected() -> None:
    # "\\*" is a starred line break and "\\[" or "\midrule[" an optional argument.
    table = Table(
        column_labels=("", "(1)"),
        sections=(Section("body", (Row.of(["*note", "1"]), Row.of(["[a]", "2"]))),),
    )
    tex = to_latex(table)
    assert r"{}*note & 1 \\" in tex
    assert r"{[}a{]} & 2 \\" in tex


def test_bad_label_is_an_error() -> None:
    with pytest.raises(HitexError, match="label"):
        to_latex(small_table(), label="tab 1#")


# --------------------------------------------------------------------------- siunitx
def test_decimal_alignment_column_spec() -> None:
    tex = to_latex(small_table(), decimal_align=True)
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}", tex).group(1)
    # Column (1): 0.500***, (0.181) -> 1 digit, 3 decimals, no sign ("Yes" and "1,234" are
    # not numbers); longest affixes "(" before and "***" after.
    col1 = (
        "S[table-format=1.3, table-align-text-before=false, table-space-text-pre={(}, "
        "table-align-text-after=false, table-space-text-post={***}]"
    )
    # Column (2): -0.25*, (0.100), 60 -> a sign, 2 digits, 3 decimals; "(" before, and
    # "*" or ")" after (one character either way; the first such is kept).
    col2 = (
        "S[table-format=-2.3, table-align-text-before=false, table-space-text-pre={(}, "
        "table-align-text-after=false, table-space-text-post={*}]"
    )
    # Column (3): 1.5, (12.75), 7 -> 2 digits, 2 decimals, ")" after.
    col3 = (
        "S[table-format=2.2, table-align-text-before=false, table-space-text-pre={(}, "
        "table-align-text-after=false, table-space-text-post={)}]"
    )
    assert spec == "l" + col1 + col2 + col3


def test_decimal_alignment_cells() -> None:
    lines = lines_of(to_latex(small_table(), decimal_align=True))
    # Header cells are protected from number parsing by \multicolumn{1}{c}.
    assert (
        r" & \multicolumn{1}{c}{(1)} & \multicolumn{1}{c}{(2)} & \multicolumn{1}{c}{(3)} \\"
        in lines
    )
    assert r"tariff & 0.500{***} & -0.25{*} & 1.5 \\" in lines
    assert r" & {(}0.181{)} & {(}0.100{)} & {(}12.75{)} \\" in lines
    # Words and numbers with a thousands separator are braced text.
    assert r"year FE & {Yes} & {No} & {Yes} \\" in lines
    assert r"N & {1,234} & 60 & 7 \\" in lines


def test_decimal_alignment_brackets_and_exponent() -> None:
    table = Table(
        column_labels=("", "(1)", "(2)"),
        sections=(Section("body", (Row.of(["x", "-2.31e-05**", "a"]), Row.of(["", "[0.5]", "b"]))),),
    )
    tex = to_latex(table, decimal_align=True)
    assert r"x & -2.31e-05{**} & a \\" in tex
    assert r" & {[}0.5{]} & b \\" in tex
    # Column (2) holds no number: it keeps its "c".
    assert re.search(r"\\begin\{tabular\}\{lS\[table-format=-1\.2e-2, .*\]c\}", tex)


# --------------------------------------------------------------------------- real tables
def test_regression_table_rows_all_go_through(panel_table: Table) -> None:
    roles = {row.role for row in (*panel_table.header_rows, *panel_table.body_rows)}
    assert {"title", "depvar", "coef", "se", "fe", "stat"} <= roles
    lines = lines_of(to_latex(panel_table))
    rows = [line for line in lines if line.endswith(r"\\")]
    # One line per header row (column labels included) and per body row.
    assert len(rows) == 1 + len(panel_table.header_rows) + len(panel_table.body_rows)
    assert r"\caption{High-tech exports \& tariffs}" in lines
    assert r" & Base & R\&D \\" in lines
    # One dependent variable for both models: one spanning cell with its cmidrule.
    assert r" & \multicolumn{2}{c}{Dependent variable: hx\_share} \\" in lines
    assert r"\cmidrule(lr){2-3}" in lines
    assert r"country FE & Yes & Yes \\" in lines
    assert r"year FE & Yes & No \\" in lines
    assert any(line.startswith(r"R\&D share (\%) & ") for line in lines)
    assert any(line.startswith(r"tariff\_cut & ") for line in lines)
    assert r"N & 80 & 80 \\" in lines
    # The notes hold the few-clusters warning with braces, quotes and "<".
    notes = [line for line in lines if line.startswith(r"\item[]")]
    assert len(notes) == len(panel_table.notes)
    assert all("<" not in n and "_" not in n.replace(r"\_", "") for n in notes)


def test_regression_table_decimal_aligned(panel_table: Table) -> None:
    lines = lines_of(to_latex(panel_table, decimal_align=True))
    se_rows = [line for line in lines if line.startswith(" & ") and "{(}" in line]
    assert len(se_rows) == sum(r.role == "se" for r in panel_table.body_rows)
    assert r"country FE & {Yes} & {Yes} \\" in lines


# --------------------------------------------------------------------------- documents
def test_document_preamble_en() -> None:
    tex = latex_document([small_table(), small_table(title="Second")])
    assert tex.startswith("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n")
    for package in ("booktabs", "threeparttable"):
        assert f"\\usepackage{{{package}}}" in tex
    for package in ("siunitx", "pdflscape", "ctex", "multirow"):
        assert package not in tex
    assert tex.count(r"\begin{table}") == 2
    assert r"\label{tab:1}" in tex and r"\label{tab:2}" in tex
    assert tex.rstrip().endswith(r"\end{document}")


def test_document_options_load_their_packages() -> None:
    tex = latex_document(small_table(), decimal_align=True, landscape=True)
    assert r"\usepackage{siunitx}" in tex and r"\usepackage{pdflscape}" in tex
    assert r"\begin{landscape}" in tex and "S[table-format" in tex
    zh = latex_document(small_table(title="基准回归"), lang="zh")
    assert r"\usepackage[UTF8]{ctex}" in zh and "fontenc" not in zh
    assert r"\caption{基准回归}" in zh


def test_document_errors() -> None:
    with pytest.raises(HitexError, match="lang"):
        latex_document(small_table(), lang="fr")
    with pytest.raises(HitexError, match="non-empty"):
        latex_document([])
    with pytest.raises(HitexError, match="Table"):
        latex_document(["not a table"])
    with pytest.raises(HitexError, match="lang='zh'"):
        latex_document(small_table(notes=("注：括号内为标准误。",)))


# --------------------------------------------------------------------------- compiling
_ERROR_LINES = re.compile(r"^!|Undefined control sequence|Missing \S+ inserted|^Missing ")


def log_errors(log: str) -> list[str]:
    """Lines of a LaTeX log that report an error."""
    return [line for line in log.splitlines() if _ERROR_LINES.search(line)]


def compile_tex(tex: str, engine: str, folder: Path, packages: tuple[str, ...]) -> list[str]:
    """Compile a document; skip when the engine or a package is missing; return error lines."""
    if shutil.which(engine) is None:
        pytest.skip(f"{engine} is not installed (Debian: texlive-latex-base / texlive-xetex)")
    kpsewhich = shutil.which("kpsewhich")
    for package in packages:
        found = kpsewhich and subprocess.run(
            [kpsewhich, package], capture_output=True, text=True, check=False
        ).stdout.strip()
        if not found:
            pytest.skip(f"LaTeX file {package} is not installed")
    source = folder / "doc.tex"
    source.write_text(tex, encoding="utf-8")
    done = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=folder, capture_output=True, check=False, timeout=300, stdin=subprocess.DEVNULL,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = log_errors(log)
    if done.returncode != 0 and not errors:
        errors = [f"{engine} exited with {done.returncode}"]
    if not errors:
        assert (folder / "doc.pdf").stat().st_size > 0
    return errors


def test_log_check_catches_errors(tmp_path: Path) -> None:
    # The check itself must flag a broken document, or a passing compile test means nothing.
    broken = "\\documentclass{article}\n\\begin{document}\n\\nosuchcommand\n\\end{document}\n"
    errors = compile_tex(broken, "pdflatex", tmp_path, ())
    assert any("Undefined control sequence" in e for e in errors)


def test_english_document_compiles_with_pdflatex(tmp_path: Path, panel_table: Table) -> None:
    nasty = small_table(
        title="Exports & 50% of R_D #1 ~ ^ \\ {a} <b> |c| [d] $x$",
        notes=("* p<0.10; see {ref}_1 ~ 100%.",),
    )
    tex = latex_document([panel_table, nasty], decimal_align=True, landscape=True)
    packages = ("booktabs.sty", "threeparttable.sty", "siunitx.sty", "pdflscape.sty")
    assert compile_tex(tex, "pdflatex", tmp_path, packages) == []
    plain = tmp_path / "plain"
    plain.mkdir()
    assert compile_tex(latex_document(panel_table), "pdflatex", plain, packages[:2]) == []


def test_chinese_document_compiles_with_xelatex(tmp_path: Path, panel_table: Table) -> None:
    # The fitted table's body under Chinese headers, caption and notes.
    table = Table(
        column_labels=panel_table.column_labels,
        header_rows=(Row.of(["", "基准", "加入控制变量"], role="title"),),
        sections=panel_table.sections,
        title="高技术产品出口与关税削减",
        notes=("注：括号内为聚类稳健标准误。", *panel_table.notes),
    )
    tex = latex_document(table, lang="zh", decimal_align=True)
    packages = ("booktabs.sty", "threeparttable.sty", "siunitx.sty", "ctex.sty")
    assert compile_tex(tex, "xelatex", tmp_path, packages) == []


def test_log_check_catches_chinese_without_ctex(tmp_path: Path) -> None:
    # Without ctex the default font has no Chinese glyphs: xelatex logs "Missing character".
    tex = latex_document(small_table(title="Baseline")).replace("Baseline", "基准回归")
    errors = compile_tex(tex, "xelatex", tmp_path, ("booktabs.sty", "threeparttable.sty"))
    assert any(e.startswith("Missing character") for e in errors)
