"""``kind: monitoring``: level, growth, share, rank and gaps of one variable, from its sources.

The variable may come from several columns of the panel, each a source (a
yearbook series, values printed in a study, a user file): ``sources`` lists
them, and where two give different values for the same unit and year, every
conflict is reported (``NAME_conflicts``) and the value is chosen by ``rule``
(``newest``: the last source listed; ``prefer:<source>``; ``stop``: refuse), as
:func:`hitex.indicators.conflicts.reconcile` does. The chosen values go
through :func:`hitex.indicators.monitoring.monitor`: the main table shows the
``focus`` units' level (and the source of each value), year-on-year growth,
the share in ``total`` when given, the rank among the peers (``k of n``), the
gaps to the leader and to a ``reference`` peer and who overtook whom;
``NAME_cagr`` gives the compound annual growth over ``window`` and
``NAME_ranks`` the changes of rank. ``show`` adds panel columns beside (for
example a share printed in the source study), and ``printed_growth`` sets the
growth rates a study printed beside those recomputed from its volumes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from hitex.studies.kinds import TABLES, StrictModel
from hitex.studies.tables.base import TableBase, TableContext, TableKind, TableOutput


class SeriesSource(StrictModel):
    """One source of the monitored variable: a panel ``column`` and the ``source``'s name."""

    column: str
    source: str


class MonitoringTable(TableBase):
    """A monitoring table (see the module docstring)."""

    kind: Literal["monitoring"]
    sources: tuple[SeriesSource, ...]
    unit_of_value: str
    rule: str = "newest"
    tolerance: float = 1e-9
    total: str | None = None
    unit_of_total: str | None = None
    focus: tuple[Any, ...] = ()
    peers: tuple[Any, ...] = ()
    reference: Any = None
    window: tuple[int, int] | None = None
    names: str | None = None
    show: tuple[str, ...] = ()
    printed_growth: str | None = None
    digits: int = 2
    to_unit: str | None = None
    lang: Literal["en", "zh"] = "en"
    figures: bool = True

    @model_validator(mode="after")
    def _sources(self) -> MonitoringTable:
        names = [s.source for s in self.sources]
        if not names:
            raise ValueError(f"monitoring table '{self.name}' needs at least one entry in "
                             "'sources' ({column: ..., source: ...})")
        if len(set(names)) < len(names):
            raise ValueError(f"monitoring table '{self.name}': source names must differ")
        return self


def _names(tspec: MonitoringTable, ctx: TableContext) -> dict[str, str]:
    """Unit code (as text) -> display name, from the ``names`` column."""
    if not tspec.names:
        return {}
    first = ctx.data.drop_duplicates(ctx.unit)
    return {str(u): str(n) for u, n in zip(first[ctx.unit], first[tspec.names], strict=True)}


