"""Placebo (permutation) tests for two-way fixed-effects DiD.

:func:`placebo` re-assigns the treatment to randomly drawn units - as many as
are truly treated, with the true adoption years (``keep_timing=True``) -
re-estimates the DiD coefficient for each draw and compares the true estimate
with the placebo distribution, as the "placebo test" figure of many policy
evaluations (a kernel density with the true estimate marked).

Fast computation (Frisch-Waugh-Lovell)
--------------------------------------
For ``y = beta D + X gamma + alpha_unit + lambda_time + e`` the coefficient
``beta`` equals the slope of a regression of the residualised outcome on the
residualised treatment. hitex demeans ``y`` and the controls ``X`` once by
the fixed effects (pyfixest's alternating-projections ``demean``), projects
``X`` out, and then, for all ``B`` draws at once, demeans only the placebo
treatment columns ``D_b`` and computes

.. math::

    \\check D = M_{\\tilde X} \\tilde D, \\quad
    \\hat\\beta_b = \\frac{\\check D_b' \\check y}{\\check D_b' \\check D_b}, \\quad
    e_b = \\check y - \\hat\\beta_b \\check D_b,

with batched matrix products. Standard errors, when ``vcov`` is given, follow
from the same quantities: ``iid``:
``s_b^2 / (D_b' D_b)`` with ``s_b^2 = e_b'e_b / (N - K)`` and ``K`` counting
the regressors and the fixed-effect levels (``xtreg, fe``/``reghdfe``);
clustered: ``c (D_b'D_b)^{-2} sum_g (sum_{i in g} D_bi e_bi)^2`` with Stata
reghdfe's ``c = G/(G-1) (N-1)/(N-K)``, ``K`` excluding fixed effects nested in
the clusters - the convention of :func:`hitex.panel`. Both equal a full
re-estimation (tested against pyfixest to 1e-10).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import (
    DataCoverageWarning,
    EstimationError,
    HitexWarning,
    SpecificationError,
)
from hitex.models import checks
from hitex.models.balance import binary_treatment, plain_index
from hitex.models.formula import parse_formula
from hitex.models.small_sample import is_nested

_DEMEAN_TOL = 1e-13


class PlaceboWarning(HitexWarning):
    """A placebo test can run but its result needs care (few draws, odd timing)."""


@dataclass(frozen=True, eq=False)
class PlaceboResult:
    """An immutable placebo-test result.

    Attributes
    ----------
    estimate : float
        The true DiD coefficient.
    std_error : float
        Its standard error under ``vcov`` (:func:`hitex.panel`'s default
        clustering when ``vcov`` is None).
    n_draws : int
    seed : int
    n_treated_units : int
    keep_timing : bool
    spec : dict
        Formula, treatment, unit, time, vcov.
    """

    estimate: float
    std_error: float | None
    n_draws: int
    seed: int
    n_treated_units: int
    keep_timing: bool
    spec: Mapping[str, Any]
    _estimates: np.ndarray = field(repr=False)
    _std_errors: np.ndarray | None = field(repr=False)
    _draws: pd.DataFrame = field(repr=False)

    @property
    def estimates(self) -> np.ndarray:
        """Placebo coefficients, one per draw."""
        return self._estimates.copy()

    @property
    def std_errors(self) -> np.ndarray | None:
        """Placebo standard errors (``None`` unless ``vcov`` was given)."""
        return None if self._std_errors is None else self._std_errors.copy()

    @property
    def draws(self) -> pd.DataFrame:
        """The placebo assignments: columns ``draw``, ``unit``, ``adoption`` (first treated period)."""
        return self._draws.copy()

    @property
    def pvalue(self) -> float:
        """Two-sided permutation p-value: share of draws with ``|placebo| >= |true|``."""
        return float(np.mean(np.abs(self._estimates) >= abs(self.estimate)))

    @property
    def pvalue_greater(self) -> float:
        """One-sided p-value: share of draws with ``placebo >= true``."""
        return float(np.mean(self._estimates >= self.estimate))

    @property
    def pvalue_less(self) -> float:
        """One-sided p-value: share of draws with ``placebo <= true``."""
        return float(np.mean(self._estimates <= self.estimate))

    def placebo_column(self, draw: int, data: pd.DataFrame) -> pd.Series:
        """The 0/1 placebo treatment of draw ``draw`` for the rows of ``data``."""
        unit, time = self.spec["unit"], self.spec["time"]
        d = self._draws.loc[self._draws["draw"] == draw]
        adopt = data[unit].map(dict(zip(d["unit"], d["adoption"], strict=True)))
        return (adopt.notna() & (data[time] >= adopt)).astype(float)

    def summary(self) -> str:
        """Plain-text summary of the test."""
        q = np.quantile(self._estimates, [0.025, 0.5, 0.975])
        return "\n".join([
            f"Placebo test: {self.n_draws} draws of {self.n_treated_units} units "
            f"({'true adoption years' if self.keep_timing else 'random adoption years'}), seed {self.seed}",
            f"Formula: {self.spec['formula']}   treatment: {self.spec['treatment']}",
            f"True estimate: {self.estimate:.6g}"
            + ("" if self.std_error is None else f" (s.e. {self.std_error:.6g})"),
            f"Placebo estimates: mean {self._estimates.mean():.6g}, sd {self._estimates.std(ddof=1):.6g}, "
            f"2.5/50/97.5%: {q[0]:.4g} / {q[1]:.4g} / {q[2]:.4g}",
            f"Permutation p-value: two-sided {self.pvalue:.4f}, greater {self.pvalue_greater:.4f}, "
            f"less {self.pvalue_less:.4f}",
        ])

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None, *, label: str = "Placebo estimates",
             labels: Mapping[str, str] | None = None) -> Any:
        """Kernel density of the placebo estimates with the true estimate marked.

        ``labels`` maps the treatment column to the name shown on the axis.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from scipy.stats import gaussian_kde

        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        est = self._estimates
        lo = min(est.min(), self.estimate)
        hi = max(est.max(), self.estimate)
        pad = 0.1 * (hi - lo or 1.0)
        grid = np.linspace(lo - pad, hi + pad, 400)
        if np.ptp(est) > 0:
            ax.plot(grid, gaussian_kde(est)(grid), label=label)
        ax.scatter(est, np.zeros_like(est), marker="|", alpha=0.3, color="grey")
        ax.axvline(self.estimate, color="C3", linestyle="--",
                   label=f"True estimate = {self.estimate:.4g}")
        treatment = self.spec["treatment"]
        ax.set_xlabel(f"Coefficient of {(labels or {}).get(treatment, treatment)}")
        ax.set_ylabel("Density")
        ax.set_title(f"Placebo test ({self.n_draws} draws, p = {self.pvalue:.3f})")
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def _adoption_times(work: pd.DataFrame, treatment: str, unit: str, time: str,
                    first_time: Any) -> pd.Series:
    """First treated period of every treated unit; warn on odd timing."""
    treated = work.loc[work[treatment] == 1]
    adoption = treated.groupby(unit, sort=True)[time].min()
    unit_first = work.groupby(unit)[time].min()
    early = adoption.index[adoption.to_numpy() <= unit_first.reindex(adoption.index).to_numpy()]
    if len(early):
        shown = ", ".join(repr(u) for u in list(early)[:5])
        warnings.warn(PlaceboWarning(
            f"unit(s) {shown}{' ...' if len(early) > 5 else ''} are treated in the first period of "
            f"their panel (e.g. {first_time!r}), so they were treated before the panel starts: their "
            "adoption year is unknown and they have no pre-treatment period. Their adoption is set "
            "to the first period; consider dropping them or extending the panel backwards."),
            stacklevel=3)
    # a treatment that switches off is not a staggered adoption design
    after = work.merge(adoption.rename("_adopt"), left_on=unit, right_index=True)
    off = after.loc[(after[time] >= after["_adopt"]) & (after[treatment] == 0), unit].unique()
    if len(off):
        warnings.warn(PlaceboWarning(
            f"treatment '{treatment}' switches back to 0 after adoption for unit(s) "
            f"{', '.join(map(repr, off[:5]))}; placebo assignments keep units treated from their "
            "adoption on."), stacklevel=3)
    return adoption


