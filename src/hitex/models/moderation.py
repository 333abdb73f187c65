"""Moderation analysis: a treatment's effect that varies with a moderator, and its marginal effects.

:func:`moderation` estimates, with :func:`hitex.panel` (fixest syntax, the
same fixed effects, standard errors and small-sample conventions),

.. math::

    y = b_1 d + b_2 \\tilde m + b_3 \\, d \\tilde m + controls + FE + e,
    \\qquad \\tilde m = m - \\bar m \\text{ (center=True) or } m,

the moderation (interaction) model of applied economics papers and PROCESS
model 1 (Hayes 2013). The marginal effect of the treatment at moderator value
``m`` is ``b_1 + b_3 (m - c)`` (``c`` the centring constant, 0 without
centring) with the delta-method variance ``V_11 + (m - c)^2 V_33 +
2 (m - c) V_13`` and t-based intervals on the result's degrees of freedom
(Brambor, Clark and Golder 2006).

Centring
--------
With ``center=True`` the moderator is centred at its sample mean before it
enters the main effect and the product. Only ``b_1`` changes: it becomes the
treatment's effect at the mean of the moderator (without centring it is the
effect at ``m = 0``, often outside the data) and its standard error changes
with it. ``b_2``, ``b_3`` and their standard errors, the fit, and every
marginal effect at a given value of the moderator are the same either way.
The treatment itself is not centred.

Absorbed moderator
------------------
A moderator that is constant within the groups of a fixed effect (a firm
characteristic with firm fixed effects) has its main effect absorbed: it is
left out of the formula, with an :class:`~hitex.errors.AbsorbedRegressorWarning`
and a note, and the product is identified from variation in the treatment
within the groups. If the product itself is absorbed (the treatment is
constant within the groups too), nothing is identified and an error says so.

The interaction coefficient describes heterogeneity; like any coefficient on
a non-randomised moderator it does not say that changing the moderator would
change the treatment's effect (Jiang 2022, *China Industrial Economics*).
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import (
    AbsorbedRegressorWarning,
    EstimationError,
    SpecificationError,
)
from hitex.models import checks
from hitex.models.formula import is_formula_name, name_problem
from hitex.models.inference import normalise_vcov
from hitex.models.panel import panel
from hitex.models.results import ModelSpec, RegressionResult

#: Moderator percentiles used by ``marginal_effects(at="quantiles")``.
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)

ME_COLUMNS = ("moderator", "estimate", "std_error", "statistic", "p_value", "conf_low",
              "conf_high")


@dataclass(frozen=True, eq=False)
class ModerationResult:
    """An immutable moderation result.

    It has the result contract of its regression (``params``,
    ``std_errors``, ``pvalues``, ``vcov``, ``nobs``, ``rsquared``, ``spec``,
    ``tidy()``, ``summary()``), so :func:`hitex.regression_table` prints it.

    Attributes
    ----------
    regression : RegressionResult
        The estimated moderation model.
    outcome, treatment, moderator : str
    interaction : str
        Name of the product term, ``"<treatment>_x_<moderator>"``.
    moderator_term : str or None
        Name of the moderator's main-effect term (``"<moderator>_c"`` when
        centred); None when a fixed effect absorbs it.
    absorbed_by : str or None
        The fixed effect that absorbs the moderator's main effect.
    center : bool
    moderator_mean : float
        The centring constant ``c`` (sample mean of the moderator; 0 without centring).
    """

    regression: RegressionResult
    outcome: str
    treatment: str
    moderator: str
    interaction: str
    moderator_term: str | None
    absorbed_by: str | None
    center: bool
    moderator_mean: float
    _values: np.ndarray = field(repr=False)

    # -- contract (delegated) ---------------------------------------------------------
    @property
    def params(self) -> pd.Series:
        """Coefficients of the moderation model."""
        return self.regression.params

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of the moderation model."""
        return self.regression.std_errors

    @property
    def pvalues(self) -> pd.Series:
        """p-values of the moderation model."""
        return self.regression.pvalues

    @property
    def vcov(self) -> pd.DataFrame:
        """Variance-covariance matrix of the coefficients."""
        return self.regression.vcov

    @property
    def nobs(self) -> int:
        """Observations used."""
        return self.regression.nobs

    @property
    def rsquared(self) -> float:
        """R-squared."""
        return self.regression.rsquared

    @property
    def rsquared_within(self) -> float | None:
        """Within R-squared (with fixed effects)."""
        return self.regression.rsquared_within

    @property
    def spec(self) -> ModelSpec:
        """What was estimated (formula, fixed effects, vcov, notes)."""
        return self.regression.spec

    @property
    def moderator_values(self) -> np.ndarray:
        """The moderator in the estimation sample (uncentred)."""
        return self._values.copy()

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the coefficients."""
        return self.regression.conf_int(level)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """The coefficient table of the moderation model."""
        return self.regression.tidy(level)

    # -- marginal effects -------------------------------------------------------------
    def marginal_effects(self, at: Sequence[float] | str = "quantiles",
                         level: float = 0.95) -> pd.DataFrame:
        """The treatment's effect at given values of the moderator.

        Parameters
        ----------
        at : sequence of float, "quantiles" or "mean_sd", default "quantiles"
            Moderator values on its original scale; ``"quantiles"``: its
            10th, 25th, 50th, 75th and 90th sample percentiles (``numpy.quantile``,
            linear interpolation); ``"mean_sd"``: mean minus one standard
            deviation, mean, mean plus one (sample sd, ``ddof=1``), the
            "pick-a-point" values of Aiken and West (1991) and PROCESS.
        level : float, default 0.95
            Coverage of the intervals.

        Returns
        -------
        pandas.DataFrame
            Columns ``moderator, estimate, std_error, statistic, p_value,
            conf_low, conf_high``: ``b_1 + b_3 (m - c)``, its delta-method
            standard error ``sqrt(V_11 + (m-c)^2 V_33 + 2 (m-c) V_13)``,
            t statistic, p-value and interval from ``t(df_resid)``.
        """
        values = self._at_values(at)
        if not 0 < level < 1:
            raise SpecificationError(f"level={level!r} must lie strictly between 0 and 1.")
        return self._effects(values, level)

    def _at_values(self, at: Sequence[float] | str) -> np.ndarray:
        if isinstance(at, str):
            if at == "quantiles":
                return np.quantile(self._values, QUANTILES)
            if at == "mean_sd":
                mean, sd = float(np.mean(self._values)), float(np.std(self._values, ddof=1))
                return np.array([mean - sd, mean, mean + sd])
            raise SpecificationError(
                f"at={at!r} is not known; give moderator values (at=[0, 1, 2]), 'quantiles' or "
                "'mean_sd'.")
        try:
            values = np.asarray(list(np.atleast_1d(at)), dtype=float)
        except (TypeError, ValueError):
            raise SpecificationError(
                f"at={at!r} must be numbers (moderator values on its original scale), "
                "'quantiles' or 'mean_sd'.") from None
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise SpecificationError(f"at={at!r} must hold at least one finite moderator value.")
        return values

    def _effects(self, values: np.ndarray, level: float) -> pd.DataFrame:
        from scipy import stats

        b = self.regression.params
        v = self.regression.vcov
        d, x = self.treatment, self.interaction
        shift = values - self.moderator_mean
        est = b[d] + b[x] * shift
        var = v.loc[d, d] + shift ** 2 * v.loc[x, x] + 2 * shift * v.loc[d, x]
        se = np.sqrt(np.maximum(var, 0.0))
        df = self.regression.df_resid
        dist = stats.t(df) if math.isfinite(df) and df > 0 else stats.norm()
        with np.errstate(divide="ignore", invalid="ignore"):
            tstat = est / se
        q = dist.ppf((1 + level) / 2)
        return pd.DataFrame({"moderator": values, "estimate": est, "std_error": se,
                             "statistic": tstat, "p_value": 2 * dist.sf(np.abs(tstat)),
                             "conf_low": est - q * se, "conf_high": est + q * se})

    def plot(self, ax: Any = None, labels: Mapping[str, str] | None = None, *,
             level: float = 0.95, points: int = 100, distribution: str = "hist") -> Any:
        """Plot the marginal effect over the moderator's range with its confidence band.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; default a new figure.
        labels : mapping, optional
            Display names keyed by column name (``{"fdi": "FDI share"}``)
            for the treatment, moderator and outcome.
        level : float, default 0.95
            Coverage of the band.
        points : int, default 100
            Moderator values on a grid from its sample minimum to maximum.
        distribution : {"hist", "rug", "none"}, default "hist"
            How the moderator's sample distribution is shown at the bottom.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if distribution not in ("hist", "rug", "none"):
            raise SpecificationError(f"distribution={distribution!r}: use 'hist', 'rug' or 'none'.")
        if not isinstance(points, (int, np.integer)) or points < 2:
            raise SpecificationError(f"points={points!r} must be an integer of at least 2.")
        names = dict(labels or {})
        grid = np.linspace(float(np.min(self._values)), float(np.max(self._values)), int(points))
        me = self.marginal_effects(grid, level)
        own = ax is None
        if own:
            fig, ax = plt.subplots(figsize=(6.4, 4.2))
        else:
            fig = ax.figure
        ax.fill_between(grid, me["conf_low"], me["conf_high"], alpha=0.25, color="C0",
                        linewidth=0, label=f"{100 * level:g}% confidence interval")
        ax.plot(grid, me["estimate"], color="C0", label="Marginal effect")
        ax.axhline(0.0, color="0.4", linewidth=0.8, linestyle="--")
        if distribution == "hist":
            twin = ax.twinx()
            counts, _, _ = twin.hist(self._values, bins=min(30, max(5, len(self._values) // 10)),
                                     color="0.6", alpha=0.35)
            twin.set_ylim(0, max(float(np.max(counts)), 1.0) * 4)  # bottom quarter of the plot
            twin.set_yticks([])
            ax.set_zorder(twin.get_zorder() + 1)
            ax.patch.set_visible(False)
        elif distribution == "rug":
            ax.plot(self._values, np.zeros_like(self._values), "|", color="0.3", alpha=0.5,
                    markersize=8, transform=ax.get_xaxis_transform())
        mod = names.get(self.moderator, self.moderator)
        ax.set_xlabel(mod)
        label = (f"Marginal effect of {names.get(self.treatment, self.treatment)} on "
                 f"{names.get(self.outcome, self.outcome)}")
        ax.set_ylabel(textwrap.fill(label, 40))  # long labels on two or three lines, not cut
        ax.legend(loc="best", frameon=False)
        if own:
            fig.tight_layout()
        return fig

    def summary(self, digits: int = 4) -> str:
        """The regression's summary and the marginal effects at the moderator's quantiles."""
        me = self.marginal_effects("quantiles")
        lines = [self.regression.summary(digits), "",
                 f"Marginal effect of {self.treatment} by {self.moderator}"
                 + (f" (moderator centred at {self.moderator_mean:.{digits}g})"
                    if self.center else ""),
                 f"{'moderator':>12}{'effect':>12}{'std.error':>12}{'p':>9}"]
        for _, r in me.iterrows():
            lines.append(f"{r.moderator:>12.{digits}g}{r.estimate:>12.{digits}f}"
                         f"{r.std_error:>12.{digits}f}{r.p_value:>9.4f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record: the regression and the moderation setup."""
        me = self.marginal_effects("quantiles")
        return {
            "regression": self.regression.to_dict(),
            "outcome": self.outcome, "treatment": self.treatment, "moderator": self.moderator,
            "interaction": self.interaction, "moderator_term": self.moderator_term,
            "absorbed_by": self.absorbed_by, "center": self.center,
            "moderator_mean": float(self.moderator_mean),
            "marginal_effects": [{k: float(v) for k, v in r.items()}
                                 for r in me.to_dict("records")],
        }


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SpecificationError(f"{what} must be a column name (str); got {value!r}.")
    if not is_formula_name(value):
        raise SpecificationError(f"{what}: {name_problem(value, what)}")
    return value


def _free_name(base: str, taken: Sequence[str]) -> str:
    name, i = base, 2
    while name in taken:
        name, i = f"{base}{i}", i + 1
    return name


def moderation(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    moderator: str,
    *,
    controls: Sequence[str] = (),
    fixed_effects: Sequence[str] = (),
    vcov: str | Mapping[str, str] | None = None,
    center: bool = True,
    ssc: str = "reghdfe",
) -> ModerationResult:
    """Estimate a moderation (interaction) model and its marginal effects.

    ``outcome ~ treatment + moderator + treatment x moderator + controls | fixed effects``
    by :func:`hitex.panel` (pyfixest; fixest/reghdfe conventions), as PROCESS
    model 1 and applied economics papers specify it. See the module docstring
    for centring and an absorbed moderator.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    outcome, treatment, moderator : str
        Numeric columns.
    controls : sequence of str, optional
        Numeric control columns.
    fixed_effects : sequence of str, optional
        Fixed effects to absorb (``"firm"``, ``"year"``, ``"a^b"``).
    vcov : str or dict, optional
        As in :func:`hitex.panel` (default: clustered by the first fixed
        effect, else iid).
    center : bool, default True
        Centre the moderator at its sample mean, so the treatment's
        coefficient is its effect at the mean moderator. Only that
        coefficient (and its standard error) changes.
    ssc : {"reghdfe", "fixest", "none"}, default "reghdfe"
        Small-sample convention (:func:`hitex.panel`).

    Returns
    -------
    ModerationResult
        With ``marginal_effects(at=...)`` and ``plot()``; terms
        ``<treatment>``, ``<moderator>_c`` (``<moderator>`` without
        centring) and ``<treatment>_x_<moderator>``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, EmptySampleError
        A missing or text column, or no complete row.
    SpecificationError
        A moderator that is the treatment or the outcome, or a variable in two roles.
    EstimationError
        A moderator or treatment without variation, or a product absorbed
        by the fixed effects.

    Warns
    -----
    AbsorbedRegressorWarning
        When a fixed effect absorbs the moderator's main effect (it is left out).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d, m = rng.normal(size=300), rng.normal(size=300)
    >>> df = pd.DataFrame({"d": d, "m": m, "y": d + 0.5 * d * m + rng.normal(size=300)})
    >>> res = moderation(df, "y", "d", "m")
    >>> round(float(res.params["d_x_m"]), 1)
    0.5
    """
    data = checks.require_dataframe(data)
    outcome = _name(outcome, "outcome")
    treatment = _name(treatment, "treatment")
    moderator = _name(moderator, "moderator")
    ctrls = tuple(_name(c, "controls") for c in ((controls,) if isinstance(controls, str)
                                                 else controls))
    fes = tuple(str(f).strip() for f in ((fixed_effects,) if isinstance(fixed_effects, str)
                                         else fixed_effects))
    if moderator == treatment:
        raise SpecificationError(
            f"moderator and treatment are both '{moderator}'; the moderator must be another "
            "variable (for a non-linear effect of the treatment, add its square as a control).")
    if outcome in (treatment, moderator):
        raise SpecificationError(f"'{outcome}' is the outcome and cannot also be the treatment "
                                 "or the moderator.")
    clash = [c for c in ctrls if c in (outcome, treatment, moderator)]
    if clash:
        raise SpecificationError(f"control(s) {clash} are also the outcome, treatment or "
                                 "moderator; a variable plays one role. Remove them from controls=.")
    cluster: tuple[str, ...] = ()
    if vcov is not None:
        _, _, cluster = normalise_vcov(vcov)
        checks.require_cluster_columns(data, cluster, vcov)
    fe_cols = [p.strip() for fe in fes for p in fe.split("^")]
    used = list(dict.fromkeys([outcome, treatment, moderator, *ctrls, *fe_cols, *cluster]))
    checks.require_columns(data, used, context="moderation()")
    checks.require_numeric(data, [outcome, treatment, moderator, *ctrls])
    work, records, missing = checks.drop_missing(data.loc[:, used])
    checks.require_nonempty(len(work), "moderation() (rows complete in every variable)", missing)
    for name, role in ((moderator, "moderator"), (treatment, "treatment")):
        if work[name].nunique() <= 1:
            raise EstimationError(
                f"{role} '{name}' has no variation in the estimation sample (every value is "
                f"{work[name].iloc[0]!r}), so no moderation can be estimated. Check the column "
                "and the sample, or choose another moderator.")

    mod_values = work[moderator].astype("float64")
    mean = float(mod_values.mean()) if center else 0.0
    taken = list(work.columns)
    mod_term = _free_name(f"{moderator}_c", taken) if center else moderator
    inter = _free_name(f"{treatment}_x_{moderator}", [*taken, mod_term])
    work = work.copy()
    if center:
        work[mod_term] = mod_values - mean
    work[inter] = work[treatment].astype("float64") * (mod_values - mean)

    absorbed = None
    for fe in fes:
        groups = work.groupby([p.strip() for p in fe.split("^")], sort=False)
        if (groups[moderator].nunique() <= 1).all():
            absorbed = fe
            if (groups[inter].nunique() <= 1).all():
                raise EstimationError(
                    f"the product of treatment '{treatment}' and moderator '{moderator}' is "
                    f"constant within each level of the fixed effect '{fe}', which absorbs it, so "
                    "the moderation is not identified. Use a treatment or moderator that varies "
                    f"within '{fe}', or remove '{fe}' from fixed_effects=.")
            break
    rhs = [treatment, *([] if absorbed else [mod_term]), inter, *ctrls]
    formula = f"{outcome} ~ {' + '.join(rhs)}" + (f" | {' + '.join(fes)}" if fes else "")
    sample = "rows complete in outcome, treatment, moderator and controls" if records else None
    reg = panel(formula, work, vcov=vcov, ssc=ssc, sample=sample)
    if absorbed:
        text = (f"The moderator '{moderator}' is constant within '{absorbed}', whose fixed effect "
                "absorbs its main effect; it is left out and the interaction is identified from "
                f"variation in '{treatment}' within '{absorbed}'.")
        warnings.warn(AbsorbedRegressorWarning(text), stacklevel=2)
        reg = _with_note(reg, text)
    for term, what in ((treatment, "treatment"), (inter, "interaction")):
        if term not in reg.params.index:
            raise EstimationError(
                f"the {what} term '{term}' was dropped from {reg.spec.formula!r} (absorbed by the "
                "fixed effects or collinear with the controls), so the moderation is not "
                "identified. Remove the fixed effect or control that absorbs it.")
    values = mod_values.loc[reg.sample_index].to_numpy() if reg.sample_index is not None \
        else mod_values.to_numpy()
    return ModerationResult(
        regression=reg, outcome=outcome, treatment=treatment, moderator=moderator,
        interaction=inter, moderator_term=None if absorbed else mod_term, absorbed_by=absorbed,
        center=bool(center), moderator_mean=mean, _values=values,
    )


def _with_note(result: RegressionResult, note: str) -> RegressionResult:
    """A copy of ``result`` whose specification carries one more note."""
    import dataclasses

    spec = dataclasses.replace(result.spec, notes=(*result.spec.notes, note))
    return dataclasses.replace(result, spec=spec)


__all__ = ["ME_COLUMNS", "ModerationResult", "QUANTILES", "moderation"]
