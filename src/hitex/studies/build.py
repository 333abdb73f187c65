"""Build a study's panel from its ``data`` section.

The panel kind (``data.kind``, :mod:`hitex.studies.panels`) sets the rows and
lets each source (:mod:`hitex.studies.sources`) add its columns; then the
transforms add derived columns in the order written. The result records which
data files were read (for the manifest's checksums), notes and coverage tables
worth printing.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from hitex import _paths
from hitex.errors import StudySpecError
from hitex.studies.common import BuiltPanel
from hitex.studies.data_spec import DataSpec
from hitex.studies.expr import Expression
from hitex.studies.kinds import PANELS

__all__ = ["BuiltPanel", "build_panel", "in_dependency_order"]


def build_panel(spec: DataSpec, data_dir: str | os.PathLike[str] | None = None,
                base_dir: Path | None = None) -> BuiltPanel:
    """Build the study panel.

    Parameters
    ----------
    spec : DataSpec
        The study's ``data`` section.
    data_dir : path-like, optional
        The data bundle (see :func:`hitex._paths.data_dir`).
    base_dir : path, optional
        Folder that relative user-file paths are resolved against (the study
        file's folder).
    """
    bundle = _paths.data_dir(data_dir)
    kind = PANELS.get(spec.kind)
    built = kind.build(spec, bundle, base_dir)
    _engine_note(spec, built)
    _transform(spec, built, kind.unit(spec))
    return built


def _engine_note(spec: DataSpec, built: BuiltPanel) -> None:
    """Say what ran on Spark (the default engine, DuckDB, goes without saying)."""
    if spec.engine != "spark":
        return
    if built.engine_runs:
        built.notes.append(f"Engine: Apache Spark ({spec.spark_master or 'local[*]'}) "
                           "aggregated " + "; ".join(built.engine_runs)
                           + "; the other sources are small tables read into memory.")
    else:
        built.notes.append(
            "Engine: spark was asked for, but no source of this study reads trade records with "
            "it here (e.g. an optional product-level file is absent): the panel was built in "
            "memory and the tables are those of the default engine.")


def _transform(spec: DataSpec, built: BuiltPanel, unit: str) -> None:
    """Add the transforms in order; skip (with a note) those using missing optional inputs."""
    panel = built.data
    for name, text, expr in in_dependency_order(spec.transforms, set(panel.columns)):
        absent = [n for n in expr.names if n in built.missing]
        if absent:
            built.missing.add(name)
            built.notes.append(f"Transform '{name}' ({text}) left out: needs {', '.join(absent)}.")
            continue
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # counted below instead
            values = expr.evaluate(panel, unit, spec.time)
        inputs = [n for n in expr.names if n in panel.columns]
        if inputs and pd.api.types.is_numeric_dtype(values):
            have = panel[inputs].notna().all(axis=1)
            lost = have & ~np.isfinite(pd.to_numeric(values, errors="coerce").astype("float64"))
            if lost.any() and not _uses_lag(text):
                built.notes.append(
                    f"Transform '{name}' = {text}: {int(lost.sum())} row(s) are missing although "
                    f"{', '.join(inputs)} {'is' if len(inputs) == 1 else 'are'} present (log of a "
                    "value <= 0, ln1p of a value <= -1, or a division by 0); they leave every model "
                    f"that uses '{name}'.")
        panel[name] = values
    built.data = panel
    built.files = list(dict.fromkeys(built.files))


def in_dependency_order(transforms: dict[str, str], columns: set[str]
                         ) -> list[tuple[str, str, Expression]]:
    """The transforms in written order, except that one comes after the transforms it uses.

    A study file written in any order (or re-saved with sorted keys) gives the same
    panel; a transform that uses itself through others is refused. A name that is
    also a data column (a transform replacing a column) keeps the written order.
    """
    parsed = {name: Expression(text, where=f"data.transforms.{name}")
              for name, text in transforms.items()}
    needs = {name: [n for n in expr.names if n in parsed and n != name and n not in columns]
             for name, expr in parsed.items()}
    done: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*path[path.index(name):], name])
            raise StudySpecError(f"data.transforms: {cycle} use each other in a circle; "
                                 "define one of them from data columns only.")
        state[name] = 1
        for dep in needs[name]:
            visit(dep, [*path, name])
        state[name] = 2
        done.append(name)

    for name in parsed:
        visit(name, [])
    return [(name, transforms[name], parsed[name]) for name in done]


def _uses_lag(text: str) -> bool:
    """Lags, leads and differences are missing at the panel's edges by design."""
    return any(f"{f}(" in text for f in ("lag", "lead", "diff"))
