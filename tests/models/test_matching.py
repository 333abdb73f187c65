"""Tests of propensity-score matching: MatchIt's published balance numbers,
hand-computed equivalences, and bad input."""

from __future__ import annotations

import dataclasses
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    EstimationError,
    NonNumericError,
    SpecificationError,
)
from hitex.models.matching import MatchingResult, psm
from tests.conftest import load_reference

matplotlib.use("Agg")

LALONDE_COVS = ["age", "educ", "racehispan", "racewhite", "married", "nodegree", "re74", "re75"]
BALANCE_VARS = ["_pscore", "age", "educ", "raceblack", "racehispan", "racewhite", "married",
                "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde(reference_dir):
    df = pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "matchit_lalonde.csv")
    for level in ("black", "hispan", "white"):
        df["race" + level] = (df["race"] == level).astype(int)
    return df


# -- published numbers: R MatchIt summary() ------------------------------------------
@pytest.fixture(scope="module")
def matchit_fit(lalonde):
    return psm(lalonde, "treat", LALONDE_COVS, replace=False, common_support="none", outcome="re78")


@pytest.mark.parametrize("block, before_after", [("all", "before"), ("matched", "after")])
def test_matchit_balance_reproduced(matchit_fit, block, before_after):
    ref = load_reference("lalonde_matchit_nearest")
    bal = matchit_fit.balance(BALANCE_VARS)
    digits = ref["digits"]
    cols = {"means_treated": f"mean_treated_{before_after}",
            "means_control": f"mean_control_{before_after}",
            "std_mean_diff": f"smd_{before_after}", "var_ratio": f"var_ratio_{before_after}"}
    for key, col in cols.items():
        for var, expected in zip(BALANCE_VARS, ref[block][key], strict=True):
            got = bal.loc["pscore" if var == "_pscore" else var, col]
            if expected is None:
                assert math.isnan(got), (var, col)
            else:
                assert round(float(got), digits) == pytest.approx(expected, abs=0.6 * 10**-digits), (var, col)


def test_matchit_sample_sizes(matchit_fit):
    ref = load_reference("lalonde_matchit_nearest")["sample_sizes"]
    assert matchit_fit.n_treated == ref["treated_matched"]
    assert matchit_fit.n_controls_used == ref["control_matched"]
    sample = matchit_fit.matched_sample()
    assert int((sample["treat"] == 0).sum()) == ref["control_matched"]
    assert int((matchit_fit.weights[matchit_fit.scores.index] == 0).sum()) == ref["control_unmatched"]
    assert matchit_fit.score_model.converged


def test_att_equals_mean_of_pair_differences(matchit_fit, lalonde):
    pairs = matchit_fit.pairs
    y = lalonde["re78"]
    diff = y.loc[pairs["treated"]].to_numpy() - y.loc[pairs["control"]].to_numpy()
    assert matchit_fit.att == pytest.approx(diff.mean(), rel=1e-12)


# -- equivalences ------------------------------------------------------------------------
def _toy() -> pd.DataFrame:
    # treated at x = 0, 1, 1.05, 2; controls clearly nearest at 0.02, 1.02, 1.97
    rows = [(1, 0.0, 10.0), (1, 1.0, 12.0), (1, 1.05, 15.0), (1, 2.0, 20.0),
            (0, -3.0, 1.0), (0, 0.02, 3.0), (0, 0.8, 4.0), (0, 1.02, 6.0), (0, 1.5, 2.0),
            (0, 1.97, 9.0), (0, 4.0, 5.0), (0, 2.9, 7.0)]
    return pd.DataFrame(rows, columns=["d", "x", "y"])


def test_one_covariate_by_hand():
    res = psm(_toy(), "d", ["x"], outcome="y")
    # matches by hand: 0 -> 0.02 (y 3), 1 -> 1.02 (y 6), 1.05 -> 1.02 (y 6), 2 -> 1.97 (y 9)
    expected = ((10 - 3) + (12 - 6) + (15 - 6) + (20 - 9)) / 4
    assert res.att == pytest.approx(expected, rel=1e-12)
    assert res.n_treated == 4 and res.n_controls_used == 3
    w = res.weights
    assert w.loc[7] == 2.0 and w.loc[5] == 1.0 and w.loc[9] == 1.0


def test_ai2006_variance_by_hand():
    res = psm(_toy(), "d", ["x"], outcome="y", se="nnmatch")
    resid = np.array([10 - 3, 12 - 6, 15 - 6, 20 - 9], dtype=float)
    tau = resid.mean()
    # control 1.02 (y 6) serves two treated: K = 2, M = 1 -> K(K-1)/M^2 = 2.
    # its two nearest controls (J = 2) are 0.8 (y 4) and 1.5 (y 2): sigma2 = 2/3 (6 - 3)^2 = 6
    var = (np.sum((resid - tau) ** 2) + 2 * 6.0) / 4**2
    assert res.se_method == "ai2006"
    assert res.se == pytest.approx(math.sqrt(var), rel=1e-12)


def test_exact_match_case():
    # every treated unit has a control with identical covariates; their outcomes differ by 5
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    treat = pd.DataFrame({"d": 1, "x": x[:15], "y": 2 * x[:15] + 5})
    ctrl = pd.DataFrame({"d": 0, "x": x, "y": 2 * x})
    res = psm(pd.concat([treat, ctrl], ignore_index=True), "d", ["x"], outcome="y")
    assert res.att == pytest.approx(5.0, rel=1e-12)
    assert float(res.pairs["distance"].max()) == 0.0


