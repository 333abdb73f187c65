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


def _time(formula: str, data: pd.DataFrame, vcov) -> float:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hitex.panel(formula, data, vcov=vcov)
    return time.perf_counter() - t0


def study_columns(name: str) -> list[tuple[str, float]]:
    """(formula, seconds) of every column of the study's plain regression tables."""
    spec = load_study(name)
    panel = build_panel(spec.data).data
    out = []
    for table in spec.tables:
        if getattr(table, "kind", "regression") != "regression" or not table.models:
            continue
        if getattr(table, "estimator", "panel") != "panel":
            continue
        for model in table.models:
            data = panel if model.sample is None else panel.query(model.sample.replace(
                " and ", " & "))
            out.append((model.formula, _time(model.formula, data, table.vcov)))
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
