"""Heterogeneity analysis: one model by group, and tests of coefficient differences.

:func:`by_group` estimates the same fixed-effects model (:func:`hitex.panel`,
fixest formula syntax) in each group of a column, e.g. OECD and non-OECD
countries, eastern and western provinces. :func:`group_difference` tests
whether a coefficient differs between two groups, by one of the three methods
applied economists use:

``"interaction"`` (Chow-type test, Stata ``reghdfe y c.x##i.g, absorb(fe#g)``)
    One pooled regression in which *every* regressor is interacted with the
    dummy ``1[by = first group]`` and *every* fixed effect is interacted with
    the group (``unit#g``, ``year#g``), so that the pooled regression reproduces
    both group regressions' coefficients exactly; without fixed effects the
    group dummy itself enters (the intercept shift). The coefficient of
    ``term x 1[by = first]`` is the difference ``b_first - b_second``; it is
    tested with the pooled regression's standard error under the same
    ``vcov`` and hitex's (Stata reghdfe's) small-sample convention,
    ``G/(G-1) (N-1)/(N-K)`` with ``K`` the pooled coefficients and the
    fixed-effect levels not nested in the clusters, and ``t(G-1)`` inference
    (``vcov="iid"``: the classic Chow test, which assumes one error variance
    in both groups). The joint F test that all interactions are zero (the
    Chow test of the whole equation) is reported too.
``"suest"`` (Stata ``suest``)
    Seemingly unrelated estimation: the two group regressions are estimated
    separately and their score contributions stacked; the joint covariance is
    cluster-robust with clusters that may span both groups (for
    ``vcov={"CRV1": "year"}`` the two groups' estimates are correlated), and
    the Wald test is of ``b_first - b_second`` with ``N(0, 1)`` (``chi2(1)``)
    inference. As in Stata's ``suest`` the only small-sample factor is
    ``G/(G-1)`` (``N/(N-1)`` with ``vcov="hetero"``, where each observation is
    its own cluster); no ``(N-1)/(N-K)`` factor. Absorbed fixed effects enter
    through the within-transformed regressions (Frisch-Waugh-Lovell: the
    coefficient block of the sandwich of the regression with fixed-effect
    dummies). Exact equivalence: this equals the fully interacted pooled
    regression with group-specific fixed effects, the same clustering and the
    factor ``G/(G-1)`` alone (tested against pyfixest).
``"permutation"`` (Fisher permutation test of Stata ``bdiff``, Lian Yujun)
    The group labels are reassigned at random, keeping the number of units
    (or rows) of each group, both groups' coefficients are re-estimated and
    the observed difference is compared with the permuted ones. As ``bdiff``
    does for ``xt`` commands, labels are permuted **by unit** when the groups
    are time-invariant unit groups: the unit is ``unit=`` or, by default, the
    first plain fixed effect within which ``by`` is constant; otherwise (no
    such fixed effect, or groups that vary within units) **rows** are
    permuted, as ``bdiff`` does for cross-sectional commands. The pool is the
    union of the two groups' estimation samples.

Permutation p-values
--------------------
With ``d`` the observed and ``d_b`` the permuted differences: two-sided
``mean(|d_b| >= |d|)`` (the default), ``"greater"`` ``mean(d_b >= d)``,
``"less"`` ``mean(d_b <= d)``. ``bdiff`` prints a **one-sided** empirical
p-value: ``p = mean(d_b >= d)``, replaced by ``1 - p`` when above 0.5 (the
smaller tail); ``alternative="bdiff"`` reproduces it. All four are in
:attr:`DifferenceTest.p_values`.

Fast permutation draws
----------------------
Within one group the model is ``y = X b + D gamma + e`` with ``D`` the
fixed-effect dummies of that group's rows. With unit-level permutation the
unit fixed effect is the same whatever the assignment, so ``[X, y]`` is
demeaned by unit once; the other fixed effects (e.g. year, which becomes
group-specific) enter as dummies ``P`` (unit-demeaned). Per unit ``u`` hitex
stores the cross-products ``S_u = W_u'W_u``, ``R_u = P_u'W_u`` and
``Q_u = P_u'P_u`` (``W = [X, y]``), so that for every draw the group's
partialled cross-product is ``C = S - R' Q^+ R`` with ``S = sum_{u in group}
S_u`` (one matrix product for all draws), and ``b = C_xx^+ C_xy`` (batched
eigen-decompositions). This is exact (no iterative demeaning); without fixed
effects ``P`` is the constant. When the dummies are too many for this
(more than 100 levels, e.g. a unit fixed effect under row-level
permutation) each draw is solved on its own, demeaning with pyfixest's
alternating projections at tolerance 1e-13.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, HitexError, HitexWarning, SpecificationError
from hitex.models import checks
from hitex.models.formula import ParsedFormula, formula_context, parse_formula, split_top
from hitex.models.inference import normalise_vcov
from hitex.models.panel import panel, rescaled, run_engine
from hitex.models.results import RegressionResult

#: Methods of :func:`group_difference`.
METHODS: tuple[str, ...] = ("interaction", "suest", "permutation")

#: Alternatives of :func:`group_difference` (``"bdiff"`` only with permutations).
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less", "bdiff")

#: Most dummy columns (levels of the fixed effects that the permutation makes
#: group-specific) solved in closed form for all draws at once.
MAX_CLOSED_FORM_LEVELS = 100

_DEMEAN_TOL = 1e-13
_PINV_TOL = 1e-10
_CHUNK_CELLS = 4_000_000


class HeterogeneityWarning(HitexWarning):
    """A group comparison can run but needs care (few draws, degenerate draws)."""


class UnknownGroupError(SpecificationError, KeyError):
    """A group asked of :class:`GroupResults` is not one of its groups."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class GroupResults(Mapping[str, RegressionResult]):
    """The same model estimated in each group, in order: an immutable mapping.

    Keys are the group labels (``str(value)``); indexing also accepts the
    group value itself (``results["East"]``, ``results[1]``). Because it is a
    mapping of title to result, ``hitex.regression_table(results)`` puts the
    groups side by side with the labels as column titles.

    Attributes
    ----------
    by : str
        The grouping column.
    groups : tuple
        The group values, in the order estimated.
    labels : tuple of str
        Their labels (column titles).
    formula : str
        The formula as given.
    notes : tuple of str
        E.g. rows left out because ``by`` is missing.
    """

    by: str
    groups: tuple[Any, ...]
    labels: tuple[str, ...]
    formula: str
    _results: tuple[RegressionResult, ...] = field(repr=False)
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> RegressionResult:
        if isinstance(key, str) and key in self.labels:
            return self._results[self.labels.index(key)]
        for value, res in zip(self.groups, self._results, strict=True):
            if _same_value(value, key):
                return res
        raise UnknownGroupError(
            f"{key!r} is not a group of '{self.by}'; the groups are "
            f"{', '.join(_show(g) for g in self.groups)}.")

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self._results)

    @property
    def results(self) -> tuple[RegressionResult, ...]:
        """The results, one per group, in order."""
        return self._results

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """All groups' coefficient tables stacked, with a ``group`` column first."""
        frames = []
        for label, res in zip(self.labels, self._results, strict=True):
            t = res.tidy(level).reset_index()
            t.insert(0, "group", label)
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def summary(self, digits: int = 4) -> str:
        """Each group's summary under a heading naming the group."""
        parts = [f"Heterogeneity by '{self.by}': {len(self)} groups"]
        parts += [f"\n== {self.by} = {label} ==\n{res.summary(digits)}"
                  for label, res in zip(self.labels, self._results, strict=True)]
        parts += [f"note: {n}" for n in self.notes]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record: the grouping and each group's result."""
        return {"by": self.by, "formula": self.formula, "notes": list(self.notes),
                "groups": [{"group": _jsonable(v), "label": lab, "result": r.to_dict()}
                           for v, lab, r in zip(self.groups, self.labels, self._results,
                                                strict=True)]}


