"""Propensity-score matching (Stata ``teffects psmatch`` / ``psmatch2``, R MatchIt).

:func:`psm` estimates the propensity score ``p(x) = P(D = 1 | x)`` by a logit
or probit (statsmodels), matches treated units to controls on ``p`` and, when
an outcome is given, estimates the average treatment effect on the treated

.. math::

    \\hat\\tau_{ATT} = \\frac{1}{N_1} \\sum_{i: D_i = 1}
        \\Big( Y_i - \\sum_{j: D_j = 0} w_{ij} Y_j \\Big),

where ``w_ij`` are the matching weights of treated ``i`` (they sum to one
over ``j``) and ``N_1`` counts the matched treated units.

Matching methods
----------------
``"nearest"``
    ``k`` nearest neighbours on the score. **With replacement** (default, as
    ``teffects psmatch`` and ``psmatch2``): ties are kept, as ``teffects``
    does - every control at the same distance as the ``k``-th nearest is a
    match, so a treated unit may get more than ``k`` matches, each weighted
    ``1/m_i``. **Without replacement** (MatchIt's default): greedy matching of
    the treated in descending order of the score (MatchIt's
    ``m.order = "largest"``), in ``k`` rounds of one control each; a tie is
    broken by the order of the rows.
``"radius"``
    Every control within ``caliper`` of the treated unit, equally weighted
    (``psmatch2 ..., radius caliper()``).
``"kernel"``
    Epanechnikov kernel ``K(u) = 3/4 (1 - u^2)`` on ``u = (p_j - p_i) / h``
    with bandwidth ``h = bandwidth`` (``psmatch2 ..., kernel`` with its
    default ``bwidth(0.06)``).

Caliper
-------
``caliper`` is in **standard deviations of the score** by default
(``caliper_scale="sd"``, MatchIt's ``std.caliper = TRUE``; the SD is that of
the score over all units), or in raw score units with
``caliper_scale="score"`` (``psmatch2``'s ``caliper()`` and ``teffects``'
``caliper()``). Treated units with no control within the caliper are
unmatched and counted.

Standard errors
---------------
``se`` chooses the standard error of the ATT; each option is named after the
tool whose default it reproduces.

``"psmatch"`` (default for nearest-neighbour matching with replacement)
    Stata ``teffects psmatch``'s default: the Abadie-Imbens (2016) variance of
    matching on an **estimated** score, i.e. the known-score variance below
    adjusted for the first-step logit/probit fit (AI 2016, Theorem 2, ATET):

    .. math::

        \\hat V_{adj} = \\hat V_{2006} - \\hat c_t' \\hat V_\\theta \\hat c_t
            + \\hat d_t' \\hat V_\\theta \\hat d_t,

    where ``V_theta = (sum_i f_i^2 / (F_i (1 - F_i)) x_i x_i')^{-1}`` is the
    variance of the score coefficients (``F`` the logit/probit CDF at
    ``x_i' theta``, ``f`` its density; for the logit this is the inverse
    Hessian),

    .. math::

        \\hat c_t = \\frac{1}{N_1} \\sum_i \\Big[ x_i f_i
            \\big(\\hat Y_i(1) - \\hat Y_i(0) - \\hat\\tau\\big)
            + f_i \\Big( \\widehat{cov}_1(x_i, y_i) + \\frac{F_i}{1 - F_i}
            \\widehat{cov}_0(x_i, y_i) \\Big) \\Big]

    estimates AI (2016)'s ``c_t``, the covariance of the known-score
    estimator with the score of the logit/probit, and

    .. math::

        \\hat d_t = \\frac{1}{N_1} \\sum_i \\Big[ x_i f_i
            \\big(\\hat Y_i(1) - \\hat Y_i(0) - \\hat\\tau\\big)
            + f_i \\big( \\widehat{cov}_1(x_i, y_i) - \\widehat{cov}_0(x_i, y_i) \\big) \\Big]

    estimates ``d_t = E[x f (mu_1(x) - mu_0(x) - tau)] / E[F]``, the
    derivative of the ATT with respect to ``theta`` (the second sum turns the
    score-level effect ``Y(1) - Y(0)`` given ``p`` into the covariate-level
    one, since ``E[x f (mu_w(x) - E[mu_w | p])] = E[f cov(x, mu_w | p)]``).
    Sums run over the matched treated and all controls; ``Y_i(0)`` of a
    treated unit is its matched controls' mean and ``Y_i(1)`` of a control
    the mean of its ``k`` nearest treated (ties kept), the observed outcome
    otherwise. ``cov_w(x_i, y_i)`` is the sample covariance (divisor ``L - 1``)
    of ``x`` and ``y`` over the ``L = variance_neighbors`` units of group
    ``w`` nearest to unit ``i`` on the score (``i`` itself among them when it
    belongs to ``w``), AI (2016, Section 4). Available for nearest-neighbour
    matching with replacement. Stata does not publish how ``teffects psmatch``
    estimates ``d_t``; in finite samples its standard error may differ from
    this one, which has the same large-sample limit.
``"nnmatch"``
    The Abadie-Imbens (2006) variance that treats the score as known (Stata
    ``teffects nnmatch`` on the score, ``vce(robust, nn(J))``; the only
    analytic option without replacement, where it is the default):

    .. math::

        \\hat V_{2006} = \\frac{1}{N_1^2} \\Big[ \\sum_{D_i = 1}
            \\big(Y_i - \\hat Y_i(0) - \\hat\\tau\\big)^2
            + \\sum_{D_j = 0} \\big(w_j^2 - q_j\\big) \\hat\\sigma^2_j \\Big],

    with ``w_j = sum_i w_ij`` (``K_M(j)/M`` without ties), ``q_j = sum_i w_ij^2``
    (so ``w_j^2 - q_j = K_M(j)(K_M(j) - 1)/M^2`` without ties), and the
    conditional variance ``sigma^2_j = J/(J+1) (Y_j - mean of its J nearest
    controls' Y)^2`` estimated by matching controls to controls on the score
    (``J = variance_neighbors``, default 2 as in Stata).
``"bootstrap"`` (default for radius and kernel matching)
    psmatch2's practice (``bootstrap r(att), reps(B): psmatch2 ...``): the
    standard deviation (divisor ``B - 1``) of the ATT over ``bootstrap_reps``
    resamples of the units, each re-estimating the score and re-matching.
    Replicates are drawn with ``numpy.random.default_rng(seed)`` as
    ``rng.integers(0, n, size=(B, n))``; a resample enters as frequency
    weights, so all replicates are fitted at once (Fisher scoring of the
    weighted logit/probit, matching on the weighted sample). Replicates with
    no treated, no controls, no match or a score that does not converge are
    left out with a warning.
``"none"``
    No standard error.

All p-values and intervals are normal (``z``), as ``teffects`` prints.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, HitexWarning, SpecificationError
from hitex.models import checks
from hitex.models.balance import (
    ScoreConvergenceWarning,
    ScoreModel,
    balance_table,
    binary_treatment,
    fit_score,
    plain_index,
    plot_score_densities,
    score_link,
)
from hitex.models.normal_inference import NormalInference

_TIE_TOL = 1e-12

__all__ = ["CommonSupport", "MatchingResult", "ScoreConvergenceWarning", "ScoreModel", "fit_score",
           "psm"]


@dataclass(frozen=True)
class CommonSupport:
    """Common-support summary.

    Attributes
    ----------
    rule : str
        ``"minmax"`` (treated outside the controls' score range are dropped,
        ``psmatch2 ..., common``) or ``"none"``.
    lower, upper : float
        Bounds of the support region (the controls' min and max score).
    n_treated_off_support : int
        Treated units dropped by the rule.
    n_treated_unmatched : int
        On-support treated units with no control within the caliper, radius
        or bandwidth.
    """

    rule: str
    lower: float
    upper: float
    n_treated_off_support: int
    n_treated_unmatched: int


@dataclass(frozen=True, eq=False)
class MatchingResult(NormalInference):
    """An immutable propensity-score matching result.

    Attributes
    ----------
    att, se : float or None
        ATT and its standard error (``None`` without an outcome or with
        ``se="none"``).
    se_method : str
        ``"ai2016"`` (``se="psmatch"``), ``"ai2006"`` (``se="nnmatch"``),
        ``"bootstrap"`` or ``"none"``.
    n_treated : int
        Matched treated units (``N_1``).
    n_controls_used : int
        Distinct controls with a positive weight.
    score_model : ScoreModel
    support : CommonSupport
    spec : dict
        The options that were run.
    """

    att: float | None
    se: float | None
    se_method: str
    n_treated: int
    n_controls_used: int
    score_model: ScoreModel
    support: CommonSupport
    spec: dict[str, Any]
    _sample: pd.DataFrame = field(repr=False)
    _pairs: pd.DataFrame = field(repr=False)
    _treatment: str = field(repr=False, default="treat")
    _covariates: tuple[str, ...] = field(repr=False, default=())

    # -- data ----------------------------------------------------------------
    @property
    def scores(self) -> pd.Series:
        """Propensity score of every unit in the estimation sample."""
        return self._sample["_pscore"].copy()

    @property
    def weights(self) -> pd.Series:
        """Matching weight of every unit (1 for matched treated, ``sum_i w_ij`` for controls)."""
        return self._sample["_weight"].copy()

    def matched_sample(self) -> pd.DataFrame:
        """Rows with a positive weight: the data plus ``_pscore`` and ``_weight``.

        ``_weight`` is psmatch2's ``_weight``: 1 for a matched treated unit and
        the sum of ``w_ij`` over the treated it serves for a control; use it as
        analytic weights in a later regression (PSM-DID).
        """
        return self._sample.loc[self._sample["_weight"] > 0].copy()

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per (treated, control) match: indices, weight ``w_ij`` and distance."""
        return self._pairs.copy()

    def _relabel(self, labels: pd.Index) -> MatchingResult:
        """The same result with row ``i`` of a 0..n-1 indexed input labelled ``labels[i]``."""
        sample = self._sample.set_axis(labels[np.asarray(self._sample.index, dtype=np.intp)])
        pairs = self._pairs.copy()
        for col in ("treated", "control"):
            pairs[col] = labels[pairs[col].to_numpy(dtype=np.intp)].to_numpy()
        return dataclasses.replace(self, _sample=sample, _pairs=pairs)

    # -- diagnostics -----------------------------------------------------------
    def balance(self, columns: Sequence[str] | None = None, *, sd: str = "treated",
                ecdf: bool = False) -> pd.DataFrame:
        """Balance table before and after matching.

        Parameters
        ----------
        columns : sequence of str, optional
            Variables to report (numeric columns of the data); default: the
            score (row ``"pscore"``) and the covariates.
        sd : {"treated", "pooled"}
            Denominator of the standardised mean difference: the treated
            group's SD (MatchIt, ATT) or ``sqrt((s_t^2 + s_c^2)/2)`` (Stata
            ``tebalance``, ``pstest``). See :mod:`hitex.models.balance`.
        ecdf : bool, default False
            Add MatchIt's ``eCDF Mean`` and ``eCDF Max`` columns
            (``ecdf_mean_before`` ... ``ecdf_max_after``).
        """
        cols = list(columns) if columns is not None else ["_pscore", *self._covariates]
        checks.require_columns(self._sample, cols, context="balance()")
        checks.require_numeric(self._sample, cols)
        values = self._sample[cols].rename(columns={"_pscore": "pscore"})
        return balance_table(values, self._sample[self._treatment].to_numpy(),
                             self._sample["_weight"].to_numpy(), sd=sd, ecdf=ecdf)

    def plot_scores(self, ax: Any = None) -> Any:
        """Score densities of treated and controls before and after matching.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plot_score_densities(self._sample["_pscore"].to_numpy(),
                                    self._sample[self._treatment].to_numpy(),
                                    self._sample["_weight"].to_numpy(), ax=ax)

    # -- result contract -------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Units in the matched sample (positive weight)."""
        return int((self._sample["_weight"] > 0).sum())

    @property
    def params(self) -> pd.Series:
        """``ATT`` as a one-term Series (NaN without an outcome)."""
        return pd.Series([np.nan if self.att is None else self.att], index=["ATT"], name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Standard error of the ATT (NaN when not available)."""
        return pd.Series([np.nan if self.se is None else self.se], index=["ATT"], name="std_error")

    def summary(self) -> str:
        """Plain-text summary: options, support, ATT and the score model."""
        s = self.spec
        lines = [f"Propensity-score matching: {s['method']} (k={s['k']}, "
                 f"{'with' if s['replace'] else 'without'} replacement), {s['model']} score",
                 f"Caliper: {s['caliper_label']}",
                 f"Common support ({self.support.rule}): {self.support.n_treated_off_support} "
                 f"treated off support, {self.support.n_treated_unmatched} unmatched",
                 f"Matched treated: {self.n_treated}   controls used: {self.n_controls_used}"]
        if self.att is not None:
            se = "n/a" if self.se is None else f"{self.se:.4f} ({self.se_method})"
            lines.append(f"ATT on {s['outcome']}: {self.att:.4f}   s.e. {se}")
        lines += ["", self.score_model.summary()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# -- input checks --------------------------------------------------------------
def _check_treatment(series: pd.Series, name: str) -> np.ndarray:
    """The 0/1 treatment as floats (rule of :func:`~hitex.models.balance.binary_treatment`)."""
    values = binary_treatment(series, name)
    d = values.astype(float).to_numpy()
    if (d == 1).sum() == 0:
        raise EstimationError(f"treatment column '{name}' has no treated units (no 1s); matching "
                              "needs treated and control units. Check the column and the sample.")
    if (d == 0).sum() == 0:
        raise EstimationError(f"treatment column '{name}' has no control units (no 0s); matching "
                              "needs treated and control units. Check the column and the sample.")
    return d


# -- matching ------------------------------------------------------------------
def _match_nearest(pt: np.ndarray, pc: np.ndarray, k: int, replace: bool,
                   cal: float | None) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Return, per treated position, (treated pos, control positions, weights)."""
    out: list[tuple[int, np.ndarray, np.ndarray]] = []
    if replace:
        for i, p in enumerate(pt):
            dist = np.abs(pc - p)
            kk = min(k, len(pc))
            dk = np.partition(dist, kk - 1)[kk - 1]
            sel = np.flatnonzero(dist <= dk + _TIE_TOL)
            if cal is not None:
                sel = sel[dist[sel] <= cal + _TIE_TOL]
            if len(sel):
                out.append((i, sel, np.full(len(sel), 1.0 / len(sel))))
        return out
    order = np.argsort(-pt, kind="stable")
    used = np.zeros(len(pc), dtype=bool)
    chosen: dict[int, list[int]] = {}
    for rnd in range(k):
        for i in order:
            if rnd > 0 and i not in chosen:
                continue
            dist = np.where(used, np.inf, np.abs(pc - pt[i]))
            j = int(np.argmin(dist))
            if not np.isfinite(dist[j]) or (cal is not None and dist[j] > cal + _TIE_TOL):
                continue
            used[j] = True
            chosen.setdefault(int(i), []).append(j)
    for i in sorted(chosen):
        sel = np.array(chosen[i])
        out.append((i, sel, np.full(len(sel), 1.0 / len(sel))))
    return out


def _match_smooth(pt: np.ndarray, pc: np.ndarray, method: str,
                  width: float) -> list[tuple[int, np.ndarray, np.ndarray]]:
    out = []
    for i, p in enumerate(pt):
        u = (pc - p) / width
        sel = np.flatnonzero(np.abs(u) <= 1 + _TIE_TOL) if method == "radius" else \
            np.flatnonzero(np.abs(u) < 1)
        if not len(sel):
            continue
        kern = np.ones(len(sel)) if method == "radius" else 0.75 * (1 - u[sel] ** 2)
        out.append((i, sel, kern / kern.sum()))
    return out


def _sigma2_same_group(p: np.ndarray, y: np.ndarray, j_nb: int) -> np.ndarray:
    """``J/(J+1) (y_i - mean of its J nearest same-group neighbours)^2``, ties kept."""
    n = len(p)
    out = np.full(n, np.nan)
    if n < 2:
        return out
    for i in range(n):
        dist = np.abs(p - p[i])
        dist[i] = np.inf
        jj = min(j_nb, n - 1)
        dk = np.partition(dist, jj - 1)[jj - 1]
        sel = np.flatnonzero(dist <= dk + _TIE_TOL)
        m = len(sel)
        out[i] = m / (m + 1) * (y[i] - y[sel].mean()) ** 2
    return out


def _knn_1d(query: np.ndarray, ref: np.ndarray, k: int) -> list[np.ndarray]:
    """Positions in ``ref`` of the ``k`` nearest values to each query value, ties kept.

    Every ``ref`` value as close as the ``k``-th nearest is included (the
    ``teffects`` rule); a binary search on the sorted values, so each query
    costs ``O(log n + k)``.
    """
    order = np.argsort(ref, kind="stable")
    rs = ref[order]
    n = len(rs)
    kk = min(k, n)
    out: list[np.ndarray] = []
    for q in query:
        pos = int(np.searchsorted(rs, q))
        cand = order[max(0, pos - kk):min(n, pos + kk)]
        dk = np.partition(np.abs(ref[cand] - q), kk - 1)[kk - 1]
        lo = int(np.searchsorted(rs, q - dk - _TIE_TOL, side="left"))
        hi = int(np.searchsorted(rs, q + dk + _TIE_TOL, side="right"))
        sel = order[lo:hi]
        out.append(np.sort(sel[np.abs(ref[sel] - q) <= dk + _TIE_TOL]))
    return out


def _local_cov(p_query: np.ndarray, p_group: np.ndarray, xg: np.ndarray, yg: np.ndarray,
               n_nb: int) -> np.ndarray:
    """``cov(x, y)`` over the ``n_nb`` group units nearest to each query score (rows: queries).

    A query unit of the group is at distance 0 from itself and so always
    among its neighbours (ties with the ``n_nb``-th nearest are kept).
    """
    nb = _knn_1d(p_query, p_group, n_nb)
    out = np.zeros((len(p_query), xg.shape[1]))
    for i, sel in enumerate(nb):
        if len(sel) < 2:
            continue
        xs, ys = xg[sel], yg[sel]
        out[i] = (xs - xs.mean(axis=0)).T @ (ys - ys.mean()) / (len(sel) - 1)
    return out


def _ai2016_adjustment(x: np.ndarray, beta: np.ndarray, model: str, d: np.ndarray, y: np.ndarray,
                       att: float, matched_t: np.ndarray, y0_t: np.ndarray, k: int,
                       n_nb: int) -> float:
    """``- c_t' V_theta c_t + d_t' V_theta d_t`` of Abadie-Imbens (2016) for the ATT.

    ``x`` is the score design (constant first) of every unit, ``matched_t``
    the positions of the matched treated and ``y0_t`` their imputed
    ``Y(0)``. See the module docstring.
    """
    big_f, f = score_link(model, x @ beta)
    info = (x * (f**2 / (big_f * (1 - big_f)))[:, None]).T @ x
    v_theta = np.linalg.inv(info)
    c_pos = np.flatnonzero(d == 0)
    t_pos = np.asarray(matched_t, dtype=np.intp)
    keep = np.concatenate([t_pos, c_pos])
    p = big_f
    n1 = len(t_pos)
    y1 = np.empty(len(keep))
    y0 = np.empty(len(keep))
    y1[:n1], y0[:n1] = y[t_pos], y0_t
    nb = _knn_1d(p[c_pos], p[t_pos], k)
    y1[n1:] = [y[t_pos[sel]].mean() for sel in nb]
    y0[n1:] = y[c_pos]
    xk, fk, pk = x[keep], f[keep], p[keep]
    d_bar = (xk * (fk * (y1 - y0 - att))[:, None]).sum(axis=0) / n1
    cov1 = _local_cov(pk, p[t_pos], x[t_pos], y[t_pos], n_nb)
    cov0 = _local_cov(pk, p[c_pos], x[c_pos], y[c_pos], n_nb)
    d_t = d_bar + (fk[:, None] * (cov1 - cov0)).sum(axis=0) / n1
    c_t = d_bar + (fk[:, None] * (cov1 + (pk / (1 - pk))[:, None] * cov0)).sum(axis=0) / n1
    return float(d_t @ v_theta @ d_t - c_t @ v_theta @ c_t)


def _fit_scores_weighted(x: np.ndarray, d: np.ndarray, counts: np.ndarray, beta0: np.ndarray,
                         model: str, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Logit/probit fits with frequency weights, all replicates at once (Fisher scoring).

    ``counts`` is (B, n); returns the (B, n) scores and a (B,) convergence flag.
    """
    beta = np.tile(beta0, (counts.shape[0], 1))
    done = np.zeros(counts.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            big_f, f = score_link(model, beta @ x.T)
            big_f = np.clip(big_f, 1e-300, 1 - 1e-16)
            v = big_f * (1 - big_f)
            grad = np.einsum("bn,nk->bk", counts * (d - big_f) * f / v, x)
            info = np.einsum("bn,nk,nl->bkl", counts * f**2 / v, x, x)
            try:
                step = np.linalg.solve(info, grad[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.full_like(beta, np.nan)
                for b in range(len(beta)):
                    try:
                        step[b] = np.linalg.solve(info[b], grad[b])
                    except np.linalg.LinAlgError:
                        pass
            step[done] = 0.0
            beta = beta + step
            done |= np.isfinite(step).all(axis=1) & (np.abs(step).max(axis=1) < 1e-10)
            if done.all():
                break
        scores = score_link(model, beta @ x.T)[0]
    ok = done & np.isfinite(scores).all(axis=1) & (((scores > 1e-10) & (scores < 1 - 1e-10)) |
                                                   (counts == 0)).all(axis=1)
    return scores, ok


def _smooth_att(p: np.ndarray, d: np.ndarray, y: np.ndarray, w: np.ndarray, method: str,
                width: float, minmax: bool) -> float:
    """Kernel/radius ATT of the sample in which unit ``i`` appears ``w[i]`` times.

    Vectorised over treated units (in blocks that keep the kernel matrix
    small); the same weights as :func:`_match_smooth` on the expanded sample.
    """
    t = (d == 1) & (w > 0)
    c = (d == 0) & (w > 0)
    if not t.any() or not c.any():
        return float("nan")
    pt, wt, yt = p[t], w[t], y[t]
    pc, wc, yc = p[c], w[c], y[c]
    if minmax:
        on = (pt >= pc.min() - _TIE_TOL) & (pt <= pc.max() + _TIE_TOL)
        pt, wt, yt = pt[on], wt[on], yt[on]
    num = den = 0.0
    block = max(1, 2**22 // len(pc))
    for s in range(0, len(pt), block):
        u = (pc[None, :] - pt[s:s + block, None]) / width
        if method == "radius":
            kern = (np.abs(u) <= 1 + _TIE_TOL).astype(float)
        else:
            kern = np.where(np.abs(u) < 1, 0.75 * (1 - u**2), 0.0)
        kern *= wc[None, :]
        tot = kern.sum(axis=1)
        ok = tot > 0
        y0 = kern[ok] @ yc / tot[ok]
        num += float(np.sum(wt[s:s + block][ok] * (yt[s:s + block][ok] - y0)))
        den += float(np.sum(wt[s:s + block][ok]))
    return num / den if den > 0 else float("nan")


def _bootstrap_smooth(x: np.ndarray, d: np.ndarray, y: np.ndarray, beta: np.ndarray, model: str,
                      method: str, caliper: float | None, caliper_scale: str, bandwidth: float,
                      minmax: bool, reps: int, seed: int | None) -> tuple[np.ndarray, int]:
    """Bootstrap ATTs of kernel/radius matching (psmatch2 practice); returns (ATTs, left out)."""
    n = len(d)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(reps, n))
    counts = np.zeros((reps, n))
    for b in range(reps):
        counts[b] = np.bincount(draws[b], minlength=n)
    scores, ok = _fit_scores_weighted(x, d, counts, beta, model)
    atts = np.full(reps, np.nan)
    for b in np.flatnonzero(ok):
        w = counts[b]
        p = scores[b]
        if method == "radius":
            width = float(caliper)  # type: ignore[arg-type]
            if caliper_scale == "sd":
                m = np.sum(w * p) / w.sum()
                width *= math.sqrt(np.sum(w * (p - m) ** 2) / (w.sum() - 1))
        else:
            width = bandwidth
        atts[b] = _smooth_att(p, d, y, w, method, width, minmax)
    good = atts[np.isfinite(atts)]
    return good, reps - len(good)


def psm(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    *,
    model: str = "logit",
    method: str = "nearest",
    k: int = 1,
    caliper: float | None = None,
    replace: bool = True,
    outcome: str | None = None,
    bandwidth: float = 0.06,
    caliper_scale: str = "sd",
    common_support: str = "none",
    variance_neighbors: int = 2,
    se: str | None = None,
    bootstrap_reps: int = 50,
    seed: int | None = 0,
) -> MatchingResult:
    """Propensity-score matching and the ATT.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    treatment : str
        0/1 treatment column (1 = treated).
    covariates : sequence of str
        Numeric columns of the score model (make dummies of categories first).
    model : {"logit", "probit"}, default "logit"
        Score model (statsmodels; Stata ``teffects psmatch``'s default is logit,
        ``psmatch2``'s probit).
    method : {"nearest", "radius", "kernel"}, default "nearest"
        See the module docstring.
    k : int, default 1
        Neighbours per treated unit for ``"nearest"``.
    caliper : float, optional
        Largest allowed score distance (``"nearest"``); the radius
        (``"radius"``, required there). Units set by ``caliper_scale``.
    replace : bool, default True
        Nearest-neighbour matching with replacement (Stata) or without
        (MatchIt's default; greedy, largest score first).
    outcome : str, optional
        Outcome column; without it only the matching (and balance) is done.
    bandwidth : float, default 0.06
        Epanechnikov bandwidth in score units for ``"kernel"`` (psmatch2's
        default ``bwidth``).
    caliper_scale : {"sd", "score"}, default "sd"
        ``caliper`` in SDs of the score (MatchIt) or in score units (psmatch2,
        teffects).
    common_support : {"none", "minmax"}, default "none"
        ``"none"`` keeps every treated unit, as Stata ``teffects psmatch``,
        ``psmatch2`` and R MatchIt do unless asked (a warning counts treated
        units whose score lies outside the controls' range); ``"minmax"`` drops
        them (``psmatch2 ..., common``), counted in ``result.support``.
    variance_neighbors : int, default 2
        ``J`` of the Abadie-Imbens conditional-variance estimator and ``L`` of
        the conditional covariances of the estimated-score adjustment
        (Stata's ``vce(robust, nn(2))``).
    se : {"psmatch", "nnmatch", "bootstrap", "none"}, optional
        Standard error (see the module docstring). Default: ``"psmatch"``
        (Abadie-Imbens 2016, Stata ``teffects psmatch``) for nearest-neighbour
        matching with replacement, ``"nnmatch"`` (Abadie-Imbens 2006, known
        score) without replacement, ``"bootstrap"`` (psmatch2 practice) for
        radius and kernel matching.
    bootstrap_reps : int, default 50
        Bootstrap replications (Stata ``bootstrap``'s default ``reps(50)``).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for the bootstrap draws (``None``
        draws a fresh seed; the result then cannot be reproduced).

    Returns
    -------
    MatchingResult

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError,
    EmptySampleError
        Missing or text columns, a treatment that is not 0/1, no treated or no
        controls, separation, or no common support; each message names the
        column and the fix.

    Warns
    -----
    ScoreConvergenceWarning
        When the score model did not converge.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hitex.models.matching import psm
    >>> df = pd.DataFrame({"d": [1, 1, 0, 0, 0, 0], "x": [1., 2., 1., 2., 3., 0.],
    ...                    "y": [5., 6., 1., 2., 3., 0.]})
    >>> round(psm(df, "d", ["x"], outcome="y").att, 4)
    4.0
    """
    data = plain_index(checks.require_dataframe(data))
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise SpecificationError("psm() needs at least one covariate for the propensity score.")
    if model not in ("logit", "probit"):
        raise SpecificationError(f"model={model!r} is not supported; use 'logit' or 'probit'.")
    if method not in ("nearest", "radius", "kernel"):
        raise SpecificationError(f"method={method!r} is not supported; use 'nearest', 'radius' "
                                 "or 'kernel'.")
    if caliper_scale not in ("sd", "score"):
        raise SpecificationError(f"caliper_scale={caliper_scale!r}: use 'sd' or 'score'.")
    if common_support not in ("minmax", "none"):
        raise SpecificationError(f"common_support={common_support!r}: use 'minmax' or 'none'.")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise SpecificationError(f"k={k!r} must be a positive integer (neighbours per treated unit).")
    if caliper is not None and not caliper > 0:
        raise SpecificationError(f"caliper={caliper!r} must be positive.")
    if method == "radius" and caliper is None:
        raise SpecificationError("method='radius' needs caliper= (the radius).")
    if method == "kernel" and not bandwidth > 0:
        raise SpecificationError(f"bandwidth={bandwidth!r} must be positive.")
    if se is None:
        se = ("psmatch" if replace else "nnmatch") if method == "nearest" else "bootstrap"
    if se not in ("psmatch", "nnmatch", "bootstrap", "none"):
        raise SpecificationError(f"se={se!r} is not supported; use 'psmatch' (Abadie-Imbens 2016, "
                                 "teffects psmatch), 'nnmatch' (Abadie-Imbens 2006, known score), "
                                 "'bootstrap' (psmatch2 practice) or 'none'.")
    if se in ("psmatch", "nnmatch") and method != "nearest":
        raise SpecificationError(f"se={se!r} is an Abadie-Imbens variance of nearest-neighbour "
                                 f"matching; method={method!r} needs se='bootstrap' or 'none'.")
    if se == "psmatch" and not replace:
        raise SpecificationError("se='psmatch' (Abadie-Imbens 2016) holds for matching with "
                                 "replacement; with replace=False use se='nnmatch'.")
    if se == "bootstrap" and method == "nearest":
        raise SpecificationError("se='bootstrap' is for radius and kernel matching; the bootstrap "
                                 "is not valid for nearest-neighbour matching (Abadie and Imbens "
                                 "2008). Use se='psmatch' or 'nnmatch'.")
    if not isinstance(bootstrap_reps, (int, np.integer)) or bootstrap_reps < 2:
        raise SpecificationError(f"bootstrap_reps={bootstrap_reps!r} must be an integer of at "
                                 "least 2 (Stata's default is 50).")
    if not isinstance(variance_neighbors, (int, np.integer)) or variance_neighbors < 1:
        raise SpecificationError(f"variance_neighbors={variance_neighbors!r} must be a positive "
                                 "integer (Stata's vce(robust, nn(2)) uses 2).")
    used = [treatment, *covariates] + ([outcome] if outcome else [])
    checks.require_columns(data, used, context="psm()")
    checks.require_numeric(data, covariates + ([outcome] if outcome else []))
    missing = checks.missing_counts(data, used)
    sample = data.loc[data[used].notna().all(axis=1).to_numpy()].copy()
    checks.require_nonempty(len(sample), "psm()", missing)
    d = _check_treatment(sample[treatment], treatment)
    sample[treatment] = d.astype(int)
    for col in covariates:
        if sample[col].nunique() <= 1:
            raise SpecificationError(f"covariate '{col}' is constant in the sample and cannot "
                                     "enter the score model; drop it.")

    p, score_model = fit_score(sample, treatment, covariates, model)
    t_pos, c_pos = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    pt, pc = p[t_pos], p[c_pos]
    lower, upper = float(pc.min()), float(pc.max())
    inside = (pt >= lower - _TIE_TOL) & (pt <= upper + _TIE_TOL)
    on = inside if common_support == "minmax" else np.ones(len(pt), dtype=bool)
    if common_support == "none" and not inside.all():
        warnings.warn(
            f"poor overlap: {int((~inside).sum())} of {len(pt)} treated unit(s) have a "
            f"propensity score outside the controls' range [{lower:.4g}, {upper:.4g}]; they are "
            "matched to the nearest controls all the same (teffects/psmatch2/MatchIt default). "
            "Pass common_support='minmax' to drop them (psmatch2 ..., common).",
            HitexWarning, stacklevel=2)
    if not on.any():
        raise EstimationError(
            f"no common support: every treated unit's score lies outside the controls' range "
            f"[{lower:.4g}, {upper:.4g}]. Treated and controls are not comparable on "
            f"{', '.join(covariates)}; revise the covariates or the control group."
        )
    cal = None
    if caliper is not None:
        cal = caliper * float(np.std(p, ddof=1)) if caliper_scale == "sd" else float(caliper)
    on_idx = np.flatnonzero(on)
    if method == "nearest":
        raw = _match_nearest(pt[on_idx], pc, int(k), replace, cal)
    else:
        raw = _match_smooth(pt[on_idx], pc, method, cal if method == "radius" else bandwidth)
    if not raw:
        raise EstimationError(
            "no treated unit has a control within the caliper/bandwidth: no common support. "
            "Widen the caliper or bandwidth, or revise the covariates."
        )
    matches = [(int(on_idx[i]), sel, w) for i, sel, w in raw]

    weight = np.zeros(len(sample))
    q = np.zeros(len(sample))
    tt = np.concatenate([np.full(len(sel), t_pos[i]) for i, sel, _ in matches])
    cc = np.concatenate([c_pos[sel] for _, sel, _ in matches])
    ww = np.concatenate([w for _, _, w in matches])
    weight[t_pos[[i for i, _, _ in matches]]] = 1.0
    np.add.at(weight, cc, ww)
    np.add.at(q, cc, ww**2)
    pairs = pd.DataFrame({"treated": sample.index[tt].to_numpy(),
                          "control": sample.index[cc].to_numpy(),
                          "weight": ww, "distance": np.abs(p[cc] - p[tt])})
    n1 = len(matches)

    att = se_value = None
    se_method = "none"
    n_boot = 0
    if outcome is not None:
        y = sample[outcome].to_numpy(dtype=float)
        y0_t = np.array([np.dot(w, y[c_pos[sel]]) for _, sel, w in matches])
        resid = y[t_pos[[i for i, _, _ in matches]]] - y0_t
        att = float(resid.mean())
        x = np.column_stack([np.ones(len(sample)), sample[covariates].to_numpy(dtype=float)])
        beta = score_model.params.to_numpy(dtype=float)
        if se in ("psmatch", "nnmatch"):
            sig2 = np.zeros(len(sample))
            sig2[c_pos] = _sigma2_same_group(pc, y[c_pos], int(variance_neighbors))
            extra = np.sum((weight[c_pos] ** 2 - q[c_pos]) * sig2[c_pos])
            var = (np.sum((resid - att) ** 2) + extra) / n1**2
            se_method = "ai2006"
            if se == "psmatch":
                var += _ai2016_adjustment(x, beta, model, d, y, att,
                                          t_pos[[i for i, _, _ in matches]], y0_t, int(k),
                                          int(variance_neighbors))
                se_method = "ai2016"
            if var > 0:
                se_value = float(math.sqrt(var))
            else:
                warnings.warn(HitexWarning(
                    f"the {se_method} variance estimate is not positive ({var:.4g}): the "
                    "outcomes leave no residual variation (or the estimated-score adjustment "
                    "outweighs it), so the standard error is missing. Check the outcome, or use "
                    "more neighbours (variance_neighbors) or se='nnmatch'."),
                    stacklevel=2)
        elif se == "bootstrap":
            atts, n_left = _bootstrap_smooth(
                x, d, y, beta, model, method, caliper, caliper_scale, bandwidth,
                common_support == "minmax", int(bootstrap_reps), seed)
            n_boot = len(atts)
            if n_left:
                warnings.warn(HitexWarning(
                    f"{n_left} of {bootstrap_reps} bootstrap replicates were left out (no treated "
                    "or no controls drawn, no match, or a score model that did not converge); "
                    f"the standard error uses {n_boot}. Increase bootstrap_reps or the sample."),
                    stacklevel=2)
            se_method = "bootstrap"
            if n_boot >= 2:
                se_value = float(np.std(atts, ddof=1))
    sample["_pscore"] = p
    sample["_weight"] = weight
    support = CommonSupport(rule=common_support, lower=lower, upper=upper,
                            n_treated_off_support=int((~on).sum()),
                            n_treated_unmatched=int(on.sum()) - n1)
    cal_label = "none" if caliper is None else (
        f"{caliper} SD of the score (= {cal:.6g})" if caliper_scale == "sd" else f"{caliper} (score units)")
    spec = {"treatment": treatment, "covariates": tuple(covariates), "model": model,
            "method": method, "k": int(k), "replace": bool(replace), "caliper": caliper,
            "caliper_scale": caliper_scale, "caliper_label": cal_label,
            "bandwidth": bandwidth if method == "kernel" else None, "outcome": outcome,
            "common_support": common_support, "variance_neighbors": int(variance_neighbors),
            "se": se, "bootstrap_reps": int(bootstrap_reps) if se == "bootstrap" else None,
            "bootstrap_reps_used": n_boot if se == "bootstrap" else None,
            "seed": seed if se == "bootstrap" else None,
            "n_dropped_missing": int(len(data) - len(sample)), "missing": missing}
    return MatchingResult(
        att=att, se=se_value, se_method=se_method, n_treated=n1,
        n_controls_used=int(((weight > 0) & (d == 0)).sum()),
        score_model=score_model, support=support, spec=spec,
        _sample=sample, _pairs=pairs, _treatment=treatment, _covariates=tuple(covariates),
    )
