r"""PSM-DiD: propensity-score matching, then the two-way fixed-effects DiD on the matched sample.

Two workflows are used in the literature, each with its caveat (see
:func:`psm_did`): matching once on pre-treatment covariates, and matching
period by period (as study 003 and many Chinese studies do). The DiD itself is
:func:`hitex.models.event.twfe_did`, estimated with the matching weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import binary_treatment, drop_missing_keys, plain_index, relabel_sample
from hitex.models.did_sample import DiDDataWarning, treatment_with_arms
from hitex.models.event import twfe_did
from hitex.models.results import RegressionResult

__all__ = ["PSMDiDResult", "psm_did"]


@dataclass(frozen=True, eq=False)
class PSMDiDResult:
    """PSM-DiD: the TWFE DiD on the matched sample plus the matching diagnostics.

    Attributes
    ----------
    regression : RegressionResult
        The DiD regression (coefficient on the treatment column).
    matching : MatchingResult or dict of period to MatchingResult
        One matching (``how="once"``) or one per period (``"by_period"``).
    how : str
    sample : pandas.DataFrame
        The matched panel that was estimated, with its ``_psm_weight``.
    treatment : str
        The DiD regressor whose coefficient is :attr:`estimate`.
    notes : tuple of str
        Rows dropped before matching and why.
    """

    regression: RegressionResult
    matching: Any
    how: str
    sample: pd.DataFrame = field(repr=False)
    treatment: str = ""
    notes: tuple[str, ...] = ()

    @property
    def estimate(self) -> float:
        """The DiD coefficient (the treatment's, looked up by name)."""
        params = self.regression.params
        if self.treatment not in params.index:
            raise EstimationError(f"the regression has no coefficient for treatment "
                                  f"'{self.treatment}'; it was absorbed or not estimated.")
        return float(params[self.treatment])

    def balance(self) -> pd.DataFrame:
        """Balance table(s) after matching (per period for ``"by_period"``)."""
        if self.how == "once":
            return self.matching.balance()
        return pd.concat({p: m.balance() for p, m in self.matching.items()}, names=["period"])

    def summary(self) -> str:
        """The DiD regression summary and the matching counts."""
        ms = [self.matching] if self.how == "once" else list(self.matching.values())
        n1 = sum(m.n_treated for m in ms)
        n0 = sum(m.n_controls_used for m in ms)
        lines = [f"PSM-DiD (matching {self.how})", self.regression.summary(),
                 f"matched treated: {n1}; controls used: {n0}"]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def __str__(self) -> str:
        return self.summary()


def psm_did(data: pd.DataFrame, outcome: str, treatment: str, unit: str, time: str,
            covariates: Sequence[str], *, how: str = "once", match_period: Any = None,
            controls: Sequence[str] = (), use_weights: bool = True, vcov: Any = None,
            **psm_options: Any) -> PSMDiDResult:
    """Propensity-score matching followed by a TWFE DiD on the matched sample.

    The matching treatment is *ever treated* (``max_t D_it`` per unit); the
    DiD regressor is ``treatment`` (``D_it``, 0/1 under the rule of
    :func:`twfe_did`). Matching uses :func:`hitex.models.matching.psm`
    (``psm_options``: ``model``, ``method``, ``k``, ``caliper``, ``replace``,
    ...); the DiD uses :func:`twfe_did` with the matching weights as analytic
    weights (``use_weights=True``; many papers instead keep the matched
    observations unweighted: ``False``). Rows with a missing treatment, unit
    or period are dropped with a :class:`DiDDataWarning` (recorded in
    ``notes``).

    Parameters
    ----------
    how : {"once", "by_period"}
        ``"once"``: match units once on their covariates in ``match_period``
        (default: the first period, which must be before any treatment) and
        keep every period of the matched units (weight = the unit's matching
        weight). ``"by_period"``: match treated and control observations
        separately in every period on that period's covariates and keep the
        matched observations of each period (as study 003 and many applied
        papers do).
    covariates : sequence of str
        Score covariates. ``controls``: regressors of the DiD.

    Raises
    ------
    SpecificationError, EstimationError
        As :func:`twfe_did`, in particular a treatment absorbed by the fixed
        effects (units treated in every period), and as
        :func:`hitex.models.matching.psm`.

    Notes
    -----
    Caveats. ``"once"``: valid only if the covariates are measured before
    treatment and are not themselves affected by it; the standard errors
    ignore that the score and the matches are estimated. ``"by_period"``:
    the matched comparison units change from period to period, so the sample
    is an unbalanced panel whose composition varies with time (the unit fixed
    effects no longer compare the same units before and after), and matching
    on post-treatment covariates conditions on outcomes of the treatment (bad
    controls). Report it as a robustness check, not the main estimate.
    """
    from hitex.models.matching import psm

    if how not in ("once", "by_period"):
        raise SpecificationError(f"how={how!r}: use 'once' or 'by_period'.")
    data = plain_index(checks.require_dataframe(data))
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    controls = [controls] if isinstance(controls, str) else list(controls)
    checks.require_columns(data, [outcome, treatment, unit, time, *covariates, *controls],
                           context="psm_did()")
    d = binary_treatment(data[treatment], treatment).to_numpy()
    # work on positions 0..n-1 so that any row labels (duplicated, multi-level) are safe
    work = data.reset_index(drop=True)
    work[treatment] = d
    work, note = drop_missing_keys(work, [treatment, unit, time], DiDDataWarning, stacklevel=3)
    labels = data.index[work.index.to_numpy()]
    work = work.reset_index(drop=True)
    checks.require_unique(work, [unit, time])
    treatment_with_arms(work, treatment)
    work["_ever"] = work.groupby(unit)[treatment].transform("max").astype(int)
    # PSM-DiD papers trim to common support (psmatch2 ..., common) before the DiD
    psm_options.setdefault("common_support", "minmax")
    if how == "once":
        period = work[time].min() if match_period is None else match_period
        cross = work.loc[work[time] == period]
        if cross.empty:
            raise SpecificationError(f"match_period={period!r} is not a period of '{time}'.")
        if (cross[treatment] == 1).any():
            raise SpecificationError(
                f"some units are already treated in the matching period {period!r}; match on a "
                "pre-treatment period (match_period=...).")
        m = psm(cross, "_ever", covariates, **psm_options)
        w = pd.Series(m.weights.to_numpy(), index=cross.loc[m.weights.index, unit].to_numpy())
        work["_psm_weight"] = work[unit].map(w).fillna(0.0)
        matching: Any = m._relabel(labels)
    else:
        matching = {}
        weight = np.zeros(len(work))
        for period, cross in work.groupby(time, sort=True):
            m = psm(cross, "_ever", covariates, **psm_options)
            weight[m.weights.index.to_numpy(dtype=np.intp)] = m.weights.to_numpy()
            matching[period] = m._relabel(labels)
        work["_psm_weight"] = weight
    matched = work.loc[work["_psm_weight"] > 0]
    reg = twfe_did(matched, outcome, treatment, unit, time, covariates=controls,
                   weights="_psm_weight" if use_weights else None, vcov=vcov,
                   sample=f"propensity-score matched ({how})")
    return PSMDiDResult(regression=relabel_sample(reg, labels), matching=matching, how=how,
                        sample=matched.set_axis(labels[matched.index.to_numpy()]),
                        treatment=treatment, notes=(note,) if note else ())
