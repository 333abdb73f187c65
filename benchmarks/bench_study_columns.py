"""The cost of a study table's columns against its costliest single column.

A regression table's columns share the study sample, fixed effects and
clustering; estimated one by one, each demeans the data again. This script
times every column of the regression tables of a built-in study (and, with
``--rows``, of a synthetic panel with 20 columns of controls added one at a
time) and prints the total against the costliest column: the ratio that the
shared-demeaning target (at most 1.5) is about.

Usage::

    python benchmarks/bench_study_columns.py --study trade-facilitation
    python benchmarks/bench_study_columns.py --rows 1000000
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import hitex
from hitex.studies.build import build_panel
from hitex.studies.spec import load_study


def _time(formula: str, data: pd.DataFrame, vcov, method: str | None = None) -> float:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method is None:
            hitex.panel(formula, data, vcov=vcov)
        else:
            hitex.gravity(formula, data, method=method, vcov=vcov)
    return time.perf_counter() - t0


def study_columns(name: str) -> list[tuple[str, float]]:
    """(formula, seconds) of every column of the study's plain regression tables.

    Each column as the study estimates it: its table's and its own sample filter,
    and without the terms of optional inputs the bundle lacks (as the study
    leaves them out).
    """
    from hitex.studies.expr import evaluate
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
        for model in table.models:
            formula, _ = without_missing(model.formula, built.missing)
            if formula is None or any(c in built.missing for c in model.requires):
                continue  # the study leaves the column out on these data
            data = rows(rows(panel, table.sample), model.sample)
            method = (model.method or table.method) if estimator == "gravity" else None
            vcov = model.vcov if model.vcov is not None else table.vcov
            out.append((formula, _time(formula, data, vcov, method)))
    return out


def synthetic_columns(rows: int, controls: int = 20, seed: int = 0) -> list[tuple[str, float]]:
    """A panel with ``rows`` rows; column k adds the k-th control (fixest's csw)."""
    rng = np.random.default_rng(seed)
    units = max(rows // 20, 2)
    data = pd.DataFrame({"unit": np.repeat(np.arange(units), 20),
                         "year": np.tile(np.arange(20), units)})
    rows = len(data)
    names = [f"c{j}" for j in range(controls)]
    for col in ["x", *names]:
        data[col] = rng.normal(size=rows)
    data["y"] = data["x"] + data[names].sum(axis=1) * 0.1 + rng.normal(size=rows)
    out = []
    for k in range(controls + 1):
        formula = "y ~ " + " + ".join(["x", *names[:k]]) + " | unit + year"
        out.append((formula, _time(formula, data, {"CRV1": "unit"})))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default=None)
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    warm = pd.DataFrame({"g": np.repeat(np.arange(30), 5), "t": np.tile(np.arange(5), 30)})
    warm["x"] = np.random.default_rng(1).normal(size=150)
    warm["y"] = warm["x"] + np.random.default_rng(2).normal(size=150)
    _time("y ~ x | g + t", warm, {"CRV1": "g"})  # engine start-up (imports, compilation) first
    runs = []
    if args.study or not args.rows:
        runs.append((args.study or "trade-facilitation",
                     study_columns(args.study or "trade-facilitation")))
    if args.rows:
        runs.append((f"synthetic {args.rows:,} rows x 21 columns", synthetic_columns(args.rows)))
    for label, columns in runs:
        total = sum(s for _, s in columns)
        worst = max(s for _, s in columns)
        print(f"{label}: {len(columns)} columns, total {total:.2f} s, costliest {worst:.2f} s, "
              f"ratio {total / worst:.1f} (target <= 1.5 once columns share their demeaning)")


if __name__ == "__main__":
    main()
