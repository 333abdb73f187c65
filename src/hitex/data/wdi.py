"""World Bank World Development Indicators (WDI) from the embedded data bundle.

The bundle folder ``<data_dir>/wdi/`` holds several WDI *vintages* (releases)
of the same series:

``wdi_hightech_2026vintage_long.csv.gz``
    TX.VAL.TECH.MF.ZS and TX.VAL.TECH.CD, WDI release 2026-04-08, 2007-2024.
``wdi_recent_long.csv.gz``
    Eleven series, 1995 onwards; each series has its own release date
    (column ``wdi_last_updated``, 2022-12 to 2026-04).
``wdi_2013vintage_long.csv.gz``
    The same series from the WDI release of December 2013, 1988-2012.
``wdi_country_metadata.csv``
    Region and income group per code; an empty Region marks an aggregate
    (WLD, HIC, EAS, ...).

Vintage rule
------------
Every value carries the vintage (``YYYY-MM-DD``, or ``YYYY-MM`` where only the
month is known) and the file it was read from. For each country, series and
year the **newest vintage wins**. Two exceptions keep incomparable numbers
apart, and one limit keeps withdrawn numbers out:

1. **High-tech exports, old definition.** In the 2013 vintage TX.VAL.TECH.MF.ZS
   and TX.VAL.TECH.CD are built from the SITC Rev. 3 high-technology product
   list (OECD, Hatzichronoglou 1997), 1988-2011. Current WDI builds them from an
   HS-based list that starts in 2007. The two definitions give different levels,
   so the 2013 values are **never** spliced into the current series: they are
   exposed as separate series ``TX.VAL.TECH.MF.ZS.SITC3`` and
   ``TX.VAL.TECH.CD.SITC3``. The years 2007-2011 are in both, for overlap
   scaling or a break dummy.
2. **Constant-price series, old base year.** Constant-price series (codes that
   end in ``.KD`` or ``.KN``) are in constant 2005 prices in the 2013 vintage
   and in constant 2015 prices in current WDI. The 2013 values are exposed as
   ``<code>.2005`` (e.g. ``NY.GDP.PCAP.KD.2005``) and never fill the current
   series.
3. **Newest vintage wins per cell** (default ``older_vintages="fill"``). For
   each economy, series and year the value of the newest vintage that has one
   is used; an older vintage fills the cells the newer ones lack, and every
   value records its vintage. ``older_vintages="extend"`` is stricter: an older
   vintage then supplies values only for years outside the span a newer
   vintage of the same series covers, because inside that span a missing value
   often means the World Bank withdrew it after a revision (e.g. Afghanistan's
   trade and capital-formation ratios for 2002-2012 are in the 2013 vintage,
   but current WDI publishes them only from 2020 on); about 1,350
   economy-year values of the bundle differ between the two rules.

Old WDI country codes of the 2013 vintage are mapped to today's (ROM to ROU,
ZAR to COD, TMP to TLS, ADO to AND, IMY to IMN, KSV to XKX, WBG to PSE).
Codes that :func:`available_indicators` does not list can be fetched from the
World Bank API with :func:`hitex.data.wdi_live.fetch_wdi`.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

from hitex.data.wdi_bundle import (  # noqa: F401 - re-exported
    BASE2005_SUFFIX,
    DATA_FILES,
    HIGHTECH_FILE,
    METADATA_FILE,
    OLD_CODES,
    PROVENANCE_FILE,
    RECENT_FILE,
    SITC_SUFFIX,
    VINTAGE2013_FILE,
    VINTAGE_2013,
    WDI_FOLDER,
    WdiBundle,
    load_bundle,
    merged_cells,
    wdi_folder,
)
from hitex.errors import (
    DataCoverageWarning,
    DataNotFoundError,
    EmptySampleError,
    HitexError,
)

#: Labels (with units) of the series the bundle holds.
LABELS = {
    "TX.VAL.TECH.MF.ZS": "High-technology exports (% of manufactured exports), HS-based, 2007-",
    "TX.VAL.TECH.CD": "High-technology exports (current US$), HS-based, 2007-",
    "TX.VAL.TECH.MF.ZS.SITC3": "High-technology exports (% of manufactured exports), SITC Rev.3 list, WDI 2013",
    "TX.VAL.TECH.CD.SITC3": "High-technology exports (current US$), SITC Rev.3 list, WDI 2013",
    "NY.GDP.PCAP.KD": "GDP per capita (constant 2015 US$)",
    "NY.GDP.PCAP.KD.2005": "GDP per capita (constant 2005 US$), WDI 2013",
    "NY.GDP.MKTP.CD": "GDP (current US$)",
    "BX.KLT.DINV.WD.GD.ZS": "Foreign direct investment, net inflows (% of GDP)",
    "NE.GDI.TOTL.ZS": "Gross capital formation (% of GDP)",
    "NE.TRD.GNFS.ZS": "Trade (% of GDP)",
    "NY.GNS.ICTR.ZS": "Gross savings (% of GDP)",
    "TG.VAL.TOTL.GD.ZS": "Merchandise trade (% of GDP)",
    "GB.XPD.RSDV.GD.ZS": "Research and development expenditure (% of GDP)",
    "SE.XPD.TOTL.GD.ZS": "Government expenditure on education, total (% of GDP)",
    "SP.POP.TOTL": "Population, total",
}

LONG_COLUMNS = ["iso3", "country_name", "indicator", "year", "value", "vintage", "source_file"]
OlderVintages = Literal["extend", "fill"]

__all__ = ["wdi_long", "load_wdi", "available_indicators", "clear_cache", "LONG_COLUMNS"]


def clear_cache() -> None:
    """Forget the parsed WDI files (e.g. after the bundle changed on disk)."""
    load_bundle.cache_clear()
    merged_cells.cache_clear()


# --------------------------------------------------------------------------- helpers
def normalise_indicators(indicators: str | Iterable[str]) -> list[str]:
    """Return WDI codes stripped, upper case and without repeats, in the order given.

    Raises :class:`~hitex.errors.HitexError` when none is given or one is not
    a non-empty string.
    """
    if indicators is None:
        raise HitexError("No WDI indicator given. Pass a code such as 'TX.VAL.TECH.MF.ZS'.")
    if isinstance(indicators, str):
        indicators = [indicators]
    if not isinstance(indicators, Iterable):
        raise HitexError(f"WDI indicators must be a code or a list of codes such as "
                         f"'TX.VAL.TECH.MF.ZS', got {type(indicators).__name__} ({indicators!r}).")
    codes: list[str] = []
    for code in indicators:
        if not isinstance(code, str) or not code.strip():
            raise HitexError(f"WDI indicator codes must be non-empty strings, got {code!r}.")
        code = code.strip().upper()
        if code not in codes:
            codes.append(code)
    if not codes:
        raise HitexError("No WDI indicator given. Pass a code such as 'TX.VAL.TECH.MF.ZS'.")
    return codes


def normalise_years(years: int | Iterable[int] | None) -> set[int] | None:
    """Return the years asked for as a set of integers (None: all years).

    Raises :class:`~hitex.errors.HitexError` for anything that is not a whole
    year or a list of them.
    """
    if years is None:
        return None
    if isinstance(years, str | numbers.Number):
        years = [years]
    try:
        out = {float(y) for y in years}
        if any(y != int(y) for y in out):
            raise ValueError("fractional year")
        return {int(y) for y in out}
    except (TypeError, ValueError, OverflowError) as err:
        raise HitexError(
            f"years={years!r} is not a year or a list of years; pass e.g. range(1995, 2021)."
        ) from err


def _check_indicators(codes: list[str], bundle: WdiBundle, folder: Path) -> None:
    known = set(bundle.releases["indicator"])
    unknown = [c for c in codes if c not in known]
    if not unknown:
        return
    hints = []
    for code in unknown:
        base = code.removesuffix(SITC_SUFFIX).removesuffix(BASE2005_SUFFIX)
        if base != code and base in known:
            hints.append(f"{code} is not in the bundle ({base} is)")
    raise HitexError(
        f"WDI indicator(s) {', '.join(unknown)} not in the embedded bundle ({folder}). "
        f"Available: {', '.join(sorted(known))}. "
        + (" ".join(hints) + ". " if hints else "")
        + "Other series can be fetched live from the World Bank (pip install 'hitex[live]' and "
        "a network; in Python hitex.data.wdi_live.fetch_wdi) and given to a study as a file."
    )


def _select_countries(
    countries: str | Iterable[str] | None, bundle: WdiBundle, economies_only: bool
) -> set[str] | None:
    if countries is None:
        return None
    if isinstance(countries, str):
        countries = [countries]
    wanted = {OLD_CODES.get(str(c).strip().upper(), str(c).strip().upper()) for c in countries}
    known = set(bundle.cells["iso3"]) | set(bundle.names)
    unknown = sorted(wanted - known)
    if unknown:  # ISO2 codes and names: resolve those that can be resolved one by one
        from hitex.data import countries as country_codes

        for entry in [str(c).strip() for c in countries if str(c).strip().upper() in unknown]:
            try:
                code = country_codes.resolve([entry])[0]
            except HitexError:
                continue
            if code in known:
                wanted.discard(entry.upper())
                wanted.add(code)
        unknown = sorted(wanted - known)
    if unknown:
        warnings.warn(
            f"Country code(s) {', '.join(unknown)} are not in the WDI bundle (WDI has no Taiwan, "
            "TWN; check for typos: codes are ISO 3166 alpha-3 such as 'CHN'); they get no values.",
            DataCoverageWarning,
            stacklevel=3,
        )
    if economies_only and bundle.has_metadata:
        aggregates = sorted((wanted & known) - bundle.economies)
        if aggregates:
            raise HitexError(
                f"{', '.join(aggregates)} are WDI aggregates (regions or income groups), which "
                "economies_only=True leaves out. Pass economies_only=False to include them."
            )
    return wanted


# --------------------------------------------------------------------------- public API
def wdi_long(
    indicators: str | Iterable[str],
    *,
    countries: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    economies_only: bool = True,
    data_dir: str | os.PathLike[str] | None = None,
    older_vintages: OlderVintages = "fill",
) -> pd.DataFrame:
    """Return WDI series from the embedded bundle in long format, one row per value.

    Vintages are merged cell by cell and the newest wins (see the module
    docstring). The 2013-vintage high-tech series use the old SITC Rev. 3
    product list and are never spliced into the current HS-based series
    (2007 onwards): ask for ``TX.VAL.TECH.MF.ZS.SITC3`` or
    ``TX.VAL.TECH.CD.SITC3`` to get them. Likewise the 2013-vintage
    constant-2005-price GDP per capita is ``NY.GDP.PCAP.KD.2005``, separate
    from ``NY.GDP.PCAP.KD`` (constant 2015 US$).

    Parameters
    ----------
    indicators : str or iterable of str
        WDI codes, e.g. ``["TX.VAL.TECH.MF.ZS", "NY.GDP.PCAP.KD"]``.
    countries : str or iterable of str, optional
        ISO3 codes to keep (old WDI codes such as ``ROM`` are accepted). Default: all.
    years : int or iterable of int, optional
        Years to keep, e.g. ``range(1995, 2021)``. Default: all.
    economies_only : bool, default True
        Leave out WDI aggregates (codes whose Region is empty in
        ``wdi_country_metadata.csv``: WLD, HIC, EAS, ...).
    data_dir : path-like, optional
        The data bundle folder (default: ``HITEX_DATA_DIR`` or the bundle found
        by :func:`hitex._paths.data_dir`).
    older_vintages : {"fill", "extend"}, default "fill"
        ``"fill"``: the newest vintage with a value wins per cell, older vintages
        fill the cells newer ones lack. ``"extend"``: an older vintage supplies
        values only for years outside the span a newer vintage of the series
        covers.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, country_name, indicator, year, value, vintage,
        source_file``; ``vintage`` is the WDI release date (``YYYY-MM-DD`` or
        ``YYYY-MM``) and ``source_file`` the bundle file of the value. Sorted
        by indicator (in the order asked), iso3 and year.

    Raises
    ------
    HitexError
        If a code is not in the bundle (the message lists the codes it has and
        points to :func:`hitex.data.wdi_live.fetch_wdi`), or an aggregate is
        asked for with ``economies_only=True``.
    EmptySampleError
        If no value is left after the country and year filters.

    Warns
    -----
    DataCoverageWarning
        For country codes the bundle does not know (e.g. TWN); they get no rows.

    Examples
    --------
    >>> wdi_long("TX.VAL.TECH.MF.ZS", countries=["CHN"], years=range(2010, 2013))  # doctest: +SKIP
    """
    if older_vintages not in ("extend", "fill"):
        raise HitexError(f"older_vintages={older_vintages!r}; use 'extend' or 'fill'.")
    codes = normalise_indicators(indicators)
    wanted_years = normalise_years(years)
    folder = wdi_folder(data_dir)
    key = str(folder.resolve())
    bundle = load_bundle(key)
    _check_indicators(codes, bundle, folder)
    merged = merged_cells(key, older_vintages)
    wanted_countries = _select_countries(countries, bundle, economies_only)

    mask = merged["indicator"].isin(codes)
    if economies_only:
        if not bundle.has_metadata:
            raise DataNotFoundError(
                f"{folder / METADATA_FILE} is missing, so aggregates cannot be told from "
                "economies. Restore the file or pass economies_only=False."
            )
        mask &= merged["iso3"].isin(bundle.economies)
    if wanted_countries is not None:
        mask &= merged["iso3"].isin(wanted_countries)
    if wanted_years is not None:
        mask &= merged["year"].isin(wanted_years)
    out = merged.loc[mask, LONG_COLUMNS].copy()
    if out.empty:
        raise EmptySampleError(
            f"No WDI values for {', '.join(codes)} with countries={countries!r}, "
            f"years={_describe_years(wanted_years)} (economies_only={economies_only}). "
            "Widen the filters; 'hitex data show wdi' (in Python "
            "hitex.data.wdi.available_indicators()) shows each series' years."
        )
    order = {code: i for i, code in enumerate(codes)}
    out = out.sort_values(
        ["indicator", "iso3", "year"], key=lambda s: s.map(order) if s.name == "indicator" else s
    )
    return out.reset_index(drop=True)


def _describe_years(years: set[int] | None) -> str:
    if not years:
        return "all"
    return f"{min(years)}-{max(years)}" if len(years) > 1 else str(min(years))


def load_wdi(
    indicators: str | Iterable[str],
    *,
    countries: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    economies_only: bool = True,
    data_dir: str | os.PathLike[str] | None = None,
    with_vintage: bool = False,
    older_vintages: OlderVintages = "fill",
) -> pd.DataFrame:
    """Return a country-year panel of WDI series from the embedded bundle.

    The values are those of :func:`wdi_long` (newest vintage per cell; the old
    SITC-based high-tech series and constant-2005-price series are separate
    codes, never spliced into the current ones), one column per code.

    Parameters
    ----------
    indicators : str or iterable of str
        WDI codes; each becomes one column, named by its code.
    countries, years, economies_only, data_dir, older_vintages
        As in :func:`wdi_long`.
    with_vintage : bool, default False
        Add one ``<code>__vintage`` column per code holding the WDI release
        date of each value.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, year, <code>...`` (then ``<code>__vintage...``), one
        row per country-year with at least one value, sorted by iso3 and year.
        Missing values are NaN.

    Examples
    --------
    >>> load_wdi(["TX.VAL.TECH.MF.ZS", "NY.GDP.PCAP.KD"], years=range(2007, 2021))  # doctest: +SKIP
    """
    long = wdi_long(
        indicators,
        countries=countries,
        years=years,
        economies_only=economies_only,
        data_dir=data_dir,
        older_vintages=older_vintages,
    )
    codes = normalise_indicators(indicators)
    values = long.pivot(index=["iso3", "year"], columns="indicator", values="value")
    values = values.reindex(columns=codes).astype("float64")
    parts = [values]
    if with_vintage:
        vint = long.pivot(index=["iso3", "year"], columns="indicator", values="vintage")
        vint = vint.reindex(columns=codes).astype("str")
        vint.columns = [f"{c}__vintage" for c in vint.columns]
        parts.append(vint)
    wide = pd.concat(parts, axis=1).sort_index().reset_index()
    wide.columns.name = None
    return wide


def available_indicators(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """List the WDI series of the embedded bundle, one row per series and vintage.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator, label, vintage, approximate_vintage, source_file,
        first_year, last_year, n_obs, n_codes`` (``n_codes`` counts economies
        and aggregates). Newest vintage first within each code. The 2013
        high-tech series appear as ``TX.VAL.TECH.*.SITC3`` and the 2013
        constant-price series as ``*.KD.2005``.
    """
    folder = wdi_folder(data_dir)
    rel = load_bundle(str(folder.resolve())).releases.drop(columns="_priority").copy()
    rel.insert(1, "label", rel["indicator"].map(LABELS).fillna("").astype("str"))
    cols = ["indicator", "label", "vintage", "approximate_vintage", "source_file"]
    cols += ["first_year", "last_year", "n_obs", "n_codes"]
    return rel[cols].reset_index(drop=True)
