r"""TBT depth of trade agreements and the pair-year FTA/depth panel of study 001.

Depth of an agreement
---------------------
Study 001 (Table 4) scores the technical-barriers-to-trade (TBT) chapter of an
agreement :math:`a` from six DESTA items; DESTA's seventh item, ``tbt_prov``
("has a TBT chapter or provisions"), is dropped because every agreement of the
study has one:

.. math::

    \mathrm{Depth}_a = \mathrm{wto}_a + \mathrm{coop}_a + \mathrm{distort}_a
                     + \mathrm{dispute}_a + \mathrm{intstand}_a + \mathrm{harmon}_a,
    \qquad \mathrm{Depth}_a \in \{0, \dots, 8\},

with the first five items 0/1 and harmonisation 0 (none), 1 (general goal),
2 (selected sectors) or 3 (full). Tiers follow study 001, Table 5: ``'5-6'``
(first tier), ``'3-4'`` (second), ``'1-2'`` (third), plus ``'0'``. The study
saw no agreement above 6 and defines no tier for 7-8; hitex gives such
agreements their own tier ``'7-8'`` rather than folding them into ``'5-6'``.

Missing item codes are never read as 0: the agreement's depth and tier stay
missing, ``missing_items`` names the items and a
:class:`~hitex.errors.DataCoverageWarning` lists the agreements (or
``missing='raise'``). ``missing='zero_if_no_provision'`` sets the items of
agreements coded ``tbt_prov = 0`` to 0, flagged in ``items_imputed`` (DESTA
codes all six items 0 for every such agreement it codes in full: 322 in 2.03).

Pair-year panel
---------------
For exporter :math:`i`, importer :math:`j` and year :math:`t`, with
:math:`A_{ijt}` the agreements in force for the pair,

.. math::

    \mathrm{FTA}_{ijt} = \mathbf{1}[A_{ijt} \neq \emptyset], \qquad
    \mathrm{Depth}_{ijt} = \max_{a \in A_{ijt}} \mathrm{Depth}_a .

A pair's membership runs from its entry-into-force year (an accession's own
year) up to, not including, the year of its withdrawal from the same treaty.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    NonNumericError,
)
from hitex.indicators._keys import key_text, year_numbers

__all__ = ["TBT_ITEMS", "TBT_ITEM_RANGES", "TIERS", "tbt_depth", "depth_tier", "pair_year_panel"]

TBT_ITEMS = ("tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand", "tbt_harmon")
"""The six DESTA items summed into the depth (study 001, Table 4 without ``tbt_prov``)."""

TBT_ITEM_RANGES: dict[str, tuple[int, int]] = {
    "tbt_prov": (0, 1), "tbt_wto": (0, 1), "tbt_coop": (0, 1), "tbt_distort": (0, 1),
    "tbt_dispute": (0, 1), "tbt_intstand": (0, 1), "tbt_harmon": (0, 3),
}
"""Allowed whole-number codes of each DESTA TBT item (inclusive)."""

TIERS: tuple[str, ...] = ("0", "1-2", "3-4", "5-6", "7-8")
"""Depth tiers, lowest first (study 001, Table 5, plus ``'0'`` and ``'7-8'``)."""

MissingRule = Literal["report", "raise", "zero_if_no_provision"]


# ----------------------------------------------------------------------------- helpers


def _require(frame: object, columns: Iterable[str], what: str, fix: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise HitexError(f"{what} must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{what} lacks the column(s) {', '.join(map(repr, missing))}; it has "
            f"{', '.join(map(str, frame.columns))}. {fix}"
        )
    return frame


def _numeric(frame: pd.DataFrame, col: str, id_col: str, what: str) -> pd.Series:
    values = frame[col]
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    out = pd.to_numeric(values, errors="coerce")
    text = out.isna() & values.notna()
    if text.any():
        shown = ", ".join(f"{i!r}: {v!r}" for i, v in
                          zip(frame.loc[text, id_col][:5], values[text][:5], strict=True))
        raise NonNumericError(
            f"{what} column {col!r} holds text ({shown}). Recode it as numbers "
            "(missing cells may stay empty)."
        )
    return out.astype("float64")


def _unique(frame: pd.DataFrame, col: str, what: str) -> None:
    if (dupes := frame[col].duplicated(keep=False)).any():
        raise DuplicateKeyError(f"{what} has several rows for agreement(s) "
                                f"{_names(frame.loc[dupes, col].unique())} in column {col!r}. Keep "
                                f"one row per agreement (e.g. drop_duplicates({col!r})).")


def _names(ids: Iterable[object], limit: int = 10) -> str:
    ids = list(ids)
    head = ", ".join(map(repr, ids[:limit]))
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# ----------------------------------------------------------------------------- depth


def depth_tier(depth: pd.Series | Iterable[float]) -> pd.Series:
    """Map depth scores to the tiers :data:`TIERS` (0, 1-2, 3-4, 5-6, 7-8).

    Parameters
    ----------
    depth : Series or iterable of numbers
        Depth scores; missing values stay missing.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories :data:`TIERS`.

    Raises
    ------
    DataFormatError
        A score is not a whole number between 0 and 8.
    """
    values = depth if isinstance(depth, pd.Series) else pd.Series(list(depth), dtype=object)
    numbers = _numeric(pd.DataFrame({"depth": values, "id": values.index}), "depth", "id", "depth")
    bad = numbers.notna() & ((numbers % 1 != 0) | (numbers < 0) | (numbers > 8))
    if bad.any():
        raise DataFormatError(f"Depth scores must be whole numbers from 0 to 8; got "
                              f"{_names(numbers[bad].unique())}. Compute them with tbt_depth().")
    codes = np.select([numbers == 0, numbers <= 2, numbers <= 4, numbers <= 6, numbers <= 8],
                      [0, 1, 2, 3, 4], default=-1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(TIERS), ordered=True),
                     index=values.index, name="tier")


def tbt_depth(
    coding: pd.DataFrame,
    *,
    id_col: str = "agreement_id",
    missing: MissingRule = "report",
) -> pd.DataFrame:
    r"""Compute the TBT depth of each agreement (study 001, Tables 4-5).

    .. math::

        \mathrm{Depth}_a = \mathrm{wto}_a + \mathrm{coop}_a + \mathrm{distort}_a
                         + \mathrm{dispute}_a + \mathrm{intstand}_a + \mathrm{harmon}_a
                         \in \{0, \dots, 8\}

    Parameters
    ----------
    coding : DataFrame
        One row per agreement with ``id_col`` and the :data:`TBT_ITEMS` (DESTA's
        names, e.g. from :func:`hitex.data.desta.read_coding`); ``tbt_prov`` is
        optional (checked when present, needed for ``'zero_if_no_provision'``).
    id_col : str, default 'agreement_id'
        Column identifying the agreement; must be unique.
    missing : {'report', 'raise', 'zero_if_no_provision'}, default 'report'
        What to do with missing item codes (see the module docstring): leave the
        depth missing and warn, raise, or set the items of ``tbt_prov = 0``
        agreements to 0 and report the rest.

    Returns
    -------
    pandas.DataFrame
        The input columns (items as nullable integers) plus ``depth`` (nullable
        integer, missing when an item is missing), ``tier`` (ordered categorical,
        :data:`TIERS`), ``missing_items`` (comma-separated item names, ``''`` when
        complete) and ``items_imputed`` (True where ``'zero_if_no_provision'``
        filled items).

    Raises
    ------
    ColumnNotFoundError
        ``id_col`` or an item column is absent.
    DuplicateKeyError
        An agreement id occurs twice.
    NonNumericError
        An item column holds text.
    DataFormatError
        An item code is not a whole number in its range (0/1, harmonisation
        0-3); the message names the agreement and the item. Also raised for
        missing codes with ``missing='raise'``.
    """
    needed = [id_col, *TBT_ITEMS] + (["tbt_prov"] if missing == "zero_if_no_provision" else [])
    _require(coding, needed, "The TBT coding",
             "Read it with hitex.data.desta.read_coding() or rename your columns to DESTA's names.")
    if missing not in ("report", "raise", "zero_if_no_provision"):
        raise HitexError(f"missing={missing!r} is not one of 'report', 'raise', 'zero_if_no_provision'.")
    _unique(coding, id_col, "The TBT coding")
    out = coding.copy()
    items = [c for c in TBT_ITEM_RANGES if c in out.columns]
    for item in items:
        values = _numeric(out, item, id_col, "The TBT coding")
        low, high = TBT_ITEM_RANGES[item]
        bad = values.notna() & ((values % 1 != 0) | (values < low) | (values > high))
        if bad.any():
            ids, vals = out.loc[bad, id_col].tolist(), values[bad].tolist()
            also = ", ".join(f"{i!r}: {v:g}" for i, v in zip(ids[1:6], vals[1:6], strict=True))
            raise DataFormatError(
                f"Agreement {ids[0]!r} has {item} = {vals[0]:g}, outside the codes {low}-{high}"
                f"{f' (also {also})' if also else ''}. Correct {item} in the coding "
                f"(whole numbers {low}-{high})."
            )
        out[item] = values.astype("Int64")

    imputed = pd.Series(False, index=out.index)
    if missing == "zero_if_no_provision":
        no_chapter = out["tbt_prov"].eq(0).fillna(False)
        imputed = no_chapter & out[list(TBT_ITEMS)].isna().any(axis=1)
        for item in TBT_ITEMS:
            out.loc[no_chapter, item] = out.loc[no_chapter, item].fillna(0)

    gaps = out[list(TBT_ITEMS)].isna()
    missing_items = gaps.apply(lambda row: ",".join(i for i in TBT_ITEMS if row[i]), axis=1)
    incomplete = gaps.any(axis=1)
    if incomplete.any():
        ids = out.loc[incomplete, id_col].tolist()
        message = (
            f"{len(ids)} agreement(s) lack TBT item codes, so their depth is left missing "
            f"(not counted as 0): {_names(ids)}. The column 'missing_items' names the items; "
            "fill them from the treaty texts, drop the agreements"
        )
        if missing == "raise":
            raise DataFormatError(message + ", or pass missing='report'.")
        warnings.warn(message + ".", DataCoverageWarning, stacklevel=2)

    depth = out[list(TBT_ITEMS)].sum(axis=1, min_count=1).astype("Int64")
    out["depth"] = depth.mask(incomplete)
    out["tier"] = depth_tier(out["depth"].astype("float64"))
    out["missing_items"] = missing_items.astype("string") if len(out) else pd.Series(dtype="string")
    out["items_imputed"] = imputed.astype(bool)
    return out


# ----------------------------------------------------------------------------- pair-year panel


def _years(years: Iterable[int]) -> np.ndarray:
    try:
        values = np.array(sorted({int(y) for y in years}), dtype=np.int64)
    except (TypeError, ValueError):
        raise HitexError(f"years must be whole numbers, e.g. range(1990, 2021); got {years!r}.") from None
    if values.size == 0:
        raise EmptySampleError("years is empty; pass the panel years, e.g. range(1990, 2021).")
    return values


def _ids(values: pd.Series) -> pd.Series:
    """Agreement or treaty ids as text: 12, 12.0 and "12" are the same id."""
    return key_text(values).astype("string")


def _ordered(frame: pd.DataFrame, c1: str, c2: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = frame[c1].astype(str).to_numpy(), frame[c2].astype(str).to_numpy()
    return np.where(x < y, x, y), np.where(x < y, y, x)


def _spells(dyads: pd.DataFrame, withdrawals: pd.DataFrame, ids: pd.Index) -> tuple[pd.DataFrame, dict]:
    """Unordered-pair membership spells [start, end) of the agreements in ``ids``."""
    treaty = dyads["base_treaty"] if "base_treaty" in dyads.columns else dyads["agreement_id"]
    d = pd.DataFrame({"agreement_id": _ids(dyads["agreement_id"]), "treaty": _ids(treaty),
                      "i1": dyads["iso3_1"].astype("string"), "i2": dyads["iso3_2"].astype("string"),
                      "start": year_numbers(dyads, "entry_into_force", "agreement_id", "dyads")})
    unlisted = ~d["agreement_id"].isin(ids)
    listed_ids = d["agreement_id"].dropna()
    if len(listed_ids) and not listed_ids.isin(ids).any():
        raise EmptySampleError(
            "No agreement id matched between the agreements and dyads tables: agreements has "
            f"{_names(list(ids)[:5], 5) or 'no rows'} and dyads has "
            f"{_names(listed_ids.unique()[:5], 5)} in column 'agreement_id'. Use the same "
            "agreement ids in both tables (12, 12.0 and '12' count as the same id)."
        )
    no_iso = d["i1"].isna() | d["i2"].isna()
    notes = {"dyads_of_unlisted_agreements": int(unlisted.sum()),
             "unlisted_agreements": sorted(d.loc[unlisted, "agreement_id"].dropna().unique().tolist()),
             "dyads_without_iso3": int((no_iso & ~unlisted).sum()),
             "dyads_without_entry_into_force": int((d["start"].isna() & ~unlisted).sum())}
    d = d.loc[~(unlisted | no_iso) & d["start"].notna()].reset_index(drop=True)
    d["a"], d["b"] = _ordered(d, "i1", "i2")
    d = d.loc[d["a"] != d["b"]].drop(columns=["i1", "i2"]).reset_index(drop=True)

    w = withdrawals[["base_treaty", "iso3_1", "iso3_2", "year"]].dropna().reset_index(drop=True)
    first, second = _ordered(w, "iso3_1", "iso3_2")
    w = pd.DataFrame({"treaty": _ids(w["base_treaty"]), "a": first, "b": second,
                      "end": year_numbers(w, "year", "base_treaty", "withdrawals")})
    hits = d.reset_index().merge(w, on=["treaty", "a", "b"])
    hits = hits.loc[hits["end"] >= hits["start"]]  # a withdrawal ends spells begun by then
    d["end"] = hits.groupby("index")["end"].min().reindex(d.index)
    notes["spells_ended_by_withdrawal"] = int(d["end"].notna().sum())
    return d, notes


def pair_year_panel(
    agreements: pd.DataFrame,
    dyads: pd.DataFrame,
    withdrawals: pd.DataFrame,
    years: Iterable[int],
    *,
    countries: Iterable[str] | None = None,
    unknown_depth: Literal["lower_bound", "missing"] = "lower_bound",
    data_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    r"""Build the exporter x importer x year panel of FTA_ijt and Depth_ijt.

    .. math::

        \mathrm{FTA}_{ijt} = \mathbf{1}[A_{ijt} \neq \emptyset], \quad
        \mathrm{Depth}_{ijt} = \max_{a \in A_{ijt}} \mathrm{Depth}_a, \quad
        A_{ijt} = \{a : \mathrm{eif}_{a,ij} \le t < \mathrm{wd}_{a,ij}\},

    where :math:`\mathrm{eif}_{a,ij}` is the year the pair's membership of
    :math:`a` enters into force and :math:`\mathrm{wd}_{a,ij}` the year of the
    first withdrawal of the pair from the same treaty (:math:`\infty` if none).

    Parameters
    ----------
    agreements : DataFrame
        The agreements to count, with ``agreement_id`` and ``depth`` (missing
        allowed), e.g. :func:`tbt_depth` of DESTA's coding, filtered to the
        agreements of interest (study 001: bilateral agreements with a TBT chapter).
    dyads : DataFrame
        Country pairs of each agreement: ``agreement_id``, ``iso3_1``, ``iso3_2``,
        ``entry_into_force`` and optionally ``base_treaty`` (as from
        :func:`hitex.data.desta.read_dyads`). Pairs are unordered; a plurilateral
        agreement has one row per pair of members. ``entry_into_force`` is a
        year (whole number) or a date (``datetime64``, ``Period``), of which the
        year is taken; so is the ``year`` of ``withdrawals``. Agreement and
        treaty ids are compared as text, with 12, 12.0 and ``"12"`` the same id.
    withdrawals : DataFrame
        ``base_treaty``, ``iso3_1``, ``iso3_2`` and ``year`` (first year without the
        agreement), as from :func:`hitex.data.desta.read_withdrawals`. It ends
        every spell of the pair in that treaty (``base_treaty`` of the dyads, or
        ``agreement_id`` when they have none) that began in or before ``year``.
    years : iterable of int
        Years of the panel.
    countries : iterable of str, optional
        The panel's economies; default: every code in ``dyads``. Codes found in
        ``dyads`` may be in any case; other entries (ISO3, ISO2, English names)
        go through :func:`hitex.data.countries.resolve`, which raises for
        unknown ones. All ordered pairs of distinct economies appear, also those
        never in an agreement (FTA = 0).
    unknown_depth : {'lower_bound', 'missing'}, default 'lower_bound'
        When an agreement in force has a missing depth: take the maximum over the
        agreements with a known depth (a lower bound; missing if none is known),
        or make ``depth`` missing. ``n_depth_unknown`` counts such agreements
        either way.
    data_dir : path-like, optional
        Data bundle folder for :func:`hitex.data.countries.resolve`.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``exporter, importer, year``, both directions of every pair:
        ``fta`` (0/1), ``depth`` (float; missing when ``fta`` is 0 or unknown),
        ``depth_x_fta`` (depth where ``fta`` is 1, 0 where it is 0),
        ``n_agreements`` (distinct treaties in force: a consolidated version or an
        accession counts with its base treaty when ``base_treaty`` is given),
        ``n_depth_unknown`` and ``deepest_agreement`` (id; ties go to the earliest
        entry into force, then the smallest id). ``attrs['coverage']`` records the
        dyads left out (no ISO3, no entry-into-force year, agreement not in
        ``agreements``) and the spells ended by withdrawals.

    Raises
    ------
    ColumnNotFoundError, DuplicateKeyError, NonNumericError, EmptySampleError
        Missing columns, duplicated agreement ids, text in ``depth`` or no years;
        also no agreement id of ``dyads`` found in ``agreements`` (the message
        shows ids of both).
    DataFormatError
        An entry-into-force or withdrawal year that is not a whole year
        between 1000 and 9999 (such as a date stored as a number).
    HitexError
        An entry of ``countries`` is not a known economy (the message names it).
    """
    fix = "Build it with hitex.data.desta (read_coding + tbt_depth, read_dyads, read_withdrawals)."
    _require(agreements, ["agreement_id", "depth"], "agreements", fix)
    _require(dyads, ["agreement_id", "iso3_1", "iso3_2", "entry_into_force"], "dyads", fix)
    _require(withdrawals, ["base_treaty", "iso3_1", "iso3_2", "year"], "withdrawals", fix)
    if unknown_depth not in ("lower_bound", "missing"):
        raise HitexError(f"unknown_depth={unknown_depth!r} is not 'lower_bound' or 'missing'.")
    agreement_ids = _ids(agreements["agreement_id"])
    _unique(pd.DataFrame({"agreement_id": agreement_ids}), "agreement_id", "agreements")
    depth_of = pd.Series(_numeric(agreements, "depth", "agreement_id", "agreements").to_numpy(),
                         index=agreement_ids)
    yrs = _years(years)
    y0, y1 = int(yrs[0]), int(yrs[-1])
    ny = y1 - y0 + 1

    spells, notes = _spells(dyads, withdrawals, depth_of.index)
    codes = (sorted(set(spells["a"]) | set(spells["b"])) if countries is None
             else _economies(countries, dyads, data_dir))
    if not codes:
        raise EmptySampleError(
            "No economies for the panel: dyads is empty and no countries were given." if dyads.empty
            else "No economies for the panel: no dyad row of a listed agreement has two different "
            "ISO3 codes and an entry-into-force year. Fill iso3_1, iso3_2 and entry_into_force "
            "in dyads, or pass countries=.")
    n = len(codes)
    pos = {c: k for k, c in enumerate(codes)}

    # spells -> one row per (unordered pair, year) in the window
    s = spells.assign(ka=spells["a"].map(pos), kb=spells["b"].map(pos)).dropna(subset=["ka", "kb"])
    first = np.maximum(s["start"].to_numpy(dtype=float), y0)
    last = np.minimum(s["end"].fillna(np.inf).to_numpy(dtype=float) - 1, y1)
    live = first <= last
    s, first, last = s.loc[live], first[live].astype(np.int64), last[live].astype(np.int64)
    counts = last - first + 1
    rows = np.repeat(np.arange(len(s)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    pair = (s["ka"].to_numpy(dtype=np.int64) * n + s["kb"].to_numpy(dtype=np.int64))[rows]
    long = pd.DataFrame({"key": pair * ny + (np.repeat(first, counts) + offset - y0),
                         "agreement_id": s["agreement_id"].to_numpy()[rows],
                         "treaty": s["treaty"].to_numpy()[rows],
                         "start": s["start"].to_numpy(dtype=float)[rows]})
    long["depth"] = long["agreement_id"].map(depth_of).astype("float64")

    size = n * n * ny  # dense arrays indexed by unordered pair x year
    n_agree = np.bincount(long.drop_duplicates(["key", "treaty"])["key"], minlength=size)
    unknown = long.loc[long["depth"].isna()].drop_duplicates(["key", "agreement_id"])["key"]
    n_unknown = np.bincount(unknown, minlength=size)
    best = long.dropna(subset=["depth"]).sort_values(
        ["key", "depth", "start", "agreement_id"], ascending=[True, False, True, True])
    best = best.drop_duplicates("key")
    depth = np.full(size, np.nan)
    depth[best["key"].to_numpy()] = best["depth"].to_numpy()
    deepest = np.full(size, None, dtype=object)
    deepest[best["key"].to_numpy()] = best["agreement_id"].to_numpy()
    if unknown_depth == "missing":
        depth[n_unknown > 0] = np.nan
        deepest[n_unknown > 0] = None

    # the full grid of ordered pairs, both directions
    ex, im = np.divmod(np.arange(n * n), n)
    ex, im = ex[ex != im], im[ex != im]
    sel = yrs - y0
    ex_r, im_r = np.repeat(ex, len(sel)), np.repeat(im, len(sel))
    t = np.tile(sel, len(ex))
    idx = (np.minimum(ex_r, im_r) * n + np.maximum(ex_r, im_r)) * ny + t
    names = np.array(codes, dtype=object)
    fta = (n_agree[idx] > 0).astype(np.int64)
    out = pd.DataFrame({
        "exporter": pd.array(names[ex_r], dtype="string"), "importer": pd.array(names[im_r], dtype="string"),
        "year": (t + y0).astype(np.int64), "fta": fta, "depth": depth[idx],
        "depth_x_fta": np.where(fta == 1, depth[idx], 0.0), "n_agreements": n_agree[idx],
        "n_depth_unknown": n_unknown[idx], "deepest_agreement": pd.array(deepest[idx], dtype="string"),
    })
    notes["pair_years_with_unknown_depth"] = int((out["n_depth_unknown"] > 0).sum() // 2)
    _warn_coverage(notes)
    out.attrs["coverage"] = notes
    return out


def _economies(countries: Iterable[str], dyads: pd.DataFrame,
               data_dir: str | os.PathLike[str] | None) -> list[str]:
    """ISO3 codes of ``countries``: codes of ``dyads`` in any case, other entries resolved."""
    entries = [str(c).strip() for c in ([countries] if isinstance(countries, str) else countries)]
    known = set(dyads["iso3_1"].dropna().astype(str)) | set(dyads["iso3_2"].dropna().astype(str))
    rest = [c for c in entries if c.upper() not in known]
    if rest:
        from hitex.data.countries import resolve

        rest = resolve(rest, data_dir)  # raises naming the unknown entries
    return sorted({c.upper() for c in entries if c.upper() in known} | set(rest))


def _warn_coverage(notes: dict) -> None:
    texts = {
        "dyads_of_unlisted_agreements": f"dyad rows of {len(notes['unlisted_agreements'])} agreement(s) "
        f"without a row in the depth table were not counted ({_names(notes['unlisted_agreements'], 5)}):"
        " DESTA has no TBT coding for them (or they were filtered out), so pairs linked only by "
        "them have FTA = 0",
        "dyads_without_entry_into_force": "dyad rows have no entry-into-force year and never count",
        "dyads_without_iso3": "dyad rows have no ISO3 code and were left out",
        "pair_years_with_unknown_depth": "pair-years have an agreement of unknown depth in force "
        "(see n_depth_unknown)",
    }
    parts = [f"{notes[key]} {text}" for key, text in texts.items() if notes[key]]
    if parts:
        warnings.warn("FTA/Depth panel: " + "; ".join(parts) + ".", DataCoverageWarning, stacklevel=3)


def __getattr__(name: str) -> object:  # study 001's Table 6 check lives in tbt_table6
    if name in ("study001_table6", "check_study001_table6", "Table6Check"):
        from hitex.indicators import tbt_table6

        return getattr(tbt_table6, name)
    raise AttributeError(f"module 'hitex.indicators.tbt' has no attribute {name!r}")
