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
over ``e >= 0``).

The panel must be balanced (units observed in every period are kept, as
``did`` does); covariates (``xformla``) are not supported yet.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import drop_missing_keys, plain_index
from hitex.models.did_sample import DiDDataWarning
from hitex.models.event import twfe_did

__all__ = ["ATTgtResult", "AggregatedATT", "DiDDataWarning", "att_gt", "twfe_did"]


def _z(level: float) -> float:
    from scipy import stats

    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1, got {level}")
    return float(stats.norm.ppf((1 + level) / 2))


def _table(index: pd.Index, est: np.ndarray, se: np.ndarray, level: float) -> pd.DataFrame:
    from scipy import stats

    q = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    return pd.DataFrame({"estimate": est, "std_error": se, "statistic": z,
                         "p_value": 2 * stats.norm.sf(np.abs(z)),
                         "conf_low": est - q * se, "conf_high": est + q * se}, index=index)


# -- input preparation ----------------------------------------------------------
def _prepare(data: pd.DataFrame, outcome: str, unit: str, time: str, group: str
             ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Check the input and return the wide outcome (units x periods), groups, notes."""
    data = plain_index(checks.require_dataframe(data))
    checks.require_columns(data, [outcome, unit, time, group], context="att_gt()")
    checks.require_numeric(data, [outcome, time, group])
    notes: list[str] = []
    frame, note = drop_missing_keys(data[[unit, time, group, outcome]], [unit, time],
                                    DiDDataWarning, stacklevel=4)
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
    return wide, groups, notes


# -- results ------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AggregatedATT:
    """An aggregation of ATT(g,t) (R ``did::aggte``).

    Attributes
    ----------
    kind : str
        ``"simple"``, ``"group"``, ``"calendar"`` or ``"dynamic"``.
    overall, overall_se : float
        Overall ATT and its analytical standard error.
    estimates : pandas.DataFrame
        One row per group / period / event time (empty for ``"simple"``):
        ``estimate, std_error, statistic, p_value, conf_low, conf_high``.
    """

    kind: str
    overall: float
    overall_se: float
    estimates: pd.DataFrame
    level: float = 0.95
    _influence: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 0)))
    n_units: int = 0

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the disaggregated estimates (from the influence functions)."""
        v = self._influence.T @ self._influence / self.n_units**2
        return pd.DataFrame(v, index=self.estimates.index, columns=self.estimates.index)

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
                 f"Overall ATT = {self.overall:.{digits}f} (SE {self.overall_se:.{digits}f})"]
        if len(self.estimates):
            lines.append(self.estimates.round(digits).to_string())
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

    @property
    def influence(self) -> np.ndarray:
        """Influence functions, units x cells (``psi``; ``V = psi'psi / n^2``)."""
        return self._influence.copy()

    def pretrend_test(self) -> Any:
        """Wald test that all pre-treatment ATT(g,t) are zero (``did``'s pre-test p-value)."""
        from hitex.models.event import wald_test

        pre = ~self.estimates["post"].to_numpy()
        psi = self._influence[:, pre]
        return wald_test(self.estimates["estimate"].to_numpy()[pre], psi.T @ psi / self.n_units**2)

    def aggregate(self, kind: str = "group", *, level: float | None = None) -> AggregatedATT:
        """Aggregate the ATT(g,t) as ``did::aggte(type=kind)``.

        Parameters
        ----------
        kind : {"simple", "group", "calendar", "dynamic"}
            See the module docstring for the weights.
        level : float, optional
            Confidence level of the pointwise intervals (default: the result's).
        """
        if kind not in ("simple", "group", "calendar", "dynamic"):
            raise SpecificationError(f"kind={kind!r}: use 'simple', 'group', 'calendar' or "
                                     "'dynamic'.")
        level = self.level if level is None else level
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

        def se(inf: np.ndarray) -> float:
            return float(math.sqrt(np.sum(inf**2)) / n)

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
            for x in np.sort(np.unique(key[cells])):
                keep = cells & (key == x)
                w = pg[keep] / pg[keep].sum()
                v, inf = combine(w, g[keep], pg[keep], True, att[keep], psi[:, keep])
                labels.append(x)
                values.append(v)
                infs.append(inf)
            lab = np.array(labels)
            use = lab >= 0 if kind == "dynamic" else np.ones(len(lab), bool)
            overall = float(np.mean(np.array(values)[use]))
            inf_o = np.column_stack(infs)[:, use].mean(axis=1)
        name = {"group": "group", "calendar": "time", "dynamic": "event_time"}.get(kind, "cell")
        index = pd.Index([int(x) if float(x).is_integer() else x for x in labels], name=name)
        if labels:
            stacked = np.column_stack(infs)
            table = _table(index, np.array(values), np.sqrt((stacked**2).sum(axis=0)) / n, level)
        else:
            stacked = np.empty((n, 0))
            table = _table(index, np.empty(0), np.empty(0), level)
        return AggregatedATT(kind=kind, overall=overall, overall_se=se(inf_o), estimates=table,
                             level=level, _influence=stacked, n_units=n)

    def summary(self, digits: int = 4) -> str:
        """Plain-text table in the layout of ``summary(att_gt(...))``."""
        cols = ["group", "time", "estimate", "std_error", "conf_low", "conf_high"]
        lines = [f"Group-time ATT (Callaway-Sant'Anna); control group: {self.control_group}; "
                 f"base period: {self.base_period}; anticipation: {self.anticipation}",
                 self.estimates[cols].round(digits).to_string(index=False),
                 f"Units: {self.n_units}. Standard errors: analytical (influence function)."]
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
    control_group: str = "nevertreated",
    base_period: str = "varying",
    anticipation: int = 0,
    level: float = 0.95,
) -> ATTgtResult:
    """Callaway-Sant'Anna group-time average treatment effects, no covariates.

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
    control_group : {"nevertreated", "notyettreated"}, default "nevertreated"
    base_period : {"varying", "universal"}, default "varying"
    anticipation : int, default 0
        Periods of anticipation (shifts the base period back).
    level : float, default 0.95
        Confidence level of the pointwise intervals.

    Returns
    -------
    ATTgtResult
        ``.estimates`` per cell; ``.aggregate(kind)`` for ``did::aggte``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, SpecificationError,
    EstimationError
        Group not constant within unit, no treated units, no never-treated
        (or not-yet-treated) controls for a cell.

    Warns
    -----
    DiDDataWarning
        Units treated in or before the first period, or not observed in every
        period, are dropped.

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
    if int(anticipation) != anticipation or anticipation < 0:
        raise SpecificationError(f"anticipation={anticipation!r} must be a non-negative integer.")
    wide, groups, notes = _prepare(data, outcome, unit, time, group)
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
    for gval in np.sort(np.unique(groups[groups > 0])):
        gi = pos[gval]
        treated = groups == gval
        for ti in range(1, len(periods)):
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
            m1, m0 = dy[treated].mean(), dy[ctrl].mean()
            psi = np.zeros(n)
            psi[treated] = n / n1 * (dy[treated] - m1)
            psi[ctrl] = -n / n0 * (dy[ctrl] - m0)
            psis.append(psi)
            rows.append({"group": gval, "time": tval, "base": bval, "n_treated": n1,
                         "n_control": n0, "estimate": m1 - m0,
                         "std_error": math.sqrt(np.sum(psi**2)) / n, "post": tval >= gval})
    if not rows:
        raise EstimationError("no (group, time) cell could be estimated: check the periods.")
    cells = pd.DataFrame(rows)
    table = _table(cells.index, cells["estimate"].to_numpy(), cells["std_error"].to_numpy(), level)
    out = pd.concat([cells[["group", "time", "base", "n_treated", "n_control"]], table,
                     cells[["post"]]], axis=1)
    for col in ("group", "time", "base"):
        if np.all(np.mod(out[col].to_numpy(dtype=float), 1) == 0):
            out[col] = out[col].astype(int)
    return ATTgtResult(estimates=out, control_group=control_group, base_period=base_period,
                       anticipation=int(anticipation), n_units=n, notes=tuple(notes), level=level,
                       _influence=np.column_stack(psis), _unit_groups=groups)


def __getattr__(name: str) -> Any:  # PSM-DiD lives in hitex.models.psm_did
    if name in ("psm_did", "PSMDiDResult"):
        from hitex.models import psm_did as module

        return getattr(module, name)
    raise AttributeError(f"module 'hitex.models.did' has no attribute {name!r}")
