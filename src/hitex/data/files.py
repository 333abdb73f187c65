"""Read and write the user's tables: CSV (optionally gzipped), Excel and Parquet.

The format follows the file extension. Errors name the file and say which
formats are accepted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from hitex.errors import DataFormatError, DataNotFoundError
from hitex.fileio import atomic_path

READABLE = (".csv", ".csv.gz", ".txt", ".tsv", ".xlsx", ".xls", ".parquet")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(READABLE, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return path.suffix.lower()


#: Encodings tried in turn for text files: UTF-8 (a byte-order mark is removed), then GB18030,
#: the superset of GBK and GB2312 in which Chinese Excel and statistics software save CSV files.
ENCODINGS = ("utf-8", "gb18030")

#: Cell texts read as missing besides pandas' defaults: Stata's "." and Excel's "#N/A" variants.
EXTRA_MISSING = (".", "#N/A N/A", "#DIV/0!")


def read_csv_text(path: str | os.PathLike[str], **kwargs: object) -> pd.DataFrame:
    """``pandas.read_csv`` that also reads GBK/GB18030 files and Stata's ``.`` as missing.

    Raises
    ------
    DataFormatError
        If the file is in none of :data:`ENCODINGS`.
    """
    kwargs.setdefault("na_values", list(EXTRA_MISSING))
    last: UnicodeDecodeError | None = None
    for encoding in ENCODINGS:
        try:
            return pd.read_csv(path, encoding=encoding, **kwargs)  # type: ignore[arg-type]
        except UnicodeDecodeError as err:
            last = err
    raise DataFormatError(
        f"cannot read {path}: it is neither UTF-8 nor GB18030/GBK text ({last}). Save it as "
        "UTF-8 CSV (Excel: 'CSV UTF-8')."
    )


def read_table(path: str | os.PathLike[str], *, sheet: str | int | None = 0,
               text_columns: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame.

    Text files may be UTF-8 or GB18030/GBK (:func:`read_csv_text`); a lone
    ``.`` (Stata's missing value) and Excel error texts are read as missing.

    ``text_columns`` are read as text from CSV, TSV and Excel files (product
    codes keep their leading zeros; Excel cells that hold numbers become their
    digits, and :func:`hitex.indicators.products.classify` warns when codes
    look one digit short). In Parquet files a column stored as numbers stays
    numeric (its leading zeros are already lost, and converting ``541.0`` to
    text would give ``"5410"``): code functions then ask for the number of
    digits. Names in ``text_columns`` that the file lacks are ignored (the
    caller reports missing columns).

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    DataFormatError
        If the extension is not one of :data:`READABLE` or the file cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"file {p} does not exist; check the path.")
    ext = _suffix(p)
    dtype = {c: str for c in text_columns} or None
    try:
        if ext in (".csv", ".csv.gz", ".txt"):
            return read_csv_text(p, dtype=dtype)
        if ext == ".tsv":
            return read_csv_text(p, sep="\t", dtype=dtype)
        if ext in (".xlsx", ".xls"):
            return pd.read_excel(p, sheet_name=sheet, dtype=dtype, na_values=list(EXTRA_MISSING))
        if ext == ".parquet":
            return _text_where_text(pd.read_parquet(p), text_columns)
    except (ValueError, OSError, UnicodeDecodeError) as err:
        raise DataFormatError(f"cannot read {p}: {err}") from err
    raise DataFormatError(
        f"{p}: unsupported file type {ext!r}; use one of {', '.join(READABLE)}."
    )


def _text_where_text(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Turn ``columns`` that hold text (or text and numbers) into strings; leave numbers alone."""
    for col in columns:
        if col in frame.columns and not pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: v if pd.isna(v) else str(v))
    return frame


def write_table_file(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV, Excel (.xlsx) or Parquet, by the extension of ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ext = _suffix(p)
    writers = {".csv": lambda t: frame.to_csv(t, index=False),
               ".csv.gz": lambda t: frame.to_csv(t, index=False),
               ".txt": lambda t: frame.to_csv(t, index=False),
               ".tsv": lambda t: frame.to_csv(t, sep="\t", index=False),
               ".xlsx": lambda t: frame.to_excel(t, index=False),
               ".parquet": lambda t: frame.to_parquet(t, index=False)}
    if ext not in writers:
        raise DataFormatError(f"{p}: cannot write {ext!r}; use .csv, .tsv, .xlsx or .parquet.")
    with atomic_path(p, suffix=ext) as tmp:  # whole or not at all; a link is replaced
        writers[ext](tmp)
    return p
