"""The study expression language: safe evaluation, panel lags, filters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, StudySpecError
from hitex.studies.expr import Expression, evaluate


@pytest.fixture
def frame() -> pd.DataFrame:
    # unit B lacks year 2001: its 2002 lag must be missing, not 2000's value
    return pd.DataFrame({
        "iso3": ["A", "A", "A", "B", "B"],
        "year": [2000, 2001, 2002, 2000, 2002],
        "x": [1.0, 2.0, 4.0, 10.0, 30.0],
        "g": [1, 1, 0, 0, 1],
    })


def test_log_and_arithmetic(frame):
    out = evaluate("log(x) * 2 + 1", frame)
    np.testing.assert_allclose(out, np.log(frame["x"]) * 2 + 1)


def test_log_of_nonpositive_is_missing():
    out = evaluate("log(x)", pd.DataFrame({"x": [0.0, -1.0, np.e]}))
    assert out.isna().tolist() == [True, True, False]
    assert out.iloc[2] == pytest.approx(1.0)


def test_lag_lead_diff_respect_calendar_gaps(frame):
    lag = evaluate("lag(x)", frame, unit="iso3", time="year")
    assert np.isnan(lag.iloc[0]) and lag.iloc[1:3].tolist() == [1.0, 2.0]
    assert np.isnan(lag.iloc[4])  # B 2002: B 2001 does not exist
    lead = evaluate("lead(x, 1)", frame, unit="iso3", time="year")
    assert lead.iloc[0] == 2.0 and np.isnan(lead.iloc[3])
    lag2 = evaluate("lag(x, 2)", frame, unit="iso3", time="year")
    assert lag2.iloc[2] == 1.0 and lag2.iloc[4] == 10.0
    d = evaluate("diff(x)", frame, unit="iso3", time="year")
    assert d.iloc[2] == 2.0


def test_filters(frame):
    mask = evaluate("g == 1 and year >= 2001", frame)
    assert mask.tolist() == [False, True, False, False, True]
    assert evaluate("iso3 in ['B']", frame).tolist() == [False, False, False, True, True]
    assert evaluate("not g == 1", frame).tolist() == [False, False, True, True, False]


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hi')",
    "x.__class__",
    "open('f')",
    "eval('1')",
    "lambda: 1",
    "x[0]",
    "lag(x, n)",
])
def test_unsafe_expressions_are_rejected(text):
    with pytest.raises(StudySpecError, match="not allowed"):
        Expression(text, where="t")


def test_unknown_column(frame):
    with pytest.raises(ColumnNotFoundError, match="'y'"):
        evaluate("log(y)", frame)


def test_lag_errors_and_missing_units(frame):
    from hitex.errors import DuplicateKeyError, NonNumericError

    with pytest.raises(DuplicateKeyError, match="repeat"):
        evaluate("lag(x)", pd.concat([frame, frame.iloc[[0]]], ignore_index=True),
                 unit="iso3", time="year")
    with pytest.raises(StudySpecError, match="numeric time"):
        evaluate("lag(x)", frame.assign(year=frame["year"].astype(str)), unit="iso3", time="year")
    with pytest.raises(NonNumericError):
        evaluate("lag(s)", frame.assign(s="a"), unit="iso3", time="year")
    d = pd.DataFrame({"u": ["A", None, None], "t": [2000, 2000, 2001], "x": [1.0, 2.0, 3.0]})
    assert evaluate("lag(x)", d, unit="u", time="t").isna().all()


def test_type_mismatch_is_a_study_error(frame):
    with pytest.raises(StudySpecError, match="cannot evaluate"):
        evaluate("iso3 > 5", frame)


def test_at_year_is_each_units_value_in_that_year():
    import pandas as pd

    from hitex.studies.expr import Expression

    data = pd.DataFrame({"u": [1, 1, 1, 2, 2, 3], "t": [2013, 2014, 2015, 2014, 2015, 2015],
                         "x": [1.0, 2.0, 3.0, 5.0, 6.0, 9.0]})
    got = Expression("at_year(x, 2014) * 10").evaluate(data, "u", "t")
    assert got.tolist()[:5] == [20.0, 20.0, 20.0, 50.0, 50.0]
    assert pd.isna(got.iloc[5])  # unit 3 has no 2014


def test_at_year_needs_a_year_of_the_panel():
    import pandas as pd
    import pytest

    from hitex.errors import StudySpecError
    from hitex.studies.expr import Expression

    data = pd.DataFrame({"u": [1, 1], "t": [2013, 2014], "x": [1.0, 2.0]})
    with pytest.raises(StudySpecError, match="no year 1990"):
        Expression("at_year(x, 1990)").evaluate(data, "u", "t")
    with pytest.raises(StudySpecError, match=r"at_year\(x, 2014\)"):
        Expression("at_year(x)")


def test_transforms_run_after_the_transforms_they_use():
    import pytest

    from hitex.errors import StudySpecError
    from hitex.studies.build import in_dependency_order

    order = [n for n, _, _ in in_dependency_order(
        {"c": "b * 2", "a": "x + 1", "b": "a + 1"}, {"x"})]
    assert order == ["a", "b", "c"]
    # a transform replacing a data column keeps the written order
    order = [n for n, _, _ in in_dependency_order({"y": "x * 2", "x": "log(x)"}, {"x"})]
    assert order == ["y", "x"]
    with pytest.raises(StudySpecError, match="circle"):
        in_dependency_order({"a": "b + 1", "b": "a + 1"}, set())
