"""Tests of the HTML table writer and the single-file study report.

Expected values come from tables built by hand here (their cells, spans and
notes are known by construction), from the files a real study run wrote (the
manifest's table and figure names, the figures' bytes, the data files'
SHA-256), or from the Markdown writer being undone exactly. A headless
Chromium, driven over the DevTools protocol, opens the report and records
every console message and network request; it is skipped when no Chromium is
installed (``apt-get install chromium``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import warnings
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hitex.errors import DataFormatError, DataNotFoundError, HitexError, OutputFolderError
from hitex.report.html_report import (
    ReportContent,
    ReportFigure,
    content_from_folder,
    content_from_run,
    folder_report_html,
    header_row_count,
    render_report,
    report_html,
    table_from_markdown,
    write_report,
)
from hitex.report.html_table import TABLE_CSS, to_html
from hitex.report.model import Cell, Row, Section, Table
from hitex.report.writers import to_markdown, to_text

EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --------------------------------------------------------------------------- helpers
class Parsed(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.row_spans: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.row_spans.append(0)
        if tag in ("td", "th") and self.row_spans:
            self.row_spans[-1] += int(dict(attrs).get("colspan") or 1)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def hand_table() -> Table:
    """A 3-column regression-style table with one header row spanning two columns."""
    return Table(
        column_labels=("", "(1)", "(2)"),
        header_rows=(Row((Cell(""), Cell("Dependent variable: y", span=2)), role="depvar"),),
        sections=(
            Section("coef", (Row.of(["x", "0.5***", "0.4**"], role="coef", key="x"),
                             Row.of(["", "(0.1)", "(0.2)"], role="se", key="x"))),
            Section("stat", (Row.of(["N", "100", "90"], role="stat", key="nobs"),)),
        ),
        title="Table 1. A & B",
        notes=("Standard errors in parentheses.", "* p<0.10, ** p<0.05, *** p<0.01."),
    )


# --------------------------------------------------------------------------- to_html
def test_to_html_structure_matches_the_table():
    table = hand_table()
    html = to_html(table, standalone=False)
    doc = Parsed(html)
    assert html.startswith('<table class="hitex-table">')
    assert "<!DOCTYPE" not in html
    # rows: 1 label row + 1 header row + 3 body rows + 2 notes
    assert len(doc.all("tr")) == 7
    assert len(doc.all("caption")) == 1 and len(doc.all("tfoot")) == 1
    assert len(doc.all("tbody")) == 2  # one per section
    # every table row covers the three columns; each note one cell spanning them
    assert doc.row_spans == [3, 3, 3, 3, 3, 3, 3]
    spans = [a for a in doc.all("th") if a.get("colspan")]
    assert spans == [{"scope": "col", "class": "hx-c hx-span", "colspan": "2"}]
    text = "".join(doc.text)
    for s in ("Table 1. A & B", "Dependent variable: y", "0.5***", "(0.2)", "N",
              "* p<0.10, ** p<0.05, *** p<0.01."):
        assert s in text
    assert "A &amp; B" in html and "p&lt;0.10" in html


def test_to_html_three_line_rules():
    html = to_html(hand_table(), standalone=False)
    doc = Parsed(html)
    rows = doc.all("tr")
    # thin rule: the last header row; thick bottom rule: the last body row only
    assert [("hx-last" in (r.get("class") or "")) for r in rows] == [
        False, True, False, False, False, False, False]
    assert [("hx-bottom" in (r.get("class") or "")) for r in rows] == [
        False, False, False, False, True, False, False]
    assert "border-top: 2px solid" in TABLE_CSS  # thick rule above the header
    assert "tr.hx-last th { border-bottom: 1px solid" in TABLE_CSS
    assert "tr.hx-bottom > * { border-bottom: 2px solid" in TABLE_CSS
    assert "border-left" not in TABLE_CSS and "border-right" not in TABLE_CSS


def test_to_html_empty_body_puts_the_bottom_rule_under_the_header():
    table = Table(column_labels=("a", "b"), sections=())
    rows = Parsed(to_html(table, standalone=False)).all("tr")
    assert rows == [{"class": "hx-role-header hx-last hx-bottom"}]


def test_to_html_escapes_every_string():
    table = Table(
        column_labels=("", f'"{EVIL}"'),
        sections=(Section(EVIL, (Row.of([EVIL, "1 < 2 & 3"], role=EVIL, key=f'k"{EVIL}'),)),),
        title=EVIL, notes=(EVIL,),
    )
    for standalone in (True, False):
        html = to_html(table, standalone=standalone)
        assert "<script" not in html
        assert html.count(EVIL_ESCAPED) >= 5  # caption, label, stub, note, title / attrs
        doc = Parsed(html)
        assert not doc.all("script")
        assert "1 < 2 & 3" in "".join(doc.text)
        keys = [a["data-key"] for a in doc.all("tr") if a.get("data-key")]
        assert keys == [f'k"{EVIL}']  # the attribute holds the key unchanged after parsing
        assert all(" " not in c and "<" not in c for a in doc.all("tr")
                   for c in (a.get("class") or "").split())


def test_to_html_standalone_page():
    html = to_html(hand_table())
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    doc = Parsed(html)
    assert {"charset": "utf-8"} in doc.all("meta")
    assert [a["content"] for a in doc.all("meta") if a.get("http-equiv")][0].startswith(
        "default-src 'none'")
    assert "".join(doc.text).count("Table 1. A & B") == 2  # <title> and <caption>
    assert to_html(hand_table(), lang="zh").startswith('<!DOCTYPE html>\n<html lang="zh-CN">')


def test_to_html_keeps_chinese_text():
    table = Table(column_labels=("变量", "系数"), sections=(Section("b", (Row.of(["数字经济", "0.5"]),)),),
                  title="表 1 基准回归")
    html = to_html(table)
    assert "数字经济" in html and "表 1 基准回归" in html
    assert html.encode("utf-8").decode("utf-8") == html
    assert "Noto Sans CJK SC" in html and "SimSun" in html and "PingFang SC" in html


# --------------------------------------------------------------------------- Markdown back
def test_table_from_markdown_undoes_to_markdown():
    tricky = ["a|b", "x_1 * y", "\\back", "`code`", "[link]", "<b>", "0.2***", "_lead", ""]
    table = Table(
        column_labels=("", "c|1", "c_2"),
        header_rows=(Row((Cell(""), Cell("spanning", span=2))),),
        sections=(Section("s", tuple(Row.of([t, t[::-1], "1"]) for t in tricky)),),
        title="Title *with* | pipe",
        notes=("- a note that looks like a list", "1. numbered", "# heading?", "plain"),
        align=("left", "center", "right"),
    )
    back = table_from_markdown(to_markdown(table))
    assert back.column_labels == table.column_labels
    assert back.title == table.title
    assert back.notes == table.notes
    assert back.column_align == ("left", "center", "right")
    assert back.header_rows[0].cells == table.header_rows[0].cells  # the span is rebuilt
    assert [r.texts() for r in back.body_rows] == [r.texts() for r in table.body_rows]


def test_markdown_header_rows_are_lines_of_the_header():
    text = to_markdown(hand_table())
    head, rule, first = [line for line in text.splitlines() if line.startswith("|")][:3]
    # "Dependent variable" in the stub, the variable in each column, all above the rule
    assert [c.strip() for c in head.strip("|").split("|")] == [
        "<br>Dependent variable", "(1)<br>y", "(2)<br>y"]
    assert set(rule) <= set("|:- ") and first.startswith("| x ")
    back = table_from_markdown(text)
    assert back.column_labels == ("", "(1)", "(2)")
    assert back.header_rows[0].cells == hand_table().header_rows[0].cells  # as it was built
    assert [r.texts() for r in back.body_rows] == [r.texts() for r in hand_table().body_rows]


def test_header_rows_of_an_earlier_markdown_table_come_back_from_the_text_table():
    table = hand_table()
    assert header_row_count(to_text(table)) == 1
    assert header_row_count(to_text(replace(table, header_rows=()))) == 0
    assert header_row_count("no rules here") is None
    # the layout hitex wrote before: header rows as the first rows of the body
    earlier = ("**Table 1. A & B**\n\n| | (1) | (2) |\n| :-- | :-: | :-: |\n"
               "| | Dependent variable: y | |\n| x | 0.5\\*\\*\\* | 0.4\\*\\* |\n"
               "| | (0.1) | (0.2) |\n| N | 100 | 90 |\n")
    back = table_from_markdown(earlier, header_rows=1)
    assert back.header_rows[0].cells == table.header_rows[0].cells  # the span is rebuilt
    assert [r.texts() for r in back.body_rows] == [r.texts() for r in table.body_rows]
    assert table_from_markdown(earlier, header_rows=99).header_rows == ()


def test_table_from_markdown_rejects_text_without_table():
    with pytest.raises(DataFormatError, match="pipe table"):
        table_from_markdown("**Title**\n\njust text\n")
    with pytest.raises(DataFormatError, match="cells"):
        table_from_markdown("| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n")


# --------------------------------------------------------------------------- report content
def fake_content(**changes: Any) -> ReportContent:
    base = ReportContent(
        title=EVIL, source=EVIL, description=f"{EVIL}\n\nsecond paragraph",
        data_lines=(EVIL, "STAND-IN OUTCOME: " + EVIL), coverage=(("cov", hand_table()),),
        warnings=(EVIL,), tables=((EVIL, hand_table()), ("comparison_t1", hand_table())),
        figures=(ReportFigure(EVIL, "image/png", b"\x89PNG\r\n\x1a\nfake"),),
        manifest={"study": EVIL, "seed": 7, "command": EVIL, "started_utc": "2026-01-01",
                  "versions": {EVIL: EVIL},
                  "data_files": [{"path": EVIL, "sha256": "ab" * 32, "bytes": 1}],
                  "output_checksums": {EVIL: "cd" * 32}},
        problems=(EVIL,),
    )
    return replace(base, **changes)


def test_report_escapes_every_user_string():
    html = render_report(fake_content())
    assert "<script" not in html
    assert html.count(EVIL_ESCAPED) >= 14
    doc = Parsed(html)
    assert not doc.all("script")
    ids = [a["id"] for a in doc.all("section") if a.get("id")]
    assert all("<" not in i and '"' not in i for i in ids)


def test_report_sections_and_stand_ins():
    content = fake_content(title="T", data_lines=("Panel: 3 units", "STAND-IN OUTCOME: ln y"),
                           warnings=("w1",), problems=())
    doc = Parsed(render_report(content))
    warn = [a for a in doc.all("ul") if a.get("class") == "hx-warnings"]
    assert len(warn) == 1
    text = "".join(doc.text)
    assert text.index("STAND-IN OUTCOME: ln y", text.index("Stand-ins and warnings")) > 0
    assert [a["id"] for a in doc.all("section") if a.get("id") in (
        "data", "warnings", "tables", "figures", "comparisons", "provenance")] == [
        "data", "warnings", "tables", "figures", "comparisons", "provenance"]
    # the comparison table sits in its own section, not among the tables
    assert text.index("comparison_t1") > text.index("Comparison with the source study")


def test_report_in_chinese():
    html = render_report(fake_content(title="数字经济与高技术产品出口"), lang="zh")
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    for word in ("数字经济与高技术产品出口", "替代数据与警告", "运行记录", "与原研究结果的比较"):
        assert word in html
    with pytest.raises(HitexError, match="lang='fr'"):
        render_report(fake_content(), lang="fr")


def test_report_without_manifest_says_so():
    html = render_report(fake_content(manifest=None, figures=()))
    assert "No manifest" in html
    assert 'id="figures"' not in html


# --------------------------------------------------------------------------- self-containment
def external_references(html: str) -> list[str]:
    """Every src/href/action/srcset that is not a ``data:`` URI or a ``#`` anchor."""
    doc = Parsed(html)
    out = []
    for tag, attrs in doc.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None and not (value.startswith("data:") or value.startswith("#")):
                out.append(f"<{tag} {name}={value}>")
        if tag in ("script", "link", "iframe", "object", "embed", "base"):
            out.append(f"<{tag}>")
    lowered = html.lower()
    out += [p for p in ("@import", "url(", "http://", "https://") if p in lowered]
    return out


