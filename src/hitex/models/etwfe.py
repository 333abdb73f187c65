"""Wooldridge's extended two-way fixed effects (ETWFE) and its marginal effects (R ``etwfe``).

Wooldridge (2021) estimates a staggered-adoption DiD by one pooled OLS
regression saturated in cohort x period treatment cells. :func:`etwfe`
builds the regression of R ``etwfe`` (McDermott) with its defaults
(``fe = "feo"``, Gaussian family) and fits it with pyfixest:

.. math::

    y_{it} = \\sum_{(g,s)} \\tau_{gs} D^{gs}_{it}
        + \\sum_{(g,s)} D^{gs}_{it} \\dot x_i' \\delta_{gs}
        + x_{it}'\\beta + \\sum_{g} 1\\{G_i = g\\} x_{it}'\\beta_g
        + \\sum_{s \\neq s_0} 1\\{t = s\\} x_{it}'\\gamma_s
        + \\alpha_{G_i} + \\lambda_t + u_{it},

where ``D^{gs} = 1{G_i = g, t = s} .Dtreat_it`` and ``x`` are the controls,
``\\dot x`` the controls demeaned within cohort (over all rows), ``s_0`` the
first period, ``alpha`` cohort and ``lambda`` period fixed effects. The
comparison group (``control_group``):

* ``"notyet"`` (``etwfe``'s default): ``.Dtreat = 1{t >= G_i}`` for the
  treated cohorts, so the cells are the post-treatment ones and not-yet-treated
  and never-treated rows are the comparison;
* ``"never"``: ``.Dtreat = 1{t != G_i - 1}``: every period of a treated
  cohort but the one before treatment has its own cell (pre-treatment cells
  give the event-study leads); only never-treated rows are the comparison.

The never-treated cohort (``gref``) is the group value after the last period or
before the first (``0`` in R ``did``'s coding); without one, ``"notyet"`` uses
the last treated cohort as comparison and drops its treated periods, as
``etwfe`` does. Standard errors follow fixest: clustered (by default on the
cohort, fixest's first fixed effect; pass ``vcov={"CRV1": "unit"}`` as
``etwfe``'s examples do) with ``G/(G-1) (N-1)/(N-K)``, ``K`` excluding fixed
effects nested in the clusters.

:func:`emfx` (R ``etwfe::emfx``) averages the effect of switching ``.Dtreat``
from FALSE to TRUE over the treated rows, ``tau_gs + delta_gs' xdot_i``, overall
(``"simple"``), by cohort (``"group"``), by period (``"calendar"``) or by event
time ``t - G`` (``"event"``); its standard error is the delta method
``sqrt(w' V w)`` with the regression's covariance ``V`` (``marginaleffects``)
and its p-value and interval are normal, as ``emfx`` prints them. Linear
(Gaussian) models only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import plain_index
from hitex.models.results import RegressionResult

__all__ = ["ETWFEResult", "MarginalEffects", "emfx", "etwfe"]

_EMFX_TYPES = ("simple", "group", "calendar", "event")


@dataclass(frozen=True, eq=False)
class ETWFEResult:
    """An extended TWFE regression (R ``etwfe``).

    Attributes
    ----------
    regression : RegressionResult
        The pooled OLS with cohort and period fixed effects; treatment cells are
        named ``"tr_g{cohort}_t{period}"`` and their interactions with a control
        ``"tr_g{cohort}_t{period}_x_{control}"``.
    cells : pandas.DataFrame
        One row per estimated treatment cell: ``cohort, period, term,
        estimate, std_error``.
    control_group : str
        ``"notyet"`` or ``"never"``.
    covariates : tuple of str
        The controls.
    gref, tref : float
        Never-treated (reference) cohort value and reference (first) period.
    """

    regression: RegressionResult
    cells: pd.DataFrame
    control_group: str
    covariates: tuple[str, ...]
    gref: float
    tref: float
    group: str
    time: str
    _rows: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def params(self) -> pd.Series:
        """All coefficients of the regression."""
        return self.regression.params

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of the regression's coefficients."""
        return self.regression.std_errors

    @property
    def pvalues(self) -> pd.Series:
        """p-values of the regression's coefficients (t distribution, as fixest)."""
        return self.regression.pvalues

    @property
    def nobs(self) -> int:
        """Observations in the regression."""
        return int(self.regression.nobs)

    def tidy(self) -> pd.DataFrame:
        """The regression's coefficient table (``estimate, std_error, statistic, p_value,
        conf_low, conf_high``)."""
        return self.regression.tidy()

    def emfx(self, type: str = "simple", **kwargs: Any) -> MarginalEffects:  # noqa: A002
        """Marginal effects of the treatment; see :func:`emfx`."""
        return emfx(self, type, **kwargs)

    def summary(self, digits: int = 4) -> str:
        """The treatment cells as a plain-text table."""
        what = "not-yet-treated" if self.control_group == "notyet" else "never-treated"
        covs = ", ".join(self.covariates) if self.covariates else "none"
        return "\n".join([
            f"Extended TWFE (Wooldridge; R etwfe); comparison: {what}; controls: {covs}",
            self.cells.round(digits).to_string(index=False),
            f"Observations: {self.regression.nobs}. Standard errors: "
            f"{self.regression.spec.vcov_label}."])

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, eq=False)
class MarginalEffects:
    """Average treatment effects of an ETWFE regression (R ``etwfe::emfx``).

    Attributes
    ----------
    type : str
        ``"simple"``, ``"group"``, ``"calendar"`` or ``"event"``.
    estimates : pandas.DataFrame
        Indexed by ``"ATT"`` (simple), cohort, period or event time:
        ``estimate, std_error, statistic, p_value, conf_low, conf_high, n``
        (``n`` treated rows averaged). Rows whose effect is zero by
        construction (no treatment cell) have a missing standard error, as in
        ``emfx``.
    vcov : pandas.DataFrame
        Delta-method covariance of the estimates.
    level : float
    """

    type: str
    estimates: pd.DataFrame
    vcov: pd.DataFrame
    level: float = 0.95

    def tidy(self) -> pd.DataFrame:
        """The estimates without the row counts."""
        return self.estimates.drop(columns="n")

    def summary(self, digits: int = 4) -> str:
        """Plain-text table in the layout of ``emfx``'s print."""
        return f"Marginal effects ({self.type}) of .Dtreat (TRUE - FALSE)\n" + \
            self.estimates.round(digits).to_string()

    def __str__(self) -> str:
        return self.summary()


