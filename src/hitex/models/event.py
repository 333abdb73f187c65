"""Event studies: classic TWFE, Sun-Abraham interaction-weighted, plots and pre-trend tests.

Classic TWFE event study (:func:`event_study`)
    ``y_it = sum_{e != ref} beta_e 1{t - g_i = e} + x_it'gamma + a_i + l_t + u_it``
    with relative-time dummies for ever-treated units only (never-treated
    units have all dummies zero) and the period before treatment (``ref=-1``)
    omitted: fixest's ``feols(y ~ x1 + i(time_to_treatment, treated,
    ref = c(-1, -1000)) | id + year)`` and Stata's ``reghdfe y F*_ L*_ x1,
    absorb(id year)``. With staggered adoption and heterogeneous effects the
    ``beta_e`` mix effects of other periods and cohorts (Sun and Abraham 2021).

Sun and Abraham (2021) (:func:`sun_abraham`)
    The saturated regression on cohort x relative-time dummies
    ``1{g_i = c} 1{t - c = e}`` for every treated cohort ``c`` and every
    ``e != -1``, never-treated units as the control cohort, unit and period
    fixed effects, then the interaction-weighted average per relative period

    .. math::

        \\hat\\beta_e^{IW} = \\sum_c \\hat\\delta_{c,e}\\, \\frac{N_{c,e}}{\\sum_{c'} N_{c',e}},

    with ``N_{c,e}`` the observations in cell (c, e); the overall ATT averages
    all post-treatment cells (``e >= 0``) with weights ``N_{c,e}``. Standard
    errors by the delta method, ``V(W delta) = W V W'``, clustered by unit with
    fixest's small-sample adjustment. This is fixest's ``sunab(cohort,
    period)`` with its ``summary(., agg = "att")``.

Two-way fixed-effects DiD (:func:`twfe_did`)
    ``y_it = b D_it + x_it'g + a_i + l_t + u_it`` with a 0/1 treatment
    ``D_it``: the static counterpart of the TWFE event study (also exported
    by :mod:`hitex.models.did`).

Pre-trend test (:func:`wald_test`)
    ``W = b' V^{-1} b`` on the pre-treatment coefficients, chi-squared with
    ``df = len(b)`` (and ``F = W / df``), as ``did``'s pre-test and fixest's
    ``wald()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import plain_index, relabel_sample
from hitex.models.did_sample import treatment_with_arms
from hitex.models.results import RegressionResult

__all__ = ["EventStudyResult", "WaldTest", "event_study", "plot_event_study", "sun_abraham",
           "twfe_did", "wald_test"]


@dataclass(frozen=True)
class WaldTest:
    """Joint Wald test that coefficients are zero.

    Attributes
    ----------
    statistic : float
        ``W = b' V^{-1} b`` (chi-squared form).
    df : int
        Number of restrictions.
    p_value : float
        ``P(chi2(df) > W)``.
    f_statistic : float
        ``W / df``.
    """

    statistic: float
    df: int
    p_value: float
    f_statistic: float


def wald_test(estimates: Sequence[float] | np.ndarray, vcov: np.ndarray) -> WaldTest:
    """Wald test of ``b = 0`` given ``b`` and its covariance ``V`` (pseudo-inverse if singular)."""
    from scipy import stats

    b = np.asarray(estimates, dtype=float)
    v = np.asarray(vcov, dtype=float)
    if b.size == 0:
        raise EstimationError("no pre-treatment coefficients to test: the panel has no period "
                              "before treatment other than the reference period.")
    w = float(b @ np.linalg.pinv(v) @ b)
    q = int(b.size)
    return WaldTest(statistic=w, df=q, p_value=float(stats.chi2.sf(w, q)), f_statistic=w / q)


@dataclass(frozen=True, eq=False)
class EventStudyResult:
    """An event study: one coefficient per period relative to treatment.

    Attributes
    ----------
    method : str
        ``"twfe"`` or ``"sun_abraham"``.
    estimates : pandas.DataFrame
        Indexed by relative period (the reference period included with 0):
        ``estimate, std_error, statistic, p_value, conf_low, conf_high``.
    regression : RegressionResult
        The underlying fixed-effects regression (for Sun-Abraham the
        cohort x period coefficients).
    att, att_se : float or None
        Sun-Abraham overall ATT and SE (``None`` for TWFE).
    ref : int
        Reference period.
    """

    method: str
    estimates: pd.DataFrame
    regression: RegressionResult
    ref: int
    att: float | None = None
    att_se: float | None = None
    _vcov: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance of the relative-period estimates (reference period excluded)."""
        return self._vcov.copy()

    def _att_df(self) -> float:
        df = self.regression.df_resid
        return float(df) if df is not None and np.isfinite(df) and df > 0 else float("inf")

    @property
    def att_statistic(self) -> float | None:
        """t statistic of the overall ATT (Sun-Abraham only), ``att / att_se``."""
        if self.att is None or self.att_se is None or not self.att_se > 0:
            return None
        return float(self.att / self.att_se)

    @property
    def att_p_value(self) -> float | None:
        """Two-sided p-value of the overall ATT from the t distribution with the
        regression's residual degrees of freedom (``G - 1`` when clustered), as fixest's
        ``summary(., agg = "att")`` prints it; ``None`` for a TWFE event study."""
        from scipy import stats

        t = self.att_statistic
        if t is None:
            return None
        return float(2 * stats.t.sf(abs(t), self._att_df()))

    def att_conf_int(self, level: float = 0.95) -> tuple[float, float] | None:
        """Confidence interval of the overall ATT (t quantile as :attr:`att_p_value`)."""
        from scipy import stats

        if self.att is None or self.att_se is None:
            return None
        if not 0 < level < 1:
            raise SpecificationError(f"level must be between 0 and 1, got {level}")
        q = float(stats.t.ppf((1 + level) / 2, self._att_df()))
        return (self.att - q * self.att_se, self.att + q * self.att_se)

    def event_table(self, level: float = 0.95) -> pd.DataFrame:
        """Relative periods with estimates and ``level`` confidence intervals, for plots."""
        from scipy import stats

        out = self.estimates.copy()
        df = self.regression.df_resid
        q = stats.t.ppf((1 + level) / 2, df) if np.isfinite(df) and df > 0 else stats.norm.ppf(
            (1 + level) / 2)
        out["conf_low"] = out["estimate"] - q * out["std_error"]
        out["conf_high"] = out["estimate"] + q * out["std_error"]
        out.insert(0, "rel_time", out.index.to_numpy())
        return out.reset_index(drop=True)

    def pretrend_test(self) -> WaldTest:
        """Joint Wald test that every pre-period coefficient (other than ``ref``) is zero."""
        pre = [e for e in self._vcov.index if e < 0 and e != self.ref]
        return wald_test(self.estimates.loc[pre, "estimate"].to_numpy(),
                         self._vcov.loc[pre, pre].to_numpy())

    def summary(self, digits: int = 4) -> str:
        """Plain-text table of the relative-period estimates."""
        lines = [f"Event study ({self.method}); reference period {self.ref}",
                 self.estimates.round(digits).to_string()]
        if self.att is not None:
            lines.append(f"ATT = {self.att:.{digits}f} (SE {self.att_se:.{digits}f}, "
                         f"p = {self.att_p_value:.{digits}g})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _cohorts(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
             covariates: Sequence[str]) -> tuple[pd.DataFrame, pd.Index, np.ndarray]:
    """Return the panel on positions 0..n-1 with ``_cohort`` and ``_rel``, its row labels,
    and which rows can enter the regression (no missing or infinite value)."""
    data = plain_index(checks.require_dataframe(data))
    checks.require_columns(data, [outcome, unit, time, cohort, *covariates], context="event study")
    checks.require_numeric(data, [outcome, time, cohort, *covariates])
    varying = data.groupby(unit, sort=False)[cohort].nunique(dropna=False)
    if (varying > 1).any():
        raise SpecificationError(
            f"cohort column '{cohort}' is not constant within unit '{unit}' (e.g. units "
            f"{varying[varying > 1].index[:3].tolist()}); it must hold each unit's first treated "
            "period on every row.")
    last = float(data[time].max())
    first = float(data[time].min())
    g = data[cohort].astype(float)
    never = g.isna() | (g <= 0) | (g > last)
    early = ~never & (g <= first)
    if early.all() or (~never).sum() == 0:
        raise EstimationError(f"no treated units with a pre-treatment period in '{cohort}'.")
    if not never.any():
        raise EstimationError(f"no never-treated units in '{cohort}' (0, missing or after the last "
                              "period): the event study needs a never-treated control cohort.")
    work = data.reset_index(drop=True)
    work["_cohort"] = np.where(never, np.nan, g)
    work["_rel"] = work[time].astype(float) - work["_cohort"]
    usable = work[unit].notna().to_numpy().copy()
    for col in dict.fromkeys([outcome, time, *covariates]):
        usable &= np.isfinite(work[col].to_numpy(dtype="float64", na_value=np.nan))
    return work, data.index, usable
