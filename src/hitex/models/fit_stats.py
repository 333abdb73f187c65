"""Goodness-of-fit statistics of a linear fit, as Stata ``regress``/``xtreg, fe`` store them.

:func:`linear_fit_statistics` computes, from a pyfixest OLS or 2SLS fit, the
numbers a results table is expected to carry beside the coefficients. The
conventions are Stata's (``regress``, ``areg``, ``xtreg, fe``; gretl prints
the same numbers):

* ``rss`` -- residual sum of squares ``e'e``; with analytic weights the
  weights are normalised to sum to ``N`` first (Stata's ``aweight``);
* ``tss`` -- total sum of squares about the mean, *within* the fixed effects
  when effects are absorbed (Stata ``xtreg, fe``'s ``e(mss) + e(rss)``);
* ``mss`` -- model sum of squares ``tss - rss``;
* ``rmse`` -- ``sqrt(rss / (N - K - df_a))``, ``K`` the coefficients
  (intercept included) and ``df_a`` the fixed-effect levels less the
  redundant ones (:func:`hitex.models.small_sample.absorbed_dof`): Stata
  ``regress``/``areg`` ``e(rmse)`` and ``xtreg, fe``'s ``sigma_e``;
* ``loglik`` -- the Gaussian log-likelihood ``-N/2 (1 + ln 2 pi + ln(rss/N))``
  (Stata ``e(ll)``; for ``xtreg, fe`` on the within-transformed data);
* ``aic``/``bic`` -- ``-2 loglik + 2 k`` and ``-2 loglik + k ln N`` with
  ``k = K + df_a`` parameters, every fixed-effect level counted (gretl's
  fixed-effects AIC/BIC; Stata ``estat ic`` after ``regress`` with dummies);
* ``fstat``, ``f_pvalue``, ``f_df`` -- the Wald F test that every coefficient
  but the intercept is zero, ``b' V^-1 b / q`` under the result's own variance,
  against ``F(q, df_resid)`` (Stata ``regress``/``xtreg, fe``'s ``e(F)``;
  with clustered errors the denominator degrees of freedom are ``G - 1``);
* ``depvar_mean`` -- the (weighted) mean of the outcome in the estimation sample.

:func:`poisson_fit_statistics` does the same for a Poisson pseudo-ML (PPML)
fit, with the conventions of Stata ``poisson``/``ppmlhdfe`` and R fixest:
the pseudo log-likelihood ``sum(y ln mu - mu - ln y!)``, that of the
intercept-only model ``loglik_null``, McFadden's pseudo R-squared
``1 - ll/ll_0`` (Stata's "Pseudo R2", ppmlhdfe's ``e(r2_p)``) and fixest's
adjusted one ``1 - (ll - k)/ll_0``, the deviance ``2 sum(y ln(y/mu) - (y - mu))``,
AIC/BIC with ``k`` = coefficients + fixed-effect levels less the redundant
ones, and the Wald chi-squared test that every coefficient but the intercept
is zero (``wald_chi2``, ``wald_pvalue``, ``wald_df``), as ``ppmlhdfe`` prints it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Name of the intercept among a fit's coefficients (pyfixest's).
INTERCEPT = "Intercept"
#: Name of Stata ``xtreg, fe``'s average intercept when a result reports it.
AVERAGE_INTERCEPT = "_cons"


def wald_test(params: pd.Series, vcov: pd.DataFrame, terms: Sequence[str]) -> float:
    """Wald statistic ``b' V^-1 b`` that the coefficients of ``terms`` are all zero.

    A singular variance block (fewer clusters than restrictions) gives NaN,
    as Stata reports a missing F then.
    """
    if not terms:
        return float("nan")
    b = params.loc[list(terms)].to_numpy(dtype=float)
    v = vcov.loc[list(terms), list(terms)].to_numpy(dtype=float)
    if np.linalg.matrix_rank(v) < len(terms):
        return float("nan")
    return float(b @ np.linalg.solve(v, b))


def model_f(params: pd.Series, vcov: pd.DataFrame, df_resid: float) -> dict[str, Any]:
    """The model F statistic (all coefficients but the intercept) and its p-value."""
    from scipy import stats

    terms = [t for t in params.index if t not in (INTERCEPT, AVERAGE_INTERCEPT)]
    q = len(terms)
    wald = wald_test(params, vcov, terms)
    if not q or not math.isfinite(wald):
        return {"fstat": None, "f_pvalue": None, "f_df": None}
    f = wald / q
    if math.isfinite(df_resid) and df_resid > 0:
        p = float(stats.f.sf(f, q, df_resid))
    else:
        p = float(stats.chi2.sf(wald, q))
    return {"fstat": f, "f_pvalue": p, "f_df": (q, float(df_resid))}


#: ``extra`` entries that depend on the variance estimator.
VCOV_TESTS: tuple[str, ...] = ("fstat", "f_pvalue", "f_df", "wald_chi2", "wald_pvalue", "wald_df")


def vcov_tests(params: pd.Series, vcov: pd.DataFrame, df_resid: float,
               poisson: bool = False) -> dict[str, Any]:
    """The variance-dependent model test: F (linear) or Wald chi-squared (Poisson)."""
    if not poisson:
        return model_f(params, vcov, df_resid)
    from scipy import stats

    terms = [t for t in params.index if t not in (INTERCEPT, AVERAGE_INTERCEPT)]
    wald = wald_test(params, vcov, terms)
    ok = bool(terms) and math.isfinite(wald)
    return {"wald_chi2": wald if ok else None,
            "wald_pvalue": float(stats.chi2.sf(wald, len(terms))) if ok else None,
            "wald_df": len(terms) if ok else None}


def gaussian_loglik(rss: float, nobs: int) -> float:
    """``-N/2 (1 + ln(2 pi) + ln(rss/N))``: Stata ``regress``'s ``e(ll)``."""
    if rss <= 0 or nobs <= 0:
        return float("nan")
    return -0.5 * nobs * (1.0 + math.log(2.0 * math.pi) + math.log(rss / nobs))


