"""Stata .dta files read by read_table; CSV with a byte-order mark for Excel."""

import pandas as pd
import pytest

from hitex.data.files import read_table, write_table_file
from hitex.errors import DataFormatError


def test_a_dta_file_reads_labels_as_text_and_missing_as_missing(tmp_path):
    path = tmp_path / "s.dta"
    frame = pd.DataFrame({"region": [1, 2, 1], "x": [1.5, float("nan"), 3.0],
                          "name": ["北京", "上海", "广东"]})
    frame.to_stata(path, write_index=False, version=118,
                   value_labels={"region": {1: "东部", 2: "西部"}},
                   variable_labels={"x": "出口"})
    back = read_table(path)
    assert back["region"].tolist() == ["东部", "西部", "东部"]
    assert pd.isna(back["x"][1]) and back["x"][2] == 3.0
    assert back["name"].tolist() == ["北京", "上海", "广东"]


def test_a_file_that_is_not_a_dta_is_refused_naming_it(tmp_path):
    path = tmp_path / "bad.dta"
    path.write_text("not stata")
    with pytest.raises(DataFormatError, match="bad.dta"):
        read_table(path)


def test_utf8_sig_csv_starts_with_a_byte_order_mark(tmp_path):
    path = write_table_file(pd.DataFrame({"省": ["北京"]}), tmp_path / "a.csv",
                            encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_table(path).columns.tolist() == ["省"]
