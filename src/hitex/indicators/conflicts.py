r"""Conflicting values for the same cell from several sources: find, report, resolve by a stated rule.

The same number (a province's high-tech exports in a year) often reaches a
study from several sources -- two yearbook vintages, a customs release and a
yearbook, or two tables of one paper (study 002 prints Shandong's 2016 exports
as 14.78 billion US$ in its Table 1 and as 14.82 in its Table 2).
:func:`reconcile` stacks the sources, finds every cell (same key values) that
two sources give with different values, and reports each conflict: both
values, their sources, the absolute and relative difference

.. math::

    d = |a - b|, \qquad r = \frac{|a - b|}{\max(|a|, |b|)},

and the value chosen by the stated rule. Values whose relative difference is
at most ``tolerance`` agree (rounding of printed figures can be allowed for
with, e.g., ``tolerance=0.005``). A value missing in one source is not a
conflict: the other source's value is taken.

Rules:

``"newest"``
    The newest source wins: the order of ``vintages`` (oldest first), or, by
    default, the order of ``frames_by_source`` (the last is the newest), as
    the World Bank's WDI vintages are read (newest value per cell).
``"prefer:<source>"``
    That source wins wherever it has a value; other cells fall back to
    ``"newest"``.
``"stop"``
    Any conflict raises :class:`ConflictingSourcesError` listing them all.

Key columns are matched as key text (2016, 2016.0 and ``"2016"`` are one
year; see :mod:`hitex.indicators._keys`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    SpecificationError,
)
from hitex.indicators._keys import key_text, plain_index
from hitex.indicators.units import as_unit, numeric_amounts

__all__ = ["ConflictingSourcesError", "Reconciled", "reconcile"]

_CONFLICT_COLUMNS = ["source_a", "value_a", "source_b", "value_b", "difference",
                     "rel_difference", "chosen_source", "chosen_value", "rule"]


class ConflictingSourcesError(DataFormatError):
    """Sources give different values for the same cell and the rule is ``"stop"``.

    Attributes
    ----------
    conflicts : pandas.DataFrame
        The conflict table (as :attr:`Reconciled.conflicts`).
    """

    def __init__(self, message: str, conflicts: pd.DataFrame) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass(frozen=True)
class Reconciled:
    """The sources merged into one value per cell, with every conflict reported.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cell: the key columns, the value column, ``source`` (the
        source of the value kept), ``n_sources`` (sources with a value) and
        ``conflict`` (True where sources disagreed beyond the tolerance).
    conflicts : pandas.DataFrame
        One row per cell and pair of disagreeing sources: the key columns,
        ``source_a``, ``value_a``, ``source_b``, ``value_b``, ``difference``
        (``|a - b|``), ``rel_difference`` (``|a - b| / max(|a|, |b|)``),
        ``chosen_source``, ``chosen_value`` and ``rule``.
    rule : str
        The rule applied, in words.
    tolerance : float
        Relative differences up to this count as agreement.
    """

    table: pd.DataFrame
    conflicts: pd.DataFrame
    rule: str
    tolerance: float

    def text(self) -> str:
        """A sentence per conflict (or one saying there is none), for printing."""
        return _describe(self.conflicts, self.rule, self.tolerance,
                         [c for c in self.conflicts.columns if c not in _CONFLICT_COLUMNS])


def _describe(conflicts: pd.DataFrame, rule: str, tolerance: float, keys: list[str],
              chosen: bool = True) -> str:
    if conflicts.empty:
        return f"No conflicting values between sources (tolerance {tolerance:g} relative)."
    lines = [f"{len(conflicts)} conflicting value(s) between sources (tolerance {tolerance:g} "
             f"relative); rule: {rule}."]
    for rec in conflicts.to_dict("records"):
        where = ", ".join(f"{k}={rec[k]}" for k in keys)
        lines.append(
            f"- {where}: {rec['source_a']} {rec['value_a']:g} vs {rec['source_b']} "
            f"{rec['value_b']:g} (difference {rec['difference']:g}, "
            f"{100 * rec['rel_difference']:.3g}%)"
            + (f"; kept {rec['chosen_value']:g} from {rec['chosen_source']}" if chosen else "")
        )
    return "\n".join(lines)


def _rule(rule: str, sources: list[str], vintages: Mapping | None) -> tuple[list[str], str]:
    """Sources ranked from most to least preferred, and the rule in words."""
    if vintages is not None:
        missing = [s for s in sources if s not in vintages]
        if missing:
            raise SpecificationError(f"vintages= lacks source(s) {missing}; give a date or number "
                                     "for every source (larger = newer)")
        try:
            newest_first = sorted(sources, key=lambda s: vintages[s], reverse=True)
        except TypeError as err:
            raise SpecificationError("vintages= values must be comparable (all dates or all "
                                     f"numbers): {err}") from None
        how = "by vintages= (" + ", ".join(f"{s}: {vintages[s]}" for s in sources) + ")"
    else:
        newest_first = sources[::-1]
        how = "in the order given, the last newest"
    if rule == "newest":
        return newest_first, f"newest source wins ({how})"
    if rule == "stop":
        return newest_first, "stop at any conflict"
    if isinstance(rule, str) and rule.startswith("prefer:"):
        preferred = rule.split(":", 1)[1]
        if preferred not in sources:
            raise SpecificationError(f"rule={rule!r} prefers a source that is not given; the "
                                     f"sources are {sources}")
        order = [preferred, *[s for s in newest_first if s != preferred]]
        return order, f"{preferred} wins where it has a value, else newest ({how})"
    raise SpecificationError(f"rule={rule!r} is not a rule; use 'newest', 'prefer:<source>' "
                             f"(one of {[f'prefer:{s}' for s in sources]}) or 'stop'")


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows sorted by the key columns (as key text when their values do not compare)."""
    try:
        out = frame.sort_values(keys, kind="stable")
    except TypeError:
        order = pd.DataFrame({k: key_text(frame[k]) for k in keys}).sort_values(keys, kind="stable")
        out = frame.loc[order.index]
    return out.reset_index(drop=True)


