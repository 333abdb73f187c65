"""Regressors the estimation engine could not estimate: found, explained and recorded.

pyfixest drops a regressor that is collinear with the fixed effects or with
the other regressors and says so in a warning whose wording changes with the
number of variables dropped. hitex does not read that text: it compares the
columns the formula asks for (after expansion, so ``C(year)`` stands for its
dummy columns) with the coefficients the engine returns
(:func:`missing_terms`), and records every missing one with the reason
(:func:`record_dropped`): *absorbed* by a fixed effect when all the data
columns of the term are constant within that fixed effect's groups, else
*collinear* with the other regressors.

pyfixest's collinearity tolerance is absolute, so regressors computed inside
the formula (which hitex cannot rescale) may be kept although they are an
exact linear combination of others, with meaningless estimates.
:func:`scale_free_collinear` repeats the check on the demeaned design with
the columns scaled to unit length, and :func:`refit_scale_free` re-estimates
with a tolerance that drops exactly those columns.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import AbsorbedRegressorWarning, EstimationError, HitexError
from hitex.models.formula import names_in
from hitex.models.results import DropRecord

#: A column is collinear when 1 - R^2 of its regression on the columns before
#: it (all demeaned) is below this; about pyfixest's rule on unit-scale data.
REL_COLLIN_TOL = 1e-12

#: pyfixest's default collinearity tolerance (absolute, on X'X of the demeaned design).
ENGINE_COLLIN_TOL = 1e-10


def design_terms(fit: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(term, columns) of the regressors the engine was asked to estimate.

    Read from the formula expansion the engine recorded (formulaic's model
    spec); without it, each returned or dropped coefficient counts as its own
    term. The intercept is left out.
    """
    try:
        structure = fit._model_spec.second_stage.rhs.structure
        terms = [(str(s.term), tuple(str(c) for c in s.columns)) for s in structure]
    except AttributeError:
        names = [*map(str, fit._coefnames), *map(str, getattr(fit, "_collin_vars", []) or [])]
        terms = [(n, (n,)) for n in names]
    out = []
    for term, cols in terms:
        cols = tuple(c for c in cols if c != "Intercept")
        if cols:
            out.append((term, cols))
    return out


def missing_terms(fit: Any) -> list[tuple[str, tuple[str, ...], bool]]:
    """Terms with columns the engine did not estimate: (term, missing columns, whole term)."""
    estimated = {str(c) for c in fit._coefnames}
    out = []
    for term, cols in design_terms(fit):
        missing = tuple(c for c in cols if c not in estimated)
        if missing:
            out.append((term, missing, len(missing) == len(cols)))
    return out


def _constant_within(values: pd.Series, groups: np.ndarray, rtol: float) -> bool:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = values.astype(float)
        spread = float(x.max() - x.min()) if len(x) else 0.0
        if not np.isfinite(spread):
            return False
        by = x.groupby(groups)
        return float((by.max() - by.min()).max()) <= rtol * spread
    return int(values.groupby(groups).nunique(dropna=False).max()) <= 1


def absorbing_fe(data: pd.DataFrame, term: str, fes: Sequence[str],
                 rtol: float = 0.0) -> str | None:
    """Name the first fixed effect within whose groups every column of ``term`` is constant.

    ``term`` is a formula term (``x``, ``log(x)``, ``C(year)``); its data
    columns are read with :func:`hitex.models.formula.names_in`. Numeric
    values that differ within a group by at most ``rtol`` times the column's
    overall spread count as constant. Returns None when no fixed effect
    absorbs the term, or it uses no data column.
    """
    try:
        columns = [c for c in names_in(term) if c in data.columns]
    except HitexError:
        columns = [term] if term in data.columns else []
    if not columns or not len(data):
        return None
    for fe in fes:
        try:
            groups = data.groupby(fe.split("^"), observed=True, sort=False,
                                  dropna=False).ngroup().to_numpy()
        except (KeyError, TypeError, ValueError):
            continue
        if all(_constant_within(data[c], groups, rtol) for c in columns):
            return fe
    return None


def drop_message(label: str, fe: str | None) -> str:
    """Why regressor ``label`` was dropped and what to do, for warnings and notes."""
    if fe:
        return (f"regressor {label} dropped: absorbed by the {fe} fixed effect (it does not "
                f"vary within {fe} groups, so its effect cannot be told apart from the fixed "
                f"effect). Remove it from the formula, or drop the {fe} fixed effect to "
                "estimate it.")
    return (f"regressor {label} dropped: collinear with other regressors (a linear "
            "combination of them, so its effect cannot be told apart from theirs). Remove it, "
            "or a regressor it duplicates, from the formula.")