def _canonical_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of the unit ids in a dtype-independent order.

    The order fixes which unit each random draw picks, so it must not depend
    on how the ids are stored: numerically when every id is a number or
    numeric text (ids 1, 2, 10 and "1", "2", "10" give the same order; equal
    numbers are ordered by their text), otherwise by their text.
    """
    codes, uniques = pd.factorize(ids)
    values = np.asarray(uniques, dtype=object)
    text = np.array([str(v) for v in values], dtype=object)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(numbers).any():
        order = np.argsort(text, kind="stable")
    else:
        order = np.lexsort((text, numbers))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], values[order]


def _k_fixed_effects(sample: pd.DataFrame, fes: tuple[str, ...], cluster: tuple[str, ...]) -> tuple[int, int]:
    """(K for iid, K for clustered) contributed by the fixed effects (reghdfe's count)."""
    levels = {fe: int(sample.groupby(fe.split("^"), observed=True).ngroups) for fe in fes}
    k_all = sum(levels.values()) - (len(levels) - 1) if levels else 0
    nested = [fe for fe in fes if cluster and is_nested(sample, fe, cluster)]
    k_cl = k_all - sum(levels[fe] for fe in nested) + len(nested)
    return k_all, k_cl


def placebo(
    formula: str,
    data: pd.DataFrame,
    *,
    treatment: str,
    unit: str,
    time: str,
    n: int = 500,
    seed: int = 0,
    vcov: str | Mapping[str, str] | None = None,
    keep_timing: bool = True,
) -> PlaceboResult:
    """Permutation (placebo) test of a two-way fixed-effects DiD coefficient.

    Parameters
    ----------
    formula : str
        ``"y ~ did + x1 + x2 | unit + time"`` (fixest syntax); the controls must
        be plain numeric columns.
    data : pandas.DataFrame
        Panel, one row per unit and period.
    treatment : str
        The 0/1 DiD regressor (1 from a treated unit's adoption period on).
    unit, time : str
        Panel identifiers; placebo treatment is assigned by unit.
    n : int, default 500
        Number of placebo draws.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same draws.
    vcov : {"iid"} or {"CRV1": column}, optional
        Compute the placebo standard errors too (reghdfe small-sample
        convention). Without it only the coefficients are computed and the true
        estimate's standard error is :func:`hitex.panel`'s default.
    keep_timing : bool, default True
        Placebo units take the true adoption years (randomly permuted among
        them). If False each placebo unit gets an adoption period drawn
        uniformly from the panel's periods after the first.

    Returns
    -------
    PlaceboResult

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError
        Missing or text columns, a treatment not in the formula or not 0/1, no
        treated units, or more treated units than units.

    Warns
    -----
    PlaceboWarning
        Fewer than 20 draws (the p-value cannot go below 1/n), units treated
        before the panel starts, a treatment that switches off.
    """
    data = plain_index(checks.require_dataframe(data))
    parsed = parse_formula(formula)
    if parsed.iv:
        raise SpecificationError("placebo() does not take an IV part in the formula.")
    rhs = [t.strip() for t in parsed.rhs.split("+") if t.strip()]
    if treatment not in rhs:
        raise SpecificationError(f"treatment '{treatment}' is not a regressor of {formula!r}; "
                                 f"write it on the right-hand side, e.g. 'y ~ {treatment} + x | unit + time'.")
    controls = [t for t in rhs if t != treatment]
    bad = [t for t in controls if t not in parsed.variables]
    if bad:
        raise SpecificationError(f"placebo() needs plain column names as controls; {bad!r} are "
                                 "expressions. Create those columns in the data first.")
    if not parsed.fixed_effects:
        raise SpecificationError("placebo() needs fixed effects, e.g. '| unit + time'.")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecificationError(f"n={n!r} must be a positive number of draws.")
    if n < 20:
        warnings.warn(PlaceboWarning(
            f"only n={n} placebo draws: the permutation p-value cannot be smaller than 1/{n} and is "
            "very noisy. Use n=500 or more."), stacklevel=2)
    cluster: tuple[str, ...] = ()
    if vcov is not None:
        if vcov == "iid":
            pass
        elif isinstance(vcov, Mapping) and list(vcov) == ["CRV1"] and isinstance(vcov["CRV1"], str) \
                and "+" not in vcov["CRV1"]:
            cluster = (vcov["CRV1"].strip(),)
        else:
            raise SpecificationError(f"vcov={vcov!r} is not supported by placebo(); use 'iid' or "
                                     "{'CRV1': 'column'} (one-way clustering).")
    used = list(dict.fromkeys([*parsed.variables, unit, time, *cluster]))
    checks.require_columns(data, used, context=f"placebo({formula!r})")
    checks.require_numeric(data, [parsed.depvar, *controls, time])
    d_all = binary_treatment(data[treatment], treatment)
    if not (d_all == 1).any():
        raise EstimationError(f"treatment column '{treatment}' has no treated observations (no 1s); "
                              "a placebo test needs the true treated units.")
    data = data.copy(deep=False)
    data[treatment] = d_all.to_numpy()

    eff_cluster = cluster if vcov is not None else (
        (parsed.fixed_effects[0],) if "^" not in parsed.fixed_effects[0] else ())
    if vcov is None and eff_cluster:
        used = list(dict.fromkeys([*used, *eff_cluster]))
    work = data.loc[data[used].notna().all(axis=1), used]
    checks.require_nonempty(len(work), f"placebo({formula!r})", checks.missing_counts(data, used))
    checks.require_unique(work, [unit, time])
    work = _drop_singletons(work, parsed.fixed_effects)
    checks.require_nonempty(len(work), f"placebo({formula!r}) after dropping singletons")
    first_time = work[time].min()
    adoption = _adoption_times(work, treatment, unit, time, first_time)
    unit_pos, units = _canonical_codes(work[unit])
    adoption = adoption.loc[[u for u in units if u in adoption.index]]
    time_pos, times = pd.factorize(work[time], sort=True)
    units, times = np.asarray(units), np.asarray(times, dtype=float)
    n_units, n_times, nobs = len(units), len(times), len(work)
    n_tr = len(adoption)
    if n_tr >= n_units:
        raise EstimationError(f"all {n_units} units are treated; a placebo test needs untreated units.")

    # -- draws (vectorised; seeded) ---------------------------------------------------
    rng = np.random.default_rng(seed)
    draw_units = np.argsort(rng.random((n, n_units)), axis=1)[:, :n_tr]
    true_adopt = adoption.to_numpy(dtype=float)
    if keep_timing:
        draw_adopt = true_adopt[np.argsort(rng.random((n, n_tr)), axis=1)]
    else:
        pool = times[1:] if n_times > 1 else times
        draw_adopt = pool[rng.integers(0, len(pool), size=(n, n_tr))]
    adopt_ub = np.full((n + 1, n_units), np.inf)  # row 0: the true assignment
    adopt_ub[0, pd.Index(units).get_indexer(adoption.index)] = true_adopt
    adopt_ub[np.arange(1, n + 1)[:, None], draw_units] = draw_adopt

    # -- FWL: demean y and X once, the treatment columns in one batch -----------------
    fes = set(parsed.fixed_effects)
    balanced = fes == {unit, time} and nobs == n_units * n_times
    if balanced:
        def dm(a: np.ndarray) -> np.ndarray:
            grid = np.empty((n_units, n_times, a.shape[1]))
            grid[unit_pos, time_pos] = a
            return _demean_grid(grid)[unit_pos, time_pos]
    else:
        dm = _pyfixest_demeaner(work, parsed.fixed_effects)
    yx = dm(work[[parsed.depvar, *controls]].to_numpy(dtype=float))
    y_t, x_t = yx[:, 0], yx[:, 1:]
    q_x = np.linalg.qr(x_t)[0] if x_t.shape[1] else None
    y_c = y_t if q_x is None else y_t - q_x @ (q_x.T @ y_t)
    tvals = times[time_pos]
    if balanced:
        grid = (times[None, None, :] >= adopt_ub[:, :, None]).astype(float)  # B x U x T
        d_t = _demean_grid(np.moveaxis(grid, 0, -1))[unit_pos, time_pos]  # N x B
    else:
        d_t = dm((tvals[:, None] >= adopt_ub[:, unit_pos].T).astype(float))
    if q_x is not None:
        d_t = d_t - q_x @ (q_x.T @ d_t)
    dd = np.einsum("ij,ij->j", d_t, d_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = (d_t.T @ y_c) / dd
        resid = y_c[:, None] - d_t * beta[None, :]
        k_fe_iid, k_fe_cl = _k_fixed_effects(work, parsed.fixed_effects, eff_cluster)
        k_coef = 1 + len(controls)
        if eff_cluster:
            from scipy import sparse

            codes, uniq = pd.factorize(work[eff_cluster[0]])
            g = len(uniq)
            ind = sparse.csr_matrix((np.ones(nobs), (codes, np.arange(nobs))), shape=(g, nobs))
            scores = ind @ (d_t * resid)
            factor = g / (g - 1) * (nobs - 1) / (nobs - k_coef - k_fe_cl)
            se = np.sqrt(factor * np.sum(scores**2, axis=0)) / dd
        else:
            s2 = np.einsum("ij,ij->j", resid, resid) / (nobs - k_coef - k_fe_iid)
            se = np.sqrt(s2 / dd)
    if not np.isfinite(beta[0]) or dd[0] < 1e-12 * max(1.0, float(np.max(dd))):
        raise EstimationError(f"treatment '{treatment}' is absorbed by the fixed effects (no "
                              "variation left); the DiD coefficient is not identified.")
    estimates, ses = beta[1:], se[1:]
    degenerate = (~np.isfinite(estimates)) | (dd[1:] < 1e-12 * float(np.max(dd)))
    if degenerate.any():
        warnings.warn(DataCoverageWarning(
            f"{int(degenerate.sum())} placebo draw(s) gave a treatment absorbed by the fixed effects "
            "(no variation left); they are dropped from the distribution and the p-values."),
            stacklevel=2)
        estimates, ses = estimates[~degenerate], ses[~degenerate]

    draws = pd.DataFrame({"draw": np.repeat(np.arange(n), n_tr),
                          "unit": units[draw_units.ravel()],
                          "adoption": draw_adopt.ravel()})
    label = "Conventional" if vcov == "iid" else f"Clustered ({eff_cluster[0]})" if eff_cluster else "Conventional"
    spec = {"formula": parsed.formula, "treatment": treatment, "unit": unit, "time": time,
            "controls": tuple(controls), "fixed_effects": parsed.fixed_effects,
            "vcov": vcov, "vcov_label": label, "nobs": nobs, "balanced_fast_path": balanced}
    return PlaceboResult(
        estimate=float(beta[0]), std_error=float(se[0]),
        n_draws=int(len(estimates)), seed=int(seed), n_treated_units=int(n_tr),
        keep_timing=bool(keep_timing), spec=spec, _estimates=estimates,
        _std_errors=ses if vcov is not None else None, _draws=draws,
    )


def _demean_grid(grid: np.ndarray) -> np.ndarray:
    """Two-way demeaning of a balanced ``units x times x columns`` array (exact)."""
    return (grid - grid.mean(axis=1, keepdims=True) - grid.mean(axis=0, keepdims=True)
            + grid.mean(axis=(0, 1), keepdims=True))


def _pyfixest_demeaner(work: pd.DataFrame, fixed_effects: tuple[str, ...]) -> Any:
    """A function demeaning columns by the fixed effects (pyfixest's alternating projections)."""
    from pyfixest.estimation import demean

    codes = []
    for fe in fixed_effects:
        cols = fe.split("^")
        key = work[cols].astype(str).agg("^".join, axis=1) if len(cols) > 1 else work[fe]
        codes.append(pd.factorize(key)[0])
    flist = np.column_stack(codes).astype(np.uint64)
    ones = np.ones(len(work))

    def dm(a: np.ndarray) -> np.ndarray:
        out, ok = demean(np.ascontiguousarray(a, dtype=float), flist, ones, tol=_DEMEAN_TOL,
                         maxiter=100_000)
        if not ok:
            raise EstimationError("fixed-effect demeaning did not converge; check the fixed effects.")
        return out

    return dm


def _drop_singletons(work: pd.DataFrame, fixed_effects: tuple[str, ...]) -> pd.DataFrame:
    """Drop observations alone in a fixed-effect group, repeatedly (as reghdfe and hitex.panel)."""
    while True:
        keep = np.ones(len(work), dtype=bool)
        for fe in fixed_effects:
            keep &= (work.groupby(fe.split("^"), sort=False)[fe.split("^")[0]]
                     .transform("size").to_numpy() > 1)
        if keep.all():
            return work
        work = work.loc[keep]
