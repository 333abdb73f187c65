r"""Units of money amounts: stated per series, converted only on request, every conversion written down.

Trade statistics come in many units: the World Bank and UN Comtrade in US$,
CEPII in thousand US$, China's statistical yearbooks in 10,000 US$ (万美元),
million US$ (百万美元) or 100 million yuan (亿元), studies in billion US$. A
series handed to hitex states its unit by a code of :data:`UNITS`:

=============  ==================  ============  ==========================
code           currency            amount of     also written
=============  ==================  ============  ==========================
``USD``        US dollar           1             美元
``USD_1k``     US dollar           1,000         千美元
``USD_10k``    US dollar           10,000        万美元
``USD_m``      US dollar           1,000,000     百万美元
``USD_100m``   US dollar           10^8          亿美元
``USD_bn``     US dollar           10^9          十亿美元
``CNY``        yuan (RMB)          1             元
``CNY_10k``    yuan (RMB)          10,000        万元
``CNY_m``      yuan (RMB)          1,000,000     百万元
``CNY_100m``   yuan (RMB)          10^8          亿元
``CNY_bn``     yuan (RMB)          10^9          十亿元
=============  ==================  ============  ==========================

A change of scale within one currency is exact (a multiplication by a power
of ten). A change of currency needs an exchange rate for every year: hitex
takes the **annual average rate in units of the other currency per US
dollar**, the convention of the World Bank's official exchange rate
``PA.NUS.FCRF`` (period average of monthly averages, from the IMF's
International Financial Statistics) and of China's NBS "人民币对美元汇率(年平均价)"
once divided by 100 (the NBS prints yuan per 100 US$). An amount :math:`x` in
yuan of year :math:`t` is :math:`x / r_t` US$, a dollar amount is
:math:`x \cdot r_t` yuan. Annual averages are the right rate for annual flows
such as a year's exports; an end-of-year rate would not be.

:func:`harmonize` brings a column of a table to one unit: rows of different
units are refused unless a target unit is named, and every conversion it makes
is stated in ``notes`` (what was converted, from which unit to which, the
factor, the rates of each year), so that the caller can print it beside the
numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    EmptySampleError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators._keys import plain_index, year_numbers

__all__ = [
    "chinese_label",
    "RATE_CONVENTION",
    "UNITS",
    "Converted",
    "Unit",
    "as_unit",
    "convert",
    "harmonize",
    "numeric_amounts",
]

RATE_CONVENTION = ("annual average exchange rate, units of the other currency per US$ (World Bank "
                   "PA.NUS.FCRF convention; NBS 人民币对美元汇率(年平均价) / 100)")
"""The exchange-rate convention :func:`convert` expects, in words."""


@dataclass(frozen=True)
class Unit:
    """A unit of money amounts.

    Attributes
    ----------
    code : str
        Code of :data:`UNITS` (``"USD_bn"``).
    currency : str
        ISO 4217 currency code (``"USD"``, ``"CNY"``).
    scale : float
        Currency units in one unit of the series (``1e9`` for ``USD_bn``).
    label : str
        Words for tables and notes (``"billion US$"``).
    """

    code: str
    currency: str
    scale: float
    label: str


def _units() -> dict[str, Unit]:
    names = {"USD": "US$", "CNY": "yuan"}
    scales = {"": (1.0, ""), "_1k": (1e3, "thousand "), "_10k": (1e4, "10,000 "),
              "_m": (1e6, "million "), "_100m": (1e8, "100 million "), "_bn": (1e9, "billion ")}
    out = {}
    for cur, word in names.items():
        for suffix, (scale, prefix) in scales.items():
            if cur == "CNY" and suffix == "_1k":
                continue
            out[f"{cur}{suffix}"] = Unit(f"{cur}{suffix}", cur, scale, f"{prefix}{word}")
    return out


UNITS: Mapping[str, Unit] = MappingProxyType(_units())
"""Known units by code (see the module notes)."""

_ALIASES = MappingProxyType({
    "美元": "USD", "千美元": "USD_1k", "万美元": "USD_10k", "百万美元": "USD_m",
    "亿美元": "USD_100m", "十亿美元": "USD_bn",
    "元": "CNY", "万元": "CNY_10k", "百万元": "CNY_m", "亿元": "CNY_100m", "十亿元": "CNY_bn",
    "亿元人民币": "CNY_100m", "万元人民币": "CNY_10k",
})


def chinese_label(unit: str | Unit) -> str:
    """The unit's Chinese name (``USD_bn`` -> 十亿美元, ``CNY_100m`` -> 亿元)."""
    code = as_unit(unit).code
    return next((zh for zh, c in _ALIASES.items() if c == code), as_unit(unit).label)


