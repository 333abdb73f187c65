"""``kind: before_after`` (dyadic studies): study 001's Table 11.

An ``exporter``'s flows (``value``) to each partner before and after the
``policy`` dummy switches on (the agreement's entry into force).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd

from hitex.errors import ColumnNotFoundError, StudySpecError
from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput

_NOTE = (
    "Entry year: first panel year with the agreement in force. Means over the panel years "
    "before and from that year; change = after/before - 1 (%); growth = average annual growth "
    "between the first and last year of each window (%).",
)


class BeforeAfterTable(TableBase):
    """An exporter's flows to each agreement partner before and after entry into force."""

    kind: Literal["before_after"]
    exporter: str = "CHN"
    value: str = "trade"
    policy: str = "fta"


def _cagr(frame: pd.DataFrame, value: str, time: str) -> float:
    """Average annual growth (%) between the first and last year of ``frame``."""
    frame = frame.dropna(subset=[value]).sort_values(time)
    if len(frame) < 2:
        return float("nan")
    first, last = frame.iloc[0], frame.iloc[-1]
    span = float(last[time] - first[time])
    if first[value] <= 0 or last[value] <= 0 or span <= 0:
        return float("nan")
    return float(((last[value] / first[value]) ** (1 / span) - 1) * 100)


def before_after(data: pd.DataFrame, exporter: str, *, value: str = "trade",
                 policy: str = "fta", exporter_col: str = "exporter",
                 importer_col: str = "importer", time: str = "year") -> pd.DataFrame:
    r"""An exporter's flows to each agreement partner before and after entry into force.

    For partner :math:`j` with entry year :math:`e_j` (the first panel year with
    ``policy == 1`` after at least one year with ``policy == 0``), over the panel
    years :math:`t`:

    .. math::

        \bar X^{before}_j = \mathrm{mean}_{t < e_j} X_{ij,t}, \quad
        \bar X^{after}_j = \mathrm{mean}_{t \ge e_j} X_{ij,t}, \quad
        \mathrm{change} = 100 (\bar X^{after}_j / \bar X^{before}_j - 1),

    and the average annual growth rate within each window,
    :math:`100 ((X_{last}/X_{first})^{1/(t_{last}-t_{first})} - 1)` (missing with
    fewer than two years).

    Returns
    -------
    pandas.DataFrame
        One row per partner: ``partner``, ``entry_year``, ``years_before``,
        ``years_after``, ``mean_before``, ``mean_after``, ``change_pct``,
        ``growth_before_pct``, ``growth_after_pct``. Partners whose agreement
        was in force in every panel year (no "before") are listed with
        ``entry_year`` missing and only ``mean_after``.
    """
    for col in (value, policy, exporter_col, importer_col, time):
        if col not in data.columns:
            raise ColumnNotFoundError(f"before_after needs column '{col}' in the study data.")
    sub = data[(data[exporter_col] == exporter) & (data[importer_col] != exporter)]
    if sub.empty:
        raise StudySpecError(f"exporter {exporter!r} has no flows in the study data; choose one "
                             f"of {', '.join(sorted(map(str, data[exporter_col].unique()))[:10])}...")
    rows = []
    for partner, grp in sub.groupby(importer_col, sort=True):
        grp = grp.sort_values(time)
        on = grp[policy].fillna(0).to_numpy() > 0
        if not on.any():
            continue
        if on[0]:  # in force from the first panel year: no "before"
            rows.append({"partner": partner, "entry_year": np.nan, "years_before": "",
                         "years_after": f"{int(grp[time].min())}-{int(grp[time].max())}",
                         "mean_before": np.nan, "mean_after": float(grp[value].mean()),
                         "change_pct": np.nan, "growth_before_pct": np.nan,
                         "growth_after_pct": _cagr(grp, value, time)})
            continue
        entry = int(grp[time].to_numpy()[int(np.argmax(on))])
        before, after = grp[grp[time] < entry], grp[grp[time] >= entry]
        mb, ma = float(before[value].mean()), float(after[value].mean())
        rows.append({"partner": partner, "entry_year": entry,
                     "years_before": f"{int(before[time].min())}-{int(before[time].max())}",
                     "years_after": f"{int(after[time].min())}-{int(after[time].max())}",
                     "mean_before": mb, "mean_after": ma,
                     "change_pct": (ma / mb - 1) * 100 if mb > 0 else np.nan,
                     "growth_before_pct": _cagr(before, value, time),
                     "growth_after_pct": _cagr(after, value, time)})
    return pd.DataFrame(rows, columns=["partner", "entry_year", "years_before", "years_after",
                                       "mean_before", "mean_after", "change_pct",
                                       "growth_before_pct", "growth_after_pct"])


class BeforeAfter(TableKind):
    schema = BeforeAfterTable

    def run(self, tspec: BeforeAfterTable, ctx: TableContext) -> TableOutput:
        from hitex.report.tables import frame_table

        frame = before_after(ctx.table_sample(tspec), tspec.exporter, value=tspec.value,
                             policy=tspec.policy, exporter_col=ctx.spec.exporter,
                             importer_col=ctx.spec.importer, time=ctx.time)
        table = dataclasses.replace(frame_table(frame, title=ctx.title),
                                    notes=tuple(tspec.notes) + _NOTE)
        return TableOutput(tables={tspec.name: table}, frames={tspec.name: frame})


TABLES.register("before_after")(BeforeAfter())
