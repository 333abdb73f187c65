"""Edge cases of the trade-file readers: lost leading zeros, overlapping files,
legacy flow text, re-exports.

Every file is written here and every expected total is added up by hand in the
test itself.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import tradeflows as tf
from hitex.errors import DataCoverageWarning, DataFormatError, DuplicateKeyError

HEADER = [
    "typeCode",
    "freqCode",
    "refYear",
    "period",
    "reporterCode",
    "reporterISO",
    "flowCode",
    "partnerCode",
    "partnerISO",
    "partner2Code",
    "classificationCode",
    "cmdCode",
    "aggrLevel",
    "customsCode",
    "motCode",
    "primaryValue",
]
HIGHTECH = pd.DataFrame({"code": ["8542", "9011"], "category": ["hightech", "hightech"]})
NUMBERS = {"CHN": 156, "USA": 842, "DEU": 276}


def _row(cmd: str, value: float, *, flow: str = "X", year: int = 2020, **extra) -> dict:
    row = {
        "typeCode": "C",
        "freqCode": "A",
        "refYear": year,
        "period": year,
        "reporterCode": NUMBERS["CHN"],
        "reporterISO": "CHN",
        "flowCode": flow,
        "partnerCode": NUMBERS["USA"],
        "partnerISO": "USA",
        "partner2Code": 0,
        "classificationCode": "H6",
        "cmdCode": cmd,
        "aggrLevel": "",
        "customsCode": "C00",
        "motCode": 0,
        "primaryValue": value,
    }
    row.update(extra)
    return row


def _write(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    lines = [",".join(header)] + [",".join(str(r[c]) for c in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _totals(df: pd.DataFrame) -> dict[str, float]:
    return dict(zip(df["category"], df["value"], strict=True))


# --------------------------------------------------------------------------- leading zeros
def test_excel_codes_get_leading_zeros_back(tmp_path):
    # 090111 (coffee) and 010121 (horses) saved by a spreadsheet as numbers
    path = _write(
        tmp_path / "ctp.csv",
        [_row("854231", 300.0), _row("90111", 600.0), _row("10121", 100.0)],
    )
    with pytest.warns(DataCoverageWarning, match=r"leading zeros restored: 2 .*'10121'.*'90111'"):
        out = tf.aggregate_trade(
            path, fmt="comtrade", categories=HIGHTECH, code_system="HS", other="other"
        )
    hightech = 300.0  # 854231 only; 090111 is coffee, not microscopes (9011)
    rest = 600.0 + 100.0
    assert _totals(out) == {"hightech": hightech, "other": rest}
    assert hightech / (hightech + rest) == pytest.approx(0.3)
    with pytest.warns(DataCoverageWarning, match="leading zeros restored"):
        df = tf.read_trade(path, fmt="comtrade")
    assert df["product"].tolist() == ["010121", "090111", "854231"]
    assert df["value"].tolist() == [100.0, 600.0, 300.0]


def test_headings_are_not_padded(tmp_path):
    # a 4-digit heading (8542 = 1000) is two digits short: an aggregate, left out
    path = _write(tmp_path / "ctp.csv", [_row("854231", 300.0), _row("8542", 1000.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCoverageWarning)
        out = tf.aggregate_trade(
            path, fmt="comtrade", categories=HIGHTECH, code_system="HS", other="other"
        )
    assert _totals(out) == {"hightech": 300.0}


def test_aggregation_level_decides_padding(tmp_path):
    # SITC items (5 digits): 05411 saved as 5411, next to the subgroup 5411 (level 4)
    rows = [
        _row("5411", 40.0, aggrLevel=5, classificationCode="S3"),
        _row("5411", 900.0, aggrLevel=4, classificationCode="S3"),
        _row("54110", 2.0, aggrLevel=5, classificationCode="S3"),
    ]
    path = _write(tmp_path / "sitc.csv", rows)
    with pytest.warns(DataCoverageWarning, match="leading zeros restored: 1 "):
        df = tf.read_trade(path, fmt="comtrade", code_digits=5)
    assert dict(zip(df["product"], df["value"], strict=True)) == {"05411": 40.0, "54110": 2.0}


def test_lost_zeros_warn_without_code_digits(tmp_path):
    path = _write(
        tmp_path / "ctp.csv",
        [_row("854231", 300.0), _row("90111", 600.0), _row("10121", 100.0)],
    )
    with pytest.warns(
        DataCoverageWarning, match=r"ctp\.csv.*leading zeros look lost.*code_digits=6"
    ):
        df = tf.read_trade(path, fmt="comtrade", code_digits=None)
    assert sorted(df["product"]) == ["10121", "854231", "90111"]  # kept as written


def test_intact_codes_do_not_warn(tmp_path):
    path = _write(tmp_path / "ctp.csv", [_row("854231", 3.0), _row("090111", 6.0), _row("85", 9.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCoverageWarning)
        df = tf.read_trade(path, fmt="comtrade", code_digits=None)
    assert df["value"].sum() == 3.0 + 6.0 + 9.0


# --------------------------------------------------------------------------- duplicates
def test_same_file_twice_counted_once(tmp_path):
    path = _write(tmp_path / "ctp.csv", [_row("854231", 300.0), _row("090111", 600.0)])
    with pytest.warns(DataCoverageWarning, match=r"2 duplicate .*ctp\.csv"):
        df = tf.read_trade([path, path], fmt="comtrade")
    assert df["value"].tolist() == [600.0, 300.0]
    with pytest.warns(DataCoverageWarning, match="duplicate"):
        out = tf.aggregate_trade(
            [path, path], fmt="comtrade", categories=HIGHTECH, code_system="HS", other="other"
        )
    assert _totals(out) == {"hightech": 300.0, "other": 600.0}


def test_overlapping_files_with_different_values_fail(tmp_path):
    first = _write(tmp_path / "a.csv", [_row("854231", 300.0), _row("090111", 600.0)])
    second = _write(tmp_path / "b.csv", [_row("854231", 310.0)])
    with pytest.raises(DuplicateKeyError, match=r"CHN.*USA.*2020.*854231 in a\.csv and b\.csv"):
        tf.read_trade([first, second], fmt="comtrade")
    with pytest.raises(DuplicateKeyError, match="not added up"):
        tf.aggregate_trade([first, second], fmt="comtrade", categories=HIGHTECH, code_system="HS")


def test_baci_file_twice_counted_once(tmp_path):
    path = tmp_path / "BACI.csv"
    path.write_text("t,i,j,k,v,q\n2019,4,8,854231,1.5,1\n2019,4,8,300490,2,1\n", "utf-8")
    with pytest.warns(DataCoverageWarning, match="duplicate"):
        df = tf.read_trade([path, path])
    assert df["value"].sum() == (1.5 + 2.0) * 1000.0


def test_monthly_periods_are_not_duplicates(tmp_path):
    rows = [_row("854231", 10.0, period=202001), _row("854231", 20.0, period=202002)]
    path = _write(tmp_path / "monthly.csv", rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCoverageWarning)
        out = tf.aggregate_trade(path, fmt="comtrade", categories=HIGHTECH, code_system="HS")
    assert _totals(out) == {"hightech": 10.0 + 20.0}


# --------------------------------------------------------------------------- flows
LEGACY_TEXT = (
    "Classification,Year,Period,Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,"
    "Partner,Partner ISO,Commodity Code,Commodity,Trade Value (US$)\n"
    "H4,2015,2015,Export,156,China,CHN,842,USA,USA,854231,Chips,10\n"
    "H4,2015,2015,Re-Export,156,China,CHN,842,USA,USA,854231,Chips,4\n"
    "H4,2015,2015,Import,156,China,CHN,842,USA,USA,854231,Chips,7\n"
    "H4,2015,2015,Re-Import,156,China,CHN,842,USA,USA,854231,Chips,2\n"
    "H4,2015,2015,Export,156,China,CHN,0,World,WLD,854231,Chips,99\n"
)


def test_legacy_text_flow_column(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(LEGACY_TEXT, encoding="utf-8")
    exports = tf.read_trade(path, fmt="comtrade")
    assert exports[["exporter", "importer", "value"]].values.tolist() == [["CHN", "USA", 10.0]]
    imports = tf.read_trade(path, fmt="comtrade", flow="M")
    assert imports[["exporter", "importer", "value"]].values.tolist() == [["USA", "CHN", 7.0]]


def test_legacy_file_without_flow_column(tmp_path):
    path = tmp_path / "legacy.csv"
    lines = LEGACY_TEXT.splitlines()
    path.write_text("\n".join(ln.replace(",Trade Flow,", ",Flow,") for ln in lines), "utf-8")
    with pytest.raises(DataFormatError, match="legacy UN Comtrade.*'Trade Flow Code'") as err:
        tf.read_trade(path, fmt="comtrade")
    assert "comtradeplus" not in str(err.value)


def test_reexports_left_out(tmp_path):
    rows = [_row("854231", 300.0), _row("854231", 50.0, flow="RX"), _row("854231", 8.0, flow="M")]
    path = _write(tmp_path / "ctp.csv", rows)
    out = tf.aggregate_trade(path, fmt="comtrade", categories=HIGHTECH, code_system="HS")
    assert _totals(out) == {"hightech": 300.0}
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(
        "Year,Trade Flow Code,Reporter ISO,Partner ISO,Commodity Code,Trade Value (US$)\n"
        "2015,2,CHN,USA,854231,10\n2015,3,CHN,USA,854231,4\n",
        encoding="utf-8",
    )
    assert tf.read_trade(legacy, fmt="comtrade")["value"].tolist() == [10.0]
    assert "re-export" in (tf.__doc__ or "").lower()
