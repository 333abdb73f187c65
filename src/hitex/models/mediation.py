"""Mediation analysis by the three-step procedure, with Sobel tests and a fast bootstrap.

:func:`mediation` estimates, on one common sample and with the same controls,
fixed effects and standard errors (each step is a :func:`hitex.panel` result
that :func:`hitex.regression_table` prints):

1. the total effect ``c``: ``y ~ d + controls | fe``;
2. the a-paths ``a_j``: ``m_j ~ d + controls | fe``, one per mediator;
3. the outcome equation ``y ~ d + m_1 + ... + m_J + controls | fe``, giving the
   direct effect ``c'`` and the b-paths ``b_j``.

The indirect effect through mediator ``j`` is ``a_j b_j`` (parallel
mediators, PROCESS model 4, Hayes 2013), the total indirect effect
``sum_j a_j b_j``; with OLS on one sample ``c = c' + sum_j a_j b_j`` exactly.

Inference
---------
Sobel (1982) first-order delta method: ``se(a b) = sqrt(a^2 V_b + b^2 V_a)``
with the variances of the steps (so under the steps' ``vcov`` and small-sample
convention), ``z = a b / se`` and a normal p-value. For the total indirect
effect the delta method uses the covariances of the b-paths (outcome
equation) and of the a-paths across the mediator equations (the correlation
of their scores, under the same variance estimator, scaled to the steps'
standard errors; exact for iid, HC1 and one-way clustered errors).

Bootstrap: ``bootstrap`` draws of observations, or of whole clusters when the
standard errors are clustered (the pairs cluster bootstrap of Cameron,
Gelbach and Miller 2008), seeded; each draw re-estimates every step and the
confidence interval is the percentile interval or Efron's bias-corrected
(``"bc"``) interval, ``z0 = Phi^-1(share of draws below the estimate)``,
with quantiles by linear interpolation (``numpy.quantile``). PROCESS
(Hayes) uses the same resampling of rows, percentile intervals by default
from version 3 and bias-corrected ones in version 2. The draws are computed
all at once from weighted cross-products (:mod:`hitex.models.boot_moments`),
exactly as re-estimating each resampled data set, at the cost of a few fits.

A word of caution
-----------------
The three-step procedure identifies the indirect effect only if the mediator
is as good as randomly assigned given the treatment and controls. In applied
economics the mediator equation is itself open to endogeneity and omitted
variables (anything that moves both the mediator and the outcome biases
``b``, even when the treatment is randomly assigned), so ``a b`` is a
decomposition of correlations, not a causal effect. Jiang (2022, "Mediating
effects and moderating effects in causal inference", *China Industrial
Economics* 2022(5)) shows this for the Chinese applied literature and
recommends establishing the effect of the treatment on a mediator whose
effect on the outcome is known from theory or prior causal evidence, rather
than reporting ``a b`` from step 3. A causal mediation claim needs
sequential ignorability (Imai, Keele and Tingley 2010, *Psychological
Methods* 15(4)) with a sensitivity analysis, or separate exogenous variation
in the mediator (an instrument or an experiment that moves it). The note of
every result (:attr:`MediationResult.note`) says so in the table.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, HitexWarning, SpecificationError
from hitex.models import boot_moments, checks
from hitex.models.formula import is_formula_name, name_problem
from hitex.models.inference import normalise_vcov
from hitex.models.panel import panel
from hitex.models.results import RegressionResult

#: Text for a table note: what the three-step estimates can and cannot show.
CAUSAL_NOTE = (
    "Indirect effects are a*b from the three-step procedure (total effect; treatment on each "
    "mediator; outcome on treatment and mediators). The mediator equation is itself open to "
    "endogeneity and omitted variables, so a*b is not causally identified unless the mediator "
    "is as good as randomly assigned given treatment and controls (sequential ignorability, "
    "Imai, Keele and Tingley 2010) or has its own instrument or experiment; see Jiang (2022, "
    "China Industrial Economics) on mediating and moderating effects in causal inference."
)

#: Fewest bootstrap draws given without a warning.
MIN_DRAWS = 1000

CI_METHODS = ("percentile", "bc")
_CI_NAMES = {"percentile": "percentile", "bc": "bias-corrected"}
INDIRECT_COLUMNS = ("mediator", "estimate", "sobel_se", "sobel_z", "sobel_p", "boot_low",
                    "boot_high", "boot_method", "draws", "seed")
TOTAL = "total"


class MediationWarning(HitexWarning):
    """A mediation analysis ran but part of it needs care (few or failed bootstrap draws)."""


@dataclass(frozen=True, eq=False)
class MediationResult:
    """An immutable mediation result (three-step procedure, parallel mediators).

    Attributes
    ----------
    outcome, treatment : str
    mediators, controls, fixed_effects : tuple of str
    total_effect : float
        ``c``, the treatment's coefficient without the mediators.
    direct_effect : float
        ``c'``, its coefficient with the mediators.
    proportion_mediated : float
        Total indirect effect over the total effect, ``sum_j a_j b_j / c``.
        Meaningless when the indirect effects have opposite signs or ``c`` is
        near zero (it can exceed 1 or be negative).
    ci_level : float
    ci_method : {"percentile", "bc"}
    draws : int
        Bootstrap draws asked for (0: Sobel tests only).
    failed_draws : int
        Draws in which a step could not be estimated (e.g. no variation in the
        treatment); they are left out of the intervals.
    seed : int
    boot_unit : str or None
        ``"observation"``, or the clustering column whose clusters are resampled.
    note : str
        The caution on causal interpretation, for a table note.
    """

    outcome: str
    treatment: str
    mediators: tuple[str, ...]
    controls: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    total_effect: float
    direct_effect: float
    proportion_mediated: float
    ci_level: float
    ci_method: str
    draws: int
    failed_draws: int
    seed: int
    boot_unit: str | None
    note: str
    _steps: tuple[RegressionResult, ...] = field(repr=False)
    _indirect: pd.DataFrame = field(repr=False)
    _paths: pd.DataFrame = field(repr=False)
    _boot: pd.DataFrame | None = field(repr=False, default=None)

    # -- contents ---------------------------------------------------------------------
    @property
    def steps(self) -> tuple[RegressionResult, ...]:
        """The regressions in table order: total effect, each mediator, outcome with mediators."""
        return self._steps

    @property
    def titles(self) -> tuple[str, ...]:
        """Column titles for :func:`hitex.regression_table` (``titles=result.titles``)."""
        return ("Total effect", *(f"Mediator {m}" for m in self.mediators),
                "With mediators")

    @property
    def indirect(self) -> pd.DataFrame:
        """One row per mediator and one for the total: estimate, Sobel test, bootstrap CI."""
        return self._indirect.copy()

    @property
    def paths(self) -> pd.DataFrame:
        """a-path and b-path of each mediator with their standard errors (from the steps)."""
        return self._paths.copy()

    @property
    def boot_draws(self) -> pd.DataFrame | None:
        """Bootstrap estimates, one row per draw (``None`` without a bootstrap).

        Columns ``total_effect``, ``direct_effect``, ``a_<m>``, ``b_<m>``,
        ``indirect_<m>`` per mediator and ``indirect_total``; a failed draw is NaN.
        """
        return None if self._boot is None else self._boot.copy()

    # -- presentation -----------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """All effects in the result contract's layout.

        Rows ``total_effect``, ``direct_effect``, ``a_<m>``, ``b_<m>`` (standard
        errors and t-based intervals of their steps) and ``indirect_<m>``,
        ``indirect_total`` (Sobel standard error, z and p; bootstrap interval,
        empty without a bootstrap). Columns ``estimate, std_error, statistic,
        p_value, conf_low, conf_high``.
        """
        total, outcome = self._steps[0], self._steps[-1]
        rows: dict[str, list[float]] = {}

        def from_step(res: RegressionResult, term: str) -> list[float]:
            t = res.tidy(self.ci_level).loc[term]
            return [float(t[c]) for c in ("estimate", "std_error", "statistic", "p_value",
                                          "conf_low", "conf_high")]

        rows["total_effect"] = from_step(total, self.treatment)
        rows["direct_effect"] = from_step(outcome, self.treatment)
        for j, m in enumerate(self.mediators):
            rows[f"a_{m}"] = from_step(self._steps[1 + j], self.treatment)
            rows[f"b_{m}"] = from_step(outcome, m)
        for _, r in self._indirect.iterrows():
            rows[f"indirect_{r['mediator']}"] = [r["estimate"], r["sobel_se"], r["sobel_z"],
                                                 r["sobel_p"], r["boot_low"], r["boot_high"]]
        out = pd.DataFrame.from_dict(rows, orient="index",
                                     columns=["estimate", "std_error", "statistic", "p_value",
                                              "conf_low", "conf_high"])
        out.index.name = "term"
        return out

    def rows(self, digits: int = 3) -> list[tuple[str, str]]:
        """(label, value) pairs a table can print under the coefficients.

        For each mediator and the total: the indirect effect, "Sobel z (p)"
        and the bootstrap interval; then the draws, the method and the
        proportion mediated.
        """
        out: list[tuple[str, str]] = []
        level = f"{100 * self.ci_level:g}%"
        for _, r in self._indirect.iterrows():
            name = "total" if r["mediator"] == TOTAL else str(r["mediator"])
            out.append((f"Indirect effect ({name})", _num(r["estimate"], digits)))
            out.append((f"Sobel z (p) ({name})",
                        f"{_num(r['sobel_z'], 2)} ({_num(r['sobel_p'], 3)})"))
            if self.draws:
                out.append((f"Bootstrap {level} CI ({name})",
                            f"[{_num(r['boot_low'], digits)}, {_num(r['boot_high'], digits)}]"))
        if self.draws:
            unit = "observations" if self.boot_unit == "observation" else \
                f"clusters of {self.boot_unit}"
            used = self.draws - self.failed_draws
            out.append(("Bootstrap draws", f"{used:,} ({_CI_NAMES[self.ci_method]}, "
                                           f"resampling {unit}, seed {self.seed})"))
        out.append(("Proportion mediated", _num(self.proportion_mediated, digits)))
        return out

    def summary(self, digits: int = 4) -> str:
        """Plain-text summary: the paths, the indirect effects and the caution."""
        lines = [
            "Mediation analysis (three-step procedure, parallel mediators)",
            f"Outcome: {self.outcome}   Treatment: {self.treatment}   "
            f"Mediators: {', '.join(self.mediators)}",
        ]
        if self.controls:
            lines.append(f"Controls: {', '.join(self.controls)}")
        if self.fixed_effects:
            lines.append(f"Fixed effects: {', '.join(self.fixed_effects)}")
        lines.append(f"Std. errors: {self._steps[-1].spec.vcov_label}   "
                     f"N = {self._steps[-1].nobs:,}")
        lines += ["", f"Total effect c = {self.total_effect:.{digits}f}   "
                      f"direct effect c' = {self.direct_effect:.{digits}f}", ""]
        head = f"{'mediator':<16}{'a':>10}{'b':>10}{'a*b':>10}{'Sobel se':>10}{'z':>8}{'p':>8}"
        if self.draws:
            head += f"{'boot CI':>24}"
        lines += [head, "-" * len(head)]
        paths = self._paths.set_index("mediator")
        for _, r in self._indirect.iterrows():
            med = r["mediator"]
            a = f"{paths.loc[med, 'a']:>10.{digits}f}" if med in paths.index else " " * 10
            b = f"{paths.loc[med, 'b']:>10.{digits}f}" if med in paths.index else " " * 10
            line = (f"{str(med)[:16]:<16}{a}{b}{r['estimate']:>10.{digits}f}"
                    f"{r['sobel_se']:>10.{digits}f}{r['sobel_z']:>8.2f}{r['sobel_p']:>8.4f}")
            if self.draws:
                ci = f"[{r['boot_low']:.{digits}f}, {r['boot_high']:.{digits}f}]"
                line += f"{ci:>24}"
            lines.append(line)
        lines.append("-" * len(head))
        lines.append(f"Proportion mediated: {self.proportion_mediated:.{digits}f}")
        if self.draws:
            lines.append(f"Bootstrap: {self.draws - self.failed_draws:,} draws "
                         f"({_CI_NAMES[self.ci_method]}, {100 * self.ci_level:g}%), resampling "
                         f"{'observations' if self.boot_unit == 'observation' else 'clusters of ' + str(self.boot_unit)}"
                         f", seed {self.seed}")
        lines.append(f"Note: {self.note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record: specification, steps, paths, indirect effects, note."""
        return {
            "outcome": self.outcome,
            "treatment": self.treatment,
            "mediators": list(self.mediators),
            "controls": list(self.controls),
            "fixed_effects": list(self.fixed_effects),
            "total_effect": _json(self.total_effect),
            "direct_effect": _json(self.direct_effect),
            "proportion_mediated": _json(self.proportion_mediated),
            "bootstrap": {"draws": self.draws, "failed_draws": self.failed_draws,
                          "seed": self.seed, "unit": self.boot_unit,
                          "method": self.ci_method, "ci_level": self.ci_level},
            "paths": [{k: _json(v) for k, v in r.items()} for r in self._paths.to_dict("records")],
            "indirect": [{k: _json(v) for k, v in r.items()}
                         for r in self._indirect.to_dict("records")],
            "steps": [s.to_dict() for s in self._steps],
            "note": self.note,
        }


