"""A user's record files as an engine table, and their checked numbers, on either engine.

The trade and customs readers of the pipeline know their publishers' layouts;
the readers here take any table of records a study names (product-level exports
by exporter, importer and year, in the user's column names): CSV, tab-separated
or gzip CSV files with a header line in UTF-8, a Parquet file, or a folder of
Parquet files (hive-partitioned by year or not). :func:`engine_format` says
whether an engine reads a path as it is; :func:`read_records` reads it, every
CSV column as text (codes keep their leading zeros), Parquet columns as stored;
:func:`numbers_checked` turns a value column into numbers and stops at text,
negative or absent values the way :func:`hitex.data.pipeline.read.checked_records`
does for trade files.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from hitex.data.pipeline.engine import Engine, PathLike
from hitex.data.pipeline.read import read_errors
from hitex.data.tradeflows_sql import csv_header
from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
    NonNumericError,
)

__all__ = ["engine_format", "numbers_checked", "read_records"]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".gz")


def _utf8_head(path: Path) -> bool:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            head = fh.read(1 << 16)
    except (OSError, EOFError):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:  # a character cut at the end of the block is fine
        return err.start >= len(head) - 3
    return True


def engine_format(path: PathLike) -> tuple[str | None, str]:
    """How an engine reads ``path``: ``("csv" | "parquet", "")`` or ``(None, why not)``.

    A folder is read when it holds Parquet files; a CSV file when it is UTF-8
    with a comma or tab between fields (a semicolon file with decimal commas,
    an Excel or Stata file is read in memory instead).
    """
    p = Path(path).expanduser()
    if p.is_dir():
        if any(p.rglob("*.parquet")):
            return "parquet", ""
        return None, f"the folder {p} holds no .parquet files"
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return "parquet", ""
    if suffix not in _CSV_SUFFIXES:
        return None, f"{p.name} is a {suffix or 'suffix-less'} file, not CSV or Parquet"
    if not _utf8_head(p):
        return None, f"{p.name} is not UTF-8 text"
    names, _ = csv_header(p)
    if len(names) < 2:
        return None, f"{p.name} has no comma or tab between its columns"
    return "csv", ""


def read_records(engine: Engine, paths: PathLike | Iterable[PathLike],
                 columns: Sequence[str], what: str = "the file") -> Any:
    """Read record files into an engine table with ``columns`` (CSV columns as text).

    Parameters
    ----------
    engine : Engine
    paths : path-like or iterable of path-like
        CSV files with one header (plain or gzip), one Parquet file, or one
        folder of Parquet files.
    columns : sequence of str
        The columns needed; the table keeps these only.
    what : str
        The input's name in messages (e.g. ``"indicator source trade.csv"``).

    Returns
    -------
    ibis.Table

    Raises
    ------
    DataNotFoundError
        A path that does not exist.
    DataFormatError
        A file an engine cannot read as it is (see :func:`engine_format`), or
        CSV files whose headers differ.
    ColumnNotFoundError
        A column of ``columns`` that the files lack.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files = [Path(p).expanduser() for p in items]
    if not files:
        raise DataNotFoundError(f"{what}: no file given.")
    for p in files:
        if not p.exists():
            raise DataNotFoundError(f"{what}: {p} does not exist; check the path.")
    kinds = {engine_format(p) for p in files}
    kind, why = next(iter(kinds))
    if kind is None or len(kinds) > 1:
        raise DataFormatError(
            f"{what}: {why or 'the files mix CSV and Parquet'}; the {engine.name} engine reads "
            "UTF-8 CSV (comma or tab) and Parquet files: save the file as CSV UTF-8 or Parquet.")
    if kind == "parquet":
        if len(files) > 1:
            raise DataFormatError(f"{what}: pass one Parquet file or one folder of Parquet files.")
        with read_errors(engine, what):
            table = engine.read_parquet_dataset(files[0])
        found = list(table.columns)
    else:
        found, delim = csv_header(files[0])
        for other in files[1:]:
            names, _ = csv_header(other)
            if names != found:
                raise DataFormatError(
                    f"{what}: {other.name} has the columns {names}, {files[0].name} has {found}; "
                    "pass files with one header.")
        table = engine.read_text_csv(files, found, delim)
    missing = [c for c in columns if c not in found]
    if missing:
        raise ColumnNotFoundError(f"{what} has no column(s) {missing} (columns: {found}); name "
                                  "the right columns in the options.")
    return table.select(*columns)


def numbers_checked(engine: Engine, table: Any, value: str, keys: Sequence[str],
                    what: str = "the file") -> Any:
    """Replace the column ``value`` by its numbers; refuse text and negative numbers.

    Text columns are trimmed; empty fields and ``NA`` are missing values, which
    are dropped. Returns the table without the rows whose value is missing.

    Raises
    ------
    NonNumericError
        Text that is not a number in ``value``.
    DataFormatError
        Negative values.
    EmptySampleError
        No row, or no row with a value.
    """
    col = table[value]
    if col.type().is_string():
        text = col.strip()
        present = text.notnull() & (text != "") & (text.upper() != "NA")
        number = present.ifelse(text.try_cast("float64"), None)
        bad = present & number.isnull()
    else:
        number = col.cast("float64")
        bad = number.isnull() & number.notnull()  # never: Parquet numbers are numbers
    t = table.mutate(**{value: number}, _bad=bad)
    stats = t.aggregate(n=t.count(), nbad=t._bad.cast("int64").sum(),
                        nneg=(t[value] < 0).cast("int64").sum(),
                        nvalue=t[value].notnull().cast("int64").sum())
    with read_errors(engine, what):
        row = engine.execute(stats).iloc[0].fillna(0)  # a sum over no row is null
    if int(row["n"]) == 0:
        raise EmptySampleError(f"{what} has no rows; there are no exports to classify.")
    if int(row["nbad"]):
        example = engine.execute(table.filter(bad).select(*keys, value).limit(1)).iloc[0]
        raise NonNumericError(
            f"column {value!r} of {what} has {int(row['nbad'])} text value(s) that are not "
            f"numbers, e.g. {example[value]!r} at {dict(example[list(keys)])}; the value column "
            "must hold numbers only (no thousands separators or notes).")
    if int(row["nneg"]):
        example = engine.execute(t.filter(t[value] < 0).select(*keys, value).limit(1)).iloc[0]
        raise DataFormatError(
            f"column {value!r} of {what} has {int(row['nneg'])} negative export value(s), e.g. "
            f"{example[value]:g} at {dict(example[list(keys)])}; export values are >= 0 (check "
            "for net or re-export corrections).")
    if int(row["nvalue"]) == 0:
        raise EmptySampleError(f"column {value!r} of {what} has no values; there are no exports "
                               "to classify.")
    return t.filter(t[value].notnull()).drop("_bad")
