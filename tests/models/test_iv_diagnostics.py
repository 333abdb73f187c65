"""IV diagnostics against Stata ivreg2's printed numbers and exact equivalences.

Oracles:

* ``tests/references/card_ivreg2.json``: ivreg2 on Card (1995), printed by
  Stata into the ivreg2r fixtures (commands and sources in the file): iid,
  robust and clustered, exactly and over-identified, with and without
  analytic weights;
* ``tests/references/card_ivreg2_stock_yogo.json``: Stock-Yogo critical
  values printed by Stata's ``estat firststage`` in a published article;
* fixed effects absorbed = the same fixed effects as dummy variables
  (ivreghdfe's degrees-of-freedom rule makes the two equal);
* the Anderson-Rubin set and the statistics with two endogenous regressors
  recomputed from their definitions with statsmodels and numpy.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import hitex
from hitex.errors import AbsorbedRegressorWarning, HitexError, SpecificationError
from hitex.models import iv_stats
from hitex.models.iv_diagnostics import (
    DEFAULT_ROWS,
    IVDiagnostics,
    iv_diagnostics,
    iv_diagnostics_formula,
)
from hitex.models.stock_yogo import critical_values
from tests.conftest import load_reference

RTOL = 1e-6  # statistics; lwage is a Stata float, so AR/J/C agree to ~3e-8 only
REF = load_reference("card_ivreg2")
MODELS = {m["key"]: m for m in REF["models"]}


@pytest.fixture(scope="module")
def card(reference_dir) -> pd.DataFrame:
    df = pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")
    regions = [f"reg66{i}" for i in range(1, 10)]
    df["region"] = df[regions].to_numpy().argmax(axis=1) + 1
    df["age_region"] = df["age"] * 10 + df["region"]  # 99 clusters, regions not nested
    df["agesq"] = df["age"] ** 2
    return df


def _panel(formula, data, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few-cluster warnings of the 2- and 11-cluster models
        return hitex.panel(formula, data, **kwargs)


def _fit(model, card):
    spec = model["hitex"]
    return _panel(spec["formula"], card, vcov=spec["vcov"], weights=spec.get("weights"))


def _close(actual, expected, what):
    assert actual == pytest.approx(expected, rel=RTOL, abs=1e-12), what


# -- 1. published ivreg2 numbers ------------------------------------------------------------

@pytest.mark.parametrize("key", [k for k, m in MODELS.items() if "diagnostics" in m])
def test_diagnostics_match_ivreg2(card, key):
    model = MODELS[key]
    d = iv_diagnostics(_fit(model, card))
    v = model["diagnostics"]["values"]
    assert d.nobs == v["N"]
    under = d.underidentification
    _close(under.statistic, v["idstat"], "idstat")
    _close(under.p_value, v["idp"], "idp")
    assert under.df == (v["iddf"],)
    _close(d.cragg_donald_f, v["cdf"], "cdf")
    if "widstat" in v:
        _close(d.weak_id_f, v["widstat"], "widstat")
    expected_name = ("Anderson canon. corr. LM" if model["hitex"]["vcov"] == "iid"
                     else "Kleibergen-Paap rk LM")
    assert under.name == expected_name
    if "arf" in v:
        _close(d.anderson_rubin_f.statistic, v["arf"], "arf")
        _close(d.anderson_rubin_f.p_value, v["arfp"], "arfp")
        assert d.anderson_rubin_f.df == (v["ardf"], v["ardf_r"])
        _close(d.anderson_rubin_chi2.statistic, v["archi2"], "archi2")
        _close(d.anderson_rubin_chi2.p_value, v["archi2p"], "archi2p")
    overid = d.overidentification
    if len(d.instruments) == len(d.endogenous):
        assert overid is None
    else:
        name = "sargan" if model["hitex"]["vcov"] == "iid" else "j"
        assert overid.name == ("Sargan statistic" if name == "sargan" else "Hansen J statistic")
        _close(overid.statistic, v[name], name)
        if f"{name}p" in v:
            _close(overid.p_value, v[f"{name}p"], f"{name}p")
        assert overid.df == (v.get(f"{name}df", v.get("jdf")),)
    if "estat" in v:
        _close(d.endogeneity.statistic, v["estat"], "estat")
        _close(d.endogeneity.p_value, v["estatp"], "estatp")
        assert d.endogeneity.df == (v["estatdf"],)
    elif d.n_clusters == 2:  # ivreg2 leaves C missing: 2 clusters, singular moment covariance
        assert math.isnan(d.endogeneity.statistic)
    if "N_clust" in v:
        assert d.n_clusters == v["N_clust"]
    if "F_first" in v:
        _close(d.first_stages[0].f.statistic, v["F_first"], "first-stage F")


@pytest.mark.parametrize("key", [k for k, m in MODELS.items() if "first_stage" in m])
def test_first_stage_matches_ivreg2(card, key):
    model = MODELS[key]
    fs = iv_diagnostics(_fit(model, card)).first_stages[0]
    v = model["first_stage"]["values"]["educ"]
    _close(fs.partial_r2, v["pr2"], "pr2")
    _close(fs.shea_partial_r2, v["sheapr2"], "sheapr2")
    if "F" in v:
        _close(fs.f.statistic, v["F"], "F")
        _close(fs.f.p_value, v["pvalue"], "pvalue")
    assert fs.f.df == (v["df"], v["df_r"])
    assert fs.sanderson_windmeijer is None  # one endogenous regressor: SW F = F


@pytest.mark.parametrize("key", [k for k, m in MODELS.items() if "first_stage_coefficients" in m])
def test_first_stage_coefficients_match_ivreg2(card, key):
    model = MODELS[key]
    coef = iv_diagnostics(_fit(model, card)).first_stages[0].coefficients
    for term, v in model["first_stage_coefficients"]["values"].items():
        _close(coef.loc[term, "estimate"], v["estimate"], f"{term} estimate")
        _close(coef.loc[term, "std_error"], v["std_error"], f"{term} std_error")


def test_stock_yogo_table_matches_published_values():
    ref = load_reference("card_ivreg2_stock_yogo")
    k1, l1 = ref["n_endog"], ref["n_instruments"]
    assert critical_values(k1, l1) == ref["values"]["2sls"]
    assert critical_values(k1, l1, "liml") == ref["values"]["liml"]
    # the relative bias needs L1 >= K1 + 2; no table beyond 100 instruments
    assert "5% maximal IV relative bias" not in critical_values(1, 2)
    assert critical_values(3, 120) == {}


def test_diagnostics_follow_with_vcov(card):
    iid = _fit(MODELS["overid_iid"], card)
    robust = iv_diagnostics(iid.with_vcov("hetero"))
    v = MODELS["overid_robust"]["diagnostics"]["values"]
    _close(robust.underidentification.statistic, v["idstat"], "idstat")
    _close(robust.overidentification.statistic, v["j"], "j")
    assert robust.vcov == "robust" and iv_diagnostics(iid).vcov == "iid"


# -- 2. fixed effects: ivreghdfe's rule equals dummy variables --------------------------------

FE_F = "lwage ~ exper + expersq + black + south + smsa | region | educ ~ nearc2 + nearc4"
DUMMY_F = ("lwage ~ exper + expersq + black + south + smsa + C(region) "
           "| educ ~ nearc2 + nearc4")


def _stats(d: IVDiagnostics) -> dict[str, float]:
    out = {"under": d.underidentification.statistic, "cd": d.cragg_donald_f,
           "wid": d.weak_id_f, "arf": d.anderson_rubin_f.statistic,
           "archi2": d.anderson_rubin_chi2.statistic, "j": d.overidentification.statistic,
           "c": d.endogeneity.statistic, "f1": d.first_stages[0].f.statistic,
           "pr2": d.first_stages[0].partial_r2, "shea": d.first_stages[0].shea_partial_r2,
           "eff": d.effective_f}
    out["se"] = float(d.first_stages[0].coefficients["std_error"].iloc[0])
    return out


@pytest.mark.parametrize("vcov", ["iid", "hetero", {"CRV1": "age_region"}])
def test_absorbed_fixed_effects_equal_dummy_variables(card, vcov):
    fe = iv_diagnostics(_panel(FE_F, card, vcov=vcov))
    dummies = iv_diagnostics(_panel(DUMMY_F, card, vcov=vcov))
    assert fe.absorbed_dof == card["region"].nunique() and dummies.absorbed_dof == 0
    assert fe.anderson_rubin_f.df == dummies.anderson_rubin_f.df
    a, b = _stats(fe), _stats(dummies)
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-6), key
    for (lo_a, hi_a), (lo_b, hi_b) in zip(fe.ar_set.intervals, dummies.ar_set.intervals,
                                          strict=True):
        assert (lo_a, hi_a) == pytest.approx((lo_b, hi_b), rel=1e-6)


def test_fixed_effect_nested_in_cluster_counts_as_ivreghdfe(card):
    # region nested in the region clusters: reghdfe's df_a = 0, which ivreghdfe raises to 1
    fe = iv_diagnostics(_panel(FE_F, card, vcov={"CRV1": "region"}))
    dummies = iv_diagnostics(_panel(DUMMY_F, card, vcov={"CRV1": "region"}))
    assert fe.absorbed_dof == 1
    n, m = fe.nobs, fe.n_clusters
    l_fe = len(fe.instruments) + len(fe.exogenous)  # no constant: absorbed
    l_dummies = len(dummies.instruments) + len(dummies.exogenous)  # constant + 8 dummies
    ratio = (n - l_fe - 1) / (n - l_dummies)
    assert fe.weak_id_f == pytest.approx(dummies.weak_id_f * ratio, rel=1e-6)
    assert fe.cragg_donald_f == pytest.approx(
        dummies.cragg_donald_f * (n - l_fe - 1) / (n - l_dummies), rel=1e-6)
    # statistics without degrees of freedom are unchanged
    assert fe.underidentification.statistic == pytest.approx(
        dummies.underidentification.statistic, rel=1e-6)
    assert fe.anderson_rubin_chi2.statistic == pytest.approx(
        dummies.anderson_rubin_chi2.statistic, rel=1e-6)
    assert fe.anderson_rubin_f.df == (2, m - 1)


# -- 3. the Anderson-Rubin confidence set -------------------------------------------------

def _ar_wald(b0: float, y, x, z, exog, cov_type: str, groups=None) -> float:
    """AR Wald statistic by statsmodels: (y - b0 x) on [Z1, exog], test Z1 = 0."""
    design = np.column_stack([z, exog])
    model = sm.OLS(y - b0 * x, design)
    if cov_type == "cluster":
        fit = model.fit(cov_type="cluster", use_t=False,
                        cov_kwds={"groups": groups, "use_correction": False})
    else:
        fit = model.fit(cov_type=cov_type, use_t=False)
    r = np.zeros((z.shape[1], design.shape[1]))
    r[:, : z.shape[1]] = np.eye(z.shape[1])
    return float(np.atleast_1d(fit.wald_test(r, scalar=True).statistic).ravel()[0])


@pytest.mark.parametrize("vcov,cov_type", [("iid", "nonrobust"), ("hetero", "HC0"),
                                           ({"CRV1": "age"}, "cluster")])
def test_ar_set_is_the_inverted_test(card, vcov, cov_type):
    d = iv_diagnostics(_panel(MODELS["overid_iid"]["hitex"]["formula"], card, vcov=vcov))
    y = card["lwage"].to_numpy(float)
    x = card["educ"].to_numpy(float)
    z = card[["nearc2", "nearc4"]].to_numpy(float)
    exog = np.column_stack([card[["exper", "expersq", "black", "south"]], np.ones(len(card))])
    groups = pd.factorize(card["age"])[0]
    n = len(card)

    def stat(b0):
        w = _ar_wald(b0, y, x, z, exog, cov_type, groups)
        # statsmodels' nonrobust Wald uses e'e/(N-K); ivreg2's uses e'e/N
        return w * n / (n - exog.shape[1] - 2) if cov_type == "nonrobust" else w

    assert stat(0.0) == pytest.approx(d.anderson_rubin_chi2.statistic, rel=1e-6)
    crit = stats.chi2.ppf(0.95, 2)
    assert d.ar_set.kind == "interval" and d.ar_set.critical_value == pytest.approx(crit)
    (lo, hi), = d.ar_set.intervals
    assert stat(lo) == pytest.approx(crit, rel=1e-6)
    assert stat(hi) == pytest.approx(crit, rel=1e-6)
    for b0 in np.linspace(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo), 41) + 1e-3 * (hi - lo):
        inside = lo <= b0 <= hi
        assert (stat(b0) <= crit) == inside, b0


def test_ar_set_is_unbounded_with_a_weak_instrument():
    rng = np.random.default_rng(11)
    n = 400
    z = rng.normal(size=n)
    u = rng.normal(size=n)
    x = rng.normal(size=n) + 0.8 * u  # z is irrelevant
    df = pd.DataFrame({"y": 1.0 * x + u, "x": x, "z": z, "w": rng.normal(size=n)})
    d = iv_diagnostics(_panel("y ~ w | x ~ z", df, vcov="hetero"))
    assert d.ar_set.kind in ("whole line", "union of rays")
    first_wald = d.first_stages[0].f.statistic  # one instrument: AR(b0 -> inf) -> this Wald
    crit = d.ar_set.critical_value
    if d.ar_set.kind == "whole line":
        assert d.ar_set.intervals == ((-math.inf, math.inf),)
    else:
        assert d.ar_set.intervals[0][0] == -math.inf and d.ar_set.intervals[-1][1] == math.inf
    assert first_wald * d.nobs / (d.nobs - 3) < crit  # unbounded <=> first stage not significant


# -- 4. two endogenous regressors -------------------------------------------------------------

# exper = age - educ - 6 in these data, so age itself cannot be an instrument here
TWO_F = "lwage ~ black + south + smsa | educ + exper ~ nearc2 + nearc4 + agesq"


def test_two_endogenous_regressors_against_definitions(card):
    d = iv_diagnostics_formula(TWO_F, card, vcov="hetero")
    assert d.endogenous == ("educ", "exper") and len(d.first_stages) == 2
    n = len(card)
    x2 = np.column_stack([card[["black", "south", "smsa"]], np.ones(n)])
    z1 = card[["nearc2", "nearc4", "agesq"]].to_numpy(float)
    x1 = card[["educ", "exper"]].to_numpy(float)
    z = np.column_stack([z1, x2])
    resid_z = x1 - z @ np.linalg.lstsq(z, x1, rcond=None)[0]
    # Cragg-Donald as Stata's ivregress manual defines it: minimum eigenvalue of
    # Sigma_VV^{-1/2}' X1' M_X2 Z1 (Z1' M_X2 Z1)^{-1} Z1' M_X2 X1 Sigma_VV^{-1/2} / L1
    m2 = lambda a: a - x2 @ np.linalg.lstsq(x2, a, rcond=None)[0]  # noqa: E731
    z1p, x1p = m2(z1), m2(x1)
    sigma = resid_z.T @ resid_z / (n - z.shape[1])
    root = np.linalg.cholesky(np.linalg.inv(sigma))
    g = root.T @ x1p.T @ z1p @ np.linalg.solve(z1p.T @ z1p, z1p.T @ x1p) @ root / 3
    assert d.cragg_donald_f == pytest.approx(np.linalg.eigvalsh(g).min(), rel=1e-8)
    # Sanderson-Windmeijer F of educ: educ on exper by 2SLS, its residual on Z, robust Wald
    zhat = z1p @ np.linalg.lstsq(z1p, x1p[:, 1], rcond=None)[0]
    b1 = (zhat @ x1p[:, 0]) / (zhat @ x1p[:, 1])
    e1 = x1p[:, 0] - b1 * x1p[:, 1]
    wald = _ar_wald(0.0, e1, np.zeros(n), z1, x2, "HC0")
    sw = d.first_stages[0].sanderson_windmeijer
    assert sw.df == (2, n - z.shape[1])
    assert sw.statistic == pytest.approx(wald / n * (n - z.shape[1]) / 2, rel=1e-6)
    assert d.effective_f is None and d.ar_set is None
    assert "Stock-Yogo 10% critical value" in dict(d.rows())
    assert [label for label, _ in d.rows(["sanderson_windmeijer_f"])] == [
        "Sanderson-Windmeijer F (educ)", "Sanderson-Windmeijer F (exper)"]


def test_kleibergen_paap_with_homoskedastic_meat_is_cragg_donald(card):
    n = len(card)
    x2 = np.column_stack([card[["black", "south", "smsa"]], np.ones(n)])
    z1p = iv_stats.partial_out(card[["nearc2", "nearc4", "agesq"]].to_numpy(float), x2)
    x1p = iv_stats.partial_out(card[["educ", "exper"]].to_numpy(float), x2)
    cc = iv_stats.canonical_correlations(x1p, z1p)
    v = x1p - z1p @ cc.pihat
    shat0 = np.kron(v.T @ v / n, z1p.T @ z1p / n)  # Kronecker (homoskedastic) covariance
    chi2, df = iv_stats.kp_rank_stat(cc, shat0, n)
    ev = cc.eigenvalues.min()
    assert df == 2
    assert chi2 == pytest.approx(n * ev / (1 - ev), rel=1e-8)


def test_rank_statistics_invariant_to_recombining_endogenous_regressors(card):
    base = iv_diagnostics_formula(TWO_F, card, vcov={"CRV1": "age"})
    mixed = card.assign(educ_plus=card["educ"] + 0.5 * card["exper"])
    other = iv_diagnostics_formula(
        "lwage ~ black + south + smsa | educ_plus + exper ~ nearc2 + nearc4 + agesq", mixed,
        vcov={"CRV1": "age"})
    for attr in ("cragg_donald_f", "kp_wald_f"):
        assert getattr(other, attr) == pytest.approx(getattr(base, attr), rel=1e-7)
    assert other.underidentification.statistic == pytest.approx(
        base.underidentification.statistic, rel=1e-7)
    assert other.anderson_rubin_chi2.statistic == pytest.approx(
        base.anderson_rubin_chi2.statistic, rel=1e-7)


def test_formula_path_equals_result_path(card):
    formula = MODELS["overid_robust"]["hitex"]["formula"]
    a = iv_diagnostics(_panel(formula, card, vcov={"CRV1": "age"}))
    b = iv_diagnostics_formula(formula, card, vcov={"CRV1": "age"})
    assert _stats(a) == pytest.approx(_stats(b), rel=1e-10)


# -- 5. rows and JSON --------------------------------------------------------------------------

def test_rows_and_to_dict(card):
    d = iv_diagnostics(_fit(MODELS["overid_robust"], card))
    rows = dict(d.rows())
    assert list(rows) == ["Kleibergen-Paap rk LM (p)", "Cragg-Donald Wald F",
                          "Kleibergen-Paap rk Wald F", "Stock-Yogo 10% critical value",
                          "Hansen J statistic (p)", "Anderson-Rubin Wald F (p)"]
    assert rows["Kleibergen-Paap rk LM (p)"] == "40.079 (0.000)"
    assert rows["Cragg-Donald Wald F"] == "19.683"
    assert rows["Kleibergen-Paap rk Wald F"] == "20.420"
    assert rows["Stock-Yogo 10% critical value"] == "19.93"  # K1 = 1, L1 = 2
    assert rows["Hansen J statistic (p)"] == "1.865 (0.172)"
    all_rows = dict(d.rows("all", digits=2))
    assert all_rows["Endogeneity C (p)"] == "26.99 (0.000)"
    assert "Anderson-Rubin 95% set" in all_rows and "Montiel Olea-Pflueger effective F" in all_rows
    payload = json.loads(json.dumps(d.to_dict()))
    assert payload["underidentification"]["statistic"] == pytest.approx(40.07919463212782)
    assert payload["ar_set"]["kind"] == "interval"
    assert "Hansen J statistic" in d.summary()
    just = iv_diagnostics(_fit(MODELS["just_id_iid"], card))
    labels = [label for label, _ in just.rows("all")]
    assert not any(label.startswith(("Hansen", "Sargan")) for label in labels)
    assert "Anderson canon. corr. LM (p)" in labels and "Kleibergen-Paap rk Wald F" not in labels
    assert DEFAULT_ROWS[0] == "underid"


# -- 6. bad input -------------------------------------------------------------------------------

def test_non_iv_result_is_refused(card):
    ols = _panel("lwage ~ educ + exper", card, vcov="iid")
    with pytest.raises(SpecificationError, match=r"not one.*'y ~ x \| fe1 \+ fe2 \| endog ~ z1"):
        iv_diagnostics(ols)
    with pytest.raises(SpecificationError, match="need a 2SLS result"):
        iv_diagnostics("lwage ~ educ")


def test_more_endogenous_regressors_than_instruments(card):
    with pytest.raises(SpecificationError, match=r"2 endogenous regressors.*only 1 excluded "
                                                 r"instrument.*Add excluded instruments"):
        iv_diagnostics_formula("lwage ~ black | educ + exper ~ nearc4", card, vcov="iid")


def test_instrument_absorbed_by_fixed_effects(card):
    df = card.assign(z_abs=2.0 * card["region"])
    formula = "lwage ~ exper + black | region | educ ~ z_abs + nearc4"
    with pytest.warns(AbsorbedRegressorWarning, match="'z_abs' does not vary within"):
        res = hitex.panel(formula, df, vcov="iid")
    assert any(n.startswith("Instrument dropped: 'z_abs'") for n in res.spec.notes)
    with pytest.raises(SpecificationError, match=r"'z_abs' is absorbed by the region fixed "
                                                 r"effect.*Remove 'z_abs'"):
        iv_diagnostics(res)
    with pytest.raises(SpecificationError, match=r"'z_abs' is absorbed by the region"):
        iv_diagnostics_formula(formula, df, vcov="iid")


def test_instrument_collinear_with_exogenous_regressors(card):
    # the engine would drop 'black' from the instruments and treat it as endogenous
    df = card.assign(z_col=card["exper"] + 2 * card["black"])
    formula = "lwage ~ exper + black | south | educ ~ z_col + nearc4"
    with pytest.raises(SpecificationError, match=r"'z_col' is collinear with the exogenous"):
        hitex.panel(formula, df, vcov="iid")
    with pytest.raises(SpecificationError, match=r"'z_col' is collinear with the exogenous"):
        iv_diagnostics_formula(formula, df, vcov="iid")


def test_other_bad_arguments(card):
    res = _fit(MODELS["overid_iid"], card)
    with pytest.raises(SpecificationError, match=r"'exper' is not an endogenous regressor.*'educ'"):
        iv_diagnostics(res, endog=["exper"])
    with pytest.raises(SpecificationError, match="level"):
        iv_diagnostics(res, level=95)
    with pytest.raises(SpecificationError, match="ar_form"):
        iv_diagnostics(res, ar_form="lm")
    with pytest.raises(SpecificationError, match="unknown IV diagnostic row"):
        iv_diagnostics(res).rows(["hansen"])
    with pytest.raises(SpecificationError, match="no IV part"):
        iv_diagnostics_formula("lwage ~ educ", card)
    with pytest.raises(HitexError, match="nearc9"):
        iv_diagnostics_formula("lwage ~ exper | educ ~ nearc9", card)
