"""Wrong study files end in a hitex message that names the problem and the fix, never a traceback."""

from __future__ import annotations

import copy

import pytest
import yaml
from typer.testing import CliRunner

from hitex.cli import app
from hitex.errors import StudySpecError
from hitex.studies.spec import load_study, parse_study

BASE = {"name": "bad", "title": "T",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2010, 2012],
                 "sources": [{"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}}]},
        "tables": [{"name": "t", "kind": "descriptive", "variables": ["gdppc"]}]}


def _file(tmp_path, doc, encoding="utf-8"):
    path = tmp_path / "study.yaml"
    path.write_bytes(yaml.safe_dump(doc, allow_unicode=True).encode(encoding))
    return path


@pytest.mark.parametrize(("title", "encoding"), [("高技术出口", "gbk"), ("Exportações", "latin-1")])
def test_a_study_file_in_another_encoding_is_named(tmp_path, title, encoding):
    doc = copy.deepcopy(BASE)
    doc["title"] = title
    with pytest.raises(StudySpecError, match="not UTF-8.*GBK/GB18030.*Latin-1.*Save it as UTF-8"):
        load_study(_file(tmp_path, doc, encoding))


def test_a_study_file_nested_a_thousand_levels_deep(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    with pytest.raises(StudySpecError, match="nested too deeply"):
        load_study(path)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["data"].__setitem__("sources", {"kind": "wdi"}), r"data\.sources: write a list"),
    (lambda d: d["tables"][0].__setitem__("name", "x" * 300), "at most 80 characters"),
    (lambda d: d.__setitem__("seed", 2**40), "seed: Input should be less than or equal"),
    (lambda d: d.__setitem__("seed", -1), "seed: Input should be greater than or equal"),
    (lambda d: d["data"].__setitem__("years", [2010, 20170000]), "outside 1800-2100"),
    (lambda d: d["data"].__setitem__("transforms", {"big": "10**10**10"}), "exponent"),
    (lambda d: d["data"].__setitem__("transforms", {"big": "9**9**9"}), "exponent"),
    (lambda d: d["data"].__setitem__("transforms", {"x": "gdppc**1000"}), "exponent"),
    (lambda d: d["data"].__setitem__("transforms", {"n": "-" * 5000 + "gdppc"}), "limited to 2,000"),
    (lambda d: d["data"].__setitem__("transforms", {"s": " + ".join(["gdppc"] * 20000)}),
     "limited to 2,000"),
    (lambda d: d["data"].__setitem__("transforms", {"d": "(" * 300 + "gdppc" + ")" * 300}),
     "nested"),
    (lambda d: d["tables"][0].__setitem__("sample", "-" * 3000 + "gdppc"), "limited to 2,000"),
])
def test_schema_refuses_with_a_message(change, expected):
    doc = copy.deepcopy(BASE)
    change(doc)
    with pytest.raises(StudySpecError, match=expected):
        parse_study(doc)


def test_squares_and_small_powers_still_work():
    doc = copy.deepcopy(BASE)
    doc["data"]["transforms"] = {"sq": "gdppc ** 2", "inv": "gdppc ** -1", "r": "gdppc ** 0.5"}
    parse_study(doc)


@pytest.mark.parametrize("title", ["[/red] not markup [bold", "x" * 1_000_000])
def test_titles_are_printed_literally_and_shortened(tmp_path, data_dir, title):
    doc = copy.deepcopy(BASE)
    doc["title"] = title
    path = _file(tmp_path, doc)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                      "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert title[:50] in result.output
    assert len(result.output) < 100_000
