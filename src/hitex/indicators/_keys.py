"""Join keys and index handling shared by the indicator functions.

Two tables are joined on key columns (unit, year, product, agreement id) that
are often stored differently: a year as ``2015`` in one file and ``"2015"``,
``"2015.0"`` or ``"2015年"`` in another, a province code as ``11``, ``11.0``
or ``"11"``. When the key columns of the two tables differ in dtype (or hold
Python objects), both are compared as *key text*:

- a whole number (``11``, ``11.0``) becomes its integer text (``"11"``);
- text is stripped of surrounding spaces and of a trailing ``.0`` after
  digits (``"11.0"`` -> ``"11"``); leading zeros are kept (``"011"`` is not
  ``11``, as SITC ``054`` is not ``54``);
- for years, a trailing 年 is removed (``"2015年"`` -> ``"2015"``) and dates
  (``datetime64``, ``Period``) give their year.

The key columns of the first (left) table are returned unchanged, so a result
is identical to the one obtained when both tables store the key alike.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hitex.errors import DataFormatError, DuplicateKeyError, NonNumericError

_DOT_ZERO = re.compile(r"([+-]?\d+)\.0*")
_WHOLE = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def plain_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` without index names that are also column names.

    A table indexed on its own id columns (``df.set_index(["country", "year"],
    drop=False)``) makes pandas refuse to group or join by those columns
    ("is both an index level and a column label"). The index values are kept;
    only the clashing names are removed.
    """
    if not isinstance(frame, pd.DataFrame):
        return frame
    names = list(frame.index.names)
    if not any(n is not None and n in frame.columns for n in names):
        return frame
    clean = [None if n in frame.columns else n for n in names]
    out = frame.copy(deep=False)
    out.index = out.index.set_names(clean)
    return out


def _one_key(value: object, year: bool) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if year and isinstance(value, pd.Period):
        return str(value.year)
    if year and isinstance(value, (_dt.date, np.datetime64)):
        return str(pd.Timestamp(value).year)
    text = str(value).strip()
    if year and text.endswith("年"):
        text = text[:-1].strip()
    match = _DOT_ZERO.fullmatch(text)
    return match.group(1) if match else text


