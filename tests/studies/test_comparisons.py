"""Printed numbers beside hitex's: regression columns and descriptive statistics."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.studies.comparisons import comparison_frame, comparison_notes, summary_statistics
from hitex.studies.spec import ComparisonSpec


def test_summary_statistics_are_statas_summarize():
    data = pd.DataFrame({"a": [1.0, 2.0, 4.0, np.nan], "b": ["1", "x", "3", "5"]})
    stats = summary_statistics(data, ["a", "b"])
    assert stats.loc["a", "nobs"] == 3 and stats.loc["a", "mean"] == pytest.approx(7 / 3)
    assert stats.loc["a", "sd"] == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert stats.loc["a", "variance"] == pytest.approx(np.var([1, 2, 4], ddof=1))
    assert stats.loc["b", "nobs"] == 3 and stats.loc["b", "max"] == 5  # text cells not counted


def test_descriptive_comparison_rows():
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    comp = ComparisonSpec.model_validate({
        "table": "t2", "source": "Paper, Table 2",
        "variables": {"x": {"nobs": 5, "mean": 2.0, "variance": 1.0, "max": 4.0}}})
    run = SimpleNamespace(frames={"t2_statistics": summary_statistics(data, ["x"])},
                          results={}, positions={}, panel=data)
    frame = comparison_frame(comp, run, {"x": "Ex"}).set_index("statistic")
    assert frame.loc["nobs", "paper"] == "5" and frame.loc["nobs", "hitex"] == "4"
    assert frame.loc["nobs", "difference"] == "-1"
    assert frame.loc["mean", "difference"] == "+0.500"
    assert frame.loc["variance", "hitex"] == f"{np.var([1, 2, 3, 4], ddof=1):.3f}"
    assert set(frame["variable"]) == {"Ex"}
    assert "summarize" in comparison_notes(comp)[0]


def test_regression_comparison_uses_the_r2_the_paper_prints():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"g": np.repeat(np.arange(20), 5), "x": rng.normal(size=100)})
    data["y"] = data["x"] + data["g"] * 0.3 + rng.normal(size=100)
    res = hitex.panel("y ~ x | g", data, vcov="iid")
    run = SimpleNamespace(results={"t": [res]}, positions={"t": [1]}, frames={}, panel=data)
    for kind, value in (("overall", res.rsquared), ("within", res.rsquared_within)):
        comp = ComparisonSpec.model_validate({
            "table": "t", "source": "Paper", "columns": [
                {"column": 1, "r2": 0.5, "r2_kind": kind, "estimates": {"x": {"coef": 1.0}}}]})
        frame = comparison_frame(comp, run).set_index("statistic")
        assert frame.loc[f"R-squared ({kind})", "hitex"] == f"{value:.3f}"
        assert frame.loc["x", "paper"] == "1.000"  # no standard error printed


def test_a_comparison_needs_columns_or_variables():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="either 'columns'"):
        ComparisonSpec.model_validate({"table": "t", "source": "P"})
    with pytest.raises(ValidationError, match="either 'columns'"):
        ComparisonSpec.model_validate({"table": "t", "source": "P", "columns": [{"column": 1}],
                                       "variables": {"x": {"mean": 1}}})
