"""Number formatting shared by the table builders.

The rule for numbers that would print as zero
---------------------------------------------
Coefficients, standard errors and descriptive statistics are printed with a
fixed number of decimals (``digits``). A value that is not zero but rounds to
zero at those decimals (``-0.0000231`` at 3 decimals would print as
``-0.000``) is printed instead in scientific notation with three significant
digits (``-2.31e-05``), as Stata's ``esttab`` switches to exponents with its
automatic ``%9.0g``-like format. Exact zeros stay ``0.000``; so do values of
other cells (R-squared, differences in a comparison table), where "0.000" is
the meaningful answer.

In a regression table the rule applies to a whole coefficient row instead
(:func:`row_decimals`): when any coefficient of the row, or the standard
error, t statistic or interval bound under it, is not zero but would print as
zero, every number of that row and of the row under it is printed with as many
decimals as give its smallest such value three significant digits
(``-0.0000667`` among ``0.0000120``), so the numbers of one row stay
comparable at a glance, and the table's notes say which rows have more
decimals. Beyond :data:`MAX_DIGITS` decimals the row is printed in scientific
notation with three significant digits, every number of it alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError

MAX_DIGITS = 10
"""The largest number of decimals a table accepts."""

SIGNIFICANT = 3
"""Significant digits of a number shown in scientific notation."""


def check_digits(digits: Any, name: str = "digits") -> int:
    """Return ``digits`` as an int after checking it is a whole number from 0 to 10.

    Parameters
    ----------
    digits : int
        Number of decimals.
    name : str
        The option's name, for the message.

    Returns
    -------
    int

    Raises
    ------
    SpecificationError
        If ``digits`` is not a whole number from 0 to :data:`MAX_DIGITS`.
    """
    whole = isinstance(digits, int | np.integer) and not isinstance(digits, bool | np.bool_)
    if not whole or not 0 <= int(digits) <= MAX_DIGITS:
        raise SpecificationError(
            f"{name}={digits!r} is not a valid number of decimals: give a whole number from 0 "
            f"to {MAX_DIGITS}, e.g. {name}=3."
        )
    return int(digits)


def fmt(value: Any, digits: int, *, readable: bool = False) -> str:
    """Format a number with ``digits`` decimals; None and NaN give "".

    Parameters
    ----------
    value : number or None
        The value.
    digits : int
        Decimals.
    readable : bool
        Apply the module's rule: a non-zero value that rounds to zero at
        ``digits`` decimals is shown in scientific notation (``-2.31e-05``).

    Returns
    -------
    str
    """
    if value is None or pd.isna(value):
        return ""
    x = float(value)
    text = f"{x:.{digits}f}"
    if readable and x != 0 and math.isfinite(x) and float(text) == 0:
        return f"{x:.{SIGNIFICANT - 1}e}"
    return text


def row_decimals(values: Any, digits: int) -> int | None:
    """Decimals for a row of numbers that must not print a non-zero value as zero.

    Parameters
    ----------
    values : iterable of numbers
        The row's numbers (None and NaN are ignored).
    digits : int
        The table's decimals.

    Returns
    -------
    int or None
        ``digits`` when no non-zero value rounds to zero; else the decimals that
        give the smallest such value :data:`SIGNIFICANT` significant digits
        (``-6.67e-05`` needs 7: ``-0.0000667``); None when that exceeds
        :data:`MAX_DIGITS` (print the row in scientific notation, :func:`fmt_sci`).
    """
    hidden = []
    for value in values:
        if value is None or pd.isna(value):
            continue
        x = abs(float(value))
        if x != 0 and math.isfinite(x) and float(f"{x:.{digits}f}") == 0:
            hidden.append(x)
    if not hidden:
        return digits
    need = SIGNIFICANT - 1 - math.floor(math.log10(min(hidden)))
    return need if need <= MAX_DIGITS else None


def fmt_sci(value: Any) -> str:
    """A number in scientific notation with :data:`SIGNIFICANT` significant digits; None/NaN give ""."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.{SIGNIFICANT - 1}e}"


def fmt_threshold(p: float) -> str:
    """A significance level as printed in the star note: 0.1 -> '0.10', 0.001 -> '0.001'."""
    decimals = f"{p:.10f}".rstrip("0").split(".")[1]
    return f"{p:.{max(2, len(decimals))}f}"


def is_whole_column(values: pd.Series) -> bool:
    """True when every non-missing value of a numeric column is a whole number.

    Parameters
    ----------
    values : pandas.Series
        A numeric column.

    Returns
    -------
    bool
        True for integer columns and for float columns (e.g. years with a
        missing value) whose finite values are all integer-valued; False for a
        float column with no finite value.
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    if pd.api.types.is_integer_dtype(values):
        return True
    if pd.api.types.is_complex_dtype(values):
        return False
    x = values.dropna().to_numpy(dtype="float64")
    x = x[np.isfinite(x)]
    return bool(x.size) and bool(np.all(x == np.round(x)))


__all__ = ["MAX_DIGITS", "SIGNIFICANT", "check_digits", "fmt", "fmt_sci", "fmt_threshold",
           "is_whole_column", "row_decimals"]
