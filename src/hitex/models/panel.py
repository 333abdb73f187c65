"""Linear panel regression with absorbed fixed effects (engine: pyfixest).

:func:`panel` is hitex's two-way fixed-effects estimator. It checks the input
(columns, numeric types, duplicate panel keys, empty samples, a constant
outcome), normalises the formula, estimates with :func:`pyfixest.feols`, and
returns an immutable :class:`~hitex.models.results.RegressionResult` that
records what was dropped and why.

Small-sample conventions (``ssc``)
----------------------------------
Every convention is listed in :mod:`hitex.models.small_sample`; the main ones:

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
    No small-sample adjustment (HC0; HC2/HC3 as Stata ``regress, vce(hc3)``).
``"stata_ml"``
    Stata's ML commands: robust HC0 x N/(N-1), clustered G/(G-1) only.
``"large_sample"``
    ivreg2/ivregress without ``small``: ``RSS/N``, HC0, no cluster factor,
    z statistics.
``{"adj": ..., "fixef_k": ..., "cluster_adj": ..., "cluster_df": ...}``
    Any combination of R fixest's ``ssc()`` switches
    (:func:`hitex.models.small_sample.fixest_ssc`).

With one of these conventions the conventional and robust variances count the
redundant fixed-effect levels as reghdfe does, one per connected component of
the fixed effects' graph (dummy-variable OLS gives the same).

Serial correlation (``vcov``)
-----------------------------
``{"NW": {"time": "year", "panel": "firm", "lag": 2}}`` gives Newey-West and
``{"DK": {"time": "year", "panel": "firm"}}`` Driscoll-Kraay standard errors
(engine: pyfixest), with fixest's small-sample factor ``T/(T-1) (N-1)/(N-K)``
under the default conventions (``K`` without the effects nested in the panel
and time dimensions) and none under ``ssc={"adj": False, "cluster_adj": False}``
(plm's ``vcovNW``/``vcovSCC``). The lag defaults to ``floor(T^(1/4))``.

Numerical scale
---------------
Regressors that enter as a plain column, and a plain-column outcome, are
rescaled to unit standard deviation before estimation and the coefficients
scaled back (exact for OLS). The engine's collinearity check and demeaning
tolerance are absolute, so without this a regressor in tiny units would be
dropped as collinear and values of 1e9 and more would not converge. Regressors
computed inside the formula are not rescaled; an exact linear combination of
other regressors among them is still found and dropped
(:func:`hitex.models.collinear.refit_scale_free`).

Dropped regressors
------------------
The regressors the formula asks for (after expansion: ``C(year)`` stands for
its dummy columns) are compared with the coefficients estimated; each one
missing is recorded as a :class:`~hitex.models.results.DropRecord`
(``"absorbed"``, naming the fixed effect, or ``"collinear"``), noted in the
result and announced by an :class:`~hitex.errors.AbsorbedRegressorWarning`.
A coefficient whose variance is negative or undefined is never reported: the
estimation stops with an :class:`~hitex.errors.EstimationError` naming it.

Instrumental variables
----------------------
A formula with an IV part, ``y ~ x | fe1 + fe2 | endog ~ z1 + z2``, is
estimated by 2SLS. The result records the estimator (``"2SLS (IV, ...)"``),
the endogenous regressor and the excluded instruments, and
``extra["first_stage_f"]``, the first-stage F statistic of the excluded
instruments (:mod:`hitex.models.iv`), which regression tables show.
Standard errors follow the same conventions as OLS (the residuals are those
of the structural equation, ``y - X b``).

A table's columns
-----------------
:func:`hitex.models.panel_columns.panel_columns` estimates several formulas on
the same data and returns, column by column, what :func:`panel` returns, with
the sample and the demeaning of columns on the same rows done once.

Few clusters
------------
With fewer than :data:`hitex.models.checks.MIN_CLUSTERS` clusters the result
is estimated as asked, but a :class:`~hitex.errors.FewClustersWarning` is
issued and noted in the result (tables print it).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks, collinear
from hitex.models.formula import ParsedFormula, formula_context, parse_formula
from hitex.models.inference import (
    build_result,
    engine_hac_kwargs,
    hac_fields,
    hac_options,
    hac_record,
    normalise_vcov,
    require_hac_columns,
    vcov_label,
)
from hitex.models.iv import iv_terms
from hitex.models.results import DropRecord, ModelSpec, RegressionResult
from hitex.models.small_sample import check_ssc, engine_ssc

#: Demeaning tolerances tried in turn: reghdfe's 1e-8 on the rescaled data
#: (see :func:`rescaled`), then pyfixest's default for data it cannot meet.
FIXEF_TOLERANCES: tuple[float, ...] = (1e-8, 1e-6)

_FACTOR_CALL = re.compile(r"(?<![\w.])(?:C|i)\(\s*([^\W\d]\w*)")


def _default_vcov(parsed: ParsedFormula) -> str | dict[str, str]:
    for fe in parsed.fixed_effects:
        if "^" not in fe:
            return {"CRV1": fe}
    return "hetero" if parsed.fixed_effects else "iid"


def numeric_columns(parsed: ParsedFormula) -> list[str]:
    """Columns that must be numeric: outcome and regressors outside C()/i().

    Fixed-effect columns and ``np.`` calls are left out; the estimators check
    these columns with :func:`hitex.models.checks.require_numeric`.
    """
    factor_cols = set(_FACTOR_CALL.findall(parsed.rhs))
    fe_cols = set(parsed.fe_columns)
    return [
        v for v in parsed.variables
        if v not in fe_cols and v not in factor_cols and not v.startswith("np.")
    ]


def panel(
    formula: str,
    data: pd.DataFrame,
    *,
    vcov: str | Mapping[str, str] | None = None,
    weights: str | None = None,
    ssc: str | Mapping[str, Any] = "reghdfe",
    panel_id: Sequence[str] | str | None = "auto",
    drop_singletons: bool = True,
    sample: str | None = None,
    average_intercept: bool = False,
) -> RegressionResult:
    """Estimate a linear model with absorbed fixed effects.

    Parameters
    ----------
    formula : str
        fixest syntax, ``"y ~ x1 + x2 | country + year"``. The fixed-effect
        part is optional; its spacing does not matter (it is normalised). An
        IV part (``"y ~ x | country + year | endog ~ z"``) gives 2SLS.
    data : pandas.DataFrame
        One row per observation.
    vcov : str or dict, optional
        ``"iid"`` (conventional), ``"hetero"`` (HC1), ``"HC2"``/``"HC3"``,
        ``{"CRV1": "col"}`` (clustered by ``col``; ``"a+b"`` for two-way
        clustering), ``{"NW": {"time": ..., "panel": ..., "lag": ...}}``
        (Newey-West) or ``{"DK": {...}}`` (Driscoll-Kraay). Default: with
        fixed effects, clustered by the first fixed effect (Stata reghdfe's
        ``vce(cluster id)`` habit for panels); without, ``"iid"``.
    weights : str, optional
        Column of analytic weights (Stata ``aweight``).
    ssc : str or mapping, default "reghdfe"
        Small-sample convention: ``"reghdfe"``, ``"fixest"``, ``"none"``,
        ``"stata_ml"``, ``"large_sample"`` or fixest's switches as a mapping;
        see the module docstring. With ``"reghdfe"``
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
    average_intercept : bool, default False
        Report Stata ``xtreg, fe``'s average intercept ``_cons`` (``mean(y) -
        mean(x)' b``) as a coefficient, with its standard error as ``xtreg, fe``
        prints it (one absorbed fixed effect; ``vcov="iid"`` or clustered by
        that effect). Whatever this option, a one-way fixed-effects result
        records ``xtreg, fe``'s ``sigma_u``, ``sigma_e`` and ``rho`` in ``extra``.

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
    FewClustersWarning
        When a clustering variable has fewer than
        :data:`hitex.models.checks.MIN_CLUSTERS` clusters.

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
    setup = panel_setup(formula, data, vcov=vcov, weights=weights, ssc=ssc, panel_id=panel_id)
    work, dropped = panel_sample(setup, data, drop_singletons=drop_singletons)
    frame, x_scale, y_scale = rescaled(work, setup.parsed, setup.excluded)
    hac_kwargs = engine_hac_kwargs(setup.hac, work)
    parsed = setup.parsed
    fit = _fit(parsed.formula, frame, setup.pf_vcov, weights, setup.ssc, drop_singletons,
               vcov_kwargs=hac_kwargs)
    fit = collinear.refit_scale_free(fit, lambda tol: _fit(
        parsed.formula, frame, setup.pf_vcov, weights, setup.ssc, drop_singletons, tol,
        vcov_kwargs=hac_kwargs), parsed.formula)
    return panel_result(fit, setup, work, dropped, drop_singletons=drop_singletons,
                        sample=sample, average_intercept=average_intercept,
                        x_scale=x_scale, y_scale=y_scale)


