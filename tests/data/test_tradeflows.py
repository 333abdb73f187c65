"""Tests of the BACI / Comtrade loaders and the streaming DuckDB aggregation.

All files are written by the tests; expected totals are computed here by plain
Python loops over the same records, never by the code under test.
"""

from __future__ import annotations

import gzip
import random
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import tradeflows as tf
from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
    SpecificationError,
)

HS_CATEGORIES = pd.DataFrame(
    {
        "code": ["30", "3006", "8471", "85", "8542"],
        "category": ["pharma", None, "computers", "electronics", "chips"],
    }
)


def _category(code: str) -> str | None:
    """Longest-prefix rule written out by hand for HS_CATEGORIES."""
    if code.startswith("3006"):
        return None
    if code.startswith("8542"):
        return "chips"
    if code.startswith("8471"):
        return "computers"
    if code.startswith("85"):
        return "electronics"
    if code.startswith("30"):
        return "pharma"
    return None


def _write_baci(path: Path, rows: list[tuple]) -> Path:
    lines = ["t,i,j,k,v,q"] + [",".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def baci_rows() -> list[tuple]:
    rng = random.Random(7)
    codes = ["010121", "300490", "300610", "847130", "851712", "854231", "880240", "090111"]
    # one record per (year, exporter, importer, product), as in BACI
    rows = [
        (t, i, j, k, round(rng.uniform(0, 500), 3), "NA")
        for t in (2018, 2019)
        for i in (4, 156, 842, 251)
        for j in (8, 156, 842, 699)
        for k in codes
    ]
    rng.shuffle(rows)
    return rows


def _expected(rows, other=None, country=None):
    totals: dict[tuple, float] = defaultdict(float)
    for t, i, j, k, v, _ in rows:
        cat = _category(k) or other
        if cat is None:
            continue
        ex, im = (
            (country.get(str(i), str(i)), country.get(str(j), str(j)))
            if country
            else (
                str(i),
                str(j),
            )
        )
        totals[(ex, im, t, cat)] += v * 1000.0
    return totals


def _as_dict(df: pd.DataFrame) -> dict[tuple, float]:
    return {
        (r.exporter, r.importer, r.year, r.category): r.value for r in df.itertuples(index=False)
    }


def _assert_same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12)


# --------------------------------------------------------------------------- BACI
def test_baci_aggregate_matches_python_totals(tmp_path, baci_rows):
    path = _write_baci(tmp_path / "BACI_HS17_Y2018.csv", baci_rows)
    out = tf.aggregate_trade(path, fmt="baci", categories=HS_CATEGORIES, code_system="HS")
    assert list(out.columns) == list(tf.AGGREGATE_COLUMNS)
    _assert_same(_as_dict(out), _expected(baci_rows))
    assert "pharma" in set(out["category"])  # 300490 counts, 300610 is excluded


def test_baci_other_keeps_all_trade(tmp_path, baci_rows):
    path = _write_baci(tmp_path / "b.csv", baci_rows)
    out = tf.aggregate_trade(path, categories=HS_CATEGORIES, code_system="HS", other="other")
    _assert_same(_as_dict(out), _expected(baci_rows, other="other"))
    assert out["value"].sum() == pytest.approx(sum(r[4] for r in baci_rows) * 1000.0)


def test_baci_several_files_gzip_and_small_memory(tmp_path, baci_rows):
    first = _write_baci(tmp_path / "y2018.csv", baci_rows[:128])
    text = _write_baci(tmp_path / "tmp.csv", baci_rows[128:]).read_bytes()
    second = tmp_path / "y2019.csv.gz"
    second.write_bytes(gzip.compress(text))
    out = tf.aggregate_trade(
        [first, second],
        categories=HS_CATEGORIES,
        code_system="HS",
        memory_limit="100MB",
        temp_directory=tmp_path / "spill",
        threads=1,
    )
    _assert_same(_as_dict(out), _expected(baci_rows))


