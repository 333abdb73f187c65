r"""High-tech exports by unit: category totals, share of all exports and Balassa RCA.

From a product-level export table (one row per exporter, year, product code and
possibly importer), :func:`hightech_exports` classifies every product with a
high-tech classification (:mod:`hitex.indicators.products`) and returns one row
per group of ``by`` (exporter-year by default) with

.. math::

    HT_{g,k} = \sum_{p \in g,\ \operatorname{cat}(p) = k} x_p, \qquad
    HT_g = \sum_k HT_{g,k}, \qquad
    X_g = \sum_{p \in g} x_p, \qquad
    \mathit{share}_g = 100\,\frac{HT_g}{X_g}

for each category :math:`k` of the classification (columns ``ht_<k>``,
``ht_total``, ``all_exports`` and ``ht_share``; the prefix is a parameter).

With ``rca=True`` it adds Balassa's (1965) revealed comparative advantage of
the group in high-tech products overall and in each category,

.. math::

    \mathit{RCA}_{g,k} = \frac{HT_{g,k} / X_g}{\sum_{h \in R(g)} HT_{h,k}
    \big/ \sum_{h \in R(g)} X_h},

where the reference set :math:`R(g)` is every group that shares the values of
``by`` other than its first column: with ``by=("exporter", "year")`` the world
of the table in that year (the usual Balassa index), with
``by=("exporter", "importer", "year")`` all exporters to that importer in that
year (RCA in the importer's market). The reference is the table itself, so the
file must hold all exporters' exports of all products (not only high-tech
products, not only a few exporters) for RCA and the share to mean what they
say; a table with high-tech products only is reported with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
    SpecificationError,
)
from hitex.indicators._keys import plain_index
from hitex.indicators.input_checks import numeric_column, require_frame
from hitex.indicators.products import DEFAULT_CLASSIFICATION, as_classification, classify


def hightech_exports(
    trade: pd.DataFrame,
    by: Sequence[str] = ("exporter", "year"),
    value: str = "value",
    *,
    code_col: str = "code",
    classification: str | pd.DataFrame = DEFAULT_CLASSIFICATION,
    level: int | None = None,
    prefix: str = "ht_",
    rca: bool = False,
) -> pd.DataFrame:
    """High-tech exports by group and category, their share of all exports and RCA.

    Parameters
    ----------
    trade : pandas.DataFrame
        Product-level exports: the ``by`` columns, a product code column and a
        value column. Rows with a missing value are skipped.
    by : sequence of str, default ("exporter", "year")
        Grouping columns; the first is the unit compared in RCA (see the
        module notes), e.g. ``("exporter", "importer", "year")`` for
        bilateral totals.
    value : str, default "value"
        Export value column (non-negative numbers).
    code_col : str, default "code"
        Product code column (text; see
        :func:`hitex.indicators.products.normalize_codes`).
    classification : str or pandas.DataFrame
        Built-in name (``"study001_sitc3"``, ``"oecd_hightech_sitc3"``) or a
        table with ``code`` and ``category``.
    level : int, optional
        Digits every code has (pads codes read as numbers).
    prefix : str, default "ht_"
        Prefix of the output columns.
    rca : bool, default False
        Add ``<prefix>rca`` (high-tech overall) and ``<prefix>rca_<k>`` (each
        category). Needs at least two columns in ``by``.

    Returns
    -------
    pandas.DataFrame
        One row per group of ``by``, sorted, with ``<prefix><k>`` for every
        category of the classification (0 where the group exported none),
        ``<prefix>total``, ``all_exports`` (every product of the group) and
        ``<prefix>share`` (percent). RCA is missing where the reference
        exports of the category are 0.

    Raises
    ------
    ColumnNotFoundError
        A ``by``, code or value column is not in the table.
    NonNumericError
        Text in the value column.
    DataFormatError
        Negative export values, or codes that are not product codes.
    EmptySampleError
        An empty table, or no row with a value.
    SpecificationError
        ``rca=True`` with a single grouping column, or a category whose column
        name would clash with the totals.

    Warns
    -----
    DataCoverageWarning
        When every product in the table is high-tech (the share is then 100
        and RCA compares high-tech exports with themselves), or the table has
        one unit only (RCA is then 1 by construction).

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.indicators import hightech_exports
    >>> trade = pd.DataFrame({
    ...     "exporter": ["A", "A", "B"], "year": 2020,
    ...     "code": ["7921", "0111", "5413"], "value": [30.0, 70.0, 50.0]})
    >>> out = hightech_exports(trade)
    >>> out[["exporter", "ht_aerospace", "ht_total", "all_exports", "ht_share"]]
      exporter  ht_aerospace  ht_total  all_exports  ht_share
    0        A          30.0      30.0        100.0      30.0
    1        B           0.0      50.0         50.0     100.0
    """
    require_frame(trade, "trade")
    trade = plain_index(trade).reset_index(drop=True)
    by = check_grouping(by, rca)
    for col, arg in [*((c, "by=") for c in by), (code_col, "code_col="), (value, "value=")]:
        if col not in trade.columns:
            raise ColumnNotFoundError(
                f"column {col!r} is not in the trade table (columns: {list(trade.columns)}); "
                f"pass the right name as {arg}"
            )
    if trade.empty:
        raise EmptySampleError("the trade table is empty; there are no exports to classify")
    values = numeric_column(trade[value], value)
    negative = values < 0
    if negative.any():
        rows = trade.loc[negative, [*by, code_col]].head(3).to_dict("records")
        raise DataFormatError(
            f"column {value!r} has {int(negative.sum())} negative export value(s), e.g. {rows}; "
            "export values are >= 0 (check for net or re-export corrections)"
        )
    table = as_classification(classification)
    category_names(table, prefix)
    keep = values.notna()
    if not keep.any():
        raise EmptySampleError(f"column {value!r} has no values; there are no exports to classify")
    frame = trade.loc[keep, [*by, code_col]].copy()
    frame["_value"] = values[keep]
    frame = classify(frame, code_col, table, level=level, category_col="_category")
    if frame["_category"].notna().all():
        warn_all_hightech(stacklevel=2)
    totals = frame[[*by, "_category", "_value"]].rename(
        columns={"_category": "category", "_value": "value"})
    return hightech_from_totals(totals, by, table, prefix=prefix, rca=rca)


def check_grouping(by: str | Sequence[str], rca: bool) -> list[str]:
    """The ``by`` columns as a list, checked (not empty; two columns or more for RCA)."""
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise SpecificationError("by= needs at least one grouping column, e.g. ('exporter', 'year')")
    if rca and len(by) < 2:
        raise SpecificationError(
            "rca=True compares each unit with the others in the same year: by= needs the unit "
            "and at least one more column (e.g. ('exporter', 'year'))"
        )
    return by


def category_names(table: pd.DataFrame, prefix: str) -> dict[str, str]:
    """Category -> output column (``<prefix><category>``); refuse names that clash with totals."""
    categories = sorted(set(table["category"].dropna()))
    names = {k: f"{prefix}{k}" for k in categories}
    reserved = {f"{prefix}total", f"{prefix}share", "all_exports", f"{prefix}rca"}
    clash = [k for k, n in names.items() if n in reserved or n.startswith(f"{prefix}rca_")]
    if clash:
        raise SpecificationError(
            f"category name(s) {clash} would give output columns that clash with the totals; "
            "rename the categories or pass another prefix="
        )
    return names


def warn_all_hightech(stacklevel: int = 2) -> None:
    """Warn that every product of the table is high-tech (share 100, RCA against itself)."""
    warnings.warn(
        "every product in the trade table is high-tech, so the share is 100 and RCA compares "
        "high-tech exports with themselves; pass a table with all products to get the share "
        "of all exports",
        DataCoverageWarning,
        stacklevel=stacklevel + 1,
    )


def hightech_from_totals(totals: pd.DataFrame, by: Sequence[str],
                         classification: str | pd.DataFrame = DEFAULT_CLASSIFICATION, *,
                         prefix: str = "ht_", rca: bool = False) -> pd.DataFrame:
    """The table of :func:`hightech_exports` from values by group and category.

    Parameters
    ----------
    totals : pandas.DataFrame
        The ``by`` columns, ``category`` (missing for products that are not
        high-tech) and ``value``: records, or their sums by group and category
        (as an engine computes them, :func:`hitex.indicators.hightech_files`).
    by : sequence of str
        Grouping columns, the unit first.
    classification : str or pandas.DataFrame
        The classification the categories come from (its categories give the
        columns, 0 where a group has none).
    prefix : str, default "ht_"
    rca : bool, default False

    Returns
    -------
    pandas.DataFrame
        As :func:`hightech_exports` returns.
    """
    by = check_grouping(by, rca)
    table = as_classification(classification)
    names = category_names(table, prefix)
    categories = list(names)
    sums = (totals.groupby(by, sort=True, dropna=False)["value"].sum()
            .rename("all_exports"))
    ht = totals[totals["category"].notna()]
    wide = (
        ht.groupby([*by, "category"], sort=True, dropna=False)["value"].sum()
        .unstack("category")
        .reindex(columns=categories)
    )
    out = pd.DataFrame(index=sums.index)
    for k in categories:
        out[names[k]] = wide[k].reindex(sums.index).fillna(0.0) if k in wide else 0.0
    out[f"{prefix}total"] = out[[names[k] for k in categories]].sum(axis=1)
    out["all_exports"] = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        out[f"{prefix}share"] = 100.0 * out[f"{prefix}total"] / out["all_exports"].where(
            out["all_exports"] > 0)
    out = out.reset_index()
    if rca:
        out = _add_rca(out, by, [f"{prefix}total", *names.values()], prefix, names)
    return out


def _add_rca(out: pd.DataFrame, by: list[str], cols: list[str], prefix: str,
             names: dict[str, str]) -> pd.DataFrame:
    unit, reference = by[0], by[1:]
    units = out.groupby(reference, sort=True, dropna=False)[unit].nunique()
    alone = units[units < 2]
    if len(alone):
        example = alone.index[0] if len(reference) > 1 else (alone.index[0],)
        where = ", ".join(f"{c}={v}" for c, v in zip(reference, example, strict=True))
        warnings.warn(
            f"{len(alone)} of {len(units)} reference group(s) of {reference} have one {unit!r} "
            f"only (e.g. {where}), so their RCA is 1 by construction; RCA needs the exports of "
            "all units (the world) in the table",
            DataCoverageWarning,
            stacklevel=3,
        )
    ref = out.groupby(reference, sort=False, dropna=False)[[*cols, "all_exports"]].transform("sum")
    targets = {f"{prefix}total": f"{prefix}rca",
               **{n: f"{prefix}rca_{k}" for k, n in names.items()}}
    with np.errstate(divide="ignore", invalid="ignore"):
        own_total = out["all_exports"].where(out["all_exports"] > 0)
        ref_total = ref["all_exports"].where(ref["all_exports"] > 0)
        for col in cols:
            ref_share = ref[col] / ref_total
            out[targets[col]] = (out[col] / own_total) / ref_share.where(ref_share > 0)
    return out


__all__ = ["hightech_exports", "hightech_from_totals"]
