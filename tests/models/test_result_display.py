"""How a result presents itself (summary, repr) and formulas refused rather than misread."""

from __future__ import annotations

import pandas as pd
import pytest

import hitex
from hitex.errors import SpecificationError
from hitex.models.formula import parse_formula


@pytest.fixture(scope="module")
def panel_df() -> pd.DataFrame:
    return pd.DataFrame({
        "y": [1.0, 2.0, 4.0, 3.0, 5.0, 7.0, 2.0, 2.5, 5.0],
        "x": [0.0, 1.0, 2.0, 1.0, 2.0, 4.0, 0.5, 0.7, 3.0],
        "z": [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0],
        "unit": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        "t": [1, 2, 3, 1, 2, 3, 1, 2, 3],
    })


def test_summary_without_fixed_effects_does_not_claim_absorbed_effects(panel_df):
    res = hitex.panel("y ~ x", panel_df, vcov="iid")
    assert res.spec.estimator == "OLS"
    assert "absorbed" not in res.summary()
    fe = hitex.panel("y ~ x | unit", panel_df, vcov="iid")
    assert fe.spec.estimator == "OLS (absorbed fixed effects)"


def test_summary_prints_fit_statistics(panel_df):
    text = hitex.panel("y ~ x + z", panel_df, vcov="iid").summary()
    assert "RMSE = " in text and "F = " in text and "log-likelihood = " in text
    assert "sigma_u" not in text
    one_way = hitex.panel("y ~ x + z | unit", panel_df, vcov="iid").summary()
    assert "sigma_u = " in one_way and "rho = " in one_way


def test_repr_is_a_short_summary(panel_df):
    res = hitex.panel("y ~ x + z | unit", panel_df, vcov="iid")
    text = repr(res)
    assert text.startswith("<RegressionResult OLS (absorbed fixed effects): y ~ x + z | unit")
    assert "N=9" in text and "x=" in text and "z=" in text
    assert "\n" not in text and "_params" not in text and len(text) < 200
    many = hitex.panel("y ~ x + z + C(t)", panel_df, vcov="iid")
    assert "(5 terms)" in repr(many)


@pytest.mark.parametrize(("formula", "fix"), [
    ("y ~ x | unit +", "'unit'"),
    ("y ~ x | unit + + t", "'unit + t'"),
    ("y ~ x + | unit", "'x'"),
    ("y ~ x + z + | unit + t", "'x + z'"),
])
def test_stray_plus_is_refused_with_the_fix(panel_df, formula, fix):
    with pytest.raises(SpecificationError, match="stray '\\+'") as err:
        parse_formula(formula)
    assert fix in str(err.value)
    with pytest.raises(SpecificationError, match="stray"):
        hitex.panel(formula, panel_df, vcov="iid")


def test_plus_inside_a_call_is_not_a_stray_plus():
    parsed = parse_formula("y ~ I(x + z) | unit")
    assert parsed.fixed_effects == ("unit",)
    assert parse_formula("y ~ x | unit | z ~ w").iv == "z ~ w"


def test_ppml_summary_prints_wald_chi2_and_pseudo_r2():
    df = pd.DataFrame({"y": [1.0, 0.0, 3.0, 4.0, 2.0, 6.0, 1.0, 5.0],
                       "x": [0.1, 0.2, 0.5, 0.9, 0.4, 1.2, 0.3, 1.0],
                       "g": [1, 1, 2, 2, 3, 3, 4, 4]})
    text = hitex.gravity("y ~ x", df, vcov="hetero", pair="g").summary()
    assert "Wald chi2 = " in text and "pseudo R2 = " in text and "RMSE" not in text
    assert "absorbed" not in text
    ols = hitex.gravity("y ~ x", df.assign(y=df["y"] + 1), method="ols", vcov="hetero", pair="g")
    assert ols.spec.estimator == "OLS gravity"