def test_baci_country_codes_file(tmp_path, baci_rows):
    path = _write_baci(tmp_path / "b.csv", baci_rows)
    codes = tmp_path / "country_codes_V202401.csv"
    codes.write_text(
        "country_code,country_name,country_iso2,country_iso3\n"
        "4,Afghanistan,AF,AFG\n8,Albania,AL,ALB\n156,China,CN,CHN\n251,France,FR,FRA\n"
        "699,India,IN,IND\n842,USA,US,USA\n",
        encoding="utf-8",
    )
    mapping = {"4": "AFG", "8": "ALB", "156": "CHN", "251": "FRA", "699": "IND", "842": "USA"}
    out = tf.aggregate_trade(path, categories=HS_CATEGORIES, code_system="HS", country_codes=codes)
    _assert_same(_as_dict(out), _expected(baci_rows, country=mapping))


def test_unmapped_country_code_warns(tmp_path):
    path = _write_baci(tmp_path / "b.csv", [(2019, 4, 999, "300490", 1.0, 1)])
    codes = pd.DataFrame({"code": [4], "iso3": ["AFG"]})
    with pytest.warns(DataCoverageWarning, match="999"):
        out = tf.aggregate_trade(
            path, categories=HS_CATEGORIES, code_system="HS", country_codes=codes
        )
    assert out.loc[0, "importer"] == "999"


def test_leading_zeros_restored_and_kept(tmp_path):
    path = _write_baci(
        tmp_path / "b.csv", [(2019, 4, 8, "10121", 2.0, 1), (2019, 4, 8, "300490", 1.0, 1)]
    )
    df = tf.read_trade(path)
    assert list(df["product"]) == ["010121", "300490"]
    assert list(df["value"]) == [2000.0, 1000.0]
    assert list(df.columns) == list(tf.TRADE_COLUMNS)


def test_aggregate_writes_parquet(tmp_path, baci_rows):
    path = _write_baci(tmp_path / "b.csv", baci_rows)
    target = tf.aggregate_trade(
        path, categories=HS_CATEGORIES, code_system="HS", out=tmp_path / "agg.parquet"
    )
    assert target == tmp_path / "agg.parquet"
    back = pd.read_parquet(target)
    _assert_same(_as_dict(back), _expected(baci_rows))


# --------------------------------------------------------------------------- concordance
def test_sitc_categories_through_concordance(tmp_path):
    rows = [
        (2019, 4, 8, "300490", 1.0, 1),  # -> SITC 54293 (pharmaceuticals 54)
        (2019, 4, 8, "847130", 2.0, 1),  # -> SITC 75210 (computers 75)
        (2019, 4, 8, "999999", 4.0, 1),  # -> two SITC codes in different categories
        (2019, 4, 8, "010121", 8.0, 1),  # not in the concordance
    ]
    path = _write_baci(tmp_path / "b.csv", rows)
    sitc = pd.DataFrame({"code": ["54", "75"], "category": ["pharma", "computers"]})
    sitc.attrs["nomenclature"] = "SITC Rev.3"
    conc = pd.DataFrame(
        {
            "HS17": ["300490", "847130", "999999", "999999"],
            "S3": ["54293", "75210", "54293", "75210"],
        }
    )
    with pytest.warns(DataCoverageWarning, match="999999"):
        out = tf.aggregate_trade(path, categories=sitc, concordance=conc)
    assert _as_dict(out) == {
        ("4", "8", 2019, "pharma"): 1000.0,
        ("4", "8", 2019, "computers"): 2000.0,
    }


def test_other_nomenclature_without_concordance_fails(tmp_path):
    path = _write_baci(tmp_path / "b.csv", [(2019, 4, 8, "300490", 1.0, 1)])
    sitc = pd.DataFrame({"code": ["54"], "category": ["pharma"]})
    with pytest.raises(SpecificationError, match="concordance"):
        tf.aggregate_trade(path, categories=sitc, code_system="SITC")
    with pytest.raises(SpecificationError, match="code_system"):
        tf.aggregate_trade(path, categories=sitc)


# --------------------------------------------------------------------------- Comtrade
COMTRADE_HEADER = (
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,"
    "flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,"
    "classificationCode,classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,"
    "aggrLevel,isLeaf,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,"
    "qty,isQtyEstimated,altQtyUnitCode,altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,"
    "isNetWgtEstimated,grossWgt,isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,"
    "legacyEstimationFlag,isReported,isAggregate"
).split(",")


