"""Callaway-Sant'Anna with covariates (R did's xformla): outcome regression, IPW and
doubly robust ATT(g,t) against R did 2.5.1 on mpdta, their influence-function standard
errors against a stacked-moment sandwich, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, EstimationError, NonNumericError, SpecificationError
from hitex.models.did import DiDDataWarning, att_gt
from tests.conftest import load_reference

REF = load_reference("mpdta_did_covariates")
ARGS = ("lemp", "countyreal", "year", "first.treat")


@pytest.fixture(scope="module")
def mpdta(reference_dir):
    return pd.read_csv(reference_dir / "callaway_santanna_mpdta" / "mpdta.csv")


def _cells(result):
    return result.estimates.set_index(["group", "time"])


# -- R did 2.5.1 at full precision (analytical SEs) -----------------------------------------
@pytest.mark.parametrize(("model", "control_group"), [("reg_lpop_nevertreated", "nevertreated"),
                                                      ("reg_lpop_notyettreated", "notyettreated")])
def test_outcome_regression_equals_did(mpdta, model, control_group):
    ref = REF["models"][model]
    res = att_gt(mpdta, *ARGS, covariates=["lpop"], est_method="reg",
                 control_group=control_group)
    est = _cells(res)
    assert len(est) == len(ref["att_gt"])
    for g, t, att, se in ref["att_gt"]:
        assert est.loc[(g, t), "estimate"] == pytest.approx(att, rel=1e-8, abs=1e-12)
        assert est.loc[(g, t), "std_error"] == pytest.approx(se, rel=1e-8)
    if "pretest" in ref:
        test = res.pretrend_test()
        assert test.statistic == pytest.approx(ref["pretest"]["W"], rel=1e-8)
        assert round(test.p_value, 5) == pytest.approx(ref["pretest"]["p_value"], abs=1e-12)


def test_outcome_regression_aggregations_equal_did(mpdta):
    ref = REF["models"]["reg_lpop_nevertreated"]["aggte"]
    res = att_gt(mpdta, *ARGS, covariates="~ lpop", est_method="reg")
    for kind, expected in ref.items():
        agg = res.aggregate(kind)
        assert agg.overall == pytest.approx(expected["overall"][0], rel=1e-8)
        assert agg.overall_se == pytest.approx(expected["overall"][1], rel=1e-8)
        for label, att, se in expected["rows"]:
            assert agg.estimates.loc[label, "estimate"] == pytest.approx(att, rel=1e-8)
            assert agg.estimates.loc[label, "std_error"] == pytest.approx(se, rel=1e-8)


@pytest.mark.parametrize(("model", "control_group"), [("dr_lpop_nevertreated", "nevertreated"),
                                                      ("dr_lpop_notyettreated", "notyettreated")])
def test_doubly_robust_equals_did_printout(mpdta, model, control_group):
    """did's default estimator: printed ATT(g,t) (4 decimals) and pre-test p-value (which
    uses did's analytical covariance of the pre-treatment cells, so checks the influence
    functions); printed SEs are from the bootstrap (loose check)."""
    ref = REF["models"][model]
    res = att_gt(mpdta, *ARGS, covariates=["lpop"], control_group=control_group)
    assert res.est_method == "dr"
    est = _cells(res)
    for g, t, att, boot_se, _, _ in ref["att_gt"]:
        assert round(est.loc[(g, t), "estimate"], 4) == pytest.approx(att, abs=1e-12)
        assert est.loc[(g, t), "std_error"] == pytest.approx(boot_se, rel=0.15)
    assert round(res.pretrend_test().p_value, 5) == pytest.approx(ref["pretest"]["p_value"],
                                                                  abs=1e-12)


@pytest.mark.parametrize("model", ["dr_nocov_nevertreated", "dr_nocov_notyettreated",
                                   "ipw_nocov_nevertreated"])
def test_without_covariates_every_method_equals_did(mpdta, model):
    ref = REF["models"][model]
    method = model.split("_")[0]
    control_group = "notyettreated" if model.endswith("notyettreated") else "nevertreated"
    res = att_gt(mpdta, *ARGS, est_method=method, control_group=control_group)
    est = _cells(res)
    for g, t, att, se in ref["att_gt"]:
        assert est.loc[(g, t), "estimate"] == pytest.approx(att, rel=1e-8, abs=1e-12)
        assert est.loc[(g, t), "std_error"] == pytest.approx(se, rel=1e-8)
    assert res.pretrend_test().statistic == pytest.approx(ref["pretest"]["W"], rel=1e-8)
    for kind, expected in ref.get("aggte", {}).items():
        agg = res.aggregate(kind)
        assert agg.overall == pytest.approx(expected["overall"][0], rel=1e-8)
        assert agg.overall_se == pytest.approx(expected["overall"][1], rel=1e-8)
        for label, _att, se in expected["rows"]:
            assert agg.estimates.loc[label, "std_error"] == pytest.approx(se, rel=1e-8)


def test_aggregated_p_values_are_dids(mpdta):
    """did's tidy(aggte(...)): p.value = 2 (1 - pnorm(|att / se|)) for the overall ATT and
    every row, here from R's own ATT and SE."""
    from scipy import stats

    ref = REF["models"]["reg_lpop_nevertreated"]["aggte"]
    res = att_gt(mpdta, *ARGS, covariates=["lpop"], est_method="reg")
    for kind, expected in ref.items():
        agg = res.aggregate(kind)
        att, se = expected["overall"]
        assert agg.overall_p_value == pytest.approx(2 * stats.norm.sf(abs(att / se)), rel=1e-6)
        low, high = agg.overall_conf_int(0.95)
        assert low == pytest.approx(att - stats.norm.ppf(0.975) * se, rel=1e-6)
        tidy = agg.tidy()
        assert tidy.loc["ATT", "p_value"] == pytest.approx(agg.overall_p_value)
        for label, att_e, se_e in expected["rows"]:
            assert agg.estimates.loc[label, "p_value"] == pytest.approx(
                2 * stats.norm.sf(abs(att_e / se_e)), rel=1e-6)