def as_unit(name: str | Unit, *, argument: str = "unit") -> Unit:
    """Return the :class:`Unit` of a code (``"USD_bn"``) or Chinese name (``"亿元"``).

    Parameters
    ----------
    name : str or Unit
        A code of :data:`UNITS` (case as written there) or one of the Chinese
        names of the module table.
    argument : str, default "unit"
        Name of the argument, for the error message.

    Raises
    ------
    SpecificationError
        An unknown unit; the message lists the known codes.
    """
    if isinstance(name, Unit):
        return name
    if isinstance(name, str):
        text = name.strip()
        code = _ALIASES.get(text, text)
        if code in UNITS:
            return UNITS[code]
    raise SpecificationError(
        f"{argument}={name!r} is not a known unit; give one of {list(UNITS)} (or a Chinese name: "
        f"{list(_ALIASES)})"
    )


@dataclass(frozen=True)
class Converted:
    """Amounts brought to one unit, with the statement of every conversion made.

    Attributes
    ----------
    values : pandas.Series
        The amounts in ``unit`` (float64, the index of the input).
    unit : Unit
        Their unit.
    notes : tuple of str
        One sentence per conversion made (empty when none was needed).
    """

    values: pd.Series
    unit: Unit
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """The notes, one per line (empty when nothing was converted)."""
        return "\n".join(self.notes)


def numeric_amounts(frame: pd.DataFrame, col: str, *, table: str, show: Sequence[str] = (),
                    argument: str = "value=", nonnegative: bool = True) -> pd.Series:
    """Return a column of amounts as float64, refusing text, infinities and negative amounts.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    col : str
        The column of amounts.
    table : str
        Name of the table, for messages.
    show : sequence of str
        Id columns shown for offending rows (e.g. unit and year).
    argument : str, default "value="
        Argument that names the column, for messages.
    nonnegative : bool, default True
        Refuse negative amounts (exports are >= 0).

    Raises
    ------
    ColumnNotFoundError
        ``col`` is not a column of the table.
    NonNumericError
        Text (or True/False) that is not a number; the message names the rows.
    DataFormatError
        Infinite or (with ``nonnegative``) negative amounts; the message names the rows.
    """
    if col not in frame.columns:
        raise ColumnNotFoundError(
            f"column {col!r} is not in the {table} (columns: {list(frame.columns)}); pass the "
            f"right name as {argument}"
        )
    raw = frame[col]
    show = [c for c in show if c in frame.columns]
    if pd.api.types.is_bool_dtype(raw):
        raise NonNumericError(f"{table} column {col!r} holds True/False values, not amounts; "
                              "give numbers")
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
    else:
        cleaned = raw.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
        cleaned = cleaned.map(lambda v: np.nan if isinstance(v, str) and v == "" else v)
        values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        text = values.isna() & cleaned.notna()
        if text.any():
            raise NonNumericError(
                f"{table} column {col!r} holds {int(text.sum())} value(s) that are not numbers, "
                f"e.g. {_rows(frame, text, show, col)}; give numbers (a missing value as empty "
                "or NaN, not as a word such as '-' or 'n.a.')"
            )
    infinite = np.isinf(values)
    if infinite.any():
        raise DataFormatError(
            f"{table} column {col!r} holds infinite values, e.g. {_rows(frame, infinite, show, col)}"
            "; give finite amounts or leave them missing"
        )
    if nonnegative:
        negative = values < 0
        if negative.any():
            raise DataFormatError(
                f"{table} column {col!r} has {int(negative.sum())} negative export value(s), e.g. "
                f"{_rows(frame, negative, show, col)}; export values are >= 0 (check for net "
                "exports or re-export corrections, and remove or correct those rows)"
            )
    return values


def _rows(frame: pd.DataFrame, mask: pd.Series, show: Sequence[str], col: str) -> list[dict]:
    return frame.loc[mask, [*show, col]].head(4).to_dict("records")


