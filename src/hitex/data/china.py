"""Chinese provincial and prefecture-city data from the embedded data bundle.

Every table here is keyed by a stable **province code**: the two-digit
administrative division code of GB/T 2260 (Beijing 11 ... Xinjiang 65; the
first two digits of the six-digit code, 330000 -> 33). The 31 mainland
provinces, with English, pinyin and Chinese names, the National Bureau of
Statistics (NBS) four-region division and the provincial capital with its
coordinates, ship with hitex in ``resources/china_provinces.csv``
(:func:`provinces`); :func:`resolve_provinces` turns codes or names in either
language into codes.

Bundle files read (``<data_dir>/china_provincial/`` and
``<data_dir>/china_city_panel/``, located with :func:`hitex._paths.data_dir`):

``nbs_gross_regional_product_2004_2023.csv``
    NBS gross regional product, 100 million yuan at current prices, 2004-2023
    (:func:`read_grp`).
``china_sci_tech_yearbook_provincial_long.csv.gz``
    China Statistical Yearbook on Science and Technology as tidied in the R
    package ``techme``: domestic patent applications, grants and valid
    patents (2010-2023), R&D expenditure and intensity (2011-2023), high-tech
    industry exports and imports (million US$, 2016-2018) and high-tech
    industry R&D, new-product development and new-product exports (2016-2023)
    (:func:`read_sci_tech` long, :func:`sci_tech_panel` wide,
    :func:`provincial_panel` wide and merged with GRP).
``china_prefecture_city_panel_2001_2020.csv.gz``
    332 prefecture-level cities x 2001-2020: GDP, sector shares, LandScan
    population, night lights (:func:`read_city_panel`).

Known problems of the files and what the readers do about them
---------------------------------------------------------------
* The yearbook file's ``units`` column is wrong in places: every high-tech
  industry variable is labelled 万元 in 2020 (also counts such as R&D
  personnel in person-years, projects, institutions), and enterprise invention
  patents (``v4_cy_qyzl_fms``) are labelled 万元 in five of six years. The
  values run on smoothly across those years, so hitex reports one unit per
  variable (column ``unit``, from :data:`SCI_TECH_VARIABLES`) and keeps the
  file's label in ``unit_raw``.
* Rows absent from the yearbook file: patent grants 2012 for Shanxi (14) and
  Tibet (54); design-patent applications 2019 for Jilin (22). They are
  missing values (NaN) in the wide panels, never zeros.
* The national total (province code 0) is not the sum of the provinces for
  patents (the provinces add up to 97-99.7 %); it is dropped unless
  ``include_national=True``.
* City panel: the city-type column of the file has the labels of ordinary
  prefecture-level cities and of the 15 sub-provincial cities swapped, so
  hitex derives ``city_type`` from the city code instead (the four
  municipalities, the fixed list of 15 sub-provincial cities, all others
  "prefecture-level"); names, type and province are blank in 138 rows and are
  filled from the same city's other years; three codes never have a name in
  the file and get their GB/T 2260 names (540600 Nagqu, 650400 Turpan,
  650500 Hami). English city names are the compiler's labels with "(city)"
  suffixes removed; their romanisation is inconsistent (``Fu zhou``,
  ``Kiamusze``) and some names occur twice (Suzhou, Taizhou, Yichun, Yulin,
  Fuzhou): join on ``city_code``.
* The patent counts are all domestic patents, not the digital-economy
  patents (CNRDS) that study 004 counts; a DTI built from them is a proxy.
* The bundle has no provincial population series. The city panel's
  LandScan population does not add up to provincial population (cities
  cover prefecture-level units only: most of Hainan and the county-level
  cities under direct provincial administration are missing).
"""

from __future__ import annotations

import difflib
import functools
import numbers
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.errors import ColumnNotFoundError, DataFormatError, DataNotFoundError, HitexError

