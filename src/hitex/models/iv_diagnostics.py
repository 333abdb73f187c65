"""Instrumental-variables diagnostics as Stata ``ivreg2`` / ``ivreghdfe`` report them.

:func:`iv_diagnostics` takes a 2SLS result of :func:`hitex.panel` (a formula
with an IV part, ``y ~ x | fe1 + fe2 | endog ~ z1 + z2``) and re-uses what the
result recorded: its estimation sample, its fixed effects, its weights and its
variance type and clusters. :func:`iv_diagnostics_formula` computes the same
statistics from a formula and a data frame, for models with several
endogenous regressors, which the estimation engine (pyfixest 0.60) cannot fit
by 2SLS. Both return an immutable :class:`IVDiagnostics`:

* per endogenous regressor, the first-stage regression: coefficients of the
  excluded instruments, partial R-squared, Shea's partial R-squared, the
  first-stage F and, with several endogenous regressors, the
  Sanderson-Windmeijer conditional F (:class:`FirstStage`);
* under-identification: Anderson's canonical-correlation LM statistic
  (conventional errors) or the Kleibergen-Paap rk LM statistic (robust or
  clustered errors), chi2 with ``L1 - K1 + 1`` degrees of freedom;
* weak identification: the Cragg-Donald Wald F, the Kleibergen-Paap rk Wald F
  (robust or clustered errors), the Montiel Olea-Pflueger effective F (one
  endogenous regressor) and the Stock-Yogo critical values
  (:mod:`hitex.models.stock_yogo`);
* weak-instrument-robust inference: the Anderson-Rubin Wald test of
  ``H0: beta_endog = 0`` in its F and chi2 forms and, with one endogenous
  regressor, the Anderson-Rubin confidence set by test inversion
  (:class:`ARConfidenceSet`: an interval, a union of two rays, the whole line,
  or empty);
* over-identification: Sargan's statistic (conventional errors) or Hansen's J
  (robust or clustered errors; the two-step efficient GMM J that ``ivreg2``
  reports also after 2SLS); not reported when the model is exactly
  identified;
* endogeneity: the C (difference-in-Sargan) test of the endogenous regressors
  (``ivreg2``'s ``endog()`` option).

Conventions
-----------
Every statistic follows ``ivreg2`` without its ``small`` option (as it prints
by default), with ``dofminus(0)``; the formulas are in
:mod:`hitex.models.iv_stats`. ``ivreg2``'s ``small`` option changes none of
these statistics (only the standard errors of the main equation), so there is
no such parameter here. The first-stage coefficients (:class:`FirstStage`) are
reported as ``ivreg2`` posts its first-stage regressions whether or not
``small`` is given: variance times ``N/(N-L-s)`` (or ``(N-1)/(N-L-s) *
M/(M-1)`` with clusters), t statistics and p-values from ``t(N-L-s)`` (or
``t(M-1)``). The variance type is the result's: ``"iid"`` is
``ivreg2``'s default, ``"hetero"``/``"HC1"``/``"HC2"``/``"HC3"`` are its
``robust`` option (``ivreg2`` has one robust type) and ``{"CRV1": "g"}`` its
``cluster(g)`` (two-way clustering ``"a+b"`` as ``cluster(a b)``).

Fixed effects are partialled out as Stata ``ivreghdfe`` does (all variables
demeaned by the fixed effects; the statistics computed on the demeaned data);
the degrees of freedom they absorb enter the statistics as ``ivreghdfe``
passes them to ``ivreg2``, as ``sdofminus`` = reghdfe's ``e(df_a)``: the
fixed-effect levels, less the redundant ones, less the levels of fixed effects
nested in a cluster variable, and at least 1
(:func:`hitex.models.small_sample.absorbed_dof`). So ``N - L`` in ``ivreg2``'s
F forms becomes ``N - L - df_a``, with ``L`` the instruments of the demeaned
model (no constant). Without fixed effects the constant is one of ``L``, as in
``ivreg2``. The same statistics with the fixed effects entered as dummy
variables are equal (without clusters nesting them).

These conventions differ from the 2SLS result's own standard errors, which
follow reghdfe's small-sample rule (:mod:`hitex.models.panel`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hitex.errors import EstimationError, SpecificationError
from hitex.models import iv_stats as S
from hitex.models.iv_design import IVDesign, check_instruments
from hitex.models.iv_formula import design_from_formula
from hitex.models.small_sample import absorbed_dof
from hitex.models.stock_yogo import critical_values
from hitex.models.weak_iv_mop import critical_values as mop_critical_values

#: Keys of :meth:`IVDiagnostics.rows`, in the order rows are returned.
ROW_KEYS = ("first_stage_f", "sanderson_windmeijer_f", "underid", "cragg_donald", "kp_wald",
            "effective_f", "effective_f_cv", "effective_f_cv_all", "stock_yogo", "stock_yogo_all", "overid", "endogeneity",
            "anderson_rubin", "anderson_rubin_chi2", "ar_set")

#: The rows :meth:`IVDiagnostics.rows` gives by default.
DEFAULT_ROWS = ("underid", "cragg_donald", "kp_wald", "stock_yogo", "overid", "anderson_rubin")

_ROBUST_KINDS = ("hetero", "HC1", "HC2", "HC3")


@dataclass(frozen=True)
class Statistic:
    """A test statistic with its distribution under the null.

    Attributes
    ----------
    name : str
        What is tested, as ``ivreg2`` labels it.
    statistic : float
    df : tuple of float
        ``(df,)`` for chi2, ``(df1, df2)`` for F.
    p_value : float
    distribution : {"chi2", "F"}
    """

    name: str
    statistic: float
    df: tuple[float, ...]
    p_value: float
    distribution: str = "chi2"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return {"name": self.name, "statistic": _num(self.statistic),
                "df": [_num(d) for d in self.df], "p_value": _num(self.p_value),
                "distribution": self.distribution}


@dataclass(frozen=True, eq=False)
class FirstStage:
    """The first-stage regression of one endogenous regressor.

    Attributes
    ----------
    endogenous : str
    partial_r2 : float
        Partial R-squared of the excluded instruments (``ivreg2``'s ``pr2``).
    shea_partial_r2 : float
        Shea's partial R-squared (``sheapr2``).
    f : Statistic
        First-stage F test that the excluded instruments' coefficients are zero,
        under the model's variance type (``ivreg2``'s ``F``; with one
        endogenous regressor the Cragg-Donald F under conventional errors and
        the Kleibergen-Paap Wald F under robust or clustered ones).
    sanderson_windmeijer : Statistic or None
        Sanderson-Windmeijer (2016) conditional F, on ``(L1 - K1 + 1, df_r)``
        degrees of freedom; None with one endogenous regressor (it equals ``f``).
    """

    endogenous: str
    _coefficients: pd.DataFrame = field(repr=False)
    partial_r2: float
    shea_partial_r2: float
    f: Statistic
    sanderson_windmeijer: Statistic | None = None

    @property
    def coefficients(self) -> pd.DataFrame:
        """Coefficients of the excluded instruments: estimate, std_error, statistic, p_value.

        Standard errors under the model's variance type with ``ivreg2``'s
        small-sample factor for its first-stage regressions, p-values from the
        t distribution with the first-stage F's denominator degrees of freedom
        (see the module docstring).
        """
        return self._coefficients.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return {
            "endogenous": self.endogenous,
            "coefficients": [{"term": str(t), **{c: _num(v) for c, v in row.items()}}
                             for t, row in self._coefficients.iterrows()],
            "partial_r2": _num(self.partial_r2),
            "shea_partial_r2": _num(self.shea_partial_r2),
            "f": self.f.to_dict(),
            "sanderson_windmeijer": (None if self.sanderson_windmeijer is None
                                     else self.sanderson_windmeijer.to_dict()),
        }


@dataclass(frozen=True)
class ARConfidenceSet:
    """The Anderson-Rubin confidence set of the coefficient of one endogenous regressor.

    The values ``b0`` at which the Anderson-Rubin test of ``H0: beta = b0``
    (under the model's variance type) is not rejected at ``1 - level``.

    Attributes
    ----------
    level : float
    form : {"chi2", "F"}
        Which form of the test is inverted (``ivreg2`` prints both).
    critical_value : float
        Of the chi2 (or F) statistic.
    intervals : tuple of (float, float)
        Closed intervals, ``-inf``/``inf`` for unbounded ends.
    kind : str
        ``"interval"`` (one bounded interval), ``"union of rays"``
        (``(-inf, a] U [b, inf)``), ``"whole line"``, ``"empty"`` (the
        over-identifying restrictions are rejected at every ``b0``), or
        ``"union of intervals"`` (any other shape, possible with several
        instruments and robust errors).
    """

    level: float
    form: str
    critical_value: float
    intervals: tuple[tuple[float, float], ...]
    kind: str

    def __str__(self) -> str:
        if not self.intervals:
            return "empty"
        return " U ".join(f"[{_bound(a)}, {_bound(b)}]" for a, b in self.intervals)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record (``null`` for an infinite end)."""
        return {"level": self.level, "form": self.form, "critical_value": self.critical_value,
                "kind": self.kind,
                "intervals": [[_num(a), _num(b)] for a, b in self.intervals]}


@dataclass(frozen=True, eq=False)
class IVDiagnostics:
    """The ``ivreg2`` diagnostics of a linear IV model (see the module docstring).

    Attributes
    ----------
    formula : str
    depvar : str
    endogenous, instruments, exogenous : tuple of str
        Instrumented regressors, excluded instruments, included exogenous
        regressors (``"Intercept"`` for the constant).
    nobs : int
    vcov : {"iid", "robust", "cluster"}
        ``ivreg2``'s variance option the statistics follow.
    cluster : tuple of str
    n_clusters : int or None
        The smallest number of clusters.
    absorbed_dof : int
        Degrees of freedom absorbed by the fixed effects (``ivreghdfe``'s
        ``sdofminus``; 0 without fixed effects).
    first_stages : tuple of FirstStage
    underidentification : Statistic
        Anderson canon. corr. LM (``iid``) or Kleibergen-Paap rk LM.
    cragg_donald_f : float
    kp_wald_f : float or None
        Kleibergen-Paap rk Wald F (robust or clustered errors only).
    effective_f : float or None
        Montiel Olea-Pflueger (2013) effective F (one endogenous regressor):
        ``pi' Q pi / tr(Q V)`` with ``Q = Z1'Z1`` (partialled) and ``V`` the
        variance of the first-stage coefficients scaled as ``ivreg2`` scales
        its first-stage F, so that it equals the first-stage F under
        conventional errors and with one instrument.
    effective_f_critical : Mapping[str, float]
        Montiel Olea-Pflueger simplified 5% critical values of the effective
        F for 2SLS bias thresholds ``tau`` of 5, 10, 20 and 30%
        (:mod:`hitex.models.weak_iv_mop`); empty with several endogenous
        regressors.
    stock_yogo : Mapping[str, float]
        Stock-Yogo critical values for 2SLS (relative bias where defined, size).
    anderson_rubin_f, anderson_rubin_chi2 : Statistic
        Anderson-Rubin Wald test of ``H0: beta_endog = 0``.
    ar_set : ARConfidenceSet or None
        One endogenous regressor only.
    overidentification : Statistic or None
        Sargan (``iid``) or Hansen J; None when exactly identified.
    endogeneity : Statistic or None
        C statistic of the regressors in ``endogeneity_tested``.
    endogeneity_tested : tuple of str
    notes : tuple of str
    """

    formula: str
    depvar: str
    endogenous: tuple[str, ...]
    instruments: tuple[str, ...]
    exogenous: tuple[str, ...]
    nobs: int
    vcov: str
    cluster: tuple[str, ...]
    n_clusters: int | None
    absorbed_dof: int
    first_stages: tuple[FirstStage, ...]
    underidentification: Statistic
    cragg_donald_f: float
    kp_wald_f: float | None
    effective_f: float | None
    stock_yogo: Mapping[str, float]
    anderson_rubin_f: Statistic
    anderson_rubin_chi2: Statistic
    ar_set: ARConfidenceSet | None
    overidentification: Statistic | None
    endogeneity: Statistic | None
    endogeneity_tested: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    effective_f_critical: Mapping[str, float] = field(default_factory=dict)

    @property
    def weak_id_f(self) -> float:
        """The weak-identification F ``ivreg2`` compares with Stock-Yogo (``e(widstat)``)."""
        return self.cragg_donald_f if self.kp_wald_f is None else self.kp_wald_f

    def rows(self, which: Sequence[str] | str = DEFAULT_ROWS,
             digits: int = 3) -> list[tuple[str, str]]:
        """(label, formatted value) pairs for the statistic rows of a table.

        Parameters
        ----------
        which : sequence of str or "all", default :data:`DEFAULT_ROWS`
            Keys of :data:`ROW_KEYS`: ``"first_stage_f"`` (one row per
            endogenous regressor), ``"sanderson_windmeijer_f"`` (several
            endogenous regressors), ``"underid"`` ("Kleibergen-Paap rk LM (p)"
            or "Anderson canon. corr. LM (p)"), ``"cragg_donald"``,
            ``"kp_wald"`` (robust or clustered errors), ``"effective_f"``
            (one endogenous regressor), ``"effective_f_cv"`` (its Montiel
            Olea-Pflueger 5% critical value for a 10% bias threshold),
            ``"effective_f_cv_all"`` (tau = 5, 10, 20, 30%), ``"stock_yogo"`` (the 10% maximal IV
            size value), ``"stock_yogo_all"``, ``"overid"`` ("Hansen J (p)" or
            "Sargan (p)", over-identified models), ``"endogeneity"``,
            ``"anderson_rubin"`` (F form), ``"anderson_rubin_chi2"``,
            ``"ar_set"``. A statistic that does not apply gives no row.
        digits : int, default 3
            Decimals of the statistics (p-values always have 3).

        Returns
        -------
        list of (str, str)
        """
        keys = ROW_KEYS if which == "all" else tuple(which)
        unknown = [k for k in keys if k not in ROW_KEYS]
        if unknown:
            raise SpecificationError(
                f"unknown IV diagnostic row(s) {unknown}; use any of {', '.join(ROW_KEYS)}.")
        out: list[tuple[str, str]] = []
        for key in ROW_KEYS:
            if key in keys:
                out.extend(self._rows_of(key, digits))
        return out

    def _rows_of(self, key: str, d: int) -> list[tuple[str, str]]:
        many = len(self.endogenous) > 1
        if key == "first_stage_f":
            return [(f"First-stage F ({fs.endogenous})" if many else "First-stage F",
                     _fmt(fs.f.statistic, d)) for fs in self.first_stages]
        if key == "sanderson_windmeijer_f":
            return [(f"Sanderson-Windmeijer F ({fs.endogenous})",
                     _fmt(fs.sanderson_windmeijer.statistic, d))
                    for fs in self.first_stages if fs.sanderson_windmeijer is not None]
        if key == "underid":
            return [(f"{self.underidentification.name} (p)", _with_p(self.underidentification, d))]
        if key == "cragg_donald":
            return [("Cragg-Donald Wald F", _fmt(self.cragg_donald_f, d))]
        if key == "kp_wald" and self.kp_wald_f is not None:
            return [("Kleibergen-Paap rk Wald F", _fmt(self.kp_wald_f, d))]
        if key == "effective_f" and self.effective_f is not None:
            return [("Montiel Olea-Pflueger effective F", _fmt(self.effective_f, d))]
        if key == "effective_f_cv" and "tau=10%" in self.effective_f_critical:
            return [("Montiel Olea-Pflueger critical value (tau = 10%)",
                     _fmt(self.effective_f_critical["tau=10%"], d))]
        if key == "effective_f_cv_all":
            return [(f"Montiel Olea-Pflueger critical value ({k.replace('=', ' = ')})",
                     _fmt(v, d)) for k, v in self.effective_f_critical.items()]
        if key == "stock_yogo" and "10% maximal IV size" in self.stock_yogo:
            return [("Stock-Yogo 10% critical value", _fmt(self.stock_yogo["10% maximal IV size"],
                                                           2))]
        if key == "stock_yogo_all":
            return [(f"Stock-Yogo {label}", _fmt(v, 2)) for label, v in self.stock_yogo.items()]
        if key == "overid" and self.overidentification is not None:
            return [(f"{self.overidentification.name} (p)", _with_p(self.overidentification, d))]
        if key == "endogeneity" and self.endogeneity is not None:
            return [("Endogeneity C (p)", _with_p(self.endogeneity, d))]
        if key == "anderson_rubin":
            return [("Anderson-Rubin Wald F (p)", _with_p(self.anderson_rubin_f, d))]
        if key == "anderson_rubin_chi2":
            return [("Anderson-Rubin Wald chi2 (p)", _with_p(self.anderson_rubin_chi2, d))]
        if key == "ar_set" and self.ar_set is not None:
            label = f"Anderson-Rubin {self.ar_set.level:.0%} set"
            return [(label, " U ".join(f"[{_fmt(a, d)}, {_fmt(b, d)}]"
                                       for a, b in self.ar_set.intervals) or "empty")]
        return []

    def summary(self, digits: int = 3) -> str:
        """A plain-text report, in the order ``ivreg2`` prints its diagnostics."""
        lines = [f"IV diagnostics ({self._vcov_words()}): {self.formula}",
                 f"N = {self.nobs:,}; endogenous: {', '.join(self.endogenous)}; "
                 f"excluded instruments: {', '.join(self.instruments)}"]
        for fs in self.first_stages:
            lines.append(f"First stage {fs.endogenous}: F({fs.f.df[0]:g}, {fs.f.df[1]:g}) = "
                         f"{_fmt(fs.f.statistic, digits)}, partial R2 = {fs.partial_r2:.4f}, "
                         f"Shea partial R2 = {fs.shea_partial_r2:.4f}")
        lines += [f"{label}: {value}" for label, value in self.rows("all", digits)
                  if not label.startswith("First-stage F")]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _vcov_words(self) -> str:
        if self.vcov == "cluster":
            return f"clustered by {' & '.join(self.cluster)}, {self.n_clusters} clusters"
        return {"iid": "conventional errors", "robust": "robust errors"}[self.vcov]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record of every statistic."""
        def opt(x: Statistic | None) -> dict[str, Any] | None:
            return None if x is None else x.to_dict()

        return {
            "formula": self.formula, "depvar": self.depvar,
            "endogenous": list(self.endogenous), "instruments": list(self.instruments),
            "exogenous": list(self.exogenous), "nobs": self.nobs, "vcov": self.vcov,
            "cluster": list(self.cluster), "n_clusters": self.n_clusters,
            "absorbed_dof": self.absorbed_dof,
            "first_stages": [fs.to_dict() for fs in self.first_stages],
            "underidentification": self.underidentification.to_dict(),
            "cragg_donald_f": _num(self.cragg_donald_f),
            "kp_wald_f": None if self.kp_wald_f is None else _num(self.kp_wald_f),
            "effective_f": None if self.effective_f is None else _num(self.effective_f),
            "stock_yogo": dict(self.stock_yogo),
            "effective_f_critical": {k: _num(v) for k, v in self.effective_f_critical.items()},
            "anderson_rubin_f": self.anderson_rubin_f.to_dict(),
            "anderson_rubin_chi2": self.anderson_rubin_chi2.to_dict(),
            "ar_set": None if self.ar_set is None else self.ar_set.to_dict(),
            "overidentification": opt(self.overidentification),
            "endogeneity": opt(self.endogeneity),
            "endogeneity_tested": list(self.endogeneity_tested),
            "notes": list(self.notes),
        }


# -- formatting ---------------------------------------------------------------------------

def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _fmt(x: float, digits: int) -> str:
    if x is None or not math.isfinite(x):
        return "inf" if x is not None and x == math.inf else (
            "-inf" if x is not None and x == -math.inf else "")
    return f"{x:,.{digits}f}"


def _with_p(test: Statistic, digits: int) -> str:
    if not math.isfinite(test.statistic):
        return ""
    p = "" if not math.isfinite(test.p_value) else f" ({test.p_value:.3f})"
    return f"{_fmt(test.statistic, digits)}{p}"


def _bound(x: float) -> str:
    return "inf" if x == math.inf else "-inf" if x == -math.inf else f"{x:.6g}"


# -- entry points ---------------------------------------------------------------------------

def iv_diagnostics(result: Any, *, endog: Sequence[str] | None = None, level: float = 0.95, ar_form: str = "chi2") -> IVDiagnostics:
    """IV diagnostics of a 2SLS result of :func:`hitex.panel`, as Stata ``ivreg2`` reports them.

    Re-uses the result's recorded specification: its formula, fixed effects
    (partialled out as Stata ``ivreghdfe`` does), weights, variance type and
    clusters (``result.spec``) and its estimation sample (the partialled data
    the result keeps in ``result.extra["iv_design"]``). For another variance
    type, call it on ``result.with_vcov(...)``. For several endogenous
    regressors (which :func:`hitex.panel` cannot estimate) use
    :func:`iv_diagnostics_formula`.

    Parameters
    ----------
    result : RegressionResult
        A 2SLS result of :func:`hitex.panel`.
    endog : sequence of str, optional
        Endogenous regressors whose exogeneity the C statistic tests
        (``ivreg2``'s ``endog()``); default all of them.
    level : float, default 0.95
        Coverage of the Anderson-Rubin confidence set.
    ar_form : {"chi2", "F"}, default "chi2"
        Which form of the Anderson-Rubin test the set inverts.

    Returns
    -------
    IVDiagnostics

    Raises
    ------
    SpecificationError
        ``result`` is not a 2SLS result; an instrument was absorbed by the
        fixed effects or is collinear with the exogenous regressors; ``endog``
        names a regressor that is not endogenous; a bad ``level`` or
        ``ar_form``.

    Examples
    --------
    >>> res = hitex.panel("lwage ~ exper + black | educ ~ nearc2 + nearc4", card)  # doctest: +SKIP
    >>> iv_diagnostics(res).rows()  # doctest: +SKIP
    [('Anderson canon. corr. LM (p)', '...'), ('Cragg-Donald Wald F', '...'), ...]
    """
    extra = getattr(result, "extra", None)
    spec = getattr(result, "spec", None)
    design = extra.get("iv_design") if isinstance(extra, Mapping) else None
    if spec is None or not isinstance(design, IVDesign):
        what = getattr(spec, "formula", type(result).__name__)
        raise SpecificationError(
            f"IV diagnostics need a 2SLS result, but {what!r} is not one. Estimate the model "
            "by 2SLS with hitex.panel and an IV part in the formula, e.g. "
            "'y ~ x | fe1 + fe2 | endog ~ z1 + z2', then pass that result.")
    check_instruments(spec.instruments, design, spec.fixed_effects, spec.endogenous)
    return _diagnose(design, formula=spec.formula, fixed_effects=spec.fixed_effects,
                     vcov_type=spec.vcov_type, cluster=tuple(spec.cluster), endog=endog,
                     level=level, ar_form=ar_form)


def iv_diagnostics_formula(formula: str, data: pd.DataFrame, *,
                           vcov: str | Mapping[str, str] | None = None,
                           weights: str | None = None, drop_singletons: bool = True,
                           endog: Sequence[str] | None = None, level: float = 0.95, ar_form: str = "chi2") -> IVDiagnostics:
    """IV diagnostics from a formula and data, for any number of endogenous regressors.

    The same statistics as :func:`iv_diagnostics` (see there and the module
    docstring), for a formula in :func:`hitex.panel`'s syntax
    (``y ~ x | fe1 + fe2 | endog1 + endog2 ~ z1 + z2 + z3``) with the same
    sample rules (missing values and, with ``drop_singletons``, singletons
    removed; the fixed effects partialled out by pyfixest's demeaning) and the
    same ``vcov`` argument (default: clustered by the first fixed effect, as
    :func:`hitex.panel`; without fixed effects ``"iid"``).

    Raises
    ------
    SpecificationError
        No IV part; fewer excluded instruments than endogenous regressors; an
        instrument absorbed by the fixed effects or collinear with the
        exogenous regressors; an endogenous regressor collinear with the
        instruments.
    ColumnNotFoundError, NonNumericError, EmptySampleError
        As :func:`hitex.panel`.
    """
    design, spec = design_from_formula(formula, data, vcov=vcov, weights=weights,
                                       drop_singletons=drop_singletons)
    return _diagnose(design, formula=spec["formula"], fixed_effects=spec["fixed_effects"],
                     vcov_type=spec["vcov_type"], cluster=spec["cluster"], endog=endog,
                     level=level, ar_form=ar_form)


def vce_kind(vcov_type: str, cluster: Sequence[str]) -> str:
    """``ivreg2``'s variance option for a hitex variance type: iid, robust or cluster."""
    if cluster:
        return "cluster"
    if vcov_type == "iid":
        return "iid"
    if vcov_type in _ROBUST_KINDS:
        return "robust"
    raise SpecificationError(
        f"IV diagnostics are not defined for vcov type {vcov_type!r}; use 'iid', 'hetero' or "
        "{'CRV1': 'column'} (result.with_vcov(...)).")


def _diagnose(design: IVDesign, *, formula: str, fixed_effects: Sequence[str], vcov_type: str,
              cluster: tuple[str, ...], endog: Sequence[str] | None, level: float, ar_form: str) -> IVDiagnostics:
    if not 0 < level < 1:
        raise SpecificationError(f"level={level!r} must be between 0 and 1, e.g. 0.95.")
    if ar_form not in ("chi2", "F"):
        raise SpecificationError(f"ar_form={ar_form!r} is not known; use 'chi2' or 'F'.")
    k1, l1 = len(design.endogenous), len(design.instruments)
    if k1 == 0:
        raise SpecificationError(
            f"{formula!r} has no endogenous regressor left to diagnose; write the IV part as "
            "'| endog ~ z1 + z2'.")
    if l1 < k1:
        raise SpecificationError(
            f"{k1} endogenous regressor(s) ({', '.join(design.endogenous)}) but only {l1} "
            f"excluded instrument(s) ({', '.join(design.instruments) or 'none'}): the model is "
            "under-identified. Add excluded instruments to the IV part of the formula (at "
            "least one per endogenous regressor).")
    tested = tuple(design.endogenous if endog is None else endog)
    wrong = [e for e in tested if e not in design.endogenous]
    if wrong or not tested:
        raise SpecificationError(
            f"endog={list(tested)!r}: {', '.join(repr(w) for w in wrong) or 'nothing'} is not an "
            f"endogenous regressor of {formula!r}; choose among "
            f"{', '.join(repr(e) for e in design.endogenous)}.")

    kind = vce_kind(vcov_type, cluster)
    vce = S.Vce(kind, _cluster_codes(design, cluster) if kind == "cluster" else ())
    absorbed = 0
    if fixed_effects:
        if design.sample is None:  # pragma: no cover - panel always records the sample
            raise EstimationError("the result does not record its sample; re-estimate it.")
        df_a, _ = absorbed_dof(design.sample, fixed_effects, cluster if kind == "cluster" else ())
        absorbed = max(int(df_a), 1)
    n = design.nobs
    dof = S.Dof(nobs=n, n_instruments=l1 + len(design.exogenous), absorbed=absorbed,
                n_clusters=vce.n_clusters)
    if dof.resid <= 0:
        raise EstimationError(
            f"{n} observations for {dof.n_instruments + absorbed} instruments and absorbed "
            "fixed-effect levels: the diagnostics' degrees of freedom are not positive. Use "
            "fewer instruments or fixed effects, or more data.")

    x2 = design.x_exog
    x1p = S.partial_out(design.x_endog, x2)
    z1p = S.partial_out(design.z_excl, x2)
    yp = S.partial_out(design.y[:, None], x2)[:, 0]
    notes: list[str] = []

    # first stages
    xx_inv = np.linalg.inv(x1p.T @ x1p)
    pz_x = z1p @ S.solve_psd(z1p.T @ z1p, z1p.T @ x1p)
    xpx_inv = np.linalg.inv(x1p.T @ pz_x)
    first = tuple(_first_stage(j, design, x1p, z1p, vce, dof,
                               float(xx_inv[j, j] / xpx_inv[j, j])) for j in range(k1))

    # identification
    try:
        cc = S.canonical_correlations(x1p, z1p)
    except np.linalg.LinAlgError as err:
        raise SpecificationError(
            f"the excluded instruments ({', '.join(design.instruments)}) or the endogenous "
            f"regressors ({', '.join(design.endogenous)}) of {formula!r} are collinear after "
            "partialling out the exogenous regressors and fixed effects; remove the redundant "
            "ones.") from err
    ev = float(cc.eigenvalues.min())
    cd_f = ev / (1 - ev) * dof.resid / l1 if ev < 1 else math.inf
    id_df = l1 - k1 + 1
    kp_f = None
    if kind == "iid":
        stat = n * ev
        under = Statistic("Anderson canon. corr. LM", stat, (id_df,), S.chi2_sf(stat, id_df))
    else:
        lm, lm_df = S.kp_rank_stat(cc, S.meat(S.kp_scores(z1p, x1p), vce) / n, n)
        under = Statistic("Kleibergen-Paap rk LM", lm, (lm_df,), S.chi2_sf(lm, lm_df))
        vhat = x1p - z1p @ cc.pihat
        wald, _ = S.kp_rank_stat(cc, S.meat(S.kp_scores(z1p, vhat), vce) / n, n)
        kp_f = dof.f_from_wald(wald, l1)[0]
        if vce.n_clusters is not None and vce.n_clusters <= dof.n_instruments:
            notes.append(f"{vce.n_clusters} clusters for {dof.n_instruments} instruments: the "
                         "cluster-robust moment covariance is singular, so the Kleibergen-Paap "
                         "statistics and Hansen's J are unreliable (ivreg2 warns alike).")
    eff_f, eff_cv = None, {}
    if k1 == 1:
        eff_f, s_mat = _effective_f(x1p, z1p, vce, dof)
        eff_cv = mop_critical_values(s_mat)

    # Anderson-Rubin at beta = 0
    ar_w, _, _, _ = S.wald_ols(z1p, yp, vce)
    ar_fv, ar_df2 = dof.f_from_wald(ar_w, l1)
    ar_chi2 = Statistic("Anderson-Rubin Wald test", ar_w, (l1,), S.chi2_sf(ar_w, l1))
    ar_f = Statistic("Anderson-Rubin Wald test", ar_fv, (l1, ar_df2),
                      S.f_sf(ar_fv, l1, ar_df2), "F")
    ar_set = None
    if k1 == 1:
        ar_set = _ar_set(yp, x1p[:, 0], z1p, vce, dof, level, ar_form)

    # over-identification and endogeneity (full instrument matrix, as ivreg2)
    z, x, y = design.z, design.x, design.y
    overid = None
    if l1 > k1:
        j = S.overid_j(z, x, y, vce)
        name = "Sargan statistic" if kind == "iid" else "Hansen J statistic"
        overid = Statistic(name, j, (l1 - k1,), S.chi2_sf(j, l1 - k1))
    idx = [design.endogenous.index(e) for e in tested]
    c = S.endogeneity_c(z, x, y, idx, vce)
    endog_test = Statistic("Endogeneity test (C statistic)", c, (len(idx),),
                            S.chi2_sf(c, len(idx)))

    return IVDiagnostics(
        formula=formula, depvar=design.depvar, endogenous=design.endogenous,
        instruments=design.instruments, exogenous=design.exogenous, nobs=n, vcov=kind,
        cluster=cluster if kind == "cluster" else (), n_clusters=vce.n_clusters,
        absorbed_dof=absorbed, first_stages=first, underidentification=under,
        cragg_donald_f=float(cd_f), kp_wald_f=None if kp_f is None else float(kp_f),
        effective_f=eff_f, effective_f_critical=eff_cv, stock_yogo=critical_values(k1, l1),
        anderson_rubin_f=ar_f, anderson_rubin_chi2=ar_chi2, ar_set=ar_set,
        overidentification=overid, endogeneity=endog_test, endogeneity_tested=tested,
        notes=tuple(notes))


def _cluster_codes(design: IVDesign, cluster: Sequence[str]) -> tuple[np.ndarray, ...]:
    sample = design.sample
    missing = [c for c in cluster if sample is None or c not in sample.columns]
    if missing:
        raise SpecificationError(
            f"cluster variable(s) {missing} are not in the estimation sample; cluster by a "
            "column of the model's data (result.with_vcov({'CRV1': 'column'})).")
    if len(cluster) > 2:
        raise SpecificationError(
            f"{len(cluster)}-way clustering is not supported by the IV diagnostics (ivreg2 "
            "allows one or two cluster variables); cluster by one or two columns.")
    return tuple(pd.factorize(sample[c])[0] for c in cluster)


def _first_stage(j: int, design: IVDesign, x1p: np.ndarray, z1p: np.ndarray, vce: S.Vce,
                 dof: S.Dof, shea: float) -> FirstStage:
    n, l1 = z1p.shape
    k1 = x1p.shape[1]
    wald, classical, coef, resid = S.wald_ols(z1p, x1p[:, j], vce)
    fval, df_r = dof.f_from_wald(wald, l1)
    f = Statistic("First-stage F", fval, (l1, df_r), S.f_sf(fval, l1, df_r), "F")
    ztz_inv = np.linalg.inv(z1p.T @ z1p)
    if vce.kind == "iid":
        var = float(resid @ resid) / n * ztz_inv
    else:
        var = ztz_inv @ S.meat(z1p * resid[:, None], vce) @ ztz_inv
    m = vce.n_clusters
    var = var * ((n - 1) / dof.resid * m / (m - 1) if m is not None else n / dof.resid)
    se = np.sqrt(np.diag(var))
    tstat = coef / se
    p = 2 * stats.t.sf(np.abs(tstat), df_r)
    table = pd.DataFrame({"estimate": coef, "std_error": se, "statistic": tstat, "p_value": p},
                         index=pd.Index(design.instruments, name="term"))
    sw = None
    if k1 > 1:
        sw_w = _sanderson_windmeijer(j, x1p, z1p, vce)
        df1 = l1 - k1 + 1
        sw_f, sw_df2 = dof.f_from_wald(sw_w, df1)
        sw = Statistic("Sanderson-Windmeijer F", sw_f, (df1, sw_df2), S.f_sf(sw_f, df1, sw_df2),
                        "F")
    pr2 = (classical / n) / (1 + classical / n)
    return FirstStage(endogenous=design.endogenous[j], _coefficients=table, partial_r2=pr2,
                      shea_partial_r2=shea, f=f, sanderson_windmeijer=sw)


def _sanderson_windmeijer(j: int, x1p: np.ndarray, z1p: np.ndarray, vce: S.Vce) -> float:
    """Wald statistic of the Sanderson-Windmeijer (2016) conditional first stage of ``j``.

    ``x_j`` on the other endogenous regressors by 2SLS (instruments ``Z1``);
    its residual on ``Z1``; the Wald test of those coefficients (``ivreg2``).
    """
    others = [i for i in range(x1p.shape[1]) if i != j]
    b1, _ = S.tsls(z1p, x1p[:, others], x1p[:, j])
    e1 = x1p[:, j] - x1p[:, others] @ b1
    wald, _, _, _ = S.wald_ols(z1p, e1, vce)
    return wald


def _effective_f(x1p: np.ndarray, z1p: np.ndarray, vce: S.Vce, dof: S.Dof
                 ) -> tuple[float, np.ndarray]:
    """Montiel Olea-Pflueger effective F of one endogenous regressor and its ``S = Q V``.

    See :class:`IVDiagnostics` and :mod:`hitex.models.weak_iv_mop`.
    """
    n = z1p.shape[0]
    q = z1p.T @ z1p
    q_inv = np.linalg.inv(q)
    pi = q_inv @ z1p.T @ x1p[:, 0]
    v = x1p[:, 0] - z1p @ pi
    if vce.kind == "iid":
        var = float(v @ v) / n * q_inv
    else:
        var = q_inv @ S.meat(z1p * v[:, None], vce) @ q_inv
    m = vce.n_clusters
    var = var * ((n - 1) / dof.resid * m / (m - 1) if m is not None else n / dof.resid)
    return float(pi @ q @ pi / np.trace(q @ var)), q @ var


def _ar_set(yp: np.ndarray, xp: np.ndarray, z1p: np.ndarray, vce: S.Vce, dof: S.Dof,
            level: float, form: str) -> ARConfidenceSet:
    l1 = z1p.shape[1]
    system = S.ar_system(yp, xp, z1p, vce)
    if form == "chi2":
        crit = float(stats.chi2.ppf(level, l1))
        crit_w = crit
    else:
        df2 = dof.f_from_wald(1.0, l1)[1]
        crit = float(stats.f.ppf(level, l1, df2))
        crit_w = crit / dof.f_from_wald(1.0, l1)[0]
    beta, _ = S.tsls(z1p, xp[:, None], yp)
    center = float(beta[0])
    scale = float(np.sqrt(np.var(yp) / max(np.var(xp), 1e-300)))
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    intervals = S.invert_ar(system, crit_w, center, scale)
    if not intervals:
        kind = "empty"
    elif len(intervals) == 1 and intervals[0] == (-math.inf, math.inf):
        kind = "whole line"
    elif len(intervals) == 1 and all(math.isfinite(b) for b in intervals[0]):
        kind = "interval"
    elif (len(intervals) == 2 and intervals[0][0] == -math.inf
          and intervals[1][1] == math.inf):
        kind = "union of rays"
    else:
        kind = "union of intervals"
    return ARConfidenceSet(level=level, form=form, critical_value=crit, intervals=intervals,
                           kind=kind)


__all__ = ["ARConfidenceSet", "DEFAULT_ROWS", "FirstStage", "IVDiagnostics", "ROW_KEYS",
           "Statistic", "iv_diagnostics", "iv_diagnostics_formula", "vce_kind"]
