"""A table's columns estimated together: one sample, demeaned once (engine: pyfixest).

The columns of a regression table usually share the sample, the fixed effects
and the weights and differ in their controls (fixest's ``csw()`` stepwise
multiple estimation, Stata's ``eststo: reghdfe ...`` one column at a time).
Estimated one by one, each column checks the data, builds its model matrix and
demeans every variable again; on a large panel that is almost all of the cost.

:func:`panel_columns` returns exactly what :func:`hitex.panel` returns for each
formula, column by column, but does the shared work once:

1. Each formula is checked as :func:`hitex.panel` checks it (the same errors).
2. Formulas whose regressors and outcome are plain numeric columns, with the
   same fixed effects and the same rows left after missing values are removed,
   form a group. Everything else (``C()``, ``log()``, interactions, an IV part,
   Newey-West or Driscoll-Kraay variances, no fixed effects) is estimated alone
   by :func:`hitex.panel`.
3. A group's sample is built once (missing values, zero weights, singletons),
   its columns are rescaled once, pyfixest's model matrix is built once for the
   union of the group's variables, and every variable is demeaned once with
   pyfixest's demeaning at reghdfe's tolerance (each variable is demeaned on
   its own, so the values are those a single column gets).
4. Each column then only solves its least-squares problem on the demeaned data
   and computes its variance: unweighted columns with a conventional, robust
   or one-way clustered variance with :func:`hitex.models.demeaned_ols.demeaned_ols`
   (pyfixest's arithmetic on views of the shared design), the others with a
   pyfixest ``Feols`` handed the shared design. Its result is built as
   :func:`hitex.panel` builds it (conventions, fit statistics, notes), and its
   ``with_vcov`` stays on the group's design.

Columns share only when they read the same data frame object (a study's table
hands its columns one frame). Which columns went together changes no number:
each equals :func:`hitex.panel` on its own, which is tested against Stata
``reghdfe`` and R fixest (``feols(fml = y ~ csw0(x1, x2) | fe)`` gives the
same columns).

A column in which the engine drops a regressor (absorbed or collinear), or a
group whose demeaning does not converge at reghdfe's tolerance, is estimated
alone by :func:`hitex.panel`, so its warnings, notes and retries are the usual
ones. The results equal :func:`hitex.panel`'s to rounding error (tested to
1e-10).
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import HitexError, SpecificationError
from hitex.models import checks, collinear, demeaned_ols
from hitex.models.formula import formula_context, is_formula_name, parse_formula
from hitex.models.inference import normalise_vcov
from hitex.models.panel import (
    FIXEF_TOLERANCES,
    PanelSetup,
    panel,
    panel_result,
    panel_sample,
    panel_setup,
    rescaled,
)
from hitex.models.results import DropRecord, RegressionResult
from hitex.models.small_sample import counts_shared, engine_ssc


def panel_columns(
    formulas: Sequence[str],
    data: pd.DataFrame,
    *,
    vcov: Any = None,
    weights: str | None = None,
    ssc: str | Mapping[str, Any] = "reghdfe",
    panel_id: Sequence[str] | str | None = "auto",
    drop_singletons: bool = True,
    sample: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RegressionResult, ...]:
    """Estimate several linear fixed-effects models, sharing the demeaning where they can.

    Parameters
    ----------
    formulas : sequence of str
        One fixest formula per column (``"y ~ x | unit + year"``,
        ``"y ~ x + c1 | unit + year"``, ...), as :func:`hitex.panel` takes it.
    data : pandas.DataFrame
        One row per observation.
    vcov : str, dict or sequence, optional
        One variance for every column, or a list with one per column; the
        forms and the default are :func:`hitex.panel`'s. Columns that differ
        only in their variance still share the demeaning.
    weights, ssc, panel_id, drop_singletons, sample
        As in :func:`hitex.panel`, the same for every column.
    progress : callable, optional
        Called as ``progress(done, total)`` after each column.

    Returns
    -------
    tuple of RegressionResult
        One per formula, in order, equal to ``hitex.panel(formula, data, ...)``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, EmptySampleError,
    SpecificationError, EstimationError
        The errors :func:`hitex.panel` raises for the column concerned.

    Examples
    --------
    >>> import numpy as np, pandas as pd, hitex
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"unit": np.repeat(np.arange(50), 6), "year": np.tile(np.arange(6), 50)})
    >>> df["x"], df["c"] = rng.normal(size=300), rng.normal(size=300)
    >>> df["y"] = df["x"] + 0.5 * df["c"] + rng.normal(size=300)
    >>> cols = hitex.panel_columns(["y ~ x | unit + year", "y ~ x + c | unit + year"], df)
    >>> one = hitex.panel("y ~ x + c | unit + year", df)
    >>> bool(np.allclose(cols[1].params, one.params, rtol=1e-12))
    True
    """
    if isinstance(formulas, str) or not len(formulas) or not all(
            isinstance(f, str) for f in formulas):
        raise SpecificationError(
            "panel_columns needs a list of formulas, e.g. ['y ~ x | unit + year', "
            "'y ~ x + c | unit + year']; for one formula use hitex.panel.")
    data = checks.require_dataframe(data)
    vcovs = _per_column(vcov, len(formulas))
    table = SharedColumns([Column(f, data, v, sample) for f, v in zip(formulas, vcovs, strict=True)],
                          weights=weights, ssc=ssc, panel_id=panel_id,
                          drop_singletons=drop_singletons)
    out = []
    for i in range(len(table)):
        out.append(table.result(i))
        if progress is not None:
            progress(i + 1, len(table))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a table: what :func:`hitex.panel` would be called with."""

    formula: str
    data: pd.DataFrame
    vcov: Any = None
    sample: str | None = None


