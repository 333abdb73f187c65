r"""Monitoring indicators of a unit's high-tech exports: level, growth, share, rank, gaps.

:func:`monitor` takes a long table (one row per unit -- province, country --
and year) of high-tech exports in a stated unit (:mod:`hitex.indicators.units`)
and returns, per unit-year,

.. math::

    g_{it} = 100\left(\frac{x_{it}}{x_{i,t-1}} - 1\right), \qquad
    s_{it} = 100\,\frac{x_{it}}{X_{it}}, \qquad
    \Delta s_{it} = s_{it} - s_{i,t-1} \ \text{(percentage points)},

with :math:`x` the high-tech exports and :math:`X` all exports, the rank of
:math:`x_{it}` among the peer group in year :math:`t` (1 = largest), the gap to
the leader and to a reference peer, and the changes of rank with who overtook
whom. Per unit it gives the compound annual growth rate over a window
:math:`[a, b]`,

.. math::

    \mathit{CAGR}_i = 100\left[\left(\frac{x_{ib}}{x_{ia}}\right)^{1/(b-a)} - 1\right],

which uses the two end values only.

Conventions (as in the statistical yearbooks and study 002's Tables 1-2):

- **Growth is never taken over a gap.** Growth in year :math:`t` needs a row
  for :math:`t-1` with a value; when year :math:`t-1` is absent (or its value
  is missing or 0) growth is missing and ``growth_note`` says why, and a
  :class:`~hitex.errors.DataCoverageWarning` lists the gaps. The same holds for
  the change of the share and the change of rank.
- **Ranks** are taken each year among the peers with a value that year (rank
  1 = largest; ``n_ranked`` says among how many). Equal levels share the
  smallest rank (pandas ``rank(method="min")``, Stata ``egen rank(), field``);
  ``rank_tied`` flags them, so two units tied first are both 1 and the next is 3.
- **Gaps** are measured from the other's level: ``gap_to_leader = leader - x``
  (>= 0) and ``gap_to_leader_pct = 100 * gap / leader``; likewise for the
  reference peer (negative when the unit is ahead of the reference).
- **Overtaking** is a strict reversal of order between two consecutive years:
  B overtook A in :math:`t` when :math:`x_{B,t-1} < x_{A,t-1}` and
  :math:`x_{B,t} > x_{A,t}` (catching up to a tie is not overtaking). A rank
  can also change without overtaking when a peer's value appears or
  disappears; the rank-change table says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    SpecificationError,
)
from hitex.indicators._keys import plain_index, year_numbers
from hitex.indicators.units import Unit, convert, harmonize

__all__ = ["Monitoring", "monitor"]


@dataclass(frozen=True)
class Monitoring:
    """Monitoring indicators of :func:`monitor`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per unit-year (the focus units only when ``focus`` was
        given), sorted by unit and year. Columns: the unit and time columns,
        ``level`` (in ``unit``), ``growth_pct``, ``growth_note``; with a total
        ``total``, ``share_pct``, ``share_change_pp``; with peers ``rank``,
        ``n_ranked``, ``rank_tied``, ``rank_change`` (previous rank minus rank:
        positive = moved up), ``overtook``, ``overtaken_by`` (names joined by
        ", "; empty when none, missing when the previous year cannot be
        compared), ``leader``, ``gap_to_leader``, ``gap_to_leader_pct`` and,
        with a reference, ``gap_to_reference``, ``gap_to_reference_pct``.
    cagr : pandas.DataFrame
        One row per unit: ``start``, ``end``, ``level_start``, ``level_end``,
        ``years``, ``cagr_pct`` and ``note`` (why it is missing).
    rank_changes : pandas.DataFrame
        One row per unit-year whose rank changed or who overtook or was
        overtaken: ``rank_before``, ``rank``, ``rank_change``, ``overtook``,
        ``overtaken_by``, ``note``.
    unit : Unit
        The unit of ``level``, ``total`` and the gaps.
    notes : tuple of str
        Conversions made, gaps, the window and the conventions, as sentences.
    """

    table: pd.DataFrame
    cagr: pd.DataFrame
    rank_changes: pd.DataFrame
    unit: Unit
    notes: tuple[str, ...]

    def text(self) -> str:
        """The unit and every note, one per line, for printing beside the tables."""
        return "\n".join([f"Levels in {self.unit.label} ({self.unit.code}).", *self.notes])


def _names(value: object, argument: str) -> list | None:
    if value is None:
        return None
    if isinstance(value, (str, int, np.integer)):
        return [value]
    if isinstance(value, Sequence | pd.Index | pd.Series | np.ndarray | set):
        return list(value)
    raise SpecificationError(f"{argument} must be a unit name or a list of unit names, not "
                             f"{type(value).__name__}")


def _check_known(names: list, known: set, argument: str, unit: str) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        shown = sorted(known, key=str)[:12]
        raise SpecificationError(
            f"{argument} names {unknown}, which are not values of column {unit!r} (it holds "
            f"{shown}{' ...' if len(known) > 12 else ''}); write them as in the data"
        )


def _joined(names: Sequence) -> str:
    return ", ".join(str(n) for n in names)


def _window(window: object, years: pd.Series) -> tuple[int, int] | str | None:
    if window is None or window == "own":
        return window  # type: ignore[return-value]
    if (not isinstance(window, Sequence) or isinstance(window, str) or len(window) != 2
            or not all(isinstance(y, (int, np.integer)) and not isinstance(y, bool)
                       for y in window)):
        raise SpecificationError(
            f"window={window!r} must be None (first to last year of the table), 'own' (each "
            "unit's first to last year with a value) or two whole years (start, end)"
        )
    start, end = int(window[0]), int(window[1])
    if start >= end:
        raise SpecificationError(f"window={window!r}: the start year must come before the end year")
    have = set(years.astype(int))
    if start not in have and end not in have:
        raise EmptySampleError(
            f"window={window!r} has no data: the table has no value in {start} or {end} (its "
            f"years with values are {min(have)}-{max(have)}); choose years inside that range"
        )
    return start, end


def _cagr(levels: pd.DataFrame, unit: str, window: tuple[int, int] | str | None) -> pd.DataFrame:
    present = levels[levels["level"].notna()]
    level_of = dict(zip(zip(present[unit], present["year"], strict=True), present["level"],
                        strict=True))
    first_year = present.groupby(unit)["year"].min().to_dict()
    last_year = present.groupby(unit)["year"].max().to_dict()
    rows = []
    for name in pd.unique(levels[unit]):
        if window == "own":
            if name not in first_year or first_year[name] == last_year[name]:
                rows.append({unit: name, "note": "fewer than two years with a value"})
                continue
            start, end = int(first_year[name]), int(last_year[name])
        elif window is None:
            start, end = int(present["year"].min()), int(present["year"].max())
        else:
            start, end = window
        first, last = level_of.get((name, start), np.nan), level_of.get((name, end), np.nan)
        note = None
        value = np.nan
        if pd.isna(first) or pd.isna(last):
            lacking = [y for y, v in ((start, first), (end, last)) if pd.isna(v)]
            note = f"no value in {_joined(lacking)}"
        elif start == end:
            note = f"one year only ({start})"
        elif first == 0:
            note = f"level is 0 in {start}"
        else:
            value = 100.0 * ((last / first) ** (1.0 / (end - start)) - 1.0)
        rows.append({unit: name, "start": start, "end": end, "level_start": first,
                     "level_end": last, "years": end - start, "cagr_pct": value, "note": note})
    out = pd.DataFrame(rows, columns=[unit, "start", "end", "level_start", "level_end", "years",
                                      "cagr_pct", "note"])
    for col in ("start", "end", "years"):
        out[col] = out[col].astype("Int64")
    for col in ("level_start", "level_end", "cagr_pct"):
        out[col] = out[col].astype("float64")
    return out


def _previous(df: pd.DataFrame, unit: str, cols: list[str]) -> pd.DataFrame:
    """The values of ``cols`` in year t-1 for every row (NaN when that row is absent)."""
    prev = df[[unit, "year", *cols]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={c: f"_prev_{c}" for c in cols}).assign(_prev_row=True)
    out = df[[unit, "year"]].merge(prev, on=[unit, "year"], how="left")
    out["_prev_row"] = out["_prev_row"].eq(True)
    return out


def _growth(df: pd.DataFrame, unit: str) -> tuple[pd.Series, pd.Series, list[str]]:
    prev = _previous(df, unit, ["level"])
    first_year = df.groupby(unit)["year"].transform("min")
    level, before = df["level"].to_numpy(), prev["_prev_level"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(before > 0, 100.0 * (level / before - 1.0), np.nan)
    year = df["year"].to_numpy()
    prior = (year - 1).astype(str)
    cases = [np.isnan(level), year == first_year.to_numpy(), ~prev["_prev_row"].to_numpy(),
             np.isnan(before), before == 0]
    texts = [np.full(len(df), "no value"), np.full(len(df), "first year"),
             np.char.add(np.char.add("gap: no ", prior), " row"),
             np.char.add(np.char.add("no ", prior), " value"), np.char.add(prior, " value is 0")]
    chosen = np.select(cases, texts, default="")
    note = pd.Series(np.where(chosen == "", None, chosen), index=df.index, dtype=object)
    is_gap = np.select(cases, [False, False, True, True, False], default=False).astype(bool)
    gaps = [f"{u} {y}" for u, y in zip(df[unit].to_numpy()[is_gap], year[is_gap], strict=True)]
    growth[note.notna().to_numpy()] = np.nan
    return pd.Series(growth, index=df.index), note, gaps


def _ranks(df: pd.DataFrame, unit: str, peers: list, reference: object) -> pd.DataFrame:
    """Rank, ties, leader and gaps of the peers' rows (other rows left missing)."""
    is_peer = df[unit].isin(peers) & df["level"].notna()
    sub = df.loc[is_peer, [unit, "year", "level"]]
    out = pd.DataFrame(index=df.index)
    by_year = sub.groupby("year")["level"]
    out["rank"] = by_year.rank(method="min", ascending=False).astype("Int64")
    out["n_ranked"] = by_year.transform("size").astype("Int64")
    same = sub.groupby(["year", "level"])["level"].transform("size")
    out["rank_tied"] = (same > 1).astype("boolean")
    top = by_year.transform("max")
    leaders = sub[sub["level"] == top].groupby("year")[unit].agg(lambda s: _joined(sorted(s, key=str)))
    out["leader"] = sub["year"].map(leaders)
    out["gap_to_leader"] = top - sub["level"]
    out["gap_to_leader_pct"] = 100.0 * (top - sub["level"]) / top.where(top > 0)
    if reference is not None:
        ref = sub[sub[unit] == reference].set_index("year")["level"]
        ref_level = df["year"].map(ref).where(is_peer)
        out["gap_to_reference"] = ref_level - df["level"].where(is_peer)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["gap_to_reference_pct"] = np.where(ref_level > 0,
                                                   100.0 * out["gap_to_reference"] / ref_level,
                                                   np.nan)
    for col in ("gap_to_leader", "gap_to_leader_pct"):
        out[col] = out[col].astype("float64")
    return out


