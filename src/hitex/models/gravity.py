"""Gravity models of trade: OLS on log flows and PPML on levels (engine: pyfixest).

:func:`gravity` estimates

* **OLS** (``method="ols"``), the log-linear gravity equation

  .. math:: \\ln X_{ij,t} = x_{ij,t}'\\beta + \\pi_{i,t} + \\chi_{j,t} + \\mu_{ij} + \\varepsilon_{ij,t},

  with :func:`pyfixest.feols` on the outcome as given (usually a log flow, so
  zero flows drop out as missing);

* **PPML** (``method="ppml"``, default), Santos Silva and Tenreyro's Poisson
  pseudo-maximum-likelihood estimator of the multiplicative equation

  .. math:: E[X_{ij,t} \\mid \\cdot] = \\exp(x_{ij,t}'\\beta + \\pi_{i,t} + \\chi_{j,t} + \\mu_{ij}),

  with :func:`pyfixest.fepois` on the *level* of the flow, zero flows kept.

The fixed effects (``pi``, ``chi``, ``mu`` above) are written in fixest syntax
after ``|``: ``exporter^year + importer^year + pair_id``.

Conventions matched
-------------------
Coefficients are those of Stata ``ppmlhdfe`` / R ``fixest::fepois`` (PPML) and
``reghdfe`` / ``fixest::feols`` (OLS). Clustered variances are computed by
pyfixest *without* small-sample factors and scaled by hitex
(:func:`hitex.models.small_sample.cluster_adjustment`) by
``G/(G-1) * (N-1)/(N-K)``, ``G`` the smallest number of clusters and ``K`` the
coefficients plus the fixed-effect levels not nested in a cluster: the rule of
``reghdfe``/``ppmlhdfe`` and fixest's default ``ssc(adj=TRUE,
fixef.K="nested", cluster.adj=TRUE, cluster.df="min")``. OLS inference uses
``t(G-1)`` as reghdfe and fixest do; PPML inference uses the standard normal,
as ``ppmlhdfe`` and ``glm`` do (the standard errors are the same either way).

Default inference: clustered by country pair
--------------------------------------------
The cluster column is, in this order: (1) ``pair=`` when given; (2) otherwise
a data column named ``pair``, ``pair_id``, ``pairid``, ``dyad`` or ``dyad_id``
(any case), the first of these names in this order that the data have;
(3) otherwise a fixed effect of the formula that identifies pairs, an
interaction of two columns without a time dimension such as
``exporter^importer``. If none is found, hitex stops and asks for ``pair=`` or
an explicit ``vcov``. The data are searched before the formula so that every
model fitted on the same data clusters by the same column, whatever its fixed
effects, and a table of such models shows one clustering. Pair identifiers
must not be missing. With fewer than :data:`hitex.models.checks.MIN_CLUSTERS`
clusters a :class:`~hitex.errors.FewClustersWarning` is issued and noted.

Observations dropped
--------------------
Rows with missing or infinite values, or where a term is undefined
(``log(trade)`` of a zero flow); for PPML, observations in a fixed-effect group
whose outcome is zero throughout (they are perfectly predicted: ppmlhdfe's
and fixest's first separation rule), removed by hitex until none is left and
counted per fixed effect; observations pyfixest's iterated-rectifier check
(``"ir"``, Correia, Guimaraes and Zylkin 2021) finds separated; and singletons
(ppmlhdfe and reghdfe drop them by default), removed by hitex iteratively and
alternating with the zero-group rule. Each drop is a
:class:`~hitex.models.results.DropRecord` and separation also warns.
Plain-column regressors (and, for OLS, the outcome) are rescaled for the
engine and the coefficients scaled back, as in :mod:`hitex.models.panel`.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from hitex.errors import (
    AbsorbedRegressorWarning,
    EmptySampleError,
    EstimationError,
    SeparationWarning,
    SpecificationError,
)
from hitex.models import checks, collinear, fit_stats
from hitex.models.formula import ParsedFormula, formula_context, parse_formula
from hitex.models.inference import build_result, normalise_vcov, vcov_label
from hitex.models.panel import (
    drop_nonfinite_terms,
    drop_singleton_rows,
    engine_drops,
    engine_version,
    numeric_columns,
    rescaled,
    run_engine,
)
from hitex.models.results import DropRecord, ModelSpec, RegressionResult
from hitex.models.small_sample import check_ssc, engine_ssc

__all__ = ["gravity", "SeparationWarning", "PAIR_NAMES"]

#: Column names taken to identify country pairs (compared case-insensitively).
PAIR_NAMES: tuple[str, ...] = ("pair", "pair_id", "pairid", "dyad", "dyad_id")

_TIME_NAMES = re.compile(r"^(year|yr|t|time|period|date)$", re.I)
_ESTIMATORS = {
    "ols": "OLS gravity (absorbed fixed effects)",
    "ppml": "PPML gravity (Poisson pseudo-ML, absorbed fixed effects)",
}


def _is_pair_name(name: str) -> bool:
    return name.lower() in PAIR_NAMES


def _pair_fe(parsed: ParsedFormula) -> str | None:
    """The fixed effect that identifies country pairs, if the formula has one."""
    for fe in parsed.fixed_effects:
        parts = fe.split("^")
        if len(parts) == 1 and _is_pair_name(parts[0]):
            return fe
        if len(parts) == 2 and not any(_TIME_NAMES.match(p) for p in parts):
            return fe
    return None


def _resolve_pair(parsed: ParsedFormula, data: pd.DataFrame, pair: str | None) -> str:
    """Apply the documented rule; return a column name or an ``a^b`` interaction.

    The data are searched before the formula, so that every model fitted on
    the same data with the default clustering clusters by the same column
    (and gets the same label), whatever its fixed effects.
    """
    if pair is not None:
        if not isinstance(pair, str) or not pair.strip():
            raise SpecificationError(f"pair={pair!r} must name the column that identifies country pairs.")
        return pair.strip()
    by_name = {col.lower(): col for col in reversed(list(data.columns)) if isinstance(col, str)}
    for name in PAIR_NAMES:
        if name in by_name:
            return by_name[name]
    fe = _pair_fe(parsed)
    if fe is not None:
        return fe
    raise SpecificationError(
        f"cannot tell which column identifies country pairs for the default clustered "
        f"standard errors of {parsed.formula!r}. Pass pair='pair_id' (the pair column), add a "
        "pair fixed effect to the formula, or choose vcov= explicitly (e.g. vcov='hetero')."
    )


def _fe_groups(frame: pd.DataFrame, fe: str) -> pd.Series:
    cols = fe.split("^")
    return frame.groupby(cols, observed=True, sort=False, dropna=False).ngroup()


def _zero_group_drops(frame: pd.DataFrame, depvar: str, fes: Sequence[str],
                      singletons: bool = False) -> tuple[pd.Series, dict[str, int]]:
    """Flag rows in fixed-effect groups whose outcome is zero throughout.

    Repeated until no such group is left. With ``singletons=True`` the
    removal of singletons (done afterwards by the caller) is interleaved, as
    in ppmlhdfe: dropping a singleton can leave a group with only zero flows.
    Returns the keep mask (separation only) and the number of rows each fixed
    effect removed (attributed to the first that flags it).
    """
    keep = pd.Series(True, index=frame.index)
    alive = np.ones(len(frame), dtype=bool)
    counts: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for fe in fes:
            sub = frame.loc[alive]
            groups = _fe_groups(sub, fe)
            total = sub[depvar].groupby(groups.to_numpy()).transform("sum")
            zero = total.to_numpy() <= 0
            if zero.any():
                idx = sub.index[zero]
                keep.loc[idx] = False
                alive[np.flatnonzero(alive)[zero]] = False
                counts[fe] = counts.get(fe, 0) + len(idx)
                changed = True
        if singletons and not changed and alive.any():
            single = checks.singleton_rows(frame.loc[alive], fes)
            if single.any():
                alive[np.flatnonzero(alive)[single]] = False
                changed = True
    return keep, counts


def _check_fe_not_saturating(frame: pd.DataFrame, fes: Sequence[str], formula: str) -> None:
    for fe in fes:
        if int(_fe_groups(frame, fe).nunique()) >= len(frame):
            raise SpecificationError(
                f"fixed effect '{fe}' in {formula!r} has a separate level for every observation, "
                "so it absorbs the whole outcome and nothing is left to estimate. Use a coarser "
                "fixed effect (e.g. 'exporter^year + importer^year' instead of "
                "'exporter^importer^year')."
            )


_TERM_COLUMN = re.compile(
    r"^(?:(?:np\.)?(?:log|log1p|exp|sqrt|abs)\(\s*)?([^\W\d]\w*)\s*\)?$"
)


#: Relative tolerance for "constant within a fixed effect" (distances stored per
#: direction often differ in the seventh digit, which would otherwise let a pair
#: fixed effect "identify" ln distance from rounding noise).
ABSORB_RTOL = 1e-6


def _drop_absorbed_terms(parsed: ParsedFormula, work: pd.DataFrame) -> tuple[str, list[tuple[str, str]]]:
    """Remove regressors constant within a fixed effect; return (formula, [(term, fe)])."""
    if not parsed.fixed_effects:
        return parsed.formula, []
    terms = [t.strip() for t in parsed.rhs.split(" + ") if t.strip()]
    kept, absorbed = [], []
    for term in terms:
        match = _TERM_COLUMN.match(term)
        fe = (collinear.absorbing_fe(work, match.group(1), parsed.fixed_effects, ABSORB_RTOL)
              if match else None)
        if fe is None:
            kept.append(term)
        else:
            absorbed.append((term, fe))
    if not absorbed:
        return parsed.formula, []
    if not kept:
        names = ", ".join(f"'{t}' (by {fe})" for t, fe in absorbed)
        raise EstimationError(
            f"every regressor of {parsed.formula!r} is absorbed by the fixed effects: {names}. "
            "Nothing is left to estimate; drop the fixed effect that absorbs them or use "
            "regressors that vary within its groups (e.g. a time-varying policy variable "
            "with pair fixed effects)."
        )
    formula = f"{parsed.depvar} ~ {' + '.join(kept)} | {'+'.join(parsed.fixed_effects)}"
    return formula, absorbed


def gravity(
    formula: str,
    data: pd.DataFrame,
    *,
    method: Literal["ppml", "ols"] = "ppml",
    vcov: str | Mapping[str, str] | None = None,
    pair: str | None = None,
    panel_id: Sequence[str] | str | None = None,
    drop_singletons: bool = True,
    separation: Sequence[str] = ("fe", "ir"),
    ssc: str | Mapping[str, Any] = "reghdfe",
    sample: str | None = None,
) -> RegressionResult:
    """Estimate a gravity equation by PPML (default) or OLS with high-dimensional fixed effects.

    PPML solves the Poisson score equations
    :math:`\\sum_{ij,t} (X_{ij,t} - \\exp(x_{ij,t}'\\beta + \\alpha_{FE})) x_{ij,t} = 0`
    for the level of trade :math:`X_{ij,t} \\ge 0` (zeros kept); OLS regresses the
    outcome as given (e.g. ``log(trade)``) on the regressors and fixed effects.
    See the module docstring for the equations and the conventions matched
    (Stata ``ppmlhdfe``/``reghdfe``, R ``fixest``).

    Parameters
    ----------
    formula : str
        fixest syntax: ``"trade ~ ln_dist + cntg + rta | exporter^year + importer^year + pair_id"``.
        For PPML the outcome must be a column (the level of the flow).
    data : pandas.DataFrame
        One row per exporter-importer(-product)-year.
    method : {"ppml", "ols"}, default "ppml"
        Estimator.
    vcov : str or dict, optional
        ``"iid"``, ``"hetero"`` or ``{"CRV1": "col"}`` (``"a+b"`` for two-way
        clustering). Default: clustered by country pair, the column chosen by
        the rule in the module docstring.
    pair : str, optional
        Column (or ``"exporter^importer"`` interaction) identifying country
        pairs, used for the default clustering. Give it to choose among
        several pair columns; otherwise the rule in the module docstring
        picks the same column for every model fitted on the same data.
    panel_id : sequence of str or str, optional
        Columns that must identify rows uniquely (e.g. ``["exporter",
        "importer", "year"]``); duplicates raise. ``None`` skips the check.
    drop_singletons : bool, default True
        Drop observations alone in a fixed-effect group (reghdfe/ppmlhdfe default).
    separation : sequence of {"fe", "ir"}, default ("fe", "ir")
        PPML separation checks: ``"fe"`` drops observations in fixed-effect
        groups whose outcome is all zero (done by hitex, counted per fixed
        effect); ``"ir"`` runs pyfixest's iterated-rectifier check. ``()``
        disables both.
    ssc : str or mapping, default "reghdfe"
        Small-sample convention (see :mod:`hitex.models.small_sample`):
        ``"reghdfe"``/``"fixest"`` scale clustered errors by
        ``G/(G-1) (N-1)/(N-K)``; ``"cluster"`` by ``G/(G-1)`` only (Stata's
        ``poisson``/``glm``/``ppml`` with ``vce(cluster)``, and R capybara, used
        by the tradepolicy replication of the Advanced Guide); ``"stata_ml"``
        is the same for clustered errors and gives Stata's ``poisson ...,
        vce(robust)`` (HC0 x N/(N-1)) for ``vcov="hetero"``; ``"none"``
        applies no factor; ``"large_sample"`` and fixest's switches
        (``{"adj": ..., "fixef_k": ..., "cluster_adj": ...}``) as in :func:`hitex.panel`.
    sample : str, optional
        Description of the sample (a filter), recorded in the result.

    Returns
    -------
    RegressionResult
        ``spec.estimator`` names the method, ``dropped`` lists missing-value,
        separation, singleton and absorbed drops, ``extra["n_zero_flows"]`` the
        zero flows kept (PPML). ``rsquared`` is R-squared for OLS and, for
        PPML, the squared correlation of the outcome and the fitted mean (what
        Stata ``ppml`` prints as R-squared and fixest as "Squared Cor.").

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, EmptySampleError
        Bad input, naming the column.
    SpecificationError
        Unknown method or vcov, no pair column for the default clustering, a
        fixed effect with one level per observation.
    EstimationError
        Negative flows or a non-column outcome (PPML), an outcome that is all
        zero or constant, missing pair identifiers, all regressors absorbed.

    Warns
    -----
    AbsorbedRegressorWarning
        A regressor is constant within a fixed effect (ln distance under pair
        fixed effects) and was dropped; the message names the fixed effect.
    SeparationWarning
        PPML observations were dropped as separated.
    FewClustersWarning
        A clustering variable has fewer than :data:`hitex.models.checks.MIN_CLUSTERS`
        clusters.

    Examples
    --------
    >>> import pandas as pd, hitex
    >>> df = pd.DataFrame({"trade": [5., 0., 3., 8., 1., 4., 2., 7.],
    ...                    "ln_dist": [1., 2., 1.5, .5, 2., 1., 1.7, .8],
    ...                    "exporter": list("AABBAABB"), "importer": list("CDCDCDCD"),
    ...                    "year": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> res = gravity("trade ~ ln_dist | exporter + importer", df, vcov="hetero")
    >>> res.spec.estimator.startswith("PPML")
    True
    """
    data = checks.require_dataframe(data)
    checks.require_formula_names(data, formula)
    if ssc != "cluster":
        try:
            ssc = check_ssc(ssc)
        except SpecificationError as err:
            raise SpecificationError(f"{err} gravity() also accepts ssc='cluster'.") from None
    engine_ssc = "none" if ssc == "cluster" else ssc
    if method not in _ESTIMATORS:
        raise SpecificationError(f"method={method!r} is not known; use 'ppml' or 'ols'.")
    parsed = parse_formula(formula)
    if parsed.iv:
        raise SpecificationError(f"gravity() does not estimate IV formulas ({formula!r}).")
    bad_sep = [s for s in separation if s not in ("fe", "ir")]
    if bad_sep:
        raise SpecificationError(f"separation={tuple(separation)!r}: use 'fe' and/or 'ir'.")
    depvar = parsed.depvar
    if method == "ppml" and depvar not in data.columns:
        if not re.fullmatch(r"[^\W\d][\w.]*", depvar):
            raise EstimationError(
                f"PPML models the level of the flow, but the outcome is {depvar!r}. Write the "
                "flow column itself on the left (e.g. 'trade ~ ...'), or use method='ols' for logs."
            )

    pair_col: str | None = None
    if vcov is None:
        pair_col = _resolve_pair(parsed, data, pair)
        vcov_in: Any = {"CRV1": pair_col}
    else:
        vcov_in = vcov
    interaction = pair_col is not None and "^" in pair_col
    pf_vcov, vcov_kind, cluster = normalise_vcov(vcov_in)
    if vcov_kind in ("NW", "DK"):
        raise SpecificationError(
            f"vcov={vcov_in!r}: Newey-West and Driscoll-Kraay variances are for panels with one "
            "row per unit and period; estimate with hitex.panel, or cluster a gravity model by "
            "country pair ({'CRV1': 'pair'}) or two-way ({'CRV1': 'exporter+importer'}).")
    if pair_col is not None:
        checks.require_cluster_columns(data, pair_col.split("^"), pair_col, where="pair")
    else:
        checks.require_cluster_columns(data, cluster, vcov_in)
    checks.require_formula_names(data, "", [] if interaction else cluster,
                                 "pair=" if pair_col else "vcov=")

    used = list(parsed.variables)
    extra_cols = [c for c in (pair_col.split("^") if interaction else cluster) if c not in used]
    checks.require_columns(data, used + extra_cols, context=f"formula {formula!r}")
    checks.require_numeric(data, numeric_columns(parsed))
    if panel_id:
        key = [panel_id] if isinstance(panel_id, str) else list(panel_id)
        checks.require_columns(data, key, context="panel_id")
        checks.require_unique(data, key)

    if pair_col is not None:
        pair_cols = pair_col.split("^")
        n_missing = int(data[pair_cols].isna().any(axis=1).sum())
        if n_missing:
            raise EstimationError(
                f"pair identifier '{pair_col}' is missing in {n_missing} row(s); every flow must "
                f"belong to a country pair for pair-clustered standard errors. Fill '{pair_col}' "
                "(e.g. from exporter and importer codes) or drop those rows."
            )

    work = data.loc[:, list(dict.fromkeys(used + extra_cols))].copy()
    if interaction:
        cluster_name = "_hitex_pair"
        work[cluster_name] = _fe_groups(work, pair_col).to_numpy()
        pf_vcov, cluster = {"CRV1": cluster_name}, (cluster_name,)
    work, records, missing = checks.drop_missing(work)
    dropped = [DropRecord(*r) for r in records]
    checks.require_nonempty(len(work), f"formula {formula!r}", missing)
    work = drop_nonfinite_terms(parsed, work, dropped, formula)

    notes: list[str] = []
    extra: dict[str, Any] = {"method": method}
    if method == "ppml":
        y = work[depvar]
        if (y < 0).any():
            n_neg = int((y < 0).sum())
            raise EstimationError(
                f"outcome '{depvar}' has {n_neg} negative value(s) (e.g. {float(y[y < 0].iloc[0])!r}); "
                "PPML needs trade flows >= 0. Check the column (net flows? re-exports?) and "
                "drop or correct the negative rows."
            )
        checks.require_variation(y, depvar)
        extra["n_zero_flows"] = int((y == 0).sum())
        if "fe" in separation and parsed.fixed_effects:
            keep_sep, by_fe = _zero_group_drops(work, depvar, parsed.fixed_effects,
                                                singletons=drop_singletons)
            n_sep = int((~keep_sep).sum())
            if n_sep:
                detail = ", ".join(f"{fe}: {n}" for fe, n in by_fe.items())
                msg = (f"{n_sep} observation(s) dropped: their fixed-effect group has a zero outcome "
                       f"throughout, so they are perfectly predicted ({detail}).")
                warnings.warn(SeparationWarning(msg), stacklevel=2)
                dropped.append(DropRecord("separation", n_sep, f"fixed-effect groups with all-zero "
                                          f"outcome ({detail})"))
                notes.append(msg)
                work = work.loc[keep_sep]
                if work.empty:
                    raise EmptySampleError(
                        f"every observation of '{depvar}' lies in a fixed-effect group whose "
                        "outcome is zero throughout; nothing is left to estimate. Check the "
                        "outcome column and the fixed effects."
                    )
    elif depvar in work.columns:
        checks.require_variation(work[depvar], depvar)
    if parsed.fixed_effects:
        _check_fe_not_saturating(work, parsed.fixed_effects, formula)
    if drop_singletons:
        work = drop_singleton_rows(work, parsed.fixed_effects, dropped, f"formula {formula!r}")

    fit_formula, absorbed = _drop_absorbed_terms(parsed, work)
    for term, fe in absorbed:
        msg = collinear.drop_message(f"'{term}'", fe)
        warnings.warn(AbsorbedRegressorWarning(msg), stacklevel=2)
        notes.append(msg)
        dropped.append(DropRecord("absorbed", 1, f"{term}: absorbed by the {fe} fixed effect"))
    fit_frame, x_scale, y_scale = rescaled(work, parsed, (*cluster, *extra_cols),
                                           outcome=method == "ols")
    fit_args = (fit_formula, fit_frame, pf_vcov, method, drop_singletons, engine_ssc,
                [s for s in separation if s == "ir"])
    fit = _fit(*fit_args)
    fit = collinear.refit_scale_free(fit, lambda tol: _fit(*fit_args, tol), fit_formula)
    collinear.record_dropped(fit, work, parsed.fixed_effects, dropped, notes, rtol=ABSORB_RTOL)

    used_pos = np.asarray(fit._data.index, dtype=int)
    frame = work.reset_index(drop=True)
    if len(used_pos) != int(fit._N):  # pragma: no cover - engine contract
        raise EstimationError("could not identify the estimation sample returned by pyfixest.")
    n_ir = int(getattr(fit, "n_separation_na", 0) or 0)
    if n_ir:
        msg = f"{n_ir} observation(s) dropped as separated by the iterated-rectifier check."
        warnings.warn(SeparationWarning(msg), stacklevel=2)
        dropped.append(DropRecord("separation", n_ir, "iterated-rectifier (ir) check"))
        notes.append(msg)
    n_engine = len(work) - int(fit._N) - n_ir
    if n_engine > 0:  # singletons left by the ir drops, or a term hitex could not evaluate
        dropped.append(DropRecord("singleton", n_engine, "observations alone in a fixed-effect "
                                  "group") if n_ir else engine_drops(n_engine, drop_singletons))
    sample_frame = frame.iloc[used_pos]
    sample_index = work.index[used_pos]

    spec = ModelSpec(
        formula=parsed.formula,
        formula_input=formula,
        depvar=depvar,
        regressors=tuple(str(c) for c in fit._coefnames),
        fixed_effects=parsed.fixed_effects,
        vcov_type=vcov_kind,
        cluster=tuple(pair_col for _ in cluster) if interaction else cluster,
        vcov_label=vcov_label(vcov_kind, (pair_col,) if interaction else cluster, engine_ssc),
        ssc=ssc,
        estimator=(_ESTIMATORS[method] if parsed.fixed_effects
                   else _ESTIMATORS[method].replace(", absorbed fixed effects", "")
                   .replace(" (absorbed fixed effects)", "")),
        sample=sample,
        notes=tuple(notes),
        engine=engine_version(),
    )
    engine_spec = dataclasses.replace(spec, cluster=cluster, ssc=engine_ssc)
    result = build_result(fit, engine_spec, tuple(dropped), sample_index, sample_frame,
                    x_scale=x_scale, y_scale=y_scale,
                    cluster_names=(pair_col,) if interaction else None)
    if ssc == "cluster":
        result = _g_adjusted(result)
    result = dataclasses.replace(result, spec=dataclasses.replace(result.spec, ssc=ssc))
    if interaction:
        result = dataclasses.replace(
            result, spec=dataclasses.replace(spec, notes=result.spec.notes),
            n_clusters={pair_col: min(result.n_clusters.values())})
    extra = {**result.extra, **extra}
    if method == "ppml":
        extra.update(_ppml_fit_stats(fit, depvar))
        result = _as_ppml(result, extra)
    else:
        result = dataclasses.replace(result, extra=extra)
    return result


def _fit(formula: str, work: pd.DataFrame, vcov: Any, method: str, drop_singletons: bool,
         ssc: str, separation: list[str],
         collin_tol: float = collinear.ENGINE_COLLIN_TOL) -> Any:
    import pyfixest as pf

    frame = work.reset_index(drop=True)
    kwargs: dict[str, Any] = {
        "data": frame,
        "vcov": vcov,
        "ssc": pf.ssc(**engine_ssc(vcov, ssc)),
        "fixef_rm": "singleton" if drop_singletons else "none",
        "copy_data": False,
        "store_data": True,
        "collin_tol": collin_tol,
    }
    if method == "ppml":  # pyfixest's demeaning tolerance; its IRLS loop has its own
        return run_engine(lambda _: pf.fepois(context=formula_context(), fml=formula,
                                              separation_check=separation, **kwargs),
                          formula, "PPML estimation", (None,))[0]
    return run_engine(lambda tol: pf.feols(context=formula_context(), fml=formula,
                                           fixef_tol=tol, **kwargs), formula,
                      "OLS estimation")[0]


def _g_adjusted(result: RegressionResult) -> RegressionResult:
    """Scale a clustered variance by ``G/(G-1)`` only (``G`` the smallest cluster count)."""
    from scipy import stats

    base_refit = result._refit

    def refit(new_vcov: Any) -> RegressionResult:
        if base_refit is None:  # pragma: no cover
            raise EstimationError("this result cannot recompute its variance")
        return _g_adjusted(base_refit(new_vcov))

    if not result.n_clusters:
        return dataclasses.replace(result, _refit=refit)
    g = min(result.n_clusters.values())
    if g < 2:
        raise SpecificationError(
            f"only {g} cluster(s): clustered standard errors need at least 2 clusters."
        )
    factor = g / (g - 1)
    se = result.std_errors * np.sqrt(factor)
    tstat = (result.params / se).rename("statistic")
    pvals = pd.Series(2 * stats.t.sf(np.abs(tstat.to_numpy()), result.df_resid), index=se.index,
                      name="p_value")
    vcov = result.vcov * factor
    tests = fit_stats.vcov_tests(result.params, vcov, result.df_resid,
                                 poisson="wald_chi2" in result.extra)
    return dataclasses.replace(result, _std_errors=se, _tstats=tstat, _pvalues=pvals,
                               _vcov=vcov, _refit=refit, extra={**result.extra, **tests})


def _ppml_fit_stats(fit: Any, depvar: str) -> dict[str, Any]:
    y = np.asarray(fit._data[depvar], dtype=float).ravel()
    mu = np.asarray(fit._Y_hat_response, dtype=float).ravel()
    sq_cor = float(np.corrcoef(y, mu)[0, 1] ** 2) if len(y) > 1 and y.std() > 0 else float("nan")
    out: dict[str, Any] = {"squared_correlation": sq_cor}
    dev = getattr(fit, "deviance", None)
    if dev is not None:
        out["deviance"] = float(np.asarray(dev).ravel()[0])
    return out


def _as_ppml(result: RegressionResult, extra: Mapping[str, Any]) -> RegressionResult:
    """PPML inference with the standard normal (ppmlhdfe's z statistics)."""
    from scipy import stats

    z = result.tstats
    pvals = pd.Series(2 * stats.norm.sf(np.abs(z.to_numpy())), index=z.index, name="p_value")
    base_refit = result._refit

    def refit(new_vcov: Any) -> RegressionResult:
        if base_refit is None:  # pragma: no cover
            raise EstimationError("this result cannot recompute its variance")
        return _as_ppml(base_refit(new_vcov), extra)

    extra = {**extra, **{k: v for k, v in result.extra.items() if k in fit_stats.VCOV_TESTS}}

    return dataclasses.replace(
        result,
        _pvalues=pvals,
        df_resid=float("inf"),
        rsquared=float(extra.get("squared_correlation", float("nan"))),
        rsquared_within=None,
        rsquared_adj=None,
        extra=dict(extra),
        _refit=refit,
    )