def _safe_vcov(vcov: Any, data: pd.DataFrame, names: dict[str, str], group_col: str) -> Any:
    """Translate a vcov naming user columns into the internal column names."""
    if vcov is None:
        return {"CRV1": group_col}
    if isinstance(vcov, str):
        return vcov
    if isinstance(vcov, Mapping):
        out = {}
        for kind, cols in vcov.items():
            parts = [c.strip() for c in str(cols).split("+")]
            missing = [c for c in parts if c not in data.columns]
            if missing:
                raise SpecificationError(f"vcov cluster column(s) {missing} not in the data; name "
                                         "columns of the data, e.g. vcov={'CRV1': 'countyreal'}.")
            safe = []
            for c in parts:
                plain = c.isidentifier() and not c.startswith("etwfe_")
                names.setdefault(c, c if plain else f"etwfe_cl{len(names)}")
                safe.append(names[c])
            out[kind] = "+".join(safe)
        return out
    raise SpecificationError(f"vcov={vcov!r}: use 'iid', 'hetero' or {{'CRV1': 'column'}}.")


def _reference_cohort(groups: np.ndarray, periods: np.ndarray, control_group: str,
                      gref: float | None, group: str) -> tuple[float, bool]:
    ug = np.unique(groups)
    if gref is None:
        cand = ug[ug > periods.max()]
        if cand.size == 0:
            cand = ug[ug < periods.min()]
        if cand.size == 0 and control_group == "notyet":
            cand = ug[-1:]
        if cand.size == 0:
            raise EstimationError(
                f"no never-treated cohort in '{group}' (a value before the first or after the last "
                "period, e.g. 0): the 'never' comparison group is empty. Use "
                "control_group='notyet' or give gref.")
        ref = float(cand.min())
    else:
        if gref not in ug:
            raise SpecificationError(f"gref={gref!r} is not a value of '{group}'.")
        ref = float(gref)
    return ref, ref < periods.min()