__all__ = [
    "CITY_COLUMNS",
    "SCI_TECH_VARIABLES",
    "SUB_PROVINCIAL_CITIES",
    "provinces",
    "resolve_provinces",
    "read_grp",
    "read_sci_tech",
    "sci_tech_panel",
    "provincial_panel",
    "read_city_panel",
]

PROVINCIAL_FOLDER = "china_provincial"
CITY_FOLDER = "china_city_panel"
GRP_FILE = "nbs_gross_regional_product_2004_2023.csv"
SCI_TECH_FILE = "china_sci_tech_yearbook_provincial_long.csv.gz"
CITY_FILE = "china_prefecture_city_panel_2001_2020.csv.gz"
_PROVINCES_FILE = "china_provinces.csv"

PROVINCE_COLUMNS = ["province_code", "province_en", "province_zh", "region"]

#: Yearbook variable code -> (hitex column name, unit, English label). "HT" = high-tech industry.
SCI_TECH_VARIABLES: dict[str, tuple[str, str, str]] = {
    "v4_cg_zlsq_hj": ("patent_applications", "件 (pieces)", "Domestic patent applications accepted, total"),
    "v4_cg_zlsq_fm": ("patent_applications_invention", "件 (pieces)", "Domestic patent applications, invention"),
    "v4_cg_zlsq_syxx": ("patent_applications_utility", "件 (pieces)", "Domestic patent applications, utility model"),
    "v4_cg_zlsq_wgsj": ("patent_applications_design", "件 (pieces)", "Domestic patent applications, design"),
    "v4_cg_zlsq2_hj": ("patent_grants", "件 (pieces)", "Domestic patents granted, total"),
    "v4_cg_zlsq2_fm": ("patent_grants_invention", "件 (pieces)", "Domestic patents granted, invention"),
    "v4_cg_zlsq2_syxx": ("patent_grants_utility", "件 (pieces)", "Domestic patents granted, utility model"),
    "v4_cg_zlsq2_wgsj": ("patent_grants_design", "件 (pieces)", "Domestic patents granted, design"),
    "v4_cg_zlsyx_hj": ("patents_valid", "件 (pieces)", "Valid (in-force) patents, total"),
    "v4_cg_zlsyx_fm": ("patents_valid_invention", "件 (pieces)", "Valid patents, invention"),
    "v4_cg_zlsyx_syxx": ("patents_valid_utility", "件 (pieces)", "Valid patents, utility model"),
    "v4_cg_zlsyx_wgsj": ("patents_valid_design", "件 (pieces)", "Valid patents, design"),
    "v4_ztr_jf_RD": ("rd_expenditure", "亿元 (100 million yuan)", "R&D expenditure"),
    "v4_ztr_qd_RD": ("rd_intensity", "% of GRP", "R&D intensity (R&D expenditure / GRP)"),
    "v4_cy_my_ck": ("ht_exports", "百万美元 (million US$)", "HT industry exports"),
    "v4_cy_my_jk": ("ht_imports", "百万美元 (million US$)", "HT industry imports"),
    "v4_cy_my_jck": ("ht_trade", "百万美元 (million US$)", "HT industry exports plus imports"),
    "v4_cy_xcp_ck": ("ht_new_product_exports", "万元 (10,000 yuan)", "HT industry new-product exports"),
    "v4_cy_xcp_xssr": ("ht_new_product_sales", "万元 (10,000 yuan)", "HT industry new-product sales revenue"),
    "v4_cy_xcp_kfjf": ("ht_new_product_dev_expenditure", "万元 (10,000 yuan)", "HT industry new-product development expenditure"),
    "v4_cy_xcp_kfxm": ("ht_new_product_dev_projects", "项 (projects)", "HT industry new-product development projects"),
    "v4_cy_RDhd_nbzc": ("ht_rd_internal_expenditure", "万元 (10,000 yuan)", "HT industry internal R&D expenditure"),
    "v4_cy_RDhd_qsdl": ("ht_rd_personnel_fte", "人年 (person-years)", "HT industry R&D personnel, full-time equivalent"),
    "v4_cy_RDhd_xmjf": ("ht_rd_project_funds", "万元 (10,000 yuan)", "HT industry R&D project funds"),
    "v4_cy_RDhd_xmsl": ("ht_rd_projects", "项 (projects)", "HT industry R&D projects"),
    "v4_cy_RDhd_yfjgs": ("ht_rd_institutions", "个 (units)", "HT industry R&D institutions"),
    "v4_cy_qyzl_sqs": ("ht_patent_applications", "件 (pieces)", "HT industry enterprise patent applications"),
    "v4_cy_qyzl_fms": ("ht_patent_applications_invention", "件 (pieces)", "HT industry enterprise patent applications, of which invention"),
    "v4_cy_qyzl_yxs": ("ht_patents_valid", "件 (pieces)", "HT industry enterprise valid patents"),
    "v4_cy_jsgz_yjzc": ("ht_tech_import_expenditure", "万元 (10,000 yuan)", "HT industry expenditure on technology imports"),
    "v4_cy_jsgz_xszc": ("ht_tech_assimilation_expenditure", "万元 (10,000 yuan)", "HT industry expenditure on assimilating imported technology"),
    "v4_cy_jsgz_gmzc": ("ht_domestic_tech_purchase", "万元 (10,000 yuan)", "HT industry expenditure on purchasing domestic technology"),
    "v4_cy_jsgz_gzzc": ("ht_tech_renovation_expenditure", "万元 (10,000 yuan)", "HT industry expenditure on technical renovation"),
    "v4_cy_cytz_tzze": ("ht_investment", "亿元 (100 million yuan)", "HT industry investment"),
    "v4_cy_cytz_gdzc": ("ht_new_fixed_assets", "亿元 (100 million yuan)", "HT industry newly added fixed assets"),
    "v4_cy_cytz_sgxm": ("ht_projects_under_construction", "个 (projects)", "HT industry projects under construction"),
    "v4_cy_cytz_kgxm": ("ht_projects_started", "个 (projects)", "HT industry projects newly started"),
    "v4_cy_cytz_jcxm": ("ht_projects_completed", "个 (projects)", "HT industry projects completed and in operation"),
}

