"""Tests of staggered DiD (Callaway-Sant'Anna), event studies and PSM-DiD:
published R did / fixest numbers, independent oracles, simulated effects, bad input."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from hitex.errors import EstimationError, HitexError, SpecificationError
from hitex.models.did import DiDDataWarning, att_gt, psm_did, twfe_did
from hitex.models.event import event_study, plot_event_study, sun_abraham, wald_test
from tests.conftest import load_reference

matplotlib.use("Agg")


# -- published numbers: R did on mpdta ------------------------------------------------
@pytest.fixture(scope="module")
def mpdta(reference_dir):
    return pd.read_csv(reference_dir / "callaway_santanna_mpdta" / "mpdta.csv")


@pytest.fixture(scope="module")
def mpdta_fit(mpdta):
    return att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")


@pytest.mark.parametrize("model", [0, 1])
def test_att_gt_reproduces_did(mpdta_fit, model):
    ref = load_reference("mpdta_did")["models"][model]
    est = mpdta_fit.estimates.set_index(["group", "time"])
    assert len(est) == len(ref["att_gt"])
    for g, t, att, boot_se in ref["att_gt"]:
        assert round(est.loc[(g, t), "estimate"], 4) == pytest.approx(att, abs=1e-12)
        # printed SEs are from the multiplier bootstrap: loose check only
        assert est.loc[(g, t), "std_error"] == pytest.approx(boot_se, rel=0.15)
    assert round(mpdta_fit.pretrend_test().p_value, 5) == pytest.approx(ref["pretest_p_value"])


@pytest.mark.parametrize("model", [0, 1])
def test_dynamic_aggregation_reproduces_did(mpdta_fit, model):
    ref = load_reference("mpdta_did")["models"][model]["dynamic"]
    agg = mpdta_fit.aggregate("dynamic")
    assert round(agg.overall, 4) == pytest.approx(ref["overall"][0], abs=1e-12)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=0.15)
    for e, att, boot_se in ref["event_time"]:
        assert round(agg.estimates.loc[e, "estimate"], 4) == pytest.approx(att, abs=1e-12)
        assert agg.estimates.loc[e, "std_error"] == pytest.approx(boot_se, rel=0.15)


def test_group_aggregation_reproduces_did(mpdta_fit):
    ref = load_reference("mpdta_did")["models"][0]["group"]
    agg = mpdta_fit.aggregate("group")
    assert round(agg.overall, 3) == pytest.approx(ref["overall"][0], abs=1e-12)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=0.15)
    for g, att, boot_se in ref["groups"]:
        assert round(agg.estimates.loc[g, "estimate"], 4) == pytest.approx(att, abs=1e-12)
        assert agg.estimates.loc[g, "std_error"] == pytest.approx(boot_se, rel=0.15)


def test_simple_and_calendar_are_weighted_means_of_cells(mpdta, mpdta_fit):
    est = mpdta_fit.estimates
    post = est.loc[est["post"]]
    units = mpdta.drop_duplicates("countyreal")
    size = units["first.treat"].value_counts()
    w = post["group"].map(size).to_numpy(dtype=float)
    simple = mpdta_fit.aggregate("simple")
    assert simple.overall == pytest.approx(np.sum(w * post["estimate"]) / w.sum(), abs=1e-12)
    cal = mpdta_fit.aggregate("calendar")
    cell = post.loc[post["time"] == 2006]
    wc = cell["group"].map(size).to_numpy(dtype=float)
    assert cal.estimates.loc[2006, "estimate"] == pytest.approx(
        np.sum(wc * cell["estimate"]) / wc.sum(), abs=1e-12)
    assert cal.overall == pytest.approx(cal.estimates["estimate"].mean(), abs=1e-12)


# -- published numbers: fixest sunab on base_stagg ------------------------------------
@pytest.fixture(scope="module")
def base_stagg(reference_dir):
    return pd.read_csv(reference_dir / "fixest_base_stagg_sunab" / "base_stagg.csv")


def test_sun_abraham_reproduces_fixest(base_stagg):
    ref = load_reference("base_stagg_sunab")
    res = sun_abraham(base_stagg, "y", "id", "year", "year_treated", covariates=["x1"])
    reg = res.regression
    assert reg.nobs == ref["observations"]
    x1_est, x1_se = ref["estimates"]["x1"]
    assert round(float(reg.params["x1"]), 6) == pytest.approx(x1_est, abs=1e-12)
    assert round(float(reg.std_errors["x1"]), 6) == pytest.approx(x1_se, abs=1e-12)
    att, att_se = ref["estimates"]["ATT"]
    assert round(res.att, 6) == pytest.approx(att, abs=1e-12)
    assert round(res.att_se, 6) == pytest.approx(att_se, abs=1e-12)
    for cell in ref["pre_period_cells"]:
        e = cell["rel_time"]
        term = f"sa_c{cell['cohort']}_m{-e}"
        assert round(float(reg.params[term]), 6) == pytest.approx(cell["estimate"], abs=1e-12)
        assert round(float(reg.std_errors[term]), 6) == pytest.approx(cell["std_error"],
                                                                      abs=1e-12)


def test_event_studies_plot_and_pretrend(base_stagg):
    twfe = event_study(base_stagg, "y", "id", "year", "year_treated", covariates=["x1"])
    sa = sun_abraham(base_stagg, "y", "id", "year", "year_treated", covariates=["x1"])
    for res in (twfe, sa):
        assert res.estimates.loc[-1, "estimate"] == 0
        test = res.pretrend_test()
        assert test.df == 8
        assert 0 <= test.p_value <= 1
    # Sun-Abraham period -9 has only cohort 10: equals that cell's coefficient
    assert sa.estimates.loc[-9, "estimate"] == pytest.approx(
        float(sa.regression.params["sa_c10_m9"]), abs=1e-12)
    ax = plot_event_study(sa)
    assert ax.get_xlabel() == "Periods relative to treatment"
    matplotlib.pyplot.close("all")


def test_wald_test_oracle():
    # b = (1, 2), V = diag(1, 4): W = 1 + 1 = 2, chi2(2) p = exp(-1)
    res = wald_test([1.0, 2.0], np.diag([1.0, 4.0]))
    assert res.statistic == pytest.approx(2.0)
    assert res.df == 2
    assert res.p_value == pytest.approx(np.exp(-1.0))


# -- independent oracles and simulations ----------------------------------------------
def _two_by_two() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(40):
        treated = i < 15
        base = rng.normal(size=1)[0]
        for t in (1, 2):
            y = base + 0.5 * t + (2.0 if treated and t == 2 else 0.0) + rng.normal(scale=0.3)
            rows.append({"id": i, "t": t, "y": y, "g": 2 if treated else 0,
                         "d": int(treated and t == 2)})
    return pd.DataFrame(rows)


def test_two_by_two_equals_difference_of_means():
    df = _two_by_two()
    means = df.groupby([df["g"] > 0, "t"])["y"].mean()
    oracle = (means[(True, 2)] - means[(True, 1)]) - (means[(False, 2)] - means[(False, 1)])
    cs = att_gt(df, "y", "id", "t", "g")
    assert float(cs.estimates["estimate"].iloc[0]) == pytest.approx(oracle, abs=1e-12)
    # analytical SE: sqrt(var_1 / n_1 + var_0 / n_0) of the changes (variances with 1/n)
    wide = df.pivot(index="id", columns="t", values="y")
    dy = wide[2] - wide[1]
    is_t = df.groupby("id")["g"].first() > 0
    se = np.sqrt(dy[is_t].var(ddof=0) / is_t.sum() + dy[~is_t].var(ddof=0) / (~is_t).sum())
    assert float(cs.estimates["std_error"].iloc[0]) == pytest.approx(se, rel=1e-10)
    twfe = twfe_did(df, "y", "d", "id", "t")
    assert float(twfe.params["d"]) == pytest.approx(oracle, abs=1e-10)


def _staggered(seed: int = 3, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 3, 5, 7], size=n)
    rows = []
    for i, g in enumerate(cohorts):
        a = rng.normal() + 0.3 * g
        for t in range(1, 9):
            e = t - g
            effect = (1.0 + 0.5 * e) if g > 0 and e >= 0 else 0.0
            rows.append({"id": i, "t": t, "g": g, "d": int(g > 0 and e >= 0),
                         "y": a + 0.2 * t + effect + rng.normal(scale=0.5)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("control_group", ["nevertreated", "notyettreated"])
def test_simulated_staggered_effects_recovered(control_group):
    df = _staggered()
    res = att_gt(df, "y", "id", "t", "g", control_group=control_group)
    dyn = res.aggregate("dynamic").estimates
    for e in range(0, 4):
        assert dyn.loc[e, "estimate"] == pytest.approx(1.0 + 0.5 * e, abs=4 * dyn.loc[e, "std_error"])
    for e in (-2, -1):
        assert abs(dyn.loc[e, "estimate"]) < 4 * dyn.loc[e, "std_error"]
    sa = sun_abraham(df, "y", "id", "t", "g")
    assert sa.estimates.loc[2, "estimate"] == pytest.approx(2.0, abs=4 * sa.estimates.loc[2, "std_error"])


def test_psm_did_once_and_by_period():
    rng = np.random.default_rng(11)
    rows = []
    for i in range(300):
        x = rng.normal()
        treated = rng.random() < 1 / (1 + np.exp(-x))
        for t in range(1, 6):
            rows.append({"id": i, "t": t, "x": x + rng.normal(scale=0.1),
                         "d": int(treated and t >= 3),
                         "y": x + 0.3 * t + (1.5 if treated and t >= 3 else 0) + rng.normal(scale=0.3)})
    df = pd.DataFrame(rows)
    once = psm_did(df, "y", "d", "id", "t", ["x"], how="once")
    assert once.estimate == pytest.approx(1.5, abs=0.2)
    assert once.matching.n_treated > 0
    assert "Estimator" in once.summary()
    by = psm_did(df, "y", "d", "id", "t", ["x"], how="by_period", use_weights=False)
    assert set(by.matching) == {1, 2, 3, 4, 5}
    assert by.estimate == pytest.approx(1.5, abs=0.2)
    assert not by.balance().empty


# -- bad input -------------------------------------------------------------------------
def test_treatment_not_binary():
    df = _two_by_two()
    df.loc[0, "d"] = 2
    with pytest.raises(SpecificationError, match="'d' must be 0/1"):
        twfe_did(df, "y", "d", "id", "t")
    with pytest.raises(SpecificationError, match="'d' must be 0/1"):
        psm_did(df, "y", "d", "id", "t", ["y"])


def test_no_treated_or_no_controls():
    df = _two_by_two()
    with pytest.raises(EstimationError, match="no treated units"):
        att_gt(df.assign(g=0), "y", "id", "t", "g")
    with pytest.raises(EstimationError, match="no never-treated units"):
        att_gt(df.assign(g=2), "y", "id", "t", "g")
    stag = _staggered(n=200)
    stag = stag.loc[stag["g"] > 0]
    with pytest.raises(EstimationError, match="no not-yet-treated"):
        att_gt(stag, "y", "id", "t", "g", control_group="notyettreated")
    with pytest.raises(EstimationError, match="no untreated"):
        twfe_did(df.assign(d=1), "y", "d", "id", "t")


def test_unit_treated_before_panel_starts_warns_and_is_dropped():
    df = _staggered(n=200)
    df.loc[df["id"] == 0, "g"] = 1
    with pytest.warns(DiDDataWarning, match="before the first period"):
        res = att_gt(df, "y", "id", "t", "g")
    assert res.n_units == 199


def test_group_not_constant_within_unit():
    df = _staggered(n=100)
    mask = (df["id"] == 5) & (df["t"] == 2)
    df.loc[mask, "g"] = 3 if int(df.loc[mask, "g"].iloc[0]) != 3 else 5
    with pytest.raises(SpecificationError, match="not constant within unit"):
        att_gt(df, "y", "id", "t", "g")
    with pytest.raises(HitexError, match="not constant within unit"):
        sun_abraham(df, "y", "id", "t", "g")


def test_dynamic_balance_e_reproduces_did(mpdta_fit):
    ref = load_reference("mpdta_did")["models"][1]["dynamic_balance_e_1"]
    agg = mpdta_fit.aggregate("dynamic", balance_e=1)
    assert round(agg.overall, 4) == pytest.approx(ref["overall"][0], abs=1e-12)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=0.15)
    assert 0 < agg.overall_p_value < 0.05