def information_criteria(loglik: float, n_params: int, nobs: int) -> tuple[float, float]:
    """(AIC, BIC) = ``(-2 ll + 2 k, -2 ll + k ln N)``."""
    return -2.0 * loglik + 2.0 * n_params, -2.0 * loglik + n_params * math.log(nobs)


def linear_fit_statistics(fit: Any, params: pd.Series, vcov: pd.DataFrame, df_resid: float,
                          absorbed: int, *, y_scale: float = 1.0) -> dict[str, Any]:
    """Fit statistics of a pyfixest OLS/2SLS fit (see the module docstring).

    Parameters
    ----------
    fit : pyfixest Feols
        The fit (``_u_hat``, ``_Y``, ``_Y_untransformed``, ``_weights``, ``_N``).
    params, vcov : pandas objects
        Coefficients and their variance on the user's scale.
    df_resid : float
        Degrees of freedom of the result's t statistics (``G - 1`` if clustered).
    absorbed : int
        ``df_a``: fixed-effect levels less the redundant ones (0 without effects).
    y_scale : float, default 1.0
        Factor by which the engine's outcome was divided (undone here).

    Returns
    -------
    dict
        ``depvar_mean, rss, tss, mss, rmse, loglik, aic, bic, n_params, fstat,
        f_pvalue, f_df``.
    """
    n = int(fit._N)
    w = np.asarray(fit._weights, dtype=float).ravel()
    norm = n / float(w.sum()) if w.size and w.sum() > 0 else 1.0
    scale2 = float(y_scale) ** 2
    u = np.asarray(fit._u_hat, dtype=float).ravel()
    rss = float(u @ u) * norm * scale2
    y_raw = np.asarray(fit._Y_untransformed, dtype=float).ravel() * y_scale
    weights = w if w.size == y_raw.size else np.ones_like(y_raw)
    mean = float(np.average(y_raw, weights=weights))
    if getattr(fit, "_has_fixef", False):
        y = np.asarray(fit._Y, dtype=float).ravel()  # within-transformed, times sqrt(w)
        tss = float(y @ y) * norm * scale2
    else:
        tss = float((weights * (y_raw - mean) ** 2).sum()) * norm
    k = len(params) + int(absorbed)
    dof = n - k
    rmse = math.sqrt(rss / dof) if dof > 0 else float("nan")
    loglik = gaussian_loglik(rss, n)
    aic, bic = information_criteria(loglik, k, n)
    out: dict[str, Any] = {
        "depvar_mean": mean, "rss": rss, "tss": tss, "mss": tss - rss, "rmse": rmse,
        "loglik": loglik, "aic": aic, "bic": bic, "n_params": k,
    }
    out.update(model_f(params, vcov, df_resid))
    return out


