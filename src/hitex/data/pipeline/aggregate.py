r"""High-tech categories and trade aggregates as engine-neutral Ibis expressions.

:func:`categorise` gives every record the category of the longest code of a
category table that is a prefix of its product code (an entry with an empty
category is an exclusion), the rule of :mod:`hitex.indicators.products` and of
:func:`hitex.data.tradeflows.aggregate_trade`; the table is the output of
:func:`hitex.data.categories.category_lookup`, which also applies a
concordance when the list is coded in another nomenclature. The match is a
chain of left joins with one small table per code length (broadcast joins on
Spark, hash joins on DuckDB).

The aggregates are sums of :math:`v_{ijtk}` (exporter :math:`i`, importer
:math:`j`, year :math:`t`, product :math:`k`):

* exporter-importer-sector-year :math:`V_{ijt,c} = \sum_{k:\,\mathrm{cat}(k)=c} v_{ijtk}`
  (:func:`exporter_importer_sector_year`, the table of ``aggregate_trade``);
* exporter-product-year :math:`x_{itp} = \sum_{j}\sum_{k:\,k[:d]=p} v_{ijtk}`
  at ``digits`` :math:`d` (:func:`exporter_product_year`);
* exporter-year totals, high-tech exports and their share
  :math:`H_{it}/X_{it}` (:func:`exporter_year`).
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from hitex.data.pipeline.engine import Engine
from hitex.errors import DataFormatError, SpecificationError

__all__ = [
    "categorise",
    "exporter_importer_sector_year",
    "exporter_product_year",
    "exporter_year",
]


def categorise(engine: Engine, records: Any, lookup: pd.DataFrame,
               other: str | None = None) -> Any:
    """Add the longest-prefix ``category`` of each record's ``product``.

    Parameters
    ----------
    engine : Engine
    records : ibis.Table
        With a text column ``product``.
    lookup : pandas.DataFrame
        ``code, category`` (text codes; an empty category excludes the code), e.g.
        :func:`hitex.data.categories.category_lookup` of a high-tech list.
    other : str, optional
        Category of records in no category (left null by default), so that
        totals and high-tech shares can be computed.

    Returns
    -------
    ibis.Table
        ``records`` with a text column ``category``.

    Raises
    ------
    DataFormatError
        If ``lookup`` lacks ``code`` or ``category``.
    """
    for col in ("code", "category"):
        if col not in lookup.columns:
            raise DataFormatError(
                f"the category lookup has no column {col!r} (found {list(lookup.columns)}); pass "
                "hitex.data.categories.category_lookup(...) of the category table."
            )
    codes = lookup["code"].astype(str)
    lengths = sorted({len(c) for c in codes}, reverse=True)
    t = records
    for n in lengths:
        part = lookup[codes.str.len() == n]
        small = engine.table(
            pd.DataFrame(
                {
                    f"code_{n}": part["code"].astype(str).tolist(),
                    f"cat_{n}": [None if pd.isna(c) else str(c) for c in part["category"]],
                    f"hit_{n}": [1] * len(part),
                }
            ).astype({f"cat_{n}": object})
        )
        t = t.left_join(small, t["product"].substr(0, n) == small[f"code_{n}"])
    category: Any = ibis.null("string")
    if lengths:
        category = ibis.cases(
            *[(t[f"hit_{n}"].notnull(), t[f"cat_{n}"].cast("string")) for n in lengths],
            else_=ibis.null("string"),
        )
    if other is not None:
        category = category.fill_null(str(other))
    return t.select(*records.columns, category=category)


def exporter_importer_sector_year(records: Any) -> Any:
    """Sum categorised records to ``exporter, importer, year, category, value``.

    Records in no category are left out (as in
    :func:`hitex.data.tradeflows.aggregate_trade`).
    """
    t = records.filter(records.category.notnull())
    return t.group_by(["exporter", "importer", "year", "category"]).aggregate(
        value=t.value.sum()
    )


def exporter_product_year(records: Any, digits: int | None = None) -> Any:
    """Sum records to ``exporter, year, product, value`` (products cut to ``digits``).

    Raises
    ------
    SpecificationError
        If ``digits`` is not a positive integer.
    """
    t = records
    product = t["product"]
    if digits is not None:
        if not isinstance(digits, int) or digits < 1:
            raise SpecificationError(f"digits must be a positive integer or None, not {digits!r}.")
        product = product.substr(0, digits)
    t = t.mutate(product=product)
    return t.group_by(["exporter", "year", "product"]).aggregate(value=t.value.sum())


def exporter_year(records: Any, other: str | None = None) -> Any:
    """Exporter-year totals: ``exporter, year, value, hightech, hightech_share``.

    ``value`` sums every record given, ``hightech`` those whose category is set
    and is not ``other``; ``hightech_share`` is their ratio (null when the total
    is zero). Read the records with ``other=`` in :func:`categorise` so that the
    total covers all trade.
    """
    t = records
    high = t.category.notnull()
    if other is not None:
        high = high & (t.category != str(other))
    agg = t.group_by(["exporter", "year"]).aggregate(
        value=t.value.sum(),
        hightech=ibis.ifelse(high, t.value, 0.0).sum(),
    )
    return agg.mutate(
        hightech_share=ibis.ifelse(agg.value > 0, agg.hightech / agg.value, ibis.null("float64"))
    )