def _overtakes(df: pd.DataFrame, unit: str, peers: list) -> pd.DataFrame:
    """``rank_change``, ``overtook``, ``overtaken_by`` and a note for every peer row."""
    sub = df[df[unit].isin(peers) & df["level"].notna()]
    wide = sub.pivot(index="year", columns=unit, values="level")
    levels = wide.to_numpy(dtype=float)
    ranks = (sub.pivot(index="year", columns=unit, values="rank").reindex_like(wide)
             .to_numpy(dtype=float, na_value=np.nan))
    cols = np.asarray(wide.columns, dtype=object)
    result: dict[tuple, tuple] = {}
    for pos, year in enumerate(wide.index):
        if pos == 0 or wide.index[pos - 1] != year - 1:
            continue
        now, before = levels[pos], levels[pos - 1]
        idx = np.flatnonzero(~np.isnan(now) & ~np.isnan(before))
        a_now, a_before = now[idx], before[idx]
        # passed[i, j]: j was below i in t-1 and is above i in t
        passed = (a_before[None, :] < a_before[:, None]) & (a_now[None, :] > a_now[:, None])
        order = np.argsort(-a_now, kind="stable")
        entered = [str(n) for n in cols[~np.isnan(now) & np.isnan(before)]]
        left = [str(n) for n in cols[np.isnan(now) & ~np.isnan(before)]]
        change_note = "; ".join(
            [*(["no value in the previous year: " + _joined(entered)] if entered else []),
             *(["no value this year: " + _joined(left)] if left else [])]) or None
        changes = (ranks[pos - 1, idx] - ranks[pos, idx]).astype(int)
        hit_by, hit_took = passed.any(axis=1), passed.any(axis=0)
        for i, col in enumerate(idx):
            by = _joined(cols[idx[order[passed[i, order]]]]) if hit_by[i] else ""
            took = _joined(cols[idx[order[passed[order, i]]]]) if hit_took[i] else ""
            change = int(changes[i])
            note = None
            if change and not by and not took:
                note = f"rank changed without overtaking ({change_note or 'ties'})"
            elif change_note and change:
                note = f"peer group changed ({change_note})"
            result[(cols[col], year)] = (change, took, by, note)
    picked = [result.get(k) for k in zip(df[unit], df["year"], strict=True)]
    out = pd.DataFrame(index=df.index)
    out["rank_change"] = pd.array([p[0] if p else pd.NA for p in picked], dtype="Int64")
    out["overtook"] = pd.Series([p[1] if p else pd.NA for p in picked], index=df.index,
                                dtype=object)
    out["overtaken_by"] = pd.Series([p[2] if p else pd.NA for p in picked], index=df.index,
                                    dtype=object)
    out["_rank_note"] = pd.Series([p[3] if p else None for p in picked], index=df.index,
                                  dtype=object)
    return out