class SharedColumns:
    """A table's columns, estimated on request with the demeaning shared where it can be.

    Nothing is estimated before :meth:`result` asks for a column, and a
    column's errors and warnings are raised when it is asked for, as if
    :func:`hitex.panel` estimated it then (a study's runner attributes them to
    the column). Columns share their group's work only when they read the same
    data frame (the same object).

    Parameters
    ----------
    columns : sequence of Column
        The columns, in order.
    weights, ssc, panel_id, drop_singletons
        As in :func:`hitex.panel`, the same for every column.
    """

    def __init__(self, columns: Sequence[Column], *, weights: str | None = None,
                 ssc: str | Mapping[str, Any] = "reghdfe",
                 panel_id: Sequence[str] | str | None = "auto",
                 drop_singletons: bool = True) -> None:
        frames: dict[int, tuple[Any, pd.DataFrame]] = {}
        self._columns = []
        for column in columns:
            if id(column.data) not in frames:
                try:  # index names equal to columns removed, once per frame
                    frames[id(column.data)] = (column.data, checks.require_dataframe(column.data))
                except HitexError:  # estimated alone, which raises the error in its turn
                    frames[id(column.data)] = (column.data, column.data)
            self._columns.append(dataclasses.replace(column, data=frames[id(column.data)][1]))
        self._options = {"weights": weights, "ssc": ssc, "panel_id": panel_id,
                         "drop_singletons": drop_singletons}
        self._group_of: dict[int, _Group] | None = None
        self._keys_checked: set[tuple[int, tuple[str, ...]]] = set()

    def __len__(self) -> int:
        return len(self._columns)

    def result(self, i: int) -> RegressionResult:
        """Column ``i``'s result, equal to ``hitex.panel`` on it."""
        column = self._columns[i]
        group = self._groups().get(i)
        if group is not None:
            self._check_key(i, group)
            result = group.result(i)
            if result is not None:
                return result
        return panel(column.formula, column.data, vcov=column.vcov, sample=column.sample,
                     **self._options)

    def _check_key(self, i: int, group: _Group) -> None:
        """Check column ``i``'s panel key (once per data frame and key) as panel() would."""
        setup = group.setups[i]
        if not setup.key:
            return
        mark = (id(self._columns[i].data), setup.key)
        if mark not in self._keys_checked:
            checks.require_unique(self._columns[i].data, list(setup.key))
            self._keys_checked.add(mark)

    def _groups(self) -> dict[int, _Group]:
        if self._group_of is not None:
            return self._group_of
        setups: dict[int, PanelSetup] = {}
        for i, column in enumerate(self._columns):
            try:
                setup = panel_setup(column.formula, column.data, vcov=column.vcov,
                                    weights=self._options["weights"], ssc=self._options["ssc"],
                                    panel_id=self._options["panel_id"], check_key=False)
            except HitexError:  # estimated alone, which raises the error in its turn
                continue
            if shareable(setup, column.data):
                setups[i] = setup
        members: dict[Any, list[int]] = {}
        valid: dict[int, dict[str, np.ndarray]] = {}
        for i, setup in setups.items():
            data = self._columns[i].data
            mask = _valid_rows(data, setup.used, valid.setdefault(id(data), {}))
            rows = hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).digest()
            members.setdefault((id(data), setup.parsed.fixed_effects, rows), []).append(i)
        self._group_of = {}
        for positions in members.values():
            if len(positions) > 1:
                group = _Group({i: setups[i] for i in positions},
                               {i: self._columns[i] for i in positions}, self._options)
                self._group_of.update(dict.fromkeys(positions, group))
        return self._group_of


