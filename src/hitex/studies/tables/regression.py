"""``kind: regression`` (the default): model columns side by side.

Each entry of ``models`` is a column: a formula in fixest's syntax, with its
own ``title``, ``sample`` (applied within the table's), ``vcov``,
``winsorize`` and, for gravity, ``method``. Columns can also be declared at
once: ``stepwise`` (a base formula and steps that each add regressors or fixed
effects, as fixest's ``csw0()``: no controls; controls; plus year effects;
plus unit effects) and ``variations`` of a ``base`` model (another outcome,
another regressor, a sample exclusion, lagged or winsorised variables, another
clustering), each a column whose title says what changed; ``models``,
``stepwise`` and ``variations`` columns come in that order. ``diagnostics`` adds rows of
instrumental-variable statistics under the 2SLS columns, as Stata ``ivreg2``
reports them (:func:`hitex.models.iv_diagnostics.iv_diagnostics`; keys of
:data:`~hitex.models.iv_diagnostics.ROW_KEYS`, e.g. ``[underid, cragg_donald,
kp_wald, stock_yogo, overid, anderson_rubin]``, or ``[default]``).
``difference`` tests, under ``by`` columns, whether a coefficient differs
between two groups (interaction, suest or Fisher permutation), in rows under
the table. ``stats`` chooses the statistic rows (``nobs``, ``rsquared``, ``rsquared_adj``,
``rsquared_within``, ``n_clusters``, ``fstat``, ``depvar_mean``, ``first_stage_f``,
``pseudo_r2``) and ``under`` what is printed under each coefficient (``se``,
``t`` as study 004 prints, ``ci``, ``none``). ``coefficient_plot: term`` draws the term's estimate and confidence interval
across the columns (``figures/NAME_coefficients``). ``estimator: gravity`` estimates the columns with
:func:`hitex.gravity` (``method: ols`` on log flows or ``ppml`` on levels; a
column's own ``method`` wins), ``panel`` (default) with :func:`hitex.panel`
(2SLS when the formula has an IV part; columns on the same rows share their sample
and demeaning, :class:`hitex.models.panel_columns.SharedColumns`, with the numbers
of estimating them one by one); a column's ``estimator: liml`` estimates
its IV formula by LIML (:func:`hitex.liml`; ``fuller: 1`` for Fuller's
modification), e.g. beside the 2SLS column as a weak-instrument check.
``also_vcov`` adds the same table with other standard errors (``[iid]``: the
conventional ones). Model terms that use a missing optional input are left
out, with a note; a column whose outcome is missing is left out.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from hitex.errors import HitexError
from hitex.models.formula import check_functions
from hitex.report.labels import vcov_words
from hitex.studies.expr import Expression
from hitex.studies.kinds import TABLES, StrictModel, check_expression
from hitex.studies.tables.base import (
    TableBase,
    TableContext,
    TableKind,
    TableOutput,
    VcovSpec,
    collected,
    with_rows,
)


def valid_formula(text: str) -> str:
    """A formula that uses only the allowed functions (a pydantic ``ValueError`` otherwise)."""
    try:
        check_functions(text)
    except HitexError as err:
        raise ValueError(str(err)) from err
    return text


class ModelColumn(StrictModel):
    """One column of a regression table.

    ``requires`` names optional inputs without which the column is left out
    (instead of dropping the terms that use them). ``winsorize`` names
    variables winsorised in this column's sample before estimation, at the ``winsorize_at`` percentiles (Stata ``winsor2 ...,
    cuts(1 99)``: each variable's percentiles over the column's sample rows
    where it is not missing, Stata's default percentile definition).
    """

    formula: str
    title: str | None = None
    sample: str | None = None
    vcov: VcovSpec | None = None
    method: Literal["ppml", "ols"] | None = None
    estimator: Literal["liml"] | None = None
    fuller: float = Field(0.0, ge=0)
    winsorize: tuple[str, ...] = ()
    winsorize_at: tuple[float, float] = (1.0, 99.0)
    requires: tuple[str, ...] = ()

    @field_validator("winsorize_at")
    @classmethod
    def _cuts(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 100:
            raise ValueError(f"winsorize_at needs two percentiles 0 <= low < high <= 100, got {v}")
        return v

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str) -> str:
        return valid_formula(v)

    @model_validator(mode="after")
    def _iv(self) -> ModelColumn:
        parts = self.formula.split("|")
        if self.estimator == "liml" and (len(parts) < 2 or "~" not in parts[-1]):
            raise ValueError(f"column {self.formula!r}: estimator 'liml' needs an IV part, "
                             "e.g. 'y ~ x | fe | endog ~ z1 + z2'")
        if self.fuller and self.estimator != "liml":
            raise ValueError(f"column {self.formula!r}: 'fuller' applies to estimator: liml")
        return self

    @field_validator("sample")
    @classmethod
    def _sample(cls, v: str | None) -> str | None:
        if v is not None:
            check_expression(v, "sample")
        return v


class Step(StrictModel):
    """One step of a stepwise table: regressors (``"a + b"``) or fixed effects (``"| fe"``).

    ``drop`` removes regressors from this step on (e.g. a national series once
    year effects absorb it).
    """

    add: str
    title: str | None = None
    drop: tuple[str, ...] = ()


class Stepwise(StrictModel):
    """Columns that each add to the one before (fixest's ``csw0()``).

    ``formula`` is the first column (``"export ~ dti"``); each of ``steps``
    adds regressors (``"exr + gdp"``) or, written ``"| year"``, fixed effects.
    A step is a text or ``{add: ..., title: ...}``; without a title the column
    is headed by what it adds ("+ controls" for more than two regressors,
    "+ year FE").
    """

    formula: str
    steps: tuple[str | Step, ...]
    title: str | None = None

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str) -> str:
        return valid_formula(v)


class Variation(StrictModel):
    """A robustness column: the ``base`` model with what is named here changed.

    ``outcome`` replaces the dependent variable; ``replace`` maps terms to other
    terms (``{dti: dtig}``; also in the IV part); ``add``/``drop`` add or remove
    regressors; ``fixed_effects`` replaces the fixed-effects part (``""`` for
    none); ``sample`` filters rows (``"municipality == 0"``); ``vcov`` clusters
    otherwise; ``winsorize`` winsorises variables at ``winsorize_at``
    (lag a regressor by replacing it with a lagged column of the transforms).
    """

    title: str
    outcome: str | None = None
    replace: dict[str, str] = Field(default_factory=dict)
    add: str | None = None
    drop: tuple[str, ...] = ()
    fixed_effects: str | None = None
    sample: str | None = None
    vcov: VcovSpec | None = None
    winsorize: tuple[str, ...] = ()
    winsorize_at: tuple[float, float] = (1.0, 99.0)


class Difference(StrictModel):
    """A test of the difference of ``term``'s coefficient between two groups of ``by``.

    ``method``: ``interaction`` (Chow-type interacted regression), ``suest``
    (Stata ``suest``) or ``permutation`` (Fisher permutation, Stata ``bdiff``,
    ``draws`` draws seeded by the study); ``groups`` names the two groups
    (default: the first two columns). See :func:`hitex.models.heterogeneity.group_difference`.
    """

    term: str
    method: Literal["interaction", "suest", "permutation"] = "permutation"
    groups: tuple[str | int | float, ...] = ()
    draws: int = Field(1000, ge=1)


class RegressionTable(TableBase):
    """A regression table (see the module docstring)."""

    kind: Literal["regression"] = "regression"
    estimator: Literal["panel", "gravity"] = "panel"
    method: Literal["ppml", "ols"] = "ols"
    models: tuple[ModelColumn, ...] = ()
    stepwise: Stepwise | None = None
    base: str | None = None
    base_title: str | None = "Baseline"
    variations: tuple[Variation, ...] = ()
    vcov: VcovSpec | None = None
    also_vcov: tuple[VcovSpec, ...] = ()
    by: str | None = None
    by_values: tuple[str | int | float, ...] = ()
    by_titles: dict[str | int | float, str] = Field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    coefficient_plot: str | None = None
    difference: tuple[Difference, ...] = ()
    stats: tuple[str, ...] | None = None
    under: Literal["se", "t", "ci", "none"] = "se"

    @model_validator(mode="after")
    def _models(self) -> RegressionTable:
        if self.difference and not self.by:
            raise ValueError(f"regression table '{self.name}': 'difference' needs 'by' (the "
                             "group column whose columns it compares)")
        if self.variations and not self.base:
            raise ValueError(f"regression table '{self.name}' has 'variations' but no 'base' "
                             "model (the formula they vary)")
        try:
            columns = self.columns()
        except HitexError as err:
            raise ValueError(f"regression table '{self.name}': {err}") from err
        if not columns:
            raise ValueError(f"regression table '{self.name}' needs at least one entry in "
                             "'models' (or 'stepwise', or a 'base' with 'variations')")
        return self

    def columns(self, groups: tuple[Any, ...] = ()) -> tuple[ModelColumn, ...]:
        """Every column: ``models``, then the ``stepwise`` columns, then the base and variations.

        With ``by``, each of them once per group of ``groups`` (the values of
        the ``by`` column), its sample restricted to the group.
        """
        out = self._declared()
        if not self.by or not groups:
            return out
        split = []
        for model in out:
            for value in groups:
                cond = f"{self.by} == {value!r}"
                shown = self.by_titles.get(value, self.by_titles.get(str(value), str(value)))
                title = shown if len(out) == 1 else f"{model.title or model.formula}: {shown}"
                split.append(model.model_copy(update={
                    "title": title,
                    "sample": f"({model.sample}) & ({cond})" if model.sample else cond}))
        return tuple(split)

    def _declared(self) -> tuple[ModelColumn, ...]:
        out = list(self.models)
        if self.stepwise is not None:
            out += stepwise_columns(self.stepwise)
        if self.base:
            out.append(ModelColumn(formula=self.base, title=self.base_title))
            out += [vary(self.base, v) for v in self.variations]
        return tuple(out)


def _parts(formula: str) -> tuple[str, list[str], str | None, str | None]:
    """``y ~ a + b | fe | iv`` -> ("y", ["a", "b"], "fe", "iv")."""
    from hitex.models.formula import split_top

    if "~" not in formula:
        raise HitexError(f"formula {formula!r} has no '~'")
    lhs, rest = formula.split("~", 1)
    pieces = split_top(rest, "|")
    terms = [t.strip() for t in split_top(pieces[0], "+") if t.strip()]
    rest_parts = [p.strip() for p in pieces[1:]]
    iv = next((p for p in rest_parts if "~" in p), None)
    fes = next((p for p in rest_parts if "~" not in p), None)
    return lhs.strip(), terms, fes or None, iv


def _join(lhs: str, terms: list[str], fes: str | None, iv: str | None) -> str:
    text = f"{lhs} ~ {' + '.join(terms) if terms else '1'}"
    if fes:
        text += f" | {fes}"
    if iv:
        text += f" | {iv}"
    return text


def stepwise_columns(spec: Stepwise) -> list[ModelColumn]:
    """The columns of a stepwise declaration, each adding its step to the one before."""
    lhs, terms, fes, iv = _parts(spec.formula)
    columns = [ModelColumn(formula=spec.formula, title=spec.title or "")]
    for step in spec.steps:
        add, title = (step, None) if isinstance(step, str) else (step.add, step.title)
        drop = () if isinstance(step, str) else step.drop
        absent = [d for d in drop if d not in terms]
        if absent:
            raise HitexError(f"a stepwise step drops {absent}, which the columns before do not "
                             f"have ({', '.join(terms)})")
        terms = [t for t in terms if t not in drop]
        add = add.strip()
        if add.startswith("|"):
            new = [f.strip() for f in add[1:].split("+") if f.strip()]
            fes = " + ".join([*([fes] if fes else []), *new])
            default = "+ " + " + ".join(f"{f} FE" for f in new)
        else:
            new = [t.strip() for t in add.split("+") if t.strip()]
            terms = [*terms, *new]
            default = "+ controls" if len(new) > 2 else "+ " + " + ".join(new)
        columns.append(ModelColumn(formula=_join(lhs, terms, fes, iv), title=title or default))
    return columns


def vary(base: str, v: Variation) -> ModelColumn:
    """The base formula with a variation's changes."""
    import re

    lhs, terms, fes, iv = _parts(base)
    if v.outcome:
        lhs = v.outcome
    for old, new in v.replace.items():
        hit = re.compile(rf"(?<![\w.]){re.escape(old)}(?![\w(])")
        if not any(hit.search(t) for t in terms) and not (iv and hit.search(iv)) \
                and lhs != old:
            raise HitexError(f"variation '{v.title}': replace names '{old}', which is not a term "
                             f"of the base model {base!r}")
        terms = [hit.sub(new, t) for t in terms]
        iv = hit.sub(new, iv) if iv else iv
        lhs = new if lhs == old else lhs
    missing = [d for d in v.drop if d not in terms]
    if missing:
        raise HitexError(f"variation '{v.title}': drop names {missing}, not terms of the base "
                         f"model ({', '.join(terms)})")
    terms = [t for t in terms if t not in v.drop]
    if v.add:
        terms += [t.strip() for t in v.add.split("+") if t.strip()]
    if v.fixed_effects is not None:
        fes = v.fixed_effects.strip() or None
    return ModelColumn(formula=_join(lhs, terms, fes, iv), title=v.title, sample=v.sample,
                       vcov=v.vcov, winsorize=v.winsorize, winsorize_at=v.winsorize_at)


def winsorize(data: pd.DataFrame, columns: tuple[str, ...], cuts: tuple[float, float],
              where: str) -> pd.DataFrame:
    """Winsorise ``columns`` at the ``cuts`` percentiles (Stata ``winsor2``, replace).

    Percentiles follow Stata's default definition (``_pctile``, Hyndman-Fan
    type 2: the average of the two order statistics where ``n p / 100`` is a
    whole number), over the rows where the variable is not missing.
    """
    import numpy as np

    from hitex.errors import ColumnNotFoundError

    out = data.copy()
    for col in columns:
        if col not in out.columns:
            raise ColumnNotFoundError(f"{where}: winsorize names '{col}', which is not in the "
                                      "study data.")
        values = pd.to_numeric(out[col], errors="coerce")
        have = values.dropna().to_numpy(dtype="float64")
        if have.size == 0:
            continue
        low, high = np.percentile(have, list(cuts), method="averaged_inverted_cdf")
        out[col] = values.clip(lower=low, upper=high)
    return out


def without_missing(formula: str, missing: set[str]) -> tuple[str | None, list[str]]:
    """Drop right-hand terms that use missing optional inputs.

    Returns ``(None, names)`` when the outcome itself, an endogenous regressor
    or an instrument is missing (the column is left out), else the formula
    without those terms and the names of the terms left out.
    """
    if not missing:
        return formula, []

    def uses(text: str) -> list[str]:
        try:
            names = Expression(text.strip()).names
        except Exception:  # noqa: BLE001 - fixest-only syntax: fall back to a token match
            names = text.replace("(", " ").replace(")", " ").split()
        return [n for n in names if n in missing]

    lhs, rest = formula.split("~", 1)
    if uses(lhs):
        return None, uses(lhs)
    rhs, sep, fes = rest.partition("|")
    instrumented = [p for p in fes.split("|") if "~" in p]
    if any(uses(p.replace("~", "+")) for p in instrumented):  # an instrument cannot be dropped
        return None, [n for p in instrumented for n in uses(p.replace("~", "+"))]
    terms = [t.strip() for t in rhs.split("+") if t.strip()]
    kept = [t for t in terms if not uses(t)]
    left = [t for t in terms if uses(t)]
    if not left:
        return formula, []
    return f"{lhs.strip()} ~ {' + '.join(kept)}{' | ' + fes.strip() if sep else ''}", left


def _both(table: str | None, model: str | None) -> str | None:
    """A model's sample filter applies within its table's filter."""
    if table and model:
        return f"({table}) & ({model})"
    return table or model


def _sample_notes(tspec: RegressionTable, samples: list[str | None],
                  positions: list[int]) -> list[str]:
    """Say which sample filters (besides the groups of ``by``) the columns of a table use."""
    notes = [f"Sample: {tspec.sample}."] if tspec.sample else []
    own = [(k, samples[k - 1]) for k in positions if samples[k - 1]]
    notes += [f"Column ({k}) also: {text}." for k, text in own]
    return notes


def _plain_panel(tspec: RegressionTable, model: ModelColumn) -> bool:
    """Whether a column is estimated by :func:`hitex.panel` (not gravity, not LIML)."""
    return tspec.estimator != "gravity" and model.estimator != "liml"


def vcov_slug(vcov: Any) -> str:
    """A file-name part for a vcov: ``iid``, ``crv1_iso3``."""
    if isinstance(vcov, str):
        return vcov
    kind, by = next(iter(vcov.items()))
    return f"{kind.lower()}_{by.replace('+', '_')}"


def _diagnostic_rows(tspec: RegressionTable, results: list[Any],
                     out: TableOutput) -> list[tuple[str, list[str]]]:
    """Rows of IV statistics (blank under columns that are not 2SLS)."""
    if not tspec.diagnostics:
        return []
    from hitex.models.iv_diagnostics import DEFAULT_ROWS, iv_diagnostics

    which = DEFAULT_ROWS if tuple(tspec.diagnostics) == ("default",) else tspec.diagnostics
    per_column: list[dict[str, str]] = []
    for res in results:
        if not isinstance(getattr(res, "extra", None), dict) or "iv_design" not in res.extra:
            per_column.append({})
            continue
        with collected(out.warnings, f"{tspec.name} diagnostics"):
            diag = iv_diagnostics(res)
        per_column.append(dict(diag.rows(which)))
    labels = list(dict.fromkeys(label for col in per_column for label in col))
    return [(label, [col.get(label, "") for col in per_column]) for label in labels]


def _difference_rows(tspec: RegressionTable, ctx: TableContext, groups: tuple[Any, ...],
                     out: TableOutput) -> list[tuple[str, list[str]]]:
    """Rows of the group-difference tests, the numbers under the first group's column."""
    from hitex.models.heterogeneity import group_difference

    declared = tspec.columns()
    width = len(declared) * len(groups)
    rows: list[tuple[str, list[str]]] = []
    for k, test in enumerate(tspec.difference):
        pair = tuple(test.groups) or groups[:2]
        if len(pair) != 2 or any(g not in groups for g in pair):
            from hitex.errors import StudySpecError

            raise StudySpecError(f"tables.{tspec.name}.difference: groups {list(pair)} must be "
                                 f"two of the table's groups {list(groups)}.")
        model = declared[0]
        data = ctx.table_sample(tspec)
        data = ctx.sample(data, model.sample, f"tables.{tspec.name}.difference")
        with collected(out.warnings, f"{tspec.name} difference"):
            res = group_difference(model.formula, data, tspec.by, test.term, method=test.method,
                                   groups=list(pair), draws=test.draws, seed=ctx.seed + k,
                                   vcov=model.vcov if model.vcov is not None else tspec.vcov)
        col = groups.index(pair[0])
        for label, value in res.rows()[2:]:
            texts = [""] * width
            texts[col] = f"{value:.3f}"
            rows.append((label, texts))
        out.notes.append(f"{tspec.name}: {res.note}" if getattr(res, "note", "") else "")
    out.notes[:] = [n for n in out.notes if n]
    return rows


def _groups(tspec: RegressionTable, ctx: TableContext) -> tuple[Any, ...]:
    """The groups of ``by``: ``by_values`` in their order, else the values in the table sample."""
    from hitex.errors import StudySpecError

    if not tspec.by:
        return ()
    data = ctx.table_sample(tspec)
    if tspec.by not in data.columns:
        raise StudySpecError(f"tables.{tspec.name}.by: column '{tspec.by}' is not in the study "
                             "data; name a group column such as region.")
    present = [v.item() if hasattr(v, "item") else v for v in data[tspec.by].dropna().unique()]
    if tspec.by_values:
        absent = [v for v in tspec.by_values if v not in present]
        if absent:
            raise StudySpecError(f"tables.{tspec.name}.by_values: {absent} do not occur in "
                                 f"column '{tspec.by}' (it has {sorted(present, key=str)}).")
        return tuple(tspec.by_values)
    if len(present) < 2:
        raise StudySpecError(f"tables.{tspec.name}.by: column '{tspec.by}' has "
                             f"{len(present)} group(s) in the sample; subsample columns need two "
                             "or more.")
    return tuple(sorted(present, key=str))


class Regression(TableKind):
    schema = RegressionTable

    def count(self, tspec: RegressionTable) -> int:
        return len(tspec.columns(tspec.by_values))

    def run(self, tspec: RegressionTable, ctx: TableContext) -> TableOutput:
        from hitex.models.gravity import gravity
        from hitex.models.iv_liml import liml
        from hitex.models.panel_columns import Column, SharedColumns
        from hitex.report.tables import regression_table

        out = TableOutput()
        data, labels, title = ctx.data, ctx.labels, ctx.title
        results, models, positions = [], [], []
        table_notes = list(tspec.notes)
        groups = _groups(tspec, ctx)
        columns = tspec.columns(groups)
        declared = [m.sample for m in tspec.columns() for _ in (groups or (None,))]
        planned: list[tuple[int, ModelColumn, str, pd.DataFrame, str | None, Any]] = []
        table_rows: list[pd.DataFrame] = []
        for i, model in enumerate(columns, start=1):
            where = f"tables.{tspec.name}.models.{i}"
            formula, left_out = without_missing(model.formula, ctx.built.missing)
            needed = [c for c in model.requires if c in ctx.built.missing]
            if needed:
                formula, left_out = None, needed
            label = model.title or f"({i})"
            if formula is None:
                outcome = model.formula.split("~", 1)[0]
                what = ("its outcome needs" if any(n in outcome for n in left_out)
                        else "it needs")
                out.notes.append(f"{tspec.name}: column {label} left out ({what} the missing "
                                 f"input(s) {', '.join(left_out)}).")
                ctx.progress(None, 1)
                continue
            if left_out:
                table_notes.append(f"Left out for lack of input data: {', '.join(left_out)}.")
            filt = _both(tspec.sample, model.sample)
            if not table_rows:  # one frame for the table, so that its columns can share work
                table_rows.append(ctx.table_sample(tspec))
            sub = ctx.sample(table_rows[0], model.sample, where + ".sample")
            if model.winsorize:
                sub = winsorize(sub, model.winsorize, model.winsorize_at, where)
                table_notes.append(f"Column ({i}): {', '.join(model.winsorize)} winsorised at "
                                   f"the {model.winsorize_at[0]:g}th and "
                                   f"{model.winsorize_at[1]:g}th percentiles.")
            vcov = model.vcov if model.vcov is not None else tspec.vcov
            planned.append((i, model, formula, sub, filt, vcov))
        # plain panel columns on the same rows share their demeaning (results unchanged)
        shared = SharedColumns([Column(formula, sub, vcov, filt)
                                for _, model, formula, sub, filt, vcov in planned
                                if _plain_panel(tspec, model)])
        position = 0
        for i, model, formula, sub, filt, vcov in planned:
            with collected(out.warnings, f"{tspec.name} ({i})"):
                if tspec.estimator == "gravity":
                    res = gravity(formula, sub, method=model.method or tspec.method,
                                  vcov=vcov, sample=filt)
                elif model.estimator == "liml":
                    res = liml(formula, sub, vcov=vcov, fuller=model.fuller, sample=filt)
                else:
                    res = shared.result(position)
                    position += 1
            results.append(res)
            models.append(model)
            positions.append(i)
            out.usage[f"in_{tspec.name}_{i}"] = pd.Series(
                data.index.isin(res.sample_index).astype(int), index=data.index)
            ctx.progress(f"{tspec.name} ({i})", 1)
        if not results:
            return out
        out.results[tspec.name] = results
        out.positions[tspec.name] = positions
        if groups:
            table_notes.append(f"One column per value of {tspec.by}: "
                               f"{', '.join(map(str, groups))}.")
        table_notes += [n for n in _sample_notes(tspec, declared, positions)
                        if n not in table_notes]
        shown = [ctx.translate(m.title) for m in models]
        if len(results) < len(columns):  # keep the study's column numbers visible
            titles = [t or (f"模型({i})" if ctx.lang == "zh" else f"model ({i})")
                      for t, i in zip(shown, positions, strict=True)]
        else:
            titles = [t or "" for t in shown] if any(shown) else None
        fe_labels = {k: v for k, v in labels.items()  # in Chinese: 个体/年份固定效应
                     if ctx.lang == "en" and any(k in r.spec.fixed_effects for r in results)}
        shape: dict[str, Any] = {"lang": ctx.lang, "under": tspec.under}
        if tspec.stats is not None:
            shape["stats"] = tspec.stats
        out.tables[tspec.name] = with_rows(regression_table(
            results, titles=titles, labels=labels, fe_labels=fe_labels or None, title=title,
            notes=table_notes or None, **shape,
        ), "iv_diagnostics", _diagnostic_rows(tspec, results, out))
        if tspec.difference:
            out.tables[tspec.name] = with_rows(out.tables[tspec.name], "differences",
                                               _difference_rows(tspec, ctx, groups, out))
        if tspec.coefficient_plot:
            from hitex.report.figures import coefficient_plot

            heads = titles or [""] * len(results)
            pairs = [(t or f"({i})", r) for t, i, r in zip(heads, positions, results, strict=True)
                     if tspec.coefficient_plot in r.params.index]
            if pairs:
                out.figures[f"{tspec.name}_coefficients"] = coefficient_plot(
                    [r for _, r in pairs], tspec.coefficient_plot, titles=[t for t, _ in pairs],
                    labels=labels, title=title)
        for extra in tspec.also_vcov:
            alt = [r.with_vcov(extra) for r in results]
            slug = vcov_slug(extra)
            out.results[f"{tspec.name}_{slug}"] = alt
            out.tables[f"{tspec.name}_{slug}"] = regression_table(
                alt, titles=titles, labels=labels, fe_labels=fe_labels or None,
                title=(f"{title}（{vcov_words(alt[0].spec.vcov_label, 'zh')}）"
                       if ctx.lang == "zh" else f"{title} [{alt[0].spec.vcov_label} SE]"),
                notes=table_notes or None, **shape,
            )
        return out


TABLES.register("regression")(Regression())
