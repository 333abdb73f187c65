"""Study schema: the built-in study validates; errors name the offending key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from hitex.errors import StudySpecError
from hitex.studies.registry import builtin_studies
from hitex.studies.spec import load_study, parse_study

MINIMAL = {
    "name": "mini",
    "title": "Minimal",
    "data": {
        "countries": {"iso3": ["DEU", "FRA"]},
        "years": [2010, 2012],
        "sources": [{"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}}],
        "transforms": {"lgdp": "log(gdppc)"},
    },
    "tables": [{"name": "t1", "models": [{"formula": "lgdp ~ 1 | iso3"}]}],
}


def test_builtin_studies_validate():
    names = builtin_studies()
    assert "trade-facilitation" in names
    for name in names:
        spec = load_study(name)
        assert spec.name == name


def test_minimal_is_valid():
    spec = parse_study(copy.deepcopy(MINIMAL))
    assert spec.data.years == (2010, 2012)


def _mutated(path: list, value=None, delete=False) -> dict:
    doc = copy.deepcopy(MINIMAL)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "delete", "expected"), [
    (["data", "yeers"], [2010, 2012], False, r"data\.yeers: unknown key"),
    (["title"], None, True, r"title: required key is missing"),
    (["data", "years"], [2015, 2010], False, r"data\.years: first year 2015 is after"),
    (["tables", 0, "models", 0, "formula"], "y ~ eval(x)", False,
     r"tables\.0\.models\.0\.formula: .*eval"),
    (["tables", 0, "models", 0, "sample"], "x.__class__", False, r"sample.*not allowed"),
    (["data", "transforms", "bad"], "__import__('os')", False, r"transforms\.bad"),
    (["data", "sources", 0, "kind"], "sql", False, r"data\.sources\.0"),
    (["tables", 0, "kind"], "descriptive", False,
     r"tables\.0\.models: unknown key.*'descriptive' table has the keys .*variables"),
    (["tables", 0, "kind"], "regresion", False,
     r"unknown table kind 'regresion'.*Did you mean 'regression'"),
    (["data", "kind"], "dyadc", False, r"unknown panel kind 'dyadc'.*Did you mean 'dyadic'"),
    (["data", "sources", 0, "kind"], "wdii", False,
     r"data\.sources\.0: unknown source kind 'wdii'.*Did you mean 'wdi'"),
])
def test_schema_errors_name_the_key(path, value, delete, expected):
    with pytest.raises(StudySpecError, match=expected):
        parse_study(_mutated(path, value, delete))


def test_a_descriptive_table_needs_variables():
    doc = copy.deepcopy(MINIMAL)
    doc["tables"] = [{"name": "d", "kind": "descriptive"}]
    with pytest.raises(StudySpecError, match="needs 'variables'"):
        parse_study(doc)


def test_unsafe_yaml_tags_rejected(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(StudySpecError, match="not valid YAML"):
        load_study(bad)


def test_unknown_study_name():
    with pytest.raises(StudySpecError, match="trade-facilitation"):
        load_study("no-such-study")


def test_duplicate_table_names():
    doc = copy.deepcopy(MINIMAL)
    doc["tables"].append(copy.deepcopy(doc["tables"][0]))
    with pytest.raises(StudySpecError, match="repeated: t1"):
        parse_study(doc)


def test_study_file_round_trip(tmp_path: Path):
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(MINIMAL), encoding="utf-8")
    assert load_study(path).name == "mini"


def test_unknown_indicator_name_lists_the_known_ones():
    doc = copy.deepcopy(MINIMAL)
    doc["data"]["sources"].append({"kind": "indicator", "name": "prody", "path": "x.csv",
                                   "unit_col": "iso3"})
    with pytest.raises(StudySpecError, match="name") as info:
        parse_study(doc)
    for known in ("composite", "dti", "expy", "hightech", "dti_iv"):
        assert known in str(info.value)


def test_partner_col_needs_a_dyadic_study():
    doc = copy.deepcopy(MINIMAL)
    doc["data"]["sources"].append({"kind": "indicator", "name": "hightech", "path": "x.csv",
                                   "unit_col": "iso3", "partner_col": "importer"})
    with pytest.raises(StudySpecError, match="dyadic"):
        parse_study(doc)


def test_a_key_written_twice_is_an_error(tmp_path):
    text = yaml.safe_dump(MINIMAL, sort_keys=False).replace(
        "lgdp: log(gdppc)", "lgdp: log(gdppc)\n    lgdp: ln1p(gdppc)")
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudySpecError, match="key 'lgdp' is written twice"):
        load_study(path)


def test_no_tables_and_years_and_name_messages():
    doc = copy.deepcopy(MINIMAL)
    doc["tables"] = []
    with pytest.raises(StudySpecError, match="at least one table"):
        parse_study(doc)
    doc = copy.deepcopy(MINIMAL)
    doc["data"]["years"] = "2008-2019"
    with pytest.raises(StudySpecError, match=r"years: \[2008, 2019\]"):
        parse_study(doc)
    doc = copy.deepcopy(MINIMAL)
    doc["name"] = "Y2 study"
    with pytest.raises(StudySpecError, match="e.g. y2-study"):
        parse_study(doc)