def _name(prefix: str, e: float, c: float | None = None) -> str:
    tag = f"m{int(-e)}" if e < 0 else f"p{int(e)}"
    return f"{prefix}_{tag}" if c is None else f"{prefix}_c{int(c)}_{tag}"


def _fit(work: pd.DataFrame, outcome: str, dummies: list[str], covariates: Sequence[str],
         unit: str, time: str, vcov: Any) -> RegressionResult:
    from hitex.models.panel import panel

    rhs = " + ".join([*covariates, *dummies])
    return panel(f"{outcome} ~ {rhs} | {unit} + {time}", work,
                 vcov={"CRV1": unit} if vcov is None else vcov)


def event_study(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, *,
                covariates: Sequence[str] = (), ref: int = -1, vcov: Any = None
                ) -> EventStudyResult:
    """Classic TWFE event study with relative-time dummies (reference period ``ref``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel.
    outcome, unit, time : str
    cohort : str
        First treated period (0, missing or after the last period = never treated).
    covariates : sequence of str
        Time-varying controls.
    ref : int, default -1
        Omitted relative period.
    vcov : optional
        As :func:`hitex.panel`; default clustered by unit.

    Returns
    -------
    EventStudyResult
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    work, labels, usable = _cohorts(data, outcome, unit, time, cohort, covariates)
    rels = np.sort(work.loc[usable, "_rel"].dropna().unique())
    dummies = []
    for e in rels:
        if e == ref:
            continue
        name = _name("rel", e)
        work[name] = (work["_rel"] == e).astype(float)
        dummies.append(name)
    reg = _fit(work, outcome, dummies, covariates, unit, time, vcov)
    kept = [(e, _name("rel", e)) for e in rels if e != ref and _name("rel", e) in reg.terms]
    est = reg.tidy().loc[[n for _, n in kept]]
    est.index = pd.Index([int(e) for e, _ in kept], name="rel_time")
    vc = reg.vcov.loc[[n for _, n in kept], [n for _, n in kept]]
    vc.index = vc.columns = est.index
    return EventStudyResult("twfe", _with_ref(est, ref), relabel_sample(reg, labels), int(ref),
                            _vcov=vc)


def _with_ref(est: pd.DataFrame, ref: int) -> pd.DataFrame:
    row = pd.DataFrame({c: [0.0 if c in ("estimate", "std_error", "conf_low", "conf_high")
                            else np.nan] for c in est.columns}, index=pd.Index([ref]))
    out = pd.concat([est, row]).sort_index()
    out.index.name = "rel_time"
    return out


def sun_abraham(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, *,
                covariates: Sequence[str] = (), ref: int = -1, vcov: Any = None
                ) -> EventStudyResult:
    """Sun-Abraham interaction-weighted event study (fixest ``sunab``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel.
    outcome, unit, time : str
    cohort : str
        First treated period; never treated: 0, missing, or any value after the
        last period (fixest's ``base_stagg`` uses 10000).
    covariates : sequence of str
        Controls (``x1`` in fixest's example).
    ref : int, default -1
        Omitted relative period of every cohort (``ref.p``).
    vcov : optional
        As :func:`hitex.panel`; default clustered by unit (fixest's default
        with a unit fixed effect).

    Returns
    -------
    EventStudyResult
        ``estimates`` by relative period (interaction-weighted), ``att``,
        ``regression`` with the cohort x period coefficients.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    work, labels, usable = _cohorts(data, outcome, unit, time, cohort, covariates)
    cell_of = work["_cohort"].notna().to_numpy() & (work["_rel"] != ref).to_numpy()
    cells = work.loc[cell_of & usable, ["_cohort", "_rel"]].drop_duplicates().sort_values(
        ["_cohort", "_rel"]).reset_index(drop=True)
    dummies = []
    for c, e in zip(cells["_cohort"], cells["_rel"], strict=True):
        name = _name("sa", e, c)
        work[name] = ((work["_cohort"] == c) & (work["_rel"] == e)).astype(float)
        dummies.append(name)
    cells["term"] = dummies
    reg = _fit(work, outcome, dummies, covariates, unit, time, vcov)
    # cell sizes N_{c,e} count the observations of the estimation sample only (rows with a
    # missing outcome or covariate, and singletons, are not in it), as fixest's weights do
    used = work.iloc[np.asarray(reg.sample_index, dtype=np.intp)]
    sizes = used.loc[used["_cohort"].notna()].groupby(["_cohort", "_rel"]).size()
    cells["n"] = sizes.reindex(pd.MultiIndex.from_frame(cells[["_cohort", "_rel"]])).fillna(0) \
        .to_numpy()
    cells = cells.loc[cells["term"].isin(reg.terms) & (cells["n"] > 0)].reset_index(drop=True)
    delta = reg.params.loc[cells["term"]].to_numpy()
    v = reg.vcov.loc[cells["term"], cells["term"]].to_numpy()
    rels = np.sort(cells["_rel"].unique())
    w = np.zeros((len(rels), len(cells)))
    for i, e in enumerate(rels):
        m = (cells["_rel"] == e).to_numpy()
        w[i, m] = cells.loc[m, "n"].to_numpy() / cells.loc[m, "n"].sum()
    post = (cells["_rel"] >= 0).to_numpy()
    w_att = np.where(post, cells["n"].to_numpy(), 0.0) / cells.loc[post, "n"].sum()
    b = w @ delta
    vb = w @ v @ w.T
    index = pd.Index([int(e) for e in rels], name="rel_time")
    est = _tidy(b, np.sqrt(np.diag(vb)), reg.df_resid, index)
    att = float(w_att @ delta)
    att_se = float(np.sqrt(w_att @ v @ w_att))
    vc = pd.DataFrame(vb, index=index, columns=index)
    return EventStudyResult("sun_abraham", _with_ref(est, ref), relabel_sample(reg, labels),
                            int(ref), att=att,
                            att_se=att_se, _vcov=vc)


# -- TWFE DiD -----------------------------------------------------------------------
def _absorbed(data: pd.DataFrame, outcome: str, treatment: str, unit: str, time: str,
              covariates: Sequence[str], after_fit: bool) -> str | None:
    """Why the unit and period fixed effects absorb the treatment (None if not evidently)."""
    d = data.loc[data[[outcome, treatment, unit, time, *covariates]].notna().all(axis=1).to_numpy()]
    if not (d.groupby(unit, sort=False)[treatment].nunique() > 1).any():
        why = (f"it is constant within every unit of '{unit}' (units are treated in every period "
               f"or in none), so the '{unit}' fixed effects absorb it")
    elif not (d.groupby(time, sort=False)[treatment].nunique() > 1).any():
        why = (f"it is the same for every unit within each period of '{time}' (all units switch "
               f"at once), so the '{time}' fixed effects absorb it")
    elif after_fit:
        why = (f"it is a combination of the '{unit}' and '{time}' fixed effects"
               + (" and the controls" if covariates else ""))
    else:
        return None
    return why


def _absorbed_error(treatment: str, why: str) -> EstimationError:
    return EstimationError(
        f"treatment '{treatment}' is absorbed by the fixed effects: {why}. The DiD coefficient "
        "is not identified: the treatment must switch from 0 to 1 within units, for some units "
        "only or at different times. Check the treatment coding (D = treated unit x post period).")


def twfe_did(data: pd.DataFrame, outcome: str, treatment: str, unit: str, time: str, *,
             covariates: Sequence[str] = (), weights: str | None = None, vcov: Any = None,
             sample: str | None = None) -> RegressionResult:
    """Two-way fixed-effects DiD ``y_it = b D_it + x_it'g + a_i + l_t + u_it``.

    ``D_it`` (``treatment``) is 0/1: treated unit in a treated period
    (``Treat_i x Post_t``); numbers, booleans, text ``"0"``/``"1"`` and
    categoricals of those are accepted (see
    :func:`hitex.models.balance.binary_treatment`). Estimated by
    :func:`hitex.panel` (Stata ``reghdfe y D x, absorb(unit time) vce(cluster
    unit)``; fixest ``feols(y ~ D + x | unit + time)``), clustered by unit
    unless ``vcov`` says otherwise. With a 2x2 design ``b`` equals the
    difference of the treated and control mean changes; with staggered
    adoption and heterogeneous effects it is a weighted average that can put
    negative weight on some effects (see :func:`hitex.att_gt`).

    Raises
    ------
    SpecificationError
        The treatment is not 0/1.
    EstimationError
        No treated or no untreated observations, or a treatment absorbed by
        the fixed effects (e.g. units treated in every period): its
        coefficient is not identified.
    """
    from hitex.models.panel import panel

    data = plain_index(checks.require_dataframe(data))
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    checks.require_columns(data, [outcome, treatment, unit, time, *covariates],
                           context="twfe_did()")
    work = data.reset_index(drop=True)
    work[treatment] = treatment_with_arms(data, treatment).to_numpy()
    why = _absorbed(work, outcome, treatment, unit, time, covariates, after_fit=False)
    if why is not None:
        raise _absorbed_error(treatment, why)
    rhs = " + ".join([treatment, *covariates])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = panel(f"{outcome} ~ {rhs} | {unit} + {time}", work,
                    vcov={"CRV1": unit} if vcov is None else vcov, weights=weights, sample=sample)
    if treatment not in reg.params.index:
        used = work.iloc[np.asarray(reg.sample_index, dtype=np.intp)]
        why = _absorbed(used, outcome, treatment, unit, time, covariates, after_fit=True)
        raise _absorbed_error(treatment, str(why))
    for w in caught:
        warnings.warn(w.message, stacklevel=2)
    return relabel_sample(reg, data.index)


def _tidy(b: np.ndarray, se: np.ndarray, df: float, index: pd.Index) -> pd.DataFrame:
    from scipy import stats

    t = b / se
    q = stats.t.ppf(0.975, df)
    return pd.DataFrame({"estimate": b, "std_error": se, "statistic": t,
                         "p_value": 2 * stats.t.sf(np.abs(t), df),
                         "conf_low": b - q * se, "conf_high": b + q * se}, index=index)


def plot_event_study(result: Any, ax: Any = None, *, level: float = 0.95,
                     title: str | None = None, ylabel: str | None = None) -> Any:
    """Plot event-study coefficients with confidence intervals.

    ``ylabel`` names the axis of the estimates (e.g. "Effect on ln exports"; default
    "Estimate").

    Works for :class:`EventStudyResult` and for ``att_gt(...).aggregate("dynamic")``.
    Pre-treatment coefficients are drawn in one colour, post-treatment ones in
    another, with a dashed line at zero and a vertical line before period 0;
    the joint pre-trend Wald p-value is shown in the legend title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib

    if ax is None:
        matplotlib.use(matplotlib.get_backend())
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    if not hasattr(result, "event_table"):
        raise SpecificationError("plot_event_study() needs an event study result or "
                                 "att_gt(...).aggregate('dynamic').")
    tab = result.event_table(level=level)
    pre = tab["rel_time"] < 0
    for mask, colour, label in ((pre, "tab:red", "pre-treatment"),
                                (~pre, "tab:blue", "post-treatment")):
        sub = tab.loc[mask]
        ax.errorbar(sub["rel_time"], sub["estimate"],
                    yerr=[sub["estimate"] - sub["conf_low"], sub["conf_high"] - sub["estimate"]],
                    fmt="o", color=colour, capsize=3, label=label)
    ax.axhline(0, color="grey", linestyle="--", linewidth=1)
    ax.axvline(-0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("Periods relative to treatment")
    ax.set_ylabel(ylabel or "Estimate")
    legend_title = None
    try:
        test = result.pretrend_test()
        legend_title = f"pre-trend Wald p = {test.p_value:.3f} (df = {test.df})"
    except EstimationError:
        pass
    ax.legend(title=legend_title, frameon=False)
    if title:
        ax.set_title(title)
    return ax
