"""Mediation analysis: published PROCESS model 4 output, statsmodels by hand, plain refits, bad input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

import hitex
from hitex.errors import (
    ColumnNotFoundError,
    EstimationError,
    HitexError,
    SpecificationError,
)
from hitex.models import mediation as mediation_module
from hitex.models.boot_moments import resample_indices
from hitex.models.mediation import MediationResult, MediationWarning, mediation
from tests.conftest import load_reference

# ----------------------------------------------------------------------------- data


def _cross_section(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c1, c2 = rng.normal(size=n), rng.normal(size=n)
    d = 0.4 * c1 + rng.normal(size=n)
    m1 = 0.6 * d + 0.3 * c1 + rng.normal(size=n)
    m2 = -0.5 * d + 0.2 * c2 + 0.5 * rng.normal(size=n) + 0.3 * m1
    y = 0.2 * d + 0.7 * m1 + 0.4 * m2 + 0.5 * c2 + rng.normal(size=n)
    return pd.DataFrame({"d": d, "m1": m1, "m2": m2, "y": y, "c1": c1, "c2": c2})


def _panel(n_firms: int = 40, n_years: int = 6, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(n_firms), n_years),
                       "year": np.tile(np.arange(2015, 2015 + n_years), n_firms)})
    n = len(df)
    fe = rng.normal(size=n_firms)[df.firm]
    df["c1"] = rng.normal(size=n) + 0.5 * fe
    df["d"] = 0.6 * fe + 0.2 * (df.year - 2015) + rng.normal(size=n)
    df["m1"] = 0.5 * df.d + 0.3 * df.c1 + fe + rng.normal(size=n)
    df["m2"] = -0.4 * df.d + rng.normal(size=n) + 0.2 * (df.year - 2015)
    df["y"] = 0.3 * df.d + 0.6 * df.m1 + 0.5 * df.m2 + 0.4 * df.c1 + fe + rng.normal(size=n)
    return df


def _process_data(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "mediation_process_model4" / "process_model4_data.csv")


# ----------------------------------------------------------------------------- PROCESS


def test_process_model4_paths_and_hc3_errors_match_published_output(reference_dir):
    # PROCESS's HC3 (as Stata's vce(hc3) and statsmodels) has no (N-1)/(N-K) factor: ssc="none"
    ref = load_reference("process_model4")
    res = mediation(_process_data(reference_dir), "y", "x", ["m1", "m2"], vcov="HC3",
                    ssc="none", bootstrap=0)
    steps = {s.spec.depvar + ("_full" if "m1" in s.params.index else ""): s for s in res.steps}
    for eq, step in (("m1", steps["m1"]), ("m2", steps["m2"]), ("y", steps["y_full"])):
        printed = ref["equations"][eq]
        tidy = step.tidy(0.95)
        for term, row in printed["coefficients"].items():
            name = "Intercept" if term == "constant" else term
            got = tidy.loc[name]
            assert got["estimate"] == pytest.approx(row["coeff"], abs=6e-5)
            assert got["std_error"] == pytest.approx(row["se"], abs=6e-5)
            assert got["statistic"] == pytest.approx(row["t"], abs=6e-5)
            assert got["conf_low"] == pytest.approx(row["LLCI"], abs=6e-5)
            assert got["conf_high"] == pytest.approx(row["ULCI"], abs=6e-5)
        assert step.rsquared == pytest.approx(printed["model_summary"]["R-sq"], abs=6e-5)
        assert step.nobs == ref["n"]
    direct = ref["direct_effect"]
    assert res.direct_effect == pytest.approx(direct["Effect"], abs=6e-5)
    ind = res.indirect.set_index("mediator")
    printed = ref["indirect_effects"]
    for med, key in (("m1", "m1"), ("m2", "m2"), ("total", "TOTAL")):
        assert ind.loc[med, "estimate"] == pytest.approx(printed[key]["Effect"], abs=6e-5)


def test_process_model4_bias_corrected_bootstrap_close_to_published(reference_dir):
    # SPSS's random numbers cannot be reproduced: compare within Monte Carlo error
    # (about 0.002 for a 2.5% quantile of 5000 draws with these spreads).
    ref = load_reference("process_model4")["indirect_effects"]
    res = mediation(_process_data(reference_dir), "y", "x", ["m1", "m2"], vcov="HC3",
                    bootstrap=5000, ci="bc", seed=2)
    ind = res.indirect.set_index("mediator")
    draws = res.boot_draws
    for med, key in (("m1", "m1"), ("m2", "m2"), ("total", "TOTAL")):
        assert ind.loc[med, "boot_low"] == pytest.approx(ref[key]["BootLLCI"], abs=0.012)
        assert ind.loc[med, "boot_high"] == pytest.approx(ref[key]["BootULCI"], abs=0.012)
        sd = draws[f"indirect_{med}"].std(ddof=1)
        assert sd == pytest.approx(ref[key]["Boot SE"], abs=0.004)
    assert set(ind["boot_method"]) == {"bc"} and set(ind["draws"]) == {5000}


# ----------------------------------------------------------------------------- statsmodels


def test_paths_and_sobel_errors_equal_statsmodels_by_hand():
    df = _cross_section()
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1", "c2"], vcov="iid", bootstrap=0)
    ra1 = smf.ols("m1 ~ d + c1 + c2", df).fit()
    ra2 = smf.ols("m2 ~ d + c1 + c2", df).fit()
    rb = smf.ols("y ~ d + m1 + m2 + c1 + c2", df).fit()
    rc = smf.ols("y ~ d + c1 + c2", df).fit()
    a = np.array([ra1.params["d"], ra2.params["d"]])
    b = np.array([rb.params["m1"], rb.params["m2"]])
    va = np.array([ra1.bse["d"], ra2.bse["d"]]) ** 2
    vb = rb.cov_params().loc[["m1", "m2"], ["m1", "m2"]].to_numpy()
    sobel = np.sqrt(a ** 2 * np.diag(vb) + b ** 2 * va)
    # a-paths of two equations with the same regressors: Cov = s_12 (X'X)^-1_dd
    x = sm.add_constant(df[["d", "c1", "c2"]]).to_numpy()
    e = np.column_stack([ra1.resid, ra2.resid])
    s = e.T @ e / (len(df) - x.shape[1])
    cov_a = s * np.linalg.inv(x.T @ x)[1, 1]
    total_se = np.sqrt(b @ cov_a @ b + a @ vb @ a)

    ind = res.indirect.set_index("mediator")
    np.testing.assert_allclose(ind.loc[["m1", "m2"], "estimate"], a * b, rtol=1e-8)
    np.testing.assert_allclose(ind.loc[["m1", "m2"], "sobel_se"], sobel, rtol=1e-6)
    assert ind.loc["total", "sobel_se"] == pytest.approx(total_se, rel=1e-6)
    z = a * b / sobel
    np.testing.assert_allclose(ind.loc[["m1", "m2"], "sobel_p"], 2 * stats.norm.sf(np.abs(z)),
                               rtol=1e-6)
    assert res.total_effect == pytest.approx(rc.params["d"], rel=1e-8)
    assert res.direct_effect == pytest.approx(rb.params["d"], rel=1e-8)
    assert res.proportion_mediated == pytest.approx((a * b).sum() / rc.params["d"], rel=1e-8)
    paths = res.paths.set_index("mediator")
    np.testing.assert_allclose(paths["a_se"], np.sqrt(va), rtol=1e-6)
    np.testing.assert_allclose(paths["b_se"], np.sqrt(np.diag(vb)), rtol=1e-6)


def test_total_effect_is_direct_plus_indirect_with_fixed_effects():
    df = _panel()
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    bootstrap=0)
    total_ind = res.indirect.set_index("mediator").loc["total", "estimate"]
    assert res.total_effect == pytest.approx(res.direct_effect + total_ind, abs=1e-10)


def test_fixed_effects_and_clusters_against_dummy_variable_ols():
    df = _panel()
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    vcov={"CRV1": "firm"}, bootstrap=0)
    ra1 = smf.ols("m1 ~ d + c1 + C(firm) + C(year)", df).fit()
    ra2 = smf.ols("m2 ~ d + c1 + C(firm) + C(year)", df).fit()
    rb = smf.ols("y ~ d + m1 + m2 + c1 + C(firm) + C(year)", df).fit()
    a = np.array([ra1.params["d"], ra2.params["d"]])
    b = np.array([rb.params["m1"], rb.params["m2"]])
    ind = res.indirect.set_index("mediator")
    np.testing.assert_allclose(ind.loc[["m1", "m2"], "estimate"], a * b, rtol=1e-8)
    # Sobel from the steps' own clustered standard errors
    paths = res.paths.set_index("mediator")
    sobel = np.sqrt(a ** 2 * paths["b_se"] ** 2 + b ** 2 * paths["a_se"] ** 2)
    np.testing.assert_allclose(ind.loc[["m1", "m2"], "sobel_se"], sobel, rtol=1e-8)
    assert all(s.spec.cluster == ("firm",) for s in res.steps)


def test_total_indirect_covariance_under_clustering_by_hand():
    df = _panel()
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    vcov={"CRV1": "firm"}, bootstrap=0)
    # scores of the a-paths from dummy-variable OLS, summed within firms
    x = pd.get_dummies(df[["firm", "year"]].astype(str), drop_first=True).astype(float)
    x = sm.add_constant(pd.concat([df[["d", "c1"]], x], axis=1)).to_numpy()
    xinv = np.linalg.pinv(x.T @ x)
    e = np.column_stack([sm.OLS(df[m], x).fit().resid for m in ("m1", "m2")])
    w = (x @ xinv)[:, 1]  # a_j = sum_i w_i m_ji
    scores = pd.DataFrame(w[:, None] * e).groupby(df["firm"].to_numpy()).sum().to_numpy()
    raw = scores.T @ scores
    corr = raw[0, 1] / np.sqrt(raw[0, 0] * raw[1, 1])
    paths = res.paths.set_index("mediator")
    a, b, se_a = paths["a"].to_numpy(), paths["b"].to_numpy(), paths["a_se"].to_numpy()
    cov_a = np.array([[se_a[0] ** 2, corr * se_a[0] * se_a[1]],
                      [corr * se_a[0] * se_a[1], se_a[1] ** 2]])
    vb = res.steps[-1].vcov.loc[["m1", "m2"], ["m1", "m2"]].to_numpy()
    expected = np.sqrt(b @ cov_a @ b + a @ vb @ a)
    got = res.indirect.set_index("mediator").loc["total", "sobel_se"]
    assert got == pytest.approx(expected, rel=1e-6)


# ----------------------------------------------------------------------------- bootstrap


def _refit_indirect(df: pd.DataFrame, rows: np.ndarray, fe: str, controls: str) -> np.ndarray:
    """Indirect effects on a resampled data set, by dummy-variable OLS (statsmodels)."""
    data = df.iloc[rows].reset_index(drop=True)
    ra1 = smf.ols(f"m1 ~ d{controls}{fe}", data).fit()
    ra2 = smf.ols(f"m2 ~ d{controls}{fe}", data).fit()
    rb = smf.ols(f"y ~ d + m1 + m2{controls}{fe}", data).fit()
    return np.array([ra1.params["d"] * rb.params["m1"], ra2.params["d"] * rb.params["m2"]])


def test_observation_bootstrap_equals_refits_on_resampled_data():
    df = _panel(n_firms=20)
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    vcov="hetero", bootstrap=1000, seed=4)
    assert res.boot_unit == "observation"
    indices = resample_indices(len(df), 6, 4)
    got = res.boot_draws[["indirect_m1", "indirect_m2"]].to_numpy()[:6]
    for b in range(6):
        expected = _refit_indirect(df, indices[b], " + C(firm) + C(year)", " + c1")
        np.testing.assert_allclose(got[b], expected, rtol=0, atol=1e-10)


def test_cluster_bootstrap_resamples_whole_clusters():
    df = _panel(n_firms=30)
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    vcov={"CRV1": "firm"}, bootstrap=1000, seed=9)
    assert res.boot_unit == "firm"
    firms = np.unique(df["firm"])
    indices = resample_indices(len(firms), 5, 9)
    got = res.boot_draws[["indirect_m1", "indirect_m2"]].to_numpy()[:5]
    for b in range(5):
        rows = np.concatenate([np.flatnonzero(df["firm"].to_numpy() == firms[i])
                               for i in indices[b]])
        expected = _refit_indirect(df, rows, " + C(firm) + C(year)", " + c1")
        np.testing.assert_allclose(got[b], expected, rtol=0, atol=1e-10)
    # resampling observations instead gives other draws
    rows_only = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"],
                          fixed_effects=["firm", "year"], vcov="hetero", bootstrap=1000, seed=9)
    assert not np.allclose(rows_only.boot_draws["indirect_m1"], res.boot_draws["indirect_m1"])


def test_cluster_bootstrap_with_fixed_effects_not_nested_in_clusters_equals_refits():
    # clusters are years; firm and industry x year effects cut across them
    df = _panel(n_firms=24, n_years=12)
    df["industry"] = df["firm"] % 4
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"],
                    fixed_effects=["firm", "industry^year"], vcov={"CRV1": "year"},
                    bootstrap=1000, seed=2)
    assert res.boot_unit == "year"
    years = np.unique(df["year"])
    indices = resample_indices(len(years), 3, 2)
    got = res.boot_draws[["indirect_m1", "indirect_m2"]].to_numpy()[:3]
    for b in range(3):
        rows = np.concatenate([np.flatnonzero(df["year"].to_numpy() == years[i])
                               for i in indices[b]])
        expected = _refit_indirect(df, rows, " + C(firm) + C(industry):C(year)", " + c1")
        np.testing.assert_allclose(got[b], expected, rtol=0, atol=1e-10)


def test_cluster_bootstrap_without_fixed_effects_equals_refits():
    df = _panel(n_firms=25)
    res = mediation(df, "y", "d", "m1", controls=["c1"], vcov={"CRV1": "firm"}, bootstrap=1000,
                    seed=1)
    firms = np.unique(df["firm"])
    indices = resample_indices(len(firms), 3, 1)
    for b in range(3):
        rows = np.concatenate([np.flatnonzero(df["firm"].to_numpy() == firms[i])
                               for i in indices[b]])
        data = df.iloc[rows]
        a = smf.ols("m1 ~ d + c1", data).fit().params["d"]
        bb = smf.ols("y ~ d + m1 + c1", data).fit().params["m1"]
        assert res.boot_draws["indirect_m1"].iloc[b] == pytest.approx(a * bb, abs=1e-10)


def test_same_seed_same_numbers_other_seed_other_numbers():
    df = _cross_section(200)
    kw = {"controls": ["c1"], "bootstrap": 1000, "vcov": "hetero"}
    one = mediation(df, "y", "d", ["m1", "m2"], seed=5, **kw)
    two = mediation(df, "y", "d", ["m1", "m2"], seed=5, **kw)
    other = mediation(df, "y", "d", ["m1", "m2"], seed=6, **kw)
    pd.testing.assert_frame_equal(one.boot_draws, two.boot_draws)
    pd.testing.assert_frame_equal(one.indirect, two.indirect)
    assert not np.allclose(one.boot_draws.to_numpy(), other.boot_draws.to_numpy())
    assert set(other.indirect["seed"]) == {6}


def test_percentile_and_bias_corrected_intervals_from_the_draws():
    df = _cross_section(200)
    pct = mediation(df, "y", "d", "m1", bootstrap=2000, seed=3, ci="percentile", ci_level=0.9)
    bc = mediation(df, "y", "d", "m1", bootstrap=2000, seed=3, ci="bc", ci_level=0.9)
    draws = pct.boot_draws["indirect_m1"].to_numpy()
    est = pct.indirect.set_index("mediator").loc["m1", "estimate"]
    row = pct.indirect.set_index("mediator").loc["m1"]
    np.testing.assert_allclose([row.boot_low, row.boot_high], np.quantile(draws, [0.05, 0.95]))
    z0 = stats.norm.ppf(np.mean(draws < est))  # Efron (1982) bias correction
    probs = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.05, 0.95]))
    row = bc.indirect.set_index("mediator").loc["m1"]
    np.testing.assert_allclose([row.boot_low, row.boot_high], np.quantile(draws, probs))


def test_bootstrap_interval_covers_the_truth_in_simulations():
    # a*b = 0.5 * 0.6; the 95% percentile interval should cover it in most samples
    covered = 0
    for rep in range(40):
        rng = np.random.default_rng(100 + rep)
        d = rng.normal(size=150)
        m = 0.5 * d + rng.normal(size=150)
        y = 0.2 * d + 0.6 * m + rng.normal(size=150)
        res = mediation(pd.DataFrame({"d": d, "m": m, "y": y}), "y", "d", "m", bootstrap=1000,
                        seed=rep, vcov="hetero")
        row = res.indirect.iloc[0]
        covered += row.boot_low <= 0.3 <= row.boot_high
    assert covered >= 34  # binomial(40, 0.95): P(X < 34) < 0.5%


def test_few_draws_warn():
    with pytest.warns(MediationWarning, match="bootstrap=50"):
        mediation(_cross_section(100), "y", "d", "m1", bootstrap=50)


# ----------------------------------------------------------------------------- result


def test_result_is_immutable_and_prints_in_a_regression_table():
    df = _panel()
    res = mediation(df, "y", "d", ["m1", "m2"], controls=["c1"], fixed_effects=["firm", "year"],
                    bootstrap=1000)
    assert isinstance(res, MediationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.total_effect = 0.0  # type: ignore[misc]
    copy = res.indirect
    copy.loc[0, "estimate"] = 99.0
    assert res.indirect.loc[0, "estimate"] != 99.0
    assert [s.spec.depvar for s in res.steps] == ["y", "m1", "m2", "y"]
    table = hitex.regression_table(list(res.steps), titles=list(res.titles), notes=res.note)
    text = str(table)
    assert "Mediator m1" in text and "Jiang (2022" in text
    labels = [label for label, _ in res.rows()]
    assert "Sobel z (p) (m1)" in labels and "Bootstrap 95% CI (total)" in labels
    assert dict(res.rows())["Bootstrap draws"].startswith("1,000 (percentile, resampling "
                                                          "clusters of firm")
    record = json.loads(json.dumps(res.to_dict()))
    assert record["bootstrap"]["unit"] == "firm" and len(record["steps"]) == 4
    tidy = res.tidy()
    assert list(tidy.columns) == ["estimate", "std_error", "statistic", "p_value", "conf_low",
                                  "conf_high"]
    assert {"indirect_m1", "indirect_total", "a_m2", "b_m1", "total_effect"} <= set(tidy.index)
    assert "Proportion mediated" in res.summary()


def test_note_and_docstring_cite_the_critique():
    for text in (mediation_module.CAUSAL_NOTE, mediation_module.__doc__, mediation.__doc__):
        assert "Jiang" in text and "Imai, Keele and Tingley" in text
    assert "sequential ignorability" in mediation_module.__doc__
    assert "instrument" in mediation_module.CAUSAL_NOTE


def test_sobel_only_without_bootstrap():
    res = mediation(_cross_section(), "y", "d", "m1", bootstrap=0)
    assert res.boot_draws is None and res.boot_unit is None
    assert res.indirect["boot_low"].isna().all()
    assert not any("Bootstrap" in label for label, _ in res.rows())


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("mediators, match", [
    (["y"], "mediator 'y' is the outcome"),
    (["d"], "mediator 'd' is the treatment"),
    ([], "mediators= is empty"),
    (["m1", "m1"], "more than once"),
])
def test_mediator_in_another_role_is_refused(mediators, match):
    with pytest.raises(SpecificationError, match=match):
        mediation(_cross_section(), "y", "d", mediators, bootstrap=0)


def test_mediator_equal_to_outcome_or_treatment_values_is_refused():
    df = _cross_section()
    df["y_copy"], df["d_copy"] = df["y"], df["d"]
    with pytest.raises(SpecificationError, match="equals the outcome 'y'.*mediators="):
        mediation(df, "y", "d", ["m1", "y_copy"], bootstrap=0)
    with pytest.raises(SpecificationError, match="equals the treatment 'd'"):
        mediation(df, "y", "d", ["d_copy"], bootstrap=0)


def test_control_in_two_roles_is_refused():
    with pytest.raises(SpecificationError, match="controls="):
        mediation(_cross_section(), "y", "d", "m1", controls=["m1"], bootstrap=0)


def test_mediator_without_variation_is_refused():
    df = _cross_section()
    df["flat"] = 2.0
    with pytest.raises(EstimationError, match="mediator 'flat' has no variation.*mediators="):
        mediation(df, "y", "d", ["m1", "flat"], bootstrap=0)


def test_treatment_without_variation_is_refused():
    df = _cross_section()
    df["d0"] = 1.0
    with pytest.raises(EstimationError, match="treatment 'd0' has no variation"):
        mediation(df, "y", "d0", "m1", bootstrap=0)


def test_mediator_absorbed_by_fixed_effects_is_refused():
    df = _panel()
    df["firm_level"] = df["firm"] * 0.1
    with pytest.raises(EstimationError, match="mediator 'firm_level' is constant within.*'firm'"):
        mediation(df, "y", "d", ["firm_level"], fixed_effects=["firm", "year"], bootstrap=0)
    df["d_firm"] = df["firm"] % 3
    with pytest.raises(EstimationError, match="treatment 'd_firm' is constant within"):
        mediation(df, "y", "d_firm", ["m1"], fixed_effects=["firm"], bootstrap=0)


def test_too_few_clusters_for_a_cluster_bootstrap():
    df = _panel(n_firms=6)
    with pytest.warns(hitex.HitexWarning), \
            pytest.raises(SpecificationError, match="only 6 clusters.*bootstrap=0"):
        mediation(df, "y", "d", "m1", fixed_effects=["firm"], vcov={"CRV1": "firm"},
                  bootstrap=1000)


def test_two_way_clustering_with_bootstrap_is_refused():
    df = _panel()
    with pytest.raises(SpecificationError, match="resamples one clustering"):
        mediation(df, "y", "d", "m1", vcov={"CRV1": "firm+year"}, bootstrap=1000)


def test_missing_column_is_named():
    with pytest.raises(ColumnNotFoundError, match="'m3'.*mediation"):
        mediation(_cross_section(), "y", "d", ["m1", "m3"], bootstrap=0)
    with pytest.raises(ColumnNotFoundError, match="'region'"):
        mediation(_cross_section(), "y", "d", "m1", vcov={"CRV1": "region"}, bootstrap=0)


def test_text_mediator_is_refused():
    df = _cross_section()
    df["txt"] = "a"
    with pytest.raises(HitexError, match="txt"):
        mediation(df, "y", "d", "txt", bootstrap=0)


@pytest.mark.parametrize("kw, match", [
    ({"bootstrap": -1}, "bootstrap=-1"),
    ({"bootstrap": 10.5}, "bootstrap=10.5"),
    ({"ci": "bca"}, "ci='bca'"),
    ({"ci_level": 95}, "ci_level=95"),
    ({"seed": "x"}, "seed='x'"),
])
def test_bad_options_are_refused(kw, match):
    with pytest.raises(SpecificationError, match=match):
        mediation(_cross_section(), "y", "d", "m1", **{"bootstrap": 0, **kw})


def test_missing_values_use_one_common_sample():
    df = _cross_section()
    df.loc[:9, "m2"] = np.nan
    res = mediation(df, "y", "d", ["m1", "m2"], bootstrap=0)
    assert {s.nobs for s in res.steps} == {len(df) - 10}