def test_formula_and_column_covariates_agree(mpdta):
    plain = att_gt(mpdta, *ARGS, covariates=["lpop"])
    formula = att_gt(mpdta, *ARGS, covariates="~ lpop")
    np.testing.assert_allclose(plain.estimates["estimate"], formula.estimates["estimate"],
                               rtol=1e-12)
    assert formula.covariates == ("Intercept", "lpop")
    squared = att_gt(mpdta.assign(lpop2=mpdta["lpop"] ** 2), *ARGS, covariates=["lpop", "lpop2"],
                     est_method="reg")
    transformed = att_gt(mpdta, *ARGS, covariates="~ lpop + I(lpop**2)", est_method="reg")
    np.testing.assert_allclose(squared.estimates["estimate"], transformed.estimates["estimate"],
                               rtol=1e-9)
    np.testing.assert_allclose(squared.estimates["std_error"], transformed.estimates["std_error"],
                               rtol=1e-9)
    assert "lpop" in formula.summary()


# -- exact equivalence: influence functions = stacked-moment (GMM) sandwich ---------------------
def _jacobian(fun, theta, h=1e-6):
    base = fun(theta)
    jac = np.empty((base.size, theta.size))
    for j in range(theta.size):
        step = h * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        jac[:, j] = (fun(up) - fun(down)) / (2 * step)
    return jac


def _sandwich_se(moments, theta, contrast):
    g = moments(theta)                      # n x m
    n = g.shape[0]
    jac = _jacobian(lambda th: moments(th).mean(axis=0), theta)
    omega = g.T @ g / n
    jinv = np.linalg.inv(jac)
    v = jinv @ omega @ jinv.T / n
    return float(np.sqrt(contrast @ v @ contrast))


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
def test_standard_errors_equal_stacked_moment_sandwich(mpdta, method):
    """The 2x2 cell (g=2004, t=2005, base 2003) as a just-identified M-estimator: logit
    score, OLS among controls and the two (normalised) means; its sandwich variance,
    with a numerical Jacobian, is an independent oracle for the influence function."""
    import statsmodels.api as sm

    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    unit = mpdta.drop_duplicates("countyreal").set_index("countyreal")
    grp = unit["first.treat"].reindex(wide.index).to_numpy()
    keep = (grp == 2004) | (grp == 0)
    dy = (wide[2005] - wide[2003]).to_numpy()[keep]
    d = (grp[keep] == 2004).astype(float)
    x = np.column_stack([np.ones(keep.sum()), unit["lpop"].reindex(wide.index).to_numpy()[keep]])
    k = x.shape[1]
    gamma = sm.Logit(d, x).fit(disp=False).params
    beta = np.linalg.lstsq(x[d == 0], dy[d == 0], rcond=None)[0]

    def moments(theta):
        gm, bt, m1, m0 = theta[:k], theta[k:2 * k], theta[2 * k], theta[2 * k + 1]
        score = (d - 1 / (1 + np.exp(-(x @ gm))))[:, None] * x
        ols = ((1 - d) * (dy - x @ bt))[:, None] * x
        odds = np.exp(x @ gm)
        if method == "reg":
            mean1, mean0 = d * (dy - m1), d * (x @ bt - m0)
        elif method == "ipw":
            mean1, mean0 = d * (dy - m1), (1 - d) * odds * (dy - m0)
        else:
            r = dy - x @ bt
            mean1, mean0 = d * (r - m1), (1 - d) * odds * (r - m0)
        return np.column_stack([score, ols, mean1, mean0])

    def solve_means(gm, bt):
        odds = np.exp(x @ gm)
        if method == "reg":
            return dy[d == 1].mean(), (x @ bt)[d == 1].mean()
        r = dy if method == "ipw" else dy - x @ bt
        w0 = (1 - d) * odds
        return r[d == 1].mean(), np.sum(w0 * r) / w0.sum()

    m1, m0 = solve_means(gamma, beta)
    theta = np.concatenate([gamma, beta, [m1, m0]])
    contrast = np.zeros(theta.size)
    contrast[-2:] = (1.0, -1.0)
    oracle_se = _sandwich_se(moments, theta, contrast)
    res = att_gt(mpdta, *ARGS, covariates=["lpop"], est_method=method)
    cell = _cells(res).loc[(2004, 2005)]
    assert cell["estimate"] == pytest.approx(m1 - m0, rel=1e-9)
    assert cell["std_error"] == pytest.approx(oracle_se, rel=1e-6)