#: Raw column of the city-panel file -> hitex column.
CITY_COLUMNS: dict[str, str] = {
    "gdpct01": "gdp_100m_yuan",
    "gdpct02": "primary_share_pct",
    "gdpct03": "secondary_share_pct",
    "gdpct04": "tertiary_share_pct",
    "gdp_percapita": "gdp_per_capita_yuan",
    "gdpyoy": "real_gdp_growth_pct",
    "rel_cpi_2010": "price_index_2010_100",
    "city_rgdp": "real_gdp_100m_yuan_2010",
    "city_rgdppc": "real_gdp_per_capita_yuan_2010",
    "total_population": "population_landscan",
    "urban_population": "urban_population_landscan",
    "total_sol": "nightlight_sum",
    "total_meanlight": "nightlight_mean",
}

#: The four municipalities directly under the central government (city codes).
MUNICIPALITY_CITIES = frozenset({110000, 120000, 310000, 500000})
#: The 15 sub-provincial cities (副省级城市): Shenyang, Dalian, Changchun, Harbin, Nanjing,
#: Hangzhou, Ningbo, Xiamen, Jinan, Qingdao, Wuhan, Guangzhou, Shenzhen, Chengdu, Xi'an.
SUB_PROVINCIAL_CITIES = frozenset(
    {210100, 210200, 220100, 230100, 320100, 330100, 330200, 350200,
     370100, 370200, 420100, 440100, 440300, 510100, 610100}
)  # fmt: skip
#: GB/T 2260 names of city codes that the file never names.
_CITY_NAME_PATCHES = {540600: "Nagqu", 650400: "Turpan", 650500: "Hami"}


# --------------------------------------------------------------------------- provinces
@functools.lru_cache(maxsize=1)
def _province_table() -> pd.DataFrame:
    source = resources.files("hitex.data") / "resources" / _PROVINCES_FILE
    with source.open("r", encoding="utf-8") as handle:
        df = pd.read_csv(handle, comment="#", dtype={"province_code": "int64"})
    return df


