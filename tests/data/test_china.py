"""Tests of hitex.data.china: the province table, name resolution and the bundle readers.

Bundle values are checked against the raw files read here with the csv module,
independently of the readers.
"""

from __future__ import annotations

import csv
import gzip
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import china
from hitex.errors import ColumnNotFoundError, DataFormatError, DataNotFoundError, HitexError

# GB/T 2260 two-digit codes of the 31 mainland provinces.
GBT2260 = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
           41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65}  # fmt: skip

# NBS "东西中部和东北地区划分方法" (2011-06-13).
NBS_REGIONS = {
    "East": {"Beijing", "Tianjin", "Hebei", "Shanghai", "Jiangsu", "Zhejiang", "Fujian",
             "Shandong", "Guangdong", "Hainan"},
    "Central": {"Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"},
    "West": {"Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet",
             "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"},
    "Northeast": {"Liaoning", "Jilin", "Heilongjiang"},
}  # fmt: skip


def _raw_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- province table
def test_province_table_codes_names_regions() -> None:
    table = china.provinces()
    assert len(table) == 31
    assert set(table["province_code"]) == GBT2260
    assert table["province_code"].is_unique and table["province_en"].is_unique
    assert table["province_zh"].is_unique and table["capital_en"].is_unique
    for region, members in NBS_REGIONS.items():
        assert set(table.loc[table["region"] == region, "province_en"]) == members
    assert table.notna().all().all()
    row = table.set_index("province_code").loc[15]
    assert (row["province_en"], row["province_zh"], row["province_zh_full"]) == (
        "Inner Mongolia", "内蒙古", "内蒙古自治区")
    assert set(table.loc[table["province_type"] == "municipality", "province_code"]) == {11, 12, 31, 50}


def test_province_capitals_and_coordinates() -> None:
    table = china.provinces().set_index("province_en")
    assert table.loc["Zhejiang", "capital_en"] == "Hangzhou"
    assert table.loc["Fujian", "capital_en"] == "Fuzhou"
    assert table.loc["Shaanxi", "capital_zh"] == "西安"
    # Mainland China's extent: about 18-54 N, 73-135 E.
    assert table["capital_lat"].between(18, 54).all()
    assert table["capital_lon"].between(73, 135).all()
    # Hangzhou, GeoNames 1808926: 30.29365 N, 120.16142 E; Haikou 1809078: 20.03421, 110.34651.
    assert table.loc["Zhejiang", ["capital_lat", "capital_lon"]].tolist() == pytest.approx([30.29365, 120.16142])
    assert table.loc["Hainan", ["capital_lat", "capital_lon"]].tolist() == pytest.approx([20.03421, 110.34651])
    header = (resources.files("hitex.data") / "resources" / "china_provinces.csv").read_text(encoding="utf-8")
    assert "GeoNames" in header and "CC BY 4.0" in header and "GB/T 2260" in header


def test_provinces_returns_a_copy() -> None:
    table = china.provinces()
    table.loc[0, "province_en"] = "changed"
    assert china.provinces().loc[0, "province_en"] == "Beijing"


# --------------------------------------------------------------------------- resolve
@pytest.mark.parametrize(
    ("value", "code"),
    [
        (33, 33), ("33", 33), (330000, 33), ("330000", 33), (33.0, 33),
        ("Zhejiang", 33), ("zhejiang province", 33), ("浙江", 33), ("浙江省", 33),
        ("Anhui", 34), ("Ningxia Hui Autonomous Region", 64), ("宁夏回族自治区", 64),
        ("Inner Mongolia", 15), ("Nei Mongol", 15), ("内蒙古", 15), ("Tibet", 54), ("Xizang", 54),
        ("广西壮族自治区", 45), ("Hebei (province)", 13), ("Tianjin (city)", 12), ("北京市", 11),
        ("Shanxi", 14), ("Shaanxi", 61), ("Xinjiang Uygur Autonomous Region", 65),
    ],
)  # fmt: skip
def test_resolve_provinces_forms(value: object, code: int) -> None:
    assert china.resolve_provinces([value]) == [code]


def test_resolve_provinces_unknown_names_value_and_fix() -> None:
    with pytest.raises(HitexError) as err:
        china.resolve_provinces(["Zhejiang", "Shanxii", "Hong Kong", 99, True])
    message = str(err.value)
    assert "'Shanxii'" in message and "'Hong Kong'" in message and "99" in message
    assert "did you mean" in message and "31 mainland" in message


# --------------------------------------------------------------------------- bad bundles
def _fake_bundle(tmp_path: Path) -> Path:
    for marker in ("wdi", "wef_gcr", "china_provincial", "china_city_panel"):
        (tmp_path / marker).mkdir()
    return tmp_path


def test_missing_file_names_the_folder(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path)
    with pytest.raises(DataNotFoundError, match="china_provincial/nbs_gross_regional_product"):
        china.read_grp(bundle)
    with pytest.raises(DataNotFoundError, match="china_city_panel/"):
        china.read_city_panel(bundle)


