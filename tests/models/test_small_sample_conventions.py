"""Small-sample conventions (fixest's ssc() switches, Stata ML, ivreg2 without small, HC3)
and Newey-West / Driscoll-Kraay standard errors.

Oracles: the fixest vignette 'On standard-errors' numbers on plm's Grunfeld data
(tests/references/grunfeld_fe.json, each with its command), Stata ivreg2
without ``small`` on Card (1995) (tests/references/card_ivreg2_large_sample.json),
and exact equivalences with statsmodels' HC0/HC3 (Stata ``regress, vce(hc3)``
and the ``N/(N-1)`` of Stata's ML commands).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import HitexError, SpecificationError
from hitex.models.small_sample import check_ssc, fixest_ssc, ssc_settings
from tests.conftest import load_reference

GRUNFELD = {m["id"]: m for m in load_reference("grunfeld_fe")["models"]}
TWFE = "inv ~ capital | firm + year"
PANEL = {"time": "year", "panel": "firm"}


@pytest.fixture(scope="module")
def grunfeld(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "grunfeld_plm.csv")


@pytest.fixture(scope="module")
def card(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")


def _se(model_id: str) -> float:
    return GRUNFELD[model_id]["estimates"]["capital"]["se"]


@pytest.mark.parametrize(("model_id", "vcov", "ssc"), [
    # se(est_feols, ssc = ssc(fixef.K = "full")) = vcovCL(lm with dummies, type = "HC1")
    ("lm_vcovCL_HC1_cluster_firm", {"CRV1": "firm"}, {"fixef_k": "full"}),
    # se(est_feols, ssc = ssc(fixef.K = "none", cluster.adj = FALSE)) = plm vcovHC(cluster = "group")
    ("plm_vcovHC_cluster_group", {"CRV1": "firm"}, {"fixef.K": "none", "cluster.adj": False}),
    # fixest default = reghdfe: firm nested in the cluster
    ("stata_xtreg_cluster_firm_via_fixest_vignette", {"CRV1": "firm"}, "fixest"),
    # two-way clustering, fixest default (min(G))
    ("fixest_twoway_cluster", {"CRV1": "firm+year"}, "fixest"),
    # two-way clustering, each term its own G/(G-1): lfe's felm, fixest cluster.df = "conv"
    ("lfe_twoway_cluster", {"CRV1": "firm+year"}, {"cluster_df": "conventional"}),
])
def test_fixest_ssc_switches_on_grunfeld(grunfeld, model_id, vcov, ssc):
    res = hitex.panel(TWFE, grunfeld, vcov=vcov, ssc=ssc)
    assert res.std_errors["capital"] == pytest.approx(_se(model_id), rel=2e-7)


@pytest.mark.parametrize(("model_id", "kind", "ssc"), [
    ("plm_vcovNW", "NW", {"adj": False, "cluster_adj": False}),
    ("plm_vcovSCC_DK", "DK", {"adj": False, "cluster_adj": False}),
    ("fixest_NW_default", "NW", "fixest"),
    ("fixest_DK_default", "DK", "fixest"),
])
def test_newey_west_and_driscoll_kraay_as_fixest_and_plm(grunfeld, model_id, kind, ssc):
    """fixest's HAC default factor T/(T-1) (N-1)/(N-K), K without the effects nested in the
    panel/time dimensions; plm's vcovNW/vcovSCC carry none. Lag floor(T^(1/4)) = 2."""
    res = hitex.panel(TWFE, grunfeld, vcov={kind: PANEL}, ssc=ssc)
    assert res.std_errors["capital"] == pytest.approx(_se(model_id), rel=2e-7)
    assert res.spec.hac_lag == 2 and res.spec.vcov_type == kind
    assert res.spec.vcov_label.endswith("(year, lag 2)")
    # the same through with_vcov, and with the lag given
    again = hitex.panel(TWFE, grunfeld, vcov="iid", ssc=ssc).with_vcov(
        {kind: {**PANEL, "lag": 2}})
    assert again.std_errors["capital"] == pytest.approx(res.std_errors["capital"], rel=1e-12)


def test_longer_lag_changes_newey_west(grunfeld):
    two = hitex.panel(TWFE, grunfeld, vcov={"NW": {**PANEL, "lag": 2}})
    four = hitex.panel(TWFE, grunfeld, vcov={"NW": {**PANEL, "lag": 4}})
    assert four.std_errors["capital"] != pytest.approx(two.std_errors["capital"], rel=1e-6)
    assert four.spec.hac_lag == 4


