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


__all__ = ["MAX_DIGITS", "SIGNIFICANT", "check_digits", "fmt", "fmt_threshold", "is_whole_column"]
