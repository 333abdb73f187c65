"""Propensity-score model, covariate balance before and after matching, score densities.

:func:`fit_score` fits the logit/probit score model for :func:`hitex.models.matching.psm`
and checks convergence and separation.

The balance statistics follow R MatchIt's ``summary.matchit`` for the ATT
(the default), so that the numbers can be checked against MatchIt's output:

* means: plain means in the full sample, matching-weighted means after
  matching;
* standardised mean difference ``(mean_t - mean_c) / s``, where ``s`` is the
  standard deviation of the **treated group in the full sample**
  (``sd="treated"``, MatchIt's ``s.d.denom = "treated"`` for the ATT), the same
  ``s`` before and after matching. For a 0/1 variable ``s = sqrt(p (1 - p))``;
  otherwise the sample standard deviation (divisor ``n - 1``).
  ``sd="pooled"`` uses ``sqrt((s_t^2 + s_c^2) / 2)`` from the full sample, as
  Stata ``tebalance summarize`` and ``pstest`` (psmatch2) do;
* variance ratio ``var_t / var_c`` with weighted variances
  ``sum w (x - m)^2 / (sum w - sum w^2 / sum w)`` (reliability weights, which
  reduce to the ``n - 1`` variance with unit weights); ``NaN`` for 0/1
  variables, as MatchIt prints;
* on request (``ecdf=True``), MatchIt's ``eCDF Mean`` and ``eCDF Max``: the
  mean and largest distance between the treated and control empirical CDFs
  (weighted after matching), see :func:`ecdf_distance`.

The module also holds the input preparation shared by the policy estimators
(:func:`hitex.psm`, :func:`hitex.psm_did`, :func:`hitex.twfe_did`,
:func:`hitex.att_gt`, the event studies and :func:`hitex.placebo`):
:func:`binary_treatment` reads a 0/1 treatment under one rule for all of
them, :func:`plain_index` makes frames indexed by their own id columns
usable, and :func:`relabel_sample` maps a regression fitted on positions back
to the caller's row labels.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, HitexWarning, SpecificationError

BALANCE_COLUMNS = (
    "mean_treated_before", "mean_control_before", "smd_before", "var_ratio_before",
    "mean_treated_after", "mean_control_after", "smd_after", "var_ratio_after",
)


# -- input preparation shared by the policy estimators ------------------------------
def plain_index(data: pd.DataFrame) -> pd.DataFrame:
    """Return ``data`` without the index level names that are also column names.

    pandas refuses to group or merge on a name that is both an index level
    and a column ("... is both an index level and a column label, which is
    ambiguous"), which is what ``df.set_index(["id", "year"], drop=False)``
    produces. The row labels themselves are kept; only the clashing level
    names are removed (the original frame is not modified).
    """
    names = list(data.index.names)
    clash = [name is not None and name in data.columns for name in names]
    if not any(clash):
        return data
    out = data.copy(deep=False)
    out.index = out.index.set_names([None if c else n for n, c in zip(names, clash, strict=True)])
    return out


def drop_missing_keys(frame: pd.DataFrame, keys: Sequence[str], category: type[Warning],
                      stacklevel: int) -> tuple[pd.DataFrame, str]:
    """Drop the rows whose panel key (unit id, period, treatment) is missing.

    Returns a copy of the kept rows and the note (empty if nothing was
    dropped); the note, naming the columns and counts, is also emitted as a
    ``category`` warning.
    """
    missing = frame[list(keys)].isna()
    gone = missing.any(axis=1).to_numpy()
    if not gone.any():
        return frame.copy(), ""
    counts = ", ".join(f"'{k}': {int(n)}" for k, n in missing.sum().items() if n)
    msg = (f"{int(gone.sum())} row(s) with a missing value in {counts} cannot be placed in the "
           "panel and are dropped (not counted as units or observations); fill or remove them.")
    warnings.warn(category(msg), stacklevel=stacklevel + 1)
    return frame.loc[~gone].copy(), msg


def _as_01(value: Any) -> float:
    """``1.0``/``0.0`` for a value coding 1/0 (number, bool or text), else NaN."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if number in (0.0, 1.0) else math.nan


def binary_treatment(series: pd.Series, name: str) -> pd.Series:
    """Read a 0/1 treatment column as float64: 1.0 treated, 0.0 untreated, NaN missing.

    One rule for every hitex estimator with a 0/1 treatment. Accepted codings:
    numbers 0/1 in any numeric dtype (nullable ``Int64``/``Float64``
    included), booleans (``bool``, nullable ``boolean``, ``True``/``False``
    objects), text ``"0"``/``"1"`` (``object`` or ``str`` dtype) and
    categoricals whose categories are such values. Missing values stay
    missing (NaN); the caller decides whether to drop them.

    Raises
    ------
    SpecificationError
        Any other value (e.g. ``2``, ``"yes"``), naming the column, up to three
        offending values and the fix.
    """
    if (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)) and \
            not isinstance(series.dtype, pd.CategoricalDtype):
        values = pd.Series(series.to_numpy(dtype="float64", na_value=np.nan), index=series.index)
        present = values.notna().to_numpy()
        bad = pd.unique(series[present & ~values.isin([0.0, 1.0]).to_numpy()])
    else:
        codes = {u: _as_01(u) for u in pd.unique(series.dropna().astype(object))}
        bad = [u for u, v in codes.items() if math.isnan(v)]
        values = series.astype(object).map(codes).astype("float64")
    if len(bad):
        shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in bad[:3])
        raise SpecificationError(
            f"treatment column '{name}' must be 0/1 (1 = treated) but holds {shown}. Accepted "
            "codings: numbers 0/1, True/False, text '0'/'1' or a categorical of those. Recode "
            f"it, e.g. df['{name}'] = (df['{name}'] == <treated value>).astype(int).")
    return values


