"""Difference-in-differences: Callaway-Sant'Anna ATT(g,t), TWFE DiD and PSM-DiD.

Callaway and Sant'Anna (2021)
-----------------------------
:func:`att_gt` estimates the group-time average treatment effects of a
staggered adoption design (R ``did::att_gt``, Stata ``csdid``). A *group*
``g`` is the period in which a unit is first treated; never-treated units
have group ``0`` (R ``did``'s coding; missing values and groups after the last
period are also read as never treated, as ``did`` does). Without covariates

.. math::

    ATT(g, t) = E[Y_t - Y_{b} \\mid G = g] - E[Y_t - Y_{b} \\mid C = 1],

with base period ``b = g - 1 - anticipation`` for ``t >= g`` and, for the
pseudo-ATTs of pre-treatment periods, ``b = t - 1`` (``base_period =
"varying"``, ``did``'s default) or ``b = g - 1 - anticipation``
(``"universal"``). The comparison group ``C`` is the never treated
(``control_group="nevertreated"``) or the never treated plus the units not
yet treated by ``max(t, b) + anticipation`` (``"notyettreated"``).

Inference uses the influence function of each estimate. For unit ``i`` of
``n`` units,

.. math::

    \\psi_i(g, t) = \\frac{n}{n_g} D_i (\\Delta Y_i - \\overline{\\Delta Y}_g)
        - \\frac{n}{n_C} C_i (\\Delta Y_i - \\overline{\\Delta Y}_C),
    \\qquad \\widehat{V} = \\frac{1}{n^2} \\sum_i \\psi_i \\psi_i',

the analytical variance of ``did`` with ``bstrap = FALSE`` (its default
``bstrap = TRUE`` multiplier bootstrap gives standard errors that differ in
the third decimal). Aggregations (:meth:`ATTgtResult.aggregate`, ``did::aggte``)
average the ATT(g,t) with weights proportional to group sizes ``p_g`` and add
the influence function of the estimated weights, exactly as ``aggte`` does:
``"simple"`` (post-treatment cells weighted by ``p_g``), ``"group"`` (per
group the mean over its post-treatment periods; overall: their
``p_g``-weighted mean), ``"calendar"`` (per period; overall: the mean over
periods) and ``"dynamic"`` (per event time ``e = t - g``; overall: the mean
over ``e >= 0``), the latter with ``aggte``'s ``balance_e`` (only the groups
observed ``balance_e`` periods after treatment, so that every event time
averages the same groups), ``min_e`` and ``max_e``. Every aggregated ATT has a
two-sided normal p-value (``did``'s ``tidy``: ``2 (1 - Phi(|att / se|))``).

Covariates (``did``'s ``xformla``)
-----------------------------------
With ``covariates`` each ATT(g,t) is the two-period estimator of Sant'Anna
and Zhao (2020) on the units of group ``g`` and the comparison group, with
the covariates of period ``min(b, t)`` (``did``'s rule for balanced panels)
and an intercept, exactly as ``did`` calls R ``DRDID`` (unit weights 1):

* ``est_method="reg"`` (``DRDID::reg_did_panel``): outcome regression of
  ``dY`` on ``X`` among the comparison units,
  ``ATT = mean_{G=g}(dY - X'b)``;
* ``est_method="ipw"`` (``DRDID::std_ipw_did_panel``): logit propensity
  score ``p(X)``, comparison units weighted by ``p/(1-p)`` with normalised
  (Hajek) weights;
* ``est_method="dr"`` (``DRDID::drdid_panel``, ``did``'s default): the
  locally efficient doubly robust estimator that combines both.

Scores are capped at ``1 - 1e-6`` and comparison units with a score of
0.995 or more get weight zero (``DRDID``'s trimming). The influence
functions include the estimation effect of the logit and regression
coefficients, as ``DRDID`` computes them, so the analytical standard errors
equal ``did``'s with ``bstrap = FALSE``. Without covariates the three
methods coincide (the module formula above).

Multiplier bootstrap
--------------------
``bootstrap=True`` replaces the analytical standard errors by ``did``'s
multiplier bootstrap (``mboot``): Mammen's two-point weights ``V_i``, draws
``b = n^{-1} sum_i V_i psi_i``, standard error ``IQR(b) / (z_.75 - z_.25)``
and, for the simultaneous (uniform) confidence band, the ``level`` quantile
of ``max_j |b_j| / se_j`` (R's ``quantile(type = 1)``). The draws are seeded
(``seed``) and vectorised; one matrix of weights serves every aggregation of
the result, so an aggregation repeated with the same seed gives the same
numbers. ``did`` draws anew for every quantity, so its bootstrap numbers
differ from run to run in the third decimal.

The panel must be balanced (units observed in every period are kept, as
``did`` does).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import drop_missing_keys, plain_index
from hitex.models.did_bootstrap import (
    MultiplierBootstrap,
    band_critical,
    bootstrap_draws,
    multiplier_bootstrap,
    summarise_draws,
    z_value,
)
from hitex.models.did_sample import DiDDataWarning
from hitex.models.event import twfe_did

__all__ = ["ATTgtResult", "AggregatedATT", "DiDDataWarning", "MultiplierBootstrap", "att_gt",
           "multiplier_bootstrap", "twfe_did"]

EST_METHODS = ("dr", "ipw", "reg")
_PS_CAP = 1 - 1e-6        # DRDID: pmin(ps.fit, 1 - 1e-6)
_TRIM_LEVEL = 0.995       # DRDID: comparison units with a score of 0.995 or more get weight 0


def _table(index: pd.Index, est: np.ndarray, se: np.ndarray, level: float,
           crit: float | None = None) -> pd.DataFrame:
    from scipy import stats

    q = z_value(level) if crit is None else crit
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    return pd.DataFrame({"estimate": est, "std_error": se, "statistic": z,
                         "p_value": 2 * stats.norm.sf(np.abs(z)),
                         "conf_low": est - q * se, "conf_high": est + q * se}, index=index)


def _tiny_to_nan(se: np.ndarray) -> np.ndarray:
    """did reports NA for a standard error of sqrt(eps) * 10 or less (a degenerate estimate)."""
    se = np.asarray(se, dtype=float)
    return np.where(se <= math.sqrt(np.finfo(float).eps) * 10, np.nan, se)


# -- input preparation ----------------------------------------------------------
def _covariate_names(covariates: Any) -> tuple[str | None, list[str]]:
    """(formula or None, plain column names) of the ``covariates`` argument."""
    if covariates is None:
        return None, []
    if isinstance(covariates, str):
        text = covariates.strip()
        if text.startswith("~"):
            body = text[1:].strip()
            if body in ("", "1"):
                return None, []
            return text, []
        return None, [covariates]
    names = list(covariates)
    bad = [c for c in names if not isinstance(c, str)]
    if bad:
        raise SpecificationError(f"covariates must be column names or a formula such as '~ lpop', "
                                 f"got {bad[:3]}.")
    return None, names


def _prepare(data: pd.DataFrame, outcome: str, unit: str, time: str, group: str,
             covariates: Sequence[str] = ()
             ) -> tuple[pd.DataFrame, np.ndarray, list[str], pd.DataFrame]:
    """Check the input; return the wide outcome (units x periods), groups, notes and the
    long frame of the kept units (with the covariate columns)."""
    data = plain_index(checks.require_dataframe(data))
    checks.require_columns(data, [outcome, unit, time, group, *covariates], context="att_gt()")
    checks.require_numeric(data, [outcome, time, group, *covariates])
    notes: list[str] = []
    frame, note = drop_missing_keys(data[list(dict.fromkeys([unit, time, group, outcome,
                                                             *covariates]))],
                                    [unit, time], DiDDataWarning, stacklevel=4)
    if note:
        notes.append(note)
    checks.require_unique(frame, [unit, time])
    frame[group] = frame[group].astype(float).fillna(0.0)
    varying = frame.groupby(unit, sort=False)[group].nunique()
    if (varying > 1).any():
        bad = varying[varying > 1].index[:3].tolist()
        raise SpecificationError(
            f"group column '{group}' (first treatment period) is not constant within unit "
            f"'{unit}' (e.g. units {bad}). It must hold each unit's first treated period "
            "(0 = never treated) on every row; build it with "
            f"df.groupby('{unit}')['<period of first treatment>'].transform('min')."
        )
    periods = np.sort(frame[time].unique())
    if len(periods) < 2:
        raise EstimationError(f"time column '{time}' has fewer than two periods; DiD needs a "
                              "pre- and a post-treatment period.")
    g = frame[group].to_numpy()
    if ((g != 0) & ~np.isin(g, periods) & (g <= periods[-1])).any():
        bad = sorted(set(g[(g != 0) & ~np.isin(g, periods) & (g <= periods[-1])]))[:3]
        raise SpecificationError(f"group column '{group}' holds {bad}, which are not periods of "
                                 f"'{time}'; groups must be a period of the panel or 0 (never "
                                 "treated).")
    # groups after the last period are never treated within the panel (did's rule)
    frame.loc[frame[group] > periods[-1], group] = 0.0
    early = frame[group].between(1e-300, periods[0]) | (frame[group] < 0)
    if early.any():
        units = frame.loc[early, unit].unique()
        msg = (f"{len(units)} unit(s) of '{unit}' (e.g. {list(units[:3])}) are treated in or before "
               f"the first period {periods[0]} of '{time}' (group '{group}' <= {periods[0]}); "
               "they have no untreated period and are dropped, as R did and Stata csdid do.")
        warnings.warn(DiDDataWarning(msg), stacklevel=3)
        notes.append(msg)
        frame = frame.loc[~frame[unit].isin(units)]
    if covariates:
        bad_rows = ~np.isfinite(frame[list(covariates)].to_numpy(dtype=float, na_value=np.nan)) \
            .all(axis=1)
        if bad_rows.any():
            units = frame.loc[bad_rows, unit].unique()
            msg = (f"{len(units)} unit(s) of '{unit}' (e.g. {list(units[:3])}) have a missing or "
                   f"infinite covariate ({', '.join(covariates)}) and are dropped (did drops "
                   "such rows and then balances the panel).")
            warnings.warn(DiDDataWarning(msg), stacklevel=3)
            notes.append(msg)
            frame = frame.loc[~frame[unit].isin(units)]
    wide = frame.pivot(index=unit, columns=time, values=outcome)
    complete = wide.notna().all(axis=1)
    if not complete.all():
        msg = (f"{int((~complete).sum())} unit(s) are not observed (or have a missing '{outcome}') "
               "in every period and are dropped to balance the panel (did's default).")
        warnings.warn(DiDDataWarning(msg), stacklevel=3)
        notes.append(msg)
        wide = wide.loc[complete]
    checks.require_nonempty(len(wide), "att_gt()")
    groups = frame.groupby(unit)[group].first().reindex(wide.index).to_numpy()
    if not (groups > 0).any():
        raise EstimationError(f"no treated units: group column '{group}' is 0 (never treated) for "
                              "every unit with an untreated period; there is no effect to estimate.")
    frame = frame.loc[frame[unit].isin(wide.index)]
    return wide, groups, notes, frame


def _formula_columns(data: pd.DataFrame, formula: str, keys: Sequence[str]
                     ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Evaluate a covariate formula on ``data``; return the data with one column per term
    (named as the term, or ``_x0, _x1, ...`` where that would replace a key column), those
    column names and the term names (intercept dropped)."""
    from formulaic import model_matrix

    frame = plain_index(checks.require_dataframe(data))
    try:
        mm = model_matrix(formula, frame.reset_index(drop=True), na_action="ignore")
    except Exception as err:  # formulaic raises many types for a bad formula
        raise SpecificationError(
            f"covariates formula {formula!r} cannot be evaluated on the data ({err}). Name "
            "numeric columns of the data, e.g. '~ lpop + I(lpop**2)'.") from err
    terms = [str(c) for c in mm.columns if str(c) != "Intercept"]
    values = np.asarray(mm[[c for c in mm.columns if str(c) != "Intercept"]], dtype=float)
    cols = [f"_x{i}" if term in keys else term for i, term in enumerate(terms)]
    out = frame.copy()
    for i, col in enumerate(cols):
        out[col] = values[:, i]
    return out, cols, terms