@dataclass(frozen=True)
class PanelSetup:
    """A checked :func:`panel` call: its formula, variance and the columns it reads.

    Built by :func:`panel_setup`; :func:`panel_sample` turns it into the
    estimation sample and :func:`panel_result` a fit into the result.
    """

    formula: str
    parsed: ParsedFormula
    ssc: Any
    vcov_in: Any
    pf_vcov: Any
    vcov_kind: str
    cluster: tuple[str, ...]
    hac: Mapping[str, Any] | None
    hac_cols: tuple[str, ...]
    used: tuple[str, ...]
    weights: str | None
    key: tuple[str, ...] | None

    @property
    def excluded(self) -> tuple[str, ...]:
        """Columns never rescaled: the clusters, the HAC time and unit, the weights."""
        return (*self.cluster, *self.hac_cols, *([self.weights] if self.weights else []))


def panel_setup(formula: str, data: pd.DataFrame, *, vcov: Any = None, weights: str | None = None,
                ssc: Any = "reghdfe", panel_id: Sequence[str] | str | None = "auto",
                check_key: bool = True) -> PanelSetup:
    """Check a :func:`panel` call against ``data`` and record what it estimates.

    Raises the errors :func:`panel` documents for missing or non-numeric
    columns, an unknown variance or small-sample convention, and (unless
    ``check_key=False``, for a caller that checked the same key already) a
    panel key that does not identify the rows.
    """
    data = checks.require_dataframe(data)
    checks.require_formula_names(data, formula)
    checks.require_formula_names(data, "", [weights] if weights else [], "weights=")
    parsed = parse_formula(formula)
    ssc = check_ssc(ssc)
    vcov_in = _default_vcov(parsed) if vcov is None else vcov
    pf_vcov, vcov_kind, cluster = normalise_vcov(vcov_in)
    checks.require_cluster_columns(data, cluster, vcov_in)
    checks.require_formula_names(data, "", cluster, "vcov=")
    hac = hac_options(vcov_in)
    hac_cols = [c for c in (hac["time"], hac["panel"]) if c] if hac else []
    if hac:
        checks.require_columns(data, hac_cols, context=f"vcov={vcov_in!r}")
    used = list(parsed.variables) + [c for c in (*cluster, *hac_cols) if c not in parsed.variables]
    used = list(dict.fromkeys(used))
    if weights:
        used.append(weights)
    checks.require_columns(data, used, context=f"formula {formula!r}")
    checks.require_numeric(data, numeric_columns(parsed) + ([weights] if weights else []))

    if panel_id == "auto":
        plain = [fe for fe in parsed.fixed_effects if "^" not in fe]
        key = plain if len(parsed.fixed_effects) == 2 and len(plain) == 2 else None
    elif isinstance(panel_id, str):
        key = [panel_id]
    else:
        key = list(panel_id) if panel_id else None
    if key:
        checks.require_columns(data, key, context="panel_id")
        if check_key:
            checks.require_unique(data, key)
    return PanelSetup(formula=formula, parsed=parsed, ssc=ssc, vcov_in=vcov_in, pf_vcov=pf_vcov,
                      vcov_kind=vcov_kind, cluster=tuple(cluster), hac=hac,
                      hac_cols=tuple(hac_cols), used=tuple(dict.fromkeys(used)),
                      weights=weights, key=tuple(key) if key else None)


