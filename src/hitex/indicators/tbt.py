r"""The pair-year FTA/TBT-depth panel of study 001.

For exporter :math:`i`, importer :math:`j` and year :math:`t`, with
:math:`A_{ijt}` the agreements in force for the pair,

.. math::

    \mathrm{FTA}_{ijt} = \mathbf{1}[A_{ijt} \neq \emptyset], \qquad
    \mathrm{Depth}_{ijt} = \max_{a \in A_{ijt}} \mathrm{Depth}_a .

A pair's membership runs from its entry-into-force year (an accession's own
year) up to, not including, the year of its withdrawal from the same treaty.

The depth :math:`\mathrm{Depth}_a` of one agreement and its tier are computed
in :mod:`hitex.indicators.tbt_items` (:func:`tbt_depth`, :func:`depth_tier`),
the check of study 001's Table 6 in :mod:`hitex.indicators.tbt_table6`; their
public names are re-exported here.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from hitex.errors import (
    DataCoverageWarning,
    EmptySampleError,
    HitexError,
)
from hitex.indicators._keys import key_text, year_numbers
from hitex.indicators.tbt_items import (  # noqa: F401 - MissingRule re-exported
    TBT_ITEM_RANGES,
    TBT_ITEMS,
    TIERS,
    MissingRule,
    depth_tier,
    numeric_codes,
    quote_ids,
    require_columns,
    require_unique,
    tbt_depth,
)
from hitex.indicators.tbt_table6 import (  # noqa: F401 - re-exported
    Table6Check,
    check_study001_table6,
    study001_table6,
)

__all__ = ["TBT_ITEMS", "TBT_ITEM_RANGES", "TIERS", "tbt_depth", "depth_tier", "pair_year_panel"]


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
            f"{quote_ids(list(ids)[:5], 5) or 'no rows'} and dyads has "
            f"{quote_ids(listed_ids.unique()[:5], 5)} in column 'agreement_id'. Use the same "
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
    require_columns(agreements, ["agreement_id", "depth"], "agreements", fix)
    require_columns(dyads, ["agreement_id", "iso3_1", "iso3_2", "entry_into_force"], "dyads", fix)
    require_columns(withdrawals, ["base_treaty", "iso3_1", "iso3_2", "year"], "withdrawals", fix)
    if unknown_depth not in ("lower_bound", "missing"):
        raise HitexError(f"unknown_depth={unknown_depth!r} is not 'lower_bound' or 'missing'.")
    agreement_ids = _ids(agreements["agreement_id"])
    require_unique(pd.DataFrame({"agreement_id": agreement_ids}), "agreement_id", "agreements")
    depth_of = pd.Series(numeric_codes(agreements, "depth", "agreement_id", "agreements").to_numpy(),
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
        f"without a row in the depth table were not counted ({quote_ids(notes['unlisted_agreements'], 5)}):"
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
