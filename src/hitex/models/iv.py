"""Two-stage least squares: the instruments and the first-stage F statistic.

:func:`hitex.panel` estimates a formula with an IV part
(``y ~ x | fe1 + fe2 | endog ~ instrument``) by 2SLS through pyfixest. This
module describes such a fit for results and tables:

* :func:`iv_terms` splits the IV part into the endogenous regressor(s) and the
  excluded instruments;
* :func:`first_stage` computes the first-stage F statistic: the Wald test that
  the coefficients of the excluded instruments are all zero in the first-stage
  regression (endogenous regressor on the instruments, the exogenous
  regressors and the fixed effects), divided by the number of excluded
  instruments. It uses the variance type of the model and hitex's
  small-sample convention (:func:`hitex.models.small_sample.cluster_adjustment`),
  so it follows the model through :meth:`~hitex.models.results.RegressionResult.with_vcov`.
  With conventional errors it is the classical F test of the excluded
  instruments; with one endogenous regressor it corresponds to the
  Cragg-Donald Wald F (conventional errors) and to the Kleibergen-Paap rk Wald
  F (robust or clustered errors) that Stata's ``ivreg2`` reports, up to
  small-sample factors.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError
from hitex.models.formula import split_top
from hitex.models.small_sample import cluster_adjustment, engine_ssc

#: Start of the note a 2SLS result carries (recomputed when the variance changes).
NOTE_PREFIX = "2SLS: "

#: Start of the note on an instrument the fixed effects absorbed.
DROPPED_INSTRUMENT_PREFIX = "Instrument dropped: "

_F_KINDS = {
    "iid": ("conventional first-stage F of the excluded instruments "
            "(Cragg-Donald Wald F with one endogenous regressor)"),
    "robust": ("heteroskedasticity-robust first-stage Wald F of the excluded instruments "
               "(Kleibergen-Paap rk Wald F with one endogenous regressor)"),
    "cluster": ("cluster-robust first-stage Wald F of the excluded instruments "
                "(Kleibergen-Paap rk Wald F with one endogenous regressor)"),
}


def iv_terms(iv: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an IV part ``"endog ~ z1 + z2"`` into (endogenous, instruments)."""
    endog, _, inst = iv.partition("~")
    return (tuple(t.strip() for t in split_top(endog, "+") if t.strip()),
            tuple(t.strip() for t in split_top(inst, "+") if t.strip()))


def engine_vcov(kind: str, cluster: Sequence[str]) -> str | dict[str, str]:
    """The pyfixest ``vcov`` argument for a result's variance type and clusters."""
    if cluster:
        return {kind: "+".join(cluster)}
    return "hetero" if kind == "HC1" else kind


def f_kind(kind: str, cluster: Sequence[str]) -> str:
    """Which first-stage F a model with this variance reports, in words."""
    if cluster:
        return _F_KINDS["cluster"]
    return _F_KINDS["iid" if kind == "iid" else "robust"]


def first_stage(fit: Any, spec: Any, sample: pd.DataFrame | None) -> dict[str, Any]:
    """First-stage F statistic of a pyfixest 2SLS fit under ``spec``'s variance.

    Parameters
    ----------
    fit : pyfixest Feiv
        The 2SLS fit (it holds its first-stage regression).
    spec : ModelSpec
        Variance type, clusters, small-sample convention and fixed effects.
    sample : pandas.DataFrame or None
        The estimation sample (for the clustered small-sample factor).

    Returns
    -------
    dict
        ``first_stage_f`` (float), ``first_stage_df`` (numerator and
        denominator degrees of freedom), ``first_stage_f_type`` (which F, in
        words), ``endogenous`` and ``instruments`` (excluded instruments).
    """
    model = getattr(fit, "_model_1st_stage", None)
    if model is None:  # pragma: no cover - pyfixest runs the first stage for every IV fit
        raise EstimationError("the 2SLS fit holds no first-stage regression.")
    exog = {str(c) for c in fit._coefnames}
    names = [str(c) for c in model._coefnames]
    excluded = [n for n in names if n not in exog]
    endog = [str(c) for c in fit._coefnames if str(c) not in {str(z) for z in fit._coefnames_z}]
    pf_vcov = engine_vcov(spec.vcov_type, spec.cluster)
    first = copy.copy(model)
    first._ssc_dict = engine_ssc(pf_vcov, spec.ssc)
    first.vcov(pf_vcov)
    vcov = np.asarray(first._vcov, dtype=float)
    df_den = float(first._df_t)
    if spec.cluster:
        factor, _ = cluster_adjustment(first, spec, first._data if sample is None else sample)
        vcov = vcov * factor
        df_den = float(np.min(np.atleast_1d(np.asarray(first._G))) - 1)
    idx = [names.index(n) for n in excluded]
    coef = np.asarray(first.coef(), dtype=float)[idx]
    try:
        wald = float(coef @ np.linalg.solve(vcov[np.ix_(idx, idx)], coef))
    except np.linalg.LinAlgError:
        wald = float("nan")
    return {
        "first_stage_f": wald / len(idx) if idx else float("nan"),
        "first_stage_df": (len(idx), df_den),
        "first_stage_f_type": f_kind(spec.vcov_type, spec.cluster),
        "endogenous": tuple(endog),
        "instruments": tuple(excluded),
    }


def note(stats: dict[str, Any]) -> str:
    """The table note of a 2SLS result: what is instrumented, by what, and which F."""
    endog = ", ".join(f"'{e}'" for e in stats["endogenous"])
    inst = ", ".join(f"'{z}'" for z in stats["instruments"])
    value = stats["first_stage_f"]
    shown = f"{value:,.2f}" if np.isfinite(value) else "undefined"
    return (f"{NOTE_PREFIX}{endog} instrumented by {inst}; first-stage F = {shown}, the "
            f"{stats['first_stage_f_type']}.")


def dropped_instrument_note(name: str) -> str:
    """The note (and warning) on an excluded instrument the fixed effects absorbed."""
    return (f"{DROPPED_INSTRUMENT_PREFIX}'{name}' does not vary within the fixed-effect groups "
            "(absorbed), so the model was estimated with the other instruments; remove it from "
            "the IV part of the formula.")


__all__ = ["DROPPED_INSTRUMENT_PREFIX", "NOTE_PREFIX", "dropped_instrument_note", "engine_vcov", "f_kind", "first_stage", "iv_terms", "note"]