def panel_sample(setup: PanelSetup, data: pd.DataFrame, *, drop_singletons: bool = True,
                 ) -> tuple[pd.DataFrame, list[DropRecord]]:
    """The rows and columns :func:`panel` estimates on, and the rows it dropped and why.

    ``data`` is the frame :func:`hitex.models.checks.require_dataframe` returns.

    Drops missing and infinite values, rows where a transformed term is
    undefined, zero weights and (``drop_singletons``) singletons, in that
    order; raises the errors :func:`panel` documents for an empty sample, a
    constant outcome, negative weights and a clustering with one cluster.
    """
    formula, parsed, weights = setup.formula, setup.parsed, setup.weights
    work = data.loc[:, list(setup.used)]
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
    for col in setup.cluster:
        if work[col].nunique() < 2:
            raise SpecificationError(
                f"cannot cluster by '{col}': the sample has only {work[col].nunique()} cluster(s). "
                "Clustered standard errors need at least 2 clusters (in practice many more); "
                "use vcov='hetero' or another cluster variable."
            )
    if setup.hac:
        require_hac_columns(work, setup.hac, setup.vcov_in)
    return work, dropped


def panel_result(fit: Any, setup: PanelSetup, work: pd.DataFrame, dropped: Sequence[DropRecord],
                 *, drop_singletons: bool = True, sample: str | None = None,
                 average_intercept: bool = False, x_scale: Mapping[str, float] | None = None,
                 y_scale: float = 1.0, stacklevel: int = 3) -> RegressionResult:
    """The :class:`RegressionResult` of a pyfixest fit of ``setup`` on ``work``.

    Records (and warns about) the regressors the engine dropped and the rows
    it dropped after hitex's checks, then builds the result
    (:func:`hitex.models.inference.build_result`). Warnings are aimed
    ``stacklevel`` frames up from here (3: the caller of the estimator that
    calls this function).
    """
    parsed, hac = setup.parsed, setup.hac
    dropped = list(dropped)
    notes: list[str] = []
    collinear.record_dropped(fit, work, parsed.fixed_effects, dropped, notes,
                             stacklevel=stacklevel + 1)

    sample_frame = work
    if int(fit._N) < len(work):  # a term hitex could not evaluate was undefined in some rows
        used_pos = np.asarray(fit._data.index, dtype=int)
        sample_frame = work.iloc[used_pos]
        dropped.append(engine_drops(len(work) - len(used_pos), drop_singletons))

    endogenous, instruments = iv_terms(parsed.iv) if parsed.iv else ((), ())
    spec = ModelSpec(
        formula=parsed.formula,
        formula_input=setup.formula,
        depvar=parsed.depvar,
        regressors=tuple(str(c) for c in fit._coefnames),
        fixed_effects=parsed.fixed_effects,
        vcov_type=setup.vcov_kind,
        cluster=setup.cluster,
        vcov_label=vcov_label(setup.vcov_kind, setup.cluster, setup.ssc, hac_record(hac, work)),
        ssc=setup.ssc,
        estimator=_estimator(parsed),
        weights=setup.weights,
        sample=sample,
        notes=tuple(notes),
        engine=engine_version(),
        endogenous=endogenous,
        instruments=instruments,
        average_intercept=bool(average_intercept),
        **hac_fields(hac, work),
    )
    return build_result(fit, spec, tuple(dropped), sample_frame.index, sample_frame,
                        x_scale=x_scale, y_scale=y_scale, stacklevel=stacklevel + 2)


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