def test_self_containment_check_finds_external_references():
    bad = ('<link rel="stylesheet" href="https://cdn.example/x.css"><img src="http://x/y.png">'
           '<script src="a.js"></script><style>@import url(f.css)</style>')
    found = external_references(bad)
    assert "<link href=https://cdn.example/x.css>" in found
    assert "<img src=http://x/y.png>" in found
    assert "<script src=a.js>" in found and "<script>" in found
    assert "@import" in found and "url(" in found


@pytest.fixture(scope="module")
def study_run(tmp_path_factory, data_dir):
    """The built-in trade-facilitation study, run once into a temporary folder."""
    from hitex.studies.runner import run_study

    out = tmp_path_factory.mktemp("html") / "trade-facilitation"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study("trade-facilitation", out, data_dir=data_dir)


def manifest_of(run) -> dict:
    return json.loads((run.out_dir / "manifest.json").read_text(encoding="utf-8"))


def test_folder_report_shows_every_table_and_figure(study_run):
    html = folder_report_html(study_run.out_dir)
    assert external_references(html) == []
    manifest = manifest_of(study_run)
    tables = [Path(n).stem for n in manifest["outputs"]
              if n.endswith(".md") and "/" not in n and n != "summary.md"]
    figures = [n for n in manifest["outputs"] if n.startswith("figures/") and n.endswith(".png")]
    assert set(tables) == set(study_run.tables) and "comparison_table3" in tables
    doc = Parsed(html)
    sections = [a["id"] for a in doc.all("section") if a.get("class") == "hx-table"]
    assert sections == [f"table-{n}" for n in tables if not n.startswith("comparison_")] + [
        f"table-{n}" for n in tables if n.startswith("comparison_")]
    # + the coverage tables of summary.md
    assert len(doc.all("table")) >= len(tables) + 1
    for table in study_run.tables.values():  # every title, as the run made it
        assert table.title and table.title in "".join(doc.text)
    imgs = [a["src"] for a in doc.all("img")]
    assert len(imgs) == len(figures) == len(study_run.figures) == 2
    for name in figures:
        data = (study_run.out_dir / name).read_bytes()
        assert f"data:image/png;base64,{base64.b64encode(data).decode()}" in imgs
    for entry in manifest["data_files"]:
        assert entry["sha256"] in html
    text = "".join(doc.text)
    for key in ("seed", "command", "started_utc"):
        assert str(manifest[key]) in text
    assert manifest["versions"]["pyfixest"] in text
    assert "Panel: 49 units" in text  # data coverage from summary.md
    # the header rows, read from table3.txt, keep the dependent variable spanning its columns
    assert 'colspan="2">Dependent variable: Tech-export</th>' in html


