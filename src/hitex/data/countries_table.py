"""Building the country tables of :mod:`hitex.data.countries` from the data bundle.

:func:`load_tables` reads the country files of one data bundle (the list is in the
docstring of :mod:`hitex.data.countries`) and the package's own
``eu_membership.csv`` and ``study000_country_groups.csv`` once, and returns a
:class:`CountryTables` with the country table, the name index used to resolve
country names, and the membership data of every country group.
:data:`INCOME_CODES` is re-exported by :mod:`hitex.data.countries`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from hitex.data.bundle_files import read_bundle_csv
from hitex.errors import DataFormatError, DataNotFoundError

__all__ = ["INCOME_CODES", "CountryTables", "load_tables", "normalize_name"]

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
class CountryTables:
    """Everything read from one data bundle (built once per bundle, then cached).

    Attributes
    ----------
    table : DataFrame
        One row per economy (ISO3, names, groups).
    iso3 : frozenset of str
        The ISO3 codes known.
    iso2 : dict
        ISO2 code -> ISO3 code.
    names : dict
        Normalised name (:func:`normalize_name`) -> ISO3 codes it may mean.
    display : dict
        Normalised name -> the name as written in the source.
    static : dict
        Group without dates (``oecd``, ``g7`` ...) -> its ISO3 codes.
    since, until : dict
        Dated group -> ISO3 code -> first year in / first year out.
    income : Series
        World Bank income code indexed by (iso3, year).
    income_years : (int, int)
        First and last year of the income classification.
    groups : tuple of str
        Every group name.
    """

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


def normalize_name(name: str) -> str:
    """Normalise a country name: no accents, case, punctuation or leading 'the' ('St' -> 'saint')."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[\W_]+", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join("saint" if w == "st" else w for w in words)


def _read(bundle: Path, key: str) -> pd.DataFrame:
    relative, required = _FILES[key]
    path = bundle / relative
    if not path.is_file():
        raise DataNotFoundError(
            f"Country data file {relative} is missing from the data bundle {bundle}. "
            "Point data_dir (or HITEX_DATA_DIR) at a complete bundle."
        )
    # keep_default_na=False: Namibia's ISO2 code "NA" must not become missing.
    frame = read_bundle_csv(pd.read_csv, path, dtype=str, keep_default_na=False,
                            na_values=["", "NaN"])
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
def load_tables(bundle: Path) -> CountryTables:
    """Read the country files of the data bundle at ``bundle`` (cached per bundle).

    Raises :class:`~hitex.errors.DataNotFoundError` when a file is missing and
    :class:`~hitex.errors.DataFormatError` when one lacks a column or holds a
    year that is not a number.
    """
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
        if isinstance(name, str) and isinstance(code, str) and normalize_name(name):
            names.setdefault(normalize_name(name), set()).add(code)
            display.setdefault(normalize_name(name), name)

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
    return CountryTables(
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
