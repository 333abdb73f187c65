"""The usual right-hand-side variables of gravity equations (pure functions).

Every function takes a DataFrame and returns a new object; the input is never
modified. Bad input raises a :class:`~hitex.errors.HitexError` naming the
column and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hitex.errors import DataFormatError, SpecificationError
from hitex.models import checks

__all__ = ["ln_positive", "ln_gdp", "ln_distance", "merge_fta", "ln_stock", "shift_years"]


def ln_positive(data: pd.DataFrame, column: str) -> pd.Series:
    """Natural log of a strictly positive column (GDP, distance); missing stays missing.

    Raises
    ------
    DataFormatError
        If the column has zero or negative values (their log is undefined).
    """
    checks.require_columns(data, [column])
    checks.require_numeric(data, [column])
    values = data[column].astype(float)
    bad = values <= 0
    if bad.any():
        raise DataFormatError(
            f"column '{column}' has {int(bad.sum())} value(s) <= 0 (e.g. {float(values[bad].iloc[0])!r}); "
            "its logarithm is undefined. Set them to missing or correct them before taking logs."
        )
    return pd.Series(np.log(values.to_numpy()), index=data.index, name=f"ln_{column}")


def ln_gdp(data: pd.DataFrame, exporter_gdp: str = "gdp_o", importer_gdp: str = "gdp_d") -> pd.DataFrame:
    """``ln_gdp_o`` and ``ln_gdp_d``: logs of the exporter's and importer's GDP."""
    return pd.DataFrame({"ln_gdp_o": ln_positive(data, exporter_gdp),
                         "ln_gdp_d": ln_positive(data, importer_gdp)}, index=data.index)


def ln_distance(data: pd.DataFrame, column: str = "dist") -> pd.Series:
    """``ln_dist``: log of the bilateral distance."""
    return ln_positive(data, column).rename("ln_dist")


def merge_fta(
    data: pd.DataFrame,
    agreements: pd.DataFrame,
    *,
    exporter: str = "exporter",
    importer: str = "importer",
    year: str = "year",
    fta: str = "fta",
    depth: str | None = "depth",
    symmetric: bool = True,
) -> pd.DataFrame:
    """Add an FTA dummy and ``Depth x FTA`` from a pair-year agreement table.

    Parameters
    ----------
    data : DataFrame
        Flows with ``exporter``, ``importer`` and ``year`` columns.
    agreements : DataFrame
        One row per pair-year in force, with the same key columns, a 0/1
        ``fta`` column and (optionally) a ``depth`` column.
    symmetric : bool, default True
        Agreements bind both directions: a row (A, B, t) also covers (B, A, t).

    Returns
    -------
    DataFrame
        ``data`` with ``fta`` (0 where the pair has no agreement) and, if
        ``depth`` is given, ``depth`` (0 without agreement) and
        ``depth_x_fta = depth * fta``.
    """
    key = [exporter, importer, year]
    checks.require_columns(data, key, context="merge_fta data")
    value_cols = [fta] + ([depth] if depth else [])
    checks.require_columns(agreements, key + value_cols, context="merge_fta agreements")
    checks.require_numeric(agreements, value_cols)
    table = agreements.loc[:, key + value_cols]
    if symmetric:
        flipped = table.rename(columns={exporter: importer, importer: exporter})
        table = pd.concat([table, flipped], ignore_index=True)
        table = table.groupby(key, as_index=False, sort=False)[value_cols].max()
    checks.require_unique(table, key)
    clash = [c for c in value_cols if c in data.columns]
    if clash:
        raise SpecificationError(
            f"data already has column(s) {clash}; rename or drop them before merging agreements."
        )
    out = data.merge(table, on=key, how="left", validate="many_to_one")
    out.index = data.index
    out[fta] = out[fta].fillna(0).astype(float)
    if depth:
        out[depth] = out[depth].fillna(0).astype(float)
        out[f"{depth}_x_{fta}"] = out[depth] * out[fta]
    return out


def ln_stock(data: pd.DataFrame, count: str, *, by: str | Sequence[str], year: str = "year",
             name: str | None = None) -> pd.Series:
    """``ln(1 + stock)``: log of one plus the cumulative count (e.g. TBT notifications).

    The stock in year ``t`` is the sum of ``count`` over all years ``<= t``
    of the same unit ``by`` (missing counts are treated as zero). ``data`` must
    have one row per unit and year.
    """
    keys = [by] if isinstance(by, str) else list(by)
    checks.require_columns(data, [count, year, *keys], context="ln_stock")
    checks.require_numeric(data, [count])
    checks.require_unique(data, [*keys, year])
    if (data[count] < 0).any():
        raise DataFormatError(f"column '{count}' has negative counts; a stock needs counts >= 0.")
    ordered = data.sort_values([*keys, year])
    stock = ordered[count].fillna(0).groupby([ordered[k] for k in keys], sort=False).cumsum()
    return pd.Series(np.log1p(stock.reindex(data.index).to_numpy(dtype=float)), index=data.index,
                     name=name or f"ln1p_stock_{count}")


def shift_years(data: pd.DataFrame, columns: str | Sequence[str], years: int, *,
                pair: str | Sequence[str], year: str = "year") -> pd.DataFrame:
    """Lags (``years > 0``) or leads (``years < 0``) of policy variables by calendar year.

    The lag of ``x`` by ``k`` years for pair ``p`` in year ``t`` is the value of
    ``x`` for ``p`` in year ``t - k`` (missing if that year is not in the data):
    the shift follows the calendar, not the row order, so gaps in the panel
    give missing values rather than the previous row.

    Returns
    -------
    DataFrame
        Columns ``{x}_lag{k}`` (or ``{x}_lead{k}``), aligned with ``data``.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    keys = [pair] if isinstance(pair, str) else list(pair)
    if not isinstance(years, (int, np.integer)) or years == 0:
        raise SpecificationError(f"years={years!r} must be a non-zero integer (lags > 0, leads < 0).")
    checks.require_columns(data, [*cols, *keys, year], context="shift_years")
    checks.require_numeric(data, [year])
    checks.require_unique(data, [*keys, year])
    suffix = f"_lag{years}" if years > 0 else f"_lead{-years}"
    source = data.loc[:, [*keys, year, *cols]].copy()
    source[year] = source[year] + years
    source = source.rename(columns={c: f"{c}{suffix}" for c in cols})
    out = data.loc[:, [*keys, year]].merge(source, on=[*keys, year], how="left", validate="one_to_one")
    out.index = data.index
    return out[[f"{c}{suffix}" for c in cols]]
