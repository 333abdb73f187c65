"""``kind: descriptive``: Stata ``summarize``-style statistics of ``variables``."""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import model_validator

from hitex.studies.comparisons import summary_statistics
from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    TableBase,
    TableContext,
    TableKind,
    TableOutput,
    note_table,
)


class DescriptiveTable(TableBase):
    """Descriptive statistics (N, mean, SD, min, max) of ``variables``.

    A variable that is a missing optional input (a ``file`` source with
    ``optional: true`` that is absent) is left out with a note.
    """

    kind: Literal["descriptive"]
    variables: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _variables(self) -> DescriptiveTable:
        if not self.variables:
            raise ValueError(f"descriptive table '{self.name}' needs 'variables'")
        return self


class Descriptive(TableKind):
    schema = DescriptiveTable

    def columns(self, tspec: DescriptiveTable) -> dict[str, list[str]]:
        return {"variables": list(tspec.variables)}

    def run(self, tspec: DescriptiveTable, ctx: TableContext) -> TableOutput:
        from hitex.report.tables import descriptive_table

        data = ctx.table_sample(tspec)
        present = [v for v in tspec.variables if v in data.columns]
        absent = [v for v in tspec.variables if v not in data.columns]  # optional inputs
        if not present:
            text = (f"Not computed: the data have none of {', '.join(absent)}. Supply them with a "
                    "'file' source in the study.")
            return TableOutput(tables={tspec.name: note_table(ctx.title, text)},
                               notes=[f"{tspec.name}: {text}"])
        table = descriptive_table(data, present, labels=ctx.labels, title=ctx.title,
                                  lang=ctx.lang)
        if absent:
            table = dataclasses.replace(table, notes=(
                *table.notes, f"Left out for lack of input data: {', '.join(absent)}."))
        return TableOutput(tables={tspec.name: table},
                           frames={f"{tspec.name}_statistics": summary_statistics(data, present)})


TABLES.register("descriptive")(Descriptive())
