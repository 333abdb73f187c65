"""``kind: regression`` (the default): model columns side by side.

Each entry of ``models`` is a column: a formula in fixest's syntax, with its
own ``title``, ``sample`` (applied within the table's), ``vcov`` and, for
gravity, ``method``. ``estimator: gravity`` estimates the columns with
:func:`hitex.gravity` (``method: ols`` on log flows or ``ppml`` on levels; a
column's own ``method`` wins), ``panel`` (default) with :func:`hitex.panel`.
``also_vcov`` adds the same table with other standard errors (``[iid]``: the
conventional ones). Model terms that use a missing optional input are left
out, with a note; a column whose outcome is missing is left out.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import field_validator, model_validator

from hitex.errors import HitexError
from hitex.models.formula import check_functions
from hitex.studies.expr import Expression
from hitex.studies.kinds import TABLES, StrictModel, check_expression
from hitex.studies.tables.base import (
    TableBase,
    TableContext,
    TableKind,
    TableOutput,
    VcovSpec,
    collected,
)


class ModelColumn(StrictModel):
    """One column of a regression table."""

    formula: str
    title: str | None = None
    sample: str | None = None
    vcov: VcovSpec | None = None
    method: Literal["ppml", "ols"] | None = None

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str) -> str:
        try:
            check_functions(v)
        except HitexError as err:
            raise ValueError(str(err)) from err
        return v

    @field_validator("sample")
    @classmethod
    def _sample(cls, v: str | None) -> str | None:
        if v is not None:
            check_expression(v, "sample")
        return v


class RegressionTable(TableBase):
    """A regression table (see the module docstring)."""

    kind: Literal["regression"] = "regression"
    estimator: Literal["panel", "gravity"] = "panel"
    method: Literal["ppml", "ols"] = "ols"
    models: tuple[ModelColumn, ...] = ()
    vcov: VcovSpec | None = None
    also_vcov: tuple[VcovSpec, ...] = ()

    @model_validator(mode="after")
    def _models(self) -> RegressionTable:
        if not self.models:
            raise ValueError(f"regression table '{self.name}' needs at least one entry in 'models'")
        return self


def without_missing(formula: str, missing: set[str]) -> tuple[str | None, list[str]]:
    """Drop right-hand terms that use missing optional inputs.

    Returns ``(None, names)`` when the outcome itself is missing, else the
    formula without those terms and the names of the terms left out.
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


def _sample_notes(tspec: RegressionTable, positions: list[int]) -> list[str]:
    """Say which sample filters the columns of a table use."""
    notes = [f"Sample: {tspec.sample}."] if tspec.sample else []
    own = [(k, tspec.models[k - 1].sample) for k in positions if tspec.models[k - 1].sample]
    notes += [f"Column ({k}) also: {text}." for k, text in own]
    return notes


def vcov_slug(vcov: Any) -> str:
    """A file-name part for a vcov: ``iid``, ``crv1_iso3``."""
    if isinstance(vcov, str):
        return vcov
    kind, by = next(iter(vcov.items()))
    return f"{kind.lower()}_{by.replace('+', '_')}"


class Regression(TableKind):
    schema = RegressionTable

    def count(self, tspec: RegressionTable) -> int:
        return len(tspec.models)

    def run(self, tspec: RegressionTable, ctx: TableContext) -> TableOutput:
        from hitex.models.gravity import gravity
        from hitex.models.panel import panel as estimate
        from hitex.report.tables import regression_table

        out = TableOutput()
        data, labels, title = ctx.data, ctx.labels, ctx.title
        results, models, positions = [], [], []
        table_notes = list(tspec.notes)
        for i, model in enumerate(tspec.models, start=1):
            where = f"tables.{tspec.name}.models.{i}"
            formula, left_out = without_missing(model.formula, ctx.built.missing)
            label = model.title or f"({i})"
            if formula is None:
                out.notes.append(f"{tspec.name}: column {label} left out (its outcome needs "
                                 f"the missing input(s) {', '.join(left_out)}).")
                ctx.progress(None, 1)
                continue
            if left_out:
                table_notes.append(f"Left out for lack of input data: {', '.join(left_out)}.")
            filt = _both(tspec.sample, model.sample)
            sub = ctx.table_sample(tspec)
            sub = ctx.sample(sub, model.sample, where + ".sample")
            vcov = model.vcov if model.vcov is not None else tspec.vcov
            with collected(out.warnings, f"{tspec.name} ({i})"):
                if tspec.estimator == "gravity":
                    res = gravity(formula, sub, method=model.method or tspec.method,
                                  vcov=vcov, sample=filt)
                else:
                    res = estimate(formula, sub, vcov=vcov, sample=filt)
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
        table_notes += [n for n in _sample_notes(tspec, positions) if n not in table_notes]
        if len(results) < len(tspec.models):  # keep the study's column numbers visible
            titles = [m.title or f"model ({i})" for m, i in zip(models, positions, strict=True)]
        else:
            titles = [m.title or "" for m in models] if any(m.title for m in models) else None
        fe_labels = {k: v for k, v in labels.items()
                     if any(k in r.spec.fixed_effects for r in results)}
        out.tables[tspec.name] = regression_table(
            results, titles=titles, labels=labels, fe_labels=fe_labels or None, title=title,
            notes=table_notes or None,
        )
        for extra in tspec.also_vcov:
            alt = [r.with_vcov(extra) for r in results]
            slug = vcov_slug(extra)
            out.results[f"{tspec.name}_{slug}"] = alt
            out.tables[f"{tspec.name}_{slug}"] = regression_table(
                alt, titles=titles, labels=labels, fe_labels=fe_labels or None,
                title=f"{title} [{alt[0].spec.vcov_label} SE]",
                notes=table_notes or None,
            )
        return out


TABLES.register("regression")(Regression())