def relabel_sample(result: Any, labels: pd.Index) -> Any:
    """Map the ``sample_index`` of a regression fitted on a 0..n-1 index back to ``labels``.

    The estimators fit on a positional copy of the data (so that duplicated
    or multi-level row labels cannot misalign anything) and hand back results
    whose ``sample_index`` holds the caller's labels.
    """
    if result.sample_index is None:
        return result
    refit = result._refit
    positions = np.asarray(result.sample_index, dtype=np.intp)

    def relabelled_refit(vcov: Any) -> Any:
        return relabel_sample(refit(vcov), labels)

    return dataclasses.replace(result, sample_index=labels[positions],
                               _refit=None if refit is None else relabelled_refit)


def _is_binary(x: np.ndarray) -> bool:
    values = np.unique(x[~np.isnan(x)])
    return len(values) <= 2 and set(values.tolist()) <= {0.0, 1.0}


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """``sum(w x) / sum(w)``."""
    return float(np.sum(w * x) / np.sum(w))


def weighted_var(x: np.ndarray, w: np.ndarray) -> float:
    """Unbiased variance with reliability weights (``n - 1`` variance when ``w = 1``)."""
    sw = np.sum(w)
    m = np.sum(w * x) / sw
    denom = sw - np.sum(w**2) / sw
    return float(np.sum(w * (x - m) ** 2) / denom) if denom > 0 else float("nan")


ECDF_COLUMNS = ("ecdf_mean_before", "ecdf_max_before", "ecdf_mean_after", "ecdf_max_after")


