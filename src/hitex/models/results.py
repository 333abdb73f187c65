"""The result contract every hitex estimator returns.

A :class:`RegressionResult` is immutable: its attributes return copies, and
re-doing inference (:meth:`RegressionResult.with_vcov`) returns a *new*
result. Tables, reports and the study runner consume only this contract, so a
new estimator gets tables for free.

The contract (DESIGN.md): ``params``, ``std_errors``, ``pvalues``,
``conf_int(level)``, ``nobs``, ``rsquared``, ``rsquared_within``, ``tidy()``,
``summary()``; plus the specification that was run (:class:`ModelSpec`) and
the observations dropped and why (:class:`DropRecord`).

Fit statistics (:mod:`hitex.models.fit_stats`, Stata's conventions) are
recorded by the estimators in ``extra`` and read through properties:
``depvar_mean``, ``rss``, ``mss``, ``rmse``, ``loglik``, ``aic``, ``bic``,
``fstat``/``f_pvalue``; ``extra`` also holds ``tss``, ``f_df``, Stata ``xtreg,
fe``'s ``sigma_u``/``sigma_e``/``rho`` for one-way fixed effects, and for PPML
``loglik_null``, ``pseudo_rsquared`` (McFadden), ``pseudo_rsquared_adj``
(fixest), ``deviance`` and the Wald test ``wald_chi2``/``wald_pvalue``/``wald_df``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

TIDY_COLUMNS = ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")

#: Scalar fit statistics an estimator may record in ``extra`` (see
#: :mod:`hitex.models.fit_stats`); :meth:`RegressionResult.to_dict` writes them.
FIT_STATISTICS = ("depvar_mean", "rss", "tss", "mss", "rmse", "loglik", "aic", "bic", "n_params",
                  "fstat", "f_pvalue", "wald_chi2", "wald_pvalue", "wald_df", "sigma_u",
                  "sigma_e", "rho", "f_u", "f_u_pvalue", "loglik_null", "pseudo_rsquared", "pseudo_rsquared_adj",
                  "deviance", "squared_correlation")


@dataclass(frozen=True)
class DropRecord:
    """Observations or terms removed before or during estimation.

    Attributes
    ----------
    reason : str
        One of ``"missing"``, ``"singleton"``, ``"absorbed"``, ``"collinear"``,
        ``"filter"``, ``"separation"``.
    count : int
        Number of observations (or terms, for ``absorbed``/``collinear``).
    detail : str
        Human-readable detail: the columns with missing values, the absorbed
        regressor and the fixed effect that absorbs it, the filter applied.
    """

    reason: str
    count: int
    detail: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """What was estimated, recorded so a table can say exactly what was run.

    ``endogenous`` and ``instruments`` are empty except for 2SLS, where they
    name the instrumented regressor(s) and the excluded instruments as
    written in the formula's IV part. ``average_intercept`` says whether
    Stata ``xtreg, fe``'s ``_cons`` is reported; ``hac_time``, ``hac_panel`` and
    ``hac_lag`` describe a Newey-West (``vcov_type="NW"``) or Driscoll-Kraay
    (``"DK"``) variance.
    """

    formula: str
    depvar: str
    regressors: tuple[str, ...]
    fixed_effects: tuple[str, ...] = ()
    vcov_type: str = "iid"
    cluster: tuple[str, ...] = ()
    vcov_label: str = "Conventional"
    ssc: str = "reghdfe"
    estimator: str = "OLS (absorbed fixed effects)"
    weights: str | None = None
    sample: str | None = None
    formula_input: str = ""
    notes: tuple[str, ...] = ()
    engine: str = ""
    endogenous: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    average_intercept: bool = False
    hac_time: str | None = None
    hac_panel: str | None = None
    hac_lag: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the specification as JSON-serialisable data."""
        return {
            "formula": self.formula,
            "formula_input": self.formula_input or self.formula,
            "depvar": self.depvar,
            "regressors": list(self.regressors),
            "fixed_effects": list(self.fixed_effects),
            "vcov_type": self.vcov_type,
            "cluster": list(self.cluster),
            "vcov_label": self.vcov_label,
            "ssc": self.ssc,
            "estimator": self.estimator,
            "weights": self.weights,
            "sample": self.sample,
            "notes": list(self.notes),
            "engine": self.engine,
            "endogenous": list(self.endogenous),
            "instruments": list(self.instruments),
            "average_intercept": self.average_intercept,
            "hac": None if self.hac_time is None else {
                "time": self.hac_time, "panel": self.hac_panel, "lag": self.hac_lag},
        }