def _rate_table(rates: pd.Series | pd.DataFrame, currency: str) -> pd.Series:
    """Exchange rates as a float Series indexed by integer year."""
    if isinstance(rates, pd.DataFrame):
        missing = [c for c in ("year", "rate") if c not in rates.columns]
        if missing:
            raise ColumnNotFoundError(
                f"the exchange-rate table lacks column(s) {missing} (columns: "
                f"{list(rates.columns)}); give columns 'year' and 'rate' ({currency} per US$, "
                "annual average) or a Series of rates indexed by year"
            )
        table = plain_index(rates).reset_index(drop=True)
        years = year_numbers(table, "year", "year", "exchange-rate table")
        values = numeric_amounts(table, "rate", table="exchange-rate table", show=["year"],
                                 argument="rates=")
    elif isinstance(rates, pd.Series):
        table = pd.DataFrame({"year": rates.index, "rate": rates.to_numpy()})
        years = year_numbers(table, "year", "year", "exchange-rate series index")
        values = numeric_amounts(table, "rate", table="exchange-rate series", show=["year"],
                                 argument="rates=")
    else:
        raise SpecificationError(
            f"rates= must be a pandas Series indexed by year or a DataFrame with 'year' and "
            f"'rate' ({currency} per US$, annual average), not {type(rates).__name__}"
        )
    keep = values.notna() & years.notna()
    out = pd.Series(values[keep].to_numpy(), index=years[keep].astype(int).to_numpy())
    if out.index.duplicated().any():
        dup = sorted(set(out.index[out.index.duplicated()]))
        raise DataFormatError(f"the exchange-rate table has several rates for year(s) {dup}; keep "
                              "one annual average rate per year")
    if (out <= 0).any():
        raise DataFormatError(f"exchange rates must be > 0; years {list(out.index[out <= 0])} are not")
    if currency == "CNY":
        # yuan per US$ has stayed between 1.5 (1980) and 8.7 (1994) since 1980
        high, low = out[out > 20], out[out < 1]
        if len(high):
            raise DataFormatError(
                f"yuan per US$ rates such as {high.iloc[0]:g} ({high.index[0]}) look like yuan per "
                "100 US$ (the NBS prints 人民币对美元汇率 per 100 dollars); divide the rates by 100"
            )
        if len(low):
            raise DataFormatError(
                f"yuan per US$ rates such as {low.iloc[0]:g} ({low.index[0]}) look like US$ per "
                "yuan; give yuan per US$ (take 1 / rate)"
            )
    return out.sort_index()


def convert(values: pd.Series, source: str | Unit, target: str | Unit, *,
            years: pd.Series | None = None, rates: pd.Series | pd.DataFrame | None = None,
            what: str = "values") -> Converted:
    """Convert amounts from one unit to another and state what was done.

    Parameters
    ----------
    values : pandas.Series
        Amounts in ``source`` (numbers; missing values stay missing).
    source, target : str or Unit
        Units (codes of :data:`UNITS` or Chinese names).
    years : pandas.Series, optional
        The year of each amount (same index as ``values``); needed when the
        currency changes.
    rates : pandas.Series or pandas.DataFrame, optional
        Needed when the currency changes: annual average rates in units of the
        non-dollar currency per US$ (:data:`RATE_CONVENTION`), as a Series
        indexed by year or a table with columns ``year`` and ``rate``.
    what : str, default "values"
        What is converted, for the note.

    Returns
    -------
    Converted
        The converted amounts, their unit and the note stating the conversion
        (no note when ``source`` equals ``target``).

    Raises
    ------
    SpecificationError
        An unknown unit, a change of currency without ``years``/``rates``, or
        two currencies neither of which is the US$.
    DataFormatError
        A year with an amount has no rate, or the rates look like another
        convention (yuan per 100 US$, US$ per yuan).

    Examples
    --------
    >>> import pandas as pd
    >>> from hitex.indicators.units import convert
    >>> out = convert(pd.Series([1470.0]), "USD_10k", "USD_m", what="exports")
    >>> float(out.values.iloc[0])
    14.7
    >>> print(out.text())
    exports: 1 amount(s) converted from USD_10k (10,000 US$) to USD_m (million US$): x 0.01
    """
    src = as_unit(source, argument="source")
    dst = as_unit(target, argument="target")
    amounts = pd.to_numeric(values, errors="coerce").astype("float64")
    if src == dst:
        return Converted(amounts, dst)
    count = int(amounts.notna().sum())
    head = (f"{what}: {count} amount(s) converted from {src.code} ({src.label}) to {dst.code} "
            f"({dst.label})")
    if src.currency == dst.currency:
        # one rounding: multiply or divide by an exact power of ten
        if src.scale >= dst.scale:
            out, factor = amounts * (src.scale / dst.scale), src.scale / dst.scale
        else:
            out, factor = amounts / (dst.scale / src.scale), src.scale / dst.scale
        return Converted(out, dst, (f"{head}: x {factor:g}",))
    if "USD" not in (src.currency, dst.currency):
        raise SpecificationError(
            f"cannot convert {src.currency} to {dst.currency} directly: exchange rates are "
            "per US$; convert to a USD unit first"
        )
    other = src.currency if dst.currency == "USD" else dst.currency
    if years is None or rates is None:
        raise SpecificationError(
            f"converting {what} from {src.code} to {dst.code} changes the currency: pass rates= "
            f"({other} per US$ by year, annual average, e.g. World Bank PA.NUS.FCRF) and the "
            "year of each amount"
        )
    table = _rate_table(rates, other)
    year = pd.Series(np.asarray(years, dtype="float64"), index=amounts.index)
    per_year = year.map(lambda y: table.get(int(y), np.nan) if pd.notna(y) else np.nan)
    lacking = sorted({int(y) for y in year[amounts.notna() & per_year.isna()].dropna()})
    if lacking or (amounts.notna() & year.isna()).any():
        raise DataFormatError(
            f"no {other} per US$ exchange rate for year(s) {lacking or 'missing'} to convert "
            f"{what}; add the annual average rates of those years to rates= or leave those rows out"
        )
    if dst.currency == "USD":
        out = amounts * src.scale / per_year / dst.scale
        how = f"x {src.scale:g} {src.currency}, / ({other} per US$ of the year), / {dst.scale:g}"
    else:
        out = amounts * src.scale * per_year / dst.scale
        how = f"x {src.scale:g} US$, x ({other} per US$ of the year), / {dst.scale:g}"
    used = sorted({int(y) for y in year[amounts.notna()]})
    shown = ", ".join(f"{y}: {table[y]:g}" for y in used)
    return Converted(out, dst, (f"{head}: {how}; {RATE_CONVENTION}; rates used {shown}",))