def _num(x: Any, digits: int) -> str:
    x = float(x)
    return "" if not math.isfinite(x) else f"{x:.{digits}f}"


def _json(x: Any) -> Any:
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


# ---------------------------------------------------------------------------- checks
def _names(value: str | Sequence[str], what: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise SpecificationError(f"{what} must be column names (str); got {name!r}.")
        if not is_formula_name(name):
            raise SpecificationError(f"{what}: {name_problem(name, what)}")
    return names


def _check_roles(outcome: str, treatment: str, mediators: tuple[str, ...],
                 controls: tuple[str, ...]) -> None:
    if not mediators:
        raise SpecificationError("mediators= is empty; name at least one mediator column, "
                                 "e.g. mediators=['rd_intensity'].")
    if treatment == outcome:
        raise SpecificationError(f"treatment and outcome are both '{outcome}'; the treatment "
                                 "must be a different column from the outcome.")
    for m in mediators:
        if m == outcome:
            raise SpecificationError(
                f"mediator '{m}' is the outcome itself; a mediator must be a separate variable "
                "that the treatment moves and that moves the outcome. Remove it from mediators=.")
        if m == treatment:
            raise SpecificationError(
                f"mediator '{m}' is the treatment itself; a mediator must be a separate "
                "variable between the treatment and the outcome. Remove it from mediators=.")
    repeated = sorted({m for m in mediators if mediators.count(m) > 1})
    if repeated:
        raise SpecificationError(f"mediator(s) {repeated} named more than once in mediators=; "
                                 "name each mediator once.")
    clash = [c for c in controls if c in (outcome, treatment, *mediators)]
    if clash:
        raise SpecificationError(
            f"control(s) {clash} are also the outcome, treatment or a mediator; a variable "
            "plays one role. Remove them from controls=.")


def _check_values(work: pd.DataFrame, outcome: str, treatment: str,
                  mediators: tuple[str, ...]) -> None:
    """Mediators (and the treatment) must vary and differ from the outcome and treatment."""
    for name, role in [(treatment, "treatment"), *((m, "mediator") for m in mediators)]:
        values = work[name]
        if values.nunique() <= 1:
            raise EstimationError(
                f"{role} '{name}' has no variation in the estimation sample (every value is "
                f"{values.iloc[0]!r}), so its effect is not identified. Check the column and the "
                f"sample, or {'remove it from mediators=' if role == 'mediator' else 'choose a treatment that varies'}.")
    y, d = work[outcome].to_numpy(float), work[treatment].to_numpy(float)
    for m in mediators:
        values = work[m].to_numpy(float)
        for other, role in ((y, f"the outcome '{outcome}'"), (d, f"the treatment '{treatment}'")):
            if np.array_equal(values, other):
                raise SpecificationError(
                    f"mediator '{m}' equals {role} in every row of the sample, so it cannot "
                    "mediate anything (the steps would be collinear). Remove it from "
                    "mediators= or check how the column was built.")


def _check_absorbed(work: pd.DataFrame, treatment: str, mediators: tuple[str, ...],
                    fes: tuple[str, ...]) -> None:
    """The treatment and each mediator must vary within the groups of every fixed effect."""
    for fe in fes:
        groups = work.groupby([p.strip() for p in fe.split("^")], sort=False)
        for name, role in [(treatment, "treatment"), *((m, "mediator") for m in mediators)]:
            if (groups[name].nunique() <= 1).all():
                raise EstimationError(
                    f"{role} '{name}' is constant within each level of the fixed effect '{fe}', "
                    "which absorbs it, so its path is not identified. Remove the fixed effect "
                    f"'{fe}' from fixed_effects=, or "
                    f"{'remove the mediator' if role == 'mediator' else 'use a treatment that varies within it'}.")


def _check_bootstrap(bootstrap: Any, ci: str, ci_level: float, seed: Any) -> int:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) \
            or bootstrap < 0:
        raise SpecificationError(f"bootstrap={bootstrap!r} must be a number of draws >= 0 "
                                 "(0: Sobel tests only); e.g. bootstrap=5000.")
    if ci not in CI_METHODS:
        raise SpecificationError(f"ci={ci!r} is not a bootstrap interval hitex knows; use "
                                 "'percentile' or 'bc' (bias-corrected).")
    if not isinstance(ci_level, (float, int)) or not 0 < ci_level < 1:
        raise SpecificationError(f"ci_level={ci_level!r} must lie strictly between 0 and 1, "
                                 "e.g. 0.95.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise SpecificationError(f"seed={seed!r} must be an integer, e.g. seed=0.")
    if 0 < bootstrap < MIN_DRAWS:
        warnings.warn(MediationWarning(
            f"only bootstrap={bootstrap} draws: the interval bounds are noisy at this number "
            f"(PROCESS uses 5000). Use bootstrap={MIN_DRAWS} or more for published intervals."),
            stacklevel=3)
    return int(bootstrap)


# ---------------------------------------------------------------------------- estimation
def mediation(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    mediators: str | Sequence[str],
    *,
    controls: Sequence[str] = (),
    fixed_effects: Sequence[str] = (),
    vcov: str | Mapping[str, str] | None = None,
    bootstrap: int = 5000,
    seed: int = 0,
    ci_level: float = 0.95,
    ci: str = "percentile",
    ssc: str = "reghdfe",
) -> MediationResult:
    """Mediation analysis: three-step regressions, Sobel tests and a bootstrap interval.

    Follows the three-step procedure (Baron and Kenny 1986) as applied
    economics papers report it, with parallel mediators as PROCESS model 4
    (Hayes 2013); see the module docstring for the formulas and the caution
    on causal interpretation (Jiang 2022; Imai, Keele and Tingley 2010).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    outcome, treatment : str
        Numeric columns: the outcome ``y`` and the treatment (or policy) ``d``.
    mediators : str or sequence of str
        One or more numeric mediator columns, estimated in parallel.
    controls : sequence of str, optional
        Numeric control columns, in every step.
    fixed_effects : sequence of str, optional
        Fixed effects absorbed in every step (``"firm"``, ``"year"``, ``"a^b"``).
    vcov : str or dict, optional
        Standard errors of every step, as in :func:`hitex.panel`: ``"iid"``,
        ``"hetero"``/``"HC1"``, ``"HC3"`` (no fixed effects), or
        ``{"CRV1": "col"}``. Default: :func:`hitex.panel`'s (clustered by the
        first fixed effect, else iid). With clustering the bootstrap
        resamples whole clusters.
    bootstrap : int, default 5000
        Bootstrap draws; 0 gives the Sobel tests only.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same
        draws (:func:`hitex.models.boot_moments.resample_indices`).
    ci_level : float, default 0.95
        Coverage of the bootstrap interval.
    ci : {"percentile", "bc"}, default "percentile"
        Percentile interval (PROCESS 3 and later) or Efron's bias-corrected
        interval (PROCESS 2).
    ssc : {"reghdfe", "fixest", "none"}, default "reghdfe"
        Small-sample convention of the steps' standard errors (:func:`hitex.panel`).

    Returns
    -------
    MediationResult
        Immutable; ``steps`` (regression results in table order),
        ``indirect`` (per mediator and total: estimate, Sobel se, z and p,
        bootstrap interval, draws, seed), ``proportion_mediated``,
        ``tidy()``, ``summary()``, ``rows()``, ``to_dict()`` and ``note``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, EmptySampleError
        A column is missing or holds text; no complete row.
    SpecificationError
        A mediator that is the outcome or the treatment (by name or value), a
        variable in two roles, a bad option, two-way clustering with a
        bootstrap, or fewer than :data:`hitex.models.checks.MIN_CLUSTERS`
        clusters to resample.
    EstimationError
        A treatment or mediator without variation, or absorbed by the fixed
        effects or collinear with the other regressors.

    Warns
    -----
    MediationWarning
        Fewer than :data:`MIN_DRAWS` draws; draws in which a step could not
        be estimated (left out).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> d = rng.normal(size=400); m = 0.5 * d + rng.normal(size=400)
    >>> df = pd.DataFrame({"d": d, "m": m, "y": 0.3 * d + 0.8 * m + rng.normal(size=400)})
    >>> res = mediation(df, "y", "d", "m", bootstrap=0)
    >>> bool(abs(res.total_effect - res.direct_effect - res.indirect["estimate"].iloc[0]) < 1e-12)
    True
    """
    data = checks.require_dataframe(data)
    outcome, treatment = _names(outcome, "outcome")[0], _names(treatment, "treatment")[0]
    meds = _names(mediators, "mediators")
    ctrls = _names(controls, "controls")
    fes = tuple(str(f).strip() for f in ((fixed_effects,) if isinstance(fixed_effects, str)
                                         else fixed_effects))
    _check_roles(outcome, treatment, meds, ctrls)
    draws = _check_bootstrap(bootstrap, ci, ci_level, seed)
    vcov_in = vcov
    cluster: tuple[str, ...] = ()
    if vcov is not None:
        _, _, cluster = normalise_vcov(vcov)
        checks.require_cluster_columns(data, cluster, vcov)
    fe_cols = [p.strip() for fe in fes for p in fe.split("^")]
    used = list(dict.fromkeys([outcome, treatment, *meds, *ctrls, *fe_cols, *cluster]))
    checks.require_columns(data, used, context="mediation()")
    checks.require_numeric(data, [outcome, treatment, *meds, *ctrls])

    work, records, missing = checks.drop_missing(data.loc[:, used])
    checks.require_nonempty(len(work), "mediation() (rows complete in every variable)", missing)
    _check_values(work, outcome, treatment, meds)
    _check_absorbed(work, treatment, meds, fes)
    if draws and len(cluster) > 1:
        raise SpecificationError(_two_way_message(cluster))

    rhs_c = "".join(f" + {c}" for c in ctrls)
    fe_part = f" | {' + '.join(fes)}" if fes else ""
    sample = None
    if records:
        sample = "rows complete in outcome, treatment, mediators and controls"
    kw: dict[str, Any] = {"vcov": vcov_in, "ssc": ssc, "sample": sample}
    total = panel(f"{outcome} ~ {treatment}{rhs_c}{fe_part}", work, **kw)
    a_steps = [panel(f"{m} ~ {treatment}{rhs_c}{fe_part}", work, **kw) for m in meds]
    meds_rhs = " + ".join(meds)
    full = panel(f"{outcome} ~ {treatment} + {meds_rhs}{rhs_c}{fe_part}", work, **kw)
    steps = (total, *a_steps, full)
    for res in steps:
        if treatment not in res.params.index:
            raise EstimationError(
                f"treatment '{treatment}' was dropped from {res.spec.formula!r} (absorbed by the "
                "fixed effects or collinear with the controls), so no path through it can be "
                "estimated. Remove the fixed effect or control that absorbs it.")
    lost = [m for m in meds if m not in full.params.index]
    if lost:
        raise EstimationError(
            f"mediator(s) {lost} were dropped from {full.spec.formula!r} (absorbed by the fixed "
            "effects or collinear with the treatment and controls), so their b-paths are not "
            "identified. Remove them from mediators= or the fixed effect that absorbs them.")
    index = full.sample_index
    if any(len(s.sample_index) != len(index) or not s.sample_index.equals(index) for s in steps):
        raise EstimationError(
            "the steps of the mediation were estimated on different samples; drop rows with "
            "missing or undefined values in any variable before calling mediation().")
    vcov_cluster = full.spec.cluster

    frame = work.loc[index]
    a = np.array([float(s.params[treatment]) for s in a_steps])
    b = np.array([float(full.params[m]) for m in meds])
    va = np.array([float(s.vcov.loc[treatment, treatment]) for s in a_steps])
    vb = full.vcov.loc[list(meds), list(meds)].to_numpy(dtype=float)
    key = frame[[treatment, *meds, outcome]].to_numpy(dtype=float)
    fe_arrays = [_fe_codes(frame, fe) for fe in fes]
    ctrl_x = frame[list(ctrls)].to_numpy(dtype=float) if ctrls else None

    boot_unit: str | None = None
    units = None
    if draws:
        if len(vcov_cluster) > 1:
            raise SpecificationError(_two_way_message(vcov_cluster))
        if vcov_cluster:
            boot_unit = vcov_cluster[0]
            units = frame[boot_unit].to_numpy()
            n_cl = int(pd.unique(units).size)
            if n_cl < checks.MIN_CLUSTERS:
                raise SpecificationError(
                    f"cannot bootstrap clusters of '{boot_unit}': the sample has only {n_cl} "
                    f"clusters (at least {checks.MIN_CLUSTERS} are needed; the pairs cluster "
                    "bootstrap is unreliable with fewer, Cameron, Gelbach and Miller 2008). "
                    "Cluster by a variable with more groups, use vcov='hetero' to resample "
                    "observations, or bootstrap=0 for the Sobel tests only.")
        else:
            boot_unit = "observation"
    design = boot_moments.prepare(key, ctrl_x, fe_arrays, units)

    cov_a = _a_path_covariance(design, frame, full.spec.vcov_type, vcov_cluster,
                               np.sqrt(va), treatment, ctrls, bool(fes))
    ind = a * b
    se = np.sqrt(a ** 2 * np.diag(vb) + b ** 2 * va)
    tot = float(ind.sum())
    tot_se = float(np.sqrt(b @ cov_a @ b + a @ vb @ a))
    c_total = float(total.params[treatment])
    c_direct = float(full.params[treatment])

    boot = None
    failed = 0
    lows = highs = np.full(len(meds) + 1, np.nan)
    if draws:
        boot = _bootstrap(design, meds, draws, int(seed))
        _check_point(design, a, b, c_total, c_direct)
        failed = int(boot["indirect_total"].isna().sum())
        if failed == draws:
            raise EstimationError(
                "no bootstrap draw could be estimated (the treatment or a mediator never varied "
                "within the resampled data). Use more clusters or observations, or bootstrap=0.")
        if failed:
            warnings.warn(MediationWarning(
                f"{failed} of {draws} bootstrap draws could not be estimated (no variation in "
                "the treatment or collinear mediators in the resampled data) and were left out "
                "of the intervals."), stacklevel=2)
        cols = [f"indirect_{m}" for m in meds] + ["indirect_total"]
        ests = np.append(ind, tot)
        bounds = [_interval(boot[c].dropna().to_numpy(), e, ci_level, ci)
                  for c, e in zip(cols, ests, strict=True)]
        lows = np.array([lo for lo, _ in bounds])
        highs = np.array([hi for _, hi in bounds])

    from scipy import stats

    est = np.append(ind, tot)
    ses = np.append(se, tot_se)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / ses
    indirect = pd.DataFrame({
        "mediator": [*meds, TOTAL],
        "estimate": est,
        "sobel_se": ses,
        "sobel_z": z,
        "sobel_p": 2 * stats.norm.sf(np.abs(z)),
        "boot_low": lows,
        "boot_high": highs,
        "boot_method": ci if draws else "none",
        "draws": draws - failed,
        "seed": int(seed),
    })
    paths = pd.DataFrame({"mediator": list(meds), "a": a, "a_se": np.sqrt(va), "b": b,
                          "b_se": np.sqrt(np.diag(vb))})
    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = tot / c_total if c_total != 0 else float("nan")
    return MediationResult(
        outcome=outcome, treatment=treatment, mediators=meds, controls=ctrls, fixed_effects=fes,
        total_effect=c_total, direct_effect=c_direct, proportion_mediated=float(proportion),
        ci_level=float(ci_level), ci_method=ci, draws=draws, failed_draws=failed,
        seed=int(seed), boot_unit=boot_unit, note=CAUSAL_NOTE, _steps=steps,
        _indirect=indirect, _paths=paths, _boot=boot,
    )


def _two_way_message(cluster: Sequence[str]) -> str:
    return (f"the bootstrap resamples one clustering, but vcov clusters by "
            f"{' and '.join(cluster)}. Pass vcov={{'CRV1': '{cluster[0]}'}} (or the coarser "
            "clustering), or bootstrap=0 for the Sobel tests only.")


def _fe_codes(frame: pd.DataFrame, fe: str) -> np.ndarray:
    """Integer codes of a fixed effect (``a^b``: of each combination)."""
    parts = [p.strip() for p in fe.split("^")]
    return frame.groupby(parts, sort=False, dropna=False).ngroup().to_numpy()


def _paths_from_moments(p: np.ndarray, scale: np.ndarray, n_med: int) -> dict[str, np.ndarray]:
    """Total, direct, a- and b-paths from partialled cross-products (key order d, m..., y).

    ``p`` has shape (draws, k, k) in scaled units; the paths are returned in
    the data's units. A draw whose treatment (or treatment and mediators)
    has no variation left gives NaN.
    """
    k = n_med + 2
    s_d, s_m, s_y = scale[0], scale[1:1 + n_med], scale[k - 1]
    ptt = p[:, 0, 0]
    ref = np.trace(p, axis1=1, axis2=2)
    bad = ptt <= 1e-10 * np.where(ref > 0, ref, 1.0)
    safe = np.where(bad, 1.0, ptt)
    total = p[:, 0, k - 1] / safe * (s_y / s_d)
    a = p[:, 0, 1:1 + n_med] / safe[:, None] * (s_m / s_d)[None, :]
    xx = p[:, : k - 1, : k - 1]
    xy = p[:, : k - 1, k - 1]
    vals = np.linalg.eigvalsh(xx)
    bad |= vals[:, 0] <= 1e-10 * np.where(vals[:, -1] > 0, vals[:, -1], 1.0)
    xx = np.where(bad[:, None, None], np.eye(k - 1)[None], xx)
    coef = np.linalg.solve(xx, xy[:, :, None])[:, :, 0]
    direct = coef[:, 0] * (s_y / s_d)
    b = coef[:, 1:] * (s_y / s_m)[None, :]
    out = {"total": total, "direct": direct, "a": a, "b": b}
    for name in out:
        arr = out[name]
        arr[bad] = np.nan
    return out


def _bootstrap(design: boot_moments.MomentDesign, meds: tuple[str, ...], draws: int,
               seed: int) -> pd.DataFrame:
    """Paths of every bootstrap draw, computed block by block from weighted cross-products."""
    blocks = []
    for idx in boot_moments.index_blocks(design.n_units, draws, seed):
        w = boot_moments.counts(idx, design.n_units)
        blocks.append(_paths_from_moments(design.moments(w), design.scale, len(meds)))
    cat = {k: np.concatenate([blk[k] for blk in blocks]) for k in blocks[0]}
    out = {"total_effect": cat["total"], "direct_effect": cat["direct"]}
    for j, m in enumerate(meds):
        out[f"a_{m}"] = cat["a"][:, j]
        out[f"b_{m}"] = cat["b"][:, j]
        out[f"indirect_{m}"] = cat["a"][:, j] * cat["b"][:, j]
    out["indirect_total"] = np.sum(cat["a"] * cat["b"], axis=1)
    frame = pd.DataFrame(out)
    frame.index.name = "draw"
    return frame


def _check_point(design: boot_moments.MomentDesign, a: np.ndarray, b: np.ndarray,
                 c_total: float, c_direct: float) -> None:
    """The moment computation with unit weights must reproduce the steps' estimates."""
    p = _paths_from_moments(design.moments(np.ones((1, design.n_units))), design.scale, len(a))
    mine = np.concatenate([p["a"][0], p["b"][0], p["total"], p["direct"]])
    theirs = np.concatenate([a, b, [c_total, c_direct]])
    scale = np.maximum(np.abs(theirs), np.max(np.abs(theirs)) * 1e-3 + 1e-300)
    if not np.all(np.abs(mine - theirs) <= 1e-6 * scale):
        raise EstimationError(
            "the bootstrap could not reproduce the estimates of the steps (the regressors are "
            "nearly collinear with the fixed effects or with each other). Remove a nearly "
            "collinear control or fixed effect, or use bootstrap=0 for the Sobel tests only.")


def _interval(values: np.ndarray, estimate: float, level: float, method: str) -> tuple[float, float]:
    """Percentile or bias-corrected (Efron) bootstrap interval of ``values``."""
    from scipy import stats

    alpha = 1 - level
    probs = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bc":
        n = len(values)
        share = np.mean(values < estimate)
        share = min(max(share, 0.5 / n), 1 - 0.5 / n)  # keep z0 finite
        z0 = stats.norm.ppf(share)
        probs = stats.norm.cdf(2 * z0 + stats.norm.ppf(probs))
    low, high = np.quantile(values, probs)
    return float(low), float(high)


def _a_path_covariance(design: boot_moments.MomentDesign, frame: pd.DataFrame, vcov_type: str,
                       cluster: tuple[str, ...], se_a: np.ndarray, treatment: str,
                       ctrls: tuple[str, ...], has_fe: bool) -> np.ndarray:
    """Covariance of the a-paths across the mediator equations.

    The correlation of the a-paths' scores ``d~_i e_ji`` (``d~`` the
    treatment with fixed effects and controls partialled out, ``e_j`` the
    residual of mediator ``j``'s equation) under the steps' variance
    estimator (iid: ``e_j'e_k``; HC: ``sum_i d~_i^2 e_ji e_ki``, with HC2/HC3
    leverage weights; clustered: sums within clusters, two-way by
    ``V_a + V_b - V_ab``), scaled to the steps' standard errors, so the
    diagonal is exactly the steps' variances.
    """
    n_med = len(se_a)
    if n_med == 1:
        return np.array([[se_a[0] ** 2]])
    r = design.residualised()
    d = r[:, 0]
    m = r[:, 1:1 + n_med]
    a_s = (d @ m) / (d @ d)
    e = m - d[:, None] * a_s[None, :]
    if vcov_type == "iid":
        raw = e.T @ e
    else:
        u = d[:, None] * e
        if cluster:
            raw = np.zeros((n_med, n_med))
            ways: list[tuple[float, list[str]]] = [(1.0, [c]) for c in cluster]
            if len(cluster) == 2:
                ways.append((-1.0, list(cluster)))
            for sign, cols in ways:
                codes = frame.groupby(cols, sort=False).ngroup().to_numpy()
                sums = np.zeros((codes.max() + 1, n_med))
                np.add.at(sums, codes, u)
                raw += sign * (sums.T @ sums)
        else:
            if vcov_type in ("HC2", "HC3") and not has_fe:
                x = np.column_stack([np.ones(len(frame)), frame[[treatment, *ctrls]].to_numpy(float)])
                qm, _ = np.linalg.qr(x)
                h = np.sum(qm ** 2, axis=1)
                u = u / ((1 - h) if vcov_type == "HC3" else np.sqrt(1 - h))[:, None]
            raw = u.T @ u
    diag = np.sqrt(np.diag(raw))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = raw / np.outer(diag, diag)
    corr = np.where(np.isfinite(corr), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    return corr * np.outer(se_a, se_a)


__all__ = ["CAUSAL_NOTE", "MIN_DRAWS", "MediationResult", "MediationWarning", "mediation"]
