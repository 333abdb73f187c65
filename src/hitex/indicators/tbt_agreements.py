"""Trade agreements of a group of countries by TBT depth (study 001, Table 5).

Study 001's Table 5 sorts the bilateral free trade agreements of the Belt and
Road countries that entered into force in 2000-2020 and contain TBT
provisions by their TBT depth (1-6 there) into three tiers. :func:`agreements_by_depth`
does the same on DESTA's coding for any set of countries: every base treaty
with exactly two members (``bilateral=True``), at least one of them in the set,
an entry into force in ``window`` and a depth of at least 1, with its depth
(:func:`hitex.indicators.tbt_items.tbt_depth`) and tier
(:func:`hitex.indicators.tbt_items.depth_tier`). :func:`depth_counts` counts
them by depth score.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError
from hitex.indicators.tbt_items import TBT_ITEMS, depth_tier, require_columns, tbt_depth


def _member_set(value: object) -> frozenset[str]:
    if isinstance(value, (tuple, list, set, frozenset, np.ndarray)):
        return frozenset(str(v) for v in value)
    return frozenset()


def agreements_by_depth(coding: pd.DataFrame, countries: Iterable[str], *,
                        window: tuple[int, int] = (2000, 2020), bilateral: bool = True,
                        missing: str = "zero_if_no_provision") -> pd.DataFrame:
    """The agreements of ``countries`` with TBT provisions, their depth and tier.

    Parameters
    ----------
    coding : pandas.DataFrame
        DESTA's coding with members (:func:`hitex.data.desta.read_coding`).
    countries : iterable of str
        ISO3 codes; an agreement counts when one of its members is among them.
    window : (int, int), default (2000, 2020)
        Entry-into-force years (inclusive), study 001's sample years.
    bilateral : bool, default True
        Only agreements with exactly two members (study 001: bilateral FTAs).
    missing : str, default "zero_if_no_provision"
        How missing item codes count (:func:`hitex.indicators.tbt_items.tbt_depth`).

    Returns
    -------
    pandas.DataFrame
        ``agreement_id``, ``name``, ``members`` (``"AAA-BBB"``),
        ``entry_into_force``, ``depth`` and ``tier``, deepest first.

    Raises
    ------
    ColumnNotFoundError
        ``coding`` lacks a needed column.
    SpecificationError
        ``countries`` is empty or ``window`` is not two ordered years.
    """
    wanted = {str(c).upper() for c in countries}
    if not wanted:
        raise SpecificationError("countries is empty; give the ISO3 codes whose agreements "
                                 "to list (e.g. hitex.data.countries.members('bri')).")
    if len(window) != 2 or window[0] > window[1]:
        raise SpecificationError(f"window={window!r} must be two years, first <= last, e.g. "
                                 "(2000, 2020).")
    require_columns(coding, ["agreement_id", "name", "entry_into_force", "members", *TBT_ITEMS],
                    "The DESTA coding", "Read it with hitex.data.desta.read_coding().")
    c = coding.loc[coding["entry_type"] == "base_treaty"] if "entry_type" in coding else coding
    sets = c["members"].map(_member_set)
    eif = pd.to_numeric(c["entry_into_force"], errors="coerce")
    keep = sets.map(lambda m: bool(m & wanted)) & eif.between(*window)
    if bilateral:
        keep &= sets.map(len) == 2
    chosen = c.loc[keep]
    if chosen.empty:
        return pd.DataFrame(columns=["agreement_id", "name", "members", "entry_into_force",
                                     "depth", "tier"])
    depth = tbt_depth(chosen, missing=missing)  # type: ignore[arg-type]
    out = pd.DataFrame({
        "agreement_id": chosen["agreement_id"].to_numpy(),
        "name": chosen["name"].to_numpy(),
        "members": ["-".join(sorted(m)) for m in sets.loc[keep]],
        "entry_into_force": eif.loc[keep].astype("Int64").to_numpy(),
        "depth": depth["depth"].to_numpy(),
    })
    out = out.loc[out["depth"].fillna(0) >= 1].reset_index(drop=True)
    out["tier"] = depth_tier(out["depth"].astype("float64")).to_numpy()
    return out.sort_values(["depth", "entry_into_force", "members"],
                           ascending=[False, True, True]).reset_index(drop=True)


def depth_counts(agreements: pd.DataFrame, *, examples: int = 4) -> pd.DataFrame:
    """Number of agreements by depth score (deepest first), with the first few named."""
    rows = []
    for depth, group in agreements.groupby("depth", sort=True):
        names = list(group["members"])
        shown = ", ".join(names[:examples]) + (f", ... ({len(names) - examples} more)"
                                               if len(names) > examples else "")
        rows.append({"depth": int(depth), "tier": str(group["tier"].iloc[0]),
                     "agreements": len(group), "members (first)": shown})
    return pd.DataFrame(rows).sort_values("depth", ascending=False).reset_index(drop=True)


__all__ = ["agreements_by_depth", "depth_counts"]