def provinces() -> pd.DataFrame:
    """Return the 31 mainland provinces with codes, names, region and capital.

    Returns
    -------
    pandas.DataFrame
        One row per province, ordered by code, with columns ``province_code``
        (GB/T 2260 two-digit code), ``province_en``, ``province_pinyin``,
        ``province_zh`` (short name, e.g. 内蒙古), ``province_zh_full``
        (内蒙古自治区), ``province_type`` (province, municipality, autonomous
        region), ``region`` (East, Central, West, Northeast as in the NBS
        four-region division of 2011) and ``region_zh``, ``capital_en``,
        ``capital_zh``, ``capital_lat``, ``capital_lon`` (WGS84 decimal degrees,
        GeoNames city-centre point) and ``capital_geonameid``.
    """
    return _province_table().copy()


def _norm_key(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold().strip()
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(
        r"\b(?:autonomous region|municipality|province|city|zhuang|hui|uygur|uyghur)\b", " ", text
    )
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return re.sub(r"[\s'’\-_.,]", "", text)


@functools.lru_cache(maxsize=1)
def _alias_map() -> dict[str, int]:
    aliases: dict[str, int] = {}
    for row in _province_table().itertuples(index=False):
        code = int(row.province_code)
        for name in (row.province_en, row.province_pinyin, row.province_zh, row.province_zh_full):
            aliases[_norm_key(str(name))] = code
    aliases.update({_norm_key("Nei Mongol"): 15, _norm_key("Nei Menggu"): 15,
                    _norm_key("Xizang"): 54, _norm_key("Shensi"): 61})
    return aliases


def _code_from_number(value: float) -> int | None:
    if value != value or value != int(value):  # NaN or not whole
        return None
    number = int(value)
    if number >= 10000 and number % 10000 == 0:
        number //= 10000
    return number if number in set(_province_table()["province_code"]) else None


def resolve_provinces(values: Iterable[object]) -> list[int]:
    """Turn province codes or names into two-digit GB/T 2260 province codes.

    Accepted for each value: the two-digit code (``33``, ``"33"``), the
    six-digit code (``330000``), the English or pinyin name in any case, with
    or without a suffix such as "Province" or "(province)" (``"zhejiang"``,
    ``"Inner Mongolia"``, ``"Nei Mongol"``, ``"Xizang"``), or the Chinese short or
    full name (``"浙江"``, ``"浙江省"``, ``"广西壮族自治区"``). Matching is exact after
    that normalisation, never fuzzy, so that ``"Shanxi"`` (14) and ``"Shaanxi"``
    (61) stay apart.

    Parameters
    ----------
    values : iterable
        Codes or names, e.g. a DataFrame column.

    Returns
    -------
    list of int
        The province code of each value, in order.

    Raises
    ------
    HitexError
        If a value matches none of the 31 mainland provinces (Hong Kong, Macao
        and Taiwan are not covered); the message lists the values, close names
        and the accepted forms.
    """
    if isinstance(values, str | numbers.Number):  # one province, not its characters
        values = [values]
    aliases = _alias_map()
    codes: list[int] = []
    unknown: list[object] = []
    for value in values:
        code: int | None = None
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            code = _code_from_number(float(value))  # type: ignore[arg-type]
        elif isinstance(value, str):
            stripped = value.strip()
            if re.fullmatch(r"\d+(\.0+)?", stripped):
                code = _code_from_number(float(stripped))
            else:
                code = aliases.get(_norm_key(stripped))
        if code is None:
            unknown.append(value)
            codes.append(-1)
        else:
            codes.append(code)
    if unknown:
        shown = list(dict.fromkeys(map(repr, unknown)))[:10]
        hints = []
        for value in unknown[:10]:
            close = difflib.get_close_matches(_norm_key(str(value)), list(aliases), n=2, cutoff=0.75)
            if close:
                names = sorted({_province_table().set_index("province_code").at[aliases[c], "province_en"]
                                for c in close})
                hints.append(f"{value!r} -> did you mean {' or '.join(names)}?")
        raise HitexError(
            f"Unknown Chinese province value(s): {', '.join(shown)}. "
            + (" ".join(hints) + " " if hints else "")
            + "Use the two-digit GB/T 2260 code (e.g. 33), the English name (e.g. 'Zhejiang', "
            "'Inner Mongolia') or the Chinese name (e.g. '浙江', '内蒙古'); only the 31 mainland "
            "provinces are covered (see hitex.data.china.provinces())."
        )
    return codes


def _add_province_columns(df: pd.DataFrame, *, keep_national: bool = False) -> pd.DataFrame:
    table = _province_table()[PROVINCE_COLUMNS]
    out = df.merge(table, on="province_code", how="left", validate="many_to_one")
    if keep_national:
        national = out["province_code"] == 0
        out.loc[national, "province_en"] = "China (national total)"
        out.loc[national, "province_zh"] = "全国"
    return out


# --------------------------------------------------------------------------- reading
def _bundle_file(data_dir: str | os.PathLike[str] | None, folder: str, name: str) -> Path:
    root = _paths.data_dir(data_dir)
    path = root / folder / name
    if not path.is_file():
        raise DataNotFoundError(
            f"The data bundle {root} has no '{folder}/{name}'. Point data_dir (or "
            f"{_paths.ENV_DATA_DIR}) at a bundle that holds it, or restore the file."
        )
    return path


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, EOFError, zlib.error) as err:
        raise DataFormatError(f"Cannot read {path}: {err}. Restore the file from the bundle.") from err


