"""Variance estimation shared by the linear and Poisson estimators (engine: pyfixest).

:func:`build_result` turns a pyfixest fit into a :class:`~hitex.models.results.RegressionResult`:
it undoes the rescaling of the regressors, applies the small-sample convention
to clustered variances (:func:`hitex.models.small_sample.cluster_adjustment`), to
Newey-West and Driscoll-Kraay variances (:func:`hitex.models.small_sample.hac_adjustment`)
and to the others (:func:`hitex.models.small_sample.convention_factor`,
:func:`hitex.models.small_sample.redundancy_correction`), records the fit
statistics of :mod:`hitex.models.fit_stats` in ``extra`` (and Stata ``xtreg, fe``'s
average intercept when asked: :func:`with_average_intercept`), refuses variances that
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
from hitex.models import checks, fit_stats, iv, iv_design
from hitex.models.results import DropRecord, ModelSpec, RegressionResult
from hitex.models.small_sample import (  # noqa: F401 - SSC_CONVENTIONS re-exported
    SSC_CONVENTIONS,
    absorbed_dof,
    cluster_adjustment,
    convention_factor,
    default_hac_lag,
    engine_ssc,
    hac_adjustment,
    is_nested,
    redundancy_correction,
    redundant_levels,
    ssc_settings,
)

# Former private names, kept for the estimators that import them from here
# (panel, gravity); new code uses the public names of hitex.models.small_sample.

_VCOV_NAMES = {"iid": "Conventional", "hetero": "Heteroskedasticity-robust (HC1)",
               "HC1": "Heteroskedasticity-robust (HC1)", "HC2": "Heteroskedasticity-robust (HC2)",
               "HC3": "Heteroskedasticity-robust (HC3)"}
#: Heteroskedasticity- and autocorrelation-consistent variances (pyfixest names).
HAC_KINDS = {"NW": "Newey-West", "DK": "Driscoll-Kraay"}
_HAC_KEYS = {"time", "panel", "lag"}


def _vcov_message(vcov: Any) -> str:
    return (f"vcov={vcov!r} is not supported. Use 'iid', 'hetero' (or 'HC1'/'HC2'/'HC3'), "
            "{'CRV1': 'column'} to cluster by a column ('col1+col2' for two-way clustering), "
            "{'NW': {'time': 'year', 'panel': 'firm', 'lag': 2}} for Newey-West or "
            "{'DK': {'time': 'year', 'panel': 'firm'}} for Driscoll-Kraay standard errors.")


def hac_options(vcov: Any) -> dict[str, Any] | None:
    """``{"time", "panel", "lag"}`` of a Newey-West/Driscoll-Kraay ``vcov``, else None.

    ``lag`` may be missing (then :func:`hitex.models.small_sample.default_hac_lag`).
    """
    if not (isinstance(vcov, Mapping) and len(vcov) == 1):
        return None
    kind, opts = next(iter(vcov.items()))
    if kind not in HAC_KINDS:
        return None
    if isinstance(opts, str):
        opts = {"time": opts}
    if not isinstance(opts, Mapping) or set(opts) - _HAC_KEYS or not isinstance(
            opts.get("time"), str) or not opts["time"].strip():
        raise SpecificationError(
            f"vcov={dict(vcov)!r}: a {HAC_KINDS[kind]} variance needs the time column and, for "
            f"panels, the unit column, e.g. {{'{kind}': {{'time': 'year', 'panel': 'firm', "
            "'lag': 2}}} (lag optional: floor(T^(1/4)) by default).")
    lag = opts.get("lag")
    if lag is not None and (isinstance(lag, bool) or not isinstance(lag, int | np.integer)
                            or lag < 0):
        raise SpecificationError(
            f"vcov={dict(vcov)!r}: lag must be a whole number >= 0, e.g. 'lag': 2.")
    panel = opts.get("panel")
    if panel is not None and (not isinstance(panel, str) or not panel.strip()):
        raise SpecificationError(f"vcov={dict(vcov)!r}: 'panel' must name the unit column.")
    return {"time": opts["time"].strip(), "panel": panel.strip() if panel else None,
            "lag": None if lag is None else int(lag)}


def engine_hac_kwargs(hac: Mapping[str, Any] | None, data: pd.DataFrame) -> dict[str, Any] | None:
    """pyfixest's ``vcov_kwargs`` for a HAC variance (the default lag filled in)."""
    if hac is None:
        return None
    lag = hac["lag"]
    if lag is None:
        lag = default_hac_lag(int(data[hac["time"]].nunique()))
    out: dict[str, Any] = {"lag": lag, "time_id": hac["time"]}
    if hac["panel"]:
        out["panel_id"] = hac["panel"]
    return out


