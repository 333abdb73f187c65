"""Conflicting values from several sources, with study 002's own Tables 1 and 2 as the case.

Study 002 prints Shandong's 2016 high-tech exports as 14.78 billion US$ in
Table 1 and 14.82 in Table 2 (tests/references/study002_tables.json); the five
other years agree. Expected differences are computed by hand from the printed
numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators.conflicts import ConflictingSourcesError, reconcile
from hitex.indicators.monitoring import monitor
from tests.conftest import load_reference

SD = "Shandong Province"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    ref = load_reference("study002_tables")
    t1 = pd.DataFrame({"province": SD, "year": [int(y) for y in ref["table1"]["rows"]],
                       "exports": [float(r["export_volume"])
                                   for r in ref["table1"]["rows"].values()]})
    t2 = pd.DataFrame([{"province": p, "year": int(y), "exports": float(v)}
                       for p, row in ref["table2"]["rows"].items() for y, v in row.items()])
    return {"table1": t1, "table2": t2}


def test_study002_tables_conflict_on_shandong_2016_only(tables):
    out = reconcile(tables, ["province", "year"], "exports", rule="prefer:table1")
    assert len(out.conflicts) == 1
    c = out.conflicts.iloc[0]
    assert (c["province"], c["year"]) == (SD, 2016)
    assert (c["source_a"], c["value_a"], c["source_b"], c["value_b"]) == (
        "table1", 14.78, "table2", 14.82)
    assert c["difference"] == pytest.approx(0.04)
    assert c["rel_difference"] == pytest.approx(0.04 / 14.82)
    assert (c["chosen_source"], c["chosen_value"]) == ("table1", 14.78)
    assert c["rule"].startswith("table1 wins")
    # one value per cell: 3 provinces x 6 years, Shandong's from both tables
    t = out.table.set_index(["province", "year"])
    assert len(t) == 18 and t["conflict"].sum() == 1
    assert t.loc[(SD, 2016), "exports"] == 14.78 and t.loc[(SD, 2016), "source"] == "table1"
    assert (t.loc[SD, "n_sources"] == 2).all()
    assert (t.loc["Zhejiang Province", "n_sources"] == 1).all()
    assert "Shandong Province, year=2016: table1 14.78 vs table2 14.82" in out.text()
    assert "0.27%" in out.text()


def test_stop_lists_the_conflicts(tables):
    with pytest.raises(ConflictingSourcesError, match=r"(?s)Choose a rule.*prefer:<source>.*"
                                                      r"year=2016: table2 14.82 vs table1 14.78") as err:
        reconcile(tables, ["province", "year"], "exports", rule="stop")
    assert isinstance(err.value, HitexError) and "kept" not in str(err.value)
    assert list(err.value.conflicts["year"]) == [2016]


def test_newest_by_order_and_by_vintages(tables):
    out = reconcile(tables, ["province", "year"], "exports")  # table2 given last = newest
    assert out.conflicts["chosen_value"].tolist() == [14.82]
    assert "newest" in out.rule
    older2 = reconcile(tables, ["province", "year"], "exports",
                       vintages={"table1": 2019, "table2": 2018})
    assert older2.conflicts["chosen_source"].tolist() == ["table1"]
    pref2 = reconcile(tables, ["province", "year"], "exports", rule="prefer:table2")
    assert pref2.table.set_index(["province", "year"]).loc[(SD, 2016), "exports"] == 14.82


def test_tolerance_allows_for_printed_rounding(tables):
    # 0.04 / 14.82 = 0.27 %: agreement within half a percent, a conflict within 0.1 %
    assert reconcile(tables, ["province", "year"], "exports", tolerance=0.005).conflicts.empty
    assert len(reconcile(tables, ["province", "year"], "exports", tolerance=0.001).conflicts) == 1
    assert "No conflicting values" in reconcile(
        tables, ["province", "year"], "exports", tolerance=0.005).text()


def test_reconciled_table_feeds_monitor(tables):
    merged = reconcile(tables, ["province", "year"], "exports", rule="prefer:table1").table
    out = monitor(merged, "province", "year", "exports", unit_of_value="USD_bn", focus=SD)
    growth = out.table.set_index("year")["growth_pct"]
    assert round(growth[2016], 1) == -16.5  # Table 1's printed rate, from 14.78
    stacked = pd.concat(tables.values(), ignore_index=True)
    with pytest.raises(DuplicateKeyError, match="reconcile"):
        monitor(stacked, "province", "year", "exports", unit_of_value="USD_bn")


def test_three_sources_give_one_row_per_disagreeing_pair():
    a = pd.DataFrame({"year": [2016], "x": [1.0]})
    b = pd.DataFrame({"year": [2016], "x": [2.0]})
    c = pd.DataFrame({"year": [2016], "x": [2.0]})
    out = reconcile({"a": a, "b": b, "c": c}, ["year"], "x")
    pairs = set(zip(out.conflicts["source_a"], out.conflicts["source_b"], strict=True))
    assert pairs == {("c", "a"), ("b", "a")}  # b and c agree; ordered newest first
    assert (out.conflicts["chosen_source"] == "c").all()
    assert out.conflicts["rel_difference"].tolist() == pytest.approx([0.5, 0.5])


def test_missing_value_is_not_a_conflict_and_keys_match_as_text():
    a = pd.DataFrame({"year": [2015, 2016], "x": [np.nan, 5.0]})
    b = pd.DataFrame({"year": ["2015", "2016.0"], "x": [3.0, 5.0]})
    out = reconcile({"a": a, "b": b}, ["year"], "x", rule="prefer:a")
    assert out.conflicts.empty
    t = out.table.set_index("year")
    assert t.loc[2015, "x"] == 3.0 and t.loc[2015, "source"] == "b"
    assert t.loc[2016, "source"] == "a" and t.loc[2016, "n_sources"] == 2


def test_cell_empty_in_every_source_stays_missing():
    a = pd.DataFrame({"year": [2015], "x": [np.nan]})
    out = reconcile({"a": a, "b": a}, ["year"], "x")
    assert math.isnan(out.table["x"].iloc[0]) and out.table["n_sources"].iloc[0] == 0


def _ab() -> dict[str, pd.DataFrame]:
    return {"a": pd.DataFrame({"year": [2015, 2016], "x": [1.0, 2.0]}),
            "b": pd.DataFrame({"year": [2015, 2016], "x": [1.0, 3.0]})}


def test_duplicate_cells_in_a_source_are_refused():
    src = _ab()
    src["b"] = pd.concat([src["b"], src["b"].iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError, match="source 'b'.*one row per cell"):
        reconcile(src, ["year"], "x")


def test_text_in_a_value_column_is_refused():
    src = _ab()
    src["a"] = src["a"].astype({"x": object})
    src["a"].loc[1, "x"] = "about 2"
    with pytest.raises(NonNumericError, match="source 'a'.*'about 2'"):
        reconcile(src, ["year"], "x")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"keys": ["province"]}, ColumnNotFoundError, "'province' is not in source 'a'"),
    ({"rule": "oldest"}, SpecificationError, "not a rule"),
    ({"rule": "prefer:c"}, SpecificationError, "not given"),
    ({"tolerance": -1}, SpecificationError, ">= 0"),
    ({"units": {"a": "USD_bn", "b": "USD_100m"}}, SpecificationError, "different units"),
    ({"units": {"a": "USD_bn"}}, SpecificationError, "lacks source"),
    ({"vintages": {"a": 1}}, SpecificationError, "lacks source"),
    ({"keys": []}, SpecificationError, "at least one column"),
])
def test_bad_arguments_name_the_fix(kwargs, error, match):
    args = {"keys": ["year"], "value": "x", **kwargs}
    with pytest.raises(error, match=match):
        reconcile(_ab(), **args)


def test_one_source_or_no_rows_is_refused():
    with pytest.raises(SpecificationError, match="at least two"):
        reconcile({"a": _ab()["a"]}, ["year"], "x")
    empty = {k: v.iloc[:0] for k, v in _ab().items()}
    with pytest.raises(EmptySampleError, match="no source has a row"):
        reconcile(empty, ["year"], "x")
    with pytest.raises(DataFormatError, match="missing key"):
        reconcile({"a": _ab()["a"].assign(year=[2015, None]), "b": _ab()["b"]}, ["year"], "x")
