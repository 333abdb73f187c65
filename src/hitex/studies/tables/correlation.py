"""``kind: correlation``: lower-triangular Pearson matrix of ``variables`` with stars."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import pandas as pd
from pydantic import model_validator

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput


class CorrelationTable(TableBase):
    """A Pearson correlation matrix of ``variables`` (p-values in parentheses)."""

    kind: Literal["correlation"]
    variables: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _variables(self) -> CorrelationTable:
        if len(self.variables) < 2:
            raise ValueError(f"correlation table '{self.name}' needs at least two 'variables'")
        return self


def stars(p: float) -> str:
    """``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1."""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def correlation_frame(data: pd.DataFrame, variables: list[str],
                      labels: dict[str, str] | None = None) -> tuple[pd.DataFrame, int]:
    """Lower-triangular Pearson matrix ``r*** (p)`` on the rows complete in ``variables``."""
    from scipy.stats import pearsonr

    labels = labels or {}
    sub = data[variables].dropna().astype("float64")
    names = [f"({i}) {labels.get(v, v)}" for i, v in enumerate(variables, start=1)]
    rows = []
    for i, a in enumerate(variables):
        row = {"variable": names[i]}
        for j, b in enumerate(variables):
            if j > i:
                row[f"({j + 1})"] = ""
            elif j == i:
                row[f"({j + 1})"] = "1.000"
            else:
                r, p = pearsonr(sub[a], sub[b])
                row[f"({j + 1})"] = f"{r:.3f}{stars(p)} ({p:.3f})"
        rows.append(row)
    return pd.DataFrame(rows), len(sub)


class Correlation(TableKind):
    schema = CorrelationTable
    checks_columns = True

    def columns(self, tspec: CorrelationTable) -> dict[str, list[str]]:
        return {"variables": list(tspec.variables)}

    def run(self, tspec: CorrelationTable, ctx: TableContext) -> TableOutput:
        from hitex.report.tables import frame_table

        frame, n = correlation_frame(ctx.table_sample(tspec), list(tspec.variables), ctx.labels)
        notes: Any = tuple(tspec.notes) + (
            f"Pearson correlations on the {n} observations complete in every variable; "
            "p-values in parentheses. *** p<0.01, ** p<0.05, * p<0.1.",)
        table = dataclasses.replace(frame_table(frame, title=ctx.title), notes=notes)
        return TableOutput(tables={tspec.name: table})


TABLES.register("correlation")(Correlation())
