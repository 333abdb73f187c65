"""Turn estimation results into the columns of a regression table.

:func:`as_column` accepts every hitex result that has one estimate per term:

- results with the regression contract (``params``, ``std_errors``,
  ``pvalues``, ``nobs``, ``spec``): :func:`hitex.panel`, :func:`hitex.gravity`,
  :func:`hitex.twfe_did`, and :func:`hitex.psm` (one term, ``ATT``; its
  ``spec`` is a dict, read for ``outcome``);
- :func:`hitex.psm_did` results: their DiD regression;
- :func:`hitex.event_study` and :func:`hitex.sun_abraham` results: one term per
  relative period, ``rel_mK`` (K periods before treatment) and ``rel_pK`` (K
  periods after), the reference period left out, plus ``ATT`` for Sun-Abraham;
  the fit and the specification are those of the underlying regression;
- aggregations of :func:`hitex.att_gt` (``result.aggregate(kind)``): ``ATT``
  and, by kind, ``rel_mK``/``rel_pK`` (dynamic), ``group_G`` or ``time_T``.

Parts of the specification a result does not record (fixed effects, the
dependent variable, the standard-error type) are left blank in the table. A
2SLS result (a :func:`hitex.panel` formula with an IV part) also gives its
estimator and first-stage F statistic, which :func:`~hitex.report.tables.regression_table`
shows in rows of their own.
Other objects raise a :class:`~hitex.errors.SpecificationError` that says what
to pass instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError
from hitex.report.formatting import fmt
from hitex.report.labels import word
from hitex.report.model import Row

_SE_METHODS = {"ai2006": "Abadie-Imbens (2006)", "ai2016": "Abadie-Imbens (2016)",
               "bootstrap": "Bootstrap"}


@dataclass(frozen=True)
class Column:
    """What a regression table shows of one result.

    ``fixed_effects`` is None when the result records none (blank cells in the
    fixed-effect rows, rather than "No"); ``depvar`` and ``vcov_label`` are
    None when unknown. ``estimator`` is the short name of the estimator
    ("2SLS", "PPML", "OLS") and ``first_stage_f`` the first-stage F statistic
    of a 2SLS result (None otherwise).

    ``rsquared`` is None for a PPML column: what a PPML result records as
    R-squared is the squared correlation of the outcome and the fitted mean
    (Stata ``ppml``), which is no R-squared of the model; the column shows its
    ``pseudo_r2`` instead when the result records one (``extra["pseudo_rsquared"]``
    or an attribute ``pseudo_rsquared``). ``n_clusters`` holds the number of
    clusters of each clustering variable; ``fstat`` the model F statistic and
    ``depvar_mean`` the mean of the dependent variable in the estimation sample
    where the result records them (attribute or ``extra`` entry ``fstat`` /
    ``depvar_mean``); ``df_resid`` the degrees of freedom of its t statistics
    (None or infinite: the normal distribution), for confidence intervals.
    """

    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    nobs: int | None = None
    rsquared: float | None = None
    rsquared_within: float | None = None
    depvar: str | None = None
    fixed_effects: tuple[str, ...] | None = None
    vcov_label: str | None = None
    notes: tuple[str, ...] = ()
    estimator: str | None = None
    first_stage_f: float | None = None
    rsquared_adj: float | None = None
    n_clusters: tuple[int, ...] = ()
    fstat: float | None = None
    depvar_mean: float | None = None
    pseudo_r2: float | None = None
    df_resid: float | None = None


#: Short names of the IV estimators (their columns get the "Estimator" and first-stage F rows).
IV_ESTIMATORS = ("2SLS", "LIML", "Fuller", "k-class")


def _estimator(spec: Any) -> str | None:
    """Short estimator name for the table: "2SLS", "LIML", "Fuller", "k-class", "PPML", "OLS" or None."""
    text = str(_part(spec, "estimator") or "")
    for short in ("LIML", "Fuller", "k-class"):
        if text.startswith(short):
            return short
    if _part(spec, "instruments") or "2SLS" in text:
        return "2SLS"
    for short in ("PPML", "OLS"):
        if text.startswith(short):
            return short
    return None


def _part(spec: Any, name: str) -> Any:
    """``spec.name`` or ``spec[name]``; None when the spec does not record it."""
    if isinstance(spec, Mapping):
        return spec.get(name)
    return getattr(spec, name, None)


def _has_contract(obj: Any) -> bool:
    return all(
        isinstance(getattr(obj, a, None), pd.Series) for a in ("params", "std_errors", "pvalues")
    )


def _event_name(period: Any) -> str:
    e = int(period)
    return f"rel_m{-e}" if e < 0 else f"rel_p{e}"


def _from_contract(result: Any, notes: tuple[str, ...] = ()) -> Column:
    spec = getattr(result, "spec", None)
    fes = _part(spec, "fixed_effects")
    fixed_effects = None if fes is None else (fes,) if isinstance(fes, str) else tuple(fes)
    depvar = _part(spec, "depvar") or _part(spec, "outcome")
    vcov = _part(spec, "vcov_label") or _SE_METHODS.get(str(getattr(result, "se_method", "")))
    estimator = _estimator(spec)
    clusters = getattr(result, "n_clusters", None)
    df_resid = getattr(result, "df_resid", None)
    return Column(
        params=result.params,
        std_errors=result.std_errors,
        pvalues=result.pvalues,
        nobs=getattr(result, "nobs", None),
        rsquared=None if estimator == "PPML" else getattr(result, "rsquared", None),
        rsquared_within=getattr(result, "rsquared_within", None),
        depvar=None if depvar is None else str(depvar),
        fixed_effects=None if fixed_effects is None else tuple(str(f) for f in fixed_effects),
        vcov_label=None if vcov is None else str(vcov),
        notes=(*(str(n) for n in (_part(spec, "notes") or ())), *notes),
        estimator=estimator,
        first_stage_f=_first_stage_f(result),
        rsquared_adj=getattr(result, "rsquared_adj", None),
        n_clusters=tuple(int(v) for v in clusters.values()) if isinstance(clusters, Mapping)
        else (),
        fstat=_recorded(result, "fstat", "f_statistic"),
        depvar_mean=_depvar_mean(result),
        pseudo_r2=_recorded(result, "pseudo_rsquared", "pseudo_r2"),
        df_resid=None if df_resid is None else float(df_resid),
    )


def _first_stage_f(result: Any) -> float | None:
    """The first-stage F statistic a 2SLS result records in ``extra``, else None."""
    return _recorded(result, "first_stage_f")


def _recorded(result: Any, *names: str) -> float | None:
    """The first of ``names`` the result records as an attribute or in ``extra``, else None."""
    extra = getattr(result, "extra", None)
    for name in names:
        value = getattr(result, name, None)
        if value is None and isinstance(extra, Mapping):
            value = extra.get(name)
        if value is not None:
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if np.isfinite(number):
                return number
    return None


def _depvar_mean(result: Any) -> float | None:
    """The mean of the dependent variable in the estimation sample, where the result records it."""
    return _recorded(result, "depvar_mean", "y_mean", "mean_depvar")


def _matching_notes(result: Any) -> tuple[str, ...]:
    """What the column of a propensity-score matching result (hitex.psm) shows."""
    if not hasattr(result, "se_method"):
        return ()
    method = _part(getattr(result, "spec", None), "method") or "matching"
    return (
        f"Propensity-score matching ({method}): ATT on the treated; N counts the units of the "
        "matched sample.",
    )


def _from_estimates(
    base: Column, est: pd.DataFrame, names: list[str], extra: list[tuple[str, float, float, float]]
) -> Column:
    """``base`` with its terms replaced by ``extra`` rows and the rows of ``est``."""
    terms = [t for t, *_ in extra] + names
    values = np.array([[b, s, p] for _, b, s, p in extra], dtype=float).reshape(-1, 3)
    table = np.vstack([values, est[["estimate", "std_error", "p_value"]].to_numpy(dtype=float)])
    index = pd.Index(terms)
    return Column(
        params=pd.Series(table[:, 0], index=index),
        std_errors=pd.Series(table[:, 1], index=index),
        pvalues=pd.Series(table[:, 2], index=index),
        nobs=base.nobs,
        rsquared=base.rsquared,
        rsquared_within=base.rsquared_within,
        depvar=base.depvar,
        fixed_effects=base.fixed_effects,
        vcov_label=base.vcov_label,
        notes=base.notes,
        estimator=base.estimator,
        first_stage_f=base.first_stage_f,
        rsquared_adj=base.rsquared_adj,
        n_clusters=base.n_clusters,
        fstat=base.fstat,
        depvar_mean=base.depvar_mean,
        pseudo_r2=base.pseudo_r2,
        df_resid=base.df_resid,
    )


def _event_study(result: Any) -> Column:
    from scipy import stats

    ref = int(result.ref)
    est = result.estimates.loc[[int(e) != ref for e in result.estimates.index]]
    extra = []
    what = "Sun-Abraham" if result.method == "sun_abraham" else "TWFE"
    note = (
        f"Event study ({what}): rel_mK and rel_pK are the effects K periods before and after "
        f"treatment, relative to period {ref}."
    )
    if getattr(result, "att", None) is not None:
        att, se = float(result.att), float(result.att_se)
        df = float(result.regression.df_resid)
        dist = stats.t(df) if np.isfinite(df) and df > 0 else stats.norm()
        p = float(2 * dist.sf(abs(att / se))) if se > 0 else float("nan")
        extra.append(("ATT", att, se, p))
        note += " ATT: average effect over the periods after treatment."
    base = _from_contract(result.regression, (note,))
    return _from_estimates(base, est, [_event_name(e) for e in est.index], extra)


def _aggregated_att(result: Any) -> Column:
    from scipy import stats

    att, se = float(result.overall), float(result.overall_se)
    p = float(2 * stats.norm.sf(abs(att / se))) if se > 0 else float("nan")
    est = result.estimates
    if result.kind == "dynamic":
        names = [_event_name(e) for e in est.index]
    elif result.kind in ("group", "calendar"):
        prefix = "group" if result.kind == "group" else "time"
        names = [f"{prefix}_{e}" for e in est.index]
    else:
        est, names = est.iloc[:0], []
    base = Column(
        params=pd.Series(dtype=float),
        std_errors=pd.Series(dtype=float),
        pvalues=pd.Series(dtype=float),
        nobs=int(result.n_units) if getattr(result, "n_units", 0) else None,
        vcov_label="Analytical (influence function)",
        notes=(
            f"Callaway-Sant'Anna ATT ({result.kind} aggregation); N counts units; p-values "
            "from the normal distribution.",
        ),
    )
    return _from_estimates(base, est, names, [("ATT", att, se, p)])


def iv_rows(models: Sequence[Column], stat_rows: Sequence[Row], digits: int,
            lang: str = "en") -> list[Row]:
    """Statistic rows with the 2SLS rows added when a model is estimated by 2SLS.

    Adds an "Estimator" row first (2SLS, OLS or PPML per column) and a
    "First-stage F" row last (blank for columns that are not 2SLS); the
    model's note names the instrumented regressor, the excluded instruments
    and which F statistic is shown. Without a 2SLS model, ``stat_rows`` is
    returned unchanged; so is the "First-stage F" row when ``stat_rows`` has
    one already (``stats=["first_stage_f"]``). Labels are in ``lang``
    (:mod:`hitex.report.labels`).
    """
    if not any(m.estimator in IV_ESTIMATORS for m in models):
        return list(stat_rows)
    estimator = Row.of([word("estimator", lang), *(m.estimator or "" for m in models)],
                       role="stat", key="estimator")
    if any(r.key == "first_stage_f" for r in stat_rows):
        return [estimator, *stat_rows]
    first_f = Row.of([word("first_stage_f", lang), *(fmt(m.first_stage_f, digits) for m in models)],
                     role="stat", key="first_stage_f")
    return [estimator, *stat_rows, first_f]


def as_column(result: Any, position: int) -> Column:
    """The table column of one estimation result.

    Parameters
    ----------
    result : object
        A hitex result (see the module docstring for those accepted).
    position : int
        The column number, 1-based, for messages.

    Returns
    -------
    Column

    Raises
    ------
    SpecificationError
        If the result has no estimates per term, or a term appears twice.
    """
    kind = type(result).__name__
    if _has_contract(result):
        column = _from_contract(result, _matching_notes(result))
    elif isinstance(getattr(result, "estimates", None), pd.DataFrame) and _has_contract(
        getattr(result, "regression", None)
    ):
        column = _event_study(result)
    elif _has_contract(getattr(result, "regression", None)):  # PSM-DiD
        column = _from_contract(result.regression)
    elif all(hasattr(result, a) for a in ("overall", "overall_se", "kind", "estimates")):
        column = _aggregated_att(result)
    elif callable(getattr(result, "aggregate", None)):
        raise SpecificationError(
            f"model ({position}) is of type {kind}: one estimate per group and period, which "
            "does not fit one table column. Aggregate it first: result.aggregate('simple') for the overall "
            "ATT or result.aggregate('dynamic') for effects by event time; or show "
            "result.estimates with frame_table()."
        )
    elif hasattr(result, "pvalue") and hasattr(result, "estimate"):
        raise SpecificationError(
            f"model ({position}) is of type {kind}: a permutation test, not a regression. Put the "
            "regression it tests (hitex.panel(...)) in the table and give the permutation "
            "p-value (result.pvalue) in notes=."
        )
    else:
        raise SpecificationError(
            f"model ({position}) is of type {kind}, which has no estimates per term (params, "
            "std_errors, pvalues). Pass results of hitex.panel, hitex.gravity, hitex.psm, "
            "hitex.psm_did, hitex.event_study, hitex.sun_abraham or att_gt(...).aggregate(); "
            "show other numbers with frame_table()."
        )
    index = column.params.index
    repeated = sorted({str(t) for t in index[index.duplicated()]})
    if repeated:
        raise SpecificationError(
            f"model ({position}) has the term(s) {', '.join(repeated)} more than once; each term "
            "must appear once in a result's params."
        )
    return column


__all__ = ["Column", "as_column", "iv_rows"]
