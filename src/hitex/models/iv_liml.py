"""LIML, Fuller and k-class estimation of a linear IV model, as Stata ``ivreg2`` does.

:func:`liml` estimates ``y = X b + e`` with ``X = [X1, X2]`` (endogenous and
included exogenous regressors) and instruments ``Z = [Z1, X2]`` by the k-class
estimator

    ``b(k) = [X'(I - k M_Z) X]^-1 X'(I - k M_Z) y``,

where ``M_Z`` is the residual maker of ``Z``. ``k = 1`` is 2SLS, ``k = 0`` OLS;
LIML takes ``k = lambda``, the smallest eigenvalue of
``(W'M_Z W)^-1 (W'M_X2 W)`` with ``W = [y, X1]`` (1 when the model is exactly
identified, so LIML equals 2SLS there); Fuller's modification takes
``k = lambda - alpha / (N - L)`` with ``L`` the number of instruments
(``ivreg2``'s ``fuller(alpha)``; ``alpha = 1`` is the usual choice, nearly
unbiased; ``alpha = 4`` minimises the mean squared error).

LIML is the estimator a referee asks for beside 2SLS when the instruments may
be weak: it is median-unbiased under many or weak instruments where 2SLS is
biased towards OLS, and its weak-instrument critical values (Stock-Yogo's
LIML size table) are much lower.

Fixed effects are partialled out first (pyfixest's demeaning, as Stata
``ivreghdfe`` does with reghdfe's), which leaves the k-class estimator
unchanged (Frisch-Waugh-Lovell: the fixed effects are included exogenous
regressors). The data, sample rules and input checks are those of
:func:`hitex.models.iv_formula.design_from_formula`.

Variance (Stata ``ivreg2``'s conventions)
-----------------------------------------
* ``iid``: ``sigma^2 [X'(I - k M_Z) X]^-1`` with ``sigma^2 = e'e / (N - K - s)``
  (``small``) or ``e'e / N``;
* ``hetero`` / clustered: the sandwich with the k-class bread
  ``B = [X'(I - k M_Z) X]^-1`` and the meat of ``Xhat_i e_i`` with
  ``Xhat = P_Z X`` (``ivreg2``'s default; ``coviv=True`` uses the 2SLS bread
  ``(Xhat'Xhat)^-1`` throughout, ``ivreg2``'s ``coviv``), multiplied by
  ``N/(N - K - s)`` (robust) or ``(N-1)/(N - K - s) * M/(M-1)`` (clustered,
  ``M`` clusters) when ``small``;

where ``K`` counts the regressors and ``s`` the fixed-effect levels absorbed
(not nested in the cluster variable: ``ivreghdfe``'s ``sdofminus``, as
:func:`hitex.panel`'s ``ssc="reghdfe"``). With ``small=True`` (the default,
so that ``kclass=1`` reproduces :func:`hitex.panel`'s 2SLS and Stata's
``ivreghdfe``/``ivreg2 ..., small``) t statistics use ``N - K - s`` degrees of
freedom (``M - 1`` with clusters); ``small=False`` gives ``ivreg2``'s default
large-sample variance and normal p-values.

Checked against ``ivreg2 ..., liml``, ``fuller(1)``, ``fuller(4)``,
``kclass(0.5)``, with ``robust``, ``cluster()``, ``small`` and ``coviv``, on
Card (1995) (``tests/references/card_ivreg2_liml.json``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hitex.errors import EstimationError, SpecificationError
from hitex.models import iv_stats as S
from hitex.models.inference import vcov_label
from hitex.models.iv_design import INTERCEPT, IVDesign
from hitex.models.iv_diagnostics import iv_diagnostics, vce_kind
from hitex.models.iv_formula import design_from_formula
from hitex.models.results import ModelSpec, RegressionResult
from hitex.models.small_sample import absorbed_dof

#: Note prefix of a LIML/k-class result.
NOTE_PREFIX = "k-class IV: "


@dataclasses.dataclass(frozen=True)
class KClass:
    """The k of a k-class fit: ``kclass`` used, LIML's ``lambda``, Fuller's ``alpha``."""

    kclass: float
    lambda_: float
    fuller: float
    estimator: str


def liml_lambda(design: IVDesign) -> float:
    """LIML's ``lambda``: the smallest eigenvalue of ``(W'M_Z W)^-1 (W'M_X2 W)``, ``W = [y, X1]``.

    1 when the model is exactly identified. Computed from the symmetric form
    ``C^-1 A C^-T`` with ``C`` the Cholesky factor of ``W'M_Z W``.
    """
    w = np.column_stack([design.y, design.x_endog])
    w2 = S.partial_out(w, design.x_exog)
    wz = S.partial_out(w2, S.partial_out(design.z_excl, design.x_exog))
    a, b = w2.T @ w2, wz.T @ wz
    try:
        c = np.linalg.cholesky((b + b.T) / 2)
    except np.linalg.LinAlgError as err:
        raise EstimationError(
            "the outcome and the endogenous regressors are (nearly) perfectly explained by the "
            "instruments, so LIML's eigenvalue is undefined; check that no instrument is a "
            "copy of an endogenous regressor or of the outcome.") from err
    ci = np.linalg.inv(c)
    sym = ci @ a @ ci.T
    return float(np.linalg.eigvalsh((sym + sym.T) / 2).min())


def _choose_k(design: IVDesign, fuller: float, kclass: float | None) -> KClass:
    n = design.nobs
    n_inst = len(design.instruments) + len(design.exogenous)
    lam = liml_lambda(design) if kclass is None else float("nan")
    if kclass is not None:
        return KClass(float(kclass), lam, 0.0, f"k-class (k = {kclass:g})")
    if fuller:
        return KClass(lam - fuller / (n - n_inst), lam, float(fuller),
                      f"Fuller (alpha = {fuller:g})")
    return KClass(lam, lam, 0.0, "LIML")


def liml(formula: str, data: pd.DataFrame, *, vcov: str | Mapping[str, str] | None = None,
         weights: str | None = None, fuller: float = 0.0, kclass: float | None = None,
         small: bool = True, coviv: bool = False, drop_singletons: bool = True,
         sample: str | None = None) -> RegressionResult:
    """Estimate a linear IV model by LIML, Fuller's modified LIML or any k-class estimator.

    Follows Stata ``ivreg2 ..., liml`` / ``fuller(alpha)`` / ``kclass(k)`` (with
    fixed effects: ``ivreghdfe``); see the module docstring for the estimator
    and its variance.

    Parameters
    ----------
    formula : str
        :func:`hitex.panel`'s syntax with an IV part,
        ``"y ~ x | fe1 + fe2 | endog ~ z1 + z2"`` (fixed effects optional;
        several endogenous regressors allowed).
    data : pandas.DataFrame
        One row per observation.
    vcov : str or dict, optional
        ``"iid"``, ``"hetero"`` or ``{"CRV1": "col"}`` (``"a+b"`` two-way).
        Default as :func:`hitex.panel`: clustered by the first fixed effect,
        ``"iid"`` without fixed effects.
    weights : str, optional
        Column of analytic weights (Stata ``aweight``).
    fuller : float, default 0
        Fuller's ``alpha`` (``ivreg2``'s ``fuller()``); 0 gives LIML.
    kclass : float, optional
        A fixed ``k`` (``ivreg2``'s ``kclass()``) instead of LIML's.
    small : bool, default True
        Small-sample variance and t distribution (``ivreg2``'s ``small``,
        ``ivreghdfe``'s and :func:`hitex.panel`'s convention); False gives
        ``ivreg2``'s default large-sample variance with normal p-values.
    coviv : bool, default False
        Variance with the 2SLS bread (``ivreg2``'s ``coviv``).
    drop_singletons : bool, default True
        Drop observations alone in a fixed-effect group (reghdfe's default).
    sample : str, optional
        Description of the sample (e.g. the filter a study applied), recorded
        in ``result.spec.sample``.

    Returns
    -------
    RegressionResult
        Coefficients of the endogenous, then the exogenous regressors;
        ``extra`` holds ``kclass``, ``lambda``, ``fuller``, the first-stage F
        and the ``iv_design`` that :func:`hitex.iv_diagnostics` reads.

    Raises
    ------
    SpecificationError
        No IV part; fewer excluded instruments than endogenous regressors; an
        instrument absorbed by the fixed effects; both ``fuller`` and
        ``kclass``; a negative ``fuller``; a vcov type the sandwich does not
        cover.
    ColumnNotFoundError, NonNumericError, EmptySampleError
        As :func:`hitex.panel`.

    Examples
    --------
    >>> res = hitex.liml("lwage ~ exper + black | educ ~ nearc2 + nearc4", card)  # doctest: +SKIP
    >>> res.extra["lambda"]  # doctest: +SKIP
    1.0006...
    """
    if not isinstance(fuller, (int, float)) or isinstance(fuller, bool) or not math.isfinite(
            fuller) or fuller < 0:
        raise SpecificationError(
            f"fuller={fuller!r} must be a number >= 0 (Fuller's alpha: 1 for nearly unbiased "
            "estimates, 4 for the smallest mean squared error; 0 for LIML).")
    if kclass is not None and (isinstance(kclass, bool) or not isinstance(kclass, (int, float))
                               or not math.isfinite(kclass)):
        raise SpecificationError(f"kclass={kclass!r} must be a finite number (1 gives 2SLS).")
    if kclass is not None and fuller:
        raise SpecificationError(
            f"give either fuller={fuller!r} or kclass={kclass!r}, not both: Fuller's k is "
            "derived from LIML's, a fixed kclass replaces it.")
    design, spec = design_from_formula(formula, data, vcov=vcov, weights=weights,
                                       drop_singletons=drop_singletons)
    kind = vce_kind(spec["vcov_type"], spec["cluster"])
    cluster = tuple(spec["cluster"]) if kind == "cluster" else ()
    k = _choose_k(design, fuller, kclass)

    x, z, y = design.x, design.z, design.y
    names = [*design.endogenous, *design.exogenous]
    n, n_reg = x.shape
    xhat = z @ S.solve_psd(z.T @ z, z.T @ x)        # P_Z X
    xk = (1 - k.kclass) * x + k.kclass * xhat        # (I - k M_Z) X
    bread_k = xk.T @ x
    bread_k = (bread_k + bread_k.T) / 2
    try:
        b = np.linalg.solve(bread_k, xk.T @ y)
        bread_inv = np.linalg.inv(xhat.T @ x if coviv else bread_k)
    except np.linalg.LinAlgError as err:
        raise EstimationError(
            f"the k-class normal equations of {formula!r} are singular: the regressors are "
            "collinear after partialling out the fixed effects; remove the redundant ones."
        ) from err
    e = y - x @ b

    absorbed = 0
    if spec["fixed_effects"]:
        df_a, _ = absorbed_dof(design.sample, spec["fixed_effects"], cluster)
        absorbed = int(df_a)
    dof_small = n - n_reg - absorbed
    if dof_small <= 0:
        raise EstimationError(
            f"{n} observations for {n_reg} regressors and {absorbed} absorbed fixed-effect "
            "levels: no residual degrees of freedom. Use fewer regressors or more data.")
    bread_inv = (bread_inv + bread_inv.T) / 2
    codes: tuple[np.ndarray, ...] = ()
    n_clusters: dict[str, int] = {}
    if kind == "iid":
        v = float(e @ e) / (dof_small if small else n) * bread_inv
        df_resid = float(dof_small) if small else math.inf
    else:
        if kind == "cluster":
            codes = tuple(pd.factorize(design.sample[c])[0] for c in cluster)
            n_clusters = {c: int(cd.max()) + 1 for c, cd in zip(cluster, codes, strict=True)}
        vce = S.Vce(kind, codes)
        v = bread_inv @ S.meat(xhat * e[:, None], vce) @ bread_inv
        m = vce.n_clusters
        if small:
            v = v * ((n - 1) / dof_small * m / (m - 1) if m is not None else n / dof_small)
        df_resid = float(m - 1) if m is not None and small else (
            float(dof_small) if small else math.inf)
    var = np.diag(v)
    bad = [nm for nm, vv in zip(names, var, strict=True) if not np.isfinite(vv) or vv <= 0]
    if bad:
        raise EstimationError(
            f"the variance of {', '.join(repr(x) for x in bad)} in {formula!r} is not positive "
            "under this variance estimator; use fewer regressors or another vcov.")
    se = np.sqrt(var)
    t = b / se
    p = 2 * (stats.t.sf(np.abs(t), df_resid) if math.isfinite(df_resid)
             else stats.norm.sf(np.abs(t)))
    order = [i for i, nm in enumerate(names) if nm != INTERCEPT] + [
        i for i, nm in enumerate(names) if nm == INTERCEPT]   # constant last, as Stata
    names = [names[i] for i in order]
    b, se, t, p, v = b[order], se[order], t[order], p[order], v[np.ix_(order, order)]
    idx = pd.Index(names)

    rss = float(e @ e)
    if spec["fixed_effects"]:
        yc = design.y  # demeaned: the within R-squared
    else:
        sw = design.sqrt_weights if design.sqrt_weights is not None else np.ones(n)
        y_raw = design.y / sw
        yc = sw * (y_raw - float(np.average(y_raw, weights=sw ** 2)))
    tss = float(yc @ yc)
    r2 = 1 - rss / tss if tss > 0 else float("nan")
    r2_adj = 1 - (1 - r2) * (n - 1) / dof_small if not spec["fixed_effects"] else None

    label = vcov_label("HC1" if kind == "robust" else spec["vcov_type"], cluster,
                       "reghdfe" if small else "none")
    note = (f"{NOTE_PREFIX}{k.estimator}; "
            + ", ".join(f"'{x}'" for x in design.endogenous) + " instrumented by "
            + ", ".join(f"'{x}'" for x in design.instruments)
            + (f"; lambda = {k.lambda_:.6f}" if math.isfinite(k.lambda_) else "")
            + (f", k = {k.kclass:.6f}" if k.kclass != k.lambda_ else "")
            + ("; variance with the 2SLS bread (coviv)" if coviv else "") + ".")
    model_spec = ModelSpec(
        formula=spec["formula"], depvar=design.depvar, regressors=tuple(names),
        fixed_effects=tuple(spec["fixed_effects"]), vcov_type=spec["vcov_type"],
        cluster=cluster, vcov_label=label, ssc="reghdfe" if small else "none",
        estimator=f"{k.estimator} (IV{', absorbed fixed effects' if spec['fixed_effects'] else ''})",
        weights=weights, sample=sample, formula_input=formula, notes=(note,),
        engine="hitex k-class",
        endogenous=tuple(design.endogenous), instruments=tuple(design.instruments))
    extra: dict[str, Any] = {"kclass": k.kclass, "lambda": k.lambda_, "fuller": k.fuller,
                             "endogenous": tuple(design.endogenous),
                             "instruments": tuple(design.instruments),
                             "iv_design": design}
    result = RegressionResult(
        _params=pd.Series(b, index=idx, name="estimate"),
        _std_errors=pd.Series(se, index=idx, name="std_error"),
        _tstats=pd.Series(t, index=idx, name="statistic"),
        _pvalues=pd.Series(p, index=idx, name="p_value"),
        _vcov=pd.DataFrame(v, index=idx, columns=idx),
        nobs=n, rsquared=r2 if not spec["fixed_effects"] else float("nan"),
        rsquared_within=r2 if spec["fixed_effects"] else None, df_resid=df_resid,
        spec=model_spec, dropped=spec["dropped"], n_clusters=n_clusters,
        rsquared_adj=r2_adj, sample_index=spec["sample_index"], extra=extra)
    if len(design.endogenous) == 1:
        first = iv_diagnostics(result).first_stages[0]
        extra.update(first_stage_f=first.f.statistic, first_stage_df=first.f.df,
                     first_stage_f_type=f"{first.f.name} ({kind})")
        result = dataclasses.replace(result, extra=extra)
    return result


__all__ = ["KClass", "NOTE_PREFIX", "liml", "liml_lambda"]