def etwfe(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    group: str,
    *,
    covariates: Sequence[str] = (),
    control_group: str = "notyet",
    vcov: str | Mapping[str, str] | None = None,
    gref: float | None = None,
) -> ETWFEResult:
    """Wooldridge's extended TWFE regression as R ``etwfe`` builds it (``fe = "feo"``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel (or repeated cross sections), one row per observation.
    outcome : str
        Outcome (``etwfe``'s left-hand side).
    time, group : str
        Period (``tvar``) and first-treated period (``gvar``) columns; the
        never treated carry a value before the first or after the last period
        (``0`` in R ``did``'s coding).
    covariates : sequence of str
        Controls (``etwfe``'s right-hand side), demeaned within cohort and
        interacted with every treatment cell.
    control_group : {"notyet", "never"}, default "notyet"
        ``etwfe``'s ``cgroup``.
    vcov : str or dict, optional
        ``"iid"``, ``"hetero"`` or ``{"CRV1": "unit"}``; default clustered by
        the cohort (fixest's default: its first fixed effect). ``etwfe``'s
        examples use ``vcov = ~countyreal``.
    gref : float, optional
        Never-treated cohort value (``etwfe``'s ``gref``); found as ``etwfe``
        does when omitted.

    Returns
    -------
    ETWFEResult
        ``.cells`` for the cohort x period effects, :func:`emfx` for averages.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError
        Missing or non-numeric columns, a missing cohort value, an unknown
        option, no comparison cohort or no treated cell.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "t": [1, 2] * 3,
    ...                    "g": [2, 2, 0, 0, 0, 0], "y": [1.0, 4.0, 1.0, 2.0, 2.0, 3.0]})
    >>> round(float(etwfe(df, "y", "t", "g", vcov="iid").cells["estimate"].iloc[0]), 6)
    2.0
    """
    from hitex.models.panel import panel

    if control_group not in ("notyet", "never"):
        raise SpecificationError(f"control_group={control_group!r}: use 'notyet' (etwfe's "
                                 "default) or 'never'.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    data = plain_index(checks.require_dataframe(data))
    checks.require_columns(data, [outcome, time, group, *covariates], context="etwfe()")
    checks.require_numeric(data, [outcome, time, group, *covariates])
    if data[group].isna().any():
        raise SpecificationError(
            f"group column '{group}' has missing values; code the never treated with a value "
            "before the first period (e.g. 0), as R etwfe and did expect.")
    work = data.reset_index(drop=True)
    g = work[group].to_numpy(dtype=float)
    t = work[time].to_numpy(dtype=float)
    periods = np.unique(t[np.isfinite(t)])
    ref, ref_before = _reference_cohort(np.unique(g), periods, control_group, gref, group)
    tref = float(periods.min())
    if control_group == "notyet":
        dtreat = ((t >= g) & (g != ref)).astype(float)
        if not ref_before:  # a last-treated comparison cohort: its treated periods leave
            dtreat[~(t < ref)] = np.nan
    else:
        dtreat = (t != g - 1).astype(float)
    names: dict[str, str] = {}
    frame = pd.DataFrame({"etwfe_y": work[outcome].to_numpy(dtype=float), "etwfe_g": g,
                          "etwfe_t": t})
    cohorts = np.sort(np.unique(g[g != ref]))
    cells: list[tuple[float, float, str]] = []
    cols: dict[str, np.ndarray] = {}
    for c in cohorts:
        for p in periods:
            if control_group == "notyet" and p == tref:
                continue
            d = np.where((g == c) & (t == p), dtreat, 0.0)
            if not np.nansum(np.abs(d)) > 0:
                continue
            term = f"tr_g{_num(c)}_t{_num(p)}"
            cols[term] = d
            cells.append((c, p, term))
    if not cells:
        raise EstimationError(f"no treated cohort x period cell: every unit of '{group}' is in "
                              "the comparison cohort or treated only after the last period.")
    xdm: dict[str, np.ndarray] = {}
    ctrl_terms: list[str] = []
    for k, x in enumerate(covariates):
        xv = work[x].to_numpy(dtype=float)
        xd = xv - pd.Series(xv).groupby(g).transform("mean").to_numpy()
        xdm[x] = xd
        base = x if x.isidentifier() and not x.startswith("etwfe_") else f"etwfe_x{k}"
        cols[base] = xv
        ctrl_terms.append(base)
        for c in np.unique(g):
            if c == ref:
                continue
            name = f"{base}_g{_num(c)}"
            cols[name] = xv * (g == c)
            ctrl_terms.append(name)
        for p in periods:
            if p == tref:
                continue
            name = f"{base}_t{_num(p)}"
            cols[name] = xv * (t == p)
            ctrl_terms.append(name)
    inter: list[str] = []
    for _, _, term in cells:
        for k, x in enumerate(covariates):
            name = f"{term}_x_{k}"
            cols[name] = cols[term] * xdm[x]
            inter.append(name)
    frame = pd.concat([frame, pd.DataFrame(cols)], axis=1)
    # rows whose .Dtreat is missing (treated periods of a last-cohort comparison) leave the sample
    keep = np.isfinite(dtreat)
    cl = _safe_vcov(vcov, work, names, "etwfe_g")
    for col, safe in names.items():
        if safe not in frame.columns:
            frame[safe] = work[col].to_numpy()
    terms = [term for _, _, term in cells] + inter + ctrl_terms
    rhs = " + ".join(terms)
    reg = panel(f"etwfe_y ~ {rhs} | etwfe_g + etwfe_t", frame.loc[keep].reset_index(drop=True),
                vcov=cl, panel_id=None, drop_singletons=False)
    tidy = reg.tidy()
    rows = [(c, p, term) for c, p, term in cells if term in reg.params.index]
    table = pd.DataFrame({"cohort": [_num(c) for c, _, _ in rows],
                          "period": [_num(p) for _, p, _ in rows],
                          "term": [term for _, _, term in rows],
                          "estimate": [float(tidy.loc[term, "estimate"]) for _, _, term in rows],
                          "std_error": [float(tidy.loc[term, "std_error"]) for _, _, term in rows]})
    treated_rows = pd.DataFrame({"g": g, "t": t, "dtreat": dtreat})
    for k, x in enumerate(covariates):
        treated_rows[f"xdm{k}"] = xdm[x]
    return ETWFEResult(regression=reg, cells=table, control_group=control_group,
                       covariates=tuple(covariates), gref=ref, tref=tref, group=group, time=time,
                       _rows=treated_rows)


def _num(v: float) -> Any:
    return int(v) if float(v).is_integer() else v


def emfx(result: ETWFEResult, type: str = "simple", *, post_only: bool = True,  # noqa: A002
         window: int | Sequence[int] | None = None, level: float = 0.95) -> MarginalEffects:
    """Average treatment effects of an :func:`etwfe` regression (R ``etwfe::emfx``).

    Parameters
    ----------
    result : ETWFEResult
    type : {"simple", "group", "calendar", "event"}, default "simple"
        Overall ATT, by cohort, by period or by event time ``t - G``.
    post_only : bool, default True
        With ``control_group="notyet"`` and ``type="event"``, ``False`` adds the
        pre-treatment event times (zero by construction, no standard error),
        as ``emfx(..., post_only = FALSE)``.
    window : int or (int, int), optional
        Keep rows with ``G - a <= t <= G + b`` (``emfx``'s ``window``; one
        number for both).
    level : float, default 0.95
        Level of the normal confidence intervals.

    Returns
    -------
    MarginalEffects
    """
    from scipy import stats

    if not isinstance(result, ETWFEResult):
        raise SpecificationError("emfx() needs the result of hitex.models.etwfe.etwfe().")
    if type not in _EMFX_TYPES:
        raise SpecificationError(f"type={type!r}: use 'simple', 'group', 'calendar' or 'event'.")
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1, got {level}")
    rows = result._rows
    g, t, dtreat = rows["g"].to_numpy(), rows["t"].to_numpy(), rows["dtreat"].to_numpy()
    if result.control_group == "never":
        sel = g != result.gref
        if type != "event":
            sel &= (dtreat == 1) & (t >= g)
    elif type == "event" and not post_only:
        sel = g != result.gref
    else:
        sel = dtreat == 1
    if window is not None:
        lo, hi = (window, window) if np.isscalar(window) else tuple(window)  # type: ignore[misc]
        sel &= (t >= g - lo) & (t <= g + hi)
    if not sel.any():
        raise EstimationError("no treated rows to average: widen the window or check the cohorts.")
    params = result.regression.params
    names = list(params.index)
    pos = {n: i for i, n in enumerate(names)}
    vcov = result.regression.vcov.loc[names, names].to_numpy()
    grad = np.zeros((int(sel.sum()), len(names)))
    gs, ts = g[sel], t[sel]
    xd = [rows[f"xdm{k}"].to_numpy()[sel] for k in range(len(result.covariates))]
    for i, (c, p) in enumerate(zip(gs, ts, strict=True)):
        term = f"tr_g{_num(c)}_t{_num(p)}"
        if term not in pos:
            continue
        grad[i, pos[term]] = 1.0
        for k in range(len(result.covariates)):
            name = f"{term}_x_{k}"
            if name in pos:
                grad[i, pos[name]] = xd[k][i]
    effect = grad @ params.to_numpy()
    if type == "simple":
        keys = np.zeros(len(gs))
    elif type == "group":
        keys = gs
    elif type == "calendar":
        keys = ts
    else:
        keys = ts - gs
    labels = np.sort(np.unique(keys))
    w = np.vstack([(keys == k) / np.sum(keys == k) for k in labels])
    est = w @ effect
    gw = w @ grad
    v = gw @ vcov @ gw.T
    se = np.sqrt(np.clip(np.diag(v), 0, None))
    zero = ~np.any(gw != 0, axis=1)
    se = np.where(zero, np.nan, se)
    q = float(stats.norm.ppf((1 + level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    name = {"simple": "term", "group": result.group, "calendar": result.time,
            "event": "event"}[type]
    index = pd.Index(["ATT"] if type == "simple" else [_num(k) for k in labels], name=name)
    table = pd.DataFrame({"estimate": est, "std_error": se, "statistic": z,
                          "p_value": 2 * stats.norm.sf(np.abs(z)),
                          "conf_low": est - q * se, "conf_high": est + q * se,
                          "n": [int(np.sum(keys == k)) for k in labels]}, index=index)
    return MarginalEffects(type=type, estimates=table,
                           vcov=pd.DataFrame(v, index=index, columns=index), level=level)