@pytest.mark.parametrize("key", ["just_id_iid", "just_id_robust"])
def test_large_sample_is_ivreg2_without_small(card, key):
    ref = load_reference("card_ivreg2_large_sample")
    model = ref["models"][key]
    res = hitex.panel(ref["hitex_formula"], card, vcov=model["vcov"], ssc="large_sample")
    for term, se in model["std_error"].items():
        assert res.std_errors[term] == pytest.approx(se, rel=1e-7), term
    assert res.params["educ"] == pytest.approx(model["estimate"]["educ"], rel=1e-7)
    assert res.df_resid == float("inf")  # ivreg2 prints z statistics without small
    expected = "Conventional (RSS/N)" if model["vcov"] == "iid" else "(HC0)"
    assert expected in res.spec.vcov_label


def test_hc3_convention_is_explicit(grunfeld):
    """Stata ``regress, vce(hc3)`` (statsmodels HC3) has no factor; the reghdfe/fixest
    conventions multiply it by N/(N-K), and the label says so."""
    import statsmodels.formula.api as smf

    sm_hc3 = smf.ols("inv ~ capital", grunfeld).fit(cov_type="HC3").bse
    plain = hitex.panel("inv ~ capital", grunfeld, vcov="HC3", ssc="none")
    assert plain.std_errors["capital"] == pytest.approx(sm_hc3["capital"], rel=1e-10)
    assert plain.spec.vcov_label == "Heteroskedasticity-robust (HC3)"
    adjusted = hitex.panel("inv ~ capital", grunfeld, vcov="HC3")
    n, k = 200, 2
    assert adjusted.std_errors["capital"] == pytest.approx(
        sm_hc3["capital"] * np.sqrt(n / (n - k)), rel=1e-10)
    assert adjusted.spec.vcov_label == "Heteroskedasticity-robust (HC3 x N/(N-K))"


def test_stata_ml_robust_is_hc0_times_n_over_n_minus_1():
    """Stata's ML commands (``poisson ..., vce(robust)``): HC0 x N/(N-1); equivalence with
    statsmodels' Poisson GLM HC0."""
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    x = rng.normal(size=500)
    df = pd.DataFrame({"x": x, "y": rng.poisson(np.exp(0.2 + 0.4 * x)).astype(float),
                       "g": np.arange(500) % 25})
    res = hitex.gravity("y ~ x", df, method="ppml", vcov="hetero", pair="g", ssc="stata_ml")
    glm = sm.GLM(df["y"], sm.add_constant(df["x"]), family=sm.families.Poisson()).fit(
        cov_type="HC0", tol=1e-12)
    assert res.std_errors.to_numpy() == pytest.approx(glm.bse.to_numpy() * np.sqrt(500 / 499),
                                                      rel=1e-4)
    assert res.spec.vcov_label == "Heteroskedasticity-robust (HC0 x N/(N-1), Stata ML)"
    # clustered: G/(G-1) only, the gravity convention "cluster"
    a = hitex.gravity("y ~ x", df, method="ppml", vcov={"CRV1": "g"}, pair="g", ssc="stata_ml")
    b = hitex.gravity("y ~ x", df, method="ppml", vcov={"CRV1": "g"}, pair="g", ssc="cluster")
    pd.testing.assert_series_equal(a.std_errors, b.std_errors, rtol=1e-12)


def test_stata_ml_robust_for_linear_model(grunfeld):
    hc0 = hitex.panel("inv ~ capital", grunfeld, vcov="hetero", ssc="none")
    ml = hitex.panel("inv ~ capital", grunfeld, vcov="hetero", ssc="stata_ml")
    assert ml.std_errors["capital"] == pytest.approx(hc0.std_errors["capital"] * np.sqrt(200 / 199),
                                                     rel=1e-12)


def test_fixest_ssc_names_round_trip():
    name = fixest_ssc(adj=False, fixef_k="full", cluster_adj=True)
    assert check_ssc(name) == name
    assert check_ssc({"adj": False, "fixef_k": "full"}) == name
    settings = ssc_settings(name)
    assert (settings["k_adj"], settings["k_fixef"], settings["G_adj"]) == (False, "full", True)
    assert check_ssc("reghdfe") == "reghdfe"
    conv = check_ssc({"cluster.df": "conventional"})
    assert conv == fixest_ssc(cluster_df="conventional")
    assert ssc_settings(conv)["G_df"] == "conventional"


@pytest.mark.parametrize(("ssc", "match"), [
    ("stata", "not a known small-sample convention"),
    ({"adj": True, "small": True}, "unknown switch"),
    ({"fixef_k": "some"}, "fixef.K values"),
    ({"adj": "yes"}, "True or False"),
    ({"cluster_df": "each"}, "cluster.df values"),
    (3, "not a known small-sample convention"),
])
def test_unknown_convention_is_refused(grunfeld, ssc, match):
    with pytest.raises(SpecificationError, match=match):
        hitex.panel(TWFE, grunfeld, vcov="iid", ssc=ssc)