def _rename(value: Any, names: dict[str, str]) -> str:
    """``"61, 35"`` -> ``"Shaanxi, Fujian"`` (missing stays empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return ", ".join(names.get(part.strip(), part.strip()) for part in str(value).split(",")
                     if part.strip())


def _fmt(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float | np.floating):
        return f"{value:,.{digits}f}"
    return str(value)


class Monitoring(TableKind):
    schema = MonitoringTable
    checks_columns = True

    def columns(self, tspec: MonitoringTable) -> dict[str, list[str]]:
        return {"sources": [s.column for s in tspec.sources],
                "total": [tspec.total] if tspec.total else [], "show": list(tspec.show),
                "printed_growth": [tspec.printed_growth] if tspec.printed_growth else [],
                "names": [tspec.names] if tspec.names else []}

    def run(self, tspec: MonitoringTable, ctx: TableContext) -> TableOutput:
        from hitex.indicators.conflicts import reconcile
        from hitex.indicators.monitoring import monitor
        from hitex.indicators.units import chinese_label
        from hitex.report.tables import frame_table

        out = TableOutput()
        data = ctx.table_sample(tspec)
        unit, time = ctx.unit, ctx.time
        frames = {s.source: data[[unit, time, s.column]].rename(columns={s.column: "value"})
                  .dropna(subset=["value"]) for s in tspec.sources}
        notes = list(tspec.notes)
        if all(frame.empty for frame in frames.values()):
            from hitex.errors import EmptySampleError

            years = sorted(set(data[time].dropna().astype(int)))
            span = f"{years[0]}-{years[-1]}" if years else "the study's years"
            raise EmptySampleError(
                f"tables.{tspec.name}: no source ({', '.join(s.column for s in tspec.sources)}) "
                f"has a value in {span}; choose years the data cover (the study's summary lists "
                "each series' years).")
        if len(frames) > 1:
            rec = reconcile(frames, [unit, time], "value", rule=tspec.rule,
                            tolerance=tspec.tolerance)
            long = rec.table[[unit, time, "value", "source"]]
            conflicts = rec.conflicts
            if len(conflicts):
                shown = conflicts.copy()
                if tspec.names and tspec.names in data.columns:
                    shown.insert(0, tspec.names, shown[unit].map(
                        data.drop_duplicates(unit).set_index(unit)[tspec.names]))
                out.tables[f"{tspec.name}_conflicts"] = dataclasses.replace(
                    frame_table(shown, title=f"{ctx.title}: conflicting sources", digits=4),
                    notes=(rec.text(),))
                out.frames[f"{tspec.name}_conflicts"] = conflicts
            out.notes.append(f"{tspec.name}: {rec.text()}")
            notes.append(f"Where sources disagree: {rec.rule}.")
        else:
            (name, frame), = frames.items()
            long = frame.assign(source=name)
        if tspec.total:
            long = long.merge(data[[unit, time, tspec.total]], on=[unit, time], how="left")
        result = monitor(long, unit, time, "value", unit_of_value=tspec.unit_of_value,
                         total=tspec.total, unit_of_total=tspec.unit_of_total,
                         to_unit=tspec.to_unit,
                         peers=list(tspec.peers) or None, window=tspec.window,
                         focus=list(tspec.focus) or None, reference=tspec.reference)
        table = result.table.merge(long[[unit, time, "source"]], on=[unit, time], how="left")
        extra = [c for c in (*tspec.show, *([tspec.printed_growth] if tspec.printed_growth
                                            else [])) if c not in table.columns]
        if extra:
            table = table.merge(data[[unit, time, *extra]], on=[unit, time], how="left")
        out.frames[tspec.name] = table
        if tspec.figures:
            out.figures.update(self._figures(tspec, ctx, table, long, result.unit))
        out.tables[tspec.name] = dataclasses.replace(
            frame_table(self._display(table, tspec, ctx, chinese_label(result.unit)
                                      if tspec.lang == "zh" else result.unit.label),
                        title=ctx.title),
            notes=tuple(notes) + (result.text(),))
        cagr = result.cagr
        if len(cagr):
            out.tables[f"{tspec.name}_cagr"] = frame_table(
                cagr, title=f"{ctx.title}: compound annual growth", digits=tspec.digits)
        if len(result.rank_changes):
            changes = result.rank_changes.copy()
            names = _names(tspec, ctx)
            if names:
                for col in ("overtook", "overtaken_by"):
                    changes[col] = changes[col].map(lambda v: _rename(v, names))
                changes.insert(0, tspec.names, changes[ctx.unit].map(lambda u: names.get(str(u))))
            out.tables[f"{tspec.name}_ranks"] = frame_table(
                changes, title=f"{ctx.title}: changes of rank")
        return out

    def _figures(self, tspec: MonitoringTable, ctx: TableContext, table: pd.DataFrame,
                 long: pd.DataFrame, unit: Any) -> dict[str, Any]:
        """Level and growth (one focus unit), ranks over time, peers in the last year, share."""
        from hitex.report.figures import level_growth_chart, peer_chart, rank_chart, share_chart

        names = _names(tspec, ctx)
        named = table.assign(**{ctx.unit: [names.get(str(u), str(u)) for u in table[ctx.unit]]})
        units = list(dict.fromkeys(named[ctx.unit]))
        if tspec.focus:  # the first focus unit is the one highlighted
            first = names.get(str(tspec.focus[0]), str(tspec.focus[0]))
            units = [first, *[u for u in units if u != first]]
        figs: dict[str, Any] = {}
        title = ctx.title
        if len(units) == 1:
            figs[f"{tspec.name}_level_growth"] = level_growth_chart(
                named, ctx.unit, ctx.time, focus=units[0], value_unit=unit,
                lang=tspec.lang, title=title)
        if "rank" in named and named["rank"].notna().any() and len(named[ctx.time].unique()) > 1:
            figs[f"{tspec.name}_rank"] = rank_chart(
                named, ctx.unit, ctx.time, tied="rank_tied", focus=units[0], lang=tspec.lang,
                title=title)
        if "share_pct" in named and named["share_pct"].notna().any():
            figs[f"{tspec.name}_share"] = share_chart(named, ctx.unit, ctx.time,
                                                      focus=units[0], lang=tspec.lang,
                                                      title=title)
        from hitex.indicators.units import as_unit

        last = int(long[ctx.time].max())
        peers = long.loc[long[ctx.time] == last].copy()
        if tspec.peers:
            peers = peers[peers[ctx.unit].isin(tspec.peers)]
        source = as_unit(tspec.unit_of_value)
        if len(peers) > 1 and source.currency == unit.currency:
            peers["level"] = peers["value"] * source.scale / unit.scale  # in the table's unit
            peers[ctx.unit] = [names.get(str(u), str(u)) for u in peers[ctx.unit]]
            figs[f"{tspec.name}_peers"] = peer_chart(
                peers, ctx.unit, "level", focus=units[0], value_unit=unit,
                lang=tspec.lang, title=f"{title} ({last})")
        return figs

    def _display(self, table: pd.DataFrame, tspec: MonitoringTable, ctx: TableContext,
                 unit_label: str) -> pd.DataFrame:
        label = ctx.labels.get
        d = tspec.digits
        w = WORDS[tspec.lang]
        names = _names(tspec, ctx)
        rows = pd.DataFrame({
            label(ctx.unit, w["unit"]): [names.get(str(u), u) for u in table[ctx.unit]],
            label(ctx.time, w["year"]): table[ctx.time].astype(int),
            f"{w['level']} ({unit_label})": [_fmt(v, d) for v in table["level"]],
            w["source"]: table["source"].fillna(""),
            w["growth"]: [_fmt(v, d) for v in table["growth_pct"]],
        })
        if "share_pct" in table:
            rows[w["share"]] = [_fmt(v, d) for v in table["share_pct"]]
            rows[w["share_change"]] = [_fmt(v, d) for v in table["share_change_pp"]]
        if "rank" in table:
            rows[w["rank"]] = [w["rank_of"].format(r=int(r), n=int(n)) + (w["tie"] if t else "")
                               if pd.notna(r) else ""
                               for r, n, t in zip(table["rank"], table["n_ranked"],
                                                  table["rank_tied"], strict=True)]
            rows[w["gap_leader"]] = [_fmt(v, d) for v in table["gap_to_leader"]]
            rows[w["overtaken"]] = [_rename(v, names) for v in table["overtaken_by"]]
        if "gap_to_reference" in table:
            rows[w["gap_reference"]] = [_fmt(v, d) for v in table["gap_to_reference"]]
        for col in tspec.show:
            rows[label(col, col)] = [_fmt(v, d) for v in table[col]]
        if tspec.printed_growth:
            printed = pd.to_numeric(table[tspec.printed_growth], errors="coerce")
            rows[w["printed"]] = [_fmt(v, d) for v in printed]
            rows[w["difference"]] = [_fmt(v, d) for v in table["growth_pct"] - printed]
        return rows


#: Column headings of the monitoring table, in English and Chinese.
WORDS: dict[str, dict[str, str]] = {
    "en": {"unit": "Unit", "year": "Year", "level": "Level", "source": "Source",
           "growth": "Growth (%)", "share": "Share (%)", "share_change": "Share change (pp)",
           "rank": "Rank", "rank_of": "{r} of {n}", "tie": " (tie)",
           "gap_leader": "Gap to leader", "overtaken": "Overtaken by",
           "gap_reference": "Gap to reference", "printed": "Growth printed (%)",
           "difference": "Recomputed - printed (pp)"},
    "zh": {"unit": "地区", "year": "年份", "level": "出口额", "source": "数据来源",
           "growth": "增长率（%）", "share": "占比（%）", "share_change": "占比变化（百分点）",
           "rank": "排名", "rank_of": "{n}个中第{r}", "tie": "（并列）",
           "gap_leader": "与首位差距", "overtaken": "被超越",
           "gap_reference": "与参照地区差距", "printed": "原文增长率（%）",
           "difference": "重算减原文（百分点）"},
}


TABLES.register("monitoring")(Monitoring())
