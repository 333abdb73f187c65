"""Fit statistics every result carries, against Stata, gretl and fixest printouts.

Oracle: tests/references/fit_statistics.json (Stata 13 ``xtreg``/``regress``
e() scalars committed to linearmodels; gretl's fixed-effects printout quoted in
plm's tests; fixest's printed PPML fit), each with its source.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import hitex
from hitex.errors import SpecificationError
from tests.conftest import load_reference

REF = load_reference("fit_statistics")
X5 = "y ~ x1 + x2 + x3 + x4 + x5"


def _stata(section: str) -> dict:
    return REF["stata_simulated_panel"]["models"][section]


@pytest.fixture(scope="module")
def simulated(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "simulated_panel.csv")


@pytest.fixture(scope="module")
def grunfeld(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "grunfeld_plm.csv")


def test_xtreg_fe_conventional_statistics(simulated):
    e = _stata("fixed_effect-conventional--")["e"]
    res = hitex.panel(f"{X5} | firm", simulated, vcov="iid")
    assert res.rss == pytest.approx(e["rss"], rel=1e-9)
    assert res.mss == pytest.approx(e["mss"], rel=1e-9)
    assert res.rmse == pytest.approx(e["rmse"], rel=1e-9)
    assert res.loglik == pytest.approx(e["ll"], rel=1e-9)
    assert res.fstat == pytest.approx(e["F"], rel=1e-8)
    assert res.extra["f_df"] == (5, e["df_r"])
    assert res.extra["sigma_u"] == pytest.approx(e["sigma_u"], rel=1e-9)
    assert res.extra["sigma_e"] == pytest.approx(e["sigma_e"], rel=1e-9)
    assert res.extra["rho"] == pytest.approx(e["rho"], rel=1e-9)
    assert res.extra["f_u"] == pytest.approx(e["F_f"], rel=1e-8)


def test_xtreg_fe_average_intercept_conventional(simulated):
    ref = _stata("fixed_effect-conventional--")["_cons"]
    res = hitex.panel(f"{X5} | firm", simulated, vcov="iid", average_intercept=True)
    assert res.params["_cons"] == pytest.approx(ref["coef"], rel=1e-9)
    assert res.vcov.loc["_cons", "_cons"] == pytest.approx(ref["var"], rel=1e-6)
    assert res.tstats["_cons"] == pytest.approx(ref["t"], rel=1e-7)
    # the slopes and the model F are those without the average intercept
    plain = hitex.panel(f"{X5} | firm", simulated, vcov="iid")
    pd.testing.assert_series_equal(res.params.drop("_cons"), plain.params)
    assert res.fstat == pytest.approx(plain.fstat, rel=1e-12)


def test_xtreg_fe_cluster_statistics_and_average_intercept(simulated):
    ref = _stata("fixed_effect-cluster--")
    res = hitex.panel(f"{X5} | firm", simulated, vcov={"CRV1": "firm"}, average_intercept=True)
    assert res.fstat == pytest.approx(ref["e"]["F"], rel=1e-8)
    assert res.extra["f_df"] == (5, ref["e"]["df_r"])
    assert res.vcov.loc["_cons", "_cons"] == pytest.approx(ref["_cons"]["var"], rel=1e-6)
    assert res.tstats["_cons"] == pytest.approx(ref["_cons"]["t"], rel=1e-6)
    # re-doing inference keeps the average intercept
    again = hitex.panel(f"{X5} | firm", simulated, vcov="iid",
                        average_intercept=True).with_vcov({"CRV1": "firm"})
    assert again.std_errors["_cons"] == pytest.approx(res.std_errors["_cons"], rel=1e-10)


def test_weighted_statistics_normalise_weights_as_stata_aweights(simulated):
    e = _stata("fixed_effect-conventional-weighted-")["e"]
    res = hitex.panel(f"{X5} | firm", simulated, vcov="iid", weights="w")
    for name, key in (("rss", "rss"), ("mss", "mss"), ("rmse", "rmse"), ("loglik", "ll")):
        assert getattr(res, name) == pytest.approx(e[key], rel=1e-8), name
    assert res.fstat == pytest.approx(e["F"], rel=1e-8)
    e = _stata("pooled-conventional-weighted-")["e"]
    res = hitex.panel(X5, simulated, vcov="iid", weights="w")
    for name, key in (("rss", "rss"), ("mss", "mss"), ("rmse", "rmse"), ("loglik", "ll")):
        assert getattr(res, name) == pytest.approx(e[key], rel=1e-8), name


@pytest.mark.parametrize(("section", "vcov"), [
    ("pooled-conventional--", "iid"),
    ("pooled-robust--", "hetero"),
    ("pooled-cluster--", {"CRV1": "firm"}),
])
def test_regress_model_f_under_each_variance(simulated, section, vcov):
    e = _stata(section)["e"]
    res = hitex.panel(X5, simulated, vcov=vcov)
    assert res.fstat == pytest.approx(e["F"], rel=1e-8)
    assert res.extra["f_df"] == (5, e["df_r"])
    if "rss" in e:
        assert res.rss == pytest.approx(e["rss"], rel=1e-9)
        assert res.mss == pytest.approx(e["mss"], rel=1e-9)
        assert res.rmse == pytest.approx(e["rmse"], rel=1e-9)
        assert res.loglik == pytest.approx(e["ll"], rel=1e-9)


def test_gretl_fixed_effects_printout(grunfeld):
    ref = REF["gretl_grunfeld_fe"]["printed"]
    res = hitex.panel("inv ~ value + capital | firm", grunfeld, vcov={"CRV1": "firm"},
                      average_intercept=True)
    assert res.depvar_mean == pytest.approx(ref["mean_dependent_var"], abs=1e-4)
    assert res.rss == pytest.approx(ref["sum_squared_resid"], abs=0.05)
    assert res.rmse == pytest.approx(ref["se_of_regression"], abs=5e-6)
    assert res.extra["sigma_e"] == pytest.approx(ref["se_of_regression"], abs=5e-6)
    assert res.loglik == pytest.approx(ref["log_likelihood"], abs=5e-4)
    assert res.aic == pytest.approx(ref["akaike"], abs=5e-4)
    assert res.bic == pytest.approx(ref["schwarz"], abs=5e-4)
    assert res.params["_cons"] == pytest.approx(ref["const"], abs=5e-5)
    assert res.std_errors["_cons"] == pytest.approx(ref["const_se_cluster_firm"], abs=5e-5)


def test_ppml_pseudo_loglik_and_pseudo_r2_as_fixest(reference_dir):
    ref = REF["fixest_trade_ppml"]["printed"]
    trade = pd.read_csv(reference_dir / "fixest_trade_gravity" / "trade.csv")
    res = hitex.gravity("Euros ~ log(dist_km) | Origin + Destination + Product + Year", trade,
                        method="ppml", vcov={"CRV1": "Origin"})
    assert float(f"{res.loglik:.4g}") == ref["log_likelihood"]
    assert float(f"{res.bic:.4g}") == ref["bic"]
    assert round(res.extra["pseudo_rsquared_adj"], 6) == ref["adj_pseudo_r2"]
    assert round(res.extra["pseudo_rsquared"], 6) == ref["adj_pseudo_r2"]
    assert res.extra["deviance"] > 0
    assert res.extra["wald_chi2"] == pytest.approx(res.tstats.iloc[0] ** 2, rel=1e-10)
    assert res.rss is None and res.fstat is None


def test_ppml_deviance_and_loglik_equal_statsmodels_poisson_glm():
    """Internal equivalence: a PPML without fixed effects is a Poisson GLM."""
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    df = pd.DataFrame({"x": x, "y": rng.poisson(np.exp(0.5 + 0.3 * x)).astype(float),
                       "g": np.arange(400) % 20})
    res = hitex.gravity("y ~ x", df, method="ppml", vcov="hetero", pair="g")
    glm = sm.GLM(df["y"], sm.add_constant(df["x"]), family=sm.families.Poisson()).fit()
    assert res.extra["deviance"] == pytest.approx(glm.deviance, rel=1e-6)
    assert res.loglik == pytest.approx(glm.llf, rel=1e-6)
    assert res.extra["loglik_null"] == pytest.approx(glm.llnull, rel=1e-6)
    assert res.aic == pytest.approx(glm.aic, rel=1e-6)


def test_average_intercept_refused_where_undefined(grunfeld):
    with pytest.raises(SpecificationError, match="one absorbed fixed effect"):
        hitex.panel("inv ~ value + capital | firm + year", grunfeld, vcov="iid",
                    average_intercept=True)
    with pytest.raises(SpecificationError, match="CRV1"):
        hitex.panel("inv ~ value + capital | firm", grunfeld, vcov="hetero",
                    average_intercept=True)


def test_statistics_recorded_for_tables(grunfeld):
    from hitex.report.columns import as_column

    res = hitex.panel("inv ~ value + capital | firm", grunfeld, vcov="iid")
    col = as_column(res, 1)
    assert col.fstat == pytest.approx(res.fstat)
    assert col.depvar_mean == pytest.approx(grunfeld["inv"].mean())
    assert math.isfinite(res.f_pvalue) and 0 <= res.f_pvalue <= 1


@pytest.mark.parametrize(("model_id", "formula"), [
    ("plm_within_individual_iid", "inv ~ value + capital | firm"),
    ("plm_within_twoways_iid", "inv ~ value + capital | firm + year"),
])
def test_plm_within_model_f_and_sums_of_squares(grunfeld, model_id, formula):
    """plm's summary of a within model: F on (K, N - K - df_a), RSS and within TSS
    (tests/references/grunfeld_fe.json, printed to 5 significant digits)."""
    ref = next(m for m in load_reference("grunfeld_fe")["models"] if m["id"] == model_id)
    f_value, _, df1, _, df2, _ = ref["extra"]["F"].split()
    res = hitex.panel(formula, grunfeld, vcov="iid")
    assert res.fstat == pytest.approx(float(f_value), abs=5e-4)
    assert res.extra["f_df"] == (int(df1), float(df2))
    assert res.rss == pytest.approx(ref["extra"]["rss"], rel=5e-5)
    assert res.rss + res.mss == pytest.approx(ref["extra"]["tss"], rel=5e-5)


def test_xtreg_fe_printout_on_grunfeld(grunfeld):
    """Stata ``xtreg invest mvalue kstock, fe`` on webuse grunfeld (= plm's Grunfeld).

    Stata holds these data as floats: its printed digits agree to about 4e-8 relative (gretl, on the same
    data in double precision, prints sigma_e 52.76797).
    """
    ref = REF["stata_xtreg_grunfeld"]["printed"]
    res = hitex.panel("inv ~ value + capital | firm", grunfeld, vcov="iid",
                      average_intercept=True)
    assert res.extra["sigma_u"] == pytest.approx(ref["sigma_u"], rel=1e-7)
    assert res.extra["sigma_e"] == pytest.approx(ref["sigma_e"], rel=1e-7)
    assert res.extra["rho"] == pytest.approx(ref["rho"], rel=1e-7)
    assert res.params["_cons"] == pytest.approx(ref["_cons"], rel=3e-7)
    assert res.std_errors["_cons"] == pytest.approx(ref["_cons_se"], abs=5e-6)
    assert res.fstat == pytest.approx(ref["F"], abs=5e-3)
    assert res.extra["f_df"] == tuple(float(x) for x in ref["F_df"])
    assert res.rsquared_within == pytest.approx(ref["r2_within"], abs=5e-5)
    assert res.extra["f_u"] == pytest.approx(ref["F_u_i"], abs=5e-3)
    assert res.extra["f_u_df"] == tuple(ref["F_u_i_df"])


def test_within_statistics_with_functions_in_the_formula(grunfeld):
    """Terms computed in the formula give the statistics of the same model on columns."""
    import numpy as np

    cols = grunfeld.assign(ly=np.log1p(grunfeld["inv"]), lv=np.log1p(grunfeld["value"]))
    on_terms = hitex.panel("log1p(inv) ~ log1p(value) + capital | firm", grunfeld, vcov="iid",
                           average_intercept=True)
    on_cols = hitex.panel("ly ~ lv + capital | firm", cols, vcov="iid", average_intercept=True)
    for key in ("sigma_u", "rho", "f_u", "rss", "loglik", "fstat", "depvar_mean"):
        assert on_terms.extra[key] == pytest.approx(on_cols.extra[key], rel=1e-9), key
    assert on_terms.params["_cons"] == pytest.approx(on_cols.params["_cons"], rel=1e-9)


def test_average_intercept_with_an_i_term_is_refused_with_the_fix(grunfeld):
    df = grunfeld.assign(treat=(grunfeld["firm"] < 4).astype(int))
    formula = "inv ~ value + i(year, treat, ref=1935) | firm"
    assert "sigma_u" not in hitex.panel(formula, df, vcov="iid").extra
    with pytest.raises(SpecificationError, match="Write that term as data columns"):
        hitex.panel(formula, df, vcov="iid", average_intercept=True)