def _design_cube(frame: pd.DataFrame, unit: str, time: str, wide: pd.DataFrame,
                 names: list[str]) -> np.ndarray:
    """Covariate design (intercept first) as units x periods x terms, aligned with ``wide``."""
    values = np.column_stack([np.ones(len(frame)), frame[names].to_numpy(dtype=float)])
    rows = pd.MultiIndex.from_arrays([frame[unit].to_numpy(), frame[time].to_numpy()])
    target = pd.MultiIndex.from_product([wide.index, wide.columns])
    pos = rows.get_indexer(target)
    return values[pos].reshape(len(wide.index), len(wide.columns), len(names) + 1)


# -- the two-period estimators of Sant'Anna and Zhao (2020), as DRDID -----------------------
def _ols_controls(dy: np.ndarray, d: np.ndarray, x: np.ndarray, terms: Sequence[str],
                  where: str) -> tuple[np.ndarray, np.ndarray]:
    """OLS of ``dy`` on ``x`` among ``d == 0``; returns ``(beta, (X0'X0 / n)^-1)``."""
    n = len(d)
    c = d == 0
    xpx = x[c].T @ x[c] / n
    if np.linalg.cond(xpx) > 1 / np.finfo(float).eps:
        raise EstimationError(
            f"{where}: the covariates ({', '.join(terms[1:])}) are collinear (or constant) among "
            "the comparison units, so the outcome regression is not identified. Drop or rescale "
            "covariates, or use est_method='ipw'.")
    xpx_inv = np.linalg.inv(xpx)
    beta = xpx_inv @ (x[c].T @ dy[c] / n)
    return beta, xpx_inv


