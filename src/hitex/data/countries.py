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
import functools
import numbers
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.errors import DataCoverageWarning, DataFormatError, DataNotFoundError, HitexError

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

INCOME_CODES = ("H", "UM", "LM", "L")
"""World Bank income class codes: high, upper-middle, lower-middle, low income."""

_CONVERTER_COLUMNS = ("name_short", "ISO3", "ISO2", "continent", "oecd_accession_year", "EU27")
_FILES = {  # key: (path in the bundle, columns used)
    "converter": ("country_groups/country_groups_country_converter.csv",
                  (*_CONVERTER_COLUMNS, "G7", "G20")),
    "wto": ("country_groups/wto_members_accession.csv", ("country_name", "iso3", "accession_date")),
    "bri": ("country_groups/bri_cooperation_countries_circa2019.csv", ("name_in_source", "iso3")),
    "income": ("wb_income_groups/wb_income_class_history_long.csv",
               ("iso3", "country", "year", "income_group")),
    "wdi": ("wdi/wdi_country_metadata.csv", ("iso3", "Region", "country_name")),
}
_STUDY000_FILE = "study000_country_groups.csv"
_STATIC_GROUPS = ("oecd", "eu", "g7", "g20", "wto", "bri")
_STUDY_GROUPS = ("study000", "study000_emerging", "study000_developed")
# The G20 column of country_converter flags every EU member (the EU holds a seat);
# only these three EU states are G20 members in their own right.
_G20_EU_OWN_SEAT = frozenset({"DEU", "FRA", "ITA"})
# Namibia's ISO2 code "NA" was lost (read as missing) when the file was extracted.
_ISO2_FIXES = {"NAM": "NA"}
# Common English names that none of the source files spells this way.
_ALIASES = {
    "USA": ("U.S.", "U.S.A.", "United States of America"), "GBR": ("UK", "Great Britain", "Britain"),
    "KOR": ("Korea, South",), "PRK": ("Korea, North", "DPRK"), "CIV": ("Ivory Coast",),
    "MMR": ("Burma",), "SWZ": ("Swaziland",), "ARE": ("UAE",), "CZE": ("Czech Rep.",),
    "COD": ("DRC", "Democratic Republic of the Congo", "Congo-Kinshasa"),
    "COG": ("Republic of the Congo", "Congo-Brazzaville"), "TWN": ("Chinese Taipei",),
    "BIH": ("Bosnia",), "IRN": ("Islamic Republic of Iran",),
    "CHN": ("Mainland China", "China, Mainland", "PRC", "中国"),
    "MAC": ("Macao", "Macao SAR"),
    "HKG": ("Hong Kong SAR", "中国香港"),
    "TUR": ("Türkiye", "Turkey"),
}
# Short names that mean more than one economy: always reported as ambiguous.
_AMBIGUOUS = {"Congo": ("COG", "COD"), "Korea": ("KOR", "PRK")}


@dataclass(frozen=True)
class _Tables:
    """Everything read from one data bundle (built once per bundle, then cached)."""

    table: pd.DataFrame
    iso3: frozenset[str]
    iso2: dict[str, str]
    names: dict[str, frozenset[str]]
    display: dict[str, str]
    static: dict[str, frozenset[str]]
    since: dict[str, dict[str, int]]
    until: dict[str, dict[str, int]]
    income: pd.Series  # income code indexed by (iso3, year)
    income_years: tuple[int, int]
    groups: tuple[str, ...]