def normalise_vcov(vcov: Any) -> tuple[str | dict[str, str], str, tuple[str, ...]]:
    """Validate ``vcov``; return (pyfixest vcov, type label, cluster columns).

    A Newey-West or Driscoll-Kraay ``vcov`` gives ``("NW"|"DK", "NW"|"DK", ())``;
    its columns and lag are read with :func:`hac_options`.
    """
    if isinstance(vcov, str):
        if vcov not in _VCOV_NAMES:
            raise SpecificationError(_vcov_message(vcov))
        return ("hetero" if vcov == "HC1" else vcov), vcov, ()
    if isinstance(vcov, Mapping) and len(vcov) == 1:
        kind = next(iter(vcov))
        if kind in HAC_KINDS:
            hac_options(vcov)
            return kind, kind, ()
        by = vcov[kind]
        if kind not in ("CRV1", "CRV3") or not isinstance(by, str) or not by.strip():
            raise SpecificationError(_vcov_message(dict(vcov)))
        cols = tuple(c.strip() for c in by.split("+") if c.strip())
        return {kind: "+".join(cols)}, kind, cols
    raise SpecificationError(_vcov_message(vcov))


def vcov_label(kind: str, cluster: tuple[str, ...], ssc: str | None = None,
               hac: Mapping[str, Any] | None = None) -> str:
    """The variance's name in tables, with the convention where it changes the name.

    Without small-sample factor (``ssc="none"``, ``"large_sample"`` or fixest's
    ``adj=False``) the heteroskedasticity-robust variance is HC0, not HC1; under
    ``"stata_ml"`` it is HC0 x N/(N-1); HC2/HC3 say whether they carry the
    factor ``N/(N-K)`` (reghdfe/fixest conventions) or not (Stata ``regress,
    vce(hc3)``); Newey-West/Driscoll-Kraay name their lag.
    """
    if cluster:
        return f"Clustered ({' & '.join(cluster)})"
    if kind in HAC_KINDS:
        lag = "" if hac is None or hac.get("lag") is None else f", lag {hac['lag']}"
        return f"{HAC_KINDS[kind]} ({hac['time'] if hac else 'time'}{lag})"
    label = _VCOV_NAMES.get(kind, kind)
    if ssc is None:
        return label
    settings = ssc_settings(ssc)
    if kind in ("hetero", "HC1"):
        if settings["convention"] == "stata_ml":
            return "Heteroskedasticity-robust (HC0 x N/(N-1), Stata ML)"
        return label if settings["k_adj"] else label.replace("(HC1)", "(HC0)")
    if kind in ("HC2", "HC3") and settings["k_adj"]:
        return label.replace(")", " x N/(N-K))")
    if kind == "iid" and settings["convention"] == "large_sample":
        return "Conventional (RSS/N)"
    return label


def hac_record(hac: Mapping[str, Any] | None, data: pd.DataFrame) -> dict[str, Any] | None:
    """``hac`` with its lag filled in (the default computed on ``data``)."""
    if hac is None:
        return None
    lag = hac["lag"]
    if lag is None:
        lag = default_hac_lag(int(data[hac["time"]].nunique()))
    return {**hac, "lag": int(lag)}


def hac_fields(hac: Mapping[str, Any] | None, data: pd.DataFrame) -> dict[str, Any]:
    """The :class:`ModelSpec` fields that record a HAC variance (all None without one)."""
    rec = hac_record(hac, data)
    if rec is None:
        return {"hac_time": None, "hac_panel": None, "hac_lag": None}
    return {"hac_time": rec["time"], "hac_panel": rec["panel"], "hac_lag": rec["lag"]}


