"""Product codes read from files: text stays text, numbers stay numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from hitex.cli import app
from hitex.data.files import read_table, write_table_file

runner = CliRunner()


def test_numeric_codes_in_parquet_stay_numeric(tmp_path):
    frame = pd.DataFrame({"code": [541.0, 7924.0], "value": [1.0, 2.0]})
    path = write_table_file(frame, tmp_path / "t.parquet")
    got = read_table(path, text_columns=["code"])
    assert pd.api.types.is_numeric_dtype(got["code"])  # not "541.0" -> "5410"


def test_text_codes_in_excel_keep_leading_zeros(tmp_path):
    frame = pd.DataFrame({"code": ["0541", "7924"], "value": [1.0, 2.0]})
    path = write_table_file(frame, tmp_path / "t.xlsx")
    got = read_table(path, text_columns=["code", "absent"])
    assert got["code"].tolist() == ["0541", "7924"]


def test_cli_numeric_codes_need_level(tmp_path):
    trade = pd.DataFrame({"exporter": ["A", "A"], "importer": ["B", "B"], "year": 2020,
                          "code": [541.0, 7924.0], "value": [1.0, 2.0]})
    src = write_table_file(trade, tmp_path / "trade.parquet")
    out = tmp_path / "ht.csv"
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out)])
    assert result.exit_code == 2 and "holds numbers" in result.output
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out),
                                 "--level", "4", "--other", "other"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    # 541 at 4 digits is 0541 (vegetables), not 5410 (pharmaceuticals)
    assert got.set_index("category")["value"].to_dict() == {"aerospace": 2.0, "other": 1.0}


def test_cli_parquet_without_code_column(tmp_path):
    trade = pd.DataFrame({"exporter": ["A"], "importer": ["B"], "year": [2020], "sitc": ["7924"],
                          "value": [1.0]})
    src = write_table_file(trade, tmp_path / "trade.parquet")
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "'code' is not in the trade table" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet"])
def test_same_result_from_every_format(tmp_path, ext):
    trade = pd.DataFrame({"exporter": ["A", "B"], "year": 2020, "code": ["0541", "7924"],
                          "value": [1.0, 2.0]})
    src = write_table_file(trade, tmp_path / f"trade{ext}")
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["index", "hightech", str(src), "--out", str(out),
                                 "--by", "exporter,year", "--wide"])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out).set_index("exporter")
    assert got.loc["A", "ht_total"] == 0.0 and got.loc["B", "ht_aerospace"] == 2.0


def test_gbk_csv_with_chinese_headers_and_stata_missing(tmp_path):
    """A CSV saved by Chinese Excel (GBK) with Stata's '.' for missing values."""
    text = "省份,年份,专利申请数\n北京,2020,.\n浙江,2020,1234\n"
    path = tmp_path / "patents.csv"
    path.write_bytes(text.encode("gbk"))
    got = read_table(path)
    assert list(got.columns) == ["省份", "年份", "专利申请数"]
    assert got["省份"].tolist() == ["北京", "浙江"]
    assert pd.isna(got.loc[0, "专利申请数"]) and got.loc[1, "专利申请数"] == 1234


def test_utf8_with_byte_order_mark(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffiso3,value\nCHN,1\n".encode())
    assert list(read_table(path).columns) == ["iso3", "value"]


def test_undecodable_file_names_the_encodings(tmp_path):
    from hitex.errors import DataFormatError

    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\x81\x20\xff\xfe,1\n")
    with pytest.raises(DataFormatError, match="UTF-8 nor GB18030"):
        read_table(path)
