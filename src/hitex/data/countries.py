"""Country codes, names and time-varying country groups.

Everything here is read from the data bundle (see :func:`hitex._paths.data_dir`):

* ``country_groups/country_groups_country_converter.csv`` -- ISO codes, continent,
  OECD accession year, EU27, G7 and G20 flags;
* ``country_groups/wto_members_accession.csv`` -- WTO accession dates;
* ``country_groups/bri_cooperation_countries_circa2019.csv`` -- Belt and Road
  cooperation countries (about 2019);
* ``wb_income_groups/wb_income_class_history_long.csv`` -- World Bank income class
  by year, 1987-2023;
* ``wdi/wdi_country_metadata.csv`` -- WDI region and the list of WDI aggregates;

plus one file shipped with hitex, ``resources/study000_country_groups.csv`` (the
21 emerging and 28 developed economies of study 000).

Membership rules (``year`` is a calendar year):

==========================  ===============================================================
group                       member in ``year`` when
==========================  ===============================================================
``oecd``                    OECD accession year <= ``year`` (CHL from 2010, LVA 2016, ...)
``eu``                      EU (EEC/EC before 1993) member: accession year <= ``year`` and,
                            for a member that left, ``year`` < the year it left (GBR is a
                            member 1973-2019); package data ``eu_membership.csv``
``g7``, ``g20``             current member (time-invariant); ``g20`` holds the 19 member
                            countries, not the other EU states the EU seat stands for
``wto``                     year of the accession date <= ``year`` (original members from
                            1995; a country that joined in December counts for that year)
``bri``                     on the circa-2019 list of Belt and Road cooperation countries;
                            signing years are unknown, so this is time-invariant
``income:H`` (``UM``,       World Bank class of ``year``, 1987-2023 only; ``year`` is the
``LM``, ``L``)              year of the GNI data the class is based on (the Bank's fiscal
                            year ``year + 2``), the Bank's code "LM*" counts as "LM"
``region:<WDI region>``     WDI region, e.g. ``region:East Asia & Pacific`` (time-invariant)
``study000_emerging``,      the country lists of study 000 (time-invariant); ``study000``
``study000_developed``      is their union
==========================  ===============================================================

``year=None`` means the latest state the data describe (all members ever listed for
``oecd`` and ``wto``, the latest year for income classes).

Examples
--------
>>> from hitex.data import countries
>>> countries.resolve(["China", "us", "KOR"])
['CHN', 'USA', 'KOR']
>>> countries.is_member("CHL", "oecd", 2012)
True
>>> flags = countries.group_panel(["CHL", "LVA"], range(2009, 2018), ["oecd", "income:H"])
>>> sample = flags.query("oecd == 1")
"""

from __future__ import annotations

import difflib
import numbers
import os
import warnings
from collections.abc import Iterable

import pandas as pd

from hitex import _paths
from hitex.data.countries_table import INCOME_CODES, CountryTables, load_tables, normalize_name
from hitex.errors import DataCoverageWarning, HitexError

__all__ = [
    "INCOME_CODES",
    "country_table",
    "resolve",
    "list_groups",
    "members",
    "is_member",
    "income_group",
    "group_panel",
]

PathLike = str | os.PathLike[str] | None


def _column_name(group: str) -> str:
    return group.replace(":", "_").replace(" ", "_")


def _tables(data_dir: PathLike) -> CountryTables:
    return load_tables(_paths.data_dir(data_dir).resolve())


def _as_year(year: object) -> int:
    if isinstance(year, numbers.Integral) and not isinstance(year, bool):
        return int(year)
    if isinstance(year, float) and year.is_integer():
        return int(year)
    raise HitexError(f"A year must be an integer such as 2012; got {year!r}.")


