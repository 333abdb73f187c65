"""The partialled data of a 2SLS fit, as the IV diagnostics need them.

:func:`design_from_fit` takes a pyfixest 2SLS fit (``Feiv``) and returns an
immutable :class:`IVDesign`: the outcome, the endogenous regressors, the
included exogenous regressors and the excluded instruments of the estimation
sample, with the absorbed fixed effects already partialled out (pyfixest
demeans every variable by the fixed effects before estimation, as Stata
``ivreghdfe`` does with reghdfe's demeaning), in the units of the data, and
multiplied by the square root of the analytic weights normalised to mean 1
(Stata's ``aweight`` convention), so that every weighted cross-product is a
plain cross-product of these arrays.

:func:`hitex.models.inference` stores the design of every 2SLS result in
``result.extra["iv_design"]``; :func:`hitex.models.iv_diagnostics.iv_diagnostics`
reads it there, so the diagnostics use exactly the sample and the variables
of the estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError

#: Name pyfixest gives the constant.
INTERCEPT = "Intercept"


@dataclass(frozen=True, eq=False)
class IVDesign:
    """Data of a 2SLS fit with the fixed effects partialled out.

    Attributes
    ----------
    depvar : str
        The outcome.
    endogenous, exogenous, instruments : tuple of str
        Names of the columns of ``x_endog`` (instrumented regressors),
        ``x_exog`` (included exogenous regressors, ``"Intercept"`` among them
        when the model has a constant and no fixed effects) and ``z_excl``
        (excluded instruments).
    y : numpy.ndarray
        Outcome, shape ``(N,)``.
    x_endog, x_exog, z_excl : numpy.ndarray
        Shapes ``(N, K1)``, ``(N, K2)``, ``(N, L1)``.
    sqrt_weights : numpy.ndarray or None
        Square roots of the analytic weights normalised to mean 1 (the arrays
        above are already multiplied by them); None without weights.
    sample : pandas.DataFrame or None
        The estimation sample, row for row (fixed-effect and cluster columns).
    """

    depvar: str
    endogenous: tuple[str, ...]
    exogenous: tuple[str, ...]
    instruments: tuple[str, ...]
    y: np.ndarray = field(repr=False)
    x_endog: np.ndarray = field(repr=False)
    x_exog: np.ndarray = field(repr=False)
    z_excl: np.ndarray = field(repr=False)
    sqrt_weights: np.ndarray | None = field(default=None, repr=False)
    sample: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return int(self.y.shape[0])

    @property
    def has_constant(self) -> bool:
        """True when the constant is an included exogenous regressor (no fixed effects)."""
        return INTERCEPT in self.exogenous

    @property
    def z(self) -> np.ndarray:
        """All instruments: excluded, then included exogenous, shape ``(N, L1 + K2)``."""
        return np.column_stack([self.z_excl, self.x_exog])

    @property
    def x(self) -> np.ndarray:
        """All regressors: endogenous, then exogenous, shape ``(N, K1 + K2)``."""
        return np.column_stack([self.x_endog, self.x_exog])

    def column(self, name: str) -> np.ndarray:
        """The (weighted, partialled) column ``name`` of the design."""
        for names, arr in ((self.endogenous, self.x_endog), (self.exogenous, self.x_exog),
                           (self.instruments, self.z_excl)):
            if name in names:
                return arr[:, names.index(name)]
        if name == self.depvar:
            return self.y
        raise KeyError(name)


def _scaled(values: np.ndarray, names: list[str], scale: Mapping[str, float]) -> np.ndarray:
    out = np.asarray(values, dtype=float).copy()
    for j, name in enumerate(names):
        out[:, j] *= scale.get(name, 1.0)
    return out


def design_from_fit(fit: Any, sample: pd.DataFrame | None, *,
                    x_scale: Mapping[str, float] | None = None,
                    y_scale: float = 1.0) -> IVDesign:
    """The :class:`IVDesign` of a pyfixest 2SLS fit.

    Parameters
    ----------
    fit : pyfixest Feiv
        A 2SLS fit estimated with ``store_data=True``. Its ``_Y``, ``_X``,
        ``_Z`` hold the outcome, the regressors and the instruments demeaned
        by the fixed effects and multiplied by the square root of the weights.
    sample : pandas.DataFrame or None
        The estimation sample, row for row with the fit.
    x_scale, y_scale : optional
        Scale factors hitex divided columns by before estimation
        (:func:`hitex.models.panel.rescaled`); they are multiplied back.

    Returns
    -------
    IVDesign
    """
    x_names = [str(c) for c in fit._coefnames]
    z_names = [str(c) for c in fit._coefnames_z]
    scale = dict(x_scale or {})
    x_all = _scaled(np.asarray(fit._X, dtype=float), x_names, scale)
    z_all = _scaled(np.asarray(fit._Z, dtype=float), z_names, scale)
    y = np.asarray(fit._Y, dtype=float).reshape(-1) * y_scale
    sqrt_w = None
    if getattr(fit, "_has_weights", False):
        w = np.asarray(fit._weights, dtype=float).reshape(-1)
        norm = np.sqrt(float(np.mean(w)))
        x_all, z_all, y = x_all / norm, z_all / norm, y / norm
        sqrt_w = np.sqrt(w) / norm
    in_z = set(z_names)
    in_x = set(x_names)
    endog = [n for n in x_names if n not in in_z]
    exog = [n for n in x_names if n in in_z]
    excl = [n for n in z_names if n not in in_x]

    def cols(names: list[str], all_names: list[str], arr: np.ndarray) -> np.ndarray:
        idx = [all_names.index(n) for n in names]
        return arr[:, idx].reshape(arr.shape[0], len(idx))

    return IVDesign(
        depvar=str(fit._depvar),
        endogenous=tuple(endog),
        exogenous=tuple(exog),
        instruments=tuple(excl),
        y=y,
        x_endog=cols(endog, x_names, x_all),
        x_exog=cols(exog, x_names, x_all),
        z_excl=cols(excl, z_names, z_all),
        sqrt_weights=sqrt_w,
        sample=None if sample is None else sample.reset_index(drop=True),
    )


def _term_of(column: str, terms: Sequence[str]) -> str:
    for term in terms:
        if column == term or column.startswith(f"{term}["):
            return term
    return column


def _collinear_instrument(design: IVDesign) -> str | None:
    """The first excluded instrument that is a combination of the exogenous regressors
    and the instruments before it (relative residual norm below 1e-8), or None."""
    for j, name in enumerate(design.instruments):
        col = design.z_excl[:, j]
        norm = float(np.linalg.norm(col))
        others = np.column_stack([design.x_exog, design.z_excl[:, :j]])
        resid = col
        if others.shape[1]:
            resid = col - others @ np.linalg.lstsq(others, col, rcond=None)[0]
        if norm == 0.0 or float(np.linalg.norm(resid)) <= 1e-8 * norm:
            return name
    return None


def missing_instruments(terms: Sequence[str], design: IVDesign) -> list[str]:
    """Instruments of the formula (``terms``) without a column in the design (dropped)."""
    return [t for t in terms
            if not any(c == t or c.startswith(f"{t}[") for c in design.instruments)]


def check_instruments(terms: Sequence[str], design: IVDesign, fixed_effects: Sequence[str],
                      endog_terms: Sequence[str] = (), *, allow_absorbed: bool = False
                      ) -> list[str]:
    """Raise :class:`~hitex.errors.SpecificationError` for an instrument that adds nothing.

    ``terms`` and ``endog_terms`` are the instruments and the endogenous
    regressors as the formula writes them. An instrument absorbed by the
    fixed effects (constant within the groups of one of ``fixed_effects``;
    the engine drops it) or collinear with the exogenous regressors and the
    other instruments is named, with which of the two it is. When the engine
    dropped an exogenous regressor from the instruments because an instrument
    is collinear with it (it then treats that regressor as endogenous), that
    instrument is named too.

    With ``allow_absorbed``, instruments the engine dropped are returned
    instead of raising (the estimate with the other instruments is valid);
    the other problems still raise.
    """
    extras = [c for c in design.endogenous
              if endog_terms and _term_of(c, endog_terms) not in endog_terms]
    view = design
    if extras:
        idx = [design.endogenous.index(c) for c in extras]
        view = IVDesign(design.depvar, design.endogenous, (*design.exogenous, *extras),
                        design.instruments, design.y, design.x_endog,
                        np.column_stack([design.x_exog, design.x_endog[:, idx]]),
                        design.z_excl, design.sqrt_weights, design.sample)
    missing = missing_instruments(terms, design)
    if missing and allow_absorbed and not extras:
        return missing
    bad = missing[0] if missing else None
    if bad is None:
        column = _collinear_instrument(view)
        if column is None:
            if extras:
                raise SpecificationError(
                    f"the exogenous regressor(s) {', '.join(repr(c) for c in extras)} are "
                    "collinear with the excluded instruments and the other exogenous "
                    "regressors, so they cannot serve as their own instruments. Remove the "
                    "instrument or the regressor that makes them collinear.")
            return []
        bad = _term_of(column, terms)
    sample = design.sample
    absorbed = None
    if sample is not None and bad in sample.columns:
        for fe in fixed_effects:
            cols = fe.split("^")
            if all(c in sample.columns for c in cols) and int(
                    sample.groupby(cols, observed=True)[bad].nunique().max()) <= 1:
                absorbed = fe
                break
    why = (f"is absorbed by the {absorbed} fixed effect (it does not vary within its groups)"
           if absorbed else
           "is collinear with the exogenous regressors (or the other instruments)")
    kept = [c for c in design.instruments if _term_of(c, terms) != bad]
    raise SpecificationError(
        f"instrument '{bad}' {why}, so it adds nothing to "
        f"{', '.join(repr(c) for c in kept) or 'the other instruments'}. Remove "
        f"'{bad}' from the IV part of the formula, or use an instrument that varies within "
        "the fixed-effect groups and is not a combination of the exogenous regressors.")


__all__ = ["INTERCEPT", "IVDesign", "check_instruments", "design_from_fit",
           "missing_instruments"]
