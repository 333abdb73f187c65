"""High-tech exports of record files too large for memory, on DuckDB or Apache Spark.

:func:`hightech_exports_from_files` gives the table of
:func:`hitex.indicators.hightech_exports` for product-level export files (CSV or
Parquet) without loading them into pandas: the engine
(:mod:`hitex.data.pipeline`: DuckDB embedded by default, Spark in local mode or
on a cluster with ``engine="spark"``) reads the files, checks the value column,
lists the distinct product codes, joins each record to the category of its
code and sums the values by group and category; only that sum, one row per
group and category, comes back to pandas, where
:func:`hitex.indicators.hightech.hightech_from_totals` finishes the table (category
columns, total, share, RCA) with the code of the in-memory function.

The codes are classified in pandas with
:func:`hitex.indicators.products.classify` on the distinct codes only (a few
thousand at most), so that the longest-prefix rule, the checks of the codes and
the warnings (codes that lost their leading zeros, codes coarser than the list)
are those of the in-memory function; the engine joins records to that table on
the code exactly. The result equals :func:`hightech_exports` on the same file up
to the order of floating-point additions (1e-12 relative in the tests), on
either engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import pandas as pd

from hitex.errors import SpecificationError
from hitex.indicators.hightech import (
    category_names,
    check_grouping,
    hightech_from_totals,
    warn_all_hightech,
)
from hitex.indicators.products import DEFAULT_CLASSIFICATION, as_classification, classify

__all__ = ["hightech_exports_from_files"]

PathLike = str | os.PathLike[str]


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Group columns read as text become numbers where every value is one (as read_csv infers)."""
    out = frame.copy()
    for col in columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            numbers = pd.to_numeric(out[col], errors="coerce")
            if numbers.notna().sum() == out[col].notna().sum():
                whole = numbers.dropna()
                out[col] = (numbers.astype("int64") if len(whole) and (whole % 1 == 0).all()
                            and numbers.notna().all() else numbers)
    return out


def hightech_exports_from_files(
    paths: PathLike | Iterable[PathLike],
    by: str | Sequence[str] = ("exporter", "year"),
    value: str = "value",
    *,
    code_col: str = "code",
    classification: str | pd.DataFrame = DEFAULT_CLASSIFICATION,
    level: int | None = None,
    prefix: str = "ht_",
    rca: bool = False,
    engine: str = "duckdb",
    spark_master: str | None = None,
    memory_limit: str | None = None,
    what: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """High-tech exports by group from CSV or Parquet files, computed by an engine.

    Parameters
    ----------
    paths : path-like or iterable of path-like
        UTF-8 CSV files with one header (comma or tab, plain or gzip), one
        Parquet file or one folder of Parquet files (e.g. written by
        ``hitex data convert``), with the ``by``, ``code_col`` and ``value``
        columns.
    by, value, code_col, classification, level, prefix, rca
        As in :func:`hitex.indicators.hightech_exports`.
    engine : {"duckdb", "spark"}, default "duckdb"
        DuckDB (embedded; spills to disk beyond ``memory_limit``) or Apache
        Spark (``pip install 'hitex[spark]'`` and Java 17).
    spark_master : str, optional
        ``local[*]`` (default) or a cluster URL (``spark://host:7077``, ``yarn``,
        ``k8s://...``) for ``engine="spark"``.
    memory_limit : str, optional
        DuckDB's memory limit (default ``"1GB"``); Spark's driver memory in
        local mode.
    what : str, optional
        The input's name in messages (default: the first file's name).
    progress : bool, default False
        Show the engine's progress on the terminal during long reads.

    Returns
    -------
    pandas.DataFrame
        As :func:`hitex.indicators.hightech_exports` returns; group columns
        read as text that hold numbers only (years) become numbers.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataFormatError, EmptySampleError
        As :func:`hightech_exports`, and for files an engine cannot read as
        they are (name the fix: save as CSV UTF-8 or Parquet).
    SpecificationError
        An unknown engine, or Spark that cannot start (names what to install).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from hitex.indicators import hightech_exports_from_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"exporter": ["A", "A", "B"], "year": 2020,
    ...               "code": ["7921", "0111", "5413"], "value": [30.0, 70.0, 50.0]}
    ...              ).to_csv(folder / "trade.csv", index=False)
    >>> out = hightech_exports_from_files(folder / "trade.csv")
    >>> out[["exporter", "year", "ht_total", "all_exports", "ht_share"]]
      exporter  year  ht_total  all_exports  ht_share
    0        A  2020      30.0        100.0      30.0
    1        B  2020      50.0         50.0     100.0
    """
    from hitex.data.pipeline.engine import EngineOptions
    from hitex.data.pipeline.engines import connect
    from hitex.data.pipeline.tables import numbers_checked, read_records

    by = check_grouping(by, rca)
    if code_col in by or value in by or code_col == value:
        raise SpecificationError(
            f"by={by}, code_col={code_col!r} and value={value!r} must name different columns.")
    table = as_classification(classification)
    category_names(table, prefix)
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    label = what or f"the file {os.fspath(items[0]) if items else ''}"
    options = EngineOptions(progress=progress) if memory_limit is None else EngineOptions(
        memory_limit=memory_limit, progress=progress)
    eng = connect(engine, spark_master=spark_master, options=options)
    try:
        records = read_records(eng, items, [*by, code_col, value], what=label)
        records = numbers_checked(eng, records, value, [*by, code_col], what=label)
        codes = eng.execute(records.select(code_col).distinct())
        mapped = classify(codes, code_col, table, level=level, category_col="_category")
        if mapped["_category"].notna().all():
            warn_all_hightech(stacklevel=2)
        lookup = eng.table(pd.DataFrame({
            "_code": mapped[code_col].tolist(),
            "_category": [None if pd.isna(c) else str(c) for c in mapped["_category"]],
        }).astype({"_category": object}))
        joined = records.left_join(lookup, records[code_col] == lookup["_code"])
        sums = joined.group_by([*by, "_category"]).aggregate(value=joined[value].sum())
        totals = eng.execute(sums).rename(columns={"_category": "category"})
    finally:
        if eng.name == "duckdb":
            eng.close()
    totals = _typed(totals, by)
    return hightech_from_totals(totals, by, table, prefix=prefix, rca=rca)
