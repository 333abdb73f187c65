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
For nearest-neighbour matching the standard error is the Abadie-Imbens
(2006) variance of the matching estimator of the population ATT
(``se_method="ai2006"``, Stata ``nnmatch``'s and ``teffects nnmatch``'s
``vce(robust, nn(J))``):

.. math::

    \\hat V = \\frac{1}{N_1^2} \\Big[ \\sum_{D_i = 1}
        \\big(Y_i - \\hat Y_i(0) - \\hat\\tau\\big)^2
        + \\sum_{D_j = 0} \\big(w_j^2 - q_j\\big) \\hat\\sigma^2_j \\Big],

with ``w_j = sum_i w_ij`` (``K_M(j)/M`` without ties), ``q_j = sum_i w_ij^2``
(so ``w_j^2 - q_j = K_M(j)(K_M(j) - 1)/M^2`` without ties), and the
conditional variance ``sigma^2_j = J/(J+1) (Y_j - mean of its J nearest
controls' Y)^2`` estimated by matching controls to controls on the score
(``J = variance_neighbors``, default 2 as in Stata). This variance treats the
score as known; ``teffects psmatch`` by default also applies the Abadie-Imbens
(2016) adjustment for the estimated score, which hitex does not (yet)
compute, so its standard errors match ``teffects nnmatch`` on the score, not
``teffects psmatch``. Radius and kernel matching have no analytic standard
error (``psmatch2`` users bootstrap); ``se`` is ``None`` for them.
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
)

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
class MatchingResult:
    """An immutable propensity-score matching result.

    Attributes
    ----------
    att, se : float or None
        ATT and its standard error (``None`` without an outcome; ``se`` is
        ``None`` for radius and kernel matching).
    se_method : str
        ``"ai2006"`` or ``"none"``.
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
    def balance(self, columns: Sequence[str] | None = None, *, sd: str = "treated") -> pd.DataFrame:
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
        """
        cols = list(columns) if columns is not None else ["_pscore", *self._covariates]
        checks.require_columns(self._sample, cols, context="balance()")
        checks.require_numeric(self._sample, cols)
        values = self._sample[cols].rename(columns={"_pscore": "pscore"})
        return balance_table(values, self._sample[self._treatment].to_numpy(),
                             self._sample["_weight"].to_numpy(), sd=sd)

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

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-value of the ATT, as ``teffects`` prints."""
        from scipy import stats

        z = self.params / self.std_errors
        return pd.Series(2 * stats.norm.sf(np.abs(z.to_numpy())), index=["ATT"], name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Normal confidence interval ``att +/- z se``."""
        from scipy import stats

        if not 0 < level < 1:
            raise SpecificationError(f"conf_int level must be between 0 and 1, got {level}")
        q = stats.norm.ppf((1 + level) / 2)
        return pd.DataFrame({"conf_low": self.params - q * self.std_errors,
                             "conf_high": self.params + q * self.std_errors})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row ``ATT``: estimate, std_error, statistic, p_value, conf_low, conf_high."""
        ci = self.conf_int(level)
        out = pd.DataFrame({"estimate": self.params, "std_error": self.std_errors,
                            "statistic": self.params / self.std_errors, "p_value": self.pvalues,
                            "conf_low": ci["conf_low"], "conf_high": ci["conf_high"]})
        out.index.name = "term"
        return out

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
        ``J`` of the Abadie-Imbens conditional-variance estimator (Stata's
        ``vce(robust, nn(2))``).

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
    rows = []
    for i, sel, w in matches:
        ti = t_pos[i]
        weight[ti] = 1.0
        cj = c_pos[sel]
        np.add.at(weight, cj, w)
        np.add.at(q, cj, w**2)
        rows.append(pd.DataFrame({"treated": sample.index[np.full(len(cj), ti)].to_numpy(),
                                  "control": sample.index[cj].to_numpy(),
                                  "weight": w, "distance": np.abs(p[cj] - p[ti])}))
    pairs = pd.concat(rows, ignore_index=True)
    n1 = len(matches)

    att = se = None
    se_method = "none"
    if outcome is not None:
        y = sample[outcome].to_numpy(dtype=float)
        resid = np.array([y[t_pos[i]] - np.dot(w, y[c_pos[sel]]) for i, sel, w in matches])
        att = float(resid.mean())
        if method == "nearest":
            sig2 = np.zeros(len(sample))
            sig2[c_pos] = _sigma2_same_group(pc, y[c_pos], int(variance_neighbors))
            extra = np.sum((weight[c_pos] ** 2 - q[c_pos]) * sig2[c_pos])
            var = (np.sum((resid - att) ** 2) + extra) / n1**2
            se = float(math.sqrt(var))
            se_method = "ai2006"
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
            "n_dropped_missing": int(len(data) - len(sample)), "missing": missing}
    return MatchingResult(
        att=att, se=se, se_method=se_method, n_treated=n1,
        n_controls_used=int(((weight > 0) & (d == 0)).sum()),
        score_model=score_model, support=support, spec=spec,
        _sample=sample, _pairs=pairs, _treatment=treatment, _covariates=tuple(covariates),
    )
