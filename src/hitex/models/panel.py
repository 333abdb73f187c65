"""Linear panel regression with absorbed fixed effects (engine: pyfixest).

:func:`panel` is hitex's two-way fixed-effects estimator. It checks the input
(columns, numeric types, duplicate panel keys, empty samples, a constant
outcome), normalises the formula, estimates with :func:`pyfixest.feols`, and
returns an immutable :class:`~hitex.models.results.RegressionResult` that
records what was dropped and why.

Small-sample conventions (``ssc``)
----------------------------------
``"reghdfe"`` (default)
    Stata ``reghdfe``: clustered variance multiplied by
    ``G/(G-1) * (N-1)/(N-K)``, where ``K`` counts the regressors and the
    fixed-effect levels *not nested* in the cluster variable; t and p-values
    from ``t(G-1)``. With ``vcov="iid"`` this is the conventional variance
    ``s^2 (X'X)^-1`` with ``s^2 = e'e/(N-K)`` and ``K`` counting all
    fixed-effect levels, as Stata ``xtreg, fe`` / ``areg`` print by default.
``"fixest"``
    R fixest's default ``ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE)``;
    identical to ``"reghdfe"`` for one-way clustering.
``"none"``
    No small-sample adjustment.

Numerical scale
---------------
Regressors that enter as a plain column, and a plain-column outcome, are
rescaled to unit standard deviation before estimation and the coefficients
scaled back (exact for OLS). The engine's collinearity check and demeaning
tolerance are absolute, so without this a regressor in tiny units would be
dropped as collinear and values of 1e9 and more would not converge.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import (
    AbsorbedRegressorWarning,
    EstimationError,
    SpecificationError,
)
from hitex.models import checks
from hitex.models.formula import ParsedFormula, parse_formula
from hitex.models.results import DropRecord, ModelSpec, RegressionResult

#: pyfixest small-sample settings for each named convention.
SSC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "reghdfe": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "fixest": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "none": {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"},
}

#: Demeaning tolerances tried in turn: reghdfe's 1e-8 on the rescaled data
#: (see :func:`rescaled`), then pyfixest's default for data it cannot meet.
FIXEF_TOLERANCES: tuple[float, ...] = (1e-8, 1e-6)

_VCOV_NAMES = {"iid": "Conventional", "hetero": "Heteroskedasticity-robust (HC1)",
               "HC1": "Heteroskedasticity-robust (HC1)", "HC2": "Heteroskedasticity-robust (HC2)",
               "HC3": "Heteroskedasticity-robust (HC3)"}
_FACTOR_CALL = re.compile(r"(?<![\w.])(?:C|i)\(\s*([^\W\d]\w*)")
_DROPPED = re.compile(r"dropped[^\[]*\[([^\]]*)\]", re.S)


def _default_vcov(parsed: ParsedFormula) -> str | dict[str, str]:
    for fe in parsed.fixed_effects:
        if "^" not in fe:
            return {"CRV1": fe}
    return "hetero" if parsed.fixed_effects else "iid"


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


def _numeric_columns(parsed: ParsedFormula) -> list[str]:
    """Columns that must be numeric: outcome and regressors outside C()/i()."""
    factor_cols = set(_FACTOR_CALL.findall(parsed.rhs))
    fe_cols = set(parsed.fe_columns)
    return [
        v for v in parsed.variables
        if v not in fe_cols and v not in factor_cols and not v.startswith("np.")
    ]


def _absorbing_fe(data: pd.DataFrame, term: str, fes: Sequence[str]) -> str | None:
    """Name the fixed effect within whose groups ``term`` is constant, if any."""
    if term not in data.columns:
        return None
    for fe in fes:
        cols = fe.split("^")
        try:
            within = data.groupby(cols, observed=True)[term].nunique(dropna=True)
        except (KeyError, TypeError, ValueError):
            continue
        if len(within) and int(within.max()) <= 1:
            return fe
    return None


def _parse_dropped(messages: list[str]) -> list[str]:
    names: list[str] = []
    for msg in messages:
        for match in _DROPPED.findall(msg):
            for name in re.findall(r"'([^']+)'", match):
                if name not in names:
                    names.append(name)
    return names


def panel(
    formula: str,
    data: pd.DataFrame,
    *,
    vcov: str | Mapping[str, str] | None = None,
    weights: str | None = None,
    ssc: str = "reghdfe",
    panel_id: Sequence[str] | str | None = "auto",
    drop_singletons: bool = True,
    sample: str | None = None,
) -> RegressionResult:
    """Estimate a linear model with absorbed fixed effects.

    Parameters
    ----------
    formula : str
        fixest syntax, ``"y ~ x1 + x2 | country + year"``. The fixed-effect
        part is optional; its spacing does not matter (it is normalised).
    data : pandas.DataFrame
        One row per observation.
    vcov : str or dict, optional
        ``"iid"`` (conventional), ``"hetero"`` (HC1), or ``{"CRV1": "col"}``
        (clustered by ``col``; ``"a+b"`` for two-way clustering). Default: with
        fixed effects, clustered by the first fixed effect (Stata reghdfe's
        ``vce(cluster id)`` habit for panels); without, ``"iid"``.
    weights : str, optional
        Column of analytic weights (Stata ``aweight``).
    ssc : {"reghdfe", "fixest", "none"}, default "reghdfe"
        Small-sample convention; see the module docstring. With ``"reghdfe"``
        the clustered variance is scaled by ``G/(G-1) (N-1)/(N-K)`` with ``K``
        excluding fixed effects nested in the clusters, and inference uses
        ``t(G-1)``.
    panel_id : sequence of str, "auto" or None, default "auto"
        Columns that must identify rows uniquely. ``"auto"`` uses the two fixed
        effects when there are exactly two plain ones (unit and time);
        ``None`` skips the check.
    drop_singletons : bool, default True
        Drop observations alone in a fixed-effect group, as reghdfe does
        (they carry no information but inflate the degrees of freedom),
        repeating until none is left.
    sample : str, optional
        A description of the sample (e.g. a filter) recorded in the result.

    Returns
    -------
    RegressionResult
        Immutable; ``dropped`` lists missing-value, non-finite (``inf`` in the
        data, or a term such as ``log(x)`` undefined), singleton and absorbed
        drops, each row counted once.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, EmptySampleError,
    SpecificationError, EstimationError
        Each names the column or key and the fix.

    Warns
    -----
    AbsorbedRegressorWarning
        When a regressor is collinear with the fixed effects (or other
        regressors) and is dropped; the message names the fixed effect.

    Examples
    --------
    >>> import pandas as pd, hitex
    >>> df = pd.DataFrame({"y": [1., 2., 4., 3., 5., 7.], "x": [0., 1., 2., 1., 2., 4.],
    ...                    "unit": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3, 1, 2, 3]})
    >>> res = hitex.panel("y ~ x | unit + t", df, vcov="iid")
    >>> round(float(res.params["x"]), 4)  # dummy-variable OLS gives the same
    0.5
    """
    data = checks.require_dataframe(data)
    checks.require_formula_names(data, formula)
    checks.require_formula_names(data, "", [weights] if weights else [], "weights=")
    parsed = parse_formula(formula)
    if ssc not in SSC_CONVENTIONS:
        raise SpecificationError(
            f"ssc={ssc!r} is not a known convention; use one of {', '.join(SSC_CONVENTIONS)}."
        )
    vcov_in = _default_vcov(parsed) if vcov is None else vcov
    pf_vcov, vcov_kind, cluster = _normalise_vcov(vcov_in)
    checks.require_formula_names(data, "", cluster, "vcov=")
    used = list(parsed.variables) + [c for c in cluster if c not in parsed.variables]
    if weights:
        used.append(weights)
    checks.require_columns(data, used, context=f"formula {formula!r}")
    checks.require_numeric(data, _numeric_columns(parsed) + ([weights] if weights else []))

    if panel_id == "auto":
        plain = [fe for fe in parsed.fixed_effects if "^" not in fe]
        key = plain if len(parsed.fixed_effects) == 2 and len(plain) == 2 else None
    elif isinstance(panel_id, str):
        key = [panel_id]
    else:
        key = list(panel_id) if panel_id else None
    if key:
        checks.require_columns(data, key, context="panel_id")
        checks.require_unique(data, key)

    work = data.loc[:, list(dict.fromkeys(used))]
    work, records, missing = checks.drop_missing(work)
    dropped = [DropRecord(*r) for r in records]
    checks.require_nonempty(len(work), f"formula {formula!r}", missing)
    work = drop_nonfinite_terms(parsed, work, dropped, formula)
    if parsed.depvar in work.columns:
        checks.require_variation(work[parsed.depvar], parsed.depvar)
    if weights is not None:
        if (work[weights] < 0).any():
            raise SpecificationError(
                f"weights column '{weights}' has negative values; weights must be >= 0.")
        zero = work[weights] == 0
        if zero.any():
            dropped.append(DropRecord("zero_weight", int(zero.sum()),
                                      f"rows with weight 0 in '{weights}'"))
            work = work.loc[~zero]
            checks.require_nonempty(len(work), f"formula {formula!r} (all weights are 0)")
    if drop_singletons:
        work = drop_singleton_rows(work, parsed.fixed_effects, dropped, f"formula {formula!r}")
    for col in cluster:
        if work[col].nunique() < 2:
            raise SpecificationError(
                f"cannot cluster by '{col}': the sample has only {work[col].nunique()} cluster(s). "
                "Clustered standard errors need at least 2 clusters (in practice many more); "
                "use vcov='hetero' or another cluster variable."
            )

    exclude = (*cluster, *([weights] if weights else []))
    frame, x_scale, y_scale = rescaled(work, parsed, exclude)
    fit, messages = _fit(parsed.formula, frame, pf_vcov, weights, ssc, drop_singletons)
    absorbed = _parse_dropped(messages)
    notes: list[str] = []
    for term in absorbed:
        fe = _absorbing_fe(work, term, parsed.fixed_effects)
        why = f"absorbed by the {fe} fixed effect" if fe else "collinear with other regressors"
        msg = f"regressor '{term}' dropped: {why} (no variation left to identify it)."
        warnings.warn(AbsorbedRegressorWarning(msg), stacklevel=2)
        notes.append(msg)
        dropped.append(DropRecord("absorbed" if fe else "collinear", 1, f"{term}: {why}"))

    sample_frame = work
    if int(fit._N) < len(work):  # a term hitex could not evaluate was undefined in some rows
        used_pos = np.asarray(fit._data.index, dtype=int)
        sample_frame = work.iloc[used_pos]
        dropped.append(engine_drops(len(work) - len(used_pos), drop_singletons))

    spec = ModelSpec(
        formula=parsed.formula,
        formula_input=formula,
        depvar=parsed.depvar,
        regressors=tuple(str(c) for c in fit._coefnames),
        fixed_effects=parsed.fixed_effects,
        vcov_type=vcov_kind,
        cluster=cluster,
        vcov_label=_vcov_label(vcov_kind, cluster),
        ssc=ssc,
        weights=weights,
        sample=sample,
        notes=tuple(notes),
        engine=_engine_version(),
    )
    return _build(fit, spec, tuple(dropped), sample_frame.index, sample_frame,
                  x_scale=x_scale, y_scale=y_scale)


def drop_nonfinite_terms(parsed: ParsedFormula, work: pd.DataFrame, dropped: list[DropRecord],
                         formula: str) -> pd.DataFrame:
    """Drop rows where a transformed term (``log(x)`` with ``x = 0``) is not finite.

    Appends a ``"non_finite"`` :class:`DropRecord` naming the terms; raises
    :class:`~hitex.errors.EmptySampleError` if no row is left.
    """
    bad, notes = checks.nonfinite_terms(work, parsed.terms)
    if not bad.any():
        return work
    dropped.append(DropRecord("non_finite", int(bad.sum()), "; ".join(notes)))
    work = work.loc[~bad]
    checks.require_nonempty(len(work), f"formula {formula!r} ({'; '.join(notes)})")
    return work


def engine_drops(count: int, drop_singletons: bool) -> DropRecord:
    """Record rows the engine dropped after hitex's own checks.

    hitex removes missing values, undefined terms it can evaluate and
    singletons itself, so these are rows where another term is infinite or
    missing (plus, with singleton removal, the singletons their removal left;
    the engine does not tell the two apart).
    """
    detail = "rows where a formula term is infinite or missing after transformation"
    if drop_singletons:
        detail += ", with the singletons their removal left"
    return DropRecord("non_finite", count, detail)


def drop_singleton_rows(work: pd.DataFrame, fixed_effects: Sequence[str],
                        dropped: list[DropRecord], context: str) -> pd.DataFrame:
    """Drop singletons iteratively (reghdfe's rule) and record how many.

    Raises :class:`~hitex.errors.EmptySampleError` when every observation is
    a singleton, before the engine sees an empty sample.
    """
    single = checks.singleton_rows(work, fixed_effects)
    if not single.any():
        return work
    dropped.append(DropRecord("singleton", int(single.sum()),
                              "observations alone in a fixed-effect group (removed iteratively)"))
    work = work.loc[~single]
    checks.require_not_all_singletons(len(work), int(single.sum()), fixed_effects, context)
    return work


def rescaled(work: pd.DataFrame, parsed: ParsedFormula, exclude: Sequence[str] = (),
             outcome: bool = True) -> tuple[pd.DataFrame, dict[str, float], float]:
    """Copy of ``work`` with plain-column regressors (and outcome) at unit standard deviation.

    The engine's collinearity check and its demeaning tolerance are absolute,
    so a regressor measured in tiny units would be dropped as collinear and
    trade values in US dollars would not converge. OLS (and PPML, for the
    regressors) is equivariant to rescaling, so estimating on the rescaled
    copy and multiplying coefficient ``b_j`` by ``s_y / s_j`` is exact.
    Returns (frame, regressor scales, outcome scale).
    """
    cols = [c for c in parsed.linear_columns(tuple(exclude)) if c in work.columns]
    scales = checks.unit_scales(work, cols)
    y_scale = scales.pop(parsed.depvar, 1.0) if outcome else 1.0
    scales.pop(parsed.depvar, None)
    if not scales and y_scale == 1.0:
        return work, {}, 1.0
    frame = work.copy()
    for col, sd in scales.items():
        frame[col] = work[col].astype("float64") / sd
    if y_scale != 1.0:
        frame[parsed.depvar] = work[parsed.depvar].astype("float64") / y_scale
    return frame, scales, y_scale


def _engine_version() -> str:
    import pyfixest

    return f"pyfixest {pyfixest.__version__}"


def _fit(formula: str, work: pd.DataFrame, vcov: Any, weights: str | None, ssc: str,
         drop_singletons: bool) -> tuple[Any, list[str]]:
    import pyfixest as pf

    frame = work.reset_index(drop=True)
    return run_engine(lambda tol: pf.feols(
        formula, data=frame, vcov=vcov, weights=weights, ssc=pf.ssc(**_engine_ssc(vcov, ssc)),
        fixef_rm="singleton" if drop_singletons else "none", fixef_tol=tol, copy_data=False,
        store_data=True), formula)


def run_engine(call: Callable[[float | None], Any], formula: str, what: str = "estimation",
               tolerances: Sequence[float | None] = FIXEF_TOLERANCES) -> tuple[Any, list[str]]:
    """Run ``call(fixef_tol)`` for ``formula``; return (fit, engine warnings).

    A demeaning failure is retried with the next tolerance; other failures
    raise :class:`EstimationError` with the engine's reason and a hint that
    matches it (:func:`hitex.models.checks.engine_hint`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, tol in enumerate(tolerances):
            try:
                fit = call(tol)
                break
            except Exception as err:  # the engine's own errors become hitex errors
                if "Demeaning failed" in str(err) and i < len(tolerances) - 1:
                    continue
                raise EstimationError(f"{what} of {formula!r} failed: {str(err).strip()} "
                                      f"{checks.engine_hint(err, formula)}") from err
    return fit, [str(w.message) for w in caught]


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
           x_scale: Mapping[str, float] | None = None, y_scale: float = 1.0) -> RegressionResult:
    """Turn a pyfixest fit into a :class:`RegressionResult`.

    ``x_scale``/``y_scale`` undo :func:`rescaled`: coefficient ``j`` is
    multiplied by ``y_scale / x_scale[j]`` and the variance accordingly.
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
    se_values = np.sqrt(np.diag(vcov))
    se = pd.Series(se_values, index=names, name="std_error")
    tstat = pd.Series(params.to_numpy() / se_values, index=names, name="statistic")
    pval = pd.Series(2 * stats.t.sf(np.abs(tstat.to_numpy()), df_resid), index=names,
                     name="p_value")
    vc = pd.DataFrame(vcov, index=names, columns=names)
    r2_within = getattr(fit, "_r2_within", None)
    r2_within = float(r2_within) if spec.fixed_effects and r2_within is not None else None

    def refit(new_vcov: Any) -> RegressionResult:
        pf_vcov, kind, cluster = _normalise_vcov(new_vcov)
        if cluster and sample is not None:
            checks.require_columns(sample, cluster, context="vcov (cluster columns must be in "
                                   "the model's data; add them to the formula or re-estimate)")
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
    )