def test_run_report_shows_every_table_and_figure(study_run):
    html = report_html(study_run)
    assert external_references(html) == []
    doc = Parsed(html)
    sections = [a["id"] for a in doc.all("section") if a.get("class") == "hx-table"]
    assert sorted(sections) == sorted(f"table-{n}" for n in study_run.tables)
    assert len(doc.all("img")) == len(study_run.figures)
    assert all(a["src"].startswith("data:image/png;base64,iVBORw0KGgo") for a in doc.all("img"))
    assert manifest_of(study_run)["data_files"][0]["sha256"] in html
    # a table built in memory keeps its spans: the dependent-variable row spans its columns
    assert 'class="hx-c hx-span" colspan="2"' in html


def test_run_report_needs_table_objects(study_run):
    fake = SimpleNamespace(spec=study_run.spec, tables={"t": "text"}, figures={}, notes=[],
                           warnings=[], out_dir=None)
    with pytest.raises(HitexError, match="table 't'"):
        content_from_run(fake)


def test_report_reports_changed_missing_and_escaping_files(study_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study_run.out_dir, folder)
    (folder / "table2.md").write_text("**Edited**\n\n| a |\n| --- |\n| 1 |\n", encoding="utf-8")
    (folder / "table4.md").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"].append("../outside.md")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    content = content_from_folder(folder)
    names = [n for n, _ in content.tables]
    assert "table2" not in names and "table4" not in names and "table3" in names
    assert any(p.startswith("table2.md: changed") for p in content.problems)
    assert "table4.md: missing" in content.problems
    assert any(p.startswith("../outside.md") for p in content.problems)