def engine_version() -> str:
    """The estimation engine and its version, as a result records it (``'pyfixest 0.x'``)."""
    import pyfixest

    return f"pyfixest {pyfixest.__version__}"


def _fit(formula: str, work: pd.DataFrame, vcov: Any, weights: str | None, ssc: str,
         drop_singletons: bool, collin_tol: float = collinear.ENGINE_COLLIN_TOL, *,
         vcov_kwargs: Mapping[str, Any] | None = None) -> Any:
    import pyfixest as pf

    frame = work.reset_index(drop=True)
    fit, _ = run_engine(lambda tol: pf.feols(context=formula_context(), fml=
        formula, data=frame, vcov=vcov, vcov_kwargs=dict(vcov_kwargs) if vcov_kwargs else None,
        weights=weights, ssc=pf.ssc(**engine_ssc(vcov, ssc)),
        fixef_rm="singleton" if drop_singletons else "none", fixef_tol=tol, copy_data=False,
        store_data=True, collin_tol=collin_tol), formula)
    return fit


def _estimator(parsed: ParsedFormula) -> str:
    """The estimator recorded in the result: OLS, or 2SLS for a formula with an IV part."""
    if parsed.iv:
        return "2SLS (IV, absorbed fixed effects)" if parsed.fixed_effects else "2SLS (IV)"
    return "OLS (absorbed fixed effects)" if parsed.fixed_effects else "OLS"


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
