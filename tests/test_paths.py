"""Locating the data bundle: explicit folder, environment variable, search."""

from __future__ import annotations

import pytest

from hitex import _paths
from hitex.errors import DataNotFoundError


def test_explicit_folder_wins(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv(_paths.ENV_DATA_DIR, str(tmp_path))
    assert _paths.data_dir(data_dir) == data_dir


def test_environment_variable(data_dir, monkeypatch):
    monkeypatch.setenv(_paths.ENV_DATA_DIR, str(data_dir))
    assert _paths.data_dir() == data_dir


def test_bad_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(_paths.ENV_DATA_DIR, str(tmp_path))
    with pytest.raises(DataNotFoundError, match="HITEX_DATA_DIR.*--data-dir"):
        _paths.data_dir()


def test_nothing_found_names_both_options(monkeypatch):
    monkeypatch.delenv(_paths.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(_paths, "_search", lambda relative: None)
    with pytest.raises(DataNotFoundError) as err:
        _paths.data_dir()
    assert "--data-dir" in str(err.value) and "HITEX_DATA_DIR" in str(err.value)


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv(_paths.ENV_CACHE_DIR, str(tmp_path / "c"))
    assert _paths.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()
