"""Variance estimation shared by the linear and Poisson estimators (engine: pyfixest).

:func:`_build` turns a pyfixest fit into a :class:`~hitex.models.results.RegressionResult`:
it undoes the rescaling of the regressors, applies the small-sample convention
to clustered variances (:func:`_cluster_adjustment`), refuses variances that
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

from hitex.errors import EstimationError, FewClustersWarning, SpecificationError
from hitex.models import checks, iv
from hitex.models.results import DropRecord, ModelSpec, RegressionResult

#: pyfixest small-sample settings for each named convention.
SSC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "reghdfe": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "fixest": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "none": {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"},
}


_VCOV_NAMES = {"iid": "Conventional", "hetero": "Heteroskedasticity-robust (HC1)",
               "HC1": "Heteroskedasticity-robust (HC1)", "HC2": "Heteroskedasticity-robust (HC2)",
               "HC3": "Heteroskedasticity-robust (HC3)"}


def _normalise_vcov(vcov: Any) -> tuple[str | dict[str, str], str, tuple[str, ...]]:
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


def _vcov_label(kind: str, cluster: tuple[str, ...]) -> str:
    if cluster:
        return f"Clustered ({' & '.join(cluster)})"
    return _VCOV_NAMES.get(kind, kind)



def _engine_ssc(vcov: Any, ssc: str) -> dict[str, Any]:
    """Small-sample settings handed to pyfixest.

    For clustered errors hitex asks pyfixest for the *unadjusted* sandwich and
    applies the convention itself (:func:`_cluster_adjustment`): pyfixest
    0.60's detection of fixed effects nested in the clusters compares rows of
    two differently ordered arrays in some runs, so the same model could get
    ``K`` = 3 in one process and 10 in the next.
    """
    if isinstance(vcov, Mapping):
        return {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"}
    return SSC_CONVENTIONS[ssc]


def _is_nested(data: pd.DataFrame, fe: str, cluster: Sequence[str]) -> bool:
    """True if every level of fixed effect ``fe`` lies within one cluster."""
    cols = fe.split("^")
    for col in cluster:
        if col == fe:
            return True
        counts = data.groupby(cols, observed=True, sort=False)[col].nunique(dropna=False)
        if int(counts.max()) <= 1:
            return True
    return False


def _redundant_levels(sample: pd.DataFrame, fixed_effects: Sequence[str]) -> int:
    """Fixed-effect levels that are not identified (collinear with the others).

    Between the first two fixed effects the count is exact: the number of
    connected components ("mobility groups") of the bipartite graph linking
    their levels, as reghdfe computes it. With ``exporter^year +
    importer^year`` that is one per year, not one in all. Each further fixed
    effect adds one (at least one of its levels is collinear with the others);
    more redundancy there is possible and then ``K`` is conservative, as in
    reghdfe.
    """
    if len(fixed_effects) < 2:
        return 0
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    codes = [sample.groupby(fe.split("^"), observed=True, sort=False).ngroup().to_numpy()
             for fe in fixed_effects[:2]]
    n_a, n_b = int(codes[0].max()) + 1, int(codes[1].max()) + 1
    graph = coo_matrix((np.ones(len(codes[0])), (codes[0], codes[1] + n_a)),
                       shape=(n_a + n_b, n_a + n_b))
    n_components, _ = connected_components(graph, directed=False)
    return int(n_components) + len(fixed_effects) - 2


def _cluster_adjustment(fit: Any, spec: ModelSpec, sample: pd.DataFrame) -> tuple[float, int]:
    """Return (variance multiplier, K) for clustered errors under ``spec.ssc``.

    ``G/(G-1) * (N-1)/(N-K)`` with ``G`` the smallest number of clusters and
    ``K`` = coefficients + fixed-effect levels - redundant levels (see
    :func:`_redundant_levels`) - levels of fixed effects nested in a cluster +
    one per nested fixed effect: Stata reghdfe's count (fixest's
    ``fixef.K = "nested"`` for two connected fixed effects).
    """
    conv = SSC_CONVENTIONS[spec.ssc]
    n = int(fit._N)
    g = int(np.min(np.atleast_1d(np.asarray(fit._G))))
    k = len(fit._coefnames)
    if spec.fixed_effects:
        levels = {fe: int(sample.groupby(fe.split("^"), observed=True, sort=False).ngroups)
                  for fe in spec.fixed_effects}
        k_fe_adj = sum(levels.values()) - _redundant_levels(sample, spec.fixed_effects)
        nested = [fe for fe in spec.fixed_effects if _is_nested(sample, fe, spec.cluster)]
        k += k_fe_adj - sum(levels[fe] for fe in nested) + len(nested)
    if conv["k_adj"] and n <= k:
        raise EstimationError(
            f"{n} observations for {k} parameters (coefficients and fixed effects): the "
            "small-sample adjustment (N-1)/(N-K) is undefined. Use fewer regressors or fixed "
            "effects, or more data."
        )
    if g < 2:
        raise SpecificationError(
            f"only {g} cluster(s): clustered standard errors need at least 2 clusters."
        )
    factor = 1.0
    if conv["k_adj"]:
        factor *= (n - 1) / (n - k)
    if conv["G_adj"]:
        factor *= g / (g - 1)
    return factor, k


def _build(fit: Any, spec: ModelSpec, dropped: tuple[DropRecord, ...],
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
        factor, _ = _cluster_adjustment(fit, spec, frame)
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
    spec, extra = _derived_notes(fit, spec, sample, clusters, cluster_names)

    def refit(new_vcov: Any) -> RegressionResult:
        pf_vcov, kind, cluster = _normalise_vcov(new_vcov)
        if cluster and sample is not None:
            checks.require_cluster_columns(sample, cluster, new_vcov, in_model=True)
        clone = copy.copy(fit)
        try:
            clone._ssc_dict = _engine_ssc(pf_vcov, spec.ssc)
            clone.vcov(pf_vcov)
        except Exception as err:
            raise EstimationError(f"could not compute vcov={new_vcov!r}: {err}") from err
        new_spec = ModelSpec(**{**spec.__dict__, "vcov_type": kind, "cluster": cluster,
                                "vcov_label": _vcov_label(kind, cluster)})
        return _build(clone, new_spec, dropped, sample_index, sample, x_scale=x_scale,
                      y_scale=y_scale)

    return RegressionResult(
        _params=params,
        _std_errors=se,
        _tstats=tstat,
        _pvalues=pval,
        _vcov=vc,
        nobs=int(fit._N),
        rsquared=float(fit._r2),
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
                   clusters: Mapping[str, int], cluster_names: Sequence[str] | None
                   ) -> tuple[ModelSpec, dict[str, Any]]:
    """``spec`` with the notes that depend on the variance renewed, and the 2SLS statistics.

    Warns :class:`~hitex.errors.FewClustersWarning` when a clustering variable
    has fewer than :data:`hitex.models.checks.MIN_CLUSTERS` clusters.
    """
    notes = [n for n in spec.notes
             if not n.startswith((checks.FEW_CLUSTERS_PREFIX, iv.NOTE_PREFIX))]
    shown = dict(zip(cluster_names or tuple(clusters), clusters.values(), strict=False))
    few = checks.few_clusters_message(shown)
    if few:
        warnings.warn(FewClustersWarning(few), stacklevel=4)
        notes.append(few)
    extra: dict[str, Any] = {}
    if getattr(fit, "_is_iv", False):
        extra = iv.first_stage(fit, spec, sample)
        notes.append(iv.note(extra))
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
