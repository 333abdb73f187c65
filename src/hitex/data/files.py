"""Read and write the user's tables: CSV (optionally gzipped), Excel, Parquet and Stata.

The format follows the file extension. Errors name the file and say which
formats are accepted.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from hitex.errors import DataFormatError, DataNotFoundError, HitexWarning
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


CSV_ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8 without a byte-order mark (the default; read everywhere but by Excel)",
    "utf-8-sig": "UTF-8 with a byte-order mark: Excel opens Chinese text correctly",
    "gb18030": "GB18030 (a superset of GBK): Excel of a Chinese Windows opens it by default",
}
"""The encodings hitex writes CSV files in, with what each is for."""

#: Stata's reserved names (Stata [U] 11.3 and Mata's reserved words, as pandas' Stata writer
#: lists them); a column of such a name is written with a leading underscore.
STATA_RESERVED = frozenset({
    "NULL", "_N", "_all", "_b", "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_se", "_skip",
    "aggregate", "array", "boolean", "break", "byte", "case", "catch", "class", "colvector",
    "complex", "const", "continue", "default", "delegate", "delete", "do", "double", "else",
    "eltypedef", "end", "enum", "explicit", "export", "external", "float", "for", "friend",
    "function", "global", "goto", "if", "in", "inline", "int", "local", "long", "pragma",
    "protected", "quad", "rowvector", "short", "str#", "strL", "typedef", "typename", "using",
    "virtual", "with"})

#: Longest Stata variable name (characters) and variable label (characters).
STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80


def _stata_char(ch: str) -> str:
    """A character of a Stata 14+ name: ASCII letters, digits and ``_``, or a letter beyond
    Latin-1 punctuation (Stata's rule for Unicode names); anything else becomes ``_``."""
    if ord(ch) < 128:
        return ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_"
    return ch if ch.isalnum() and ord(ch) >= 192 and ch not in "×÷" else "_"


def stata_names(columns: list[object] | tuple[object, ...] | pd.Index) -> dict[str, str]:
    """Stata-valid variable names for ``columns``: ``{column: name}`` for every column.

    The rules of Stata 14+ (.dta format 118): at most 32 characters of letters
    (Chinese characters included), digits and ``_``, not starting with a
    digit, not a reserved word; other characters become ``_``, a leading
    digit or a reserved word gets a leading ``_``, and a name taken already
    gets ``_2``, ``_3``, ... A valid name is kept as it is.

    Examples
    --------
    >>> stata_names(["ln(gdp)", "2sls", "in", "高技术出口"])
    {'ln(gdp)': 'ln_gdp_', '2sls': '_2sls', 'in': '_in', '高技术出口': '高技术出口'}
    """
    wanted: dict[str, str] = {}
    for col in columns:
        text = str(col)
        name = "".join(_stata_char(ch) for ch in text) or "_"
        if name in STATA_RESERVED or name[0].isdigit():
            name = "_" + name
        wanted[text] = name[:STATA_NAME_MAX]
    taken = {text for text, name in wanted.items() if text == name}  # valid names stay
    out: dict[str, str] = {}
    for text, name in wanted.items():
        base, k = name, 2
        while text != name and name in taken:
            suffix = f"_{k}"
            name = base[: STATA_NAME_MAX - len(suffix)] + suffix
            k += 1
        taken.add(name)
        out[text] = name
    return out


#: Integers beyond this magnitude lose digits in Stata's ``double`` (Stata has no 64-bit integer).
STATA_EXACT_INT = 2**53


def _stata_ready(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Columns pandas' Stata writer accepts, and a note per column written otherwise.

    Text columns become strings (missing kept), booleans 0/1 integers, dates lose their
    time zone, and integers beyond :data:`STATA_EXACT_INT` (which a Stata ``double`` cannot
    hold exactly) are written as text.
    """
    out = frame.copy()
    notes = []
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            out[col] = series.astype("Int8") if series.isna().any() else series.astype("int8")
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_localize(None)
        elif isinstance(series.dtype, pd.CategoricalDtype):  # written with value labels
            if not all(isinstance(c, str) for c in series.cat.categories):
                out[col] = series.cat.rename_categories([str(c) for c in series.cat.categories])
        elif pd.api.types.is_integer_dtype(series):
            big = series.dropna().abs().astype(float) >= STATA_EXACT_INT
            if big.any():
                out[col] = series.map(lambda v: None if pd.isna(v) else str(int(v)))
                notes.append(f"column '{col}' holds integers beyond 2^53, which Stata cannot "
                             "store exactly; it is written as text")
        elif not (pd.api.types.is_numeric_dtype(series)
                  or pd.api.types.is_datetime64_any_dtype(series)):
            out[col] = series.map(lambda v: None if v is None or (isinstance(v, float)
                                                                  and v != v) else str(v))
    return out, notes


def write_dta(frame: pd.DataFrame, path: str | os.PathLike[str], *,
              variable_labels: dict[str, str] | None = None,
              data_label: str | None = None) -> list[str]:
    """Write ``frame`` as a Stata .dta file (format 118, Stata 14 and later, Unicode text).

    Parameters
    ----------
    frame : DataFrame
        The data; the index is not written.
    path : path-like
        The .dta file (written whole or not at all; a link there is replaced).
    variable_labels : dict, optional
        Label of each column by its name (``{"tfi": "Trade facilitation index"}``);
        columns without one get none. Labels longer than Stata's 80 characters
        are shortened (ending in "...").
    data_label : str, optional
        The data set's label (Stata ``label data``), shortened to 80 characters.

    Returns
    -------
    list of str
        One note per column whose name Stata does not accept, naming the column
        and the name it has in the file (:func:`stata_names`), and per integer
        column written as text (values beyond 2^53, which a Stata ``double``
        cannot hold exactly); empty when every column was written as it is.

    Raises
    ------
    DataFormatError
        When the table has no columns or repeats a column name, or pandas'
        Stata writer refuses the data.

    Notes
    -----
    Written by ``pandas.DataFrame.to_stata(version=118)``: UTF-8 text (Chinese
    names, labels and values are kept), numbers in their own Stata type
    (integers that do not fit a Stata ``long`` become ``double``), missing
    values as Stata's ``.``, text columns as ``str#`` (``strL`` beyond 2045
    bytes), categorical columns with value labels, dates as ``%tc``.
    """
    p = Path(path)
    texts = [str(c) for c in frame.columns]
    if not texts:
        raise DataFormatError(f"cannot write {p}: the table has no columns.")
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        raise DataFormatError(f"cannot write {p}: column name(s) {repeated} are repeated; give "
                              "every column its own name.")
    names = stata_names(texts)
    data, notes = _stata_ready(frame)
    data.columns = [names[str(c)] for c in frame.columns]
    labels = {names[str(col)]: _short(str(text), STATA_LABEL_MAX)
              for col, text in (variable_labels or {}).items() if str(col) in names and text}
    long_text = [c for c in data.columns if data[c].dtype == object
                 and data[c].map(lambda v: len(str(v).encode("utf-8")) if v is not None
                                 else 0).max() > 2045]
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(p, suffix=".dta") as tmp:
            data.to_stata(tmp, write_index=False, version=118, variable_labels=labels,
                          data_label=None if data_label is None
                          else _short(data_label, STATA_LABEL_MAX),
                          convert_strl=long_text or None)
    except (ValueError, TypeError, OverflowError) as err:
        raise DataFormatError(f"cannot write {p} as a Stata .dta file: {err}. Write a .csv or "
                              ".parquet file instead.") from err
    return [f"column '{col}' is '{name}' in {p.name} (Stata names allow letters, digits "
            f"and _, at most {STATA_NAME_MAX} characters)"
            for col, name in names.items() if col != name] + [f"{n} in {p.name}" for n in notes]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def write_table_file(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                     encoding: str = "utf-8") -> Path:
    """Write ``frame`` as CSV, Excel (.xlsx), Parquet or Stata (.dta), by the extension of ``path``.

    ``encoding`` applies to CSV/TSV text: ``"utf-8-sig"`` (UTF-8 with a
    byte-order mark) makes Excel open Chinese text correctly. A .dta file is
    written by :func:`write_dta`; a column whose name Stata does not accept is
    renamed with a :class:`~hitex.errors.HitexWarning` naming both names.
    """
    p = Path(path)
    ext = _suffix(p)
    if ext == ".dta":
        for note in write_dta(frame, p):
            warnings.warn(note, HitexWarning, stacklevel=2)
        return p
    p.parent.mkdir(parents=True, exist_ok=True)
    writers = {".csv": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".csv.gz": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".txt": lambda t: frame.to_csv(t, index=False, encoding=encoding),
               ".tsv": lambda t: frame.to_csv(t, sep="\t", index=False, encoding=encoding),
               ".xlsx": lambda t: frame.to_excel(t, index=False),
               ".parquet": lambda t: frame.to_parquet(t, index=False)}
    if ext not in writers:
        raise DataFormatError(f"{p}: cannot write {ext!r}; use .csv, .tsv, .xlsx, .parquet or "
                              ".dta.")
    with atomic_path(p, suffix=ext) as tmp:  # whole or not at all; a link is replaced
        writers[ext](tmp)
    return p
