r"""Study 001, Table 6: China's agreements, their printed TBT items and DESTA's codings.

:func:`check_study001_table6` recomputes the depth of China's agreements from the
item codes printed in study 001's Table 6 (shipped as package data), reports
rows whose printed depth differs from the sum of their printed items, and lists
the items where the study's coding differs from DESTA's for the same agreement.
A study's own typo is reported, never reproduced.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from hitex.errors import DataCoverageWarning
from hitex.indicators.tbt_items import TBT_ITEMS, quote_ids, require_columns, tbt_depth

__all__ = ["study001_table6", "check_study001_table6", "Table6Check"]

_TABLE6_FILE = "study001_table6.csv"


def study001_table6() -> pd.DataFrame:
    """Return study 001's Table 6 as printed (China's 11 bilateral FTAs).

    Returns
    -------
    pandas.DataFrame
        ``row`` (the study's row order), ``partner_zh`` (as printed),
        ``partner_en``, ``partner_iso3``, the six :data:`TBT_ITEMS` as printed,
        ``depth_printed`` (the printed "TBT条款深度") and ``depth_table5`` (the
        score under which Table 5 lists the agreement). The file's header names
        the source; these are the study's printed numbers, for comparison only.
    """
    source = resources.files("hitex.indicators") / "resources" / _TABLE6_FILE
    with source.open("r", encoding="utf-8") as handle:
        text = {c: "string" for c in ("partner_zh", "partner_en", "partner_iso3")}
        return pd.read_csv(handle, comment="#", dtype=text)


@dataclass(frozen=True)
class Table6Check:
    """Result of :func:`check_study001_table6`.

    Attributes
    ----------
    table : DataFrame
        Per Table 6 row: printed items and depths, ``depth_items`` (sum of the printed
        items), ``printed_matches_items``; with a coding also the matched DESTA entry
        (``desta_id``, ``desta_name``, ``desta_entry_into_force``, ``desta_candidates``),
        its items ``desta_<item>``, ``desta_depth`` and ``n_item_disagreements``.
    inconsistent : DataFrame
        The rows whose printed depth differs from the sum of their printed items.
    disagreements : DataFrame
        One row per (row, item) where study and DESTA differ: ``row``, ``partner_en``,
        ``partner_iso3``, ``desta_id``, ``item``, ``study``, ``desta``.
    """

    table: pd.DataFrame
    inconsistent: pd.DataFrame
    disagreements: pd.DataFrame

    def summary(self) -> str:
        """Describe the findings in a few lines of text."""
        lines = [f"Table 6 row {r.row} ({r.partner_en}): printed depth {r.depth_printed} but its "
                 f"items sum to {r.depth_items} (Table 5 lists it under {r.depth_table5})."
                 for r in self.inconsistent.itertuples(index=False)]
        lines = lines or ["Every printed depth of Table 6 equals the sum of its printed items."]
        lines += [f"{r.partner_en} (DESTA {r.desta_id}): {r.item} study {r.study}, DESTA {r.desta}."
                  for r in self.disagreements.itertuples(index=False)]
        if "desta_id" in self.table.columns and self.table["desta_id"].isna().any():
            missing = self.table.loc[self.table["desta_id"].isna(), "partner_en"]
            lines.append(f"No DESTA agreement found for: {', '.join(missing)}.")
        return "\n".join(lines)


def _match_desta(coding: pd.DataFrame, country: str, window: tuple[int, int]) -> pd.DataFrame:
    """One row per partner: the earliest DESTA base treaty of ``country`` and the partner."""
    require_columns(coding, ["agreement_id", "name", "entry_into_force", "members", *TBT_ITEMS],
                    "The DESTA coding", "Read it with hitex.data.desta.read_coding().")
    c = coding.loc[coding["entry_type"] == "base_treaty"] if "entry_type" in coding else coding
    eif = pd.to_numeric(c["entry_into_force"], errors="coerce").astype("float64")
    members = [set(m) if isinstance(m, tuple | list | set | frozenset | np.ndarray) else set()
               for m in c["members"]]
    partner = [next(iter(m - {country})) if len(m) == 2 and country in m else None for m in members]
    c = c.assign(partner_iso3=pd.array(partner, dtype="string"), _eif=eif)
    c = c.loc[c["partner_iso3"].notna() & eif.between(*window)]
    c = c.sort_values(["partner_iso3", "_eif", "agreement_id"])
    out = c.drop_duplicates("partner_iso3").rename(columns={i: f"desta_{i}" for i in TBT_ITEMS})
    out = out.rename(columns={"agreement_id": "desta_id", "name": "desta_name"})
    out["desta_entry_into_force"] = out["_eif"].astype("Int64")
    out["desta_candidates"] = out["partner_iso3"].map(c["partner_iso3"].value_counts())
    cols = ["desta_id", "desta_name", "desta_entry_into_force", "desta_candidates"]
    return out[["partner_iso3", *cols, *(f"desta_{i}" for i in TBT_ITEMS)]]


def check_study001_table6(
    coding: pd.DataFrame | None = None,
    *,
    window: tuple[int, int] = (2000, 2020),
    country: str = "CHN",
) -> Table6Check:
    r"""Check study 001's Table 6 against itself and against DESTA's coding.

    Two checks: (1) for every row, the printed depth against the sum of the
    printed items, :math:`\mathrm{Depth} = \sum_{k} \mathrm{item}_k` over
    :data:`TBT_ITEMS` (a row where they differ is reported, never corrected);
    (2) when ``coding`` is given, every printed item against DESTA's code for the
    same agreement, found by partner and year: the DESTA base treaty whose
    members are exactly ``country`` and the partner and whose entry into force
    lies in ``window`` (the study's sample years); the earliest if several.

    Parameters
    ----------
    coding : DataFrame, optional
        DESTA's coding with members, as from :func:`hitex.data.desta.read_coding`
        (``agreement_id``, ``name``, ``entry_into_force``, ``members``, the items,
        optionally ``entry_type``). Without it only check (1) runs.
    window : (int, int), default (2000, 2020)
        Entry-into-force years allowed for the match (inclusive).
    country : str, default 'CHN'
        The country whose agreements Table 6 lists.

    Returns
    -------
    Table6Check
        ``table``, ``inconsistent`` and ``disagreements``; ``summary()`` prints them.

    Raises
    ------
    ColumnNotFoundError
        ``coding`` lacks a needed column.
    DataFormatError
        A matched DESTA code is out of range (via :func:`tbt_depth`).
    """
    table = study001_table6()
    table["depth_items"] = table[list(TBT_ITEMS)].sum(axis=1).astype("int64")
    table["printed_matches_items"] = table["depth_printed"] == table["depth_items"]
    keep = ["row", "partner_zh", "partner_en", "partner_iso3", "depth_printed", "depth_items",
            "depth_table5"]
    disagreements = pd.DataFrame(columns=["row", "partner_en", "partner_iso3", "desta_id", "item",
                                          "study", "desta"])
    if coding is not None:
        table = table.merge(_match_desta(coding, country, window), on="partner_iso3", how="left")
        table["desta_candidates"] = table["desta_candidates"].fillna(0).astype("int64")
        found = table["desta_id"].notna()
        desta = table[[f"desta_{i}" for i in TBT_ITEMS]].set_axis(list(TBT_ITEMS), axis=1)
        checked = tbt_depth(desta.loc[found].assign(agreement_id=table.loc[found, "desta_id"]))
        table["desta_depth"] = checked["depth"].reindex(table.index).astype("Int64")
        differs = desta.ne(table[list(TBT_ITEMS)]).astype(bool) & desta.notna()
        table["n_item_disagreements"] = differs.sum(axis=1).where(found).astype("Int64")
        keep += ["desta_id", "desta_depth"]
        pairs = [(i, item) for i in table.index for item in TBT_ITEMS if differs.at[i, item]]
        disagreements = pd.DataFrame(
            [(*table.loc[i, ["row", "partner_en", "partner_iso3", "desta_id"]], item,
              int(table.at[i, item]), int(desta.at[i, item])) for i, item in pairs],
            columns=disagreements.columns)
        if not found.all():
            warnings.warn(
                f"No DESTA base treaty of {country} with {quote_ids(table.loc[~found, 'partner_en'])} "
                f"entered into force in {window[0]}-{window[1]}; those rows are not compared. "
                "Widen window= or check the coding's members.",
                DataCoverageWarning, stacklevel=2,
            )
    inconsistent = table.loc[~table["printed_matches_items"], keep].reset_index(drop=True)
    return Table6Check(table=table, inconsistent=inconsistent, disagreements=disagreements)