def _per_column(vcov: Any, n: int) -> list[Any]:
    if isinstance(vcov, list | tuple):
        if len(vcov) != n:
            raise SpecificationError(
                f"vcov has {len(vcov)} entries for {n} formulas; give one variance for all "
                "columns or one per formula.")
        return list(vcov)
    return [vcov] * n


def shareable(setup: PanelSetup, data: pd.DataFrame) -> bool:
    """Whether a column can share its group's demeaning.

    Its outcome and regressors must be plain numeric (not boolean) columns,
    each written once; it must absorb fixed effects, have no IV part and use
    neither a Newey-West nor a Driscoll-Kraay variance; no regressor may be a
    cluster or weights column.
    """
    parsed = setup.parsed
    if not parsed.fixed_effects or parsed.iv or setup.hac:
        return False
    terms = parsed.terms
    if len(set(terms)) != len(terms) or set(terms) & set(setup.excluded):
        return False
    fe_cols = set(parsed.fe_columns)
    for term in terms:
        if not is_formula_name(term) or term not in data.columns or term in fe_cols:
            return False
        col = data[term]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            return False
    return True


def _valid_rows(data: pd.DataFrame, columns: Sequence[str], cache: dict[str, np.ndarray],
                ) -> np.ndarray:
    """Rows without missing or infinite values in ``columns`` (as ``drop_missing`` drops)."""
    mask = np.ones(len(data), dtype=bool)
    for col in columns:
        if col not in cache:
            series = data[col]
            ok = ~series.isna().to_numpy()
            if pd.api.types.is_float_dtype(series):
                ok &= ~np.isinf(series.to_numpy(dtype="float64", na_value=np.nan))
            cache[col] = ok
        mask &= cache[col]
    return mask


def _union_setup(setups: Sequence[PanelSetup]) -> PanelSetup:
    """One setup reading every column of the group (the first formula's outcome)."""
    first = setups[0]
    names = [n for s in setups for n in s.parsed.terms]
    rhs = [n for n in dict.fromkeys(names) if n != first.parsed.depvar]
    formula = f"{first.parsed.depvar} ~ {' + '.join(rhs)} | {' + '.join(first.parsed.fixed_effects)}"
    used = tuple(dict.fromkeys(c for s in setups for c in s.used))
    cluster = tuple(dict.fromkeys(c for s in setups for c in s.cluster))
    return dataclasses.replace(first, formula=formula, parsed=parse_formula(formula), used=used,
                               cluster=cluster)


