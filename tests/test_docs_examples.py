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


def _modules_with_examples() -> list[str]:
    src = Path(__file__).parents[1] / "src"
    names = []
    for path in sorted((src / "hitex").rglob("*.py")):
        if ">>> " in path.read_text(encoding="utf-8"):
            names.append(".".join(path.relative_to(src).with_suffix("").parts))
    return names


#: Modules whose examples read the data bundle.
_NEEDS_BUNDLE = {"hitex.data.countries", "hitex.data.desta"}


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples(module: str):
    """Every ``>>>`` example in the package's docstrings runs and prints what it shows."""
    import doctest
    import importlib

    if module in _NEEDS_BUNDLE:
        from hitex import _paths
        from hitex.errors import HitexError

        try:
            _paths.data_dir(None)
        except HitexError:
            pytest.skip("the data bundle is not available")
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module}"
