"""The study layer's kinds: found by name, listed from the registries, no circle among modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hitex.errors import StudySpecError
from hitex.studies.kinds import INDICATORS, PANELS, SOURCES, TABLES, Registry, kinds_markdown

ROOT = Path(__file__).parents[2]
STUDIES = ROOT / "src" / "hitex" / "studies"


def test_every_kind_is_registered_by_its_modules():
    assert set(PANELS.names()) == {"country_year", "dyadic", "city_year", "province_year"}
    assert {"wdi", "tfi", "groups", "file", "indicator", "trade_panel", "tbt_depth", "distance",
            "city_panel", "china_provincial", "printed"} == set(SOURCES.names())
    assert {"composite", "dti", "expy", "hightech", "dti_iv"} == set(INDICATORS.names())
    assert {"regression", "descriptive", "coverage", "before_after", "correlation", "psm_did",
            "placebo", "staggered", "mechanism", "monitoring", "mediation",
            "moderation"} == set(TABLES.names())
    for _, kind in SOURCES.items():  # a source kind's schema names it
        assert kind.schema.model_fields["kind"].annotation.__args__[0] in SOURCES


def test_unknown_names_get_the_known_ones_and_a_guess():
    with pytest.raises(StudySpecError, match=r"unknown table kind 'placbo'.*'placebo'.*Known: "):
        TABLES.get("placbo")
    message = SOURCES.unknown("zzz")
    assert "Did you mean" not in message and "wdi" in message


def test_a_name_registered_twice_is_refused():
    registry: Registry = Registry("thing", "hitex.studies.kinds", "things")
    registry.register("a")(object())
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("a")(object())


def test_readme_lists_the_registered_kinds():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- kinds:", 1)[1].split("-->", 1)[1].split("<!-- /kinds -->")[0]
    assert block.strip() == kinds_markdown().strip()


def test_cli_lists_the_kinds():
    from typer.testing import CliRunner

    from hitex.cli import app

    result = CliRunner().invoke(app, ["studies", "--kinds"])
    assert result.exit_code == 0
    assert result.output == kinds_markdown()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_no_dispatch_on_kind_names_outside_the_kind_modules():
    """The runner, the builder and the schema look kinds up; they name none of them."""
    for name in ("runner.py", "build.py", "spec.py", "data_spec.py", "common.py"):
        text = (STUDIES / name).read_text(encoding="utf-8")
        for kind in [*PANELS.names(), *TABLES.names(), *SOURCES.names()]:
            assert f'== "{kind}"' not in text and "Source)" not in text, (name, kind)
        assert "isinstance(source" not in text and "isinstance(src" not in text


def test_kind_modules_import_no_other_kind_module():
    """A kind is one module: panels, sources and tables never import each other."""
    packages = {"panels", "sources", "tables"}
    for package in packages:
        for path in (STUDIES / package).glob("*.py"):
            for module in _imports(path):
                parts = module.split(".")
                if parts[:2] != ["hitex", "studies"] or len(parts) < 4:
                    continue
                other = parts[2]
                assert other not in packages - {package}, (path.name, module)
                if other == package and path.stem != "__init__":
                    assert parts[3] in ("base", "indicator_steps"), (path.name, module)