def _logit(d: np.ndarray, x: np.ndarray, terms: Sequence[str], where: str
           ) -> tuple[np.ndarray, np.ndarray]:
    """Logit propensity score (statsmodels Newton-Raphson); returns ``(ps, n (X'WX)^-1)``."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.Logit(d, x).fit(method="newton", maxiter=100, disp=False)
        except (np.linalg.LinAlgError, ValueError) as err:
            raise EstimationError(
                f"{where}: the propensity-score logit on {', '.join(terms[1:])} cannot be "
                f"estimated ({err}); the covariates are collinear or separate the groups. Drop "
                "or coarsen covariates, or use est_method='reg'.") from err
    if not np.all(np.isfinite(res.params)) or not res.mle_retvals.get("converged", False):
        raise EstimationError(
            f"{where}: the propensity-score logit on {', '.join(terms[1:])} did not converge "
            "(the covariates nearly separate the treated from the comparison units, so their "
            "scores are 0 or 1). Drop or coarsen covariates, or use est_method='reg'.")
    ps = np.minimum(1 / (1 + np.exp(-(x @ res.params))), _PS_CAP)
    w = ps * (1 - ps)
    hess_inv = np.linalg.inv(x.T @ (w[:, None] * x)) * len(d)
    return ps, hess_inv


def _two_period(dy: np.ndarray, d: np.ndarray, x: np.ndarray, method: str,
                terms: Sequence[str], where: str) -> tuple[float, np.ndarray, int]:
    """ATT and influence function of one 2x2 comparison (DRDID's panel estimators).

    Returns ``(att, inf, trimmed)`` with ``inf`` scaled as DRDID's ``att.inf.func``
    (``se = sqrt(sum inf^2) / n``) and the number of comparison units trimmed.
    """
    d = d.astype(float)
    if method == "reg":
        beta, xpx_inv = _ols_controls(dy, d, x, terms, where)
        fit = x @ beta
        m1 = d.mean()
        eta1, eta0 = np.mean(d * dy) / m1, np.mean(d * fit) / m1
        lin_ols = ((1 - d) * (dy - fit))[:, None] * x @ xpx_inv
        inf_t = (d * dy - d * eta1) / m1
        inf_c = (d * fit - d * eta0 + lin_ols @ np.mean(d[:, None] * x, axis=0)) / m1
        return float(eta1 - eta0), inf_t - inf_c, 0
    ps, hess_inv = _logit(d, x, terms, where)
    keep = np.where(d == 0, ps < _TRIM_LEVEL, True).astype(float)
    trimmed = int(np.sum((d == 0) & (keep == 0)))
    w1 = keep * d
    w0 = keep * ps * (1 - d) / (1 - ps)
    lin_ps = ((d - ps)[:, None] * x) @ hess_inv
    if method == "ipw":
        r = dy
        eta1, eta0 = np.mean(w1 * r) / w1.mean(), np.mean(w0 * r) / w0.mean()
        inf_t = (w1 * r - w1 * eta1) / w1.mean()
        m2 = np.mean((w0 * (r - eta0))[:, None] * x, axis=0)
        inf_c = (w0 * r - w0 * eta0 + lin_ps @ m2) / w0.mean()
        return float(eta1 - eta0), inf_t - inf_c, trimmed
    beta, xpx_inv = _ols_controls(dy, d, x, terms, where)
    r = dy - x @ beta
    eta1, eta0 = np.mean(w1 * r) / w1.mean(), np.mean(w0 * r) / w0.mean()
    lin_ols = ((1 - d) * r)[:, None] * x @ xpx_inv
    inf_t = (w1 * r - w1 * eta1 - lin_ols @ np.mean(w1[:, None] * x, axis=0)) / w1.mean()
    m2 = np.mean((w0 * (r - eta0))[:, None] * x, axis=0)
    m3 = np.mean(w0[:, None] * x, axis=0)
    inf_c = (w0 * r - w0 * eta0 + lin_ps @ m2 - lin_ols @ m3) / w0.mean()
    return float(eta1 - eta0), inf_t - inf_c, trimmed


# -- results ------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AggregatedATT:
    """An aggregation of ATT(g,t) (R ``did::aggte``).

    Attributes
    ----------
    kind : str
        ``"simple"``, ``"group"``, ``"calendar"`` or ``"dynamic"``.
    overall, overall_se : float
        Overall ATT and its standard error (analytical, or from the
        multiplier bootstrap when the ATT(g,t) were bootstrapped).
    estimates : pandas.DataFrame
        One row per group / period / event time (empty for ``"simple"``):
        ``estimate, std_error, statistic, p_value, conf_low, conf_high``.
        With the bootstrap and ``band="uniform"`` the intervals are the
        simultaneous confidence band (``did``'s ``cband = TRUE``).
    band : str
        ``"pointwise"`` or ``"uniform"``.
    critical_value : float
        Critical value of the intervals in ``estimates``.
    balance_e, min_e, max_e : int or None
        Event-time restrictions of a ``"dynamic"`` aggregation.
    """

    kind: str
    overall: float
    overall_se: float
    estimates: pd.DataFrame
    level: float = 0.95
    _influence: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 0)))
    n_units: int = 0
    band: str = "pointwise"
    critical_value: float = float("nan")
    inference: str = "analytical"
    balance_e: int | None = None
    min_e: int | None = None
    max_e: int | None = None

    @property
    def overall_statistic(self) -> float:
        """z statistic of the overall ATT (``overall / overall_se``)."""
        if not np.isfinite(self.overall_se) or self.overall_se <= 0:
            return float("nan")
        return float(self.overall / self.overall_se)

    @property
    def overall_p_value(self) -> float:
        """Two-sided normal p-value of the overall ATT, as ``did``'s ``tidy(aggte(...))``."""
        from scipy import stats

        return float(2 * stats.norm.sf(abs(self.overall_statistic)))

    def overall_conf_int(self, level: float | None = None) -> tuple[float, float]:
        """Pointwise normal confidence interval of the overall ATT (``did``'s "Conf. Int.")."""
        q = z_value(self.level if level is None else level)
        return (self.overall - q * self.overall_se, self.overall + q * self.overall_se)

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the disaggregated estimates (from the influence functions)."""
        v = self._influence.T @ self._influence / self.n_units**2
        return pd.DataFrame(v, index=self.estimates.index, columns=self.estimates.index)

    def tidy(self) -> pd.DataFrame:
        """The overall ATT (row ``"ATT"``) above the disaggregated estimates."""
        low, high = self.overall_conf_int()
        top = pd.DataFrame({"estimate": [self.overall], "std_error": [self.overall_se],
                            "statistic": [self.overall_statistic],
                            "p_value": [self.overall_p_value], "conf_low": [low],
                            "conf_high": [high]}, index=pd.Index(["ATT"], name="term"))
        rest = self.estimates.copy()
        rest.index = pd.Index([f"{rest.index.name}={i}" for i in rest.index], name="term")
        return pd.concat([top, rest])

    def event_table(self, level: float | None = None) -> pd.DataFrame:
        """Event-time estimates with ``rel_time`` column (``"dynamic"`` only), for plots."""
        if self.kind != "dynamic":
            raise SpecificationError("event_table() needs aggregate('dynamic').")
        out = self.estimates.copy() if level is None else _table(
            self.estimates.index, self.estimates["estimate"].to_numpy(),
            self.estimates["std_error"].to_numpy(), level)
        out.insert(0, "rel_time", out.index.to_numpy())
        return out.reset_index(drop=True)

    def pretrend_test(self) -> Any:
        """Joint Wald test that all pre-treatment event-time estimates are zero."""
        from hitex.models.event import wald_test

        if self.kind != "dynamic":
            raise SpecificationError("pretrend_test() needs aggregate('dynamic').")
        pre = self.estimates.index < 0
        v = self.vcov.to_numpy()[np.ix_(pre, pre)]
        return wald_test(self.estimates["estimate"].to_numpy()[pre], v)

    def summary(self, digits: int = 4) -> str:
        """Plain-text summary in the layout of ``summary(aggte(...))``."""
        lines = [f"Aggregation: {self.kind}",
                 f"Overall ATT = {self.overall:.{digits}f} (SE {self.overall_se:.{digits}f}, "
                 f"p = {self.overall_p_value:.{digits}f})"]
        if len(self.estimates):
            lines.append(self.estimates.round(digits).to_string())
            if self.band == "uniform":
                lines.append(f"Intervals: simultaneous {self.level:.0%} band (critical value "
                             f"{self.critical_value:.3f}, multiplier bootstrap).")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, eq=False)
class ATTgtResult:
    """Group-time average treatment effects (R ``did::att_gt``).

    Attributes
    ----------
    estimates : pandas.DataFrame
        One row per (group, time) cell: ``group, time, base, n_treated,
        n_control, estimate, std_error, statistic, p_value, conf_low,
        conf_high, post``.
    control_group, base_period : str
    anticipation : int
    n_units : int
        Units in the balanced panel.
    notes : tuple of str
        What was dropped and why.
    est_method : str
        ``"dr"``, ``"ipw"`` or ``"reg"`` (irrelevant without covariates).
    covariates : tuple of str
        Terms of the covariate design (intercept first), empty without
        covariates.
    bootstrap : MultiplierBootstrap or None
        The multiplier bootstrap behind ``std_error`` and the intervals, or
        ``None`` for analytical standard errors and pointwise intervals.
    band : str
        ``"pointwise"`` or ``"uniform"`` (simultaneous band over all cells).
    critical_value : float
        Critical value of the intervals in ``estimates``.
    """

    estimates: pd.DataFrame
    control_group: str
    base_period: str
    anticipation: int
    n_units: int
    notes: tuple[str, ...]
    level: float = 0.95
    _influence: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 0)))
    _unit_groups: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    est_method: str = "dr"
    covariates: tuple[str, ...] = ()
    bootstrap: MultiplierBootstrap | None = None
    band: str = "pointwise"
    critical_value: float = float("nan")
    _periods: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    @property
    def influence(self) -> np.ndarray:
        """Influence functions, units x cells (``psi``; ``V = psi'psi / n^2``)."""
        return self._influence.copy()

    @property
    def vcov(self) -> pd.DataFrame:
        """Analytical covariance of the ATT(g,t) (``did``'s ``V / n``)."""
        v = self._influence.T @ self._influence / self.n_units**2
        return pd.DataFrame(v, index=self.estimates.index, columns=self.estimates.index)

    def pretrend_test(self) -> Any:
        """Wald test that all pre-treatment ATT(g,t) are zero (``did``'s pre-test p-value)."""
        from hitex.models.event import wald_test

        pre = ~self.estimates["post"].to_numpy()
        psi = self._influence[:, pre]
        return wald_test(self.estimates["estimate"].to_numpy()[pre], psi.T @ psi / self.n_units**2)

    def aggregate(self, kind: str = "group", *, level: float | None = None,
                  balance_e: int | None = None, min_e: int | None = None,
                  max_e: int | None = None) -> AggregatedATT:
        """Aggregate the ATT(g,t) as ``did::aggte(type=kind)``.

        Parameters
        ----------
        kind : {"simple", "group", "calendar", "dynamic"}
            See the module docstring for the weights.
        level : float, optional
            Confidence level of the intervals (default: the result's).
        balance_e : int, optional
            ``"dynamic"`` only (``aggte``'s ``balance_e``): keep the groups
            observed at least ``balance_e`` periods after treatment and the
            event times ``balance_e - (T_last - T_first) <= e <= balance_e``,
            so every event time averages the same groups.
        min_e, max_e : int, optional
            ``"dynamic"`` only: the event-time window (``aggte``'s ``min_e``
            and ``max_e``); the overall ATT averages the kept ``e >= 0``.

        Notes
        -----
        With a bootstrapped result the standard errors come from the same
        multiplier draws (same seed) and the intervals of the disaggregated
        estimates are the simultaneous band when ``band == "uniform"``; the
        overall ATT keeps a pointwise interval, as ``summary(aggte(...))``.
        """
        if kind not in ("simple", "group", "calendar", "dynamic"):
            raise SpecificationError(f"kind={kind!r}: use 'simple', 'group', 'calendar' or "
                                     "'dynamic'.")
        for name, value in (("balance_e", balance_e), ("min_e", min_e), ("max_e", max_e)):
            if value is None:
                continue
            if kind != "dynamic":
                raise SpecificationError(f"{name} restricts event times: it applies to "
                                         "aggregate('dynamic') only.")
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) \
                    or int(value) != value:
                raise SpecificationError(f"{name}={value!r} must be an integer event time.")
        if balance_e is not None and balance_e < 0:
            raise SpecificationError(f"balance_e={balance_e!r} must be 0 or more (periods after "
                                     "treatment every kept group is observed).")
        level = self.level if level is None else level
        z_value(level)
        est = self.estimates
        att = est["estimate"].to_numpy()
        g, t = est["group"].to_numpy(), est["time"].to_numpy()
        psi = self._influence
        n = self.n_units
        glist = np.sort(np.unique(self._unit_groups[self._unit_groups > 0]))
        pg_all = np.array([np.mean(self._unit_groups == x) for x in glist])
        pg = pg_all[np.searchsorted(glist, g)]
        post = t >= g

        def combine(w: np.ndarray, groups: np.ndarray, pgk: np.ndarray,
                    estimated_weights: bool, atts: np.ndarray, psis: np.ndarray
                    ) -> tuple[float, np.ndarray]:
            value = float(w @ atts)
            inf = psis @ w
            if estimated_weights:
                ind = (self._unit_groups[:, None] == groups[None, :]).astype(float)
                if1 = (ind - pgk[None, :]) / pgk.sum()
                if2 = (ind - pgk[None, :]).sum(axis=1)[:, None] * (pgk / pgk.sum() ** 2)[None, :]
                inf = inf + (if1 - if2) @ atts
            return value, inf

        labels: list[Any] = []
        values: list[float] = []
        infs: list[np.ndarray] = []
        if kind == "simple":
            keep = post
            w = pg[keep] / pg[keep].sum()
            overall, inf_o = combine(w, g[keep], pg[keep], True, att[keep], psi[:, keep])
        elif kind == "group":
            for x in glist:
                keep = post & (g == x)
                if not keep.any():
                    continue
                w = np.full(keep.sum(), 1 / keep.sum())
                v, inf = combine(w, g[keep], pg[keep], False, att[keep], psi[:, keep])
                labels.append(x)
                values.append(v)
                infs.append(inf)
            gl = np.array(labels)
            pgg = pg_all[np.searchsorted(glist, gl)]
            overall, inf_o = combine(pgg / pgg.sum(), gl, pgg, True,
                                     np.array(values), np.column_stack(infs))
        else:
            key = t if kind == "calendar" else t - g
            cells = post if kind == "calendar" else np.ones(len(att), bool)
            eseq = np.sort(np.unique(key[cells]))
            if kind == "dynamic":
                if balance_e is not None:
                    t_first, t_last = float(self._periods[0]), float(self._periods[-1])
                    cells = (t_last - g) >= balance_e
                    eseq = np.sort(np.unique(key[cells]))
                    eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - t_last + t_first)]
                lo = -np.inf if min_e is None else min_e
                hi = np.inf if max_e is None else max_e
                eseq = eseq[(eseq >= lo) & (eseq <= hi)]
                if len(eseq) == 0:
                    raise EstimationError(
                        "no event times fall within the requested window; widen min_e/max_e "
                        "(and check balance_e) so that at least one event time is kept.")
            for x in eseq:
                keep = cells & (key == x)
                w = pg[keep] / pg[keep].sum()
                v, inf = combine(w, g[keep], pg[keep], True, att[keep], psi[:, keep])
                labels.append(x)
                values.append(v)
                infs.append(inf)
            lab = np.array(labels)
            use = lab >= 0 if kind == "dynamic" else np.ones(len(lab), bool)
            if not use.any():
                raise EstimationError("no post-treatment event time (e >= 0) is kept, so there "
                                      "is no overall ATT; raise max_e.")
            overall = float(np.mean(np.array(values)[use]))
            inf_o = np.column_stack(infs)[:, use].mean(axis=1)
        name = {"group": "group", "calendar": "time", "dynamic": "event_time"}.get(kind, "cell")
        index = pd.Index([int(x) if float(x).is_integer() else x for x in labels], name=name)
        stacked = np.column_stack(infs) if labels else np.empty((n, 0))
        analytic_se = np.sqrt((stacked**2).sum(axis=0)) / n
        overall_se = float(math.sqrt(np.sum(inf_o**2)) / n)
        crit = z_value(level)
        band = "pointwise"
        inference = "analytical"
        if self.bootstrap is not None:
            boot = self.bootstrap
            draws = bootstrap_draws(np.column_stack([stacked, inf_o]), boot.n_boot, boot.seed)
            se_all, _ = summarise_draws(draws, level)
            overall_se = float(se_all[-1])
            inference = "multiplier bootstrap"
            if labels:
                analytic_se, crit_b = summarise_draws(draws[:, :-1], level)
                if self.band == "uniform":
                    crit = band_critical(crit_b, level)
                    band = "uniform"
        table = _table(index, np.array(values, dtype=float), _tiny_to_nan(analytic_se), level, crit)
        overall_se = float(_tiny_to_nan(np.array([overall_se]))[0])
        return AggregatedATT(kind=kind, overall=overall, overall_se=overall_se, estimates=table,
                             level=level, _influence=stacked, n_units=n, band=band,
                             critical_value=crit, inference=inference, balance_e=balance_e,
                             min_e=min_e, max_e=max_e)

    def summary(self, digits: int = 4) -> str:
        """Plain-text table in the layout of ``summary(att_gt(...))``."""
        cols = ["group", "time", "estimate", "std_error", "conf_low", "conf_high"]
        how = ("analytical (influence function)" if self.bootstrap is None else
               f"multiplier bootstrap ({self.bootstrap.n_boot} draws, seed {self.bootstrap.seed})")
        band = ("pointwise" if self.band == "pointwise" else
                f"simultaneous (critical value {self.critical_value:.3f})")
        method = {"dr": "doubly robust", "ipw": "inverse probability weighting",
                  "reg": "outcome regression"}[self.est_method]
        covs = ", ".join(self.covariates[1:]) if self.covariates else "none"
        lines = [f"Group-time ATT (Callaway-Sant'Anna); control group: {self.control_group}; "
                 f"base period: {self.base_period}; anticipation: {self.anticipation}",
                 f"Covariates: {covs}; estimation method: {method}",
                 self.estimates[cols].round(digits).to_string(index=False),
                 f"Units: {self.n_units}. Standard errors: {how}. Intervals: {band}."]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def att_gt(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    *,
    covariates: str | Sequence[str] | None = None,
    est_method: str = "dr",
    control_group: str = "nevertreated",
    base_period: str = "varying",
    anticipation: int = 0,
    level: float = 0.95,
    bootstrap: bool = False,
    n_boot: int = 1000,
    seed: int | None = None,
    uniform_band: bool = True,
) -> ATTgtResult:
    """Callaway-Sant'Anna group-time average treatment effects (R ``did::att_gt``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit and period.
    outcome, unit, time : str
        Outcome, unit id and (numeric) period columns (``did``'s ``yname``,
        ``idname``, ``tname``).
    group : str
        First treated period of the unit, constant within unit; ``0`` or
        missing for never treated (``did``'s ``gname``; Stata ``csdid``'s
        ``gvar``).
    covariates : str or sequence of str, optional
        Conditioning covariates (``did``'s ``xformla``): numeric column
        names, or a formula such as ``"~ lpop"`` or ``"~ lpop + I(lpop**2)"``
        (formulaic syntax). An intercept is always included; each cell uses
        the covariates of period ``min(base, t)``. ``None`` or ``"~1"``: no
        covariates.
    est_method : {"dr", "ipw", "reg"}, default "dr"
        ``did``'s default doubly robust estimator (``DRDID::drdid_panel``),
        inverse probability weighting (``std_ipw_did_panel``) or outcome
        regression (``reg_did_panel``). Without covariates all three give the
        same numbers.
    control_group : {"nevertreated", "notyettreated"}, default "nevertreated"
    base_period : {"varying", "universal"}, default "varying"
        ``did``'s ``base_period``; with ``"universal"`` every cell of a group
        (the first period's included) is compared with period
        ``g - 1 - anticipation``, whose own cell (zero by construction) is
        left out.
    anticipation : int, default 0
        Periods of anticipation (shifts the base period back).
    level : float, default 0.95
        Confidence level of the intervals.
    bootstrap : bool, default False
        Standard errors from the multiplier bootstrap (``did``'s ``bstrap =
        TRUE``, its default) instead of the analytical influence-function
        standard errors (``bstrap = FALSE``, hitex's default because it is
        exact and reproducible).
    n_boot : int, default 1000
        Bootstrap draws (``biters``).
    seed : int, optional
        Seed of the bootstrap draws; when ``None`` a seed is drawn and
        recorded in ``result.bootstrap.seed`` so the result can be reproduced.
    uniform_band : bool, default True
        With ``bootstrap=True``: simultaneous (uniform) confidence band over
        all cells and over the rows of every aggregation (``cband = TRUE``);
        ``False`` gives pointwise intervals.

    Returns
    -------
    ATTgtResult
        ``.estimates`` per cell; ``.aggregate(kind)`` for ``did::aggte``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, SpecificationError,
    EstimationError
        Group not constant within unit, no treated units, no never-treated
        (or not-yet-treated) controls for a cell, collinear covariates or a
        propensity score that cannot be estimated (separation).

    Warns
    -----
    DiDDataWarning
        Units treated in or before the first period, not observed in every
        period or with a missing covariate are dropped; comparison units
        with a propensity score of 0.995 or more are trimmed.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 1, 2, 2], "t": [1, 2, 1, 2], "g": [2, 2, 0, 0],
    ...                    "y": [1.0, 4.0, 1.0, 2.0]})
    >>> float(att_gt(df, "y", "id", "t", "g").estimates["estimate"].iloc[0])
    2.0
    """
    if control_group not in ("nevertreated", "notyettreated"):
        raise SpecificationError(f"control_group={control_group!r}: use 'nevertreated' or "
                                 "'notyettreated'.")
    if base_period not in ("varying", "universal"):
        raise SpecificationError(f"base_period={base_period!r}: use 'varying' or 'universal'.")
    if isinstance(anticipation, bool) or int(anticipation) != anticipation or anticipation < 0:
        raise SpecificationError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if est_method not in EST_METHODS:
        raise SpecificationError(f"est_method={est_method!r}: use 'dr' (doubly robust, did's "
                                 "default), 'ipw' or 'reg'.")
    z_value(level)
    if bootstrap and (isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 2):
        raise SpecificationError(f"n_boot={n_boot!r}: use an integer of at least 2 (did uses "
                                 "1000).")
    formula, names = _covariate_names(covariates)
    terms = list(names)
    if formula is not None:
        data, names, terms = _formula_columns(data, formula, (outcome, unit, time, group))
    wide, groups, notes, frame = _prepare(data, outcome, unit, time, group, names)
    cube = _design_cube(frame, unit, time, wide, names) if names else None
    terms = ["Intercept", *terms] if names else []
    periods = wide.columns.to_numpy()
    y = wide.to_numpy(dtype=float)
    n = len(groups)
    pos = {p: i for i, p in enumerate(periods)}
    never = groups == 0
    if control_group == "nevertreated" and not never.any():
        raise EstimationError(
            f"no never-treated units (group '{group}' = 0): the never-treated comparison group is "
            "empty. Use control_group='notyettreated' or drop the last treated cohort's periods.")
    rows: list[dict[str, Any]] = []
    psis: list[np.ndarray] = []
    trimmed_total = 0
    for gval in np.sort(np.unique(groups[groups > 0])):
        gi = pos[gval]
        treated = groups == gval
        # a universal base period also gives the cells of the first period (did's rule)
        for ti in range(0 if base_period == "universal" else 1, len(periods)):
            tval = periods[ti]
            is_post = ti >= gi - anticipation
            bi = gi - 1 - anticipation if (is_post or base_period == "universal") else ti - 1
            if bi < 0 or bi == ti:
                continue
            bval = periods[bi]
            if control_group == "nevertreated":
                ctrl = never
            else:
                ctrl = never | ((groups > periods[max(ti, bi)] + anticipation) & ~treated)
            if not ctrl.any():
                raise EstimationError(
                    f"no not-yet-treated or never-treated units to compare with group {gval} in "
                    f"period {tval}: every other unit is treated by then. Drop the late periods "
                    "or add never-treated units.")
            dy = y[:, ti] - y[:, bi]
            n1, n0 = int(treated.sum()), int(ctrl.sum())
            psi = np.zeros(n)
            if cube is None:
                m1, m0 = dy[treated].mean(), dy[ctrl].mean()
                psi[treated] = n / n1 * (dy[treated] - m1)
                psi[ctrl] = -n / n0 * (dy[ctrl] - m0)
                estimate = m1 - m0
            else:
                sub = treated | ctrl
                where = f"group {gval}, period {tval}"
                estimate, inf, trimmed = _two_period(dy[sub], treated[sub], cube[sub, min(bi, ti)],
                                                     est_method, terms, where)
                trimmed_total += trimmed
                psi[sub] = n / int(sub.sum()) * inf
            psis.append(psi)
            rows.append({"group": gval, "time": tval, "base": bval, "n_treated": n1,
                         "n_control": n0, "estimate": estimate,
                         "std_error": math.sqrt(np.sum(psi**2)) / n, "post": tval >= gval})
    if not rows:
        raise EstimationError("no (group, time) cell could be estimated: check the periods.")
    if trimmed_total:
        msg = (f"{trimmed_total} comparison-unit observation(s) over all cells have a propensity "
               f"score of {_TRIM_LEVEL} or more and get weight zero (DRDID's trimming); check the "
               "overlap of the covariates.")
        warnings.warn(DiDDataWarning(msg), stacklevel=2)
        notes.append(msg)
    cells = pd.DataFrame(rows)
    influence = np.column_stack(psis)
    se = cells["std_error"].to_numpy()
    crit = z_value(level)
    band = "pointwise"
    boot: MultiplierBootstrap | None = None
    if bootstrap:
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31 - 1))
        boot = multiplier_bootstrap(influence, n_boot=n_boot, seed=seed, level=level)
        se = boot.std_errors
        if uniform_band:
            crit = band_critical(boot.critical_value, level)
            band = "uniform"
    table = _table(cells.index, cells["estimate"].to_numpy(), _tiny_to_nan(se), level, crit)
    out = pd.concat([cells[["group", "time", "base", "n_treated", "n_control"]], table,
                     cells[["post"]]], axis=1)
    for col in ("group", "time", "base"):
        if np.all(np.mod(out[col].to_numpy(dtype=float), 1) == 0):
            out[col] = out[col].astype(int)
    return ATTgtResult(estimates=out, control_group=control_group, base_period=base_period,
                       anticipation=int(anticipation), n_units=n, notes=tuple(notes), level=level,
                       _influence=influence, _unit_groups=groups, est_method=est_method,
                       covariates=tuple(terms), bootstrap=boot, band=band, critical_value=crit,
                       _periods=periods)


def __getattr__(name: str) -> Any:  # PSM-DiD lives in hitex.models.psm_did
    if name in ("psm_did", "PSMDiDResult"):
        from hitex.models import psm_did as module

        return getattr(module, name)
    raise AttributeError(f"module 'hitex.models.did' has no attribute {name!r}")
