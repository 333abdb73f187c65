"""One run of each built-in study per test session, shared by the test modules."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest

from hitex.studies.runner import StudyRun, run_study


@pytest.fixture(scope="session")
def builtin_run(tmp_path_factory, data_dir) -> Callable[[str], StudyRun]:
    """``builtin_run(name)``: the built-in study ``name`` run once into a temporary folder."""
    runs: dict[str, StudyRun] = {}

    def get(name: str) -> StudyRun:
        if name not in runs:
            out = tmp_path_factory.mktemp(name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runs[name] = run_study(name, out, data_dir=data_dir)
        return runs[name]

    return get