class _Group:
    """Columns with one data frame, fixed effects and estimation rows: their shared work."""

    def __init__(self, setups: Mapping[int, PanelSetup], columns: Mapping[int, Column],
                 options: Mapping[str, Any]) -> None:
        self.setups = dict(setups)
        self.columns = dict(columns)
        self.options = options
        self.data = next(iter(columns.values())).data
        self.memo: dict = {}
        self._state: tuple | None = None
        self._failed = False

    def _prepare(self) -> tuple | None:
        """(work, drops, scales, shared design): built once, for the first column asked for."""
        if self._state is not None or self._failed:
            return self._state
        setups = list(self.setups.values())
        union = _union_setup(setups)
        try:
            work, union_dropped = panel_sample(union, self.data,
                                               drop_singletons=self.options["drop_singletons"])
            for setup in setups[1:]:
                if setup.parsed.depvar != union.parsed.depvar:
                    checks.require_variation(work[setup.parsed.depvar], setup.parsed.depvar)
        except HitexError:  # each column alone raises its own error, naming its formula
            self._failed = True
            return None
        excluded = tuple(dict.fromkeys(c for s in setups for c in s.excluded))
        frame, x_scale, y_scale = rescaled(work, union.parsed, excluded)
        scales = dict(x_scale)
        if y_scale != 1.0:
            scales[union.parsed.depvar] = y_scale
        shared = _SharedDesign.build(union, frame, self.options["weights"],
                                     self.options["drop_singletons"])
        if shared is None:
            self._failed = True
            return None
        self._state = (work, union_dropped, scales, shared)
        return self._state

    def result(self, i: int) -> RegressionResult | None:
        """Column ``i`` on the shared design, or None to estimate it alone."""
        return self._estimate(self.setups[i], self.columns[i])

    def _estimate(self, setup: PanelSetup, column: Column) -> RegressionResult | None:
        state = self._prepare()
        if state is None:
            return None
        work, union_dropped, scales, shared = state
        with counts_shared(self.memo):
            fit = shared.fit(setup)
            if fit is None:
                return None
            parsed = setup.parsed
            result = panel_result(
                fit, setup, work, _column_drops(setup, self.data, union_dropped),
                drop_singletons=self.options["drop_singletons"], sample=column.sample,
                x_scale={c: scales[c] for c in parsed.terms[1:] if c in scales},
                y_scale=scales.get(parsed.depvar, 1.0), stacklevel=6)  # panel_columns' caller
        if isinstance(fit, demeaned_ols.DemeanedFit):
            result = dataclasses.replace(result, _refit=self._refit(setup, column))
        return result

    def _refit(self, setup: PanelSetup, column: Column) -> Callable[[Any], RegressionResult]:
        """``with_vcov`` of a column of the group.

        On the group's design when the new variance reads no column outside the
        group's (the rows are then the same); else the column alone.
        """
        def refit(vcov: Any) -> RegressionResult:
            _, _, cluster = normalise_vcov(vcov)
            if cluster:  # as a column estimated alone: its own columns only
                checks.require_cluster_columns(self.data.loc[:, list(setup.used)].iloc[:0],
                                               cluster, vcov, in_model=True)
            new = dataclasses.replace(column, vcov=vcov)
            try:
                again = panel_setup(column.formula, self.data, vcov=vcov,
                                    weights=self.options["weights"], ssc=self.options["ssc"],
                                    panel_id=self.options["panel_id"], check_key=False)
            except HitexError:
                again = None
            if (again is not None and shareable(again, self.data)
                    and set(again.used) <= set(self._state[0].columns)):
                result = self._estimate(again, new)
                if result is not None:
                    return result
            return panel(column.formula, column.data, vcov=vcov, sample=column.sample,
                         **self.options)

        return refit


def _column_drops(setup: PanelSetup, data: pd.DataFrame,
                  union_dropped: Sequence[DropRecord]) -> list[DropRecord]:
    """The group's drop records as this column's own estimation records them.

    The rows are the same; the counts of missing values name this column's
    variables only.
    """
    if not any(d.reason in ("missing", "non_finite") for d in union_dropped):
        return list(union_dropped)
    _, records, _ = checks.drop_missing(data.loc[:, list(setup.used)])
    own = [DropRecord(*r) for r in records]
    return own + [d for d in union_dropped if d.reason not in ("missing", "non_finite")]