def reconcile(
    frames_by_source: Mapping[str, pd.DataFrame],
    keys: Sequence[str],
    value: str,
    *,
    rule: str = "newest",
    tolerance: float = 1e-9,
    vintages: Mapping[str, object] | None = None,
    units: Mapping[str, str] | None = None,
) -> Reconciled:
    """Merge several sources of one variable, reporting every conflicting cell.

    The rules and the relative difference are those of the module notes; the
    "newest value per cell wins" default follows how WDI vintages are merged
    in :func:`hitex.data.wdi.load_wdi`.

    Parameters
    ----------
    frames_by_source : mapping of str to pandas.DataFrame
        Each source's table (at least two), with the key columns and the value
        column. Other columns are ignored.
    keys : sequence of str
        Columns that identify a cell (e.g. ``["province", "year"]``, plus a
        variable column for a long table of several variables).
    value : str
        The value column (numbers; missing values allowed; negative values
        are allowed since not every variable is an export value).
    rule : str, default "newest"
        ``"newest"``, ``"prefer:<source>"`` or ``"stop"``.
    tolerance : float, default 1e-9
        Largest relative difference counted as agreement (>= 0).
    vintages : mapping of str to date or number, optional
        Age of each source for ``"newest"`` (larger = newer); default: the
        order of ``frames_by_source``.
    units : mapping of str to str, optional
        The unit of each source's values (codes of
        :data:`hitex.indicators.units.UNITS`); sources in different units
        are refused (convert them first with
        :func:`hitex.indicators.units.harmonize`).

    Returns
    -------
    Reconciled
        ``table`` (one value per cell), ``conflicts`` (one row per cell and
        pair of disagreeing sources), ``rule`` and ``tolerance``; ``text()``
        describes the conflicts.

    Raises
    ------
    ConflictingSourcesError
        ``rule="stop"`` and some cell has conflicting values; the message
        lists every conflict and ``err.conflicts`` holds the table.
    ColumnNotFoundError
        A key or value column is missing from a source.
    DuplicateKeyError
        A source has several rows for one cell.
    NonNumericError
        Text in a source's value column.
    SpecificationError
        Fewer than two sources, an unknown rule or source, a negative
        tolerance, or sources in different units.
    EmptySampleError
        No source has a row.

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.indicators.conflicts import reconcile
    >>> t1 = pd.DataFrame({"year": [2015, 2016], "x": [17.71, 14.78]})
    >>> t2 = pd.DataFrame({"year": [2015, 2016], "x": [17.71, 14.82]})
    >>> out = reconcile({"table1": t1, "table2": t2}, ["year"], "x", rule="prefer:table1")
    >>> print(out.text())
    1 conflicting value(s) between sources (tolerance 1e-09 relative); rule: table1 wins where it has a value, else newest (in the order given, the last newest).
    - year=2016: table1 14.78 vs table2 14.82 (difference 0.04, 0.27%); kept 14.78 from table1
    """
    if not isinstance(frames_by_source, Mapping) or len(frames_by_source) < 2:
        raise SpecificationError("frames_by_source must map at least two source names to tables, "
                                 "e.g. {'yearbook_2017': df1, 'customs': df2}")
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not keys:
        raise SpecificationError("keys= needs at least one column, e.g. ['province', 'year']")
    if not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise SpecificationError(f"tolerance={tolerance!r} must be a number >= 0 (a relative "
                                 "difference, e.g. 0.005 for half a percent)")
    sources = [str(s) for s in frames_by_source]
    if units is not None:
        missing = [s for s in sources if s not in units]
        if missing:
            raise SpecificationError(f"units= lacks source(s) {missing}; give every source's unit")
        codes = {s: as_unit(units[s], argument=f"units[{s!r}]").code for s in sources}
        if len(set(codes.values())) > 1:
            raise SpecificationError(
                f"the sources are in different units ({codes}); convert them to one unit first "
                "(hitex.indicators.units.harmonize) so that equal amounts compare equal"
            )
    order, rule_text = _rule(rule, sources, vintages)
    rank = {s: i for i, s in enumerate(order)}

    parts = []
    for name, frame in frames_by_source.items():
        name = str(name)
        if not isinstance(frame, pd.DataFrame):
            raise SpecificationError(f"source {name!r} is a {type(frame).__name__}, not a DataFrame")
        frame = plain_index(frame).reset_index(drop=True)
        for col in [*keys, value]:
            if col not in frame.columns:
                raise ColumnNotFoundError(
                    f"column {col!r} is not in source {name!r} (columns: {list(frame.columns)}); "
                    "every source needs the key columns and the value column under the same names"
                )
        values = numeric_amounts(frame, value, table=f"source {name!r}", show=keys,
                                 nonnegative=False)
        part = pd.DataFrame({f"_k{i}": key_text(frame[k]) for i, k in enumerate(keys)})
        absent = part.isna().any(axis=1)
        if absent.any():
            raise DataFormatError(
                f"source {name!r} has {int(absent.sum())} row(s) with a missing key "
                f"({frame.loc[absent, keys].head(3).to_dict('records')}); fill or drop them"
            )
        dup = part.duplicated(keep=False)
        if dup.any():
            raise DuplicateKeyError(
                f"source {name!r} has several rows for the same {keys} (e.g. "
                f"{frame.loc[dup, [*keys, value]].head(4).to_dict('records')}); keep one row per "
                "cell in each source"
            )
        for k in keys:
            part[k] = frame[k].to_numpy()
        part["_source"] = name
        part["_value"] = values.to_numpy()
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    if stacked.empty:
        raise EmptySampleError("no source has a row; there is nothing to reconcile")
    kcols = [f"_k{i}" for i in range(len(keys))]
    stacked["_rank"] = stacked["_source"].map(rank)
    present = stacked[stacked["_value"].notna()].sort_values([*kcols, "_rank"], kind="stable")

    # the value kept per cell: the most preferred source with a value
    first = present.drop_duplicates(kcols, keep="first")
    chosen = first.set_index(kcols)[["_source", "_value"]]

    pairs = present.merge(present, on=kcols, suffixes=("_a", "_b"))
    pairs = pairs[pairs["_rank_a"] < pairs["_rank_b"]]
    a, b = pairs["_value_a"].to_numpy(), pairs["_value_b"].to_numpy()
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / scale, 0.0)
    pairs = pairs.assign(difference=diff, rel_difference=rel)
    pairs = pairs[pairs["rel_difference"] > tolerance]
    pick = chosen.reindex(pd.MultiIndex.from_frame(pairs[kcols]) if len(kcols) > 1
                          else pd.Index(pairs[kcols[0]]))
    conflicts = pd.DataFrame({
        **{k: pairs[f"{k}_a"].to_numpy() for k in keys},
        "source_a": pairs["_source_a"].to_numpy(), "value_a": pairs["_value_a"].to_numpy(),
        "source_b": pairs["_source_b"].to_numpy(), "value_b": pairs["_value_b"].to_numpy(),
        "difference": pairs["difference"].to_numpy(),
        "rel_difference": pairs["rel_difference"].to_numpy(),
        "chosen_source": pick["_source"].to_numpy(), "chosen_value": pick["_value"].to_numpy(),
        "rule": rule_text,
    })
    conflicts = _sorted(conflicts, keys)
    if rule == "stop" and len(conflicts):
        raise ConflictingSourcesError(
            _describe(conflicts, rule_text, float(tolerance), keys, chosen=False).replace(
                "; rule: stop at any conflict.",
                ". Choose a rule: rule='newest' or rule='prefer:<source>' (or correct a source)."),
            conflicts,
        )
    conflicted = set(map(tuple, pairs[kcols].to_numpy().tolist()))
    cells = stacked.sort_values([*kcols, "_rank"], kind="stable").drop_duplicates(kcols)
    counts = present.groupby(kcols).size()
    table = cells[[*kcols, *keys]].merge(
        first[[*kcols, "_source", "_value"]], on=kcols, how="left")
    table = table.merge(counts.rename("n_sources").reset_index(), on=kcols, how="left")
    table["n_sources"] = table["n_sources"].fillna(0).astype(int)
    table["conflict"] = [tuple(r) in conflicted for r in table[kcols].to_numpy().tolist()]
    table = table.rename(columns={"_value": value, "_source": "source"})
    table = _sorted(table, keys)[[*keys, value, "source", "n_sources", "conflict"]]
    return Reconciled(table=table, conflicts=conflicts, rule=rule_text, tolerance=float(tolerance))