def test_malformed_files_raise_data_format_error(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path)
    grp = bundle / "china_provincial" / china.GRP_FILE
    grp.write_text("code,year,gdp\n11,2004,1.0\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="province_code"):
        china.read_grp(bundle)
    grp.write_text("province_code,province_en,year,grp_100m_yuan\n71,Taiwan,2004,1.0\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"unknown province codes \[71\]"):
        china.read_grp(bundle)


# --------------------------------------------------------------------------- real bundle
def test_grp_real_bundle(data_dir: Path) -> None:
    grp = china.read_grp(data_dir)
    assert grp["province_code"].nunique() == 31
    assert set(grp["province_code"]) == GBT2260
    assert grp.groupby("province_code")["year"].agg(["min", "max", "size"]).eq([2004, 2023, 20]).all().all()
    assert grp["grp_100m_yuan"].notna().all()
    raw = _raw_rows(data_dir / "china_provincial" / china.GRP_FILE)
    expected = next(float(r["grp_100m_yuan"]) for r in raw if r["province_code"] == "44" and r["year"] == "2023")
    got = grp.query("province_code == 44 and year == 2023")
    assert got["grp_100m_yuan"].item() == expected
    assert got["province_zh"].item() == "广东" and got["region"].item() == "East"


def test_sci_tech_long_real_bundle(data_dir: Path) -> None:
    long = china.read_sci_tech(data_dir)
    assert set(long["province_code"]) == GBT2260
    national = china.read_sci_tech(data_dir, include_national=True, datasets=["RDPatentAccept"])
    assert 0 in set(national["province_code"])
    assert set(national["dataset"]) == {"RDPatentAccept"}
    assert national.loc[national["province_code"] == 0, "province_zh"].eq("全国").all()
    # The file labels R&D personnel (person-years) as 万元 in 2020; hitex keeps one unit.
    fte = long[(long["variable"] == "v4_cy_RDhd_qsdl") & (long["year"] == 2020)]
    assert fte["unit_raw"].eq("万元").all() and fte["unit"].eq("人年 (person-years)").all()
    assert long.groupby("variable")["unit"].nunique().eq(1).all()
    with pytest.raises(HitexError, match="NoSuchTable"):
        china.read_sci_tech(data_dir, datasets=["NoSuchTable"])


def test_sci_tech_panel_real_bundle(data_dir: Path) -> None:
    panel = china.sci_tech_panel(data_dir, variables=["patent_applications", "v4_cg_zlsq2_hj", "ht_exports"])
    assert list(panel.columns[-3:]) == ["patent_applications", "patent_grants", "ht_exports"]
    assert panel["province_code"].nunique() == 31 and len(panel) == 31 * 14
    assert not panel.duplicated(["province_code", "year"]).any()
    raw = _raw_rows(data_dir / "china_provincial" / china.SCI_TECH_FILE)

    def raw_value(variable: str, code: str, year: str) -> float:
        return next(float(r["value"]) for r in raw
                    if r["variable"] == variable and r["province_code"] == code and r["year"] == year)

    zj = panel.query("province_code == 33 and year == 2020")
    assert zj["patent_applications"].item() == raw_value("v4_cg_zlsq_hj", "33", "2020")
    gd = panel.query("province_code == 44 and year == 2017")
    assert gd["ht_exports"].item() == raw_value("v4_cy_my_ck", "44", "2017")
    # Grants 2012 are absent from the file for Shanxi (14) and Tibet (54): missing, not zero.
    assert panel.query("year == 2012 and province_code in [14, 54]")["patent_grants"].isna().all()
    assert panel.query("year == 2012 and province_code == 33")["patent_grants"].notna().all()
    with pytest.raises(ColumnNotFoundError, match="no_such_variable"):
        china.sci_tech_panel(data_dir, variables=["no_such_variable"])


def test_provincial_panel_real_bundle(data_dir: Path) -> None:
    panel = china.provincial_panel(data_dir, variables=["rd_intensity"])
    assert len(panel) == 31 * 20 and panel["province_code"].nunique() == 31
    assert list(panel.columns) == ["province_code", "province_en", "province_zh", "region", "year",
                                   "grp_100m_yuan", "rd_intensity"]
    assert panel.query("year < 2011")["rd_intensity"].isna().all()
    assert panel["grp_100m_yuan"].notna().all()


def test_city_panel_real_bundle(data_dir: Path) -> None:
    city = china.read_city_panel(data_dir)
    assert len(city) == 332 * 20 and city["city_code"].nunique() == 332
    assert city["province_code"].nunique() == 31
    assert city["city_en"].notna().all()
    types = city.drop_duplicates("city_code")["city_type"].value_counts()
    assert types.to_dict() == {"prefecture-level": 313, "sub-provincial city": 15, "municipality": 4}
    hz = city.query("city_code == 330100 and year == 2020")
    assert hz["city_en"].item() == "Hangzhou" and hz["city_type"].item() == "sub-provincial city"
    raw = _raw_rows(data_dir / "china_city_panel" / china.CITY_FILE)
    row = next(r for r in raw if r["city_id"] == "330100" and r["year"] == "2020")
    assert hz["gdp_100m_yuan"].item() == float(row["gdpct01"])
    assert hz["population_landscan"].item() == float(row["total_population"])
    assert city.query("city_code == 650400")["city_en"].eq("Turpan").all()
    assert pd.api.types.is_float_dtype(city["gdp_100m_yuan"])
