r"""TBT depth of a trade agreement from DESTA's item codes (study 001, Tables 4-5).

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

The checks of agreement tables used here (:func:`require_columns`,
:func:`require_unique`, :func:`numeric_codes`, :func:`quote_ids`) are shared
with the pair-year panel (:mod:`hitex.indicators.tbt`) and the check of study
001's Table 6 (:mod:`hitex.indicators.tbt_table6`). The public names are
re-exported by :mod:`hitex.indicators.tbt`.
"""

from __future__ import annotations

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
    HitexError,
    NonNumericError,
)

__all__ = ["TBT_ITEMS", "TBT_ITEM_RANGES", "TIERS", "MissingRule", "depth_tier", "tbt_depth"]

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


def require_columns(frame: object, columns: Iterable[str], what: str, fix: str) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame holding ``columns``.

    Raises :class:`~hitex.errors.HitexError` when ``frame`` is not a DataFrame and
    :class:`~hitex.errors.ColumnNotFoundError` naming the absent columns, the
    columns ``frame`` has and ``fix``. ``what`` names the table in the message.
    """
    if not isinstance(frame, pd.DataFrame):
        raise HitexError(f"{what} must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{what} lacks the column(s) {', '.join(map(repr, missing))}; it has "
            f"{', '.join(map(str, frame.columns))}. {fix}"
        )
    return frame


def numeric_codes(frame: pd.DataFrame, col: str, id_col: str, what: str) -> pd.Series:
    """Return column ``col`` as float64 (booleans as 0/1, missing cells as NaN).

    Raises :class:`~hitex.errors.NonNumericError` naming up to five rows (by
    ``id_col``) whose cell holds text.
    """
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


def require_unique(frame: pd.DataFrame, col: str, what: str) -> None:
    """Raise :class:`~hitex.errors.DuplicateKeyError` if an agreement id in ``col`` repeats."""
    if (dupes := frame[col].duplicated(keep=False)).any():
        raise DuplicateKeyError(f"{what} has several rows for agreement(s) "
                                f"{quote_ids(frame.loc[dupes, col].unique())} in column {col!r}. "
                                f"Keep one row per agreement (e.g. drop_duplicates({col!r})).")


def quote_ids(ids: Iterable[object], limit: int = 10) -> str:
    """Return the first ``limit`` ids quoted and joined by commas, with a count of the rest."""
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
    frame = pd.DataFrame({"depth": values, "id": values.index})
    numbers = numeric_codes(frame, "depth", "id", "depth")
    bad = numbers.notna() & ((numbers % 1 != 0) | (numbers < 0) | (numbers > 8))
    if bad.any():
        raise DataFormatError(f"Depth scores must be whole numbers from 0 to 8; got "
                              f"{quote_ids(numbers[bad].unique())}. Compute them with tbt_depth().")
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
    require_columns(coding, needed, "The TBT coding",
                    "Read it with hitex.data.desta.read_coding() or rename your columns to DESTA's names.")
    if missing not in ("report", "raise", "zero_if_no_provision"):
        raise HitexError(f"missing={missing!r} is not one of 'report', 'raise', 'zero_if_no_provision'.")
    require_unique(coding, id_col, "The TBT coding")
    out = coding.copy()
    items = [c for c in TBT_ITEM_RANGES if c in out.columns]
    for item in items:
        values = numeric_codes(out, item, id_col, "The TBT coding")
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
            f"(not counted as 0): {quote_ids(ids)}. The column 'missing_items' names the items; "
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
