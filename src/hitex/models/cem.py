"""Coarsened exact matching (R MatchIt ``method = "cem"``, Iacus, King and Porro 2012).

:func:`cem` coarsens every numeric covariate into bins, matches exactly on
the bins (and on the categories of the other covariates), keeps the strata
that hold treated and control units, and weights the units for the ATT as
MatchIt does:

* a matched treated unit weighs 1;
* a matched control in stratum ``s`` weighs ``(n1_s / n0_s) * (N0 / N1)``,
  with ``n1_s, n0_s`` the treated and controls of the stratum and ``N1, N0``
  the matched treated and controls (so the control weights sum to ``N0``);
* units in strata without both groups weigh 0 (unmatched).

Coarsening (MatchIt's ``cutpoints``)
------------------------------------
For each numeric covariate, ``cutpoints`` gives

``"sturges"`` (default), ``"scott"``, ``"fd"``
    the number of bins by R's ``nclass.Sturges`` (``ceil(log2(n) + 1)``),
    ``nclass.scott`` or ``nclass.FD``;
an integer ``b``
    ``b`` equal-width bins between the variable's minimum and maximum
    (``0``: no coarsening, exact matching on the values; ``1``: the variable
    is left out of the strata);
``"q<b>"``
    ``b`` quantile bins (R ``quantile`` type 7);
a list of numbers
    the cut points themselves.

The bins are ``[c_k, c_{k+1})`` with the outer ones open (R
``findInterval``): a value on a cut point goes to the higher bin. Pass one
rule for all numeric covariates or a dict ``{column: rule}`` (columns not
named get ``"sturges"``).

Effect
------
With an ``outcome``, the ATT is the weighted difference in means, i.e. the
coefficient of the treatment in a weighted regression of the outcome on a
constant and the treatment, with HC3 standard errors and normal p-values
(MatchIt's "Estimating effects" vignette: ``lm(y ~ treat, weights =
weights)`` then ``marginaleffects::avg_comparisons(..., vcov = "HC3")``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError
from hitex.models import checks
from hitex.models.balance import balance_table, binary_treatment, plain_index
from hitex.models.normal_inference import NormalInference

__all__ = ["CEMResult", "cem"]

_RULES = ("sturges", "scott", "fd")


@dataclass(frozen=True, eq=False)
class CEMResult(NormalInference):
    """An immutable coarsened-exact-matching result.

    Attributes
    ----------
    att, se : float or None
        ATT (weighted difference in means) and its HC3 standard error
        (``None`` without an outcome).
    n_strata : int
        Strata that hold treated and control units.
    n_treated, n_controls : int
        Matched treated and control units.
    n_treated_unmatched, n_controls_unmatched : int
        Units in strata without the other group.
    cutpoints : dict
        The cut points used for each coarsened covariate (``-inf``/``inf``
        outer bounds left out); ``None`` for a covariate matched exactly.
    spec : dict
        The options that were run.
    """

    att: float | None
    se: float | None
    n_strata: int
    n_treated: int
    n_controls: int
    n_treated_unmatched: int
    n_controls_unmatched: int
    cutpoints: dict[str, Any]
    spec: dict[str, Any]
    _sample: pd.DataFrame = field(repr=False)
    _treatment: str = field(repr=False, default="treat")
    _covariates: tuple[str, ...] = field(repr=False, default=())

    @property
    def weights(self) -> pd.Series:
        """MatchIt's matching weight of every unit (0 for unmatched units)."""
        return self._sample["_weight"].copy()

    @property
    def subclass(self) -> pd.Series:
        """Stratum number (1, 2, ... in order of first appearance) of matched units; NaN otherwise."""
        return self._sample["_subclass"].copy()

    def matched_sample(self) -> pd.DataFrame:
        """Rows with a positive weight: the data plus ``_subclass`` and ``_weight``."""
        return self._sample.loc[self._sample["_weight"] > 0].copy()

    def balance(self, columns: Sequence[str] | None = None, *, sd: str = "treated",
                ecdf: bool = False) -> pd.DataFrame:
        """Balance before and after matching (see :func:`hitex.models.balance.balance_table`)."""
        cols = list(columns) if columns is not None else [
            c for c in self._covariates if pd.api.types.is_numeric_dtype(self._sample[c])]
        checks.require_columns(self._sample, cols, context="balance()")
        checks.require_numeric(self._sample, cols)
        return balance_table(self._sample[cols], self._sample[self._treatment].to_numpy(),
                             self._sample["_weight"].to_numpy(), sd=sd, ecdf=ecdf)

    # -- result contract -----------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Matched units (positive weight)."""
        return self.n_treated + self.n_controls

    @property
    def params(self) -> pd.Series:
        """``ATT`` as a one-term Series (NaN without an outcome)."""
        return pd.Series([np.nan if self.att is None else self.att], index=["ATT"], name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """HC3 standard error of the ATT (NaN without an outcome)."""
        return pd.Series([np.nan if self.se is None else self.se], index=["ATT"], name="std_error")

    def summary(self) -> str:
        """Plain-text summary: strata, matched and unmatched units, ATT."""
        lines = [f"Coarsened exact matching (ATT), {self.n_strata} strata with both groups",
                 f"{'':<12}{'Control':>10}{'Treated':>10}",
                 f"{'Matched':<12}{self.n_controls:>10}{self.n_treated:>10}",
                 f"{'Unmatched':<12}{self.n_controls_unmatched:>10}{self.n_treated_unmatched:>10}"]
        for col, cuts in self.cutpoints.items():
            lines.append(f"  {col}: " + ("exact" if cuts is None else
                                          f"{len(cuts) + 1} bins, cut points "
                                          + ", ".join(f"{c:.6g}" for c in cuts)))
        if self.att is not None:
            lines.append(f"ATT on {self.spec['outcome']}: {self.att:.4f}   s.e. (HC3) {self.se:.4f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _n_bins(x: np.ndarray, rule: str) -> int:
    """R's ``nclass.Sturges``, ``nclass.scott`` or ``nclass.FD``."""
    n = len(x)
    if rule == "sturges":
        return int(math.ceil(math.log2(n) + 1))
    span = float(np.max(x) - np.min(x))
    if rule == "scott":
        h = 3.5 * math.sqrt(float(np.var(x, ddof=1))) * n ** (-1 / 3)
        return max(1, int(math.ceil(span / h))) if h > 0 else 1
    xs = np.sort(np.array([float(f"{v:.5g}") for v in x]))  # R: signif(x, 5)
    h = 2 * float(np.subtract(*np.quantile(xs, [0.75, 0.25])))
    al = 0.25
    while h == 0 and (al := al / 2) >= 1 / 512:
        h = float(np.diff(np.quantile(xs, [al, 1 - al]))[0]) / (1 - 2 * al)
    return max(1, int(math.ceil(span / (h * n ** (-1 / 3))))) if h > 0 else 1


def _cuts(x: np.ndarray, rule: Any, name: str) -> np.ndarray | None:
    """Inner cut points of ``x`` under ``rule``; ``None`` for no coarsening."""
    if isinstance(rule, str):
        if rule.startswith("q") and rule[1:].isdigit() and int(rule[1:]) >= 1:
            q = int(rule[1:])
            return np.unique(np.quantile(x, np.arange(1, q) / q))
        if rule not in _RULES:
            raise SpecificationError(
                f"cutpoints for '{name}' is {rule!r}; use 'sturges', 'scott', 'fd', 'q<number "
                "of quantile bins>', a number of bins or a list of cut points.")
        bins = _n_bins(x, rule)
    elif isinstance(rule, (int, np.integer)) and not isinstance(rule, bool):
        if rule < 0:
            raise SpecificationError(f"cutpoints for '{name}' is {rule}; a number of bins must "
                                     "be 0 (exact), 1 (left out) or more.")
        if rule == 0:
            return None
        bins = int(rule)
    elif isinstance(rule, (list, tuple, np.ndarray)) and len(rule) > 0:
        values = np.asarray(rule, dtype=float)
        if not np.isfinite(values).all():
            raise SpecificationError(f"cut points for '{name}' must be finite numbers.")
        return np.unique(values)
    else:
        raise SpecificationError(
            f"cutpoints for '{name}' is {rule!r}; use 'sturges', 'scott', 'fd', 'q<number of "
            "quantile bins>', a number of bins or a list of cut points.")
    return np.linspace(np.min(x), np.max(x), bins + 1)[1:-1]


def cem(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    *,
    cutpoints: str | int | Sequence[float] | Mapping[str, Any] = "sturges",
    outcome: str | None = None,
) -> CEMResult:
    """Coarsened exact matching for the ATT, as R MatchIt ``matchit(..., method = "cem")``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    treatment : str
        0/1 treatment column (1 = treated).
    covariates : sequence of str
        Columns to match on: numeric ones are coarsened, the others (text,
        categorical, boolean) matched exactly on their values.
    cutpoints : str, int, list or dict, default "sturges"
        Coarsening of the numeric covariates (see the module docstring);
        MatchIt's default is ``"sturges"``.
    outcome : str, optional
        Outcome column; with it the ATT and its HC3 standard error.

    Returns
    -------
    CEMResult

    Raises
    ------
    ColumnNotFoundError, NonNumericError, SpecificationError, EstimationError,
    EmptySampleError
        Missing columns, a text outcome, a treatment that is not 0/1, an
        unknown coarsening rule, no treated or no controls, or no stratum with
        both groups (coarsen more or match on fewer covariates).

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.models.cem import cem
    >>> df = pd.DataFrame({"d": [1, 1, 0, 0, 0], "x": [1., 5., 1.2, 5.1, 9.],
    ...                    "y": [3., 9., 1., 4., 0.]})
    >>> res = cem(df, "d", ["x"], cutpoints=[3.0, 7.0], outcome="y")
    >>> res.n_strata, round(res.att, 4)
    (2, 3.5)
    """
    data = plain_index(checks.require_dataframe(data))
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise SpecificationError("cem() needs at least one covariate to match on.")
    used = [treatment, *covariates] + ([outcome] if outcome else [])
    checks.require_columns(data, used, context="cem()")
    if outcome:
        checks.require_numeric(data, [outcome])
    if isinstance(cutpoints, Mapping):
        unknown = [c for c in cutpoints if c not in covariates]
        if unknown:
            raise SpecificationError(f"cutpoints names {', '.join(map(repr, unknown))}, which "
                                     "is not among the covariates; fix the name or add the "
                                     "covariate.")
    missing = checks.missing_counts(data, used)
    sample = data.loc[data[used].notna().all(axis=1).to_numpy()].copy()
    checks.require_nonempty(len(sample), "cem()", missing)
    d = binary_treatment(sample[treatment], treatment).to_numpy()
    if (d == 1).sum() == 0 or (d == 0).sum() == 0:
        which = "treated units (no 1s)" if (d == 1).sum() == 0 else "control units (no 0s)"
        raise EstimationError(f"treatment column '{treatment}' has no {which}; matching needs "
                              "treated and control units. Check the column and the sample.")
    sample[treatment] = d.astype(int)

    codes = []
    used_cuts: dict[str, Any] = {}
    for col in covariates:
        s = sample[col]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if not numeric:
            codes.append(pd.factorize(s)[0])
            used_cuts[col] = None
            continue
        rule = cutpoints.get(col, "sturges") if isinstance(cutpoints, Mapping) else cutpoints
        if isinstance(rule, (int, np.integer)) and not isinstance(rule, bool) and rule == 1:
            continue  # MatchIt: 1 bin leaves the variable out of the strata
        x = s.to_numpy(dtype=float)
        inner = _cuts(x, rule, col)
        if inner is None:
            codes.append(pd.factorize(s)[0])
            used_cuts[col] = None
        else:
            codes.append(np.searchsorted(inner, x, side="right"))
            used_cuts[col] = [float(c) for c in inner]
    if codes:
        key = pd.Series(list(zip(*codes, strict=True)), index=sample.index)
    else:
        key = pd.Series([()] * len(sample), index=sample.index)
    stratum = pd.Series(pd.factorize(key)[0], index=sample.index)
    t = d == 1
    has_t = stratum[t].unique()
    has_c = stratum[~t].unique()
    both = np.intersect1d(has_t, has_c)
    if len(both) == 0:
        raise EstimationError(
            f"no stratum holds both treated and control units after coarsening "
            f"{', '.join(covariates)}: nothing is matched. Coarsen more (fewer bins, e.g. "
            "cutpoints=3) or match on fewer covariates.")
    matched = stratum.isin(both).to_numpy()
    n1s = stratum[t & matched].value_counts()
    n0s = stratum[~t & matched].value_counts()
    big_n1, big_n0 = int((t & matched).sum()), int((~t & matched).sum())
    weight = np.zeros(len(sample))
    weight[t & matched] = 1.0
    ctrl = ~t & matched
    s_c = stratum[ctrl]
    weight[ctrl] = (n1s[s_c].to_numpy() / n0s[s_c].to_numpy()) * (big_n0 / big_n1)
    first = pd.Series(stratum[matched].unique())
    order = pd.Series(np.arange(1, len(first) + 1), index=first.to_numpy())
    sub = np.full(len(sample), np.nan)
    sub[matched] = order[stratum[matched]].to_numpy()

    att = se = None
    if outcome is not None:
        import statsmodels.api as sm

        y = sample[outcome].to_numpy(dtype=float)
        keep = weight > 0
        exog = sm.add_constant(d[keep].astype(float), has_constant="add")
        fit = sm.WLS(y[keep], exog, weights=weight[keep]).fit(cov_type="HC3")
        att, se = float(fit.params[1]), float(fit.bse[1])
    sample["_subclass"] = sub
    sample["_weight"] = weight
    spec = {"treatment": treatment, "covariates": tuple(covariates), "outcome": outcome,
            "cutpoints": cutpoints if not isinstance(cutpoints, Mapping) else dict(cutpoints),
            "estimand": "ATT", "vcov": "HC3", "vcov_label": "HC3", "missing": missing,
            "n_dropped_missing": int(len(data) - len(sample))}
    return CEMResult(
        att=att, se=se, n_strata=len(both), n_treated=big_n1, n_controls=big_n0,
        n_treated_unmatched=int((t & ~matched).sum()),
        n_controls_unmatched=int((~t & ~matched).sum()),
        cutpoints=used_cuts, spec=spec, _sample=sample, _treatment=treatment,
        _covariates=tuple(covariates),
    )