def _norm(name: str) -> str:
    """Normalise a country name: no accents, case, punctuation or leading 'the'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[\W_]+", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join("saint" if w == "st" else w for w in words)


def _column_name(group: str) -> str:
    return group.replace(":", "_").replace(" ", "_")


def _read(bundle: Path, key: str) -> pd.DataFrame:
    relative, required = _FILES[key]
    path = bundle / relative
    if not path.is_file():
        raise DataNotFoundError(
            f"Country data file {relative} is missing from the data bundle {bundle}. "
            "Point data_dir (or HITEX_DATA_DIR) at a complete bundle."
        )
    # keep_default_na=False: Namibia's ISO2 code "NA" must not become missing.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NaN"])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFormatError(
            f"{path} lacks the column(s) {', '.join(missing)}; found {', '.join(frame.columns)}. "
            "Restore the file from the bundle."
        )
    return frame


@functools.lru_cache(maxsize=1)
def _eu() -> pd.DataFrame:
    source = resources.files("hitex.data") / "resources" / "eu_membership.csv"
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, comment="#", keep_default_na=False)


@functools.lru_cache(maxsize=1)
def _study000() -> pd.DataFrame:
    source = resources.files("hitex.data") / "resources" / _STUDY000_FILE
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, comment="#", keep_default_na=False)


def _flag(frame: pd.DataFrame, column: str) -> frozenset[str]:
    return frozenset(frame.loc[frame[column].notna(), "ISO3"])


def _as_int(value: str, what: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        raise DataFormatError(f"Cannot read {what} {value!r} as a year.") from None


@functools.lru_cache(maxsize=8)
def _load(bundle: Path) -> _Tables:
    conv = _read(bundle, "converter")
    wdi = _read(bundle, "wdi")
    wto = _read(bundle, "wto")
    bri = _read(bundle, "bri")
    inc = _read(bundle, "income")
    eu = _eu()

    # -- the country table --------------------------------------------------
    conv["ISO2"] = conv["ISO3"].map(_ISO2_FIXES).fillna(conv["ISO2"])
    # a few ISO2 cells hold country_converter's patterns ("^GB$|^UK$", "^GR$|^EL$"): keep the
    # ISO code (the first alternative); the others become aliases below
    patterns = conv["ISO2"].astype("string").str.contains(r"[\^$|]", regex=True).fillna(False)
    extra_alias = {
        iso3: tuple(re.findall(r"\^?([A-Z]{2})\$?", str(code)))[1:]
        for iso3, code in zip(conv.loc[patterns, "ISO3"], conv.loc[patterns, "ISO2"], strict=True)
    }
    conv.loc[patterns, "ISO2"] = [
        re.findall(r"[A-Z]{2}", str(c))[0] for c in conv.loc[patterns, "ISO2"]
    ]
    region = wdi.set_index("iso3")["Region"]
    aggregates = wdi.loc[wdi["Region"].isna() & ~wdi["iso3"].isin(conv["ISO3"])]
    table = pd.concat(
        [
            pd.DataFrame({"iso3": conv["ISO3"], "name": conv["name_short"], "iso2": conv["ISO2"],
                          "continent": conv["continent"], "is_aggregate": False}),
            pd.DataFrame({"iso3": aggregates["iso3"], "name": aggregates["country_name"],
                          "iso2": None, "continent": None, "is_aggregate": True}),
        ],
        ignore_index=True,
    )
    table["wdi_region"] = table["iso3"].map(region)
    text = ["iso3", "name", "iso2", "wdi_region", "continent"]
    table[text] = table[text].astype("str")
    table = table[["iso3", "name", "iso2", "wdi_region", "continent", "is_aggregate"]]
    table = table.sort_values("iso3", ignore_index=True)
    if table["iso3"].duplicated().any():
        dupes = sorted(table.loc[table["iso3"].duplicated(), "iso3"])
        raise DataFormatError(f"Duplicated ISO3 codes in the country files: {dupes}.")

    # -- names --------------------------------------------------------------
    study = _study000()
    pairs: list[tuple[str, str]] = list(zip(table["name"], table["iso3"], strict=True))
    pairs += list(zip(wdi["country_name"], wdi["iso3"], strict=True))
    pairs += list(zip(inc["country"], inc["iso3"], strict=True))
    pairs += list(zip(wto["country_name"], wto["iso3"], strict=True))
    pairs += list(zip(bri["name_in_source"], bri["iso3"], strict=True))
    pairs += list(zip(study["name_in_study"], study["iso3"], strict=True))
    pairs += [(alias, code) for code, aliases in _ALIASES.items() for alias in aliases]
    pairs += [(alias, code) for code, aliases in extra_alias.items() for alias in aliases]
    pairs += [(name, code) for name, codes in _AMBIGUOUS.items() for code in codes]
    names: dict[str, set[str]] = {}
    display: dict[str, str] = {}
    for name, code in pairs:
        if isinstance(name, str) and isinstance(code, str) and _norm(name):
            names.setdefault(_norm(name), set()).add(code)
            display.setdefault(_norm(name), name)

    # -- groups -------------------------------------------------------------
    economies = wdi.loc[wdi["Region"].notna()]
    static = {
        "g7": _flag(conv, "G7"),
        "g20": _flag(conv, "G20") - (_flag(conv, "EU27") - _G20_EU_OWN_SEAT),
        "bri": frozenset(bri["iso3"].dropna()),
    }
    for name in sorted(economies["Region"].unique()):
        static[f"region:{name}"] = frozenset(economies.loc[economies["Region"] == name, "iso3"])
    for name in _STUDY_GROUPS[1:]:
        static[name] = frozenset(study.loc[study["group"] == name, "iso3"])
    static["study000"] = static["study000_emerging"] | static["study000_developed"]

    oecd = conv.loc[conv["oecd_accession_year"].notna()]
    wto = wto.loc[wto["iso3"].notna()]  # the EU's own membership has no ISO3 code
    since = {
        "oecd": {c: _as_int(y, "OECD accession year")
                 for c, y in zip(oecd["ISO3"], oecd["oecd_accession_year"], strict=True)},
        "wto": {c: _as_int(str(d)[:4], "WTO accession date")
                for c, d in zip(wto["iso3"], wto["accession_date"], strict=True)},
        "eu": {c: int(y) for c, y in zip(eu["iso3"], eu["joined"], strict=True)},
    }
    until = {"eu": {c: int(y) for c, y in zip(eu["iso3"], eu["left"], strict=True) if y}}

    inc = inc.dropna(subset=["income_group"])
    codes = inc["income_group"].str.rstrip("*")  # "LM*": the Bank's footnoted LM for Yemen
    unknown = sorted(set(codes) - set(INCOME_CODES))
    if unknown:
        raise DataFormatError(f"Unknown World Bank income codes {unknown} in {_FILES['income'][0]}.")
    years = inc["year"].map(lambda y: _as_int(y, "income-class year"))
    income = pd.Series(codes.to_numpy(), index=pd.MultiIndex.from_arrays(
        [inc["iso3"].to_numpy(), years.to_numpy()], names=["iso3", "year"]))
    groups = (*_STATIC_GROUPS, *(f"income:{c}" for c in INCOME_CODES),
              *(g for g in static if g.startswith("region:")), *_STUDY_GROUPS)
    return _Tables(
        table=table,
        iso3=frozenset(table["iso3"]),
        iso2={c: i for c, i in zip(table["iso2"], table["iso3"], strict=True) if isinstance(c, str)},
        names={k: frozenset(v) for k, v in names.items()},
        display=display,
        static=static,
        since=since,
        until=until,
        income=income,
        income_years=(int(years.min()), int(years.max())),
        groups=groups,
    )


def _tables(data_dir: PathLike) -> _Tables:
    return _load(_paths.data_dir(data_dir).resolve())


def _as_year(year: object) -> int:
    if isinstance(year, numbers.Integral) and not isinstance(year, bool):
        return int(year)
    if isinstance(year, float) and year.is_integer():
        return int(year)
    raise HitexError(f"A year must be an integer such as 2012; got {year!r}.")


def _canonical_group(t: _Tables, group: object) -> str:
    lookup = {g.casefold(): g for g in t.groups}
    lookup.update({_column_name(g).casefold(): g for g in t.groups})
    if isinstance(group, str) and group.strip().casefold() in lookup:
        return lookup[group.strip().casefold()]
    close = difflib.get_close_matches(str(group), t.groups, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise HitexError(f"Unknown country group {group!r}.{hint} Valid groups: {', '.join(t.groups)}.")


def _check_income_year(t: _Tables, year: int) -> None:
    first, last = t.income_years
    if not first <= year <= last:
        raise HitexError(
            f"World Bank income classes are known for {first}-{last} only; year {year} is "
            "outside that range. Use a year inside it (e.g. the nearest one) explicitly."
        )


def _resolve_one(t: _Tables, entry: object) -> tuple[str | None, str]:
    """Return (ISO3, '') or (None, reason the entry could not be resolved)."""
    if not isinstance(entry, str) or not entry.strip():
        return None, "not a code or name"
    upper = entry.strip().upper()
    if len(upper) == 3 and upper in t.iso3:
        return upper, ""
    if len(upper) == 2 and upper in t.iso2:
        return t.iso2[upper], ""
    key = _norm(entry)
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