def test_gravity_names_its_extra_convention_when_refusing():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [0.1, 0.4, 0.2, 0.9], "g": [1, 1, 2, 2]})
    with pytest.raises(SpecificationError, match="ssc='cluster'"):
        hitex.gravity("y ~ x", df, vcov="hetero", pair="g", ssc="stata")


@pytest.mark.parametrize(("vcov", "match"), [
    ({"NW": {"panel": "firm"}}, "needs the time column"),
    ({"NW": {"time": "year", "panel": "firm", "lag": -1}}, "lag must be"),
    ({"DK": {"time": "year", "panel": "firm", "lag": 1.5}}, "lag must be"),
    ({"NW": {"time": "year", "unit": "firm"}}, "needs the time column"),
    ({"NW": {"time": "year"}}, "do not identify the rows"),
    ({"NW": {"time": "quarter", "panel": "firm"}}, "quarter"),
])
def test_bad_hac_specification_is_refused(grunfeld, vcov, match):
    with pytest.raises(HitexError, match=match):
        hitex.panel(TWFE, grunfeld, vcov=vcov)


def test_hac_time_column_must_be_numeric(grunfeld):
    df = grunfeld.assign(period=grunfeld["year"].astype(str))
    with pytest.raises(SpecificationError, match="must be numeric"):
        hitex.panel("inv ~ capital | firm", df, vcov={"NW": {"time": "period", "panel": "firm"}})


def test_with_vcov_to_hac_needs_the_columns_in_the_estimation_data(grunfeld):
    res = hitex.panel("inv ~ capital", grunfeld, vcov="iid")
    with pytest.raises(SpecificationError, match="not in the estimation data"):
        res.with_vcov({"NW": {"time": "year", "panel": "firm"}})


@pytest.mark.parametrize(("vcov", "cov_type"), [("iid", "nonrobust"), ("hetero", "HC1")])
def test_disconnected_fixed_effects_count_one_redundant_level_per_component(vcov, cov_type):
    """Two fixed effects whose graph splits in two (group-specific unit and time effects):
    K as dummy-variable OLS (rank) and reghdfe count it, not one redundant level in all."""
    import warnings

    import statsmodels.formula.api as smf

    rng = np.random.default_rng(11)
    rows = [(g, u, t) for g in (0, 1) for u in range(6) for t in range(5)]
    df = pd.DataFrame(rows, columns=["g", "u", "t"])
    df["unit"] = df["g"] * 100 + df["u"]
    df["time_g"] = df["g"] * 100 + df["t"]
    df["x"] = rng.normal(size=len(df))
    df["y"] = 0.5 * df["x"] + rng.normal(size=len(df)) + df["u"] * 0.1
    res = hitex.panel("y ~ x | unit + time_g", df, vcov=vcov, panel_id=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = smf.ols("y ~ x + C(unit) + C(time_g)", df).fit(cov_type=cov_type)
    assert res.params["x"] == pytest.approx(ols.params["x"], rel=1e-9)
    assert res.std_errors["x"] == pytest.approx(ols.bse["x"], rel=1e-9)
    assert res.df_resid == pytest.approx(ols.df_resid)


def test_gravity_refuses_hac_and_names_the_alternatives():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [0.1, 0.4, 0.2, 0.9], "year": [1, 2, 1, 2],
                       "g": [1, 1, 2, 2]})
    with pytest.raises(SpecificationError, match="hitex.panel"):
        hitex.gravity("y ~ x", df, vcov={"NW": {"time": "year", "panel": "g"}}, pair="g")


@pytest.mark.parametrize("method", ["ols", "ppml"])
def test_two_way_clustering_in_gravity_and_after_the_fact(reference_dir, method):
    """Two-way clustering wherever one-way works: in the call and through with_vcov."""
    trade = pd.read_csv(reference_dir / "fixest_trade_gravity" / "trade.csv")
    formula = ("Euros ~ log(dist_km)" if method == "ppml" else "log(Euros) ~ log(dist_km)")
    formula += " | Origin + Destination + Product + Year"
    direct = hitex.gravity(formula, trade, method=method, vcov={"CRV1": "Origin+Destination"})
    later = hitex.gravity(formula, trade, method=method, vcov={"CRV1": "Origin"}).with_vcov(
        {"CRV1": "Origin+Destination"})
    assert later.std_errors.iloc[0] == pytest.approx(direct.std_errors.iloc[0], rel=1e-10)
    assert set(direct.n_clusters) == {"Origin", "Destination"}