def ecdf_distance(x: np.ndarray, treat: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Mean and largest gap between the treated and control (weighted) eCDFs of ``x``.

    R MatchIt's ``eCDF Mean`` and ``eCDF Max`` of ``summary.matchit``
    (its ``qqsum(standardize = TRUE)``): the weights are normalised to sum to
    one in each group and ``|F_t(v) - F_c(v)|`` is evaluated at every distinct
    value ``v`` of ``x`` over all units (units with zero weight add evaluation
    points but no mass); the mean and the maximum over those values are
    returned. For a 0/1 variable both are the absolute difference in weighted
    means, as MatchIt prints. ``eCDF Max`` is the Kolmogorov-Smirnov distance.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(treat) == 1
    w = np.asarray(weights, dtype=float)
    if w[t].sum() <= 0 or w[~t].sum() <= 0:
        return float("nan"), float("nan")
    if _is_binary(x):
        gap = abs(weighted_mean(x[t], w[t]) - weighted_mean(x[~t], w[~t]))
        return float(gap), float(gap)
    signed = np.where(t, w / w[t].sum(), -w / w[~t].sum())
    order = np.argsort(x, kind="stable")
    xs = x[order]
    gap = np.abs(np.cumsum(signed[order]))[np.append(np.diff(xs) != 0, True)]
    return float(gap.mean()), float(gap.max())


def balance_table(
    values: pd.DataFrame,
    treat: np.ndarray,
    weights: np.ndarray,
    *,
    sd: str = "treated",
    ecdf: bool = False,
) -> pd.DataFrame:
    """Balance statistics before and after matching.

    Parameters
    ----------
    values : pandas.DataFrame
        One column per variable, rows aligned with ``treat`` and ``weights``.
    treat : numpy.ndarray
        0/1 treatment indicator.
    weights : numpy.ndarray
        Matching weights (0 for units not in the matched sample).
    sd : {"treated", "pooled"}, default "treated"
        Denominator of the standardised mean difference (see module docstring).
    ecdf : bool, default False
        Add MatchIt's ``eCDF Mean`` and ``eCDF Max`` before and after
        matching (:data:`ECDF_COLUMNS`, see :func:`ecdf_distance`).

    Returns
    -------
    pandas.DataFrame
        Indexed by variable, columns :data:`BALANCE_COLUMNS` (then
        :data:`ECDF_COLUMNS` with ``ecdf=True``).
    """
    if sd not in ("treated", "pooled"):
        raise SpecificationError(f"sd={sd!r} is not supported; use 'treated' or 'pooled'.")
    t = np.asarray(treat) == 1
    w = np.asarray(weights, dtype=float)
    rows: dict[str, list[float]] = {}
    for col in values.columns:
        x = values[col].to_numpy(dtype=float)
        xt, xc = x[t], x[~t]
        binary = _is_binary(x)
        if binary:
            pt, pc = xt.mean(), xc.mean()
            s_t, s_c = np.sqrt(pt * (1 - pt)), np.sqrt(pc * (1 - pc))
        else:
            s_t, s_c = xt.std(ddof=1), xc.std(ddof=1)
        denom = s_t if sd == "treated" else np.sqrt((s_t**2 + s_c**2) / 2)
        wt, wc = w[t], w[~t]
        mt_b, mc_b = xt.mean(), xc.mean()
        if wt.sum() > 0 and wc.sum() > 0:
            mt_a, mc_a = weighted_mean(xt[wt > 0], wt[wt > 0]), weighted_mean(xc[wc > 0], wc[wc > 0])
        else:
            mt_a = mc_a = float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            smd_b = (mt_b - mc_b) / denom if denom > 0 else float("nan")
            smd_a = (mt_a - mc_a) / denom if denom > 0 else float("nan")
            if binary:
                vr_b = vr_a = float("nan")
            else:
                vr_b = xt.var(ddof=1) / xc.var(ddof=1)
                vr_a = (weighted_var(xt[wt > 0], wt[wt > 0]) / weighted_var(xc[wc > 0], wc[wc > 0])
                        if (wt > 0).sum() > 1 and (wc > 0).sum() > 1 else float("nan"))
        rows[str(col)] = [mt_b, mc_b, smd_b, vr_b, mt_a, mc_a, smd_a, vr_a]
        if ecdf:
            rows[str(col)] += [*ecdf_distance(x, t, np.ones(len(x))), *ecdf_distance(x, t, w)]
    names = list(BALANCE_COLUMNS) + (list(ECDF_COLUMNS) if ecdf else [])
    out = pd.DataFrame.from_dict(rows, orient="index", columns=names)
    out.index.name = "variable"
    return out


def plot_score_densities(
    score: np.ndarray,
    treat: np.ndarray,
    weights: np.ndarray,
    *,
    labels: Sequence[str] = ("Treated", "Control"),
    ax: Any = None,
) -> Any:
    """Kernel densities of the propensity score, before and after matching.

    Two panels (or the two given axes): left the full sample, right the
    matched sample weighted by the matching weights. Gaussian kernels with
    Scott's bandwidth (``scipy.stats.gaussian_kde``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from scipy.stats import gaussian_kde

    t = np.asarray(treat) == 1
    w = np.asarray(weights, dtype=float)
    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=False)
    else:
        axes = ax
        fig = axes[0].figure
    grid = np.linspace(0, 1, 256)

    def draw(a: Any, mask_t: np.ndarray, mask_c: np.ndarray, wt: Any, wc: Any, title: str) -> None:
        for mask, wts, label, style in ((mask_t, wt, labels[0], "-"), (mask_c, wc, labels[1], "--")):
            x = score[mask]
            if len(np.unique(x)) > 1:
                kde = gaussian_kde(x, weights=None if wts is None else wts[mask])
                a.plot(grid, kde(grid), style, label=f"{label} (n={int(mask.sum())})")
        a.set_title(title)
        a.set_xlabel("Propensity score")
        a.set_xlim(0, 1)
        a.legend(frameon=False)

    draw(axes[0], t, ~t, None, None, "Before matching")
    draw(axes[1], t & (w > 0), ~t & (w > 0), w, w, "After matching (weighted)")
    axes[0].set_ylabel("Density")
    fig.tight_layout()
    return fig


class ScoreConvergenceWarning(HitexWarning):
    """The propensity-score model did not converge."""


@dataclass(frozen=True)
class ScoreModel:
    """The fitted propensity-score model.

    Attributes
    ----------
    model : str
        ``"logit"`` or ``"probit"``.
    params, std_errors : pandas.Series
        Coefficients and their (model-based) standard errors, by term.
    converged : bool
        Whether the optimiser reported convergence.
    method : str
        The optimiser that produced the estimates (``"newton"`` or ``"bfgs"``).
    loglik, pseudo_rsquared : float
        Log likelihood and McFadden's pseudo R-squared.
    nobs : int
        Observations used.
    """

    model: str
    params: pd.Series
    std_errors: pd.Series
    converged: bool
    method: str
    loglik: float
    pseudo_rsquared: float
    nobs: int

    def summary(self) -> str:
        """Coefficient table of the score model as plain text."""
        lines = [f"Propensity score: {self.model} (N = {self.nobs}, optimiser {self.method}, "
                 f"{'converged' if self.converged else 'NOT converged'})",
                 f"{'term':<20}{'coef':>12}{'std.err':>12}"]
        for term in self.params.index:
            lines.append(f"{str(term)[:20]:<20}{self.params[term]:>12.5f}"
                         f"{self.std_errors[term]:>12.5f}")
        lines.append(f"log likelihood = {self.loglik:.4f}   pseudo R2 = {self.pseudo_rsquared:.4f}")
        return "\n".join(lines)


def score_link(model: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CDF ``F`` and density ``f`` of the logit or probit score model at the index ``eta``."""
    from scipy import special

    if model == "logit":
        big_f = special.expit(eta)
        return big_f, big_f * (1 - big_f)
    return special.ndtr(eta), np.exp(-0.5 * eta**2) / math.sqrt(2 * math.pi)


def _separating(X: pd.DataFrame, d: np.ndarray) -> tuple[list[str], list[str]]:
    """Covariates that separate the groups completely / quasi-completely on their own."""
    complete, quasi = [], []
    t = d == 1
    for col in X.columns:
        x = X[col].to_numpy(dtype=float)
        lo_t, hi_t, lo_c, hi_c = x[t].min(), x[t].max(), x[~t].min(), x[~t].max()
        if hi_c < lo_t or hi_t < lo_c:
            complete.append(col)
        elif hi_c <= lo_t or hi_t <= lo_c:
            quasi.append(col)
    return complete, quasi


def _separation_error(names: list[str], covariates: Sequence[str]) -> EstimationError:
    who = (f"covariate(s) {', '.join(map(repr, names))} predict" if names else
           f"a combination of the covariates {', '.join(map(repr, covariates))} predicts")
    return EstimationError(
        f"{who} the treatment perfectly (separation), so the propensity score is 0 or 1 and "
        "treated and controls have no overlap. Drop or coarsen those covariates, or restrict "
        "the sample to units comparable on them."
    )


def fit_score(data: pd.DataFrame, treatment: str, covariates: Sequence[str],
              model: str = "logit") -> tuple[np.ndarray, ScoreModel]:
    """Fit the propensity-score model; return (scores, :class:`ScoreModel`).

    Newton-Raphson first (as Stata ``logit``/``probit``); if statsmodels
    reports no convergence, BFGS from the Newton estimates; a
    :class:`ScoreConvergenceWarning` if neither converged. Separation is
    an :class:`~hitex.errors.EstimationError` naming the covariates.
    """
    import statsmodels.api as sm

    d = data[treatment].to_numpy(dtype=float)
    X = data[list(covariates)].astype(float)
    complete, quasi = _separating(X, d)
    if complete:
        raise _separation_error(complete, covariates)
    exog = sm.add_constant(X, has_constant="add")
    cls = sm.Logit if model == "logit" else sm.Probit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            mod = cls(d, exog)
            res = mod.fit(method="newton", maxiter=200, disp=False)
            method = "newton"
            converged = bool(res.mle_retvals.get("converged", False)) and np.all(np.isfinite(res.params))
            if not converged:
                res = mod.fit(start_params=np.nan_to_num(res.params), method="bfgs",
                              maxiter=5000, gtol=1e-10, disp=False)
                method = "bfgs"
                converged = bool(res.mle_retvals.get("converged", False))
        except np.linalg.LinAlgError as err:
            raise EstimationError(
                f"the {model} score model is singular: the covariates "
                f"{', '.join(map(repr, covariates))} are collinear. Drop redundant covariates."
            ) from err
        except Exception as err:  # statsmodels' PerfectSeparationError and the like
            if "separation" in str(err).lower():
                raise _separation_error(complete + quasi, covariates) from err
            raise EstimationError(f"the {model} score model failed: {err}") from err
    flagged = any("separation" in str(w.message).lower() for w in caught)
    p = np.asarray(res.predict(exog), dtype=float)
    if flagged or (not converged and quasi) or np.all((p < 1e-10) | (p > 1 - 1e-10)):
        raise _separation_error(quasi, covariates)
    if not converged:
        warnings.warn(ScoreConvergenceWarning(
            f"the {model} propensity-score model did not converge (Newton and BFGS); the scores "
            "may be inaccurate. Rescale the covariates (e.g. earnings in thousands) or drop "
            "near-collinear ones."), stacklevel=3)
    names = ["_cons" if c == "const" else str(c) for c in exog.columns]
    bse = np.asarray(res.bse, dtype=float) if converged else np.full(len(names), np.nan)
    score = ScoreModel(
        model=model,
        params=pd.Series(np.asarray(res.params, dtype=float), index=names),
        std_errors=pd.Series(bse, index=names),
        converged=converged, method=method, loglik=float(res.llf),
        pseudo_rsquared=float(res.prsquared), nobs=int(res.nobs),
    )
    return p, score
