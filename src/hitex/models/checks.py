"""Input checks shared by the estimators.

Each check raises a :class:`~hitex.errors.HitexError` subclass whose message
names the offending column (or key) and says how to fix it, so that bad input
never reaches the estimation engine as a traceback or a silent wrong number.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    EstimationError,
    HitexError,
    NonNumericError,
)


def require_dataframe(data: object, what: str = "data") -> pd.DataFrame:
    """Return ``data`` if it is a pandas DataFrame, else raise a HitexError."""
    if not isinstance(data, pd.DataFrame):
        raise HitexError(
            f"{what} must be a pandas DataFrame, got {type(data).__name__}. Convert it with "
            "pandas.DataFrame(...) or read it with pandas.read_csv(...)."
        )
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str], context: str = "") -> None:
    """Raise :class:`ColumnNotFoundError` for columns absent from ``data``.

    The message lists close matches among the existing columns.
    """
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if not missing:
        return
    hints = []
    existing = [str(c) for c in data.columns]
    for col in missing:
        close = difflib.get_close_matches(col, existing, n=3, cutoff=0.6)
        hints.append(f"'{col}'" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
    where = f" used in {context}" if context else ""
    raise ColumnNotFoundError(
        f"column {', '.join(hints)}{where} not found in the data. Available columns: "
        f"{', '.join(existing[:30])}{' ...' if len(existing) > 30 else ''}. Rename the column or "
        "fix the name."
    )


def require_numeric(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`NonNumericError` if a column holds text.

    Booleans are accepted. The message shows up to three offending values and
    the fix (``pandas.to_numeric(..., errors="coerce")`` or cleaning the file).
    """
    for col in dict.fromkeys(columns):
        series = data[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise NonNumericError(
            f"column '{col}' must be numeric but holds text"
            + (f" ({len(bad)} value(s) such as {examples})" if len(bad) else f" (dtype {series.dtype})")
            + f". Clean those values or convert with df['{col}'] = pandas.to_numeric(df['{col}'], "
            "errors='coerce') to treat them as missing."
        )


def require_unique(data: pd.DataFrame, key: Sequence[str]) -> None:
    """Raise :class:`DuplicateKeyError` if rows repeat on ``key``."""
    key = list(key)
    dup = data.duplicated(subset=key, keep=False)
    if dup.any():
        example = data.loc[dup, key].drop_duplicates().head(3)
        shown = "; ".join(
            ", ".join(f"{k}={v!r}" for k, v in zip(key, row, strict=True))
            for row in example.itertuples(index=False)
        )
        raise DuplicateKeyError(
            f"{int(dup.sum())} rows share the same ({', '.join(key)}) key, e.g. {shown}. Each "
            f"({', '.join(key)}) must appear once: drop or aggregate the duplicates "
            f"(df.drop_duplicates({key!r}) or df.groupby({key!r}).mean())."
        )


def require_nonempty(n: int, context: str, missing_by_column: dict[str, int] | None = None) -> None:
    """Raise :class:`EmptySampleError` when ``n`` is zero."""
    if n > 0:
        return
    detail = ""
    if missing_by_column:
        worst = sorted(missing_by_column.items(), key=lambda kv: -kv[1])[:5]
        detail = " Missing values by column: " + ", ".join(f"{k}: {v}" for k, v in worst) + "."
    raise EmptySampleError(
        f"no observations left for {context} after removing rows with missing values and "
        f"applying filters.{detail} Check the sample filter, the years and the variables' coverage."
    )


def require_variation(series: pd.Series, name: str) -> None:
    """Raise :class:`EstimationError` if the outcome is constant (e.g. all zero)."""
    values = series.dropna()
    if len(values) and values.nunique() <= 1:
        value = values.iloc[0]
        kind = "all zero" if value == 0 else f"constant (= {value!r})"
        raise EstimationError(
            f"outcome '{name}' is {kind} in the estimation sample, so no coefficient is "
            "identified. Check the outcome column and the sample filter."
        )


def missing_counts(data: pd.DataFrame, columns: Iterable[str]) -> dict[str, int]:
    """Number of missing values per column (only columns with any)."""
    counts = {c: int(data[c].isna().sum()) for c in dict.fromkeys(columns)}
    return {c: n for c, n in counts.items() if n}
