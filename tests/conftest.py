"""Shared fixtures: locate the data bundle and the reference data sets.

Tests that need the embedded data or the reference data sets are skipped with
a reason when those folders cannot be found (set HITEX_DATA_DIR /
HITEX_REFERENCE_DIR to point at them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hitex import _paths
from hitex.errors import DataNotFoundError

REFERENCES = Path(__file__).parent / "references"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    try:
        return _paths.data_dir()
    except DataNotFoundError as err:  # pragma: no cover - depends on machine
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = _paths.reference_dir()
    if path is None:  # pragma: no cover - depends on machine
        pytest.skip("reference data sets not found; set HITEX_REFERENCE_DIR")
    return path


def load_reference(name: str) -> dict:
    """Read ``tests/references/NAME.json`` (published numbers with provenance)."""
    return json.loads((REFERENCES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep every test's cache out of the user's real cache folder."""
    monkeypatch.setenv(_paths.ENV_CACHE_DIR, str(tmp_path_factory.mktemp("cache")))