def _read(path: Path, required: Sequence[str]) -> pd.DataFrame:
    df = _read_cached(str(path), path.stat().st_mtime).copy()
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{path} lacks the column(s) {missing} (it has {list(df.columns)}). Restore the file "
            "from the bundle."
        )
    return df


def _check_codes(df: pd.DataFrame, column: str, path: Path, allowed: set[int]) -> None:
    bad = sorted(set(df[column].dropna().astype("int64")) - allowed)
    if bad:
        raise DataFormatError(
            f"{path}: column '{column}' holds unknown province codes {bad[:10]}; expected the "
            "GB/T 2260 two-digit codes of the 31 provinces. Restore the file from the bundle."
        )


def read_grp(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read NBS gross regional product by province, 2004-2023.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle; see :func:`hitex._paths.data_dir`.

    Returns
    -------
    pandas.DataFrame
        Province-year rows (31 x 20), columns ``province_code``, ``province_en``,
        ``province_zh``, ``region``, ``year`` and ``grp_100m_yuan`` (100 million
        yuan, current prices), sorted by code and year.
    """
    path = _bundle_file(data_dir, PROVINCIAL_FOLDER, GRP_FILE)
    raw = _read(path, ["province_code", "year", "grp_100m_yuan"])
    _check_codes(raw, "province_code", path, set(_province_table()["province_code"]))
    df = raw[["province_code", "year", "grp_100m_yuan"]].astype(
        {"province_code": "int64", "year": "int64", "grp_100m_yuan": "float64"}
    )
    df = _add_province_columns(df)
    return df[[*PROVINCE_COLUMNS, "year", "grp_100m_yuan"]].sort_values(
        ["province_code", "year"], ignore_index=True
    )


def read_sci_tech(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    datasets: Iterable[str] | None = None,
    include_national: bool = False,
) -> pd.DataFrame:
    """Read the S&T yearbook table in long form, one row per province, year and variable.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle; see :func:`hitex._paths.data_dir`.
    datasets : iterable of str, optional
        Keep only these source tables (``RDPatentAccept``, ``RDPatentAuthority``,
        ``RDPatentValid``, ``RDIntense``, ``IndustryTrade``, ``IndustryRD``).
    include_national : bool, default False
        Keep the national total rows (``province_code`` 0, ``region`` missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset``, ``variable`` (the file's code), ``name`` (hitex's
        column name, see :data:`SCI_TECH_VARIABLES`), ``label``, ``item_zh``,
        ``unit`` (one unit per variable), ``unit_raw`` (the file's label),
        ``province_code``, ``province_en``, ``province_zh``, ``region``,
        ``year``, ``value``.

    Raises
    ------
    HitexError
        If ``datasets`` names a table the file does not have.
    """
    path = _bundle_file(data_dir, PROVINCIAL_FOLDER, SCI_TECH_FILE)
    raw = _read(path, ["dataset", "variable", "item_zh", "units", "province_code", "year", "value"])
    allowed = set(_province_table()["province_code"]) | {0}
    _check_codes(raw, "province_code", path, allowed)
    if datasets is not None:
        wanted = [datasets] if isinstance(datasets, str) else list(datasets)
        unknown = sorted(set(wanted) - set(raw["dataset"]))
        if unknown:
            raise HitexError(
                f"datasets={unknown} not in {path.name}; choose from {sorted(set(raw['dataset']))}."
            )
        raw = raw[raw["dataset"].isin(wanted)]
    if not include_national:
        raw = raw[raw["province_code"] != 0]
    df = raw[["dataset", "variable", "item_zh", "province_code", "year", "value"]].copy()
    df["unit_raw"] = raw["units"]
    meta = SCI_TECH_VARIABLES
    df["name"] = [meta.get(v, (v, "", ""))[0] for v in df["variable"]]
    df["label"] = [meta.get(v, ("", "", item))[2] for v, item in zip(df["variable"], df["item_zh"], strict=True)]
    df["unit"] = [meta[v][1] if v in meta else u for v, u in zip(df["variable"], df["unit_raw"], strict=True)]
    df = df.astype({"province_code": "int64", "year": "int64", "value": "float64"})
    df = _add_province_columns(df, keep_national=include_national)
    columns = ["dataset", "variable", "name", "label", "item_zh", "unit", "unit_raw",
               *PROVINCE_COLUMNS, "year", "value"]
    return df[columns].sort_values(["dataset", "variable", "province_code", "year"], ignore_index=True)


def _select_names(available: Sequence[str], variables: Iterable[str] | None) -> list[str]:
    if variables is None:
        return list(available)
    wanted = [variables] if isinstance(variables, str) else list(variables)
    by_code = {code: spec[0] for code, spec in SCI_TECH_VARIABLES.items()}
    names = [by_code.get(v, v) for v in wanted]
    missing = [v for v, n in zip(wanted, names, strict=True) if n not in available]
    if missing:
        raise ColumnNotFoundError(
            f"S&T yearbook variable(s) {missing} not in the bundle. Available: {sorted(available)} "
            "(hitex names; the file's codes such as 'v4_cg_zlsq_hj' work too)."
        )
    return list(dict.fromkeys(names))


def sci_tech_panel(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    variables: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return the S&T yearbook variables as a wide province-year panel.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle; see :func:`hitex._paths.data_dir`.
    variables : iterable of str, optional
        hitex names (``"patent_applications"``, ``"ht_exports"`` ...) or the
        file's codes; default all. Units are in :data:`SCI_TECH_VARIABLES`.

    Returns
    -------
    pandas.DataFrame
        One row per province (31) and year (every year from the first to the
        last the chosen variables cover; 2010-2023 for all), columns
        ``province_code``, ``province_en``, ``province_zh``, ``region``,
        ``year`` and one column per variable (NaN where the yearbook has no
        value).

    Raises
    ------
    ColumnNotFoundError
        If a requested variable is not in the bundle.
    """
    long = read_sci_tech(data_dir)
    available = list(dict.fromkeys(n for n in _ordered_names() if n in set(long["name"])))
    available += sorted(set(long["name"]) - set(available))
    names = _select_names(available, variables)
    long = long[long["name"].isin(names)]
    wide = long.pivot(index=["province_code", "year"], columns="name", values="value")
    full = pd.MultiIndex.from_product(
        [sorted(_province_table()["province_code"]), range(int(long["year"].min()), int(long["year"].max()) + 1)],
        names=["province_code", "year"],
    )
    wide = wide.reindex(full)[names].reset_index()
    wide.columns.name = None
    wide = _add_province_columns(wide)
    return wide[[*PROVINCE_COLUMNS, "year", *names]]


def _ordered_names() -> list[str]:
    return [spec[0] for spec in SCI_TECH_VARIABLES.values()]


def provincial_panel(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    variables: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return GRP and the S&T yearbook variables in one province-year panel.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle; see :func:`hitex._paths.data_dir`.
    variables : iterable of str, optional
        S&T yearbook variables to include (see :func:`sci_tech_panel`);
        ``grp_100m_yuan`` is always included.

    Returns
    -------
    pandas.DataFrame
        31 provinces x every year that either source covers (2004-2023), with
        ``grp_100m_yuan`` and the chosen variables (NaN outside a source's
        years).
    """
    grp = read_grp(data_dir)
    sci = sci_tech_panel(data_dir, variables=variables)
    keys = [*PROVINCE_COLUMNS, "year"]
    merged = grp.merge(sci, on=keys, how="outer", validate="one_to_one")
    return merged.sort_values(["province_code", "year"], ignore_index=True)


_CITY_SUFFIX = re.compile(r"\s*\((?:city|province)\)\s*$|\s+city$", re.IGNORECASE)


def _city_type(code: int) -> str:
    if code in MUNICIPALITY_CITIES:
        return "municipality"
    if code in SUB_PROVINCIAL_CITIES:
        return "sub-provincial city"
    return "prefecture-level"


def read_city_panel(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the prefecture-level city panel, 332 cities x 2001-2020.

    Parameters
    ----------
    data_dir : path-like, optional
        The data bundle; see :func:`hitex._paths.data_dir`.

    Returns
    -------
    pandas.DataFrame
        City-year rows with ``city_code`` (six-digit GB/T 2260 code), ``city_en``,
        ``city_type`` (municipality, sub-provincial city, prefecture-level),
        ``province_code``, ``province_en``, ``province_zh``, ``region``, ``year``
        and the variables of :data:`CITY_COLUMNS`: GDP (100 million yuan,
        current prices), primary / secondary / tertiary shares of GDP (%), GDP
        per capita (yuan), real GDP growth (%), the price index (2010 = 100),
        real GDP and real GDP per capita at 2010 prices (computed by the
        compiler), LandScan total and urban population (persons) and the sum
        and mean of night-light radiance.
    """
    path = _bundle_file(data_dir, CITY_FOLDER, CITY_FILE)
    raw = _read(path, ["city_id", "ctnm_en", "province_id", "year", *CITY_COLUMNS])
    if raw.duplicated(["city_id", "year"]).any():
        raise DataFormatError(f"{path}: duplicated city_id x year rows. Restore the file from the bundle.")
    df = raw.rename(columns={"city_id": "city_code", **CITY_COLUMNS})
    df["city_code"] = df["city_code"].astype("int64")
    df["province_code"] = df["city_code"] // 10000
    _check_codes(df, "province_code", path, set(_province_table()["province_code"]))
    names = (
        raw.dropna(subset=["ctnm_en"]).drop_duplicates("city_id").set_index("city_id")["ctnm_en"]
        .map(lambda s: _CITY_SUFFIX.sub("", " ".join(str(s).split())))
    )
    names = pd.concat([names, pd.Series(_CITY_NAME_PATCHES)]).groupby(level=0).first()
    df["city_en"] = df["city_code"].map(names)
    df["city_type"] = df["city_code"].map(_city_type)
    df = _add_province_columns(df)
    values = list(CITY_COLUMNS.values())
    df[values] = df[values].astype("float64")
    columns = ["city_code", "city_en", "city_type", *PROVINCE_COLUMNS, "year", *values]
    return df[columns].sort_values(["city_code", "year"], ignore_index=True)
