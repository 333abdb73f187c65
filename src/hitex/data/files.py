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

READABLE = (".csv", ".csv.gz", ".txt", ".tsv", ".xlsx", ".xls", ".parquet", ".dta")


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


def read_csv_text(path: str | os.PathLike[str], encoding: str | None = None,
                  **kwargs: object) -> pd.DataFrame:
    """``pandas.read_csv`` that also reads GBK/GB18030 files and Stata's ``.`` as missing.

    The encoding is UTF-8, else GB18030 (``encoding`` names another one); a
    file whose GB18030 reading gives characters outside the common Chinese set
    (GB2312) is refused as probably Latin-1 rather than read wrongly. A file
    with one column whose name holds semicolons is read as semicolon-separated
    (with decimal commas where the numbers have them, the European Excel
    export), with a warning. Duplicate column names and a header without rows
    are refused.

    Raises
    ------
    DataFormatError
        For another encoding, repeated column names or no rows.
    """
    kwargs.setdefault("na_values", list(EXTRA_MISSING))
    last: UnicodeDecodeError | None = None
    for enc in (encoding,) if encoding else ENCODINGS:
        try:
            frame = pd.read_csv(path, encoding=enc, **kwargs)  # type: ignore[arg-type]
        except UnicodeDecodeError as err:
            last = err
            continue
        except LookupError:
            raise DataFormatError(f"cannot read {path}: {encoding!r} is not an encoding Python "
                                  "knows (e.g. utf-8, gb18030, latin-1).") from None
        header = _raw_header(path, enc, str(kwargs.get("sep", ",")))
        if enc == "gb18030" and not encoding:
            _refuse_unlikely_chinese(path, header)
        if len(header) == 1 and ";" in header[0] and "sep" not in kwargs:
            return _semicolon_file(path, enc, kwargs)
        _refuse_repeated(path, header)
        if frame.empty and len(frame.columns):
            raise DataFormatError(
                f"{path} has column names ({', '.join(map(str, frame.columns[:8]))}) but no "
                "rows; it holds no data. Check that the right file was saved.")
        return frame
    raise DataFormatError(
        f"cannot read {path}: it is neither UTF-8 nor GB18030/GBK text ({last}). Save it as "
        "UTF-8 CSV (Excel: 'CSV UTF-8'), or name its encoding (study files: encoding: latin-1)."
    )


def _raw_header(path: str | os.PathLike[str], encoding: str, sep: str) -> list[str]:
    """The first line's fields as written (pandas renames repeated names to ``x.1``)."""
    import csv
    import gzip

    opener = gzip.open if str(path).lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:  # type: ignore[operator]
        first = next(csv.reader(fh, delimiter=sep), [])
    return [f.strip().lstrip("\ufeff") for f in first]


def _refuse_repeated(path: str | os.PathLike[str], header: list[str]) -> None:
    seen = [h for i, h in enumerate(header) if h and h in header[:i]]
    if seen:
        raise DataFormatError(
            f"{path} has repeated column names: {', '.join(dict.fromkeys(seen))}. Give every "
            "column its own name (hitex does not rename them silently).")


def _refuse_unlikely_chinese(path: str | os.PathLike[str], header: list[str]) -> None:
    """A non-UTF-8 file whose GB18030 reading gives rare characters is probably Latin-1."""
    rare = [h for h in header if any(ord(ch) > 127 and not _gb2312(ch) for ch in h)]
    if rare:
        raise DataFormatError(
            f"{path} is not UTF-8, and read as Chinese GBK/GB18030 its column names look wrong "
            f"({', '.join(rare[:4])}); it is probably Latin-1/Windows-1252. Save it as UTF-8 CSV "
            "(Excel: 'CSV UTF-8'), or name its encoding (study files: encoding: latin-1; "
            "Python: read_table(path, encoding='latin-1')).")


def _gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _semicolon_file(path: str | os.PathLike[str], encoding: str,
                    kwargs: dict[str, object]) -> pd.DataFrame:
    """A semicolon-separated file (European Excel): decimal commas where the numbers have them."""
    import warnings

    from hitex.errors import DataCoverageWarning

    raw = pd.read_csv(path, encoding=encoding, sep=";", dtype=str, keep_default_na=False)
    comma = any(raw[c].str.fullmatch(r"-?\d+,\d+").any() for c in raw.columns)
    warnings.warn(f"{path} is read as semicolon-separated"
                  + (" with decimal commas (1,5 = 1.5)" if comma else "")
                  + "; save it as comma-separated CSV to avoid the guess.",
                  DataCoverageWarning, stacklevel=3)
    frame = pd.read_csv(path, encoding=encoding, sep=";", decimal="," if comma else ".",
                        **{k: v for k, v in kwargs.items() if k != "sep"})  # type: ignore[arg-type]
    _refuse_repeated(path, _raw_header(path, encoding, ";"))
    return frame


def read_table(path: str | os.PathLike[str], *, sheet: str | int | None = 0,
               text_columns: tuple[str, ...] | list[str] = (),
               encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV, TSV, Excel, Parquet or Stata (.dta) file into a DataFrame.

    Stata files are read with ``pandas.read_stata``: a labelled integer column
    becomes the text of its value labels, Stata's missing values (``.``,
    ``.a``-``.z``) become missing and dates become datetimes.

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
            return read_csv_text(p, encoding=encoding, dtype=dtype)
        if ext == ".tsv":
            return read_csv_text(p, encoding=encoding, sep="\t", dtype=dtype)
        if ext in (".xlsx", ".xls"):
            return pd.read_excel(p, sheet_name=sheet, dtype=dtype, na_values=list(EXTRA_MISSING))
        if ext == ".parquet":
            return _text_where_text(pd.read_parquet(p), text_columns)
        if ext == ".dta":
            return _read_dta(p)
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


def _read_dta(path: Path) -> pd.DataFrame:
    """A Stata file, value labels as text (an unlabelled value keeps its number as text)."""
    import struct

    try:
        frame = pd.read_stata(path, convert_categoricals=True, convert_missing=False)
    except (ValueError, OSError, KeyError, IndexError, struct.error) as err:
        raise DataFormatError(f"cannot read {path} as a Stata .dta file: {err}") from err
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def write_table_file(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                     encoding: str = "utf-8") -> Path:
    """Write ``frame`` as CSV, Excel (.xlsx) or Parquet, by the extension of ``path``.

    ``encoding`` applies to CSV/TSV text: ``"utf-8-sig"`` (UTF-8 with a
    byte-order mark) makes Excel open Chinese text correctly.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ext = _suffix(p)
    writers = {".csv": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".csv.gz": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".txt": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".tsv": lambda t: frame.to_csv(t, sep="\t", index=False, encoding=encoding),
               ".xlsx": lambda t: frame.to_excel(t, index=False),
               ".parquet": lambda t: frame.to_parquet(t, index=False)}
    if ext not in writers:
        raise DataFormatError(f"{p}: cannot write {ext!r}; use .csv, .tsv, .xlsx or .parquet.")
    with atomic_path(p, suffix=ext) as tmp:  # whole or not at all; a link is replaced
        writers[ext](tmp)
    return p