def require_hac_columns(data: pd.DataFrame, hac: Mapping[str, Any], vcov: Any) -> None:
    """Raise :class:`~hitex.errors.SpecificationError` if a HAC column is not in ``data``,
    or if the time column does not identify one row per unit and period."""
    cols = [c for c in (hac["time"], hac["panel"]) if c]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise SpecificationError(
            f"vcov={dict(vcov)!r}: column(s) {missing} are not in the estimation data. Name the "
            "time (and unit) columns of the data, or estimate again with this vcov so that "
            "they are kept.")
    if not pd.api.types.is_numeric_dtype(data[hac["time"]]):
        raise SpecificationError(
            f"vcov={dict(vcov)!r}: the time column '{hac['time']}' must be numeric (a year or "
            "period number) so that lags are defined; convert it, e.g. with pd.to_numeric.")
    if data.duplicated(cols).any():
        raise SpecificationError(
            f"vcov={dict(vcov)!r}: {' and '.join(repr(c) for c in cols)} do not identify the "
            "rows uniquely (several rows per period"
            + (" and unit" if hac["panel"] else "") + "). Name the unit column with 'panel' "
            "(Newey-West on a panel), or use the Driscoll-Kraay variance {'DK': ...}.")


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
           cluster_names: Sequence[str] | None = None, stacklevel: int = 4) -> RegressionResult:
    """Turn a pyfixest fit into a :class:`RegressionResult`.

    ``x_scale``/``y_scale`` undo :func:`hitex.models.panel.rescaled`:
    coefficient ``j`` is multiplied by ``y_scale / x_scale[j]`` and the
    variance accordingly. ``cluster_names`` are the names shown for the
    clusters when the engine clusters by a helper column (gravity's
    ``exporter^importer`` pairs). Adds the notes that depend on the variance
    (few clusters, the 2SLS first stage; their warnings are aimed ``stacklevel``
    frames up from the note-taking function, 4 being the estimator's caller
    when the estimator calls this function) and raises
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
    elif spec.vcov_type in HAC_KINDS:
        factor, _ = hac_adjustment(fit, spec, fit._data if sample is None else sample)
        vcov = vcov * factor
    else:
        vcov = vcov * convention_factor(spec.ssc, spec.vcov_type, int(fit._N))
        corrected = redundancy_correction(fit, spec, sample)
        if corrected is not None:
            vcov = vcov * corrected[0]
            df_resid = float(int(fit._N) - corrected[1])
    if spec.ssc in SSC_CONVENTIONS and ssc_settings(spec.ssc)["convention"] == "large_sample":
        df_resid = float("inf")  # ivreg2/ivregress without small: z statistics
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
                                 x_scale=x_scale, y_scale=y_scale, stacklevel=stacklevel)
    stats_, within = _fit_statistics(fit, spec, sample, params, vc, df_resid,
                                     x_scale=x_scale, y_scale=y_scale)
    extra = {**stats_, **extra}
    if spec.average_intercept:
        params, se, tstat, pval, vc = with_average_intercept(
            params, vc, df_resid, within, spec, int(fit._N))

    def refit(new_vcov: Any) -> RegressionResult:
        pf_vcov, kind, cluster = normalise_vcov(new_vcov)
        if cluster and sample is not None:
            checks.require_cluster_columns(sample, cluster, new_vcov, in_model=True)
        hac = hac_options(new_vcov)
        if hac is not None:
            require_hac_columns(fit._data, hac, new_vcov)
        clone = copy.copy(fit)
        try:
            clone._ssc_dict = engine_ssc(pf_vcov, spec.ssc)
            clone.vcov(pf_vcov, vcov_kwargs=engine_hac_kwargs(hac, fit._data))
        except Exception as err:
            raise EstimationError(f"could not compute vcov={new_vcov!r}: {err}") from err
        new_spec = ModelSpec(**{**spec.__dict__, "vcov_type": kind, "cluster": cluster,
                                "vcov_label": vcov_label(kind, cluster, spec.ssc,
                                                         hac_record(hac, fit._data)),
                                **hac_fields(hac, fit._data)})
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


def absorbed_levels(fit: Any, spec: ModelSpec, sample: pd.DataFrame | None) -> int:
    """Fixed-effect levels less the redundant ones (reghdfe's ``df_a`` without nesting)."""
    if not spec.fixed_effects:
        return 0
    cols = {c for fe in spec.fixed_effects for c in fe.split("^")}
    if sample is not None and cols <= set(sample.columns) and len(sample) == int(fit._N):
        return absorbed_dof(sample, spec.fixed_effects)[0]
    levels = int(np.sum(np.atleast_1d(np.asarray(fit._k_fe))))
    return levels - (len(spec.fixed_effects) - 1)


def _fit_statistics(fit: Any, spec: ModelSpec, sample: pd.DataFrame | None, params: pd.Series,
                    vc: pd.DataFrame, df_resid: float, *,
                    x_scale: Mapping[str, float] | None, y_scale: float,
                    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The fit statistics of :mod:`hitex.models.fit_stats` for ``extra``; and, for a
    one-way fixed-effects OLS fit, Stata ``xtreg, fe``'s within statistics."""
    absorbed = absorbed_levels(fit, spec, sample)
    if getattr(fit, "_method", "") == "fepois":
        y = np.asarray(fit._Y_untransformed, dtype=float).ravel() * y_scale
        mu = np.asarray(fit._Y_hat_response, dtype=float).ravel() * y_scale
        return fit_stats.poisson_fit_statistics(y, mu, params, vc, absorbed), None
    out = fit_stats.linear_fit_statistics(fit, params, vc, df_resid, absorbed, y_scale=y_scale)
    within = None
    fe = spec.fixed_effects
    if (len(fe) == 1 and "^" not in fe[0] and not spec.endogenous and sample is not None
            and fe[0] in sample.columns and len(sample) == int(fit._N)):
        scale = np.array([(x_scale or {}).get(str(n), 1.0) for n in fit._coefnames])
        within = fit_stats.within_statistics(fit, sample[fe[0]].to_numpy(), out["rmse"],
                                             y_scale=y_scale, x_scale=scale)
        if within is not None:
            out.update({k: within[k] for k in ("sigma_u", "sigma_e", "rho", "f_u",
                                               "f_u_pvalue", "f_u_df")})
    return out, within


def with_average_intercept(params: pd.Series, vc: pd.DataFrame, df_resid: float,
                           within: Mapping[str, Any] | None, spec: ModelSpec, nobs: int,
                           ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.DataFrame]:
    """Coefficients and variance with Stata ``xtreg, fe``'s average intercept ``_cons`` added.

    ``_cons = mean(y) - mean(x)' b``; ``Var(_cons) = xbar' V xbar + s^2/N`` and
    ``Cov(b, _cons) = -V xbar`` with conventional errors, and without the
    ``s^2/N`` term when clustering by a variable in which the fixed effect is
    nested (the within residuals sum to zero in each cluster), as ``xtreg, fe``
    prints. Other variances are refused.
    """
    from scipy import stats

    if within is None:
        one_way = len(spec.fixed_effects) == 1 and "^" not in spec.fixed_effects[0]
        if one_way and not spec.endogenous and not spec.weights:
            raise SpecificationError(
                f"average_intercept=True: the regressors of {spec.formula!r} could not be rebuilt "
                "before demeaning (a term such as i() is not supported here). Write that term as "
                "data columns, or drop average_intercept.")
        raise SpecificationError(
            f"average_intercept=True needs one absorbed fixed effect, no weights and no IV part; "
            f"{spec.formula!r} has fixed effects {list(spec.fixed_effects)}"
            f"{', weights' if spec.weights else ''}{', an IV part' if spec.endogenous else ''}. "
            "Drop average_intercept or absorb one unit effect (e.g. 'y ~ x | firm').")
    v = vc.to_numpy()
    xbar = np.asarray(within["xbar"], dtype=float)
    fe = spec.fixed_effects[0]
    if spec.vcov_type == "iid":
        extra_var = float(within["sigma_e"]) ** 2 / nobs
    elif spec.cluster and fe in spec.cluster:
        extra_var = 0.0
    else:
        raise SpecificationError(
            f"average_intercept=True is defined (as Stata xtreg, fe prints it) for vcov='iid' or "
            f"clustering by the fixed effect {{'CRV1': '{fe}'}}, not for {spec.vcov_label}. "
            "Use one of these variances or drop average_intercept.")
    cov = -v @ xbar
    var_c = float(xbar @ v @ xbar) + extra_var
    names = [*params.index, fit_stats.AVERAGE_INTERCEPT]
    full = np.block([[v, cov[:, None]], [cov[None, :], np.array([[var_c]])]])
    new_params = pd.Series([*params.to_numpy(), within["cons"]], index=names, name="estimate")
    se = pd.Series(np.sqrt(np.diag(full)), index=names, name="std_error")
    tstat = (new_params / se).rename("statistic")
    pval = pd.Series(2 * stats.t.sf(np.abs(tstat.to_numpy()), df_resid), index=names,
                     name="p_value")
    return new_params, se, tstat, pval, pd.DataFrame(full, index=names, columns=names)


def _derived_notes(fit: Any, spec: ModelSpec, sample: pd.DataFrame | None,
                   clusters: Mapping[str, int], cluster_names: Sequence[str] | None, *,
                   x_scale: Mapping[str, float] | None = None, y_scale: float = 1.0,
                   stacklevel: int = 4) -> tuple[ModelSpec, dict[str, Any]]:
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
        warnings.warn(FewClustersWarning(few), stacklevel=stacklevel)
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
            warnings.warn(AbsorbedRegressorWarning(text), stacklevel=stacklevel)
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