@dataclasses.dataclass
class _SharedDesign:
    """pyfixest's model matrix of a group's union of variables, demeaned once."""

    union: Any
    demeaner: Any
    demeaned: np.ndarray
    position: dict[str, int]
    drop_singletons: bool
    weights: str | None
    cluster_codes: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def build(cls, union: PanelSetup, frame: pd.DataFrame, weights: str | None,
              drop_singletons: bool) -> _SharedDesign | None:
        """The demeaned design, or None when it cannot be shared (the columns go alone)."""
        from pyfixest.estimation.internals.demean_ import demean_model
        from pyfixest.estimation.internals.demeaner_options import _resolve_demeaner

        with warnings.catch_warnings():  # the engine's own deprecation notices, as panel()
            warnings.simplefilter("ignore")
            demeaner = _resolve_demeaner(demeaner=None, demeaner_backend=None,
                                         fixef_tol=FIXEF_TOLERANCES[0], fixef_maxiter=None)
            model = _feols(union.parsed.formula, frame.reset_index(drop=True), weights,
                           drop_singletons, demeaner, engine_ssc("iid", union.ssc),
                           collinear.ENGINE_COLLIN_TOL)
            try:
                model.prepare_model_matrix()
            except Exception:  # noqa: BLE001 - each column alone reports its own engine error
                return None
            if int(model._N) != len(frame) or model._fe is None:
                return None  # the engine drops rows hitex kept: each column alone says why
            try:
                yd, xd, _ = demean_model(model._Y, model._X, model._fe,
                                         model._weights.flatten(), {}, model._na_index, demeaner)
            except ValueError:  # not converged at reghdfe's tolerance: each column retries alone
                return None
        names = [*map(str, yd.columns), *map(str, xd.columns)]
        demeaned = np.asfortranarray(np.column_stack([yd.to_numpy(), xd.to_numpy()]),
                                     dtype="float64")
        return cls(union=model, demeaner=demeaner, demeaned=demeaned,
                   position={n: i for i, n in enumerate(names)},
                   drop_singletons=drop_singletons, weights=weights)

    def fit(self, setup: PanelSetup, collin_tol: float = collinear.ENGINE_COLLIN_TOL) -> Any:
        """The fit of one column on the shared design, or None to estimate it alone.

        Unweighted columns with a conventional, robust or one-way clustered
        variance are solved by :func:`hitex.models.demeaned_ols.demeaned_ols`;
        the others by a pyfixest ``Feols`` given the shared design.
        """
        import pyfixest as pf

        parsed = setup.parsed
        regressors = list(parsed.terms[1:])
        ssc_dict = pf.ssc(**engine_ssc(setup.pf_vcov, setup.ssc))
        if self.weights is None and demeaned_ols.supported(setup.pf_vcov, ssc_dict):
            return self._lean_fit(setup, regressors, ssc_dict, collin_tol)
        return self._engine_fit(setup, regressors, collin_tol)

    def _lean_fit(self, setup: PanelSetup, regressors: list[str], ssc_dict: Mapping[str, Any],
                  collin_tol: float) -> Any:
        union, parsed = self.union, setup.parsed
        codes = None
        if setup.cluster:
            (col,) = setup.cluster
            if col not in self.cluster_codes:
                self.cluster_codes[col] = demeaned_ols.Clusters.of(union._data[col])
            codes = self.cluster_codes[col]
        source = union._Y if parsed.depvar in union._Y.columns else union._X
        try:
            fit, gram = demeaned_ols.demeaned_ols(
                self.demeaned, self.position[parsed.depvar],
                [self.position[r] for r in regressors], regressors,
                y_raw=source[[parsed.depvar]], pf_vcov=setup.pf_vcov, ssc_dict=ssc_dict,
                k_fe=union._k_fe, clusters=codes, collin_tol=collin_tol,
                attributes={"_data": union._data, "_model_spec": _UnionModelSpec(
                    union._model_spec), "_context": union._context, "_fe": union._fe,
                    "_fixef": union._fixef, "_depvar": parsed.depvar, "_ssc_dict": ssc_dict,
                    "_drop_intercept": False, "_weights_name": None})
        except np.linalg.LinAlgError:
            return None  # singular: pyfixest, alone, says which regressor
        if fit is None or collinear.scale_free_collinear_gram(gram, regressors)[0]:
            return None
        return fit

    def _engine_fit(self, setup: PanelSetup, regressors: list[str], collin_tol: float) -> Any:
        from pyfixest.estimation.internals.vcov_utils import _get_vcov_type

        parsed = setup.parsed
        model = _feols(parsed.formula, self.union._data.iloc[:0], self.weights,
                       self.drop_singletons, self.demeaner, engine_ssc(setup.pf_vcov, setup.ssc),
                       collin_tol)
        _adopt(model, self.union, parsed.depvar, regressors)
        model._Yd = pd.DataFrame(self.demeaned[:, [self.position[parsed.depvar]]],
                                 columns=[parsed.depvar])
        model._Xd = pd.DataFrame(self.demeaned[:, [self.position[r] for r in regressors]],
                                 columns=regressors)
        model.demean = _demeaned_already  # get_fit's first step, done for the whole group
        with warnings.catch_warnings():  # the engine's notices; panel() alone keeps hitex's
            warnings.simplefilter("ignore")
            try:
                model.get_fit()
                if model._X_is_empty or getattr(model, "_collin_vars", None):
                    return None  # a dropped regressor: hitex.panel records and explains it
                model.vcov(vcov=_get_vcov_type(setup.pf_vcov), vcov_kwargs=None,
                           data=model._data)
                model.get_inference()
                model.get_performance()
            except Exception:  # noqa: BLE001 - the column alone gives hitex's own error
                return None
        flagged, _ = collinear.scale_free_collinear(model)
        return None if flagged else model