def _ro(series: pd.Series) -> pd.Series:
    return series.copy()


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """An immutable regression result.

    Attributes are read-only; the pandas objects they return are copies.
    Standard errors, t statistics, p-values and confidence intervals use the
    degrees of freedom ``df_resid`` recorded by the estimator (``G - 1`` for
    clustered errors, as Stata and fixest do).
    """

    _params: pd.Series
    _std_errors: pd.Series
    _tstats: pd.Series
    _pvalues: pd.Series
    _vcov: pd.DataFrame
    nobs: int
    rsquared: float
    rsquared_within: float | None
    df_resid: float
    spec: ModelSpec
    dropped: tuple[DropRecord, ...] = ()
    n_clusters: Mapping[str, int] = field(default_factory=dict)
    rsquared_adj: float | None = None
    sample_index: pd.Index | None = None
    _refit: Callable[[Any], RegressionResult] | None = field(default=None, repr=False)
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- contract --------------------------------------------------------------
    @property
    def params(self) -> pd.Series:
        """Estimated coefficients, indexed by term."""
        return _ro(self._params)

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors under the result's variance estimator."""
        return _ro(self._std_errors)

    @property
    def tstats(self) -> pd.Series:
        """t statistics ``params / std_errors``."""
        return _ro(self._tstats)

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the t distribution with ``df_resid`` degrees of freedom."""
        return _ro(self._pvalues)

    @property
    def vcov(self) -> pd.DataFrame:
        """Variance-covariance matrix of the coefficients."""
        return self._vcov.copy()

    @property
    def terms(self) -> tuple[str, ...]:
        """Names of the estimated terms."""
        return tuple(self._params.index)

    # -- fit statistics (recorded in ``extra`` by the estimator) ---------------
    def _stat(self, name: str) -> float | None:
        value = self.extra.get(name) if isinstance(self.extra, Mapping) else None
        return None if value is None else float(value)

    @property
    def depvar_mean(self) -> float | None:
        """Mean of the dependent variable in the estimation sample (weighted if weights)."""
        return self._stat("depvar_mean")

    @property
    def rss(self) -> float | None:
        """Residual sum of squares (Stata ``e(rss)``); None for PPML."""
        return self._stat("rss")

    @property
    def mss(self) -> float | None:
        """Model sum of squares, within the fixed effects when absorbed (Stata ``e(mss)``)."""
        return self._stat("mss")

    @property
    def rmse(self) -> float | None:
        """Root mean squared error ``sqrt(rss/(N - K - df_a))`` (Stata ``e(rmse)``)."""
        return self._stat("rmse")

    @property
    def loglik(self) -> float | None:
        """Log-likelihood (Gaussian for OLS, Poisson pseudo log-likelihood for PPML)."""
        return self._stat("loglik")

    @property
    def aic(self) -> float | None:
        """Akaike information criterion ``-2 ll + 2 k``, every fixed-effect level counted."""
        return self._stat("aic")

    @property
    def bic(self) -> float | None:
        """Schwarz (Bayesian) information criterion ``-2 ll + k ln N``."""
        return self._stat("bic")

    @property
    def fstat(self) -> float | None:
        """Model F statistic (all coefficients but the intercept), under the result's variance."""
        return self._stat("fstat")

    @property
    def f_pvalue(self) -> float | None:
        """p-value of :attr:`fstat` from ``F(q, df_resid)``."""
        return self._stat("f_pvalue")

    def __repr__(self) -> str:
        """Short summary: estimator, formula, N and the first coefficients."""
        shown = ", ".join(f"{t}={float(b):.4g}" for t, b in list(self._params.items())[:3])
        more = f", ... ({len(self._params)} terms)" if len(self._params) > 3 else ""
        return (f"<RegressionResult {self.spec.estimator}: {self.spec.formula} | N={self.nobs:,}"
                f" | {shown}{more}>")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals ``params +/- t(df_resid, (1+level)/2) * se``.

        Parameters
        ----------
        level : float, default 0.95
            Coverage, strictly between 0 and 1.

        Returns
        -------
        pandas.DataFrame
            Columns ``conf_low`` and ``conf_high`` indexed by term.
        """
        if not 0 < level < 1:
            from hitex.errors import SpecificationError

            raise SpecificationError(f"conf_int level must be between 0 and 1, got {level}")
        from scipy import stats

        if math.isfinite(self.df_resid) and self.df_resid > 0:
            q = stats.t.ppf((1 + level) / 2, self.df_resid)
        else:
            q = stats.norm.ppf((1 + level) / 2)
        low = self._params - q * self._std_errors
        high = self._params + q * self._std_errors
        return pd.DataFrame({"conf_low": low, "conf_high": high})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term: estimate, std_error, statistic, p_value, conf_low, conf_high."""
        ci = self.conf_int(level)
        out = pd.DataFrame(
            {
                "estimate": self._params,
                "std_error": self._std_errors,
                "statistic": self._tstats,
                "p_value": self._pvalues,
                "conf_low": ci["conf_low"],
                "conf_high": ci["conf_high"],
            }
        )
        out.index.name = "term"
        return out

    def with_vcov(self, vcov: Any) -> RegressionResult:
        """Return a new result with the same estimates and another variance estimator.

        Parameters
        ----------
        vcov : str or dict
            ``"iid"``, ``"hetero"`` or ``{"CRV1": "column"}``.
        """
        if self._refit is None:
            from hitex.errors import EstimationError

            raise EstimationError("this result cannot recompute its variance")
        return self._refit(vcov)

    def summary(self, digits: int = 4) -> str:
        """A plain-text summary: specification, coefficient table, fit, drops."""
        lines = [
            f"Estimator: {self.spec.estimator}",
            f"Formula:   {self.spec.formula}",
            f"Outcome:   {self.spec.depvar}",
        ]
        if self.spec.fixed_effects:
            lines.append(f"Fixed effects: {', '.join(self.spec.fixed_effects)}")
        lines.append(f"Std. errors: {self.spec.vcov_label}")
        if self.spec.sample:
            lines.append(f"Sample: {self.spec.sample}")
        lines.append("")
        tidy = self.tidy()
        header = f"{'term':<24}{'estimate':>12}{'std.error':>12}{'t':>9}{'p':>9}"
        lines += [header, "-" * len(header)]
        for term, row in tidy.iterrows():
            lines.append(
                f"{str(term)[:24]:<24}{row.estimate:>12.{digits}f}{row.std_error:>12.{digits}f}"
                f"{row.statistic:>9.3f}{row.p_value:>9.4f}"
            )
        lines += ["-" * len(header), f"N = {self.nobs:,}   R2 = {self.rsquared:.4f}"]
        if self.rsquared_within is not None:
            lines[-1] += f"   within R2 = {self.rsquared_within:.4f}"
        fit = [f"{label} = {value:.{digits}g}" for label, value in (
            ("RMSE", self.rmse), ("F", self.fstat), ("Prob > F", self.f_pvalue),
            ("Wald chi2", self._stat("wald_chi2")), ("Prob > chi2", self._stat("wald_pvalue")),
            ("pseudo R2", self._stat("pseudo_rsquared")), ("log-likelihood", self.loglik))
            if value is not None and math.isfinite(value)]
        if fit:
            lines.append("   ".join(fit))
        within = [f"{name} = {value:.{digits}g}" for name in ("sigma_u", "sigma_e", "rho")
                  if (value := self._stat(name)) is not None and math.isfinite(value)]
        if within:
            lines.append("   ".join(within))
        for drop in self.dropped:
            lines.append(f"dropped ({drop.reason}): {drop.count} {drop.detail}".rstrip())
        for note in self.spec.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record: coefficients, SEs, fit, spec and drops."""

        def num(x: Any) -> float | None:
            x = float(x)
            return x if np.isfinite(x) else None

        tidy = self.tidy()
        return {
            "spec": self.spec.to_dict(),
            "nobs": int(self.nobs),
            "rsquared": num(self.rsquared),
            "rsquared_within": None if self.rsquared_within is None else num(self.rsquared_within),
            "rsquared_adj": None if self.rsquared_adj is None else num(self.rsquared_adj),
            "df_resid": num(self.df_resid),
            "n_clusters": {k: int(v) for k, v in self.n_clusters.items()},
            "coefficients": [
                {"term": str(t), **{c: num(r[c]) for c in TIDY_COLUMNS}}
                for t, r in tidy.iterrows()
            ],
            "dropped": [d.__dict__ for d in self.dropped],
            "statistics": {k: num(v) for k, v in self.extra.items()
                           if k in FIT_STATISTICS and v is not None},
        }