def _canonical_group(t: CountryTables, group: object) -> str:
    lookup = {g.casefold(): g for g in t.groups}
    lookup.update({_column_name(g).casefold(): g for g in t.groups})
    if isinstance(group, str) and group.strip().casefold() in lookup:
        return lookup[group.strip().casefold()]
    close = difflib.get_close_matches(str(group), t.groups, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise HitexError(f"Unknown country group {group!r}.{hint} Valid groups: {', '.join(t.groups)}.")


def _check_income_year(t: CountryTables, year: int) -> None:
    first, last = t.income_years
    if not first <= year <= last:
        raise HitexError(
            f"World Bank income classes are known for {first}-{last} only; year {year} is "
            "outside that range. Use a year inside it (e.g. the nearest one) explicitly."
        )


def _resolve_one(t: CountryTables, entry: object) -> tuple[str | None, str]:
    """Return (ISO3, '') or (None, reason the entry could not be resolved)."""
    if not isinstance(entry, str) or not entry.strip():
        return None, "not a code or name"
    upper = entry.strip().upper()
    if len(upper) == 3 and upper in t.iso3:
        return upper, ""
    if len(upper) == 2 and upper in t.iso2:
        return t.iso2[upper], ""
    key = normalize_name(entry)
    hits = t.names.get(key, frozenset())
    if len(hits) == 1:
        return next(iter(hits)), ""
    if hits:
        return None, f"ambiguous: could be {' or '.join(sorted(hits))}"
    close = difflib.get_close_matches(key, t.names, n=3, cutoff=0.75)
    close += [k for k in sorted(t.names) if key and f" {key} " in f" {k} " and k not in close][:4]
    close_codes = difflib.get_close_matches(upper, sorted(t.iso3), n=3, cutoff=0.67)
    by_code = {"/".join(sorted(t.names[k])): t.display[k] for k in close}  # one name per code
    hints = [f"{name!r} ({code})" for code, name in by_code.items()]
    hints += [repr(c) for c in close_codes if len(upper) == 3]
    return None, f"did you mean {', '.join(hints)}?" if hints else "no close match"


def country_table(data_dir: PathLike = None) -> pd.DataFrame:
    """Return one row per economy (and per WDI aggregate) with codes and regions.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder; default: see :func:`hitex._paths.data_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``name`` (short English name), ``iso2``, ``wdi_region``
        (missing for aggregates and for economies WDI does not cover, e.g. TWN),
        ``continent`` and ``is_aggregate`` (True for WDI aggregates such as WLD or
        HIC), sorted by ``iso3``. The rows are the country_converter entities
        (including a few historical ones such as SUN) plus the WDI aggregates.
    """
    return _tables(data_dir).table.copy()


def resolve(codes_or_names: str | Iterable[str], data_dir: PathLike = None) -> list[str]:
    """Turn ISO3 codes, ISO2 codes or English names into ISO3 codes.

    Matching ignores case, accents, punctuation and a leading "the"; names are
    those of country_converter, WDI, the World Bank, the WTO and BRI files plus a
    few common aliases ("UK", "USA", "Ivory Coast", ...).

    Parameters
    ----------
    codes_or_names : str or iterable of str
        One entry or several, e.g. ``["China", "us", "KOR", "Viet Nam"]``.
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    list of str
        One ISO3 code per entry, in the input order.

    Raises
    ------
    HitexError
        If any entry is unknown or ambiguous; the message lists every such entry
        with close matches.
    """
    if codes_or_names is None:
        raise HitexError(
            "No countries given; pass ISO3 codes, ISO2 codes or names, e.g. ['CHN', 'Korea, Rep.']."
        )
    t = _tables(data_dir)
    entries = [codes_or_names] if isinstance(codes_or_names, str) else list(codes_or_names)
    out: list[str] = []
    problems: list[str] = []
    for entry in entries:
        code, reason = _resolve_one(t, entry)
        if code is None:
            problems.append(f"{entry!r} ({reason})")
        else:
            out.append(code)
    if problems:
        raise HitexError(
            f"Could not resolve {len(problems)} country entr{'y' if len(problems) == 1 else 'ies'} "
            f"to an ISO3 code: {'; '.join(problems)}. Use ISO3 or ISO2 codes or English names; "
            "the list of known economies is hitex.data.countries.country_table() (bundle folder "
            "country_groups)."
        )
    return out


def list_groups(data_dir: PathLike = None) -> list[str]:
    """Return the names of all country groups, in a stable order.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder (the region groups come from its WDI metadata).

    Returns
    -------
    list of str
        ``oecd, eu, g7, g20, wto, bri, income:H, income:UM, income:LM, income:L``,
        one ``region:<name>`` per WDI region, then ``study000``,
        ``study000_emerging`` and ``study000_developed``.
    """
    return list(_tables(data_dir).groups)


def members(group: str, year: int | None = None, data_dir: PathLike = None) -> list[str]:
    """Return the ISO3 codes of a group's members in a year.

    Parameters
    ----------
    group : str
        A name from :func:`list_groups` (case-insensitive; the column form of
        :func:`group_panel`, e.g. ``income_H``, is accepted too).
    year : int, optional
        Calendar year. ``None`` means the latest state in the data: every listed
        member for ``oecd``/``wto``, the latest classified year for income groups.
        Ignored by the time-invariant groups (see the module docstring).
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    list of str
        Sorted ISO3 codes.

    Raises
    ------
    HitexError
        For an unknown group (the message lists the valid ones) or an income
        group asked for a year outside 1987-2023.
    """
    t = _tables(data_dir)
    name = _canonical_group(t, group)
    y = None if year is None else _as_year(year)
    if name in t.static:
        return sorted(t.static[name])
    if name in t.since:
        ends = t.until.get(name, {})
        return sorted(
            c for c, first in t.since[name].items()
            if (y is None and c not in ends) or (y is not None and first <= y < ends.get(c, 10**6))
        )
    code = name.split(":", 1)[1]
    y = t.income_years[1] if y is None else y
    _check_income_year(t, y)
    income = t.income.xs(y, level="year")
    return sorted(income.index[income == code])


def is_member(iso3: str, group: str, year: int | None, data_dir: PathLike = None) -> bool:
    """Tell whether an economy belongs to a group in a year.

    Parameters
    ----------
    iso3 : str
        ISO3 code (ISO2 codes and names are resolved with :func:`resolve`).
    group : str
        A name from :func:`list_groups`.
    year : int or None
        Calendar year; see :func:`members` for ``None`` and the time-invariant groups.
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    bool

    Raises
    ------
    HitexError
        For an unknown country or group, or an income year outside the data.
    """
    (code,) = resolve([iso3], data_dir)
    return code in members(group, year, data_dir)


def income_group(iso3: str, year: int, data_dir: PathLike = None) -> str | None:
    """Return the World Bank income class of an economy in a year.

    Parameters
    ----------
    iso3 : str
        ISO3 code (ISO2 codes and names are resolved with :func:`resolve`).
    year : int
        Year of the GNI data the class is based on (World Bank fiscal year
        ``year + 2``), 1987-2023.
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    str or None
        ``"H"``, ``"UM"``, ``"LM"`` or ``"L"``; ``None`` when the Bank did not
        classify the economy that year (e.g. VEN from 2021, CZE before 1992).

    Raises
    ------
    HitexError
        For an unknown country or a year outside the data.
    """
    t = _tables(data_dir)
    (code,) = resolve([iso3], data_dir)
    y = _as_year(year)
    _check_income_year(t, y)
    value = t.income.get((code, y))
    return None if value is None else str(value)


def group_panel(
    iso3s: str | Iterable[str],
    years: int | Iterable[int],
    groups: str | Iterable[str],
    data_dir: PathLike = None,
) -> pd.DataFrame:
    """Build a country-year table of 0/1 group indicators, ready to merge or filter.

    Parameters
    ----------
    iso3s : str or iterable of str
        Economies (ISO3; ISO2 codes and names are resolved with :func:`resolve`).
        Duplicates are dropped.
    years : int or iterable of int
        Calendar years, e.g. ``range(2009, 2018)``. Duplicates are dropped.
    groups : str or iterable of str
        Names from :func:`list_groups`.
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``year`` and one column per group named after the group
        with ":" and spaces replaced by "_" (``oecd``, ``income_H``,
        ``region_East_Asia_&_Pacific``), one row per economy and year in input
        order. Values are 1 (member) or 0 (int64). Income columns are missing
        (nullable ``Int64``) for years outside 1987-2023, with a warning.
        Filter with e.g. ``panel.query("oecd == 1")``; names containing "&"
        need back-quotes in ``query``.

    Raises
    ------
    HitexError
        For unknown countries or groups.

    Warns
    -----
    DataCoverageWarning
        When income groups are asked for years outside the classification data.
    """
    t = _tables(data_dir)
    codes = list(dict.fromkeys(resolve(iso3s, data_dir)))
    if years is None or groups is None:
        raise HitexError(
            "group_panel needs years (e.g. range(2009, 2018)) and groups (e.g. "
            "['oecd', 'income:H'])."
        )
    year_list = [years] if isinstance(years, numbers.Number) else list(years)
    year_list = list(dict.fromkeys(_as_year(y) for y in year_list))
    group_list = [groups] if isinstance(groups, str) else list(groups)
    names = list(dict.fromkeys(_canonical_group(t, g) for g in group_list))
    panel = pd.DataFrame({
        "iso3": [c for c in codes for _ in year_list],
        "year": pd.Series(year_list * len(codes), dtype="int64"),
    })
    first, last = t.income_years
    outside = sorted({y for y in year_list if not first <= y <= last})
    if outside and any(n.startswith("income:") for n in names):
        warnings.warn(
            f"World Bank income classes are known for {first}-{last}; the income columns are "
            f"missing for {outside}.",
            DataCoverageWarning,
            stacklevel=2,
        )
    for name in names:
        if name in t.static:
            flag = panel["iso3"].isin(t.static[name]).astype("int64")
        elif name in t.since:
            start = panel["iso3"].map(t.since[name])
            end = panel["iso3"].map(t.until.get(name, {})).fillna(10**6)
            flag = (start.notna() & (start <= panel["year"]) & (panel["year"] < end)).astype(
                "int64")
        else:
            keys = pd.MultiIndex.from_frame(panel[["iso3", "year"]])
            flag = t.income.reindex(keys).eq(name.split(":", 1)[1]).astype("int64")
            flag.index = panel.index
            if outside:
                flag = flag.astype("Int64").mask(~panel["year"].between(first, last))
        panel[_column_name(name)] = flag
    return panel