def record_dropped(fit: Any, data: pd.DataFrame, fixed_effects: Sequence[str],
                   dropped: list[DropRecord], notes: list[str], *, rtol: float = 0.0,
                   stacklevel: int = 3) -> None:
    """Warn about, note and record every regressor the engine did not estimate.

    One :class:`AbsorbedRegressorWarning`, note and
    :class:`~hitex.models.results.DropRecord` (reason ``"absorbed"``, naming
    the fixed effect, or ``"collinear"``) per formula term; a factor whose
    columns are all dropped (``C(year)`` under a year fixed effect) counts
    once, a factor that loses some columns names them.
    """
    for term, cols, whole in missing_terms(fit):
        fe = absorbing_fe(data, term, fixed_effects, rtol)
        if whole:
            label = f"'{term}'" + (f" (all {len(cols)} columns)" if len(cols) > 1 else "")
            what = term
        else:
            label = ", ".join(f"'{c}'" for c in cols) + f" (of '{term}')"
            what = f"{', '.join(cols)} (of {term})"
        why = f"absorbed by the {fe} fixed effect" if fe else "collinear with other regressors"
        msg = drop_message(label, fe)
        warnings.warn(AbsorbedRegressorWarning(msg), stacklevel=stacklevel)
        notes.append(msg)
        dropped.append(DropRecord("absorbed" if fe else "collinear", 1, f"{what}: {why}"))


def scale_free_collinear(fit: Any, rel_tol: float = REL_COLLIN_TOL
                         ) -> tuple[list[str], float | None]:
    """Estimated columns that are linear combinations of earlier ones, whatever their scale.

    Runs pyfixest's in-order Cholesky check on the demeaned design, but flags
    column ``j`` when its residual sum of squares on the columns kept before
    it is below ``rel_tol`` times its own sum of squares (1 - R^2 <
    ``rel_tol``). Returns the flagged names and an absolute tolerance that
    makes pyfixest drop exactly those (None if none exists, e.g. because the
    columns differ in scale too much). Only for OLS fits (not IV, not PPML).
    """
    if getattr(fit, "_method", "") != "feols" or getattr(fit, "_is_iv", False):
        return [], None
    x = getattr(fit, "_X_untransformed", None)
    x = np.asarray(fit._X if x is None else x, dtype=float)
    names = [str(c) for c in fit._coefnames]
    if x.ndim != 2 or x.shape[1] != len(names) or not len(names):
        return [], None
    return scale_free_collinear_gram(x.T @ x, names, rel_tol)


def scale_free_collinear_gram(gram: np.ndarray, names: Sequence[str],
                              rel_tol: float = REL_COLLIN_TOL) -> tuple[list[str], float | None]:
    """:func:`scale_free_collinear` from the cross-product matrix ``X'X`` of the demeaned design."""
    from scipy.linalg import solve_triangular

    names = [str(n) for n in names]
    lower = np.zeros_like(gram)
    pivots = np.empty(len(names))
    kept: list[int] = []
    flagged: list[int] = []
    for j in range(len(names)):
        v = (solve_triangular(lower[np.ix_(kept, kept)], gram[kept, j], lower=True)
             if kept else np.empty(0))
        pivots[j] = gram[j, j] - float(v @ v)
        if not gram[j, j] > 0 or pivots[j] <= rel_tol * gram[j, j]:
            flagged.append(j)
            continue
        lower[j, kept] = v
        lower[j, j] = np.sqrt(pivots[j])
        kept.append(j)
    if not flagged:
        return [], None
    low = max(float(np.max(pivots[flagged])), ENGINE_COLLIN_TOL)
    high = min(float(np.min(pivots[kept])) if kept else np.inf, 0.5)  # the engine needs < 1
    tol = float(np.sqrt(low * high))
    return [names[j] for j in flagged], tol if low < tol <= high else None


def refit_scale_free(fit: Any, refit: Callable[[float], Any], formula: str) -> Any:
    """Re-estimate without the columns :func:`scale_free_collinear` flags.

    ``refit(collin_tol)`` runs the engine again with that collinearity
    tolerance. Raises :class:`~hitex.errors.EstimationError` naming the
    columns when no tolerance drops exactly them.
    """
    flagged, tol = scale_free_collinear(fit)
    if not flagged:
        return fit
    if tol is not None:
        new = refit(tol)
        names = {str(c) for c in new._coefnames}
        if not scale_free_collinear(new)[0] and not names & set(flagged):
            return new
    listed = ", ".join(f"'{n}'" for n in flagged)
    raise EstimationError(
        f"regressor(s) {listed} of {formula!r} are linear combinations of the other regressors "
        "(after removing the fixed effects) up to rounding error, but differ so much in scale "
        "from the others that they cannot be dropped automatically. Remove them from the "
        "formula, or rescale the regressors computed inside the formula (e.g. I(x / 1000) or "
        "a new column) so that they are of similar size."
    )


__all__ = [
    "REL_COLLIN_TOL",
    "absorbing_fe",
    "design_terms",
    "drop_message",
    "missing_terms",
    "record_dropped",
    "refit_scale_free",
    "scale_free_collinear",
    "scale_free_collinear_gram",
]