def poisson_fit_statistics(y: np.ndarray, mu: np.ndarray, params: pd.Series,
                           vcov: pd.DataFrame, absorbed: int) -> dict[str, Any]:
    """Fit statistics of a Poisson pseudo-ML fit (see the module docstring).

    Parameters
    ----------
    y, mu : numpy.ndarray
        Outcome and fitted mean on the user's scale, estimation sample only.
    params, vcov : pandas objects
        Coefficients and their variance.
    absorbed : int
        Fixed-effect levels less the redundant ones (0 without effects).

    Returns
    -------
    dict
        ``depvar_mean, loglik, loglik_null, pseudo_rsquared, pseudo_rsquared_adj,
        deviance, aic, bic, n_params, wald_chi2, wald_pvalue, wald_df``.
    """
    from scipy import special

    y = np.asarray(y, dtype=float).ravel()
    mu = np.asarray(mu, dtype=float).ravel()
    n = y.size
    log_fact = special.gammaln(y + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = float((y * np.log(mu) - mu - log_fact).sum())
        ybar = float(y.mean()) if n else float("nan")
        loglik0 = float((y * math.log(ybar) - ybar - log_fact).sum()) if ybar > 0 else float("nan")
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    deviance = float(2.0 * (ylogy - (y - mu)).sum())
    k = len(params) + int(absorbed)
    aic, bic = information_criteria(loglik, k, n)
    return {
        "depvar_mean": ybar, "loglik": loglik, "loglik_null": loglik0,
        "pseudo_rsquared": 1.0 - loglik / loglik0,
        "pseudo_rsquared_adj": 1.0 - (loglik - k) / loglik0,
        "deviance": deviance, "aic": aic, "bic": bic, "n_params": k,
        **vcov_tests(params, vcov, float("inf"), poisson=True),
    }


def original_regressors(fit: Any) -> np.ndarray | None:
    """The regressors of a pyfixest fit before demeaning (engine scale), or None.

    pyfixest keeps only the demeaned matrix of a fixed-effects fit; the
    original one is rebuilt from its model specification and stored data.
    """
    from formulaic.errors import FormulaicError

    context = getattr(fit, "_context", None)
    try:
        spec = fit._model_spec["second_stage"]
        matrix = spec.get_model_matrix(fit._data, context=context)["rhs"]
        x = matrix[[str(c) for c in fit._coefnames]].to_numpy(dtype=float)
    except (KeyError, AttributeError, TypeError, ValueError, NameError, FormulaicError):
        return None
    return x if x.shape[0] == int(fit._N) else None


def within_statistics(fit: Any, group: np.ndarray, rmse: float, *, y_scale: float = 1.0,
                      x_scale: np.ndarray | None = None) -> dict[str, Any] | None:
    """Stata ``xtreg, fe``'s ``sigma_u``, ``sigma_e``, ``rho`` and average intercept ``_cons``.

    ``_cons = mean(y) - mean(x)' b`` (over observations); ``u_i`` the unit
    effects less ``_cons``; ``sigma_u`` their standard deviation across units
    (one value per unit, divisor ``n_units - 1``); ``sigma_e`` the root mean
    squared error ``sqrt(e'e/(N - K - n_units))``; ``rho = sigma_u^2 /
    (sigma_u^2 + sigma_e^2)``; ``f_u`` the F test that all ``u_i`` are zero
    (:func:`unit_effects_f`). Returns None when the fit has weights or its
    original regressors cannot be rebuilt. ``xbar`` (the regressors' means on
    the user's scale) is returned for the variance of ``_cons``.
    """
    if getattr(fit, "_has_weights", False):
        return None
    x = original_regressors(fit)
    if x is None:
        return None
    y = np.asarray(fit._Y_untransformed, dtype=float).ravel()
    u = np.asarray(fit._u_hat, dtype=float).ravel()
    b = np.asarray(fit.coef(), dtype=float)
    effect = (y - x @ b - u) * y_scale
    cons = float(effect.mean())
    by_unit = pd.Series(effect - cons).groupby(np.asarray(group), sort=False).first()
    sigma_u = float(by_unit.std(ddof=1)) if len(by_unit) > 1 else float("nan")
    rho = sigma_u**2 / (sigma_u**2 + rmse**2) if math.isfinite(sigma_u) else float("nan")
    xbar = x.mean(axis=0) * (np.ones(x.shape[1]) if x_scale is None else x_scale)
    out = {"sigma_u": sigma_u, "sigma_e": rmse, "rho": rho, "cons": cons, "xbar": xbar}
    out.update(unit_effects_f(y, x, u, len(by_unit)))
    return out


def unit_effects_f(y: np.ndarray, x: np.ndarray, resid: np.ndarray, n_units: int
                   ) -> dict[str, Any]:
    """Stata ``xtreg, fe``'s "F test that all u_i=0".

    ``((RSS_pooled - RSS_fe)/(n_units - 1)) / (RSS_fe/(N - K - n_units))`` with
    ``RSS_pooled`` from OLS of ``y`` on an intercept and the regressors.
    """
    from scipy import stats

    n, k = x.shape
    design = np.column_stack([np.ones(n), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    e = y - design @ beta
    rss_pooled, rss_fe = float(e @ e), float(resid @ resid)
    df1, df2 = n_units - 1, n - k - n_units
    if df1 < 1 or df2 < 1 or rss_fe <= 0:
        return {"f_u": None, "f_u_pvalue": None, "f_u_df": None}
    f = ((rss_pooled - rss_fe) / df1) / (rss_fe / df2)
    return {"f_u": f, "f_u_pvalue": float(stats.f.sf(f, df1, df2)), "f_u_df": (df1, df2)}


__all__ = ["AVERAGE_INTERCEPT", "INTERCEPT", "gaussian_loglik", "information_criteria", "linear_fit_statistics",
           "model_f", "original_regressors", "poisson_fit_statistics", "unit_effects_f", "VCOV_TESTS", "vcov_tests", "wald_test",
           "within_statistics"]
