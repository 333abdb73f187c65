"""The source study's printed numbers beside hitex's: the ``comparisons`` of a study file.

A comparison names a table of the run and what the source study printed for it:

* regression columns (``columns``): coefficients with or without standard
  errors, N and R-squared (``r2_kind: within`` for the within R-squared a
  fixed-effects table prints, ``overall`` for the R-squared of a regression
  with the effects as dummies, as study 001 prints);
* descriptive statistics (``variables``): N, mean, standard deviation (or
  ``variance``, as some studies print it), minimum and maximum per variable.

The printed numbers are targets to compare with: nothing computes with them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from hitex.report.formatting import fmt

#: The note under a comparison of regression columns.
REGRESSION_NOTE = (
    "paper: coefficient (standard error) as printed. hitex: coefficient (standard error "
    "clustered by unit) and, in the next column, the conventional fixed-effects standard "
    "error (Stata xtreg/areg default), the one comparable with the paper's.")

#: The note under a comparison of descriptive statistics.
DESCRIPTIVE_NOTE = ("paper: the statistic as printed. hitex: the same statistic of the study's "
                    "sample (Stata summarize: N non-missing, sample standard deviation).")


def _cell(coef: float | None, se: float | None, digits: int = 3) -> str:
    if coef is None or (isinstance(coef, float) and np.isnan(coef)):
        return ""
    text = fmt(coef, digits, readable=True)  # -6.67e-05, not -0.000
    if se is not None and not (isinstance(se, float) and np.isnan(se)):
        text += f" ({fmt(se, digits, readable=True)})"
    return text


def regression_rows(comp: Any, results: list[Any], conventional: list[Any],
                    positions: list[int], labels: dict[str, str]) -> list[dict[str, str]]:
    """One row per printed coefficient, N and R-squared of the comparison's columns."""
    rows: list[dict[str, str]] = []
    for col in comp.columns:
        if col.column not in positions:
            continue  # that model was left out (see the run's notes)
        at = positions.index(col.column)
        res = results[at]
        conv = conventional[at] if conventional else None
        model = f"({col.column})"
        for term, printed in col.estimates.items():
            has = term in res.params.index
            coef = float(res.params[term]) if has else None
            rows.append({
                "model": model, "statistic": labels.get(term, term),
                "paper": _cell(printed.coef, printed.se),
                "hitex": _cell(coef, float(res.std_errors[term]) if has else None),
                "hitex conventional SE": f"({float(conv.std_errors[term]):.3f})"
                if conv is not None and has else "",
                "difference": f"{coef - printed.coef:+.3f}" if coef is not None else "",
            })
        if col.nobs is not None:
            rows.append({"model": model, "statistic": "N", "paper": f"{col.nobs:,}",
                         "hitex": f"{res.nobs:,}", "hitex conventional SE": "",
                         "difference": f"{res.nobs - col.nobs:+d}"})
        kind = getattr(col, "r2_kind", "within")
        r2 = res.rsquared_within if kind == "within" else res.rsquared
        if col.r2 is not None and r2 is not None and math.isfinite(r2):
            rows.append({"model": model, "statistic": f"R-squared ({kind})",
                         "paper": f"{col.r2:.3f}", "hitex": f"{r2:.3f}",
                         "hitex conventional SE": "", "difference": f"{r2 - col.r2:+.3f}"})
    return rows


def summary_statistics(data: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Stata ``summarize``: N, mean, sd (n-1), variance, min, max of each variable."""
    frame = data[variables].apply(pd.to_numeric, errors="coerce")
    return pd.DataFrame({"nobs": frame.count(), "mean": frame.mean(), "sd": frame.std(ddof=1),
                         "variance": frame.var(ddof=1), "min": frame.min(),
                         "max": frame.max()})


def descriptive_rows(comp: Any, stats: pd.DataFrame,
                     labels: dict[str, str]) -> list[dict[str, str]]:
    """One row per printed statistic of each variable."""
    rows: list[dict[str, str]] = []
    for var, printed in comp.variables.items():
        have = var in stats.index
        for key in ("nobs", "mean", "sd", "variance", "min", "max"):
            paper = getattr(printed, key)
            if paper is None:
                continue
            ours = float(stats.at[var, key]) if have else None
            if key == "nobs":
                shown = (f"{int(paper):,}", f"{int(ours):,}" if ours is not None else "",
                         f"{int(ours - paper):+d}" if ours is not None else "")
            else:
                shown = (fmt(paper, 3, readable=True),
                         fmt(ours, 3, readable=True) if ours is not None else "",
                         f"{ours - paper:+.3f}" if ours is not None else "")
            rows.append({"variable": labels.get(var, var), "statistic": key,
                         "paper": shown[0], "hitex": shown[1], "difference": shown[2]})
    return rows


def comparison_frame(comp: Any, run: Any, labels: dict[str, str] | None = None,
                     data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The comparison's rows (regression columns or descriptive statistics).

    ``run`` is the :class:`~hitex.studies.runner.StudyRun` (its ``results``,
    ``positions`` and ``frames``); descriptive statistics are read from
    ``run.frames[comp.table]`` (the table's statistics) or computed on ``data``.
    """
    labels = labels or {}
    if comp.variables:
        stats = run.frames.get(f"{comp.table}_statistics")
        if stats is None:
            stats = summary_statistics(data if data is not None else run.panel,
                                       [v for v in comp.variables
                                        if v in (data if data is not None else run.panel)])
        return pd.DataFrame(descriptive_rows(comp, stats, labels))
    results = run.results.get(comp.table, [])
    positions = run.positions.get(comp.table, list(range(1, len(results) + 1)))
    return pd.DataFrame(regression_rows(comp, results, run.results.get(f"{comp.table}_iid", []),
                                        positions, labels))


def comparison_notes(comp: Any) -> tuple[str, ...]:
    """The standard note of the comparison's kind, then the study file's reasons."""
    return (DESCRIPTIVE_NOTE if comp.variables else REGRESSION_NOTE, *comp.reasons)


__all__ = ["DESCRIPTIVE_NOTE", "REGRESSION_NOTE", "comparison_frame", "comparison_notes",
           "descriptive_rows", "regression_rows", "summary_statistics"]
