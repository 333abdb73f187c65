"""The result contract every hitex estimator returns.

A :class:`RegressionResult` is immutable: its attributes return copies, and
re-doing inference (:meth:`RegressionResult.with_vcov`) returns a *new*
result. Tables, reports and the study runner consume only this contract, so a
new estimator gets tables for free.

The contract (DESIGN.md): ``params``, ``std_errors``, ``pvalues``,
``conf_int(level)``, ``nobs``, ``rsquared``, ``rsquared_within``, ``tidy()``,
``summary()``; plus the specification that was run (:class:`ModelSpec`) and
the observations dropped and why (:class:`DropRecord`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

TIDY_COLUMNS = ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


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
    written in the formula's IV part.
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
        }
