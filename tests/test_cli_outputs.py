"""hitex run --format/--report and hitex report: the formats and the one-file report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hitex.cli import app


def test_formats_and_report_are_written_and_owned(tmp_path, data_dir):
    out = tmp_path / "tf"
    runner = CliRunner()
    args = ["run", "trade-facilitation", "--out", str(out), "--data-dir", str(data_dir),
            "--format", "txt,html", "--report"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (out / "table3.html").is_file() and not (out / "table3.md").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "report.html" in manifest["outputs"] and "report.html" in manifest["output_checksums"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Table 3. Trade facilitation and high-tech exports" in page
    again = runner.invoke(app, args)  # the report is hitex's own: a rerun replaces it
    assert again.exit_code == 0, again.output
    later = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "r.html")])
    assert later.exit_code == 0 and (tmp_path / "r.html").is_file()


def test_an_unknown_format_is_named(tmp_path, data_dir):
    res = CliRunner().invoke(app, ["run", "trade-facilitation", "--out", str(tmp_path / "x"),
                                   "--data-dir", str(data_dir), "--format", "txt,pdf"])
    assert res.exit_code != 0 and "unknown format(s) ['pdf']" in res.output


def test_word_and_excel_hold_every_table(tmp_path, data_dir):
    import openpyxl
    import pytest

    docx = pytest.importorskip("docx")
    out = tmp_path / "tf"
    res = CliRunner().invoke(app, ["run", "trade-facilitation", "--out", str(out), "--data-dir",
                                   str(data_dir), "--format", "docx,xlsx"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"tables.docx", "tables.xlsx"} <= set(manifest["outputs"])
    tables = [n for n in manifest["outputs"] if n.endswith(".docx")]
    assert tables == ["tables.docx"] and not (out / "table3.txt").exists()
    n_tables = len(docx.Document(str(out / "tables.docx")).tables)
    book = openpyxl.load_workbook(out / "tables.xlsx")
    assert n_tables == len(book.sheetnames) - 1 and book.sheetnames[-1] == "results"
    results = book["results"]
    header = [c.value for c in results[1]]
    assert header[:4] == ["table", "column", "term", "estimate"]
    assert isinstance(results.cell(2, 4).value, float)
