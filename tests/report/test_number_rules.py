"""Digits, numbers that round to zero, infinite values, whole-number columns and
default row labels. Expected cells are written out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.report.tables import (
    comparison_table,
    descriptive_table,
    frame_table,
    regression_table,
)
from tests.report.test_tables import FakeSpec, body, fake, row_of


# --------------------------------------------------------------------------- digits
@pytest.mark.parametrize("digits", [-1, 11, 2.5, "3", True, None])
def test_invalid_digits_are_a_hitex_error(digits) -> None:
    res = fake({"x": (1.0, 0.5, 0.5)})
    df = pd.DataFrame({"x": [1.0, 2.0]})
    builders = (
        lambda: regression_table(res, digits=digits),
        lambda: descriptive_table(df, digits=digits),
        lambda: frame_table(df, digits=digits),
        lambda: comparison_table([{"term": "x", "paper": 1.0, "hitex": 1.0}], digits=digits),
    )
    for build in builders:
        with pytest.raises(SpecificationError, match=r"digits=.*whole number from 0 to 10"):
            build()


def test_digits_at_the_bounds() -> None:
    res = fake({"x": (1.25, 0.75, 0.5)})
    assert row_of(regression_table(res, digits=0, stats=()), "x") == ("x", "1")
    # A standard error of 0.5 would print as "0" at 0 decimals: the row gets the
    # decimals that give 0.5 three significant digits (0.500), the coefficient too.
    half = fake({"x": (1.25, 0.5, 0.5)})
    assert body(regression_table(half, digits=0, stats=()))[:2] == [("x", "1.250"), ("", "(0.500)")]
    assert row_of(regression_table(res, digits=10, stats=()), "x") == ("x", "1.2500000000")
    assert row_of(regression_table(res, digits=np.int64(1), stats=()), "x") == ("x", "1.2")


# --------------------------------------------------------------------------- tiny numbers
def test_tiny_coefficient_is_readable_beside_a_normal_one() -> None:
    res = fake({"patents": (-2.31e-05, 4.2e-06, 0.0001), "tfi": (0.224, 0.085, 0.009)})
    rows = body(regression_table(res, stats=()))
    # -0.0000231 and 0.0000042 would print as -0.000 and 0.000 at 3 decimals: the row
    # gets the decimals that give its smallest such value (4.2e-06) three significant
    # digits, 2 - floor(log10(4.2e-06)) = 2 + 6 = 8, for both numbers alike.
    assert rows[:4] == [
        ("patents", "-0.00002310***"),
        ("", "(0.00000420)"),
        ("tfi", "0.224***"),
        ("", "(0.085)"),
    ]
    # At 6 decimals the value no longer rounds to zero: fixed decimals again.
    rows = body(regression_table(res, digits=6, stats=()))
    assert rows[:2] == [("patents", "-0.000023***"), ("", "(0.000004)")]


def test_exact_zero_and_half_rounding_stay_fixed() -> None:
    # 0.0005 prints as 0.001 (not zero); an exact 0 stays 0.000.
    res = fake({"a": (0.0, 0.0006, 0.9), "b": (0.0006, 0.2, 0.9)})
    rows = body(regression_table(res, stats=()))
    assert rows[:4] == [("a", "0.000"), ("", "(0.001)"), ("b", "0.001"), ("", "(0.200)")]


# --------------------------------------------------------------------------- descriptive
def test_infinite_values_are_missing_in_descriptive_table() -> None:
    df = pd.DataFrame({"g": [1.0, 3.0, np.inf, -np.inf, None], "h": [2.0, 4.0, 6.0, 8.0, 10.0]})
    table = descriptive_table(df)
    # g: only 1 and 3 count: mean 2, sd sqrt(((1-2)^2 + (3-2)^2) / 1) = 1.414
    assert body(table)[0] == ("g", "2", "2.00", "1.41", "1.00", "3.00")
    assert body(table)[1] == ("h", "5", "6.00", "3.16", "2.00", "10.00")
    assert table.notes == ("Infinite values are treated as missing and left out: g (2).",)
    assert descriptive_table(df[["h"]]).notes == ()


def test_tiny_values_in_descriptive_table() -> None:
    df = pd.DataFrame({"tiny": [1e-9, 2e-9, 3e-9], "big": [1.0, 2.0, 3.0]})
    # mean 2e-9, sd 1e-9, min 1e-9, max 3e-9; every one would print as 0.00
    assert body(descriptive_table(df)) == [
        ("tiny", "3", "2.00e-09", "1.00e-09", "1.00e-09", "3.00e-09"),
        ("big", "3", "2.00", "1.00", "1.00", "3.00"),
    ]


def test_duplicated_column_names_are_named() -> None:
    df = pd.DataFrame([[1.0, 2.0, 3.0, "a"]], columns=["x", "x", "z", "c"])
    with pytest.raises(SpecificationError, match=r"more than one column named 'x'") as err:
        descriptive_table(df)
    assert "no numeric column" not in str(err.value)
    with pytest.raises(SpecificationError, match="'x'"):
        descriptive_table(df, ["z", "x"])
    assert body(descriptive_table(df, ["z"])) == [("z", "1", "3.00", "", "3.00", "3.00")]


# --------------------------------------------------------------------------- frame tables
def test_whole_number_float_columns_print_without_decimals() -> None:
    frame = pd.DataFrame(
        {
            "partner": ["KOR", "AUS"],
            "entry_year": [2006.0, np.nan],  # float because of the missing value
            "mean_before": [12.5, np.nan],
            "count": [3.0, 4.0],
        }
    )
    table = frame_table(frame)
    assert body(table) == [("KOR", "2006", "12.500", "3"), ("AUS", "", "", "4")]
    assert table.column_align == ("left", "center", "center", "center")


# --------------------------------------------------------------------------- row labels
def test_default_fixed_effect_labels_keep_the_variable_name() -> None:
    spec = FakeSpec(fixed_effects=("iso3", "province_code", "exporter^year"))
    table = regression_table(fake({"x": (1.0, 0.5, 0.5)}, spec=spec))
    fe_rows = [r.texts() for r in table.body_rows if r.role == "fe"]
    assert fe_rows == [
        ("iso3 FE", "Yes"),
        ("province_code FE", "Yes"),
        ("exporter x year FE", "Yes"),
    ]
    labelled = regression_table(
        fake({"x": (1.0, 0.5, 0.5)}, spec=spec), fe_labels={"iso3": "Country FE"}
    )
    assert [r.texts()[0] for r in labelled.body_rows if r.role == "fe"][0] == "Country FE"


def test_other_default_labels_are_names_as_written() -> None:
    res = fake({"ln_gdp": (1.0, 0.5, 0.5)}, spec=FakeSpec(depvar="ln_exp"))
    table = regression_table(res)
    assert row_of(table, "ln_gdp")[0] == "ln_gdp"
    assert table.header_rows[0].texts() == ("Dependent variable", "ln_exp")
    desc = descriptive_table(pd.DataFrame({"ln_gdp": [1.0, 2.0]}))
    assert body(desc)[0][0] == "ln_gdp"
