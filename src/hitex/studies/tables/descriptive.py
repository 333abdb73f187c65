"""``kind: descriptive``: Stata ``summarize``-style statistics of ``variables``."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput


class DescriptiveTable(TableBase):
    """Descriptive statistics (N, mean, SD, min, max) of ``variables``."""

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

        table = descriptive_table(ctx.table_sample(tspec), list(tspec.variables),
                                  labels=ctx.labels, title=ctx.title, lang=ctx.lang)
        return TableOutput(tables={tspec.name: table})


TABLES.register("descriptive")(Descriptive())