def _comtrade_row(rep, par, flow, cmd, value, *, partner_code=None, year=2019, **extra):
    codes = {"CHN": 156, "USA": 842, "DEU": 276, "W00": 0}
    row = dict.fromkeys(COMTRADE_HEADER, "")
    row.update(
        typeCode="C",
        freqCode="A",
        refYear=year,
        period=year,
        reporterCode=codes[rep],
        reporterISO=rep,
        flowCode=flow,
        partnerCode=codes[par] if partner_code is None else partner_code,
        partnerISO=par,
        partner2Code=0,
        classificationCode="H5",
        cmdCode=cmd,
        cmdDesc='"Machines, parts"',
        customsCode="C00",
        motCode=0,
        primaryValue=value,
        fobvalue=value,
    )
    row.update(extra)
    return row


def _write_comtrade(path: Path, rows: list[dict], delim: str = ",") -> Path:
    lines = [delim.join(COMTRADE_HEADER)]
    lines += [delim.join(str(r[c]) for c in COMTRADE_HEADER) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def comtrade_rows() -> list[dict]:
    return [
        _comtrade_row("CHN", "USA", "X", "847130", 100.0),
        _comtrade_row("CHN", "USA", "X", "854231", 50.0),
        _comtrade_row("CHN", "DEU", "X", "300490", 7.0),
        _comtrade_row("CHN", "USA", "X", "8471", 150.0),  # heading: would double count
        _comtrade_row("CHN", "USA", "X", "TOTAL", 1000.0),
        _comtrade_row("CHN", "W00", "X", "847130", 999.0),  # partner World
        _comtrade_row("CHN", "USA", "X", "847130", 5.0, motCode=1000),  # a transport mode
        _comtrade_row("USA", "CHN", "M", "847130", 80.0),  # US imports from China
        _comtrade_row("USA", "CHN", "X", "854231", 30.0),
    ]


def test_comtrade_plus_exports(tmp_path, comtrade_rows):
    path = _write_comtrade(tmp_path / "comtrade.csv", comtrade_rows)
    out = tf.aggregate_trade(path, fmt="comtrade", categories=HS_CATEGORIES, code_system="HS")
    assert _as_dict(out) == {
        ("CHN", "DEU", 2019, "pharma"): 7.0,
        ("CHN", "USA", 2019, "chips"): 50.0,
        ("CHN", "USA", 2019, "computers"): 100.0,
        ("USA", "CHN", 2019, "chips"): 30.0,
    }


def test_comtrade_imports_mirror_and_tab_gz(tmp_path, comtrade_rows):
    raw = _write_comtrade(tmp_path / "x.txt", comtrade_rows, delim="\t").read_bytes()
    path = tmp_path / "C_A_842_2019_H5.txt.gz"
    path.write_bytes(gzip.compress(raw))
    df = tf.read_trade(path, fmt="comtrade", flow="M")
    assert df.to_dict("records") == [
        {"exporter": "CHN", "importer": "USA", "year": 2019, "product": "847130", "value": 80.0}
    ]


def test_comtrade_legacy_layout(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "Classification,Year,Period,Trade Flow Code,Trade Flow,Reporter Code,Reporter,"
        "Reporter ISO,Partner Code,Partner,Partner ISO,Commodity Code,Commodity,"
        "Trade Value (US$)\n"
        "H4,2015,2015,2,Export,156,China,CHN,842,USA,USA,847130,Computers,10\n"
        "H4,2015,2015,2,Export,156,China,CHN,0,World,WLD,847130,Computers,99\n"
        "H4,2015,2015,1,Import,156,China,CHN,842,USA,USA,854231,Chips,4\n"
        "H4,2015,2015,2,Export,156,China,CHN,276,Germany,DEU,300490,Medicaments,3\n",
        encoding="utf-8",
    )
    out = tf.aggregate_trade(path, fmt="comtrade", categories=HS_CATEGORIES, code_system="HS")
    assert _as_dict(out) == {
        ("CHN", "DEU", 2015, "pharma"): 3.0,
        ("CHN", "USA", 2015, "computers"): 10.0,
    }
    imports = tf.read_trade(path, fmt="comtrade", flow="M")
    assert imports[["exporter", "importer", "value"]].values.tolist() == [["USA", "CHN", 4.0]]


# --------------------------------------------------------------------------- bad input
def test_comtrade_unexpected_columns(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("year,reporter,partner,hs,usd\n2019,CHN,USA,847130,1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"refYear.*found \['year'"):
        tf.read_trade(path, fmt="comtrade")


def test_baci_missing_column(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("t,i,j,k,q\n2019,4,8,300490,1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"expected the columns \['t', 'i', 'j', 'k', 'v'"):
        tf.aggregate_trade(path, categories=HS_CATEGORIES, code_system="HS")


def test_negative_value(tmp_path):
    path = _write_baci(tmp_path / "b.csv", [(2019, 4, 8, "010121", -2.0, 1)])
    with pytest.raises(DataFormatError, match=r"column 'v' has negative"):
        tf.aggregate_trade(path, categories=HS_CATEGORIES, code_system="HS")


def test_text_in_value_column(tmp_path):
    path = _write_baci(tmp_path / "b.csv", [(2019, 4, 8, "300490", "1,5", 1)])
    path.write_text("t,i,j,k,v,q\n2019,4,8,300490,abc,1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="'v'"):
        tf.read_trade(path)


def test_missing_value_warns(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("t,i,j,k,v,q\n2019,4,8,300490,,1\n2019,4,8,300410,2,1\n", encoding="utf-8")
    with pytest.warns(DataCoverageWarning, match="1 record"):
        out = tf.aggregate_trade(path, categories=HS_CATEGORIES, code_system="HS")
    assert out["value"].tolist() == [2000.0]


def test_empty_after_filters(tmp_path, comtrade_rows):
    path = _write_comtrade(tmp_path / "c.csv", comtrade_rows)
    with pytest.raises(EmptySampleError, match="code_digits"):
        tf.read_trade(path, fmt="comtrade", code_digits=3)


def test_files_with_different_headers(tmp_path, comtrade_rows):
    first = _write_comtrade(tmp_path / "a.csv", comtrade_rows)
    second = tmp_path / "b.csv"
    second.write_text(
        "refYear,flowCode,cmdCode,reporterISO,partnerISO,primaryValue\n", encoding="utf-8"
    )
    with pytest.raises(DataFormatError, match="one layout"):
        tf.read_trade([first, second], fmt="comtrade")


def test_bad_arguments(tmp_path):
    path = _write_baci(tmp_path / "b.csv", [(2019, 4, 8, "300490", 1.0, 1)])
    with pytest.raises(DataNotFoundError):
        tf.read_trade(tmp_path / "nope.csv")
    with pytest.raises(SpecificationError, match="fmt"):
        tf.read_trade(path, fmt="wits")
    with pytest.raises(SpecificationError, match="flow"):
        tf.read_trade(path, flow="RX")
    with pytest.raises(DataFormatError, match="unzip"):
        tf.read_trade(tmp_path / "b.zip") if (tmp_path / "b.zip").write_bytes(b"PK") else None
    numeric = pd.DataFrame({"code": [30], "category": ["pharma"]})
    with pytest.raises(DataFormatError, match="leading zeros"):
        tf.aggregate_trade(path, categories=numeric, code_system="HS")
    dup = pd.DataFrame({"code": ["30", "30"], "category": ["a", "b"]})
    with pytest.raises(DataFormatError, match="more than once"):
        tf.aggregate_trade(path, categories=dup, code_system="HS")
    with pytest.raises(DataFormatError, match="'category'"):
        tf.aggregate_trade(path, categories=pd.DataFrame({"code": ["30"]}), code_system="HS")


def test_read_country_codes_old_layout(tmp_path):
    path = tmp_path / "country_codes_V202001.csv"
    path.write_text(
        "country_code,country_name_abbreviation,country_name_full,iso_2digit_alpha,"
        "iso_3digit_alpha\n4,Afghanistan,Afghanistan,AF,AFG\n699,India,India,IN,IND\n",
        encoding="utf-8",
    )
    table = tf.read_country_codes(path)
    assert table.to_dict("list") == {"code": ["4", "699"], "iso3": ["AFG", "IND"]}
    bad = tmp_path / "x.csv"
    bad.write_text("id,name\n4,Afghanistan\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="country_code|iso3"):
        tf.read_country_codes(bad)