def harmonize(frame: pd.DataFrame, value: str, unit_of_value: str, *, to_unit: str | None = None,
              time: str | None = None, rates: pd.Series | pd.DataFrame | None = None,
              table: str = "table", show: Sequence[str] = ()) -> Converted:
    """Bring a column of amounts to one unit; rows of different units are refused unless asked.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    value : str
        Column of amounts (numbers >= 0).
    unit_of_value : str
        The unit of every row (a code of :data:`UNITS`, e.g. ``"USD_bn"``), or
        the name of a column of ``frame`` holding each row's unit code.
    to_unit : str, optional
        Convert every row to this unit. Without it all rows must share one unit.
    time : str, optional
        Year column, needed for a change of currency.
    rates : pandas.Series or pandas.DataFrame, optional
        Exchange rates for a change of currency (see :func:`convert`).
    table : str, default "table"
        Name of the table, for messages.
    show : sequence of str
        Id columns shown for offending rows.

    Returns
    -------
    Converted
        The amounts in one unit, with a note for every conversion made.

    Raises
    ------
    DataFormatError
        Rows carry different units and ``to_unit`` is not given (the message
        names rows of each unit), or a row has no unit.
    SpecificationError
        An unknown unit (in the argument or in the unit column).
    """
    values = numeric_amounts(frame, value, table=table, show=show)
    show = [c for c in show if c in frame.columns]
    if isinstance(unit_of_value, str) and unit_of_value in frame.columns:
        if unit_of_value in UNITS or unit_of_value in _ALIASES:
            raise SpecificationError(
                f"unit_of_value={unit_of_value!r} is both a unit code and a column of the {table}; "
                "rename the column"
            )
        row_units = frame[unit_of_value]
        absent = row_units.isna() | (row_units.astype(str).str.strip() == "")
        if absent.any():
            raise DataFormatError(
                f"{table} column {unit_of_value!r} gives no unit for {int(absent.sum())} row(s), "
                f"e.g. {frame.loc[absent, show].head(4).to_dict('records')}; give every row its unit"
            )
        codes = {u: as_unit(u, argument=f"unit column {unit_of_value!r} value").code
                 for u in pd.unique(row_units)}
        row_codes = row_units.map(codes)
    else:
        row_codes = pd.Series(as_unit(unit_of_value, argument="unit_of_value").code,
                              index=frame.index)
    present = list(dict.fromkeys(row_codes))
    if not present:
        raise EmptySampleError(f"the {table} has no rows")
    if to_unit is None:
        if len(present) > 1:
            counts = row_codes.value_counts()
            examples = "; ".join(
                f"{code} ({counts[code]} rows, e.g. "
                f"{frame.loc[row_codes == code, [*show, value]].head(2).to_dict('records')})"
                for code in counts.index)
            raise DataFormatError(
                f"the {table} column {value!r} mixes units: {examples}. Give the series in one "
                f"unit, or pass to_unit= (e.g. {counts.index[0]!r}; with rates= by year when "
                "yuan and dollars mix) to convert every row"
            )
        return Converted(values, UNITS[present[0]])
    target = as_unit(to_unit, argument="to_unit")
    out = values.copy()
    notes = []
    for code in present:
        mask = row_codes == code
        years = None
        if time is not None and UNITS[code].currency != target.currency:
            part = frame.loc[mask]
            if pd.api.types.is_string_dtype(part[time]):
                part = part.astype({time: object})
            years = year_numbers(part, time, show[0] if show else time, table)
        conv = convert(values[mask], code, target, years=years, rates=rates,
                       what=f"{table} column {value!r}")
        out[mask] = conv.values
        notes.extend(conv.notes)
    return Converted(out, target, tuple(notes))
