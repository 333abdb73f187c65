"""Tests of IPW and AIPW treatment effects: Stata's published teffects output on cattaneo2,
influence functions written out by hand on LaLonde's data, exact equivalences, and bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hitex.errors import (
    ColumnNotFoundError,
    EstimationError,
    NonNumericError,
    SpecificationError,
)
from hitex.models.teffects import TreatmentEffectResult, aipw, ipw
from tests.conftest import load_reference

LALONDE_COVS = ["age", "educ", "racehispan", "racewhite", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde(reference_dir):
    df = pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "matchit_lalonde.csv")
    for level in ("black", "hispan", "white"):
        df["race" + level] = (df["race"] == level).astype(int)
    df[["re74", "re75", "re78"]] = df[["re74", "re75", "re78"]] / 1000
    return df


# -- published numbers: Stata teffects on cattaneo2 ------------------------------------------
@pytest.fixture(scope="module")
def cattaneo2():
    import statsmodels

    path = Path(statsmodels.__file__).parent / "treatment" / "tests" / "results" / "cataneo2.csv"
    if not path.exists():  # pragma: no cover - depends on the statsmodels build
        pytest.skip("statsmodels' copy of cattaneo2 is not installed")
    return pd.read_csv(path)


@pytest.mark.parametrize("case", ["ipw_ate", "ipw_atet", "aipw_ate"])
def test_stata_teffects_on_cattaneo2(cattaneo2, case):
    ref = load_reference("cattaneo2_teffects")
    expected = ref["results"][case]
    estimator, stat = case.split("_")
    kwargs = {"outcome_covariates": ref["outcome_covariates"]} if estimator == "aipw" else {}
    fn = ipw if estimator == "ipw" else aipw
    res = fn(cattaneo2, "bweight", "mbsmoke_", ref["treatment_covariates"], stat=stat,
             model="probit", **kwargs)
    term = stat.upper()
    assert res.params[term] == pytest.approx(expected["effect"], rel=1e-8)
    assert res.params["POmean0"] == pytest.approx(expected["pomean0"], rel=1e-8)
    assert res.std_errors[term] == pytest.approx(expected["effect_se"], rel=1e-6)
    assert res.std_errors["POmean0"] == pytest.approx(expected["pomean0_se"], rel=1e-6)
    assert res.nobs == 4642


# -- independent implementation: influence functions by hand (logit) --------------------------
def _logit(df, covs):
    x = sm.add_constant(df[covs].to_numpy(dtype=float))
    d = df["treat"].to_numpy(dtype=float)
    fit = sm.Logit(d, x).fit(disp=False)
    p = fit.predict(x)
    info = (x * (p * (1 - p))[:, None]).T @ x / len(d)
    lin = (x * (d - p)[:, None]) @ np.linalg.inv(info)  # influence of the logit coefficients
    return x, d, p, lin


def _ipw_by_hand(df, stat):
    x, d, p, lin = _logit(df, LALONDE_COVS)
    y = df["re78"].to_numpy(dtype=float)
    if stat == "ate":
        w1, w0 = d / p, (1 - d) / (1 - p)
        dw1 = -(d * (1 - p) / p)[:, None] * x  # derivative of w1 in the logit coefficients
        dw0 = ((1 - d) * p / (1 - p))[:, None] * x
    else:
        w1, w0 = d, (1 - d) * p / (1 - p)
        dw1 = np.zeros_like(x)
        dw0 = ((1 - d) * p / (1 - p))[:, None] * x
    mu1, mu0 = np.sum(w1 * y) / np.sum(w1), np.sum(w0 * y) / np.sum(w0)
    h1 = (dw1 * (y - mu1)[:, None]).mean(axis=0)
    h0 = (dw0 * (y - mu0)[:, None]).mean(axis=0)
    if1 = (w1 * (y - mu1) + lin @ h1) / w1.mean()
    if0 = (w0 * (y - mu0) + lin @ h0) / w0.mean()
    n = len(y)
    return mu1 - mu0, mu0, np.sqrt(np.mean((if1 - if0) ** 2) / n), np.sqrt(np.mean(if0**2) / n)


@pytest.mark.parametrize("stat", ["ate", "atet"])
def test_ipw_equals_influence_function_by_hand(lalonde, stat):
    tau, mu0, se_tau, se_mu0 = _ipw_by_hand(lalonde, stat)
    res = ipw(lalonde, "re78", "treat", LALONDE_COVS, stat=stat)
    term = stat.upper()
    assert res.params[term] == pytest.approx(tau, rel=1e-7)
    assert res.params["POmean0"] == pytest.approx(mu0, rel=1e-7)
    assert res.std_errors[term] == pytest.approx(se_tau, rel=1e-6)
    assert res.std_errors["POmean0"] == pytest.approx(se_mu0, rel=1e-6)


def test_aipw_ate_equals_influence_function_by_hand(lalonde):
    x, d, p, lin = _logit(lalonde, LALONDE_COVS)
    y = lalonde["re78"].to_numpy(dtype=float)
    n = len(y)
    b1 = np.linalg.lstsq(x[d == 1], y[d == 1], rcond=None)[0]
    b0 = np.linalg.lstsq(x[d == 0], y[d == 0], rcond=None)[0]
    m1, m0 = x @ b1, x @ b0
    phi1 = m1 + d * (y - m1) / p
    phi0 = m0 + (1 - d) * (y - m0) / (1 - p)
    tau = phi1.mean() - phi0.mean()
    q1 = (x * d[:, None]).T @ x / n
    q0 = (x * (1 - d)[:, None]).T @ x / n
    ols1 = (x * (d * (y - m1))[:, None]) @ np.linalg.inv(q1)
    ols0 = (x * ((1 - d) * (y - m0))[:, None]) @ np.linalg.inv(q0)
    g1 = (x * (1 - d / p)[:, None]).mean(axis=0)
    g0 = (x * (1 - (1 - d) / (1 - p))[:, None]).mean(axis=0)
    h1 = (x * (-d * (y - m1) * (1 - p) / p)[:, None]).mean(axis=0)
    h0 = (x * ((1 - d) * (y - m0) * p / (1 - p))[:, None]).mean(axis=0)
    inf = (phi1 - phi0 - tau) + ols1 @ g1 - ols0 @ g0 + lin @ (h1 - h0)
    res = aipw(lalonde, "re78", "treat", LALONDE_COVS)
    assert res.params["ATE"] == pytest.approx(tau, rel=1e-8)
    assert res.std_errors["ATE"] == pytest.approx(np.sqrt(np.mean(inf**2) / n), rel=1e-6)


def test_aipw_atet_equals_drdid_influence_function(lalonde):
    # R DRDID::drdid_panel's point estimate and influence function, written out with the
    # outcome in place of its change
    x, d, p, lin = _logit(lalonde, LALONDE_COVS)
    y = lalonde["re78"].to_numpy(dtype=float)
    n = len(y)
    b0 = np.linalg.lstsq(x[d == 0], y[d == 0], rcond=None)[0]
    m0 = x @ b0
    w_t, w_c = d, (1 - d) * p / (1 - p)
    eta_t = np.mean(w_t * (y - m0)) / np.mean(w_t)
    eta_c = np.mean(w_c * (y - m0)) / np.mean(w_c)
    ols = (x * ((1 - d) * (y - m0))[:, None]) @ np.linalg.inv((x * (1 - d)[:, None]).T @ x / n)
    inf_t = (w_t * (y - m0) - w_t * eta_t) / np.mean(w_t) - ols @ (
        (w_t[:, None] * x).mean(axis=0) / np.mean(w_t))
    m2 = (w_c[:, None] * (y - m0 - eta_c)[:, None] * x).mean(axis=0) / np.mean(w_c)
    m3 = (w_c[:, None] * x).mean(axis=0) / np.mean(w_c)
    inf_c = (w_c * (y - m0) - w_c * eta_c) / np.mean(w_c) + lin @ m2 - ols @ m3
    inf = inf_t - inf_c
    res = aipw(lalonde, "re78", "treat", LALONDE_COVS, stat="atet")
    assert res.params["ATET"] == pytest.approx(eta_t - eta_c, rel=1e-8)
    assert res.std_errors["ATET"] == pytest.approx(np.sqrt(np.mean(inf**2) / n), rel=1e-6)


# -- exact equivalences ------------------------------------------------------------------------
def test_ipw_ate_is_weighted_regression_coefficient(lalonde):
    x, d, p, _ = _logit(lalonde, LALONDE_COVS)
    w = d / p + (1 - d) / (1 - p)
    wls = sm.WLS(lalonde["re78"].to_numpy(), sm.add_constant(d), weights=w).fit()
    res = ipw(lalonde, "re78", "treat", LALONDE_COVS)
    assert res.params["ATE"] == pytest.approx(wls.params[1], rel=1e-8)
    assert res.params["POmean0"] == pytest.approx(wls.params[0], rel=1e-8)


def _linear_world(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.5 * x1 - x2)))).astype(int)
    return pd.DataFrame({"d": d, "x1": x1, "x2": x2, "y": 1 + 2 * x1 - 3 * x2 + 1.5 * d})


@pytest.mark.parametrize("stat", ["ate", "atet"])
def test_aipw_exact_when_outcome_model_is_exact(stat):
    # doubly robust: an outcome model without error gives the effect exactly, whatever the scores
    df = _linear_world()
    res = aipw(df, "y", "d", ["x1"], outcome_covariates=["x1", "x2"], stat=stat)
    assert res.params[stat.upper()] == pytest.approx(1.5, abs=1e-9)


def test_trim_equals_estimation_on_the_kept_units(lalonde):
    x, d, p, _ = _logit(lalonde, LALONDE_COVS)
    keep = (p >= 0.05) & (p <= 0.95)
    trimmed = ipw(lalonde, "re78", "treat", LALONDE_COVS, trim=0.05)
    subset = ipw(lalonde.loc[keep], "re78", "treat", LALONDE_COVS)
    assert trimmed.n_trimmed == int((~keep).sum()) > 0
    assert trimmed.nobs == int(keep.sum())
    pd.testing.assert_series_equal(trimmed.params, subset.params, rtol=1e-10)
    pd.testing.assert_series_equal(trimmed.std_errors, subset.std_errors, rtol=1e-8)


def test_result_contract(lalonde):
    res = aipw(lalonde, "re78", "treat", LALONDE_COVS)
    assert isinstance(res, TreatmentEffectResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.stat = "atet"  # type: ignore[misc]
    tidy = res.tidy()
    assert list(tidy.index) == ["ATE", "POmean0"]
    assert list(tidy.columns) == ["estimate", "std_error", "statistic", "p_value", "conf_low",
                                  "conf_high"]
    ci = res.conf_int(0.9)
    assert (ci["conf_low"] < res.params).all() and (res.params < ci["conf_high"]).all()
    assert "augmented IPW" in res.summary() and "ATE" in str(res)
    assert res.scores.between(0, 1).all() and res.nobs == len(lalonde)
    assert np.isnan(res.rsquared)


# -- bad input ----------------------------------------------------------------------------------
def _near_separated(n=500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-12 * x))).astype(int)
    return pd.DataFrame({"d": d, "x": x, "z": rng.normal(size=n), "y": x + d + rng.normal(size=n)})


def test_scores_of_zero_or_one_name_the_fix():
    df = _near_separated()
    with pytest.raises(EstimationError, match=r"within 1e-05 of 0.*trim=.*drop the covariate"):
        ipw(df, "y", "d", ["x", "z"])
    with pytest.raises(EstimationError, match="trim"):
        aipw(df, "y", "d", ["x", "z"])
    res = ipw(df, "y", "d", ["x", "z"], trim=0.01)
    assert res.n_trimmed > 0 and np.isfinite(res.std_errors).all()


def test_complete_separation_names_the_covariate():
    df = _near_separated().assign(w=lambda f: f.d * 5.0 + f.x * 0.01)
    with pytest.raises(EstimationError, match="'w'.*perfectly"):
        ipw(df, "y", "d", ["x", "w"])


def test_unknown_options():
    df = _linear_world()
    with pytest.raises(SpecificationError, match="stat='att'.*atet"):
        ipw(df, "y", "d", ["x1"], stat="att")
    with pytest.raises(SpecificationError, match="model='cloglog'"):
        ipw(df, "y", "d", ["x1"], model="cloglog")
    with pytest.raises(SpecificationError, match="trim=0.6"):
        ipw(df, "y", "d", ["x1"], trim=0.6)
    with pytest.raises(SpecificationError, match="at least one covariate"):
        ipw(df, "y", "d", [])


def test_missing_and_text_columns():
    df = _linear_world()
    with pytest.raises(ColumnNotFoundError, match="'x3'"):
        aipw(df, "y", "d", ["x1"], outcome_covariates=["x3"])
    bad = df.assign(y=df["y"].astype(object))
    bad.loc[3, "y"] = "n/a"
    with pytest.raises(NonNumericError, match="'y'"):
        ipw(bad, "y", "d", ["x1"])


def test_treatment_without_variation_or_not_binary():
    df = _linear_world()
    with pytest.raises(EstimationError, match="no control units"):
        ipw(df.assign(d=1), "y", "d", ["x1"])
    with pytest.raises(SpecificationError, match="'d' must be 0/1"):
        ipw(df.assign(d=df["d"] * 2), "y", "d", ["x1"])


def test_constant_and_collinear_covariates():
    df = _linear_world().assign(c=1.0, x1b=lambda f: 2 * f.x1)
    with pytest.raises(SpecificationError, match="'c' is constant"):
        ipw(df, "y", "d", ["x1", "c"])
    with pytest.raises(EstimationError, match="collinear"):
        aipw(df, "y", "d", ["x1"], outcome_covariates=["x1", "x1b"])