@dataclass(frozen=True, eq=False)
class DifferenceTest:
    """An immutable test of ``b_first - b_second`` for one coefficient.

    Attributes
    ----------
    term : str
        The coefficient compared.
    by : str
        The grouping column.
    groups : tuple
        The two group values; the difference is first minus second.
    estimates, std_errors : tuple of float
        The coefficient and its standard error in each group
        (:func:`by_group`, under ``vcov``).
    nobs : tuple of int
        Observations of each group's regression.
    difference : float
        ``estimates[0] - estimates[1]``.
    std_error : float or None
        Standard error of the difference (None for the permutation test).
    statistic : float
        t (interaction), z (suest) or, for the permutation test, the
        observed difference itself (the statistic permuted).
    p_value : float
        Under ``alternative``.
    p_values : mapping
        Every alternative the method gives (``"two-sided"``, ``"greater"``,
        ``"less"`` and, for permutations, ``"bdiff"``).
    method, alternative, distribution : str
        ``distribution`` is e.g. ``"t(9)"``, ``"N(0,1)"`` or ``"permutation"``.
    draws, seed : int or None
        Permutation draws used and the seed (None for the other methods).
    note : str
        What was run, in words (conventions, the permutation level).
    vcov_label : str
        Standard errors of the group regressions.
    extra : mapping
        Method details: the joint Chow F test (interaction), the covariance
        of the two estimates (suest), the permutation level, unit and
        engine and the recomputed observed difference (permutation).
    model : RegressionResult or None
        The pooled, fully interacted regression (interaction method).
    """

    term: str
    by: str
    groups: tuple[Any, Any]
    estimates: tuple[float, float]
    std_errors: tuple[float, float]
    nobs: tuple[int, int]
    difference: float
    std_error: float | None
    statistic: float
    p_value: float
    p_values: Mapping[str, float]
    method: str
    alternative: str
    distribution: str
    draws: int | None
    seed: int | None
    note: str
    vcov_label: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    model: RegressionResult | None = field(default=None, repr=False)
    _draws: np.ndarray | None = field(default=None, repr=False)
    _permutation: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def permuted_differences(self) -> np.ndarray | None:
        """The differences of the valid permutation draws (None for other methods)."""
        return None if self._draws is None else self._draws.copy()

    def permuted_groups(self, draw: int) -> pd.Series:
        """The group of every pooled row in permutation draw ``draw``.

        Indexed by the row labels of the data passed to
        :func:`group_difference` (the union of the two groups' estimation
        samples), with the group values as values. Re-estimating each group
        on these rows reproduces the draw's difference.
        """
        if self._permutation is None:
            raise SpecificationError(
                f"permuted_groups() is only available for method='permutation' (this test "
                f"used method={self.method!r}).")
        perm = self._permutation
        members = perm["members"]
        if not 0 <= int(draw) < members.shape[0]:
            raise SpecificationError(
                f"draw={draw!r} is out of range: draws are numbered 0 to {members.shape[0] - 1}.")
        first = np.zeros(perm["n_blocks"], dtype=bool)
        first[members[int(draw)]] = True
        in_first = first[perm["row_blocks"]]
        values = np.where(in_first, _object(self.groups[0]), _object(self.groups[1]))
        return pd.Series(values, index=perm["row_labels"], name=self.by)

    def rows(self) -> tuple[tuple[str, float], ...]:
        """``(label, value)`` pairs for a table, e.g. ``("Difference (A - B)", 0.12)``."""
        a, b = (str(g) for g in self.groups)
        out: list[tuple[str, float]] = [
            (f"{self.term} ({self.by} = {a})", self.estimates[0]),
            (f"{self.term} ({self.by} = {b})", self.estimates[1]),
            (f"Difference ({a} - {b})", self.difference),
        ]
        if self.std_error is not None:
            out.append(("Std. error of the difference", self.std_error))
        alt = "bdiff one-sided" if self.alternative == "bdiff" else self.alternative
        if self.method == "interaction":
            out.append((f"t statistic (Chow interaction, {self.distribution})", self.statistic))
            out.append((f"p-value (Chow interaction test, {alt})", self.p_value))
            joint = self.extra.get("joint_F")
            if joint is not None:
                q, df = self.extra["joint_df"]
                out.append((f"Chow F, all interactions (F({q}, {df}))", joint))
                out.append(("p-value (Chow F)", self.extra["joint_p"]))
        elif self.method == "suest":
            out.append(("z statistic (suest)", self.statistic))
            out.append((f"p-value (suest Wald test, chi2(1), {alt})", self.p_value))
        else:
            out.append((f"p-value (Fisher permutation, {self.draws} draws, {alt})", self.p_value))
        return tuple(out)

    def summary(self) -> str:
        """Plain-text summary: the rows, then the note."""
        width = max(len(label) for label, _ in self.rows())
        lines = [f"Group difference of '{self.term}' by '{self.by}' ({self.method})"]
        lines += [f"{label:<{width}}  {value:.6g}" for label, value in self.rows()]
        lines.append(f"note: {self.note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record of the test."""

        def num(x: Any) -> float | None:
            if x is None:
                return None
            x = float(x)
            return x if math.isfinite(x) else None

        extra = {k: _jsonable(v) for k, v in self.extra.items()}
        return {
            "term": self.term, "by": self.by, "groups": [_jsonable(g) for g in self.groups],
            "estimates": [num(v) for v in self.estimates],
            "std_errors": [num(v) for v in self.std_errors],
            "nobs": [int(n) for n in self.nobs], "difference": num(self.difference),
            "std_error": num(self.std_error), "statistic": num(self.statistic),
            "p_value": num(self.p_value), "p_values": {k: num(v) for k, v in self.p_values.items()},
            "method": self.method, "alternative": self.alternative,
            "distribution": self.distribution, "draws": self.draws, "seed": self.seed,
            "note": self.note, "vcov_label": self.vcov_label, "extra": extra,
            "rows": [[label, num(value)] for label, value in self.rows()],
        }


# ----------------------------------------------------------------------------- by_group
def by_group(
    formula: str,
    data: pd.DataFrame,
    by: str,
    *,
    groups: Sequence[Any] | None = None,
    vcov: str | Mapping[str, str] | None = None,
    **panel_kwargs: Any,
) -> GroupResults:
    """Estimate the same model in each group of ``by`` (:func:`hitex.panel`).

    Parameters
    ----------
    formula : str
        fixest syntax, ``"y ~ x + c | unit + year"``.
    data : pandas.DataFrame
        One row per observation.
    by : str
        Column defining the groups. Rows where it is missing are left out
        (noted in the result).
    groups : sequence, optional
        The groups to estimate and their order; by default every value of
        ``by``, sorted.
    vcov : str or dict, optional
        As in :func:`hitex.panel`; the default is hitex.panel's (clustered by
        the first fixed effect), the same in every group.
    **panel_kwargs
        Passed to :func:`hitex.panel` (``weights``, ``ssc``,
        ``drop_singletons``, ``panel_id``, ``sample``). Each group's result
        records ``sample="<by> == <value>"``.

    Returns
    -------
    GroupResults
        Mapping of group label to :class:`~hitex.models.results.RegressionResult`;
        ``hitex.regression_table(results)`` shows the groups side by side.

    Raises
    ------
    ColumnNotFoundError
        ``by`` (or a formula column) is not in the data.
    SpecificationError
        ``by`` has a single value, ``groups`` names a value ``by`` does not
        have, or a group has a single unit (cluster, or the first fixed
        effect): its coefficients would come from one unit's time series and
        its clustered standard errors are undefined.
    HitexError
        Any error of :func:`hitex.panel` in a group, its message prefixed
        with the group.
    """
    data = checks.require_dataframe(data)
    _require_by(data, by, "by_group")
    parsed = parse_formula(formula)
    values, notes = _group_values(data, by, groups, two=False, context="by_group()")
    vcov_used = _resolve_vcov(parsed, vcov)
    _, _, cluster = normalise_vcov(vcov_used)
    unit = cluster[0] if cluster else _first_plain_fe(parsed)
    user_sample = panel_kwargs.pop("sample", None)
    results = []
    for value in values:
        rows = data.loc[_mask(data[by], value)]
        if unit is not None and unit in rows.columns:
            _require_several_units(rows, unit, by, value, bool(cluster))
        sample = f"{by} == {_show(value)}" + (f"; {user_sample}" if user_sample else "")
        try:
            res = panel(formula, rows, vcov=vcov_used, sample=sample, **panel_kwargs)
        except HitexError as err:
            raise _in_group(err, by, value) from err
        results.append(res)
    return GroupResults(by=by, groups=tuple(values), labels=_labels(values), formula=formula,
                        _results=tuple(results), notes=tuple(notes))


# ----------------------------------------------------------------------------- group_difference
def group_difference(
    formula: str,
    data: pd.DataFrame,
    by: str,
    term: str,
    *,
    method: str = "interaction",
    groups: Sequence[Any] | None = None,
    draws: int = 1000,
    seed: int = 0,
    vcov: str | Mapping[str, str] | None = None,
    unit: str | None = None,
    alternative: str = "two-sided",
    **panel_kwargs: Any,
) -> DifferenceTest:
    """Test whether the coefficient of ``term`` differs between two groups.

    Parameters
    ----------
    formula : str
        fixest syntax, ``"y ~ x + c | unit + year"`` (no IV part).
    data : pandas.DataFrame
        One row per observation.
    by : str
        Column defining the groups.
    term : str
        The coefficient to compare (a regressor of ``formula``).
    method : {"interaction", "suest", "permutation"}, default "interaction"
        See the module docstring: the fully interacted (Chow) regression with
        reghdfe's small-sample factor and ``t(G-1)``; Stata ``suest``
        (``G/(G-1)`` only, normal inference); the Fisher permutation test of
        Stata ``bdiff``.
    groups : sequence of two values, optional
        The two groups, first minus second. Default: the two values of
        ``by`` (sorted); required when ``by`` has more than two.
    draws : int, default 1000
        Permutation draws (method "permutation").
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the permutations; the same
        seed gives the same draws.
    vcov : str or dict, optional
        As in :func:`hitex.panel` (default: clustered by the first fixed
        effect; without fixed effects ``"iid"``, and ``"hetero"`` for
        "suest"). For "suest" it must be ``"hetero"`` or one-way clustered.
    unit : str, optional
        Column whose units are permuted (method "permutation"); ``by`` must
        be constant within each unit. Default: the first plain fixed effect
        within which ``by`` is constant, else rows are permuted.
    alternative : {"two-sided", "greater", "less", "bdiff"}, default "two-sided"
        ``"greater"``: the alternative ``b_first > b_second``. ``"bdiff"``
        (permutation only): bdiff's one-sided empirical p-value.
    **panel_kwargs
        Passed to :func:`hitex.panel` (``weights``, ``ssc``,
        ``drop_singletons``, ``panel_id``). Weights are not supported by the
        permutation test.

    Returns
    -------
    DifferenceTest

    Raises
    ------
    ColumnNotFoundError
        ``by``, ``unit`` or a formula column is not in the data.
    SpecificationError
        ``by`` has one value, or more than two without ``groups``; ``term`` is
        not a regressor; a group has a single unit; an option does not fit
        the method (``vcov="iid"`` with suest, weights with permutations).
    EstimationError
        ``term`` is absorbed by the fixed effects (or collinear) in a group.

    Warns
    -----
    HeterogeneityWarning
        Fewer than 100 permutation draws, or draws in which ``term`` has no
        variation left in a permuted group (dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.models.heterogeneity import by_group, group_difference
    >>> df = pd.DataFrame({"unit": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], "t": [1, 2, 3] * 4,
    ...                    "g": [0] * 6 + [1] * 6,
    ...                    "x": [1., 2., 4., 2., 3., 3., 1., 3., 2., 4., 2., 5.]})
    >>> noise = [.1, -.1, 0, 0, .1, -.1, -.1, 0, .1, .1, 0, -.1]
    >>> df["y"] = df.x * (1 + df.g) + df.unit + 0.5 * df.t + noise
    >>> [round(float(r.params["x"]), 4) for r in by_group("y ~ x | unit + t", df, "g",
    ...                                                    vcov="iid").values()]
    [1.075, 2.0]
    >>> test = group_difference("y ~ x | unit + t", df, "g", "x", method="suest", vcov="hetero")
    >>> round(test.difference, 4), round(test.std_error, 4)
    (-0.925, 0.0471)
    """
    if method not in METHODS:
        raise SpecificationError(f"method={method!r} is not known; use one of "
                                 f"{', '.join(repr(m) for m in METHODS)}.")
    if alternative not in ALTERNATIVES:
        raise SpecificationError(f"alternative={alternative!r} is not known; use one of "
                                 f"{', '.join(repr(a) for a in ALTERNATIVES)}.")
    if alternative == "bdiff" and method != "permutation":
        raise SpecificationError("alternative='bdiff' is bdiff's permutation p-value; use it with "
                                 "method='permutation', or choose 'two-sided', 'greater' or 'less'.")
    if not isinstance(term, str) or not term.strip():
        raise SpecificationError(f"term={term!r} must name a regressor of the formula, e.g. 'x'.")
    term = term.strip()
    data = checks.require_dataframe(data)
    _require_by(data, by, "group_difference")
    parsed = parse_formula(formula)
    if parsed.iv:
        raise SpecificationError(
            "group_difference() does not take an IV part in the formula. Estimate the groups with "
            "hitex.models.heterogeneity.by_group(...) and compare them, or test a reduced form.")
    if method == "permutation":
        if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
            raise SpecificationError(f"draws={draws!r} must be a positive whole number of "
                                     "permutation draws, e.g. draws=1000.")
        if panel_kwargs.get("weights"):
            raise SpecificationError(
                "the permutation test does not support weights=; use method='interaction' or "
                "method='suest', or drop the weights.")
        if unit is not None:
            checks.require_columns(data, [unit], context="unit=")
    values, _ = _group_values(data, by, groups, two=True, context="group_difference()")
    panel_kwargs.pop("sample", None)
    vcov_used = _resolve_vcov(parsed, vcov)
    if method == "suest":
        if vcov is None and vcov_used == "iid":
            vcov_used = "hetero"  # Stata suest is robust by default
        _suest_vcov(vcov_used)
    work = data.reset_index(drop=True)
    fits = by_group(formula, work, by, groups=values, vcov=vcov_used, **panel_kwargs)
    _require_term(fits, term, formula)
    res_a, res_b = fits.results
    common = dict(
        term=term, by=by, groups=(values[0], values[1]),
        estimates=(float(res_a.params[term]), float(res_b.params[term])),
        std_errors=(float(res_a.std_errors[term]), float(res_b.std_errors[term])),
        nobs=(int(res_a.nobs), int(res_b.nobs)), alternative=alternative,
        vcov_label=res_a.spec.vcov_label)
    if method == "interaction":
        return _interaction(parsed, work, by, values, term, vcov_used, panel_kwargs, common)
    if method == "suest":
        return _suest(parsed, work, values, term, fits, vcov_used, panel_kwargs, common)
    return _permutation(parsed, work, data.index, by, values, term, fits, int(draws), seed,
                        unit, common)


# ----------------------------------------------------------------------------- interaction
def _interaction(parsed: ParsedFormula, work: pd.DataFrame, by: str, values: Sequence[Any],
                 term: str, vcov: Any, panel_kwargs: dict[str, Any],
                 common: dict[str, Any]) -> DifferenceTest:
    """The fully interacted pooled regression (Chow) and the test of ``term x group``."""
    from scipy import stats

    first = _mask(work[by], values[0])
    pooled = work.loc[first | _mask(work[by], values[1])].copy()
    dummy = _fresh("hx_first_group", pooled.columns)
    pooled[dummy] = first.loc[pooled.index].astype("float64")
    terms = [t.strip() for t in split_top(parsed.rhs, "+") if t.strip()]
    no_constant = any(t in ("0", "-1") for t in terms)
    slopes = [t for t in terms if t not in ("0", "1", "-1")]
    rhs = (["0"] if no_constant else []) + slopes + [f"{_wrapped(t)}:{dummy}" for t in slopes]
    fes = []
    for fe in parsed.fixed_effects:
        name = _fresh(f"hx_{fe.replace('^', '_')}_by_group", pooled.columns)
        pooled[name] = pooled.groupby([*fe.split("^"), dummy], sort=False, observed=True,
                                      dropna=False).ngroup()
        fes.append(name)
    if not fes and not no_constant:
        rhs.append(dummy)
    formula = f"{parsed.depvar} ~ {' + '.join(rhs)}" + (f" | {' + '.join(fes)}" if fes else "")
    a, b = values
    with warnings.catch_warnings():  # the group regressions have warned already
        warnings.simplefilter("ignore", HitexWarning)
        res = panel(formula, pooled, vcov=vcov,
                    sample=f"{by} in ({_show(a)}, {_show(b)}); fully interacted with 1[{by} == {_show(a)}]",
                    **panel_kwargs)
    inter = [n for n in res.terms if dummy in _factors(n)]
    name = next((n for n in inter if _factors(n) == {*_factors(term), dummy}), None)
    if name is None:
        raise EstimationError(
            f"the interaction of '{term}' with the group dummy could not be estimated in the "
            f"pooled regression {formula!r}: it is collinear with the other interactions. "
            "Simplify the formula or use method='suest'.")
    diff = float(res.params[name])
    se = float(res.std_errors[name])
    stat = diff / se
    df = float(res.df_resid)
    dist = stats.t(df) if math.isfinite(df) and df > 0 else stats.norm()
    p_values = _parametric_p(stat, dist)
    extra: dict[str, Any] = {"pooled_formula": formula, "interaction_term": name,
                             "df": df, "difference_pooled": diff}
    vc = res.vcov.loc[inter, inter].to_numpy()
    delta = res.params[inter].to_numpy()
    try:
        wald = float(delta @ np.linalg.solve(vc, delta))
    except np.linalg.LinAlgError:
        wald = float("nan")
    q = len(inter)
    if math.isfinite(wald) and q:
        if math.isfinite(df) and df > 0:
            extra.update(joint_F=wald / q, joint_df=(q, int(df)),
                         joint_p=float(stats.f.sf(wald / q, q, df)))
        else:
            extra.update(joint_F=wald / q, joint_df=(q, 0), joint_p=float(stats.chi2.sf(wald, q)))
    label = f"t({df:g})" if math.isfinite(df) and df > 0 else "N(0,1)"
    note = (f"Chow-type test: pooled regression of the groups {by} = {_show(a)} and {by} = {_show(b)} with "
            f"every regressor interacted with 1[{by} == {_show(a)}] and group-specific fixed effects "
            f"({res.spec.vcov_label}; small-sample convention '{res.spec.ssc}': "
            "G/(G-1) (N-1)/(N-K) for clustered errors, as Stata reghdfe); the coefficient of "
            f"'{name}' is the difference, tested with {label}.")
    if res.spec.vcov_type == "iid":
        note += " Conventional errors assume one error variance in both groups."
    return DifferenceTest(difference=common["estimates"][0] - common["estimates"][1],
                          std_error=se, statistic=stat, p_value=p_values[common["alternative"]],
                          p_values=MappingProxyType(p_values), method="interaction",
                          distribution=label, draws=None, seed=None, note=note,
                          extra=MappingProxyType(extra), model=res, **common)


# ----------------------------------------------------------------------------- suest
def _suest_vcov(vcov: Any) -> None:
    """Raise unless ``vcov`` is one Stata ``suest`` computes (robust or one-way clustered)."""
    _, kind, cluster = normalise_vcov(vcov)
    if kind not in ("hetero", "HC1", "CRV1") or len(cluster) > 1:
        raise SpecificationError(
            f"method='suest' computes a robust (sandwich) covariance, so vcov={vcov!r} does not "
            "apply: use vcov='hetero' or one-way clustering vcov={'CRV1': 'column'} (Stata suest "
            "takes vce(robust) or vce(cluster clustvar)).")


def _suest(parsed: ParsedFormula, work: pd.DataFrame, values: Sequence[Any], term: str,
           fits: GroupResults, vcov: Any, panel_kwargs: dict[str, Any],
           common: dict[str, Any]) -> DifferenceTest:
    """Stacked scores of the two group regressions with a joint (cluster-)robust covariance."""
    from scipy import stats

    _, _, cluster = normalise_vcov(vcov)
    weights = panel_kwargs.get("weights")
    ids, psis = [], []
    for res in fits.results:
        rows = work.loc[res.sample_index]
        psis.append(_term_influence(parsed, rows, res, term, weights, cluster))
        ids.append(rows[cluster[0]].to_numpy() if cluster else
                   np.asarray(rows.index, dtype=object))
    codes, uniques = pd.factorize(pd.Series(np.concatenate(ids).astype(object)))
    g = len(uniques)
    n_a = len(psis[0])
    sum_a = np.bincount(codes[:n_a], weights=psis[0], minlength=g)
    sum_b = np.bincount(codes[n_a:], weights=psis[1], minlength=g)
    factor = g / (g - 1)
    v_aa = factor * float(sum_a @ sum_a)
    v_bb = factor * float(sum_b @ sum_b)
    v_ab = factor * float(sum_a @ sum_b)
    var = v_aa + v_bb - 2 * v_ab
    if not math.isfinite(var) or var <= 0:
        raise EstimationError(
            f"the suest variance of the difference of '{term}' is not positive; the groups' "
            "scores are (nearly) identical. Use method='interaction' or another clustering.")
    diff = common["estimates"][0] - common["estimates"][1]
    se = math.sqrt(var)
    stat = diff / se
    p_values = _parametric_p(stat, stats.norm())
    what = f"clusters of '{cluster[0]}'" if cluster else "observations (robust)"
    note = (f"Stata suest: the two group regressions' scores stacked, joint covariance over {g} "
            f"{what} with the factor G/(G-1) only (no (N-1)/(N-K)); Wald test of the difference "
            "with N(0,1) (chi2(1)). Equals the fully interacted pooled regression with "
            "group-specific fixed effects and the same clustering under that factor.")
    extra = {"vcov": ((v_aa, v_ab), (v_ab, v_bb)), "n_clusters": g, "factor": factor,
             "chi2": stat * stat}
    return DifferenceTest(difference=diff, std_error=se, statistic=stat,
                          p_value=p_values[common["alternative"]],
                          p_values=MappingProxyType(p_values), method="suest",
                          distribution="N(0,1)", draws=None, seed=None, note=note,
                          extra=MappingProxyType(extra), **common)


def _term_influence(parsed: ParsedFormula, rows: pd.DataFrame, res: RegressionResult, term: str,
                    weights: str | None, cluster: Sequence[str]) -> np.ndarray:
    """Influence of each observation on the coefficient of ``term``: ``[(X'WX)^-1 X'W e]_term``.

    The regressors are demeaned by the fixed effects (pyfixest, on the data
    rescaled as :func:`hitex.panel` does) and the influence rescaled back.
    """
    import pyfixest as pf

    exclude = (*cluster, *([weights] if weights else []))
    frame, x_scale, y_scale = rescaled(rows, parsed, exclude)
    frame = frame.reset_index(drop=True)
    fit, _ = run_engine(lambda tol: pf.feols(context=formula_context(), fml=
        parsed.formula, data=frame, vcov="iid", weights=weights, fixef_rm="none", fixef_tol=tol,
        copy_data=False, store_data=True), parsed.formula, what="the suest scores")
    names = [str(c) for c in fit._coefnames]
    x = np.asarray(fit._X, dtype=float)  # demeaned, times sqrt(weights)
    y = np.asarray(fit._Y, dtype=float).reshape(-1)
    if x.shape[0] != len(frame) or term not in names:
        raise EstimationError(
            f"could not rebuild the regression of '{term}' for suest ({x.shape[0]} of "
            f"{len(frame)} rows; terms {names}). Use method='interaction'.")
    xtx = x.T @ x
    beta = np.linalg.solve(xtx, x.T @ y)
    resid = y - x @ beta
    row = np.linalg.solve(xtx, np.eye(len(names))[names.index(term)])
    mult = y_scale / x_scale.get(term, 1.0)
    return (x @ row) * resid * mult


# ----------------------------------------------------------------------------- permutation
def _permutation(parsed: ParsedFormula, work: pd.DataFrame, labels: pd.Index, by: str,
                 values: Sequence[Any], term: str, fits: GroupResults, draws: int, seed: int,
                 unit: str | None, common: dict[str, Any]) -> DifferenceTest:
    """Fisher permutation test of the difference (Stata bdiff), vectorised over draws."""
    if draws < 100:
        warnings.warn(HeterogeneityWarning(
            f"only draws={draws} permutations: the p-value cannot be smaller than 1/{draws} and "
            "is noisy. Use draws=1000 or more."), stacklevel=3)
    res_a, res_b = fits.results
    pos = np.sort(np.concatenate([np.asarray(res_a.sample_index, dtype=np.int64),
                                  np.asarray(res_b.sample_index, dtype=np.int64)]))
    pool = work.iloc[pos]
    in_first = _mask(pool[by], values[0]).to_numpy()
    level, unit_col = _permutation_level(parsed, pool, by, unit)
    if level == "unit":
        blocks, block_values = _ordered_codes(pool[unit_col])
    else:
        blocks, block_values = np.arange(len(pool)), np.asarray(labels[pos], dtype=object)
    n_blocks = len(block_values)
    first_blocks = np.zeros(n_blocks, dtype=bool)
    first_blocks[blocks[in_first]] = True
    n_first = int(first_blocks.sum())
    if not 0 < n_first < n_blocks:
        raise SpecificationError(f"the two groups of '{by}' share every unit of '{unit_col}'; "
                                 "nothing can be permuted.")

    rng = np.random.default_rng(seed)
    members = np.argsort(rng.random((draws, n_blocks)), axis=1)[:, :n_first]
    assign = np.zeros((draws + 1, n_blocks))
    assign[0, first_blocks] = 1.0
    assign[np.arange(1, draws + 1)[:, None], members] = 1.0

    x, y, names = _raw_design(parsed, pool, {*res_a.terms, *res_b.terms})
    j = names.index(term)
    fe_codes = [pool.groupby(fe.split("^"), sort=False, observed=True, dropna=False)
                .ngroup().to_numpy() for fe in parsed.fixed_effects]
    fixed = None
    if level == "unit":
        fixed = next((i for i, c in enumerate(fe_codes) if _nested(c, blocks)), None)
    varying_levels = sum(int(c.max()) + 1 for i, c in enumerate(fe_codes) if i != fixed)
    levels = varying_levels if fe_codes else 1
    xy = np.column_stack([x, y])
    scale = xy.std(axis=0)
    scale[~(scale > 0)] = 1.0
    xy = xy / scale
    if levels <= MAX_CLOSED_FORM_LEVELS and n_blocks * levels * levels <= 4 * _CHUNK_CELLS:
        coef_a, coef_b, bad = _closed_form(xy, fe_codes, fixed, blocks, assign, j)
        engine = "closed form (all draws at once)"
    else:
        coef_a, coef_b, bad = _per_draw(xy, fe_codes, blocks, assign, j)
        engine = "per draw (alternating projections, tolerance 1e-13)"
    mult = scale[-1] / scale[j]
    diffs = (coef_a - coef_b) * mult
    observed_recomputed = float(diffs[0])
    if bad[0]:
        raise EstimationError(f"'{term}' has no variation left in a group after the fixed "
                              "effects; the difference is not identified.")
    valid = ~bad[1:]
    if not valid.all():
        warnings.warn(HeterogeneityWarning(
            f"{int((~valid).sum())} permutation draw(s) left '{term}' without variation in a "
            "permuted group (absorbed by its fixed effects); they are dropped from the "
            "distribution and the p-values."), stacklevel=3)
    perm = diffs[1:][valid]
    members = members[valid]
    diff = common["estimates"][0] - common["estimates"][1]
    p_values = _permutation_p(perm, diff)
    a, b = values
    where = (f"units of '{unit_col}' ({n_first} of {n_blocks} to {by} = {_show(a)})" if level == "unit"
             else f"rows ({n_first} of {n_blocks} to {by} = {_show(a)})")
    note = (f"Fisher permutation test (Stata bdiff): {len(perm)} draws reassigning {where}, "
            f"seed {seed}; both groups re-estimated with group-specific fixed effects. "
            "Two-sided p = share of |permuted difference| >= |observed|; bdiff reports the "
            "one-sided share (p_values['bdiff']).")
    row_blocks = blocks
    extra = {"level": level, "unit": unit_col, "engine": engine,
             "observed_recomputed": observed_recomputed, "n_blocks": n_blocks,
             "n_first": n_first, "dropped_draws": int((~valid).sum())}
    return DifferenceTest(
        difference=diff, std_error=None, statistic=diff, p_value=p_values[common["alternative"]],
        p_values=MappingProxyType(p_values), method="permutation", distribution="permutation",
        draws=len(perm), seed=int(seed), note=note, extra=MappingProxyType(extra),
        _draws=perm, _permutation=MappingProxyType({
            "members": members, "n_blocks": n_blocks, "row_blocks": row_blocks,
            "row_labels": pd.Index(labels[pos])}), **common)


def _permutation_level(parsed: ParsedFormula, pool: pd.DataFrame, by: str,
                       unit: str | None) -> tuple[str, str | None]:
    """("unit", column) when ``by`` is constant within the units, else ("row", None)."""
    def constant_within(col: str) -> bool:
        return bool(pool.groupby(col, sort=False, observed=True)[by].nunique(dropna=False)
                    .max() <= 1)

    if unit is not None:
        if not constant_within(unit):
            raise SpecificationError(
                f"'{by}' varies within units of '{unit}', so the groups cannot be permuted by "
                f"unit. Omit unit= to permute rows, or name the column within which '{by}' is "
                "constant.")
        return "unit", unit
    for fe in parsed.fixed_effects:
        if "^" not in fe and constant_within(fe):
            return "unit", fe
    return "row", None


def _raw_design(parsed: ParsedFormula, pool: pd.DataFrame,
                keep: set[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The regressors (as the engine builds them, no constant) and the outcome of the pool."""
    import pyfixest as pf

    frame = pool.reset_index(drop=True)
    formula = f"{parsed.depvar} ~ {parsed.rhs}"
    fit, _ = run_engine(lambda tol: pf.feols(context=formula_context(), fml=formula, data=frame,
                                             vcov="iid", copy_data=False,
                                             store_data=True),
                        formula, what="building the permutation design", tolerances=(None,))
    names = [str(c) for c in fit._coefnames]
    cols = [i for i, n in enumerate(names) if n in keep]
    x = np.asarray(fit._X, dtype=float)
    if x.shape[0] != len(frame):
        raise EstimationError(f"the permutation design of {parsed.formula!r} lost rows; check the "
                              "formula's transformed terms.")
    return x[:, cols], np.asarray(fit._Y, dtype=float).reshape(-1), [names[i] for i in cols]


def _closed_form(xy: np.ndarray, fe_codes: list[np.ndarray], fixed: int | None,
                 blocks: np.ndarray, assign: np.ndarray,
                 j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficient ``j`` in the first and second group of every assignment, in closed form.

    ``assign`` is (draws, blocks) with 1 for the first group. The fixed
    effect ``fixed`` (nested in the blocks) is partialled out once; the other
    fixed effects (or the constant) enter as dummies through the per-block
    cross-products ``S``, ``R``, ``Q`` (module docstring).
    """
    from scipy import sparse

    n, m = xy.shape
    w = xy if fixed is None else xy - _group_means(xy, fe_codes[fixed])
    varying = [c for i, c in enumerate(fe_codes) if i != fixed]
    if not fe_codes:
        p = np.ones((n, 1))
    elif varying:
        p = np.column_stack([np.eye(int(c.max()) + 1)[c] for c in varying])
        if fixed is not None:
            p = p - _group_means(p, fe_codes[fixed])
    else:
        p = np.zeros((n, 0))
    n_lev = p.shape[1]
    n_blocks = assign.shape[1]
    inc = sparse.csr_matrix((np.ones(n), (blocks, np.arange(n))), shape=(n_blocks, n))
    per_row = m * m + n_lev * m + n_lev * n_lev
    s = np.zeros((n_blocks, m * m))
    r = np.zeros((n_blocks, n_lev * m))
    q = np.zeros((n_blocks, n_lev * n_lev))
    step = max(1, _CHUNK_CELLS // per_row)
    for lo in range(0, n, step):
        sl = slice(lo, lo + step)
        ws, ps, part = w[sl], p[sl], inc[:, sl]
        s += part @ (ws[:, :, None] * ws[:, None, :]).reshape(len(ws), -1)
        if n_lev:
            r += part @ (ps[:, :, None] * ws[:, None, :]).reshape(len(ws), -1)
            q += part @ (ps[:, :, None] * ps[:, None, :]).reshape(len(ws), -1)
    totals = (s.sum(axis=0), r.sum(axis=0), q.sum(axis=0))
    n_draws = assign.shape[0]
    coef_a, coef_b = np.empty(n_draws), np.empty(n_draws)
    bad = np.zeros(n_draws, dtype=bool)
    step = max(1, _CHUNK_CELLS // per_row)
    for lo in range(0, n_draws, step):
        z = assign[lo:lo + step]
        parts = (z @ s, z @ r, z @ q)
        for out, sums in ((coef_a, parts), (coef_b, tuple(t - x for t, x in
                                                          zip(totals, parts, strict=True)))):
            c, absorbed = _partialled(*sums, m, n_lev, j)
            out[lo:lo + step] = c
            bad[lo:lo + step] |= absorbed
    return coef_a, coef_b, bad


def _partialled(s: np.ndarray, r: np.ndarray, q: np.ndarray, m: int, n_lev: int,
                j: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficient ``j`` from batched cross-products, the dummies partialled out."""
    k = len(s)
    s = s.reshape(k, m, m)
    if n_lev:
        r = r.reshape(k, n_lev, m)
        c = s - np.swapaxes(r, 1, 2) @ (_pinv_psd(q.reshape(k, n_lev, n_lev)) @ r)
    else:
        c = s
    cxx, cxy = c[:, :-1, :-1], c[:, :-1, -1]
    beta = (_pinv_psd(cxx) @ cxy[:, :, None])[:, :, 0]
    absorbed = c[:, j, j] <= _PINV_TOL * np.maximum(s[:, j, j], np.finfo(float).tiny)
    return beta[:, j], absorbed


def _per_draw(xy: np.ndarray, fe_codes: list[np.ndarray], blocks: np.ndarray,
              assign: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficient ``j`` in both groups of every assignment, one draw at a time."""
    from pyfixest.estimation import demean

    n_draws = assign.shape[0]
    coef = np.empty((2, n_draws))
    bad = np.zeros(n_draws, dtype=bool)
    for d in range(n_draws):
        first = assign[d][blocks] > 0.5
        for g, rows in enumerate((first, ~first)):
            sub = xy[rows]
            if fe_codes:
                flist = np.column_stack([pd.factorize(c[rows])[0] for c in fe_codes])
                sub, ok = demean(np.ascontiguousarray(sub), flist.astype(np.uint64),
                                 np.ones(len(sub)), tol=_DEMEAN_TOL, maxiter=100_000)
                if not ok:
                    raise EstimationError("fixed-effect demeaning did not converge in a "
                                          "permutation draw; check the fixed effects.")
            else:
                sub = sub - sub.mean(axis=0)
            beta = np.linalg.lstsq(sub[:, :-1], sub[:, -1], rcond=None)[0]
            coef[g, d] = beta[j]
            spread = float(np.sum((xy[rows, j] - xy[rows, j].mean()) ** 2))
            bad[d] |= float(sub[:, j] @ sub[:, j]) <= _PINV_TOL * max(spread, 1e-300)
    return coef[0], coef[1], bad


def _pinv_psd(a: np.ndarray) -> np.ndarray:
    """Batched Moore-Penrose inverse of symmetric positive semi-definite matrices."""
    vals, vecs = np.linalg.eigh(a)
    top = np.max(np.abs(vals), axis=-1, keepdims=True)
    keep = vals > _PINV_TOL * np.where(top > 0, top, 1.0)
    inv = np.where(keep, 1.0 / np.where(keep, vals, 1.0), 0.0)
    return (vecs * inv[..., None, :]) @ np.swapaxes(vecs, -1, -2)


def _group_means(a: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row's mean of ``a`` within its group of ``codes``."""
    n_groups = int(codes.max()) + 1
    counts = np.bincount(codes, minlength=n_groups)
    sums = np.zeros((n_groups, a.shape[1]))
    np.add.at(sums, codes, a)
    return (sums / counts[:, None])[codes]


def _nested(codes: np.ndarray, blocks: np.ndarray) -> bool:
    """True if every level of ``codes`` lies within one block."""
    pairs = pd.DataFrame({"c": codes, "b": blocks}).drop_duplicates()
    return bool(pairs["c"].is_unique)


def _permutation_p(perm: np.ndarray, observed: float) -> dict[str, float]:
    """Empirical p-values; near-ties (1e-12 relative) count as at least as extreme."""
    if not len(perm):
        raise EstimationError("no valid permutation draw is left; the term has no variation in "
                              "the permuted groups.")
    tol = 1e-12 * max(1.0, abs(observed), float(np.max(np.abs(perm))))
    greater = float(np.mean(perm >= observed - tol))
    less = float(np.mean(perm <= observed + tol))
    two = float(np.mean(np.abs(perm) >= abs(observed) - tol))
    ge = float(np.mean(perm >= observed))
    return {"two-sided": two, "greater": greater, "less": less,
            "bdiff": 1.0 - ge if ge > 0.5 else ge}


# ----------------------------------------------------------------------------- helpers
def _parametric_p(stat: float, dist: Any) -> dict[str, float]:
    return {"two-sided": float(2 * dist.sf(abs(stat))), "greater": float(dist.sf(stat)),
            "less": float(dist.cdf(stat))}


def _require_by(data: pd.DataFrame, by: Any, context: str) -> None:
    if not isinstance(by, str) or not by:
        raise SpecificationError(f"{context}: by={by!r} must name the column that defines the "
                                 "groups, e.g. by='region'.")
    checks.require_columns(data, [by], context=f"{context}(by=)")


def _group_values(data: pd.DataFrame, by: str, groups: Sequence[Any] | None, *, two: bool,
                  context: str) -> tuple[list[Any], list[str]]:
    """The groups to estimate, in order, and notes (rows with ``by`` missing)."""
    column = data[by]
    present = _sorted_values(column.dropna().unique())
    notes = []
    n_missing = int(column.isna().sum())
    if n_missing:
        notes.append(f"{n_missing} row(s) with '{by}' missing are in no group.")
    shown = ", ".join(_show(v) for v in present[:12]) + (" ..." if len(present) > 12 else "")
    example = f"({', '.join(_show(v) for v in present[:2])})"
    if groups is not None:
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
            raise SpecificationError(f"{context}: groups={groups!r} must be a list of values of "
                                     f"'{by}', e.g. groups={example}.")
        chosen = list(groups)
        absent = [g for g in chosen if not any(_same_value(g, v) for v in present)]
        if absent:
            raise SpecificationError(
                f"{context}: groups {', '.join(_show(g) for g in absent)} are not values of "
                f"'{by}'; its values are {shown}.")
        if len({_value_key(g) for g in chosen}) < len(chosen):
            raise SpecificationError(f"{context}: groups={chosen!r} repeats a group; name each "
                                     "group once.")
        if two and len(chosen) != 2:
            raise SpecificationError(
                f"{context}: a difference test compares exactly two groups, got groups={chosen!r}. "
                f"Pass two values of '{by}', e.g. groups={example}.")
        if len(chosen) < 2 and not two:
            raise SpecificationError(
                f"{context}: groups={chosen!r} names a single group; heterogeneity needs at least "
                "two (for one group, filter the data and use hitex.panel).")
        return chosen, notes
    if len(present) < 2:
        raise SpecificationError(
            f"{context}: column '{by}' has {'only the value ' + shown if present else 'no value'}"
            ", so there are no groups to compare. Group by a column with at least two values "
            "(e.g. a 0/1 dummy), or estimate the whole sample with hitex.panel.")
    if two and len(present) > 2:
        raise SpecificationError(
            f"{context}: column '{by}' has {len(present)} values ({shown}) but a difference test "
            f"compares two groups. Pass groups=(a, b) with the two to compare, e.g. "
            f"groups={example}, or make a 0/1 column.")
    return present, notes


def _sorted_values(values: Any) -> list[Any]:
    vals = list(values)
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


def _ordered_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``ids`` in a dtype-independent order (numeric ids numerically, else as text).

    The order fixes which unit each random draw picks, so it must not depend
    on how the ids are stored (ids 1, 2, 10 and "1", "2", "10" give the same draws).
    """
    codes, uniques = pd.factorize(ids)
    values = np.asarray(uniques, dtype=object)
    text = np.array([str(v) for v in values], dtype=object)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    order = (np.argsort(text, kind="stable") if np.isnan(numbers).any()
             else np.lexsort((text, numbers)))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], values[order]


def _mask(column: pd.Series, value: Any) -> pd.Series:
    if isinstance(value, float) and math.isnan(value):
        return column.isna()
    return (column == value).fillna(False).astype(bool)


def _show(value: Any) -> str:
    """``repr`` of a group value, numpy scalars as the Python values they hold."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _same_value(a: Any, b: Any) -> bool:
    """True if group value ``a`` equals ``b`` (False when they cannot be compared)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _value_key(v: Any) -> Any:
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def _labels(values: Sequence[Any]) -> tuple[str, ...]:
    labels = [str(v) for v in values]
    if len(set(labels)) < len(labels):
        labels = [repr(v) for v in values]
    return tuple(labels)


def _resolve_vcov(parsed: ParsedFormula, vcov: Any) -> Any:
    """``vcov`` or hitex.panel's default: clustered by the first plain fixed effect."""
    if vcov is not None:
        return vcov
    fe = _first_plain_fe(parsed)
    if fe is not None:
        return {"CRV1": fe}
    return "hetero" if parsed.fixed_effects else "iid"


def _first_plain_fe(parsed: ParsedFormula) -> str | None:
    return next((fe for fe in parsed.fixed_effects if "^" not in fe), None)


def _require_several_units(rows: pd.DataFrame, unit: str, by: str, value: Any,
                           clustered: bool) -> None:
    units = rows[unit].dropna().unique()
    if len(units) == 1:
        why = ("its clustered standard errors are undefined (one cluster)" if clustered else
               "its coefficients would come from a single unit")
        raise SpecificationError(
            f"group {by} = {_show(value)} has only one unit of '{unit}' ({_show(units[0])}): {why}. Merge "
            f"it with another group (recode '{by}'), leave it out (groups=[...] without it, or "
            f"data[data['{by}'] != {_show(value)}]), or choose a grouping with several units per "
            "group.")


def _require_term(fits: GroupResults, term: str, formula: str) -> None:
    """Raise unless ``term`` is estimated in both groups."""
    have = [term in res.terms for res in fits.results]
    if all(have):
        return
    known = list(dict.fromkeys(t for res in fits.results for t in res.terms))
    if not any(have) and not _mentions(formula, term):
        import difflib

        close = difflib.get_close_matches(term, known, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise SpecificationError(
            f"term '{term}' is not a regressor of {formula!r}; its coefficients are "
            f"{', '.join(repr(t) for t in known)}.{hint}")
    lost = [lab for lab, h in zip(fits.labels, have, strict=True) if not h]
    reasons = []
    for lab in lost:
        drops = [d.detail for d in fits[lab].dropped if term in d.detail]
        reasons.append(f"{fits.by} = {lab}" + (f" ({drops[0]})" if drops else ""))
    raise EstimationError(
        f"term '{term}' could not be estimated in group {'; '.join(reasons)}: it is absorbed by "
        "the fixed effects or collinear with the other regressors there (e.g. it does not vary "
        "within the group's units), so its difference between the groups is not identified. "
        "Compare groups in which it varies, or remove the fixed effect that absorbs it.")


def _mentions(formula: str, term: str) -> bool:
    parsed = parse_formula(formula)
    return term in [t.strip() for t in split_top(parsed.rhs, "+")]


def _in_group(err: HitexError, by: str, value: Any) -> HitexError:
    """``err`` with its message prefixed by the group it arose in."""
    try:
        new = type(err)(f"in group {by} = {_show(value)}: {err}")
    except TypeError:
        return err
    return new


def _fresh(name: str, columns: pd.Index) -> str:
    """``name`` (or ``name_2``, ...) not among ``columns``."""
    out, i = name, 2
    while out in columns:
        out, i = f"{name}_{i}", i + 1
    return out


def _wrapped(term: str) -> str:
    """``term`` in parentheses when it is more than a name or one call."""
    import re

    return term if re.fullmatch(r"[\w.]+(\(.*\))?", term) else f"({term})"


def _factors(name: str) -> set[str]:
    return {p.strip() for p in split_top(name, ":")}


def _object(value: Any) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


__all__ = ["ALTERNATIVES", "METHODS", "DifferenceTest", "GroupResults", "HeterogeneityWarning",
           "UnknownGroupError", "by_group", "group_difference"]