def _demeaned_already() -> None:
    """``Feols.demean`` of a column whose demeaned data the group set."""


def _feols(formula: str, data: pd.DataFrame, weights: str | None, drop_singletons: bool,
           demeaner: Any, ssc: Mapping[str, Any], collin_tol: float) -> Any:
    """A pyfixest ``Feols`` set up as ``pyfixest.feols`` sets it up for hitex."""
    import pyfixest as pf
    from pyfixest.estimation.formula.parse import Formula
    from pyfixest.estimation.models.feols_ import Feols

    (fixest_formula,) = [f for group in Formula.parse_to_dict(formula).values() for f in group]
    return Feols(FixestFormula=fixest_formula, data=data, ssc_dict=pf.ssc(**ssc),
                 drop_singletons=drop_singletons, drop_intercept=False, weights=weights,
                 weights_type="aweights", collin_tol=collin_tol, lookup_demeaned_data={},
                 demeaner=demeaner, store_data=True, copy_data=False, lean=False,
                 context=formula_context())


def _adopt(model: Any, union: Any, depvar: str, regressors: list[str]) -> None:
    """Give ``model`` the columns it uses of the union's model matrix.

    Sets what ``Feols.prepare_model_matrix`` sets, from the matrix already
    built (plain columns only, so each column's values are the union's).
    """
    source = union._Y if depvar in union._Y.columns else union._X
    model._Y = source[[depvar]]
    model._Y_untransformed = model._Y.copy()
    model._X = union._X[regressors]
    model._fe = union._fe
    model._endogvar = None
    model._Z = None
    model._weights_df = union._weights_df
    model._offset_df = union._offset_df
    model._na_index = union._na_index
    model._icovars = None
    model._X_is_empty = not model._X.shape[0] > 0
    model._model_spec = _UnionModelSpec(union._model_spec)
    model._coefnames = list(regressors)
    model._coefnames_z = None
    model._depvar = depvar
    model._has_fixef = union._has_fixef
    model._fixef = model.FixestFormula.fixed_effects
    model._k_fe = union._k_fe
    model._n_fe = union._n_fe
    model._data = union._data
    model._weights = union._weights
    model._N, model._N_rows = union._N, union._N_rows


class _UnionModelSpec:
    """The union's formulaic model specification, lent to one column.

    Read by key (``spec["second_stage"]``) it rebuilds the union's matrix, of
    which the column's regressors are a subset; it has no ``second_stage``
    attribute, so the column's terms are read from its coefficient names
    (:func:`hitex.models.collinear.design_terms`), each a plain column.
    """

    __slots__ = ("_spec",)

    def __init__(self, spec: Any) -> None:
        self._spec = spec

    def __getitem__(self, key: str) -> Any:
        return self._spec[key]