def monitor(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    value: str,
    *,
    unit_of_value: str,
    total: str | None = None,
    unit_of_total: str | None = None,
    to_unit: str | None = None,
    rates: pd.Series | pd.DataFrame | None = None,
    peers: Sequence | None = None,
    window: tuple[int, int] | str | None = None,
    focus: object = None,
    reference: object = None,
) -> Monitoring:
    """Level, growth, share, rank, gaps and overtaking of high-tech exports by unit and year.

    The conventions (no growth over a gap, minimum rank for ties, gaps from the
    other's level, strict overtaking) are those of the module notes; they follow
    the statistical-yearbook practice of study 002's Tables 1-2 (growth and
    share in percent, one row per province-year).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit and year.
    unit : str
        Column of the unit (province, country).
    time : str
        Column of the year (whole years; "2015年" and dates are read as years).
    value : str
        Column of high-tech exports (numbers >= 0; missing values allowed).
    unit_of_value : str
        Unit of ``value`` (a code of :data:`hitex.indicators.units.UNITS`, e.g.
        ``"USD_bn"``, ``"CNY_100m"``, ``"USD_10k"``), or the name of a column
        holding each row's unit.
    total : str, optional
        Column of all exports (goods), for the share of high-tech exports.
    unit_of_total : str, optional
        Unit of ``total`` (code or column), when it differs from
        ``unit_of_value``; it is converted to the unit of the levels.
    to_unit : str, optional
        Convert every row to this unit. Without it, rows of different units
        are refused.
    rates : pandas.Series or pandas.DataFrame, optional
        Annual average exchange rates (yuan per US$ by year,
        :data:`hitex.indicators.units.RATE_CONVENTION`), needed when yuan and
        dollars are converted.
    peers : sequence, optional
        Units ranked against each other (default: every unit of the table).
        Units outside the peer group get no rank.
    window : (int, int), "own" or None, default None
        Years of the compound annual growth rate: None for the first and last
        year of the table, "own" for each unit's first and last year with a
        value, or (start, end).
    focus : unit name or list, optional
        Keep only these units' rows in ``table`` and ``rank_changes`` (the
        others still count in ranks and gaps). They must be peers.
    reference : unit name, optional
        A peer whose level the gaps ``gap_to_reference`` are measured from.

    Returns
    -------
    Monitoring
        ``table`` (per unit-year), ``cagr`` (per unit), ``rank_changes``,
        ``unit`` and ``notes`` (conversions made, gaps and conventions;
        ``text()`` prints them).

    Raises
    ------
    ColumnNotFoundError
        A named column is not in the table.
    NonNumericError
        Text in the value or total column, or in the year column.
    DataFormatError
        Negative or infinite amounts, mixed units without ``to_unit``, missing
        units or years, high-tech exports above total exports, or a year
        lacking an exchange rate.
    DuplicateKeyError
        Several rows for one unit and year.
    EmptySampleError
        An empty table, no value at all, or a window with no data.
    SpecificationError
        A peer group of fewer than two units, a focus or reference that is
        not a peer, an unknown unit code or a malformed window.

    Warns
    -----
    DataCoverageWarning
        Growth (or the change of share and rank) left missing because the
        previous year is absent or has no value.

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.indicators.monitoring import monitor
    >>> df = pd.DataFrame({"province": ["A", "A", "B", "B"], "year": [2016, 2017] * 2,
    ...                    "ht": [10.0, 12.0, 11.0, 11.0]})
    >>> out = monitor(df, "province", "year", "ht", unit_of_value="USD_bn")
    >>> out.table[["province", "year", "growth_pct", "rank", "overtaken_by"]]
      province  year  growth_pct  rank overtaken_by
    0        A  2016         NaN     2         <NA>
    1        A  2017        20.0     1
    2        B  2016         NaN     1         <NA>
    3        B  2017         0.0     2            A
    """
    if not isinstance(frame, pd.DataFrame):
        raise SpecificationError(f"frame must be a pandas DataFrame, not {type(frame).__name__}")
    for col, arg in ((unit, "unit="), (time, "time="), (value, "value="),
                     *(((total, "total="),) if total is not None else ())):
        if col not in frame.columns:
            raise ColumnNotFoundError(
                f"column {col!r} is not in the table (columns: {list(frame.columns)}); pass the "
                f"right name as {arg}"
            )
    if frame.empty:
        raise EmptySampleError("the table is empty; give one row per unit and year")
    df = plain_index(frame).reset_index(drop=True)
    if df[unit].isna().any():
        raise DataFormatError(f"column {unit!r} is missing in {int(df[unit].isna().sum())} row(s); "
                              "give every row its unit or drop those rows")
    as_read = df if not pd.api.types.is_string_dtype(df[time]) else df.astype({time: object})
    years = year_numbers(as_read, time, unit, "table")
    if years.isna().any():
        raise DataFormatError(
            f"column {time!r} is missing in {int(years.isna().sum())} row(s) (e.g. units "
            f"{list(df.loc[years.isna(), unit].head(3))}); give every row its year"
        )
    dup = pd.Series(list(zip(df[unit], years, strict=True))).duplicated(keep=False)
    if dup.any():
        raise DuplicateKeyError(
            f"the table has {int(dup.sum())} rows sharing a unit and year, e.g. "
            f"{df.loc[dup.to_numpy(), [unit, time, value]].head(4).to_dict('records')}; keep one "
            f"row per {unit!r} and {time!r} (reconcile sources first with "
            "hitex.indicators.conflicts.reconcile)"
        )
    show = [unit, time]
    levels = harmonize(df, value, unit_of_value, to_unit=to_unit, time=time, rates=rates,
                       table="table", show=show)
    notes = list(levels.notes)
    work = pd.DataFrame({unit: df[unit], "year": years.astype(int), "level": levels.values})
    if work["level"].isna().all():
        raise EmptySampleError(f"column {value!r} has no values; there is nothing to monitor")
    if total is not None:
        tot = harmonize(df, total, unit_of_total if unit_of_total is not None else unit_of_value,
                        to_unit=to_unit, time=time, rates=rates, table="table", show=show)
        notes.extend(tot.notes)
        if tot.unit != levels.unit:
            tot = convert(tot.values, tot.unit, levels.unit, years=work["year"], rates=rates,
                          what=f"table column {total!r}")
            notes.extend(tot.notes)
        work["total"] = tot.values
        above = work["level"] > work["total"] * (1 + 1e-9)
        if above.any():
            raise DataFormatError(
                f"high-tech exports {value!r} exceed total exports {total!r} in "
                f"{int(above.sum())} row(s), e.g. "
                f"{df.loc[above, [unit, time, value, total]].head(3).to_dict('records')}; check "
                "that both columns are in the units stated (unit_of_value=, unit_of_total=)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            work["share_pct"] = np.where(work["total"] > 0,
                                         100.0 * work["level"] / work["total"], np.nan)
    order = np.lexsort((work["year"].to_numpy(), pd.factorize(work[unit], sort=True)[0]))
    work = work.iloc[order].reset_index(drop=True)

    all_units = set(work[unit])
    peer_list = _names(peers, "peers")
    if peer_list is not None:
        _check_known(peer_list, all_units, "peers", unit)
        peer_list = list(dict.fromkeys(peer_list))
        if len(peer_list) < 2:
            raise SpecificationError(
                f"peers={peer_list!r} is a peer group of one: ranks and gaps compare at least two "
                "units; add peers, or leave peers=None to rank every unit of the table"
            )
    elif len(all_units) >= 2:
        peer_list = sorted(all_units, key=str)
    focus_list = _names(focus, "focus")
    if focus_list is not None:
        _check_known(focus_list, all_units, "focus", unit)
        if peer_list is not None and (outside := [f for f in focus_list if f not in peer_list]):
            raise SpecificationError(f"focus {outside} is not in peers; add it to peers= or "
                                     "leave it out of focus=")
    if reference is not None:
        _check_known([reference], all_units, "reference", unit)
        if peer_list is None or reference not in peer_list:
            raise SpecificationError(f"reference={reference!r} is not in the peer group; add it to "
                                     "peers= (gaps are measured between peers)")

    win = _window(window, work.loc[work["level"].notna(), "year"])

    growth, growth_note, gaps = _growth(work, unit)
    work["growth_pct"] = growth
    work["growth_note"] = growth_note
    if total is not None:
        prev = _previous(work, unit, ["share_pct"])
        work["share_change_pp"] = (work["share_pct"] - prev["_prev_share_pct"]).astype("float64")
    if gaps:
        text = (f"growth, change of share and change of rank are missing where the previous year "
                f"is absent or has no value (never taken over a gap): {_joined(gaps)}")
        notes.append(text)
        warnings.warn(text, DataCoverageWarning, stacklevel=2)

    if peer_list is not None:
        ranked = _ranks(work, unit, peer_list, reference)
        work = pd.concat([work, ranked], axis=1)
        moves = _overtakes(work, unit, peer_list)
        work = pd.concat([work, moves], axis=1)
        notes.append(
            f"Ranks among {len(peer_list)} peers with a value in the year (1 = largest; equal "
            "levels share the smallest rank and are flagged in rank_tied); gaps measured from the "
            "leader's" + (f" and from {reference}'s" if reference is not None else "") + " level."
        )
    else:
        notes.append("One unit only: no ranks or gaps.")

    cagr = _cagr(work, unit, win)
    if win is None:
        span = (int(work.loc[work["level"].notna(), "year"].min()),
                int(work.loc[work["level"].notna(), "year"].max()))
        notes.append(f"CAGR from {span[0]} to {span[1]} (first and last year of the table), "
                     "from the two end values only.")
    elif win == "own":
        notes.append("CAGR from each unit's first to last year with a value, from the two end "
                     "values only.")
    else:
        notes.append(f"CAGR from {win[0]} to {win[1]}, from the two end values only.")

    if peer_list is not None:
        changes = work[(work["rank_change"].fillna(0) != 0)
                       | work["overtook"].fillna("").ne("")
                       | work["overtaken_by"].fillna("").ne("")]
        prev_rank = _previous(work, unit, ["rank"])["_prev_rank"]
        rank_changes = pd.DataFrame({
            unit: changes[unit], "year": changes["year"],
            "rank_before": prev_rank.loc[changes.index].astype("Int64"),
            "rank": changes["rank"], "rank_change": changes["rank_change"],
            "overtook": changes["overtook"], "overtaken_by": changes["overtaken_by"],
            "note": changes["_rank_note"]})
        work = work.drop(columns="_rank_note")
    else:
        rank_changes = pd.DataFrame(columns=[unit, "year", "rank_before", "rank", "rank_change",
                                             "overtook", "overtaken_by", "note"])
    if focus_list is not None:
        work = work[work[unit].isin(focus_list)]
        cagr = cagr[cagr[unit].isin(focus_list)]
        rank_changes = rank_changes[rank_changes[unit].isin(focus_list)]

    work = work.rename(columns={"year": time})
    rank_changes = rank_changes.rename(columns={"year": time})
    columns = [unit, time, "level", "growth_pct", "growth_note"]
    if total is not None:
        columns += ["total", "share_pct", "share_change_pp"]
    if peer_list is not None:
        columns += ["rank", "n_ranked", "rank_tied", "rank_change", "overtook", "overtaken_by",
                    "leader", "gap_to_leader", "gap_to_leader_pct"]
        if reference is not None:
            columns += ["gap_to_reference", "gap_to_reference_pct"]
    return Monitoring(
        table=work[columns].reset_index(drop=True),
        cagr=cagr.reset_index(drop=True),
        rank_changes=rank_changes.reset_index(drop=True),
        unit=levels.unit,
        notes=tuple(notes),
    )
