"""``kind: coverage``: the coverage tables the panel's sources produced.

For example the secondary indicators of the trade facilitation index present
in each year, or the treated cities with data by year. One table per coverage
report (``NAME_<report>`` when there are several).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput


class CoverageTable(TableBase):
    """The sources' coverage reports."""

    kind: Literal["coverage"]


class Coverage(TableKind):
    schema = CoverageTable

    def run(self, tspec: CoverageTable, ctx: TableContext) -> TableOutput:
        from hitex.report.tables import frame_table

        out = TableOutput()
        reports = ctx.built.coverage
        for key, frame in reports.items():
            name = tspec.name if len(reports) == 1 else f"{tspec.name}_{key}"
            table = frame_table(frame, title=ctx.title)
            if tspec.notes:
                table = dataclasses.replace(table, notes=(*table.notes, *tspec.notes))
            out.tables[name] = table
        return out


TABLES.register("coverage")(Coverage())
