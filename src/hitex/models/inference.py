"""Variance estimation shared by the linear and Poisson estimators (engine: pyfixest).

:func:`build_result` turns a pyfixest fit into a :class:`~hitex.models.results.RegressionResult`:
it undoes the rescaling of the regressors, applies the small-sample convention
to clustered variances (:func:`hitex.models.small_sample.cluster_adjustment`), refuses variances that
are negative or undefined, notes clusterings with few clusters
(:func:`hitex.models.checks.few_clusters_message`) and, for 2SLS, records the
instruments and the first-stage F statistic (:mod:`hitex.models.iv`).
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import (
    AbsorbedRegressorWarning,
    EstimationError,
    FewClustersWarning,
    SpecificationError,
)
from hitex.models import checks, iv, iv_design
from hitex.models.results import DropRecord, ModelSpec, RegressionResult
from hitex.models.small_sample import (  # noqa: F401 - SSC_CONVENTIONS re-exported
    SSC_CONVENTIONS,
    cluster_adjustment,
    engine_ssc,
    is_nested,
    redundant_levels,
)

# Former private names, kept for the estimators that import them from here
# (panel, gravity); new code uses the public names of hitex.models.small_sample.

_VCOV_NAMES = {"iid": "Conventional", "hetero": "Heteroskedasticity-robust (HC1)",
               "HC1": "Heteroskedasticity-robust (HC1)", "HC2": "Heteroskedasticity-robust (HC2)",
               "HC3": "Heteroskedasticity-robust (HC3)"}


def normalise_vcov(vcov: Any) -> tuple[str | dict[str, str], str, tuple[str, ...]]:
    """Validate ``vcov``; return (pyfixest vcov, type label, cluster columns)."""
    if isinstance(vcov, str):
        if vcov not in _VCOV_NAMES:
            raise SpecificationError(
                f"vcov={vcov!r} is not supported. Use 'iid', 'hetero' (or 'HC1'/'HC2'/'HC3'), or "
                "{'CRV1': 'column'} to cluster by a column."
            )
        return ("hetero" if vcov == "HC1" else vcov), vcov, ()
    if isinstance(vcov, Mapping) and len(vcov) == 1:
        kind, by = next(iter(vcov.items()))
        if kind not in ("CRV1", "CRV3") or not isinstance(by, str) or not by.strip():
            raise SpecificationError(
                f"vcov={dict(vcov)!r} is not supported. Cluster with {{'CRV1': 'column'}} or "
                "{'CRV1': 'col1+col2'} for two-way clustering."
            )
        cols = tuple(c.strip() for c in by.split("+") if c.strip())
        return {kind: "+".join(cols)}, kind, cols
    raise SpecificationError(
        f"vcov={vcov!r} is not supported. Use 'iid', 'hetero', or {{'CRV1': 'column'}}."
    )




def vcov_label(kind: str, cluster: tuple[str, ...], ssc: str | None = None) -> str:
    """The variance's name in tables; without small-sample factor (``ssc="none"``) the
    heteroskedasticity-robust variance is HC0, not HC1."""
    if cluster:
        return f"Clustered ({' & '.join(cluster)})"
    label = _VCOV_NAMES.get(kind, kind)
    return label.replace("(HC1)", "(HC0)") if ssc == "none" else label


def iv_centred_r2(fit: Any, absorbed: bool, r2: float,
                  r2_within: float | None) -> tuple[float, float | None]:
    """The centred R-squared of a 2SLS fit, as Stata ivreg2/ivregress print it.

    ``1 - RSS/TSS`` with the structural residuals ``y - X b`` (the endogenous
    regressors' own values, not their first-stage fits) and the centred total
    sum of squares; it can be negative. With absorbed fixed effects it is the
    within R-squared (on the demeaned data, as ivreghdfe reports it) and the
    overall R-squared is left missing.
    """
    resid = np.asarray(fit._u_hat, dtype=float).ravel()
    y = np.asarray(fit._Y, dtype=float).ravel()
    tss = float(((y - y.mean()) ** 2).sum())
    value = 1.0 - float(resid @ resid) / tss if tss > 0 else float("nan")
    if absorbed:
        return r2, value
    return value, r2_within


def build_result(fit: Any, spec: ModelSpec, dropped: tuple[DropRecord, ...],
           sample_index: pd.Index, sample: pd.DataFrame | None = None, *,
           x_scale: Mapping[str, float] | None = None, y_scale: float = 1.0,
           cluster_names: Sequence[str] | None = None) -> RegressionResult:
    """Turn a pyfixest fit into a :class:`RegressionResult`.

    ``x_scale``/``y_scale`` undo :func:`hitex.models.panel.rescaled`:
    coefficient ``j`` is multiplied by ``y_scale / x_scale[j]`` and the
    variance accordingly. ``cluster_names`` are the names shown for the
    clusters when the engine clusters by a helper column (gravity's
    ``exporter^importer`` pairs). Adds the notes that depend on the variance
    (few clusters, the 2SLS first stage) and raises
    :class:`~hitex.errors.EstimationError` when a variance is negative or
    undefined, rather than report a coefficient without a standard error.
    """
    from scipy import stats

    names = [str(c) for c in fit._coefnames]
    if not names:
        raise EstimationError(
            f"no regressor of {spec.formula!r} could be estimated: all were absorbed by the "
            "fixed effects or are collinear."
        )
    mult = np.array([y_scale / (x_scale or {}).get(n, 1.0) for n in names])
    params = pd.Series(np.asarray(fit.coef(), dtype=float) * mult, index=names, name="estimate")
    vcov = np.asarray(fit._vcov, dtype=float) * np.outer(mult, mult)
    df_resid = float(fit._df_t)
    clusters: dict[str, int] = {}
    if spec.cluster:
        g = np.atleast_1d(np.asarray(fit._G))
        for col, n in zip(spec.cluster, g, strict=False):
            clusters[col] = int(n)
        frame = fit._data if sample is None else sample
        factor, _ = cluster_adjustment(fit, spec, frame)
        vcov = vcov * factor
        df_resid = float(np.min(g) - 1)
    variance = np.diag(vcov)
    bad = [n for n, v in zip(names, variance, strict=True) if not np.isfinite(v) or v < 0]
    if bad:
        raise EstimationError(invalid_variance_message(bad, spec))
    se_values = np.sqrt(variance)
    se = pd.Series(se_values, index=names, name="std_error")
    with np.errstate(divide="ignore", invalid="ignore"):
        tvalues = params.to_numpy() / se_values
    tstat = pd.Series(tvalues, index=names, name="statistic")
    pval = pd.Series(2 * stats.t.sf(np.abs(tstat.to_numpy()), df_resid), index=names,
                     name="p_value")
    vc = pd.DataFrame(vcov, index=names, columns=names)
    r2_within = getattr(fit, "_r2_within", None)
    r2_within = float(r2_within) if spec.fixed_effects and r2_within is not None else None
    r2 = float(fit._r2)
    if spec.endogenous and not np.isfinite(r2 if not spec.fixed_effects else (r2_within or np.nan)):
        r2, r2_within = iv_centred_r2(fit, bool(spec.fixed_effects), r2, r2_within)
    spec, extra = _derived_notes(fit, spec, sample, clusters, cluster_names,
                                 x_scale=x_scale, y_scale=y_scale)

    def refit(new_vcov: Any) -> RegressionResult:
        pf_vcov, kind, cluster = normalise_vcov(new_vcov)
        if cluster and sample is not None:
            checks.require_cluster_columns(sample, cluster, new_vcov, in_model=True)
        clone = copy.copy(fit)
        try:
            clone._ssc_dict = engine_ssc(pf_vcov, spec.ssc)
            clone.vcov(pf_vcov)
        except Exception as err:
            raise EstimationError(f"could not compute vcov={new_vcov!r}: {err}") from err
        new_spec = ModelSpec(**{**spec.__dict__, "vcov_type": kind, "cluster": cluster,
                                "vcov_label": vcov_label(kind, cluster, spec.ssc)})
        return build_result(clone, new_spec, dropped, sample_index, sample, x_scale=x_scale,
                      y_scale=y_scale)

    return RegressionResult(
        _params=params,
        _std_errors=se,
        _tstats=tstat,
        _pvalues=pval,
        _vcov=vc,
        nobs=int(fit._N),
        rsquared=r2,
        rsquared_within=r2_within,
        df_resid=df_resid,
        spec=spec,
        dropped=dropped,
        n_clusters=clusters,
        rsquared_adj=float(fit._adj_r2) if getattr(fit, "_adj_r2", None) is not None else None,
        sample_index=sample_index,
        _refit=refit,
        extra=extra,
    )


def _derived_notes(fit: Any, spec: ModelSpec, sample: pd.DataFrame | None,
                   clusters: Mapping[str, int], cluster_names: Sequence[str] | None, *,
                   x_scale: Mapping[str, float] | None = None, y_scale: float = 1.0,
                   ) -> tuple[ModelSpec, dict[str, Any]]:
    """``spec`` with the notes that depend on the variance renewed, and the 2SLS statistics.

    For 2SLS, ``extra`` holds the first-stage F (:func:`hitex.models.iv.first_stage`)
    and, under ``"iv_design"``, the partialled data the IV diagnostics need
    (:class:`hitex.models.iv_design.IVDesign`).

    Warns :class:`~hitex.errors.FewClustersWarning` when a clustering variable
    has fewer than :data:`hitex.models.checks.MIN_CLUSTERS` clusters.
    """
    notes = [n for n in spec.notes
             if not n.startswith((checks.FEW_CLUSTERS_PREFIX, iv.NOTE_PREFIX,
                                  iv.DROPPED_INSTRUMENT_PREFIX))]
    shown = dict(zip(cluster_names or tuple(clusters), clusters.values(), strict=False))
    few = checks.few_clusters_message(shown)
    if few:
        warnings.warn(FewClustersWarning(few), stacklevel=4)
        notes.append(few)
    extra: dict[str, Any] = {}
    if getattr(fit, "_is_iv", False):
        design = iv_design.design_from_fit(fit, sample, x_scale=x_scale, y_scale=y_scale)
        dropped = iv_design.check_instruments(spec.instruments, design, spec.fixed_effects,
                                              spec.endogenous, allow_absorbed=True)
        extra = iv.first_stage(fit, spec, sample)
        notes.append(iv.note(extra))
        for name in dropped:
            text = iv.dropped_instrument_note(name)
            warnings.warn(AbsorbedRegressorWarning(text), stacklevel=4)
            notes.append(text)
        extra["iv_design"] = design
    return dataclasses.replace(spec, notes=tuple(notes)), extra


def invalid_variance_message(names: Sequence[str], spec: ModelSpec) -> str:
    """Explain a negative or undefined variance and what to do about it."""
    listed = ", ".join(f"'{n}'" for n in names)
    msg = (f"the variance of the coefficient(s) of {listed} in {spec.formula!r} is negative or "
           f"undefined under {spec.vcov_label} standard errors, so no standard error can be "
           "reported. ")
    if len(spec.cluster) > 1:
        return msg + (
            "Multi-way cluster-robust variances (V_a + V_b - V_ab) can be negative when a "
            "clustering has few groups. Cluster by one variable instead (in Python "
            f"vcov={{'CRV1': '{spec.cluster[0]}'}}, in a study file vcov: {{CRV1: "
            f"{spec.cluster[0]}}})."
        )
    return msg + (
        "The regressors are (nearly) collinear with each other or with the fixed effects. "
        "Remove one of them from the formula, or rescale regressors computed inside the "
        "formula (e.g. I(x / 1000) or a new column) so that they are of similar size."
    )
