"""Regression tables mark 2SLS columns: estimator, first-stage F and the instruments."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.report.columns import Column, iv_rows
from hitex.report.model import Row
from hitex.report.tables import regression_table
from hitex.report.writers import to_text


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    unit = np.repeat(np.arange(40), 6)
    year = np.tile(np.arange(2010, 2016), 40)
    z = rng.normal(size=unit.size)
    v = rng.normal(size=unit.size)
    fdi = 0.9 * z + v + rng.normal(size=40)[unit]
    y = 0.5 * fdi + 0.8 * v + rng.normal(size=unit.size)
    return pd.DataFrame({"unit": unit, "year": year, "z": z, "fdi": fdi, "y": y})


def _first_stage_f(df: pd.DataFrame) -> float:
    """Conventional F of z in fdi ~ z + unit and year dummies, from residual sums of squares."""
    d = np.column_stack([pd.get_dummies(df["unit"], dtype=float).to_numpy(),
                         pd.get_dummies(df["year"], dtype=float).to_numpy()[:, 1:]])
    x_u = np.column_stack([df["z"], d])
    fdi = df["fdi"].to_numpy()

    def rss(x):
        e = fdi - x @ np.linalg.lstsq(x, fdi, rcond=None)[0]
        return float(e @ e)

    return (rss(d) - rss(x_u)) / (rss(x_u) / (len(df) - x_u.shape[1]))


def test_table_marks_2sls_column(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = hitex.panel("y ~ fdi | unit + year", data, vcov="iid")
        iv = hitex.panel("y ~ 1 | unit + year | fdi ~ z", data, vcov="iid")
    table = regression_table([ols, iv], digits=2)
    frame = table.to_frame(header=False).set_index("")
    assert list(frame.loc["Estimator"]) == ["OLS", "2SLS"]
    first = frame.loc["First-stage F"]
    assert first["(1)"] == ""
    assert float(first["(2)"]) == pytest.approx(_first_stage_f(data), abs=0.005)
    assert any(n.startswith("(2): 2SLS: 'fdi' instrumented by 'z'; first-stage F = ")
               and "Cragg-Donald" in n for n in table.notes)
    text = to_text(table)
    assert "Estimator" in text and "2SLS" in text and "First-stage F" in text


def test_table_without_2sls_has_no_iv_rows(data):
    ols = hitex.panel("y ~ fdi | unit + year", data, vcov="iid")
    frame = regression_table(ols).to_frame(header=False)
    assert "Estimator" not in set(frame.iloc[:, 0]) and "First-stage F" not in set(frame.iloc[:, 0])


def test_iv_rows_positions():
    empty = pd.Series(dtype=float)
    cols = [Column(empty, empty, empty, estimator="PPML"),
            Column(empty, empty, empty, estimator="2SLS", first_stage_f=23.456)]
    stats = [Row.of(["N", "10", "12"], role="stat", key="nobs")]
    rows = iv_rows(cols, stats, 1)
    assert [r.texts() for r in rows] == [("Estimator", "PPML", "2SLS"), ("N", "10", "12"),
                                         ("First-stage F", "", "23.5")]
    assert iv_rows(cols[:1], stats, 1) == stats
