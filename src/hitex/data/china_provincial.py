"""Chinese province-year variables of the data bundle, each with one stated unit.

:func:`province_variables` gives a wide province-year panel of the variables a
study names from :data:`PROVINCE_VARIABLES` (patents, R&D and high-tech
industry series of the S&T yearbook, gross regional product, resident
population, fiscal expenditure, urbanisation, trade ...), together with the
unit of each variable and the files read. :func:`province_groups` gives the
time-invariant groups: the NBS four regions, the four municipalities and the
18 Belt and Road key provinces.

Units never mix within a variable. Where a publisher changed the unit between
years (provincial trade: 10,000 US$ to 2014, 100 million yuan from 2016, no
value for 2015), each unit is a variable of its own; :func:`convert_currency`
turns yuan into dollars with the WDI official exchange rate (CNY per US$,
annual average, ``PA.NUS.FCRF``) and returns the sentence that states the
conversion.

Bundle files read (``<data_dir>/china_provincial/``):

``nbs_resident_population_2005_2024.csv``
    Year-end resident population, 10,000 persons, current NBS series (2011-2019
    revised after the 2020 census).
``nbs_resident_population_2000_2017_vintage2019.csv``
    The same indicator as published before that revision (``population_10k_v2019``).
``local_fiscal_expenditure_2005_2024_renjiyi.csv``
    Local general public budget expenditure, 100 million yuan (2005-2006 under
    its old name 财政支出, the same concept).
``local_general_budget_expenditure_2010_2023_techme.csv.gz``
    Its education and science-and-technology items, 100 million yuan.
``nbs_provincial_controls_2005_2024_renjiyi.csv``
    Urbanisation rate, secondary-industry share, trade (imports plus exports),
    tax revenue and employment from NBS provincial exports.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.data.china import (
    GRP_FILE,
    PROVINCIAL_FOLDER,
    SCI_TECH_FILE,
    SCI_TECH_VARIABLES,
    provinces,
    read_grp,
    sci_tech_panel,
)
from hitex.errors import ColumnNotFoundError, DataFormatError, DataNotFoundError, HitexError

__all__ = ["PROVINCE_VARIABLES", "ProvinceVariable", "belt_road_provinces", "convert_currency",
           "province_groups", "province_variables"]

POPULATION_FILE = "nbs_resident_population_2005_2024.csv"
POPULATION_2019_FILE = "nbs_resident_population_2000_2017_vintage2019.csv"
FISCAL_FILE = "local_fiscal_expenditure_2005_2024_renjiyi.csv"
BUDGET_FILE = "local_general_budget_expenditure_2010_2023_techme.csv.gz"
CONTROLS_FILE = "nbs_provincial_controls_2005_2024_renjiyi.csv"
BELT_ROAD_FILE = "china_belt_road_provinces.csv"


@dataclass(frozen=True)
class ProvinceVariable:
    """A province-year variable of the bundle: where it is and in which unit."""

    file: str
    unit: str
    label: str


def _catalogue() -> dict[str, ProvinceVariable]:
    out = {name: ProvinceVariable(SCI_TECH_FILE, unit, label)
           for name, unit, label in SCI_TECH_VARIABLES.values()}
    out.update({
        "grp_100m_yuan": ProvinceVariable(GRP_FILE, "亿元 (100 million yuan), current prices",
                                          "Gross regional product"),
        "population_10k": ProvinceVariable(POPULATION_FILE, "万人 (10,000 persons)",
                                           "Year-end resident population (current NBS series)"),
        "population_10k_v2019": ProvinceVariable(
            POPULATION_2019_FILE, "万人 (10,000 persons)",
            "Year-end resident population as published in 2019 (before the census revision)"),
        "fiscal_expenditure_100m_yuan": ProvinceVariable(
            FISCAL_FILE, "亿元 (100 million yuan)", "Local general public budget expenditure"),
        "fiscal_education_100m_yuan": ProvinceVariable(
            BUDGET_FILE, "亿元 (100 million yuan)", "Local budget expenditure on education"),
        "fiscal_science_100m_yuan": ProvinceVariable(
            BUDGET_FILE, "亿元 (100 million yuan)",
            "Local budget expenditure on science and technology"),
        "urbanisation_pct": ProvinceVariable(CONTROLS_FILE, "% of resident population",
                                             "Urbanisation rate"),
        "secondary_share_pct": ProvinceVariable(CONTROLS_FILE, "% of GRP",
                                                "Secondary industry share of GRP"),
        "trade_10k_usd": ProvinceVariable(CONTROLS_FILE, "万美元 (10,000 US$)",
                                          "Imports plus exports (2005-2014)"),
        "trade_100m_yuan": ProvinceVariable(
            CONTROLS_FILE, "亿元 (100 million yuan)",
            "Imports plus exports by destination/source of goods (2016-2024)"),
        "tax_revenue_100m_yuan": ProvinceVariable(CONTROLS_FILE, "亿元 (100 million yuan)",
                                                  "Tax revenue"),
        "employment_10k": ProvinceVariable(CONTROLS_FILE, "万人 (10,000 persons)",
                                           "Employed persons"),
    })
    return out


#: Every province-year variable :func:`province_variables` can give, by hitex name.
PROVINCE_VARIABLES: dict[str, ProvinceVariable] = _catalogue()

#: Columns of the controls file -> hitex names.
_CONTROLS = {"城镇化率_%": "urbanisation_pct", "第二产业比重_%": "secondary_share_pct",
             "进出口总额_万美元": "trade_10k_usd", "进出口总额_亿元人民币": "trade_100m_yuan",
             "税收收入_亿元": "tax_revenue_100m_yuan", "就业人员数_万人": "employment_10k"}
#: Items of the techme budget file -> hitex names.
_BUDGET = {"v6_cz_yszc_jy": "fiscal_education_100m_yuan",
           "v6_cz_yszc_kxjs": "fiscal_science_100m_yuan"}


def _file(data_dir: str | os.PathLike[str] | None, name: str) -> Path:
    root = _paths.data_dir(data_dir)
    path = root / PROVINCIAL_FOLDER / name
    if not path.is_file():
        raise DataNotFoundError(
            f"The data bundle {root} has no '{PROVINCIAL_FOLDER}/{name}'. Point data_dir (or "
            f"{_paths.ENV_DATA_DIR}) at a bundle that holds it, or restore the file.")
    return path


def _csv(path: Path, required: Iterable[str], key: tuple[str, ...] = ("province_code", "year")
         ) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, EOFError, zlib.error) as err:
        raise DataFormatError(f"Cannot read {path}: {err}. Restore the file from the bundle.") from err
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{path} lacks the column(s) {missing} (it has "
                              f"{list(frame.columns)[:10]}). Restore the file from the bundle.")
    frame = frame[frame["province_code"] != 0]  # national totals are not provinces
    if frame.duplicated(list(key)).any():
        raise DataFormatError(f"{path} has duplicate province-year rows. Restore the file from "
                              "the bundle.")
    return frame


def _population(data_dir: str | os.PathLike[str] | None, names: list[str]
                ) -> tuple[pd.DataFrame, Path]:
    file = POPULATION_FILE if names == ["population_10k"] else POPULATION_2019_FILE
    path = _file(data_dir, file)
    frame = _csv(path, ["province_code", "year", "resident_pop_10k"])
    return frame.rename(columns={"resident_pop_10k": names[0]}), path


def _fiscal(data_dir: str | os.PathLike[str] | None, names: list[str]
            ) -> tuple[pd.DataFrame, Path]:
    path = _file(data_dir, FISCAL_FILE)
    frame = _csv(path, ["province_code", "year", "value_100m_yuan"])
    return frame.rename(columns={"value_100m_yuan": "fiscal_expenditure_100m_yuan"}), path


def _budget(data_dir: str | os.PathLike[str] | None, names: list[str]
            ) -> tuple[pd.DataFrame, Path]:
    path = _file(data_dir, BUDGET_FILE)
    long = _csv(path, ["variable", "province_code", "year", "value"],
                key=("variable", "province_code", "year"))
    long = long[long["variable"].isin(list(_BUDGET))]
    wide = long.pivot(index=["province_code", "year"], columns="variable", values="value")
    return wide.rename(columns=_BUDGET).reset_index().rename_axis(columns=None), path


def _controls(data_dir: str | os.PathLike[str] | None, names: list[str]
              ) -> tuple[pd.DataFrame, Path]:
    path = _file(data_dir, CONTROLS_FILE)
    frame = _csv(path, ["province_code", "年份", *_CONTROLS], key=("province_code", "年份"))
    return frame.rename(columns={"年份": "year", **_CONTROLS}), path


def _sci_tech(data_dir: str | os.PathLike[str] | None, names: list[str]
              ) -> tuple[pd.DataFrame, Path]:
    return sci_tech_panel(data_dir, variables=names), _file(data_dir, SCI_TECH_FILE)


def _grp(data_dir: str | os.PathLike[str] | None, names: list[str]) -> tuple[pd.DataFrame, Path]:
    return read_grp(data_dir), _file(data_dir, GRP_FILE)


#: The reader of each bundle file: ``reader(data_dir, names) -> (frame, path)``.
_READERS = {SCI_TECH_FILE: _sci_tech, GRP_FILE: _grp, POPULATION_FILE: _population,
            POPULATION_2019_FILE: _population, FISCAL_FILE: _fiscal, BUDGET_FILE: _budget,
            CONTROLS_FILE: _controls}


def province_variables(variables: Iterable[str],
                       data_dir: str | os.PathLike[str] | None = None,
                       ) -> tuple[pd.DataFrame, list[Path]]:
    """A wide province-year panel of the bundle's variables.

    Parameters
    ----------
    variables : iterable of str
        Names of :data:`PROVINCE_VARIABLES` (``patent_applications``,
        ``population_10k``, ``ht_exports`` ...).
    data_dir : path-like, optional
        The data bundle (:func:`hitex._paths.data_dir`).

    Returns
    -------
    (pandas.DataFrame, list of Path)
        ``province_code``, ``year`` and one column per variable (every
        province-year that any of them covers; NaN where a file has no value),
        and the files read.

    Raises
    ------
    ColumnNotFoundError
        For a name that is not a variable of the bundle (the message lists them).
    """
    wanted = list(dict.fromkeys(variables))
    unknown = [v for v in wanted if v not in PROVINCE_VARIABLES]
    if unknown:
        import difflib

        hints = [f"'{u}': did you mean {difflib.get_close_matches(u, PROVINCE_VARIABLES, n=2)}"
                 for u in unknown if difflib.get_close_matches(u, PROVINCE_VARIABLES, n=2)]
        raise ColumnNotFoundError(
            f"province variable(s) {unknown} are not in the bundle. {'; '.join(hints)}"
            f"{'. ' if hints else ''}Known: {', '.join(sorted(PROVINCE_VARIABLES))}.")
    by_file: dict[str, list[str]] = {}
    for name in wanted:
        by_file.setdefault(PROVINCE_VARIABLES[name].file, []).append(name)
    frames: list[pd.DataFrame] = []
    files: list[Path] = []
    for file, names in by_file.items():
        frame, path = _READERS[file](data_dir, names)
        frames.append(frame[["province_code", "year", *names]])
        files.append(path)
    out = frames[0]
    for frame in frames[1:]:
        out = out.merge(frame, on=["province_code", "year"], how="outer")
    out["province_code"] = out["province_code"].astype("int64")
    out["year"] = out["year"].astype("int64")
    return out.sort_values(["province_code", "year"], ignore_index=True), files


def belt_road_provinces() -> pd.DataFrame:
    """The 18 Belt and Road key provinces of the 2015 "Vision and Actions" document.

    Returns
    -------
    pandas.DataFrame
        ``province_code``, ``province_en`` and ``group`` (northwest, northeast,
        southwest, coastal, inland) as the document (NDRC, MFA and MOFCOM,
        28 March 2015, section VI) names them; the file header cites it.
    """
    source = resources.files("hitex.data") / "resources" / BELT_ROAD_FILE
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, comment="#", dtype={"province_code": "int64"})


def province_groups() -> pd.DataFrame:
    """Time-invariant groups of the 31 provinces, as columns a study can filter on.

    Returns
    -------
    pandas.DataFrame
        One row per province: ``province_code``, ``province_en``,
        ``province_zh``, ``region`` (East, Central, West, Northeast: the NBS
        four-region division of 2011), the 0/1 columns ``east``, ``central``,
        ``west``, ``northeast``, ``municipality`` (Beijing, Tianjin, Shanghai,
        Chongqing) and ``belt_road`` (:func:`belt_road_provinces`).
    """
    table = provinces()
    out = table[["province_code", "province_en", "province_zh", "region"]].copy()
    for region in ("East", "Central", "West", "Northeast"):
        out[region.lower()] = (table["region"] == region).astype(int)
    out["municipality"] = (table["province_type"] == "municipality").astype(int)
    out["belt_road"] = table["province_code"].isin(belt_road_provinces()["province_code"]
                                                   ).astype(int)
    return out


def convert_currency(values: pd.Series, years: pd.Series, rate: pd.Series, *,
                     what: str, scale: float = 1.0) -> tuple[pd.Series, str]:
    """Yuan to US dollars at the annual average official rate (CNY per US$).

    Parameters
    ----------
    values : pandas.Series
        Amounts in yuan (times the series' unit).
    years : pandas.Series
        The year of each value.
    rate : pandas.Series
        CNY per US$ by year (WDI ``PA.NUS.FCRF``: period average).
    what : str
        What is converted, for the statement.
    scale : float, default 1.0
        Multiplies the result (e.g. 1e8 / 1e6 turns 100 million yuan into
        million US$).

    Returns
    -------
    (pandas.Series, str)
        The converted values and the sentence that states the conversion.

    Raises
    ------
    HitexError
        When a year with a value has no exchange rate.
    """
    per_year = years.map(rate)
    lacking = sorted(set(years[values.notna() & per_year.isna()].astype(int)))
    if lacking:
        raise HitexError(f"no CNY/US$ exchange rate for {lacking} to convert {what}; give the "
                         "rates of those years or leave the years out.")
    out = values / per_year * scale
    return out, (f"{what}: yuan converted to US$ at the annual average official exchange rate "
                 f"(WDI PA.NUS.FCRF, CNY per US$), times {scale:g}.")
