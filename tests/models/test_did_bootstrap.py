"""Multiplier bootstrap with uniform bands, event-time windows (balance_e, min_e, max_e)
of the Callaway-Sant'Anna aggregation: R did 2.5.1 output, exact equivalences, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hitex.errors import EstimationError, SpecificationError
from hitex.models.did import att_gt, multiplier_bootstrap
from tests.conftest import load_reference

REF = load_reference("mpdta_did_covariates")
ARGS = ("lemp", "countyreal", "year", "first.treat")


@pytest.fixture(scope="module")
def mpdta(reference_dir):
    return pd.read_csv(reference_dir / "callaway_santanna_mpdta" / "mpdta.csv")


def _f025() -> pd.DataFrame:
    """The deterministic panel of the csdid-stata fixture f025 (recipe in the reference)."""
    rows = []
    for i in range(1, 49):
        g = 3 if i <= 16 else (4 if i <= 32 else 0)
        for t in range(1, 5):
            effect = 0.8 + 0.2 * (t - g) + 0.03 * g if g > 0 and t >= g else 0.0
            rows.append({"id": i, "time": t, "g": g,
                         "y": (i % 7) * 0.11 + 0.4 * t + effect + 0.02 * i * (t == 4)})
    return pd.DataFrame(rows)


# -- event-time windows against R did (analytical) ------------------------------------------
@pytest.mark.parametrize(("key", "kwargs"), [("dynamic_balance_e_1", {"balance_e": 1}),
                                             ("dynamic_min_e_m1_max_e_0",
                                              {"min_e": -1, "max_e": 0})])
def test_event_time_windows_equal_did(key, kwargs):
    ref = REF["balance_e_fixture"][key]
    res = att_gt(_f025(), "y", "id", "time", "g", est_method="reg")
    agg = res.aggregate("dynamic", **kwargs)
    assert agg.overall == pytest.approx(ref["overall"][0], rel=1e-10)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=1e-8)
    assert list(agg.estimates.index) == [row[0] for row in ref["rows"]]
    for e, att, se in ref["rows"]:
        assert agg.estimates.loc[e, "estimate"] == pytest.approx(att, abs=1e-12)
        if se is None:  # R: NA for a numerically zero SE
            assert np.isnan(agg.estimates.loc[e, "std_error"])
        else:
            assert agg.estimates.loc[e, "std_error"] == pytest.approx(se, rel=1e-8)


def test_balance_e_on_mpdta_equals_did_vignette(mpdta):
    ref = REF["models"]["dr_nocov_dynamic_balance_e_1"]
    agg = att_gt(mpdta, *ARGS).aggregate("dynamic", balance_e=1)
    assert round(agg.overall, 4) == pytest.approx(ref["overall"][0], abs=1e-12)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=0.15)
    for e, att, boot_se, _, _ in ref["rows"]:
        assert round(agg.estimates.loc[e, "estimate"], 4) == pytest.approx(att, abs=1e-12)
        assert agg.estimates.loc[e, "std_error"] == pytest.approx(boot_se, rel=0.15)
    assert agg.balance_e == 1


def test_balance_e_keeps_groups_observed_long_enough(mpdta):
    """Oracle: with balance_e = 1, event time 1 averages the cells of the groups 2004 and
    2006 with weights proportional to their sizes (group 2007 has no e = 1)."""
    res = att_gt(mpdta, *ARGS)
    est = res.estimates.set_index(["group", "time"])
    size = mpdta.drop_duplicates("countyreal")["first.treat"].value_counts()
    w = np.array([size[2004], size[2006]], dtype=float)
    e0 = np.array([est.loc[(2004, 2004), "estimate"], est.loc[(2006, 2006), "estimate"]])
    agg = res.aggregate("dynamic", balance_e=1)
    assert agg.estimates.loc[0, "estimate"] == pytest.approx(w @ e0 / w.sum(), rel=1e-12)
    # e runs from the earliest pre-period of the kept groups (2006: 2004 - 2006) to balance_e
    assert list(agg.estimates.index) == [-2, -1, 0, 1]


# -- multiplier bootstrap ------------------------------------------------------------------
def test_bootstrap_against_did_printout(mpdta):
    """did's printed bootstrap SEs (1000 unseeded draws) and the critical value of its
    simultaneous band (half-width / SE): loose checks, the draws differ."""
    for key, control in (("dr_lpop_nevertreated", "nevertreated"),
                         ("dr_lpop_notyettreated", "notyettreated")):
        ref = np.array(REF["models"][key]["att_gt"])
        res = att_gt(mpdta, *ARGS, covariates=["lpop"], control_group=control,
                     bootstrap=True, seed=20240611)
        assert res.band == "uniform"
        np.testing.assert_allclose(res.estimates["std_error"], ref[:, 3], rtol=0.2)
        printed_crit = np.median((ref[:, 5] - ref[:, 4]) / 2 / ref[:, 3])
        assert res.critical_value == pytest.approx(printed_crit, rel=0.1)
        half = (res.estimates["conf_high"] - res.estimates["conf_low"]) / 2
        np.testing.assert_allclose(half, res.critical_value * res.estimates["std_error"])


def test_bootstrap_is_seeded_and_equals_a_plain_loop(mpdta):
    res = att_gt(mpdta, *ARGS, bootstrap=True, n_boot=400, seed=7)
    again = att_gt(mpdta, *ARGS, bootstrap=True, n_boot=400, seed=7)
    pd.testing.assert_frame_equal(res.estimates, again.estimates)
    psi = res.influence
    n, k = psi.shape
    # plain loop with the same Mammen draws; R's quantile(type = 1) by hand
    rng = np.random.default_rng(7)
    u = rng.random((400, n))
    p = (math.sqrt(5) + 1) / (2 * math.sqrt(5))
    v = np.where(u < p, (1 - math.sqrt(5)) / 2, (1 + math.sqrt(5)) / 2)
    draws = np.array([[np.mean(psi[:, j] * v[b]) for j in range(k)] for b in range(400)])

    def type1(x, prob):
        s = np.sort(x)
        return s[math.ceil(prob * len(s)) - 1]

    iqr = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)
    se = np.array([(type1(draws[:, j], 0.75) - type1(draws[:, j], 0.25)) / iqr
                   for j in range(k)])
    crit = type1(np.max(np.abs(draws) / se, axis=1), 0.95)
    np.testing.assert_allclose(res.estimates["std_error"], se, rtol=1e-12)
    assert res.critical_value == pytest.approx(crit, rel=1e-12)
    boot = multiplier_bootstrap(psi, n_boot=400, seed=7)
    np.testing.assert_allclose(boot.std_errors, se, rtol=1e-12)


def test_bootstrap_converges_to_the_analytical_inference(mpdta):
    res = att_gt(mpdta, *ARGS)
    psi = res.influence
    boot = multiplier_bootstrap(psi, n_boot=20000, seed=3)
    np.testing.assert_allclose(boot.std_errors, res.estimates["std_error"], rtol=0.05)
    # one estimate with a normal-looking influence function: the band is the pointwise z
    normal = np.random.default_rng(1).normal(size=(4000, 1))
    one = multiplier_bootstrap(normal, n_boot=20000, seed=3)
    assert one.critical_value == pytest.approx(stats.norm.ppf(0.975), abs=0.06)
    # Mammen weights: mean 0, variance 1, third moment 1
    rng = np.random.default_rng(0)
    p = (math.sqrt(5) + 1) / (2 * math.sqrt(5))
    v = np.where(rng.random(400000) < p, (1 - math.sqrt(5)) / 2, (1 + math.sqrt(5)) / 2)
    assert v.mean() == pytest.approx(0, abs=0.01)
    assert v.var() == pytest.approx(1, abs=0.01)
    assert np.mean(v**3) == pytest.approx(1, abs=0.02)


def test_bootstrapped_aggregations_use_the_same_draws(mpdta):
    res = att_gt(mpdta, *ARGS, bootstrap=True, seed=11)
    dyn = res.aggregate("dynamic")
    again = res.aggregate("dynamic")
    assert dyn.overall_se == again.overall_se
    assert dyn.band == "uniform" and dyn.inference == "multiplier bootstrap"
    assert dyn.critical_value >= stats.norm.ppf(0.975)
    analytic = att_gt(mpdta, *ARGS).aggregate("dynamic")
    np.testing.assert_allclose(dyn.estimates["std_error"], analytic.estimates["std_error"],
                               rtol=0.2)
    assert dyn.overall == pytest.approx(analytic.overall, rel=1e-12)
    pointwise = att_gt(mpdta, *ARGS, bootstrap=True, seed=11, uniform_band=False)
    assert pointwise.band == "pointwise"
    assert pointwise.critical_value == pytest.approx(stats.norm.ppf(0.975))
    assert pointwise.aggregate("group").band == "pointwise"
    assert "multiplier bootstrap" in res.summary()


# -- bad input -------------------------------------------------------------------------------
def test_bad_window_and_bootstrap_arguments(mpdta):
    res = att_gt(mpdta, *ARGS)
    with pytest.raises(SpecificationError, match="aggregate\\('dynamic'\\) only"):
        res.aggregate("group", balance_e=1)
    with pytest.raises(SpecificationError, match="balance_e=-1"):
        res.aggregate("dynamic", balance_e=-1)
    with pytest.raises(SpecificationError, match="integer"):
        res.aggregate("dynamic", min_e=0.5)
    with pytest.raises(EstimationError, match="no event times"):
        res.aggregate("dynamic", min_e=10)
    with pytest.raises(EstimationError, match="no post-treatment"):
        res.aggregate("dynamic", max_e=-1)
    with pytest.raises(SpecificationError, match="n_boot"):
        att_gt(mpdta, *ARGS, bootstrap=True, n_boot=1)
    with pytest.raises(SpecificationError, match="influence"):
        multiplier_bootstrap(np.empty((0, 2)))
    with pytest.raises(EstimationError, match="missing or infinite"):
        multiplier_bootstrap(np.array([[1.0], [np.nan]]))
    with pytest.raises(SpecificationError, match="level"):
        multiplier_bootstrap(np.ones((3, 1)), level=95)


def test_bootstrapped_balance_e_band_against_did_vignette(mpdta):
    """did's printed simultaneous band of aggte(type = 'dynamic', balance_e = 1): its
    critical value (half-width / SE) and SEs, loosely (did's draws are unseeded)."""
    ref = REF["models"]["dr_nocov_dynamic_balance_e_1"]
    rows = np.array(ref["rows"])
    agg = att_gt(mpdta, *ARGS, bootstrap=True, seed=2021).aggregate("dynamic", balance_e=1)
    assert agg.band == "uniform"
    printed_crit = np.median((rows[:, 4] - rows[:, 3]) / 2 / rows[:, 2])
    assert agg.critical_value == pytest.approx(printed_crit, rel=0.1)
    np.testing.assert_allclose(agg.estimates["std_error"], rows[:, 2], rtol=0.2)
    assert agg.overall_se == pytest.approx(ref["overall"][1], rel=0.15)