# -- simulated data: selection on a covariate -----------------------------------------------
def test_covariates_remove_selection_bias():
    """Trends depend on x and treatment on x: without x the ATT is biased, with x the three
    estimators recover the true effect 1.0."""
    rng = np.random.default_rng(5)
    n = 3000
    x = rng.normal(size=n)
    treated = rng.random(n) < 1 / (1 + np.exp(-x))
    rows = []
    for i in range(n):
        a = rng.normal()
        for t in (1, 2, 3):
            y = a + t * (0.5 + 1.0 * x[i]) + (1.0 if treated[i] and t == 3 else 0.0) \
                + rng.normal(scale=0.3)
            rows.append({"id": i, "t": t, "g": 3 if treated[i] else 0, "x": x[i], "y": y})
    df = pd.DataFrame(rows)
    naive = att_gt(df, "y", "id", "t", "g").estimates.set_index(["group", "time"])
    assert abs(naive.loc[(3, 3), "estimate"] - 1.0) > 0.3
    for method in ("reg", "ipw", "dr"):
        est = att_gt(df, "y", "id", "t", "g", covariates=["x"], est_method=method) \
            .estimates.set_index(["group", "time"])
        assert est.loc[(3, 3), "estimate"] == pytest.approx(
            1.0, abs=4 * est.loc[(3, 3), "std_error"])
        assert abs(est.loc[(3, 2), "estimate"]) < 4 * est.loc[(3, 2), "std_error"]


# -- bad input -------------------------------------------------------------------------------
def test_bad_covariate_input(mpdta):
    with pytest.raises(SpecificationError, match="est_method='logit'"):
        att_gt(mpdta, *ARGS, covariates=["lpop"], est_method="logit")
    with pytest.raises(ColumnNotFoundError, match="lpopp"):
        att_gt(mpdta, *ARGS, covariates=["lpopp"])
    with pytest.raises(NonNumericError, match="region"):
        att_gt(mpdta.assign(region="north"), *ARGS, covariates=["region"])
    with pytest.raises(SpecificationError, match="cannot be evaluated"):
        att_gt(mpdta, *ARGS, covariates="~ nonexistent + lpop")
    with pytest.raises(SpecificationError, match="column names or a formula"):
        att_gt(mpdta, *ARGS, covariates=[3])


def test_missing_covariate_drops_the_unit_with_a_warning(mpdta):
    # did's user-bug-fix test: one missing lpop drops that county from the balanced panel
    df = mpdta.copy()
    df.loc[0, "lpop"] = np.nan
    with pytest.warns(DiDDataWarning, match="missing or infinite covariate"):
        res = att_gt(df, *ARGS, covariates=["lpop"])
    assert res.n_units == 499


def test_collinear_covariates_and_separation(mpdta):
    with pytest.raises(EstimationError, match="collinear"):
        att_gt(mpdta.assign(lpop_copy=mpdta["lpop"] * 2), *ARGS,
               covariates=["lpop", "lpop_copy"], est_method="reg")
    # a covariate equal to the treatment indicator separates treated from controls
    sep = mpdta.assign(flag=(mpdta["first.treat"] > 0).astype(float))
    for method in ("dr", "ipw"):
        with pytest.raises(EstimationError, match="propensity-score logit"):
            att_gt(sep, *ARGS, covariates=["flag"], est_method=method)
