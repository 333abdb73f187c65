"""``kind: mechanism``: each mediator on the treatment, then the outcome by median halves.

Columns: each of ``mediators`` on ``treatment`` (TWFE), then ``outcome`` on
``treatment`` in the units whose mean of the mediator is above and at or below
the median of the unit means.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    VcovSpec,
    complete,
    twfe_formula,
)


class MechanismTable(PolicyTableBase):
    """Mechanism table (see the module docstring)."""

    kind: Literal["mechanism"]
    mediators: tuple[str, ...] = ()
    vcov: VcovSpec | None = None

    @model_validator(mode="after")
    def _mediators(self) -> MechanismTable:
        if not self.mediators:
            raise ValueError(f"mechanism table '{self.name}' needs 'mediators'")
        return self


class Mechanism(PolicyKind):
    schema = MechanismTable

    def columns(self, tspec: MechanismTable) -> dict[str, list[str]]:
        return {**super().columns(tspec), "mediators": list(tspec.mediators)}

    def required(self, tspec: MechanismTable) -> list[str]:
        return [*tspec.requires, *tspec.mediators]

    def count(self, tspec: MechanismTable) -> int:
        return 1

    def run(self, tspec: MechanismTable, ctx: TableContext) -> TableOutput:
        from hitex.models.panel import panel
        from hitex.report.tables import regression_table

        data = ctx.table_sample(tspec)
        out = TableOutput()
        outcome, treat = str(tspec.outcome), tspec.treatment
        vcov = tspec.vcov or {"CRV1": ctx.unit}
        results, titles = [], []
        for m in tspec.mediators:
            sub = complete(data, [m, treat, *tspec.controls])
            results.append(panel(twfe_formula(m, treat, tspec.controls, ctx.unit, ctx.time), sub,
                                 vcov=vcov))
            titles.append(f"Mediator {ctx.labels.get(m, m)}")
        for m in tspec.mediators:
            sub = complete(data, [outcome, m, treat, *tspec.controls])
            level = sub.groupby(ctx.unit)[m].transform("mean")
            cut = sub.groupby(ctx.unit)[m].mean().median()
            for half, mask in (("high", level > cut), ("low", level <= cut)):
                results.append(panel(twfe_formula(outcome, treat, tspec.controls, ctx.unit, ctx.time),
                                     sub.loc[mask], vcov=vcov))
                titles.append(f"{half.capitalize()} {ctx.labels.get(m, m)}")
        notes = list(tspec.notes) + [
            "Median split: a city is 'high' when its mean of the mediator over the panel years is "
            "above the median of the city means."]
        out.results[tspec.name] = results
        out.tables[tspec.name] = regression_table(results, titles=titles, labels=ctx.labels, lang=ctx.lang,
                                                  title=ctx.title, notes=notes)
        return out


TABLES.register("mechanism")(Mechanism())
