"""Treatment effects as Stata ``teffects`` estimates them: ``ipw``, ``aipw`` and ``nnmatch``.

:func:`nnmatch` is nearest-neighbour matching on the covariates (Mahalanobis
distance by default); see its docstring. :func:`ipw` and :func:`aipw`
estimate the average treatment effect (ATE) or the average treatment effect
on the treated (ATET) of a 0/1 treatment under
unconfoundedness, with a logit (default) or probit propensity score
``p(x) = P(D = 1 | x)`` fitted by statsmodels (Newton-Raphson, as Stata's
``logit``/``probit``).

Estimators
----------
Both report two terms, as ``teffects`` prints them: the effect (``"ATE"`` or
``"ATET"``) and ``"POmean0"``, the mean of the untreated potential outcome
(over everyone for the ATE, over the treated for the ATET).

``ipw`` (Stata ``teffects ipw``)
    Weighted means with weights normalised to sum to one in each group
    (Hajek): for the ATE, ``1/p`` for the treated and ``1/(1 - p)`` for the
    controls; for the ATET, ``1`` for the treated and ``p/(1 - p)`` for the
    controls.
``aipw`` (Stata ``teffects aipw`` for the ATE)
    Augmented IPW, doubly robust: a linear outcome model per treatment arm
    fitted by OLS, ``m_w(x) = x' b_w``, and

    .. math::

        \\hat\\mu_1 = \\frac1N \\sum_i \\Big[m_1(x_i) + \\frac{D_i (Y_i - m_1(x_i))}{p_i}\\Big],
        \\qquad
        \\hat\\mu_0 = \\frac1N \\sum_i \\Big[m_0(x_i)
            + \\frac{(1 - D_i)(Y_i - m_0(x_i))}{1 - p_i}\\Big],

    ``ATE = mu_1 - mu_0`` (Stata's default, unnormalised weights). Stata's
    ``teffects aipw`` has no ATET; hitex's ATET is the normalised doubly
    robust estimator of Sant'Anna and Zhao (2020, eq. 3.1, R ``DRDID``'s
    ``drdid_panel`` with the outcome in place of its change):

    .. math::

        \\widehat{ATET} = \\frac{\\sum_i D_i (Y_i - m_0(x_i))}{\\sum_i D_i}
            - \\frac{\\sum_i w_i (Y_i - m_0(x_i))}{\\sum_i w_i},
        \\qquad w_i = (1 - D_i) \\frac{p_i}{1 - p_i}.

Standard errors
---------------
Every estimator is written as a stack of estimating equations - the effect
and ``POmean0``, the OLS normal equations of the outcome models and the
score equations of the logit/probit - and its variance is the robust
sandwich ``A^{-1} B A^{-T} / N`` with ``A`` the mean Jacobian of the
equations (central differences, statsmodels' ``approx_fprime``) and ``B``
the mean outer product of their values, divisor ``N`` (Stata ``teffects``'s
default ``vce(robust)``; it accounts for the estimated score and outcome
models). p-values and intervals are normal (``z``), as ``teffects`` prints.

Overlap and trimming
--------------------
A score within ``1e-5`` of 0 or 1 (Stata's default ``pstolerance(1e-5)``)
makes the weights unbounded: the estimators stop with an
:class:`~hitex.errors.EstimationError` that names the fix. ``trim=a`` keeps
the units whose score (fitted on the whole sample) lies in ``[a, 1 - a]``
and re-estimates everything on them, as ``teffects ipw ... if inrange(ps,
a, 1 - a)`` does after ``predict ps``; Crump, Hotz, Imbens and Mitnik (2009)
suggest ``a = 0.1``. The trimmed units are counted in ``n_trimmed``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import (
    ScoreModel,
    binary_treatment,
    fit_score,
    plain_index,
    score_link,
)
from hitex.models.normal_inference import NormalInference

__all__ = ["TreatmentEffectResult", "aipw", "ipw", "nnmatch"]

#: Stata ``teffects``'s default ``pstolerance()``.
PS_TOLERANCE = 1e-5


@dataclass(frozen=True, eq=False)
class TreatmentEffectResult(NormalInference):
    """An immutable IPW/AIPW treatment-effect result (Stata ``teffects`` layout).

    Attributes
    ----------
    estimator : str
        ``"ipw"``, ``"aipw"`` or ``"nnmatch"``.
    stat : str
        ``"ate"`` or ``"atet"``.
    params, std_errors : pandas.Series
        The effect (``"ATE"``/``"ATET"``) and, for IPW/AIPW, ``"POmean0"``
        with their robust standard errors.
    vcov : pandas.DataFrame
        Their covariance matrix.
    nobs : int
        Units used (after trimming and dropping missing values).
    n_treated : int
        Treated units used.
    n_trimmed : int
        Units dropped by ``trim``.
    score_model : ScoreModel or None
        The propensity-score model fitted on the units used (``None`` for
        :func:`nnmatch`).
    spec : dict
        The options that were run.
    """

    estimator: str
    stat: str
    params: pd.Series
    std_errors: pd.Series
    vcov: pd.DataFrame
    nobs: int
    n_treated: int
    n_trimmed: int
    score_model: ScoreModel | None
    spec: dict[str, Any]
    _scores: pd.Series = field(repr=False)

    @property
    def scores(self) -> pd.Series:
        """Propensity score of every unit used, indexed like the data."""
        return self._scores.copy()

    @property
    def rsquared(self) -> float:
        """Not defined for these estimators (NaN), kept for the result contract."""
        return float("nan")

    def summary(self) -> str:
        """Plain-text summary in the layout of Stata's ``teffects`` output."""
        s = self.spec
        name = {"ipw": "inverse-probability weights", "aipw": "augmented IPW",
                "nnmatch": "nearest-neighbor matching"}[self.estimator]
        lines = [f"Treatment-effects estimation: {name}   Number of obs = {self.nobs}"]
        if self.estimator == "nnmatch":
            lines.append(f"Outcome: {s['outcome']}   treatment: {s['treatment']}   matching on "
                         f"{', '.join(s['covariates'])} ({s['metric']} metric, "
                         f"{s['k']} neighbour(s), ties kept)")
        else:
            trim = "none" if s["trim"] is None else f"scores outside [{s['trim']}, 1 - {s['trim']}]"
            lines += [f"Outcome: {s['outcome']}   treatment: {s['treatment']}   treatment model: "
                      f"{s['model']}" + (f"   outcome model: linear "
                                         f"({', '.join(s['outcome_covariates'])})"
                                         if self.estimator == "aipw" else ""),
                      f"Trimming: {trim} ({self.n_trimmed} unit(s) dropped)"]
        lines.append(f"{'term':<10}{'coef':>14}{'robust s.e.':>14}{'z':>9}{'P>|z|':>9}")
        tidy = self.tidy()
        for term, row in tidy.iterrows():
            lines.append(f"{term:<10}{row['estimate']:>14.4f}{row['std_error']:>14.4f}"
                         f"{row['statistic']:>9.2f}{row['p_value']:>9.3f}")
        if self.score_model is not None:
            lines += ["", self.score_model.summary()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# -- the estimating equations ----------------------------------------------------------
def _score_obs(model: str, xs: np.ndarray, d: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Per-unit score of the logit/probit log likelihood."""
    big_f, f = score_link(model, xs @ gamma)
    return xs * ((d - big_f) * f / (big_f * (1 - big_f)))[:, None]


def _moments(estimator: str, stat: str, model: str, y: np.ndarray, d: np.ndarray,
             xs: np.ndarray, xo: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The (N x q) estimating equations as a function of the stacked parameters."""
    ko = xo.shape[1]

    def ipw_moments(theta: np.ndarray) -> np.ndarray:
        tau, mu0, gamma = theta[0], theta[1], theta[2:]
        p = score_link(model, xs @ gamma)[0]
        if stat == "ate":
            a = d / p * (y - mu0 - tau)
            b = (1 - d) / (1 - p) * (y - mu0)
        else:
            a = d * (y - mu0 - tau)
            b = (1 - d) * p / (1 - p) * (y - mu0)
        return np.column_stack([a, b, _score_obs(model, xs, d, gamma)])

    def aipw_ate_moments(theta: np.ndarray) -> np.ndarray:
        tau, mu0 = theta[0], theta[1]
        b0, b1, gamma = theta[2:2 + ko], theta[2 + ko:2 + 2 * ko], theta[2 + 2 * ko:]
        p = score_link(model, xs @ gamma)[0]
        m0, m1 = xo @ b0, xo @ b1
        a = m1 + d * (y - m1) / p - mu0 - tau
        b = m0 + (1 - d) * (y - m0) / (1 - p) - mu0
        return np.column_stack([a, b, xo * ((1 - d) * (y - m0))[:, None],
                                xo * (d * (y - m1))[:, None], _score_obs(model, xs, d, gamma)])

    def aipw_atet_moments(theta: np.ndarray) -> np.ndarray:
        tau, mu0, shift = theta[0], theta[1], theta[2]
        b0, gamma = theta[3:3 + ko], theta[3 + ko:]
        p = score_link(model, xs @ gamma)[0]
        m0 = xo @ b0
        a = d * (y - mu0 - tau)
        b = d * (m0 + shift - mu0)
        c = (1 - d) * p / (1 - p) * (y - m0 - shift)
        return np.column_stack([a, b, c, xo * ((1 - d) * (y - m0))[:, None],
                                _score_obs(model, xs, d, gamma)])

    if estimator == "ipw":
        return ipw_moments
    return aipw_ate_moments if stat == "ate" else aipw_atet_moments


def _estimates(estimator: str, stat: str, y: np.ndarray, d: np.ndarray, p: np.ndarray,
               xo: np.ndarray) -> np.ndarray:
    """Closed-form solution of the equations for everything but the score coefficients."""
    t = d == 1
    if estimator == "ipw":
        w1 = d / p if stat == "ate" else d
        w0 = (1 - d) / (1 - p) if stat == "ate" else (1 - d) * p / (1 - p)
        mu1, mu0 = np.sum(w1 * y) / np.sum(w1), np.sum(w0 * y) / np.sum(w0)
        return np.array([mu1 - mu0, mu0])
    b0 = np.linalg.lstsq(xo[~t], y[~t], rcond=None)[0]
    m0 = xo @ b0
    if stat == "ate":
        b1 = np.linalg.lstsq(xo[t], y[t], rcond=None)[0]
        m1 = xo @ b1
        mu1 = np.mean(m1 + d * (y - m1) / p)
        mu0 = np.mean(m0 + (1 - d) * (y - m0) / (1 - p))
        return np.concatenate([[mu1 - mu0, mu0], b0, b1])
    w0 = (1 - d) * p / (1 - p)
    shift = np.sum(w0 * (y - m0)) / np.sum(w0)
    mu0 = np.mean(m0[t]) + shift
    return np.concatenate([[np.mean(y[t]) - mu0, mu0, shift], b0])


def _sandwich(moments: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """``A^{-1} B A^{-T} / N`` (HC0) of the stacked equations at ``theta``."""
    from statsmodels.tools.numdiff import approx_fprime

    g = moments(theta)
    n = g.shape[0]
    jac = approx_fprime(theta, lambda th: moments(th).mean(axis=0), centered=True)
    a_inv = np.linalg.inv(jac)
    meat = g.T @ g / n
    return a_inv @ meat @ a_inv.T / n


# -- public estimators ----------------------------------------------------------------------
def _prepare(data: pd.DataFrame, outcome: str, treatment: str, covariates: Sequence[str],
             outcome_covariates: Sequence[str], model: str, stat: str, trim: float | None,
             who: str) -> tuple[pd.DataFrame, dict[str, int]]:
    data = plain_index(checks.require_dataframe(data))
    if model not in ("logit", "probit"):
        raise SpecificationError(f"model={model!r} is not supported; use 'logit' or 'probit'.")
    if stat not in ("ate", "atet"):
        raise SpecificationError(f"stat={stat!r} is not supported; use 'ate' (average treatment "
                                 "effect) or 'atet' (on the treated), as Stata teffects.")
    if trim is not None and not (isinstance(trim, (int, float)) and 0 < trim < 0.5):
        raise SpecificationError(f"trim={trim!r} must be a number in (0, 0.5): units whose score "
                                 "lies outside [trim, 1 - trim] are dropped (Crump et al. use 0.1).")
    if not covariates:
        raise SpecificationError(f"{who}() needs at least one covariate for the propensity score.")
    numeric = list(dict.fromkeys([outcome, *covariates, *outcome_covariates]))
    used = [treatment, *numeric]
    checks.require_columns(data, used, context=f"{who}()")
    checks.require_numeric(data, numeric)
    missing = checks.missing_counts(data, used)
    sample = data.loc[data[used].notna().all(axis=1).to_numpy()].copy()
    checks.require_nonempty(len(sample), f"{who}()", missing)
    d = binary_treatment(sample[treatment], treatment).to_numpy()
    if (d == 1).sum() == 0 or (d == 0).sum() == 0:
        which = "treated units (no 1s)" if (d == 1).sum() == 0 else "control units (no 0s)"
        raise EstimationError(f"treatment column '{treatment}' has no {which}; {who}() needs "
                              "treated and control units. Check the column and the sample.")
    sample[treatment] = d.astype(int)
    for col in dict.fromkeys([*covariates, *outcome_covariates]):
        if sample[col].nunique() <= 1:
            raise SpecificationError(f"covariate '{col}' is constant in the sample and cannot "
                                     "enter the model; drop it.")
    return sample, missing


def _overlap_error(p: np.ndarray, treatment: str, covariates: Sequence[str],
                   trimmed: bool) -> EstimationError:
    n_low, n_high = int((p < PS_TOLERANCE).sum()), int((p > 1 - PS_TOLERANCE).sum())
    fix = ("Trim more (a larger trim=)" if trimmed else
           "Trim the scores (trim=0.01, or 0.1 as Crump et al. 2009 suggest)")
    return EstimationError(
        f"{n_low + n_high} unit(s) have an estimated propensity score of '{treatment}' within "
        f"{PS_TOLERANCE:g} of 0 ({n_low}) or 1 ({n_high}) (Stata teffects' pstolerance), so "
        f"their inverse-probability weights are unbounded and the overlap assumption fails. "
        f"{fix}, or drop the covariate that separates treated from controls (one of "
        f"{', '.join(map(repr, covariates))}).")


def _fit(estimator: str, data: pd.DataFrame, outcome: str, treatment: str,
         covariates: Sequence[str] | str, outcome_covariates: Sequence[str] | str | None,
         model: str, stat: str, trim: float | None) -> TreatmentEffectResult:
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if outcome_covariates is None:
        ocov = list(covariates)
    else:
        ocov = [outcome_covariates] if isinstance(outcome_covariates, str) else list(outcome_covariates)
    sample, missing = _prepare(data, outcome, treatment, covariates, ocov if estimator == "aipw"
                               else [], model, stat, trim, estimator)
    n_all = len(sample)
    p, _ = fit_score(sample, treatment, covariates, model)
    if trim is not None:
        keep = (p >= trim) & (p <= 1 - trim)
        sample = sample.loc[keep]
        d = sample[treatment].to_numpy()
        if (d == 1).sum() == 0 or (d == 0).sum() == 0:
            raise EstimationError(f"trim={trim} leaves no {'treated' if (d == 1).sum() == 0 else 'control'} "
                                  f"units of '{treatment}'; use a smaller trim.")
        p, _ = fit_score(sample, treatment, covariates, model)
    if (p < PS_TOLERANCE).any() or (p > 1 - PS_TOLERANCE).any():
        raise _overlap_error(p, treatment, covariates, trim is not None)
    p, score_model = fit_score(sample, treatment, covariates, model)
    y = sample[outcome].to_numpy(dtype=float)
    d = sample[treatment].to_numpy(dtype=float)
    xs = np.column_stack([np.ones(len(sample)), sample[covariates].to_numpy(dtype=float)])
    xo = np.column_stack([np.ones(len(sample)), sample[ocov].to_numpy(dtype=float)])
    if estimator == "aipw":
        for arm, mask in (("treated", d == 1), ("control", d == 0)):
            if np.linalg.matrix_rank(xo[mask]) < xo.shape[1]:
                if arm == "treated" and stat == "atet":
                    continue
                raise EstimationError(
                    f"the outcome model of the {arm} units is not identified: the outcome "
                    f"covariates {', '.join(map(repr, ocov))} are collinear (or too few "
                    f"{arm} units). Drop redundant outcome covariates.")
    gamma = score_model.params.to_numpy(dtype=float)
    theta = np.concatenate([_estimates(estimator, stat, y, d, p, xo), gamma])
    moments = _moments(estimator, stat, model, y, d, xs, xo)
    vcov_all = _sandwich(moments, theta)
    term = stat.upper()
    names = [term, "POmean0"]
    vcov = pd.DataFrame(vcov_all[:2, :2], index=names, columns=names)
    se = np.sqrt(np.diag(vcov_all[:2, :2]))
    spec = {"outcome": outcome, "treatment": treatment, "covariates": tuple(covariates),
            "outcome_covariates": tuple(ocov) if estimator == "aipw" else (),
            "model": model, "stat": stat, "trim": trim, "vce": "robust (HC0 sandwich of the "
            "stacked estimating equations, as Stata teffects)",
            "vcov_label": "Robust (teffects)", "missing": missing,
            "n_dropped_missing": int(len(data) - n_all)}
    return TreatmentEffectResult(
        estimator=estimator, stat=stat,
        params=pd.Series(theta[:2], index=names, name="estimate"),
        std_errors=pd.Series(se, index=names, name="std_error"),
        vcov=vcov, nobs=len(sample), n_treated=int(d.sum()), n_trimmed=n_all - len(sample),
        score_model=score_model, spec=spec,
        _scores=pd.Series(p, index=sample.index, name="pscore"),
    )


def ipw(data: pd.DataFrame, outcome: str, treatment: str, covariates: Sequence[str] | str, *,
        stat: str = "ate", model: str = "logit", trim: float | None = None) -> TreatmentEffectResult:
    """Inverse-probability-weighted ATE or ATET, as Stata ``teffects ipw``.

    ``teffects ipw (outcome) (treatment covariates, logit), ate|atet``:
    normalised inverse-probability weights, robust (HC0) sandwich standard
    errors that account for the estimated score (see the module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    outcome : str
        Numeric outcome column.
    treatment : str
        0/1 treatment column (1 = treated).
    covariates : sequence of str
        Numeric columns of the propensity-score model (a constant is added).
    stat : {"ate", "atet"}, default "ate"
        Average treatment effect, or on the treated (Stata's ``ate``/``atet``).
    model : {"logit", "probit"}, default "logit"
        Propensity-score model (Stata ``teffects``'s default is logit).
    trim : float, optional
        Keep only units with a score in ``[trim, 1 - trim]`` and re-estimate
        (no trimming by default, as Stata).

    Returns
    -------
    TreatmentEffectResult

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError,
    EmptySampleError
        Missing or text columns, a treatment that is not 0/1, no treated or no
        controls, separation, or scores within ``1e-5`` of 0 or 1 (trim them
        or drop the covariate that separates).

    Examples
    --------
    With one 0/1 covariate the logit is saturated and IPW compares treated
    and controls within its cells, so an effect of 2 in each cell is found
    exactly:

    >>> import pandas as pd
    >>> from hitex.models.teffects import ipw
    >>> df = pd.DataFrame({"d": [1, 0, 0, 1, 1, 0, 1, 0], "x": [0, 0, 0, 1, 1, 1, 0, 1]})
    >>> df["y"] = 3 * df["x"] + 2 * df["d"]
    >>> round(float(ipw(df, "y", "d", ["x"]).params["ATE"]), 6)
    2.0
    """
    return _fit("ipw", data, outcome, treatment, covariates, None, model, stat, trim)


def aipw(data: pd.DataFrame, outcome: str, treatment: str, covariates: Sequence[str] | str, *,
         outcome_covariates: Sequence[str] | str | None = None, stat: str = "ate",
         model: str = "logit", trim: float | None = None) -> TreatmentEffectResult:
    """Augmented inverse-probability-weighted (doubly robust) ATE or ATET.

    The ATE is Stata's ``teffects aipw (outcome outcome_covariates)
    (treatment covariates, logit)``: linear outcome models by treatment arm
    (OLS), unnormalised weights, robust sandwich standard errors of the
    stacked equations. Stata has no AIPW ATET; ``stat="atet"`` gives the
    normalised doubly robust ATT of Sant'Anna and Zhao (2020) (see the module
    docstring).

    Parameters
    ----------
    data, outcome, treatment, covariates, stat, model, trim
        As :func:`ipw`.
    outcome_covariates : sequence of str, optional
        Covariates of the outcome models (a constant is added); default: the
        score covariates.

    Returns
    -------
    TreatmentEffectResult

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError,
    EmptySampleError
        As :func:`ipw`; also collinear outcome covariates within an arm.
    """
    return _fit("aipw", data, outcome, treatment, covariates, outcome_covariates, model, stat, trim)


# -- nearest-neighbour matching on the covariates (teffects nnmatch) ------------------------
_METRICS = ("mahalanobis", "ivariance", "euclidean")


def _metric_matrix(x: np.ndarray, metric: str) -> np.ndarray:
    """Weighting matrix of the distance ``(x_i - x_j)' W (x_i - x_j)``."""
    if metric == "euclidean":
        return np.eye(x.shape[1])
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    if metric == "ivariance":
        return np.diag(1 / np.diag(cov))
    return np.linalg.pinv(cov)


def _neighbours(x: np.ndarray, w: np.ndarray, query: np.ndarray, pool: np.ndarray, k: int,
                exclude_self: bool = False) -> list[np.ndarray]:
    """For each query row, the pool rows as close as its ``k``-th nearest (ties kept)."""
    out = []
    for i in query:
        cand = pool[pool != i] if exclude_self else pool
        diff = x[cand] - x[i]
        dist = np.einsum("ij,jk,ik->i", diff, w, diff)
        kk = min(k, len(cand))
        kth = np.partition(dist, kk - 1)[kk - 1]
        out.append(cand[dist <= kth + 1e-9 * max(1.0, kth)])
    return out


def nnmatch(data: pd.DataFrame, outcome: str, treatment: str, covariates: Sequence[str] | str, *,
            stat: str = "ate", k: int = 1, metric: str = "mahalanobis",
            variance_neighbors: int = 2) -> TreatmentEffectResult:
    """Nearest-neighbour matching on the covariates, as Stata ``teffects nnmatch``.

    ``teffects nnmatch (outcome covariates) (treatment), ate|atet nneighbor(k)
    metric(metric)``: every unit (``"ate"``) or every treated unit
    (``"atet"``) gets as its missing potential outcome the mean outcome of its
    ``k`` nearest units of the other group, with replacement, every unit as
    close as the ``k``-th kept (ties). The distance is
    ``(x_i - x_j)' W (x_i - x_j)`` with ``W`` the inverse covariance matrix of
    the covariates over the sample (``"mahalanobis"``, Stata's and MatchIt
    ``distance = "mahalanobis"``'s default), the inverse of its diagonal
    (``"ivariance"``, Abadie-Imbens ``nnmatch``'s default) or the identity
    (``"euclidean"``). No bias correction.

    The standard error is Abadie and Imbens' (2006) robust variance of the
    population effect (Stata's default ``vce(robust, nn(2))``):

    .. math::

        \\hat V_{ATE} = \\frac{1}{N^2} \\sum_i \\Big[(\\hat Y_i(1) - \\hat Y_i(0) - \\hat\\tau)^2
            + (w_i^2 + 2 w_i - q_i) \\hat\\sigma^2_i\\Big],
        \\qquad
        \\hat V_{ATET} = \\frac{1}{N_1^2} \\Big[\\sum_{D_i = 1} (Y_i - \\hat Y_i(0) - \\hat\\tau)^2
            + \\sum_{D_j = 0} (w_j^2 - q_j) \\hat\\sigma^2_j\\Big],

    where ``w_j`` is the sum of the weights unit ``j`` receives as a match
    (``K_M(j)/M`` without ties), ``q_j`` the sum of their squares and
    ``sigma^2_j = m/(m+1) (Y_j - mean of its m nearest same-group units)^2``
    with ``m = variance_neighbors`` (ties kept), on the same metric.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    outcome, treatment : str
        Numeric outcome and 0/1 treatment columns.
    covariates : sequence of str
        Numeric matching covariates.
    stat : {"ate", "atet"}, default "ate"
        Stata's default is the ATE.
    k : int, default 1
        Matches per unit (``nneighbor()``).
    metric : {"mahalanobis", "ivariance", "euclidean"}, default "mahalanobis"
        Distance metric (Stata's ``metric()``).
    variance_neighbors : int, default 2
        Same-group neighbours of the conditional variance (``vce(robust, nn(2))``).

    Returns
    -------
    TreatmentEffectResult
        ``params`` holds the effect only; ``score_model`` is ``None``.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if metric not in _METRICS:
        raise SpecificationError(f"metric={metric!r} is not supported; use 'mahalanobis', "
                                 "'ivariance' or 'euclidean' (Stata teffects nnmatch metrics).")
    for name, value in (("k", k), ("variance_neighbors", variance_neighbors)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise SpecificationError(f"{name}={value!r} must be a positive integer.")
    sample, missing = _prepare(data, outcome, treatment, covariates, [], "logit", stat, None,
                               "nnmatch")
    y = sample[outcome].to_numpy(dtype=float)
    d = sample[treatment].to_numpy()
    x = sample[covariates].to_numpy(dtype=float)
    if np.linalg.matrix_rank(x - x.mean(axis=0)) < x.shape[1]:
        raise EstimationError(f"the covariates {', '.join(map(repr, covariates))} are collinear, "
                              "so the Mahalanobis distance is not defined; drop redundant ones.")
    w = _metric_matrix(x, metric)
    n = len(y)
    t_pos, c_pos = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    targets = t_pos if stat == "atet" else np.arange(n)
    y1, y0 = y.copy(), y.copy()
    received = np.zeros(n)
    received_sq = np.zeros(n)
    matches = [_neighbours(x, w, np.array([i]), c_pos if d[i] == 1 else t_pos, int(k))[0]
               for i in targets]
    for i, sel in zip(targets, matches, strict=True):
        share = 1.0 / len(sel)
        received[sel] += share
        received_sq[sel] += share**2
        if d[i] == 1:
            y0[i] = y[sel].mean()
        else:
            y1[i] = y[sel].mean()
    sigma2 = np.zeros(n)
    for group in (t_pos, c_pos):
        if len(group) < 2:
            continue
        for i, sel in zip(group, _neighbours(x, w, group, group, int(variance_neighbors),
                                             exclude_self=True), strict=True):
            m = len(sel)
            sigma2[i] = m / (m + 1) * (y[i] - y[sel].mean()) ** 2
    if stat == "ate":
        tau = float(np.mean(y1 - y0))
        var = float(np.sum((y1 - y0 - tau) ** 2)
                    + np.sum((received**2 + 2 * received - received_sq) * sigma2)) / n**2
    else:
        tau = float(np.mean(y[t_pos] - y0[t_pos]))
        var = float(np.sum((y[t_pos] - y0[t_pos] - tau) ** 2)
                    + np.sum((received[c_pos] ** 2 - received_sq[c_pos]) * sigma2[c_pos])) / len(t_pos) ** 2
    term = stat.upper()
    se = math.sqrt(var) if var > 0 else float("nan")
    spec = {"outcome": outcome, "treatment": treatment, "covariates": tuple(covariates),
            "stat": stat, "k": int(k), "metric": metric,
            "variance_neighbors": int(variance_neighbors),
            "vce": f"robust (Abadie-Imbens 2006), nn({int(variance_neighbors)})",
            "vcov_label": "Abadie-Imbens (2006)",
            "missing": missing, "n_dropped_missing": int(len(data) - n)}
    return TreatmentEffectResult(
        estimator="nnmatch", stat=stat,
        params=pd.Series([tau], index=[term], name="estimate"),
        std_errors=pd.Series([se], index=[term], name="std_error"),
        vcov=pd.DataFrame([[var]], index=[term], columns=[term]),
        nobs=n, n_treated=len(t_pos), n_trimmed=0, score_model=None, spec=spec,
        _scores=pd.Series(dtype=float),
    )
