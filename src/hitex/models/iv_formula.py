"""The :class:`~hitex.models.iv_design.IVDesign` of an IV formula and a data frame.

pyfixest 0.60 cannot estimate 2SLS with more than one endogenous regressor,
but the IV diagnostics need only the data with the fixed effects partialled
out. :func:`design_from_formula` applies :func:`hitex.panel`'s input checks
and sample rules, then has pyfixest build and demean every variable of the
model at once (one least-squares fit of the outcome on the exogenous
regressors, the excluded instruments and the endogenous regressors, in that
order, with the fixed effects absorbed), so that formula terms (``log(x)``,
``C(region)``) and fixed effects are handled exactly as in estimation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError
from hitex.models import checks
from hitex.models.formula import formula_context, parse_formula
from hitex.models.inference import normalise_vcov
from hitex.models.iv import iv_terms
from hitex.models.iv_design import IVDesign, check_instruments
from hitex.models.panel import drop_nonfinite_terms, drop_singleton_rows, run_engine
from hitex.models.results import DropRecord

_FACTOR_CALL = re.compile(r"(?<![\w.])(?:C|i)\(\s*([^\W\d]\w*)")


def _owner(name: str, terms: Sequence[str]) -> str | None:
    for term in terms:
        if name == term or name.startswith(f"{term}["):
            return term
    return None


def design_from_formula(formula: str, data: pd.DataFrame, *,
                        vcov: str | Mapping[str, str] | None = None,
                        weights: str | None = None, drop_singletons: bool = True
                        ) -> tuple[IVDesign, dict[str, Any]]:
    """Check the input, build the sample and return (design, specification).

    The specification holds ``formula`` (normalised), ``fixed_effects``,
    ``vcov_type`` and ``cluster`` as :class:`~hitex.models.results.ModelSpec`
    records them, ``sample_index`` (the index labels of ``data`` in the
    estimation sample) and ``dropped`` (the :class:`DropRecord` of every
    observation left out). Raises hitex errors naming the column or term and the fix
    (see :func:`hitex.models.iv_diagnostics.iv_diagnostics_formula`).
    """
    import pyfixest as pf

    data = checks.require_dataframe(data)
    checks.require_formula_names(data, formula)
    checks.require_formula_names(data, "", [weights] if weights else [], "weights=")
    parsed = parse_formula(formula)
    if not parsed.iv:
        raise SpecificationError(
            f"{formula!r} has no IV part; write it as 'y ~ x | fe1 + fe2 | endog ~ z1 + z2' "
            "(fixed effects optional) to get IV diagnostics.")
    endog_terms, inst_terms = iv_terms(parsed.iv)
    if not endog_terms or not inst_terms:
        raise SpecificationError(
            f"the IV part of {formula!r} needs endogenous regressors and excluded instruments "
            "on either side of '~', e.g. '| endog ~ z1 + z2'.")
    if len(inst_terms) < len(endog_terms):
        raise SpecificationError(
            f"{len(endog_terms)} endogenous regressors ({', '.join(endog_terms)}) but only "
            f"{len(inst_terms)} excluded instrument(s) ({', '.join(inst_terms)}): the model is "
            "under-identified. Add excluded instruments to the IV part of the formula (at "
            "least one per endogenous regressor).")
    if vcov is None:
        plain = [fe for fe in parsed.fixed_effects if "^" not in fe]
        vcov = {"CRV1": plain[0]} if plain else ("hetero" if parsed.fixed_effects else "iid")
    _, vcov_kind, cluster = normalise_vcov(vcov)
    checks.require_cluster_columns(data, cluster, vcov)
    used = list(parsed.variables) + [c for c in cluster if c not in parsed.variables]
    if weights:
        used.append(weights)
    checks.require_columns(data, used, context=f"formula {formula!r}")
    factor_cols = set(_FACTOR_CALL.findall(parsed.rhs + " " + parsed.iv))
    numeric = [v for v in parsed.variables if v not in set(parsed.fe_columns)
               and v not in factor_cols and not v.startswith("np.")]
    checks.require_numeric(data, numeric + ([weights] if weights else []))

    work = data.loc[:, list(dict.fromkeys(used))]
    work, records, missing = checks.drop_missing(work)
    dropped = [DropRecord(*r) for r in records]
    checks.require_nonempty(len(work), f"formula {formula!r}", missing)
    work = drop_nonfinite_terms(parsed, work, dropped, formula)
    checks.require_variation(work[parsed.depvar], parsed.depvar)
    if weights is not None and (work[weights] < 0).any():
        raise SpecificationError(
            f"weights column '{weights}' has negative values; weights must be >= 0.")
    if weights is not None:
        work = work.loc[work[weights] > 0]
        checks.require_nonempty(len(work), f"formula {formula!r} (all weights are 0)")
    if drop_singletons:
        work = drop_singleton_rows(work, parsed.fixed_effects, dropped, f"formula {formula!r}")

    exog = [t.strip() for t in parsed.rhs.split("+")] if parsed.rhs.strip() not in (
        "", "1", "0") else []
    rhs = " + ".join([*exog, *inst_terms, *endog_terms])
    fe = f" | {' + '.join(parsed.fixed_effects)}" if parsed.fixed_effects else ""
    ols = f"{parsed.depvar} ~ {rhs}{fe}"
    frame = work.reset_index(drop=True)
    fit, _ = run_engine(lambda tol: pf.feols(context=formula_context(), fml=
        ols, data=frame, vcov="iid", weights=weights, fixef_rm="none", fixef_tol=tol,
        copy_data=False, store_data=True), formula, what="building the IV design")

    names = [str(c) for c in fit._coefnames]
    x_all = np.asarray(fit._X, dtype=float)
    y = np.asarray(fit._Y, dtype=float).reshape(-1)
    sqrt_w = None
    if getattr(fit, "_has_weights", False):
        w = np.asarray(fit._weights, dtype=float).reshape(-1)
        norm = np.sqrt(float(np.mean(w)))
        x_all, y, sqrt_w = x_all / norm, y / norm, np.sqrt(w) / norm
    endog_idx = [i for i, n in enumerate(names) if _owner(n, endog_terms)]
    inst_idx = [i for i, n in enumerate(names) if _owner(n, inst_terms) and i not in endog_idx]
    exog_idx = [i for i in range(len(names)) if i not in endog_idx and i not in inst_idx]
    rows = np.asarray(fit._data.index, dtype=int) if len(fit._data) < len(frame) else None
    sample = frame if rows is None else frame.iloc[rows].reset_index(drop=True)
    index = work.index if rows is None else work.index[rows]
    design = IVDesign(
        depvar=parsed.depvar,
        endogenous=tuple(names[i] for i in endog_idx),
        exogenous=tuple(names[i] for i in exog_idx),
        instruments=tuple(names[i] for i in inst_idx),
        y=y, x_endog=x_all[:, endog_idx], x_exog=x_all[:, exog_idx], z_excl=x_all[:, inst_idx],
        sqrt_weights=sqrt_w, sample=sample)
    lost = [t for t in endog_terms if not any(_owner(n, [t]) for n in design.endogenous)]
    if lost:
        raise SpecificationError(
            f"endogenous regressor(s) {', '.join(repr(t) for t in lost)} of {formula!r} are "
            "absorbed by the fixed effects or collinear with the exogenous regressors and the "
            "instruments, so there is nothing to instrument. Remove them from the IV part.")
    check_instruments(inst_terms, design, parsed.fixed_effects, endog_terms)
    return design, {"formula": parsed.formula, "fixed_effects": parsed.fixed_effects,
                    "vcov_type": vcov_kind, "cluster": tuple(cluster), "sample_index": index,
                    "dropped": tuple(dropped)}


__all__ = ["design_from_formula"]
