"""``kind: mediation``: the three-step mediation table with Sobel tests and bootstrap intervals.

Columns: the total effect (``outcome`` on ``treatment`` and ``controls``),
each of ``mediators`` on the treatment, and the outcome on the treatment and
every mediator, estimated by :func:`hitex.models.mediation.mediation` on one
common sample with ``fixed_effects`` and ``vcov``; rows under the table give
each indirect effect with its Sobel test and its bootstrap interval
(``bootstrap`` draws, seeded by the study, clusters resampled when the errors
are clustered; ``ci: percentile`` or ``bc``). The note cites the critique of
the three-step procedure.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    VcovSpec,
    collected,
    with_rows,
)


class MediationTable(PolicyTableBase):
    """A mediation table (see the module docstring)."""

    kind: Literal["mediation"]
    mediators: tuple[str, ...] = ()
    fixed_effects: tuple[str, ...] = ()
    vcov: VcovSpec | None = None
    bootstrap: int = Field(1000, ge=0)
    ci: Literal["percentile", "bc"] = "percentile"
    ci_level: float = Field(0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _mediators(self) -> MediationTable:
        if not self.mediators:
            raise ValueError(f"mediation table '{self.name}' needs 'mediators'")
        return self


class Mediation(PolicyKind):
    schema = MediationTable

    def columns(self, tspec: MediationTable) -> dict[str, list[str]]:
        return {**super().columns(tspec), "mediators": list(tspec.mediators),
                "fixed_effects": list(tspec.fixed_effects)}

    def required(self, tspec: MediationTable) -> list[str]:
        return [*tspec.requires, *tspec.mediators]

    def run(self, tspec: MediationTable, ctx: TableContext) -> TableOutput:
        from hitex.models.mediation import mediation
        from hitex.report.tables import regression_table

        out = TableOutput()
        data = ctx.table_sample(tspec)
        with collected(out.warnings, tspec.name):
            res = mediation(data, str(tspec.outcome), tspec.treatment, list(tspec.mediators),
                            controls=list(tspec.controls), fixed_effects=list(tspec.fixed_effects),
                            vcov=tspec.vcov, bootstrap=tspec.bootstrap, seed=ctx.seed,
                            ci_level=tspec.ci_level, ci=tspec.ci)
        steps = list(res.steps)
        fe_labels = {k: v for k, v in ctx.labels.items() if k in tspec.fixed_effects}
        table = regression_table(steps, titles=list(res.titles), labels=ctx.labels, lang=ctx.lang,
                                 fe_labels=fe_labels or None, title=ctx.title,
                                 notes=[*tspec.notes, res.note])
        rows = [(label, [value, *[""] * (len(steps) - 1)]) for label, value in res.rows()]
        out.tables[tspec.name] = with_rows(table, "mediation", rows)
        out.results[tspec.name] = steps
        out.frames[f"{tspec.name}_indirect"] = res.indirect
        sample = steps[0].sample_index
        out.usage[f"in_{tspec.name}"] = pd.Series(ctx.data.index.isin(sample).astype(int),
                                                  index=ctx.data.index)
        return out


TABLES.register("mediation")(Mediation())
