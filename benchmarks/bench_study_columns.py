"""The cost of a study table's columns against its costliest single column.

A regression table's columns share the study sample, fixed effects and
clustering. Estimated one by one, each checks the data, builds its model
matrix and demeans every variable again; estimated together
(:class:`hitex.models.panel_columns.SharedColumns`, what ``hitex run`` does)
the sample, the rescaling and the demeaning are done once per group of
columns. This script times every regression column of a built-in study (and,
with ``--rows``, of a synthetic panel with 21 columns that add one control at
a time, fixest's ``csw0()``) both ways, and prints the total of the columns
estimated together against the costliest column estimated alone: the ratio
the target (at most 1.5) is about. It also prints the largest relative
difference between the two ways' coefficients and standard errors.

Gravity (PPML) columns are estimated by iterated reweighting, whose weights
differ from column to column, so they are timed alone in both totals.

Usage::

    python benchmarks/bench_study_columns.py --study trade-facilitation
    python benchmarks/bench_study_columns.py --study tbt-gravity
    python benchmarks/bench_study_columns.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import hitex
from hitex.models.panel_columns import Column, SharedColumns


@dataclass
class Spec:
    table: str
    formula: str
    data: pd.DataFrame
    vcov: Any
    method: str | None  # gravity method, None for hitex.panel


def _alone(spec: Spec) -> hitex.RegressionResult:
    if spec.method is None:
        return hitex.panel(spec.formula, spec.data, vcov=spec.vcov)
    return hitex.gravity(spec.formula, spec.data, method=spec.method, vcov=spec.vcov)


def _together(specs: list[Spec]) -> list[hitex.RegressionResult]:
    """Each table's panel columns through one SharedColumns, gravity columns alone."""
    out: dict[int, hitex.RegressionResult] = {}
    for table in dict.fromkeys(s.table for s in specs):
        mine = [(i, s) for i, s in enumerate(specs) if s.table == table]
        panel_cols = [(i, s) for i, s in mine if s.method is None]
        shared = SharedColumns([Column(s.formula, s.data, s.vcov) for _, s in panel_cols])
        for k, (i, _) in enumerate(panel_cols):
            out[i] = shared.result(k)
        for i, s in mine:
            if s.method is not None:
                out[i] = _alone(s)
    return [out[i] for i in range(len(specs))]


def study_columns(name: str) -> list[Spec]:
    """Every column of the study's plain regression tables, as the study estimates it.

    Each column with its table's and its own sample filter, and without the
    terms of optional inputs the bundle lacks (as the study leaves them out).
    """
    from hitex.studies.build import build_panel
    from hitex.studies.expr import evaluate
    from hitex.studies.spec import load_study
    from hitex.studies.tables.regression import without_missing

    spec = load_study(name)
    built = build_panel(spec.data)
    panel = built.data
    unit = "pair" if spec.data.kind == "dyadic" else spec.data.unit
    out = []

    def rows(data: pd.DataFrame, text: str | None) -> pd.DataFrame:
        if not text:
            return data
        mask = evaluate(text, data, unit=unit, time=spec.data.time)
        return data.loc[mask.fillna(False).astype(bool)]

    for table in spec.tables:
        if getattr(table, "kind", "regression") != "regression" or not table.models:
            continue
        estimator = getattr(table, "estimator", "panel")
        if estimator not in ("panel", "gravity"):
            continue
        table_rows = rows(panel, table.sample)
        for model in table.models:
            formula, _ = without_missing(model.formula, built.missing)
            if formula is None or any(c in built.missing for c in model.requires):
                continue  # the study leaves the column out on these data
            if getattr(model, "estimator", None) == "liml":
                continue
            method = (model.method or table.method) if estimator == "gravity" else None
            vcov = model.vcov if model.vcov is not None else table.vcov
            out.append(Spec(table.name, formula, rows(table_rows, model.sample), vcov, method))
    return out


def synthetic_columns(rows: int, controls: int = 20, seed: int = 0) -> list[Spec]:
    """A panel with ``rows`` rows; column k adds the k-th control (fixest's csw0)."""
    rng = np.random.default_rng(seed)
    units = max(rows // 20, 2)
    data = pd.DataFrame({"unit": np.repeat(np.arange(units), 20),
                         "year": np.tile(np.arange(20), units)})
    n = len(data)
    names = [f"c{j}" for j in range(controls)]
    for col in ["x", *names]:
        data[col] = rng.normal(size=n)
    data["y"] = data["x"] + data[names].sum(axis=1) * 0.1 + rng.normal(size=n)
    return [Spec("synthetic", "y ~ " + " + ".join(["x", *names[:k]]) + " | unit + year", data,
                 {"CRV1": "unit"}, None) for k in range(controls + 1)]


def _seconds(call) -> tuple[float, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        value = call()
        return time.perf_counter() - t0, value


def measure(label: str, specs: list[Spec], repeat: int) -> None:
    """Print the totals, the costliest column and the ratio (best of ``repeat`` runs)."""
    alone_times = [min(_seconds(lambda s=s: _alone(s))[0] for _ in range(repeat)) for s in specs]
    runs = [_seconds(lambda: _together(specs)) for _ in range(repeat)]
    together_time = min(t for t, _ in runs)
    together = runs[0][1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = [_alone(s) for s in specs]
    diff = max(float(np.max(np.abs((a.params - b.params) / b.params).fillna(0)))
               for a, b in zip(together, alone, strict=True))
    diff_se = max(float(np.max(np.abs((a.std_errors - b.std_errors) / b.std_errors).fillna(0)))
                  for a, b in zip(together, alone, strict=True))
    worst = max(alone_times)
    print(f"{label}: {len(specs)} columns; one by one {sum(alone_times):.2f} s, together "
          f"{together_time:.2f} s, costliest column {worst:.2f} s; ratio together/costliest "
          f"{together_time / worst:.2f} (one by one {sum(alone_times) / worst:.1f}; target <= 1.5);"
          f" largest relative difference: coefficients {diff:.1e}, standard errors {diff_se:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default=None)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    warm = pd.DataFrame({"g": np.repeat(np.arange(30), 5), "t": np.tile(np.arange(5), 30)})
    warm["x"] = np.random.default_rng(1).normal(size=150)
    warm["c"] = np.random.default_rng(3).normal(size=150)
    warm["y"] = warm["x"] + np.random.default_rng(2).normal(size=150)
    _seconds(lambda: hitex.panel_columns(["y ~ x | g + t", "y ~ x + c | g + t"], warm,
                                         vcov={"CRV1": "g"}))  # imports and compilation first
    if args.study or not args.rows:
        name = args.study or "trade-facilitation"
        measure(name, study_columns(name), args.repeat)
    if args.rows:
        measure(f"synthetic {args.rows:,} rows x 21 columns", synthetic_columns(args.rows),
                args.repeat)


if __name__ == "__main__":
    main()
