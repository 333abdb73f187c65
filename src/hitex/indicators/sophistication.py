r"""Revealed comparative advantage and export sophistication (PRODY, EXPY).

Notation: :math:`x_{cp}` exports of product :math:`p` by exporter :math:`c`
(a country, or a province or region), :math:`X_c = \sum_p x_{cp}` the
exporter's total, :math:`Y_c` its GDP per capita. With a year column every
quantity is computed within each year.

Balassa (1965) revealed comparative advantage:

.. math::

    \mathrm{RCA}_{cp} = \frac{x_{cp} / \sum_p x_{cp}}
                             {\sum_c x_{cp} / \sum_c \sum_p x_{cp}} .

Hausmann, Hwang and Rodrik (2007) product sophistication, the income level of
a product as a weighted mean of its exporters' GDP per capita, the weights
being RCA-like export shares:

.. math::

    \mathrm{PRODY}_p = \sum_c \frac{x_{cp} / X_c}{\sum_{c'} x_{c'p} / X_{c'}} \, Y_c ,

and the export sophistication of an exporter, the export-weighted mean PRODY
of its basket:

.. math::

    \mathrm{EXPY}_c = \sum_p \frac{x_{cp}}{X_c} \, \mathrm{PRODY}_p .

PRODY needs GDP per capita and is usually computed from country-level world
trade; EXPY can then be computed for any exporter (a Chinese province, say)
from its own export basket and those PRODY values.

City export technical complexity (study 003, after Chao 2022): a city's
tertiary-industry share of GDP times its province's EXPY,

.. math::

    \mathrm{ESF}_{it} = s_{it} \cdot \mathrm{EXPY}_{\mathrm{prov}(i),t},

with :math:`s_{it}` the share as a *fraction* (0-1). Study 003 reports
:math:`\ln \mathrm{ESF}` with mean 9.55 (range 8.45-10.56), which fits a
fraction times a provincial EXPY of the order of 10^4 (a percent would add
:math:`\ln 100 \approx 4.6`). :func:`city_export_complexity` takes
``share_unit="fraction"`` (default) or ``"percent"`` and converts percent to a
fraction.

Rows absent from a trade table count as zero exports. Input problems raise
:class:`~hitex.errors.HitexError` subclasses that name the column and the fix:
an empty table, negative or missing exports, text in a value column, duplicate
exporter-product(-year) rows, exporters without GDP per capita.

Keys joining two tables (country, product, year, province) may be stored
differently in each: 2015, 2015.0, ``"2015"``, ``"2015.0"`` and ``"2015年"``
are one year, 11, 11.0 and ``"11"`` one code (text keeps its leading zeros:
``"054"`` is not 54). A key that is numeric in one table and text that is not
a number in the other raises a :class:`~hitex.errors.DataFormatError`. Tables
indexed on their own key columns (``set_index(..., drop=False)``) are accepted.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    SpecificationError,
)
from hitex.indicators._keys import merge_keys, plain_index
from hitex.indicators.input_checks import numeric_column, require_frame

Missing = Literal["raise", "drop"]


# --------------------------------------------------------------------------- validation
def _columns(df: pd.DataFrame, cols: Sequence[str], table: str, hint: str) -> None:
    for col in cols:
        if col not in df.columns:
            raise ColumnNotFoundError(
                f"column {col!r} is not in the {table} table (columns: {list(df.columns)}); {hint}"
            )


def _examples(df: pd.DataFrame, keys: Sequence[str], mask: pd.Series, n: int = 5) -> list:
    rows = df.loc[mask, list(keys)].drop_duplicates().head(n)
    return [tuple(r) if len(keys) > 1 else r[0] for r in rows.itertuples(index=False)]


def _check_unique(df: pd.DataFrame, keys: Sequence[str], table: str, fix: str) -> None:
    dup = df.duplicated(subset=list(keys), keep=False)
    if dup.any():
        raise DuplicateKeyError(
            f"the {table} table has {int(dup.sum())} rows that repeat the key {list(keys)}, e.g. "
            f"{_examples(df, keys, dup)}; {fix}"
        )


def _prepare_trade(
    trade: pd.DataFrame, country: str, product: str, value: str, year: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """Validate a product-level export table; return a clean copy and the time keys."""
    require_frame(trade, "trade")
    tkeys = [year] if year is not None else []
    keys = [*tkeys, country, product]
    _columns(
        trade,
        [*keys, value],
        "trade",
        "pass the column names as country=, product=, value= (and year=)",
    )
    if trade.empty:
        raise EmptySampleError(
            "the product-level export table is empty; pass exports by exporter and product"
        )
    df = plain_index(trade).loc[:, [*keys, value]].reset_index(drop=True)
    df[value] = numeric_column(df[value], value, "trade")
    no_key = df[keys].isna().any(axis=1)
    if no_key.any():
        raise DataFormatError(
            f"{int(no_key.sum())} rows of the trade table have no {'/'.join(keys)}; "
            "drop them or fill in the missing keys"
        )
    miss = df[value].isna()
    if miss.any():
        raise DataFormatError(
            f"{int(miss.sum())} rows have no export value in column {value!r}, e.g. "
            f"{_examples(df, keys, miss)}; fill them with 0 (no exports) or drop them"
        )
    neg = df[value] < 0
    if neg.any():
        raise DataFormatError(
            f"column {value!r} has {int(neg.sum())} negative export values, e.g. "
            f"{_examples(df, keys, neg)}; exports cannot be negative: correct or drop these rows"
        )
    _check_unique(
        df,
        keys,
        "trade",
        f"aggregate first, e.g. df.groupby({keys!r}, as_index=False)[{value!r}].sum()",
    )
    return df, tkeys


def _zero_exporters(
    df: pd.DataFrame, tkeys: list[str], country: str, value: str
) -> tuple[pd.Series, pd.Series]:
    """Exporter totals X_c per row and the mask of rows whose exporter has X_c = 0."""
    total = df.groupby([*tkeys, country])[value].transform("sum")
    zero = total <= 0
    if zero.any():
        warnings.warn(
            f"exporters with zero total exports in column {value!r} are left out (their shares "
            f"are undefined): {_examples(df, [*tkeys, country], zero, 10)}",
            DataCoverageWarning,
            stacklevel=3,
        )
    return total, zero


# --------------------------------------------------------------------------- RCA
def rca(
    trade: pd.DataFrame,
    *,
    country: str = "country",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
) -> pd.DataFrame:
    r"""Balassa revealed comparative advantage.

    .. math::

        \mathrm{RCA}_{cp} = \frac{x_{cp} / \sum_p x_{cp}}{\sum_c x_{cp} / \sum_{c,p} x_{cp}}

    computed within each ``year`` when a year column is given.

    Parameters
    ----------
    trade : pandas.DataFrame
        One row per exporter x product (x year) with the export value.
    country, product, value : str
        Columns with the exporter (country or region), the product code and
        the export value.
    year : str, optional
        Year column; RCA is computed year by year.

    Returns
    -------
    pandas.DataFrame
        The key columns, ``value`` and ``rca``, one row per input row. RCA is
        missing for an exporter with zero total exports (warned) and for a
        product nobody exports.

    Raises
    ------
    ColumnNotFoundError, EmptySampleError, NonNumericError, DataFormatError,
    DuplicateKeyError
        See the module notes.
    """
    df, tkeys = _prepare_trade(trade, country, product, value, year)
    x = df[value]
    xc, zero = _zero_exporters(df, tkeys, country, value)
    xp = df.groupby([*tkeys, product])[value].transform("sum")
    xw = df.groupby(tkeys)[value].transform("sum") if tkeys else pd.Series(x.sum(), index=df.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x / xc) / (xp / xw)
    df["rca"] = out.where(~zero & (xp > 0))
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- PRODY
def prody(
    trade: pd.DataFrame,
    gdp_pc: pd.DataFrame,
    *,
    country: str = "country",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
    gdp: str = "gdp_pc",
    missing_gdp: Missing = "raise",
) -> pd.DataFrame:
    r"""Product sophistication PRODY (Hausmann, Hwang and Rodrik 2007).

    .. math::

        \mathrm{PRODY}_p = \sum_c
            \frac{x_{cp}/X_c}{\sum_{c'} x_{c'p}/X_{c'}}\; Y_c ,
        \qquad X_c = \sum_p x_{cp},

    with :math:`Y_c` GDP per capita, within each ``year`` when given.

    Parameters
    ----------
    trade : pandas.DataFrame
        Exports by country x product (x year).
    gdp_pc : pandas.DataFrame
        GDP per capita by country (x year): columns ``country``, ``gdp``
        (and ``year`` when a year is given), same column names as ``trade``.
    country, product, value, year : str
        Column names (see :func:`rca`).
    gdp : str
        GDP-per-capita column of ``gdp_pc``.
    missing_gdp : {"raise", "drop"}
        What to do with exporters that have exports but no (or a missing)
        GDP per capita: raise an error naming them (default), or leave them
        out of the computation with a warning (the shares of the remaining
        countries are then renormalised).

    Returns
    -------
    pandas.DataFrame
        Columns (``year``,) ``product``, ``prody``, one row per product (and
        year) of ``trade``; PRODY is missing for a product that no included
        country exports.

    Raises
    ------
    DataFormatError
        For exporters without GDP per capita (``missing_gdp="raise"``), GDP
        per capita that is not positive, and the trade-table problems of
        :func:`rca`.
    NonNumericError, DuplicateKeyError, ColumnNotFoundError, EmptySampleError
        For text in ``gdp``, a repeated country(-year) in ``gdp_pc``, missing
        columns or an empty table.
    """
    df, tkeys = _prepare_trade(trade, country, product, value, year)
    ckeys = [*tkeys, country]
    income = _prepare_gdp(gdp_pc, ckeys, gdp, year)
    totals = df.groupby(ckeys, as_index=False)[value].sum()
    totals = merge_keys(totals, income, ckeys, how="left", tables=("trade", "gdp_pc"),
                        year_keys=tkeys, validate="many_to_one")
    exporting = totals[value] > 0
    no_gdp = exporting & totals[gdp].isna()
    if no_gdp.any():
        named = _examples(totals, ckeys, no_gdp, 20)
        if missing_gdp == "raise":
            raise DataFormatError(
                f"{int(no_gdp.sum())} exporter(s) have exports but no GDP per capita in column "
                f"{gdp!r}: {named}. Add their GDP per capita to the gdp_pc table, drop them from "
                "the trade table, or pass missing_gdp='drop'"
            )
        if missing_gdp != "drop":
            raise SpecificationError(f"missing_gdp must be 'raise' or 'drop', got {missing_gdp!r}")
        warnings.warn(
            f"left out of PRODY for lack of GDP per capita in column {gdp!r}: {named}",
            DataCoverageWarning,
            stacklevel=2,
        )
    keep = totals.loc[exporting & totals[gdp].notna(), [*ckeys, value, gdp]]
    if (~exporting).any():
        warnings.warn(
            f"exporters with zero total exports in column {value!r} are left out of PRODY: "
            f"{_examples(totals, ckeys, ~exporting, 10)}",
            DataCoverageWarning,
            stacklevel=2,
        )
    keep = keep.rename(columns={value: "_X"})
    work = df.merge(keep, on=ckeys, how="inner")
    if work.empty:
        raise EmptySampleError(
            "no exporter has both positive exports and GDP per capita; check the country codes "
            "and years of the trade and gdp_pc tables"
        )
    work["_s"] = work[value] / work["_X"]
    pkeys = [*tkeys, product]
    work["_S"] = work.groupby(pkeys)["_s"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        work["_w"] = work["_s"] / work["_S"]
    work["_wy"] = work["_w"] * work[gdp]
    # a product nobody exports has _S = 0, so all its weights are 0/0 = NaN -> PRODY missing;
    # products exported only by left-out countries are kept with a missing PRODY too
    out = work.groupby(pkeys)["_wy"].sum(min_count=1).rename("prody").reset_index()
    out = df[pkeys].drop_duplicates().merge(out, on=pkeys, how="left")
    return out.sort_values(pkeys).reset_index(drop=True)


def _prepare_gdp(
    gdp_pc: pd.DataFrame, ckeys: list[str], gdp: str, year: str | None
) -> pd.DataFrame:
    require_frame(gdp_pc, "gdp_pc")
    hint = (
        "the GDP-per-capita table needs the same country (and year) column names as the trade "
        f"table: {ckeys} and {gdp!r} (pass gdp=...)"
    )
    country = ckeys[-1]
    if year is None and "year" in gdp_pc.columns and country in gdp_pc.columns:
        hint += "; it looks like a panel: pass year='year'"
    _columns(gdp_pc, [*ckeys, gdp], "gdp_pc", hint)
    inc = gdp_pc.loc[:, [*ckeys, gdp]].reset_index(drop=True)
    inc[gdp] = numeric_column(inc[gdp], gdp, "gdp_pc")
    _check_unique(
        inc,
        ckeys,
        "gdp_pc",
        f"keep one GDP per capita per {'-'.join(ckeys)} (pass year= for a panel)",
    )
    bad = inc[gdp] <= 0
    if bad.any():
        raise DataFormatError(
            f"column {gdp!r} has GDP per capita that is zero or negative for "
            f"{_examples(inc, ckeys, bad)}; GDP per capita must be positive (in levels, not logs)"
        )
    return inc


# --------------------------------------------------------------------------- EXPY
def expy(
    trade: pd.DataFrame,
    prody_table: pd.DataFrame,
    *,
    country: str = "country",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
    prody_col: str = "prody",
    missing_prody: Missing = "raise",
) -> pd.DataFrame:
    r"""Export sophistication EXPY of countries or regions.

    .. math::

        \mathrm{EXPY}_c = \sum_p \frac{x_{cp}}{X_c}\,\mathrm{PRODY}_p ,
        \qquad X_c = \sum_p x_{cp},

    within each ``year`` when given. The exporters may be countries or
    regions (provinces); PRODY usually comes from :func:`prody` on
    country-level world trade.

    Parameters
    ----------
    trade : pandas.DataFrame
        Exports by exporter x product (x year).
    prody_table : pandas.DataFrame
        Columns ``product`` and ``prody_col``, and ``year`` for year-specific
        PRODY. Without a year column the same PRODY is used in every year
        (time-invariant PRODY, as in studies that fix PRODY at a base period).
    country, product, value, year : str
        Column names (see :func:`rca`).
    prody_col : str
        PRODY column of ``prody_table``.
    missing_prody : {"raise", "drop"}
        What to do with exported products that have no PRODY: raise an error
        naming them (default), or leave them out with a warning, in which
        case :math:`X_c` is the total over the products that have a PRODY.

    Returns
    -------
    pandas.DataFrame
        Columns (``year``,) ``country``, ``expy``.

    Raises
    ------
    DataFormatError
        For exported products without PRODY (``missing_prody="raise"``) and
        the trade-table problems of :func:`rca`.
    NonNumericError, DuplicateKeyError, ColumnNotFoundError, EmptySampleError
        For text in ``prody_col``, repeated products in ``prody_table``,
        missing columns or an empty table.
    """
    df, tkeys = _prepare_trade(trade, country, product, value, year)
    require_frame(prody_table, "prody")
    pk = [*tkeys, product] if (year is not None and year in prody_table.columns) else [product]
    _columns(
        prody_table,
        [*pk, prody_col],
        "prody",
        f"it needs columns {pk} and {prody_col!r} with the same names as the trade table",
    )
    pt = prody_table.loc[:, [*pk, prody_col]].reset_index(drop=True)
    pt[prody_col] = numeric_column(pt[prody_col], prody_col, "prody")
    _check_unique(pt, pk, "prody", "keep one PRODY per product (and year)")
    work = merge_keys(df, pt, pk, how="left", tables=("trade", "prody"), year_keys=tkeys,
                      validate="many_to_one")
    lacking = (work[value] > 0) & work[prody_col].isna()
    if lacking.any():
        named = _examples(work, pk, lacking, 20)
        if missing_prody == "raise":
            raise DataFormatError(
                f"{len(work.loc[lacking, pk].drop_duplicates())} exported product(s) have no PRODY "
                f"in column {prody_col!r}: {named}. Compute PRODY for them (with the same product "
                "codes and years), drop them from the trade table, or pass missing_prody='drop'"
            )
        if missing_prody != "drop":
            raise SpecificationError(
                f"missing_prody must be 'raise' or 'drop', got {missing_prody!r}"
            )
        share = work.loc[lacking, value].sum() / work[value].sum()
        warnings.warn(
            f"exported products without PRODY were left out ({share:.2%} of the export value): "
            f"{named}",
            DataCoverageWarning,
            stacklevel=2,
        )
        work = work[~lacking]
    work = work[work[value] > 0]
    ckeys = [*tkeys, country]
    all_keys = df[ckeys].drop_duplicates()
    if work.empty:
        out = all_keys.assign(expy=np.nan)
    else:
        xc = work.groupby(ckeys)[value].transform("sum")
        work = work.assign(_c=work[value] / xc * work[prody_col])
        out = work.groupby(ckeys)["_c"].sum().rename("expy").reset_index()
        out = all_keys.merge(out, on=ckeys, how="left")
    if out["expy"].isna().any():
        warnings.warn(
            f"EXPY is missing for exporters with no exports (with PRODY) in column {value!r}: "
            f"{_examples(out, ckeys, out['expy'].isna(), 10)}",
            DataCoverageWarning,
            stacklevel=2,
        )
    return out.sort_values(ckeys).reset_index(drop=True)


# --------------------------------------------------------------------------- cities
def city_export_complexity(
    cities: pd.DataFrame,
    province_expy: pd.DataFrame,
    *,
    city: str = "city",
    province: str = "province",
    tertiary_share: str = "tertiary_share",
    year: str | None = "year",
    expy_col: str = "expy",
    share_unit: Literal["fraction", "percent"] = "fraction",
    name: str = "export_complexity",
) -> pd.DataFrame:
    r"""City export technical complexity as in study 003.

    .. math::

        \mathrm{ESF}_{it} = s_{it} \cdot \mathrm{EXPY}_{\mathrm{prov}(i),t},

    where :math:`s_{it}` is the city's tertiary-industry share of GDP as a
    fraction and :math:`\mathrm{EXPY}` its province's export sophistication
    (:func:`expy`). Also returns :math:`\ln \mathrm{ESF}`, the study's outcome.

    Parameters
    ----------
    cities : pandas.DataFrame
        One row per city (x year) with columns ``city``, ``province``,
        ``tertiary_share`` (and ``year``).
    province_expy : pandas.DataFrame
        Columns ``province``, ``expy_col`` (and ``year``), e.g. the output of
        :func:`expy` with ``country="province"``.
    city, province, tertiary_share, year, expy_col : str
        Column names; ``year=None`` for a cross-section.
    share_unit : {"fraction", "percent"}
        Unit of ``tertiary_share``: ``"fraction"`` (0-1, default) or
        ``"percent"`` (0-100, divided by 100).
    name : str
        Name of the result column; its log is ``"ln_" + name``.

    Returns
    -------
    pandas.DataFrame
        ``cities`` with ``expy_col``, ``name`` and ``"ln_" + name`` added.

    Raises
    ------
    DataFormatError
        If a share lies outside the range of ``share_unit`` (a fraction above
        1 suggests percent), or a city's province(-year) has no EXPY.
    NonNumericError, DuplicateKeyError, ColumnNotFoundError, EmptySampleError
        For text in the share or EXPY columns, repeated city(-year) or
        province(-year) rows, missing columns or an empty table.
    """
    require_frame(cities, "cities")
    require_frame(province_expy, "province_expy")
    tkeys = [year] if year is not None else []
    _columns(
        cities,
        [*tkeys, city, province, tertiary_share],
        "cities",
        "pass the column names as city=, province=, tertiary_share= and year=",
    )
    _columns(
        province_expy,
        [*tkeys, province, expy_col],
        "province_expy",
        "it needs the province (and year) columns of the cities table and expy_col=",
    )
    if cities.empty:
        raise EmptySampleError("the cities table is empty")
    if share_unit not in ("fraction", "percent"):
        raise SpecificationError(f"share_unit must be 'fraction' or 'percent', got {share_unit!r}")
    out = plain_index(cities).copy()
    share = numeric_column(out[tertiary_share], tertiary_share, "cities")
    _check_unique(out, [*tkeys, city], "cities", "keep one row per city (and year)")
    upper = 1.0 if share_unit == "fraction" else 100.0
    bad = (share < 0) | (share > upper)
    if bad.any():
        hint = (
            "; the values look like percentages: pass share_unit='percent'"
            if share_unit == "fraction" and share.max() <= 100
            else ""
        )
        raise DataFormatError(
            f"column {tertiary_share!r} has shares outside 0-{upper:g} ({share_unit}) for "
            f"{_examples(out, [*tkeys, city], bad)}{hint}"
        )
    if share_unit == "percent" and share.notna().any() and share.max() <= 1:
        warnings.warn(
            f"all values of {tertiary_share!r} are at most 1 although share_unit='percent'; "
            "if they are fractions pass share_unit='fraction'",
            DataCoverageWarning,
            stacklevel=2,
        )
    pe = province_expy.loc[:, [*tkeys, province, expy_col]].reset_index(drop=True)
    pe[expy_col] = numeric_column(pe[expy_col], expy_col, "province_expy")
    _check_unique(pe, [*tkeys, province], "province_expy", "keep one EXPY per province (and year)")
    if expy_col in out.columns:
        out = out.drop(columns=expy_col)
    merged = merge_keys(out, pe, [*tkeys, province], how="left",
                        tables=("cities", "province_expy"), year_keys=tkeys, validate="many_to_one")
    lacking = merged[expy_col].isna()
    if lacking.any():
        raise DataFormatError(
            f"no EXPY in column {expy_col!r} for the province(-year) of "
            f"{int(lacking.sum())} city rows, e.g. {_examples(merged, [*tkeys, province], lacking)}; "
            "compute EXPY for those provinces and years (same province names) or drop the cities"
        )
    frac = share.to_numpy() / (100.0 if share_unit == "percent" else 1.0)
    merged[name] = frac * merged[expy_col].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["ln_" + name] = np.log(merged[name].where(merged[name] > 0))
    return merged


__all__ = ["city_export_complexity", "expy", "prody", "rca"]