def key_text(values: pd.Series, *, year: bool = False) -> pd.Series:
    """Return join-key values as key text (see the module notes).

    Parameters
    ----------
    values : pandas.Series
        Key values of any dtype.
    year : bool, default False
        Also remove a trailing 年 and take the year of dates.

    Returns
    -------
    pandas.Series
        Object dtype, same index; missing values become ``None``.
    """
    if year and (isinstance(values.dtype, pd.PeriodDtype)
                 or pd.api.types.is_datetime64_any_dtype(values)):
        values = values.dt.year
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([_one_key(v, year) for v in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _kind(values: pd.Series) -> str:
    """'number', 'text', 'mixed', 'date' or 'empty' for the non-missing values."""
    if pd.api.types.is_bool_dtype(values):
        return "mixed"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values) or isinstance(values.dtype, pd.PeriodDtype):
        return "date"
    present = pd.unique(values.dropna())
    if len(present) == 0:
        return "empty"
    numbers = sum(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
                  for v in present)
    texts = sum(isinstance(v, str) for v in present)
    if numbers == len(present):
        return "number"
    if texts == len(present):
        return "text"
    return "mixed"


def _check_comparable(left: pd.Series, right: pd.Series, key: str, tables: tuple[str, str],
                      year: bool) -> None:
    """Refuse a numeric key on one side and text that is not a number on the other."""
    kinds = (_kind(left), _kind(right))
    if "number" not in kinds and not (year and "date" in kinds):
        return
    pattern = _WHOLE if year else _NUMBER
    for side, kind in zip((left, right), kinds, strict=True):
        if kind == "number" and not (year and pd.api.types.is_float_dtype(side)):
            continue
        text = key_text(side, year=year)
        bad = text.notna() & ~text.map(lambda v: isinstance(v, str) and bool(pattern.fullmatch(v)))
        if bad.any():
            ex = [list(dict.fromkeys(s.dropna().tolist()))[:3] for s in (left, right)]
            shown = list(dict.fromkeys(side[bad].tolist()))[:3]
            what, like = (("years", "whole years such as 2015") if year
                          else ("numbers", "numbers such as 11, or the same text codes"))
            raise DataFormatError(
                f"the key column {key!r} cannot be matched between the {tables[0]} table "
                f"(dtype {left.dtype}, e.g. {ex[0]}) and the {tables[1]} table (dtype "
                f"{right.dtype}, e.g. {ex[1]}): {shown} are not {what}. Write {key!r} the same "
                f"way in both tables ({like})."
            )


def _check_unique_keys(frame: pd.DataFrame, keys: list[str], shown: list[str], table: str) -> None:
    dup = frame.duplicated(subset=keys, keep=False)
    if dup.any():
        examples = frame.loc[dup, shown].head(4).to_dict("records")
        raise DuplicateKeyError(
            f"the {table} table has rows whose key {shown} is the same once written alike "
            f"(11, 11.0 and '11' count as one key; so do 2015 and '2015年'), e.g. {examples}; "
            "keep one row per key"
        )


def merge_keys(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: Sequence[str],
    *,
    how: str,
    tables: tuple[str, str],
    year_keys: Sequence[str] = (),
    validate: str | None = None,
) -> pd.DataFrame:
    """``left.merge(right, on=on, how=how)`` that tolerates differently stored keys.

    Key columns whose dtypes differ, or that hold Python objects, are compared
    as key text (module notes); ``left``'s key columns are kept as they are.

    Parameters
    ----------
    left, right : pandas.DataFrame
        The tables.
    on : sequence of str
        Key columns, present in both tables.
    how : str
        As in :meth:`pandas.DataFrame.merge`.
    tables : (str, str)
        Names of the two tables for error messages.
    year_keys : sequence of str
        Keys holding years (a trailing 年 and dates are accepted).
    validate : str, optional
        ``"many_to_one"`` or ``"one_to_one"``: keys must be unique in
        ``right`` (and in ``left`` for one-to-one) once written as key text.

    Raises
    ------
    DataFormatError
        A key is numeric in one table and holds text that is not a number in
        the other; the message names the key column, both dtypes and examples.
    DuplicateKeyError
        ``validate`` is violated once the keys are written alike.
    """
    keys = list(on)
    text_keys = [k for k in keys if left[k].dtype != right[k].dtype
                 or left[k].dtype == object or right[k].dtype == object]
    if not text_keys:
        return left.merge(right, on=keys, how=how, validate=validate)
    tmp = {k: f"__hitex_key_{i}" for i, k in enumerate(text_keys)}
    lk, rk = left.copy(), right.drop(columns=text_keys)
    for k in text_keys:
        _check_comparable(left[k], right[k], k, tables, k in year_keys)
        lk[tmp[k]] = key_text(left[k], year=k in year_keys)
        rk[tmp[k]] = key_text(right[k], year=k in year_keys).to_numpy()
    joined = [tmp.get(k, k) for k in keys]
    if validate in ("many_to_one", "one_to_one", "m:1", "1:1"):
        _check_unique_keys(rk.assign(**{k: right[k].to_numpy() for k in text_keys}), joined,
                           keys, tables[1])
    if validate in ("one_to_one", "1:1"):
        _check_unique_keys(lk, joined, keys, tables[0])
    out = lk.merge(rk, on=joined, how=how)
    return out.drop(columns=list(tmp.values()))


def year_numbers(frame: pd.DataFrame, col: str, id_col: str, table: str) -> pd.Series:
    """Return a year column as float64 years; dates and periods give their year.

    Raises
    ------
    NonNumericError
        Text that is not a year.
    DataFormatError
        Numbers that are not whole years between 1000 and 9999 (for example
        dates converted to nanoseconds, or ``20150101``).
    """
    values = frame[col]
    if isinstance(values.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.year.astype("float64")
    if values.dtype == object or pd.api.types.is_string_dtype(values):  # pandas 3: dtype str
        values = pd.Series([_object_year(v) for v in values], index=values.index, dtype=object)
    if pd.api.types.is_bool_dtype(values):
        raise NonNumericError(f"{table} column {col!r} holds True/False values, not years.")
    numbers = pd.to_numeric(values, errors="coerce")
    text = numbers.isna() & values.notna()
    if text.any():
        raise NonNumericError(
            f"{table} column {col!r} holds text that is not a year ({_pairs(frame, text, id_col, values)}"
            "). Give the year as a whole number (2015) or as dates (datetime64)."
        )
    bad = numbers.notna() & ((numbers % 1 != 0) | (numbers < 1000) | (numbers > 9999))
    if bad.any():
        raise DataFormatError(
            f"{table} column {col!r} holds {int(bad.sum())} value(s) that are not years "
            f"({_pairs(frame, bad, id_col, frame[col])}). Give the year as a whole number (2015) "
            "or the dates as datetime64 (pd.to_datetime), from which the year is taken."
        )
    return numbers.astype("float64")


def _pairs(frame: pd.DataFrame, mask: pd.Series, id_col: str, values: pd.Series) -> str:
    shown = zip(frame.loc[mask, id_col][:5], values[mask][:5], strict=True)
    return ", ".join(f"{id_col} {i!r}: {v!r}" for i, v in shown)


def _object_year(value: object) -> object:
    if isinstance(value, pd.Period):
        return value.year
    if isinstance(value, (_dt.date, np.datetime64)) and not pd.isna(value):
        return pd.Timestamp(value).year
    if isinstance(value, str):
        text = value.strip()
        return text[:-1].strip() if text.endswith("年") else text
    return value
