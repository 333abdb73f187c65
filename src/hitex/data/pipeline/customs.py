r"""Customs transaction records: reading with the user's column names, and their aggregates.

A customs record is one shipment: firm, city (six-digit administrative code;
its first two digits are the province), HS 8-digit product, partner, trade
mode, firm ownership, value (US$), year and month. :func:`read_customs` reads
a pandas table, CSV files or Parquet files whose columns are named in the
user's own way (``columns={"firm": "企业编码", ...}``), labels the trade-mode
and ownership codes, and can harmonise product codes across HS vintages with
a concordance (old code -> new code) before the high-tech list is applied.
Everything is an Ibis expression, so the same code runs on DuckDB and Spark.

Aggregates (sums of the shipment values :math:`v`):

* :func:`city_product_year` -- exports by city, product (HS 6-digit by
  default) and year, the input of city export complexity (study 003);
* :func:`province_mode_ownership_year` -- exports by province, trade mode,
  ownership and year with the high-tech part and its share (the tables of
  study 002, sections 1.2-1.3);
* :func:`hightech_share` -- the high-tech share of exports by any keys (city,
  province, trade mode, ...).

Trade-mode labels (:data:`TRADE_MODES`): ``10`` ordinary; ``14``, ``15``
processing (supplied / imported materials); ``33``, ``34`` bonded logistics;
ownership labels (:data:`OWNERSHIP`): ``1`` state, ``2``-``4`` foreign-invested,
``5`` collective, ``6``, ``7`` private. A code not in the table raises an error
that names it, unless a table of the user's own codes is passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from hitex.data.pipeline.aggregate import categorise
from hitex.data.pipeline.engine import Engine, PathLike
from hitex.data.pipeline.synthetic import CUSTOMS_FIELDS
from hitex.data.tradeflows_sql import csv_header
from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
)

__all__ = [
    "OWNERSHIP",
    "TRADE_MODES",
    "city_product_year",
    "hightech_share",
    "province_mode_ownership_year",
    "read_customs",
]

#: Trade-mode code -> label.
TRADE_MODES: dict[str, str] = {
    "10": "ordinary",
    "14": "processing",
    "15": "processing",
    "33": "bonded_logistics",
    "34": "bonded_logistics",
}
#: Ownership code -> label.
OWNERSHIP: dict[str, str] = {
    "1": "state",
    "2": "foreign",
    "3": "foreign",
    "4": "foreign",
    "5": "collective",
    "6": "private",
    "7": "private",
}


def _source(engine: Engine, source: Any, names: Mapping[str, str]) -> Any:
    if isinstance(source, pd.DataFrame):
        missing = [names[f] for f in CUSTOMS_FIELDS if names[f] not in source.columns]
        if missing:
            raise ColumnNotFoundError(
                f"the customs table lacks the columns {missing} (columns: "
                f"{list(source.columns)}); pass columns={{field: your column}} for the fields "
                f"{list(CUSTOMS_FIELDS)}."
            )
        text = source[[names[f] for f in CUSTOMS_FIELDS]].astype(str)
        return engine.table(text)
    items = [source] if isinstance(source, str | Path) else list(source)
    paths = [Path(p).expanduser() for p in items]
    for p in paths:
        if not p.exists():
            raise DataNotFoundError(f"customs file {str(p)!r} not found; check the path.")
    if paths[0].suffix.lower() == ".parquet":
        if len(paths) > 1:
            raise DataFormatError(
                "pass one Parquet file or one folder of Parquet files as the customs source."
            )
        t = engine.read_parquet_dataset(paths[0])
        cols = list(t.columns)
    else:
        cols, delim = csv_header(paths[0])
        t = engine.read_text_csv(paths, cols, delim)
    missing = [names[f] for f in CUSTOMS_FIELDS if names[f] not in cols]
    if missing:
        raise ColumnNotFoundError(
            f"{paths[0].name} lacks the columns {missing} (found {cols}); pass "
            f"columns={{field: your column}} for the fields {list(CUSTOMS_FIELDS)}."
        )
    return t.select(**{names[f]: t[names[f]].cast("string") for f in CUSTOMS_FIELDS})


def _labels(engine: Engine, t: Any, field: str, table: Mapping[str, str], arg: str) -> Any:
    codes = engine.table(pd.DataFrame({f"{field}_code": list(table),
                                       f"{field}_label": [str(v) for v in table.values()]}))
    unknown = engine.execute(
        t.anti_join(codes, t[field] == codes[f"{field}_code"]).select(field).distinct()
        .order_by(field).limit(10)
    )
    if len(unknown):
        raise DataFormatError(
            f"the {field.replace('_', ' ')} codes {unknown[field].tolist()} are not known "
            f"(known: {sorted(table)}); pass {arg}={{code: label, ...}} with your codes."
        )
    j = t.inner_join(codes, t[field] == codes[f"{field}_code"])
    return j.drop(f"{field}_code")


def read_customs(
    engine: Engine,
    source: pd.DataFrame | PathLike | Iterable[PathLike],
    *,
    columns: Mapping[str, str] | None = None,
    trade_modes: Mapping[str, str] = TRADE_MODES,
    ownership: Mapping[str, str] = OWNERSHIP,
    concordance: pd.DataFrame | None = None,
    concordance_cols: tuple[str, str] | None = None,
) -> Any:
    """Normalised customs records as a lazy Ibis table.

    Parameters
    ----------
    engine : Engine
    source : pandas.DataFrame, path-like or iterable of path-like
        Records in memory, CSV files (plain or gzip), or one Parquet file or
        folder of Parquet files.
    columns : mapping, optional
        Field -> the user's column name, for the fields ``firm, city, product,
        partner, trade_mode, ownership, value, year, month`` (others keep their name).
    trade_modes, ownership : mapping
        Code -> label tables (default :data:`TRADE_MODES`, :data:`OWNERSHIP`).
    concordance : pandas.DataFrame, optional
        Old -> new product codes (e.g. HS 2012 -> HS 2017, read with
        :func:`hitex.indicators.concordance.load_concordance`); codes not in it are kept.
    concordance_cols : pair of str, optional
        Its source and target columns (default: the first two).

    Returns
    -------
    ibis.Table
        ``firm, city, province, product, partner, trade_mode, ownership, value,
        year, month, trade_mode_label, ownership_label`` (``province`` is the
        first two digits of the city code followed by ``0000``).

    Raises
    ------
    ColumnNotFoundError
        A field's column is missing.
    DataFormatError
        Unknown trade-mode or ownership codes, text or negative values, a
        concordance that maps a code to several codes.
    DataNotFoundError, EmptySampleError
        Missing files; no record.
    """
    names = {f: f for f in CUSTOMS_FIELDS}
    names.update(dict(columns or {}))
    t = _source(engine, source, names)
    t = t.select(
        firm=t[names["firm"]].strip(),
        city=t[names["city"]].strip(),
        product=t[names["product"]].strip().replace(".", ""),
        partner=t[names["partner"]].strip(),
        trade_mode=t[names["trade_mode"]].strip(),
        ownership=t[names["ownership"]].strip(),
        value_text=t[names["value"]].strip(),
        value=t[names["value"]].strip().try_cast("float64"),
        year=t[names["year"]].strip().try_cast("float64").cast("int64"),
        month=t[names["month"]].strip().try_cast("float64").cast("int64"),
    )
    stats = engine.execute(t.aggregate(
        n=t.count(),
        nbad=(t.value.isnull() & t.value_text.notnull() & (t.value_text != "")).cast("int64").sum(),
        nneg=(t.value < 0).cast("int64").sum(),
        nyear=t.year.isnull().cast("int64").sum(),
    )).iloc[0]
    if int(stats["n"]) == 0:
        raise EmptySampleError("the customs records are empty; pass a file with records.")
    if int(stats["nbad"]) or int(stats["nneg"]) or int(stats["nyear"]):
        raise DataFormatError(
            f"customs records: {int(stats['nbad'])} value(s) are text, {int(stats['nneg'])} "
            f"negative and {int(stats['nyear'])} year(s) missing or text in the columns "
            f"{names['value']!r}/{names['year']!r}; values must be numbers >= 0 (US$) and "
            "years numbers. Correct or drop those rows."
        )
    t = t.drop("value_text").filter(t.value.notnull())
    t = t.mutate(province=t.city.substr(0, 2).concat("0000"))
    if concordance is not None:
        src, dst = concordance_cols or tuple(concordance.columns[:2])
        for col in (src, dst):
            if col not in concordance.columns:
                raise ColumnNotFoundError(
                    f"the concordance has no column {col!r} (found {list(concordance.columns)}); "
                    "pass concordance_cols=(old, new)."
                )
        pairs = concordance[[src, dst]].astype(str).drop_duplicates()
        multi = pairs[pairs[src].duplicated(keep=False)][src].unique()
        if len(multi):
            raise DataFormatError(
                f"the concordance maps the codes {sorted(multi)[:5]} of column {src!r} to several "
                f"codes of {dst!r}; their value would have to be split. Keep one target per code."
            )
        c = engine.table(pd.DataFrame({"c_old": pairs[src].to_numpy(),
                                       "c_new": pairs[dst].to_numpy()}))
        j = t.left_join(c, t["product"] == c.c_old)
        t = j.mutate(product=j.c_new.fill_null(j["product"])).drop("c_old", "c_new")
    t = _labels(engine, t, "trade_mode", trade_modes, "trade_modes")
    t = _labels(engine, t, "ownership", ownership, "ownership")
    return t


def city_product_year(records: Any, digits: int = 6) -> Any:
    """Exports by ``city, year, product`` (products cut to ``digits``): ``value``."""
    t = records.mutate(product=records["product"].substr(0, int(digits)))
    return t.group_by(["city", "year", "product"]).aggregate(value=t.value.sum())


def hightech_share(engine: Engine, records: Any, lookup: pd.DataFrame,
                   by: Iterable[str]) -> Any:
    """``by..., value, hightech, hightech_share`` of categorised customs records.

    ``lookup`` is the ``code, category`` table of
    :func:`hitex.data.categories.category_lookup` (an HS list); the share is
    null when the total is zero.
    """
    keys = list(by)
    t = categorise(engine, records, lookup)
    agg = t.group_by(keys).aggregate(
        value=t.value.sum(),
        hightech=ibis.ifelse(t.category.notnull(), t.value, 0.0).sum(),
    )
    return agg.mutate(
        hightech_share=ibis.ifelse(agg.value > 0, agg.hightech / agg.value,
                                   ibis.null("float64"))
    )


def province_mode_ownership_year(engine: Engine, records: Any, lookup: pd.DataFrame) -> Any:
    """Exports by province x trade mode x ownership x year, with the high-tech part and share."""
    return hightech_share(
        engine, records, lookup, ["province", "trade_mode_label", "ownership_label", "year"]
    )
