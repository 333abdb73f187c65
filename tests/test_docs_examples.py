"""Docs examples are executed so that they cannot rot."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "docs" / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path: Path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_readme_commands_are_exactly_two():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in setup.split("```bash")[1:]]
    assert len(blocks) == 2
    assert "hitex run trade-facilitation" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command():
    root = Path(__file__).parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = readme.split("```bash")[2].split("```")[0].strip()
    assert command in (root / ".ci" / "run").read_text(encoding="utf-8")
