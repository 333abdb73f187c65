"""``kind: coverage``: how many units have data, by year.

Without ``variables``: the coverage tables the panel's sources produced, for
example the secondary indicators of the trade facilitation index present in
each year (one table per report, ``NAME_<report>`` when there are several;
``reports`` chooses some of them).

With ``variables``: the number of panel units with a value of each variable
in each year, split by the values of ``by`` (e.g. treated and control cities),
so that a study can state how much of its sample an outcome covers.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput


class CoverageTable(TableBase):
    """The sources' coverage reports, or the units with data on ``variables`` by year."""

    kind: Literal["coverage"]
    variables: tuple[str, ...] = ()
    by: str | None = None
    reports: tuple[str, ...] = ()


class Coverage(TableKind):
    schema = CoverageTable

    def columns(self, tspec: CoverageTable) -> dict[str, list[str]]:
        return {"variables": list(tspec.variables), "by": [tspec.by] if tspec.by else []}

    def run(self, tspec: CoverageTable, ctx: TableContext) -> TableOutput:
        from hitex.report.tables import frame_table

        out = TableOutput()
        if tspec.variables:
            frame = units_with_data(ctx.table_sample(tspec), list(tspec.variables), ctx.unit,
                                    ctx.time, tspec.by, ctx.labels)
            table = frame_table(frame, title=ctx.title)
            note = (f"Number of units ({ctx.unit}) with a value in each year"
                    + (f", by {ctx.labels.get(tspec.by, tspec.by)}" if tspec.by else "") + ".")
            out.tables[tspec.name] = dataclasses.replace(
                table, notes=(*table.notes, note, *tspec.notes))
            out.frames[tspec.name] = frame
            return out
        reports = ctx.built.coverage
        if tspec.reports:
            unknown = [r for r in tspec.reports if r not in reports]
            if unknown:
                out.notes.append(f"{tspec.name}: no coverage report {', '.join(unknown)} "
                                 f"(the sources made: {', '.join(reports) or 'none'}).")
            reports = {k: v for k, v in reports.items() if k in tspec.reports}
        for key, frame in reports.items():
            name = tspec.name if len(reports) == 1 else f"{tspec.name}_{key}"
            table = frame_table(frame, title=ctx.title)
            if tspec.notes:
                table = dataclasses.replace(table, notes=(*table.notes, *tspec.notes))
            out.tables[name] = table
        return out


def units_with_data(data: pd.DataFrame, variables: list[str], unit: str, time: str,
                    by: str | None, labels: dict[str, str]) -> pd.DataFrame:
    """Units with a value of each variable (rows, by group of ``by``) in each year (columns).

    The first rows count the units in the panel (``units``), then one row per
    variable (and group).
    """
    keys = [time] + ([by] if by else [])
    frames = []
    for name, values in [("units", data[unit]), *((labels.get(v, v), data[v])
                                                  for v in variables)]:
        have = data.loc[values.notna(), [*keys, unit]]
        counts = have.groupby(keys)[unit].nunique()
        counts = counts.unstack(time) if by else counts.to_frame().T
        counts.index = ([f"{name}, {by} = {g}" for g in counts.index] if by else [name])
        frames.append(counts)
    years = sorted(data[time].dropna().unique())
    out = pd.concat(frames).reindex(columns=years).fillna(0).astype("int64")
    out.columns = [str(y) for y in out.columns]
    out.index.name = "variable"
    return out.reset_index()


TABLES.register("coverage")(Coverage())