def test_report_falls_back_to_svg_and_ignores_unshown_files(study_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study_run.out_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    png = next(n for n in manifest["outputs"] if n.endswith(".png"))
    manifest["outputs"].remove(png)
    (folder / png).unlink()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (folder / "sample.csv").open("a", encoding="utf-8") as fh:
        fh.write("edited\n")  # not shown in the report, so not checked
    content = content_from_folder(folder)
    assert content.problems == ()
    svg = (folder / png).with_suffix(".svg")
    assert [f.mime for f in content.figures] == ["image/svg+xml", "image/png"]
    assert content.figures[0].data == svg.read_bytes()
    html = render_report(content)
    assert external_references(html) == []


def test_write_report_paths(study_run, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(study_run.out_dir, folder)
    written = write_report(folder)
    assert written == tmp_path / "out.html"  # beside the folder, not inside it
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / "sub" / "report.html"
    link.parent.mkdir()
    link.symlink_to(victim)
    assert write_report(folder, path=link, lang="zh") == link
    assert not link.is_symlink() and "运行记录" in link.read_text(encoding="utf-8")
    assert victim.read_text(encoding="utf-8") == "keep"
    assert write_report(folder, path=tmp_path / "new" / "r.html").is_file()
    with pytest.raises(OutputFolderError, match="is a folder"):
        write_report(folder, path=tmp_path)


def test_write_report_bad_folders(tmp_path):
    with pytest.raises(DataNotFoundError, match="hitex run"):
        write_report(tmp_path / "absent")
    with pytest.raises(DataNotFoundError, match="manifest.json"):
        write_report(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not valid JSON"):
        write_report(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(DataFormatError, match="not a hitex study manifest"):
        write_report(tmp_path)
    (tmp_path / "manifest.json").write_text(
        '{"format": "hitex-study-output/1", "outputs": "x"}', encoding="utf-8")
    with pytest.raises(DataFormatError, match="'outputs' must be a list"):
        write_report(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "hitex-study-output/1"}',
                                            encoding="utf-8")
    with pytest.raises(HitexError, match="lang='de'"):
        write_report(tmp_path, lang="de")


# --------------------------------------------------------------------------- headless Chromium
def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """Headless Chromium over ``--remote-debugging-pipe``: DevTools messages as
    NUL-terminated JSON on file descriptors 3 (to the browser) and 4 (from it).
    No port is opened and no client library is needed."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--remote-debugging-pipe")

    def __init__(self, exe: str, profile: str) -> None:
        to_read, self.to_write = os.pipe()
        self.from_read, from_write = os.pipe()

        def remap() -> None:  # in the child: our pipe ends become fds 3 and 4
            a = fcntl.fcntl(to_read, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_write, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=remap, pass_fds=(3, 4, to_read, from_write),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_read)
        os.close(from_write)
        self.buffer = b""
        self.last_id = 0
        self.events: list[dict] = []

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer over the DevTools pipe")
            if select.select([self.from_read], [], [], left)[0]:
                chunk = os.read(self.from_read, 1 << 20)
                if not chunk:
                    raise EOFError("Chromium closed the DevTools pipe")
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_write)
        os.close(self.from_read)


def visit(page: Path, screenshot: Path) -> SimpleNamespace:
    """Open ``page`` in headless Chromium; the console errors, requests and a full-page shot."""
    exe = chromium()
    assert exe is not None
    with tempfile.TemporaryDirectory() as profile:
        browser = Chromium(exe, profile)
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.send(f"{domain}.enable", session=session)
            browser.send("Emulation.setDeviceMetricsOverride", {
                "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                session=session)
            browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            browser.wait_for("Page.loadEventFired")
            size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"],
                         "height": min(size["height"], 12000), "scale": 1}}, session=session)
            counted = browser.send("Runtime.evaluate", {
                "expression": "[document.querySelectorAll('table.hitex-table').length,"
                              " Array.from(document.images).filter(i => i.naturalWidth > 0)"
                              ".length]", "returnByValue": True}, session=session)
        finally:
            browser.close()
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    errors, requests = [], []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args"))[:300])
        elif method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails"))[:300])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(params["entry"].get("text", "")[:300])
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
    tables, images = counted["result"]["value"]
    return SimpleNamespace(errors=errors, requests=requests, tables=tables, images=images,
                           url=page.resolve().as_uri())


needs_chromium = pytest.mark.skipif(chromium() is None,
                                    reason="no Chromium installed (apt-get install chromium)")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@needs_chromium
def test_browser_check_sees_errors_and_requests(tmp_path):
    # The check itself: a page that loads from the loopback discard port and logs an error.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    seen = visit(page, tmp_path / "bad.png")
    assert "http://127.0.0.1:9/x.png" in seen.requests
    assert any("boom" in e for e in seen.errors)


@needs_chromium
def test_report_in_chromium(study_run, tmp_path):
    report = write_report(study_run.out_dir, path=tmp_path / "report.html")
    shot = tmp_path / "report.png"
    seen = visit(report, shot)
    assert seen.errors == []
    assert [u for u in seen.requests if u != seen.url and not u.startswith("data:")] == []
    assert seen.tables == len(study_run.tables) + 1  # + the coverage table
    assert seen.images == len(study_run.figures)  # every figure decoded
    width, height = png_size(shot)
    assert width >= 1000 and height > 2000
    keep = os.environ.get("HITEX_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
