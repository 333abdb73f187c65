"""Checks of the tables handed to the indicator functions.

The product, high-tech and sophistication indicators
(:mod:`hitex.indicators.products`, :mod:`hitex.indicators.hightech`,
:mod:`hitex.indicators.sophistication`) check their input tables by the same
rules: :func:`require_frame` refuses anything but a DataFrame and
:func:`numeric_column` reads a value column as numbers, refusing text with a
message that names the column, the table and the fix.
"""

from __future__ import annotations

import pandas as pd

from hitex.errors import NonNumericError, SpecificationError

__all__ = ["numeric_column", "require_frame"]


def require_frame(obj: object, what: str) -> None:
    """Raise :class:`~hitex.errors.SpecificationError` unless ``obj`` is a DataFrame.

    ``what`` names the table in the message (``"trade"`` -> "the trade table").
    """
    if not isinstance(obj, pd.DataFrame):
        raise SpecificationError(f"the {what} table must be a pandas DataFrame, got {type(obj)!r}")


def numeric_column(col: pd.Series, name: str, table: str = "trade") -> pd.Series:
    """Return ``col`` as float64, refusing text (also numbers stored as text).

    Parameters
    ----------
    col : Series
        The column.
    name : str
        Its name, for the message.
    table : str, default 'trade'
        The table it belongs to, for the message.

    Raises
    ------
    NonNumericError
        The column holds True/False values, text, or numbers stored as text;
        the message names the column, the table and how to convert it.
    """
    if pd.api.types.is_bool_dtype(col):
        raise NonNumericError(
            f"column {name!r} of the {table} table holds True/False values; it must hold numbers"
        )
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    text = col[col.map(lambda v: isinstance(v, str))]
    if not text.empty:
        converted = pd.to_numeric(text, errors="coerce")
        bad = list(dict.fromkeys(text[converted.isna()].tolist()))[:3]
        detail = (
            f"text such as {bad}" if bad else f"numbers stored as text such as {text.iloc[0]!r}"
        )
        raise NonNumericError(
            f"column {name!r} of the {table} table holds {detail}; it must be numeric. Fix those "
            f"entries and convert it with pd.to_numeric(df[{name!r}])"
        )
    return pd.to_numeric(col).astype("float64")
