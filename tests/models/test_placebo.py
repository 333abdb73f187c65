"""Tests of the fast placebo test against plain re-estimation, and bad input."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import EstimationError, SpecificationError
from hitex.models.placebo import PlaceboResult, PlaceboWarning, placebo

matplotlib.use("Agg")

FORMULA = "y ~ did + x1 + x2 | unit + year"


def _panel(n_units: int = 24, n_years: int = 7, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame([(u, t) for u in range(n_units) for t in range(2010, 2010 + n_years)],
                      columns=["unit", "year"])
    adopt = {u: 2012 + (u % 3) for u in range(6)}
    df["did"] = [1.0 if u in adopt and t >= adopt[u] else 0.0
                 for u, t in zip(df.unit, df.year, strict=True)]
    df["x1"] = rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df)) + 0.2 * (df.year - 2010) + 0.1 * df.unit
    df["y"] = 0.8 * df.did + df.x1 - 0.5 * df.x2 + 0.1 * df.unit + rng.normal(size=len(df))
    return df


def _loop(res: PlaceboResult, df: pd.DataFrame, draws: int, vcov):
    import pyfixest as pf

    coefs, ses = [], []
    for b in range(draws):
        d = df.copy()
        d["pd"] = res.placebo_column(b, d)
        fit = pf.feols("y ~ pd + x1 + x2 | unit + year", data=d, vcov="iid")
        coefs.append(float(fit.coef()["pd"]))
        ses.append(float(hitex.panel("y ~ pd + x1 + x2 | unit + year", d, vcov=vcov).std_errors["pd"]))
    return np.array(coefs), np.array(ses)


@pytest.mark.parametrize("vcov", ["iid", {"CRV1": "unit"}])
def test_equals_plain_reestimation_balanced(vcov):
    df = _panel()
    res = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=25, vcov=vcov)
    coefs, ses = _loop(res, df, 25, vcov)
    np.testing.assert_allclose(res.estimates, coefs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.std_errors, ses, rtol=1e-10)
    true = hitex.panel(FORMULA, df, vcov=vcov)
    assert res.estimate == pytest.approx(float(true.params["did"]), abs=1e-10)
    assert res.std_error == pytest.approx(float(true.std_errors["did"]), rel=1e-10)


def test_equals_plain_reestimation_unbalanced():
    df = _panel().drop(index=[3, 17, 40, 41, 90]).reset_index(drop=True)
    vcov = {"CRV1": "unit"}
    res = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=20, vcov=vcov)
    assert not res.spec["balanced_fast_path"]
    coefs, ses = _loop(res, df, 20, vcov)
    np.testing.assert_allclose(res.estimates, coefs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.std_errors, ses, rtol=1e-8)


def test_keep_timing_draws_true_adoption_years():
    df = _panel()
    res = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=30)
    draws = res.draws
    true_years = sorted(2012 + (u % 3) for u in range(6))
    for _, g in draws.groupby("draw"):
        assert sorted(g["adoption"]) == true_years and g["unit"].is_unique
    assert res.std_errors is None and res.n_treated_units == 6


def test_seeded_reproducibility_and_pvalues():
    df = _panel()
    a = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=50, seed=7)
    b = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=50, seed=7)
    c = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=50, seed=8)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert not np.array_equal(a.estimates, c.estimates)
    est = a.estimates
    assert a.pvalue == np.mean(np.abs(est) >= abs(a.estimate))
    assert a.pvalue_greater == np.mean(est >= a.estimate)
    assert a.pvalue_less == np.mean(est <= a.estimate)


def test_random_timing_and_plot_and_immutability():
    df = _panel()
    res = placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=40, keep_timing=False)
    assert set(res.draws["adoption"]) <= set(range(2011, 2017))
    fig = res.plot()
    assert fig.axes and "Placebo test" in fig.axes[0].get_title()
    assert fig.axes[0].get_xlabel() == "Coefficient of did"
    named = res.plot(labels={"did": "Treat x Post"})
    assert named.axes[0].get_xlabel() == "Coefficient of Treat x Post"
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0  # type: ignore[misc]
    arr = res.estimates
    arr[:] = 0
    assert not np.all(res.estimates == 0)
    assert "Permutation p-value" in res.summary()


# -- bad input ---------------------------------------------------------------------------
def test_too_few_draws_warns():
    with pytest.warns(PlaceboWarning, match="n=10"):
        placebo(FORMULA, _panel(), treatment="did", unit="unit", time="year", n=10)


def test_no_treated_units():
    with pytest.raises(EstimationError, match="no treated"):
        placebo(FORMULA, _panel().assign(did=0.0), treatment="did", unit="unit", time="year", n=20)


def test_unit_treated_before_panel_starts_is_named():
    df = _panel()
    df.loc[df.unit == 10, "did"] = 1.0
    with pytest.warns(PlaceboWarning, match="unit\\(s\\) 10 .*before the panel starts"):
        placebo(FORMULA, df, treatment="did", unit="unit", time="year", n=20)


def test_treatment_not_in_formula_or_not_binary():
    df = _panel()
    with pytest.raises(SpecificationError, match="'did' is not a regressor"):
        placebo("y ~ x1 + x2 | unit + year", df, treatment="did", unit="unit", time="year", n=20)
    with pytest.raises(SpecificationError, match="0/1"):
        placebo(FORMULA, df.assign(did=df.did * 2), treatment="did", unit="unit", time="year", n=20)


def test_unsupported_vcov():
    with pytest.raises(SpecificationError, match="vcov"):
        placebo(FORMULA, _panel(), treatment="did", unit="unit", time="year", n=20, vcov="hetero")