def test_radius_covering_all_controls_is_difference_of_means():
    df = _toy()
    res = psm(df, "d", ["x"], outcome="y", method="radius", caliper=1.0, caliper_scale="score",
              se="none")
    diff = df.loc[df.d == 1, "y"].mean() - df.loc[df.d == 0, "y"].mean()
    assert res.att == pytest.approx(diff, rel=1e-12)
    assert res.se is None and res.se_method == "none" and res.n_controls_used == 8


def test_kernel_weights_are_epanechnikov():
    df = _toy()
    h = 0.3
    res = psm(df, "d", ["x"], outcome="y", method="kernel", bandwidth=h)
    p = res.scores
    t, c = df.index[df.d == 1], df.index[df.d == 0]
    effects = []
    for i in t:
        u = (p[c] - p[i]) / h
        k = np.where(np.abs(u) < 1, 0.75 * (1 - u**2), 0.0)
        if k.sum() > 0:
            effects.append(df.y[i] - np.sum(k * df.y[c]) / k.sum())
    assert res.att == pytest.approx(np.mean(effects), rel=1e-12)
    assert res.n_treated == len(effects)


def test_without_replacement_k2_uses_distinct_controls():
    res = psm(_toy(), "d", ["x"], k=2, replace=False)
    pairs = res.pairs
    assert pairs["control"].is_unique
    assert (pairs.groupby("treated").size() == 2).all()


def test_ties_are_all_kept_with_replacement():
    # teffects psmatch keeps every control tied with the k-th nearest
    df = pd.DataFrame({"d": [1, 1, 1, 0, 0, 0, 0, 0, 0],
                       "x": [1.0, 2.0, 2.2, 1.0, 1.0, 0.0, -1.0, 3.0, -2.0],
                       "y": [5.0, 6.0, 7.0, 1.0, 3.0, 0.0, 2.0, 4.0, 1.0]})
    res = psm(df, "d", ["x"], outcome="y")
    first = res.pairs.loc[res.pairs["treated"] == 0]
    assert sorted(first["control"]) == [3, 4] and np.allclose(first["weight"], 0.5)
    assert res.att == pytest.approx(((5 - 2) + (6 - 4) + (7 - 4)) / 3, rel=1e-12)


def test_caliper_in_sd_and_score_units_agree():
    df = _toy()
    a = psm(df, "d", ["x"], outcome="y", caliper=0.5)
    sd = float(np.std(a.scores, ddof=1))
    b = psm(df, "d", ["x"], outcome="y", caliper=0.5 * sd, caliper_scale="score")
    assert a.att == pytest.approx(b.att, rel=1e-12)


def test_probit_and_pooled_balance(lalonde):
    res = psm(lalonde, "treat", LALONDE_COVS, model="probit")
    bal = res.balance(sd="pooled")
    xt = lalonde.loc[lalonde.treat == 1, "age"]
    xc = lalonde.loc[lalonde.treat == 0, "age"]
    pooled = math.sqrt((xt.var() + xc.var()) / 2)
    assert bal.loc["age", "smd_before"] == pytest.approx((xt.mean() - xc.mean()) / pooled, rel=1e-12)
    assert res.support.n_treated_off_support >= 0 and res.score_model.model == "probit"


def test_result_is_immutable_and_plots(matchit_fit):
    assert isinstance(matchit_fit, MatchingResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        matchit_fit.att = 0.0  # type: ignore[misc]
    sample = matchit_fit.matched_sample()
    sample["_weight"] = -1
    assert (matchit_fit.weights >= 0).all()
    fig = matchit_fit.plot_scores()
    assert len(fig.axes) == 2
    tidy = matchit_fit.tidy()
    assert list(tidy.index) == ["ATT"] and "p_value" in tidy.columns
    assert "ATT on re78" in matchit_fit.summary()


# -- bad input -------------------------------------------------------------------------
def test_treatment_not_binary():
    df = _toy().assign(d=lambda f: f.d * 2)
    with pytest.raises(SpecificationError, match="'d' must be 0/1"):
        psm(df, "d", ["x"])


def test_no_treated_and_no_controls():
    with pytest.raises(EstimationError, match="no treated"):
        psm(_toy().assign(d=0), "d", ["x"])
    with pytest.raises(EstimationError, match="no control"):
        psm(_toy().assign(d=1), "d", ["x"])


def test_no_common_support():
    with pytest.raises(EstimationError, match="no common support"):
        psm(_toy(), "d", ["x"], caliper=1e-9, caliper_scale="score")


def test_perfect_prediction_names_the_covariate():
    df = _toy().assign(z=lambda f: f.d * 10 + f.x * 0.01)
    with pytest.raises(EstimationError, match="'z'.*perfectly"):
        psm(df, "d", ["x", "z"])


def test_missing_covariate_column():
    with pytest.raises(ColumnNotFoundError, match="'educ'"):
        psm(_toy(), "d", ["x", "educ"])


def test_text_in_covariate():
    df = _toy().assign(x=lambda f: f.x.astype(object))
    df.loc[3, "x"] = "n/a"
    with pytest.raises(NonNumericError, match="'x'"):
        psm(df, "d", ["x"])


def test_radius_needs_caliper():
    with pytest.raises(SpecificationError, match="caliper"):
        psm(_toy(), "d", ["x"], method="radius")


def test_non_convergence_warns(monkeypatch):
    from statsmodels.discrete.discrete_model import Logit

    from hitex.models.matching import ScoreConvergenceWarning

    original = Logit.fit

    def one_step(self, *args, **kwargs):  # an optimiser stopped early
        kwargs["maxiter"] = 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Logit, "fit", one_step)
    df = _toy().assign(x=lambda f: f.x * 1000)
    with pytest.warns(ScoreConvergenceWarning, match="did not converge"):
        res = psm(df, "d", ["x"])
    assert not res.score_model.converged
