"""Standard errors of propensity-score matching: the Abadie-Imbens (2016) estimated-score
variance (teffects psmatch) against a plainly written implementation, the bootstrap of
kernel and radius matching against a loop of psm() on the same resamples, MatchIt's eCDF
balance statistics, and bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hitex.errors import HitexWarning, SpecificationError
from hitex.models.matching import psm
from tests.conftest import load_reference

LALONDE_COVS = ["age", "educ", "racehispan", "racewhite", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde(reference_dir):
    df = pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "matchit_lalonde.csv")
    for level in ("black", "hispan", "white"):
        df["race" + level] = (df["race"] == level).astype(int)
    df[["re74", "re75", "re78"]] = df[["re74", "re75", "re78"]] / 1000
    return df


# -- Abadie-Imbens (2016), written out plainly ----------------------------------------------
def _nearest(value, pool, k):
    """Indices of the k nearest pool values, every tie with the k-th kept."""
    dist = np.abs(pool - value)
    kth = np.sort(dist)[min(k, len(pool)) - 1]
    return [j for j in range(len(pool)) if dist[j] <= kth + 1e-12]


def _ai2016_by_hand(df, covs, k=1, n_nb=2, model="logit"):
    x = sm.add_constant(df[covs].to_numpy(dtype=float))
    d = df["treat"].to_numpy()
    y = df["re78"].to_numpy(dtype=float)
    fit = (sm.Logit if model == "logit" else sm.Probit)(d, x).fit(disp=False, method="newton")
    eta = x @ fit.params
    if model == "logit":
        p = 1 / (1 + np.exp(-eta))
        dens = p * (1 - p)
    else:
        from scipy.stats import norm

        p, dens = norm.cdf(eta), norm.pdf(eta)
    info = sum(dens[i] ** 2 / (p[i] * (1 - p[i])) * np.outer(x[i], x[i]) for i in range(len(d)))
    v_theta = np.linalg.inv(info)
    treated = [i for i in range(len(d)) if d[i] == 1]
    controls = [i for i in range(len(d)) if d[i] == 0]
    pc = p[controls]
    pt = p[treated]
    # matching estimator and the known-score (2006) variance
    y0 = {}
    w = dict.fromkeys(controls, 0.0)
    q = dict.fromkeys(controls, 0.0)
    for i in treated:
        match = [controls[j] for j in _nearest(p[i], pc, k)]
        y0[i] = np.mean([y[j] for j in match])
        for j in match:
            w[j] += 1 / len(match)
            q[j] += 1 / len(match) ** 2
    tau = np.mean([y[i] - y0[i] for i in treated])
    n1 = len(treated)
    v = sum((y[i] - y0[i] - tau) ** 2 for i in treated)
    for j in controls:
        others = [c for c in controls if c != j]
        nb = [others[m] for m in _nearest(p[j], p[others], n_nb)]
        sigma2 = len(nb) / (len(nb) + 1) * (y[j] - np.mean([y[m] for m in nb])) ** 2
        v += (w[j] ** 2 - q[j]) * sigma2
    v /= n1**2
    # the estimated-score adjustment
    y1 = {i: y[i] for i in treated}
    for j in controls:
        y1[j] = np.mean([y[treated[m]] for m in _nearest(p[j], pt, k)])
        y0[j] = y[j]

    def local_cov(i, group):
        nb = [group[m] for m in _nearest(p[i], p[group], n_nb)]
        if len(nb) < 2:
            return np.zeros(x.shape[1])
        xs, ys = x[nb], y[nb]
        return np.array([np.cov(xs[:, c], ys)[0, 1] for c in range(x.shape[1])])

    d_t = np.zeros(x.shape[1])
    c_t = np.zeros(x.shape[1])
    for i in treated + controls:
        cov1, cov0 = local_cov(i, treated), local_cov(i, controls)
        d_t += x[i] * dens[i] * (y1[i] - y0[i] - tau) + dens[i] * (cov1 - cov0)
        c_t += x[i] * dens[i] * (y1[i] - y0[i] - tau) + dens[i] * (cov1 + p[i] / (1 - p[i]) * cov0)
    d_t /= n1
    c_t /= n1
    return tau, math.sqrt(v), math.sqrt(v - c_t @ v_theta @ c_t + d_t @ v_theta @ d_t)


@pytest.mark.parametrize("k, model", [(1, "logit"), (3, "logit"), (1, "probit")])
def test_ai2016_equals_plain_implementation(lalonde, k, model):
    tau, se06, se16 = _ai2016_by_hand(lalonde, LALONDE_COVS, k=k, model=model)
    res = psm(lalonde, "treat", LALONDE_COVS, outcome="re78", k=k, model=model)
    assert res.se_method == "ai2016" and res.spec["se"] == "psmatch"
    assert res.att == pytest.approx(tau, rel=1e-10)
    assert res.se == pytest.approx(se16, rel=1e-7)
    known = psm(lalonde, "treat", LALONDE_COVS, outcome="re78", k=k, model=model, se="nnmatch")
    assert known.se_method == "ai2006"
    assert known.se == pytest.approx(se06, rel=1e-7)


def test_ai2016_invariant_to_covariate_units(lalonde):
    # the adjustment is a quadratic form in the score's design: rescaling and shifting
    # covariates changes neither the scores nor the standard error
    base = psm(lalonde, "treat", LALONDE_COVS, outcome="re78")
    scaled = lalonde.assign(re74=lalonde["re74"] * 1000 + 5, age=lalonde["age"] / 10 - 2)
    other = psm(scaled, "treat", LALONDE_COVS, outcome="re78")
    assert other.att == pytest.approx(base.att, rel=1e-9)
    assert other.se == pytest.approx(base.se, rel=1e-6)


def test_no_residual_variation_gives_a_missing_se_with_a_warning():
    # Y(1) - Y(0) = 2 for everyone and no noise: every imputation is exact and both
    # variances are zero; the standard error is reported missing, not as 0
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 2))
    d = (rng.uniform(size=300) < 1 / (1 + np.exp(-x[:, 0] + 0.5 * x[:, 1]))).astype(int)
    df = pd.DataFrame({"d": d, "x1": x[:, 0], "x2": x[:, 1], "y": 3.0 + 2.0 * d})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        known = psm(df, "d", ["x1", "x2"], outcome="y", se="nnmatch")
    assert known.att == pytest.approx(2.0, abs=1e-12) and known.se is None
    with pytest.warns(HitexWarning, match="not positive.*no residual variation"):
        estimated = psm(df, "d", ["x1", "x2"], outcome="y")
    assert estimated.se is None and estimated.se_method == "ai2016"


def test_adjustment_small_when_outcome_ignores_covariates():
    # outcome unrelated to the covariates, constant effect: c_t and d_t tend to zero, so the
    # estimated-score and known-score variances agree up to sampling noise
    rng = np.random.default_rng(8)
    n = 3000
    x = rng.normal(size=(n, 2))
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - x[:, 0] - 0.5 * x[:, 1]))).astype(int)
    df = pd.DataFrame({"d": d, "x1": x[:, 0], "x2": x[:, 1], "y": 2.0 * d + rng.normal(size=n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = psm(df, "d", ["x1", "x2"], outcome="y")
        b = psm(df, "d", ["x1", "x2"], outcome="y", se="nnmatch")
    assert a.se == pytest.approx(b.se, rel=0.05)


# -- bootstrap of kernel and radius matching ------------------------------------------------
def _loop_bootstrap(df, covs, reps, seed, **opts):
    draws = np.random.default_rng(seed).integers(0, len(df), size=(reps, len(df)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        atts = [psm(df.iloc[idx].reset_index(drop=True), "treat", covs, se="none", **opts).att
                for idx in draws]
    return float(np.std(atts, ddof=1))


@pytest.mark.parametrize("opts", [
    {"method": "kernel"},
    {"method": "kernel", "bandwidth": 0.02, "common_support": "minmax"},
    {"method": "radius", "caliper": 0.1},
    {"method": "radius", "caliper": 0.01, "caliper_scale": "score", "model": "probit"},
])
def test_bootstrap_equals_loop_over_resamples(lalonde, opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = psm(lalonde, "treat", LALONDE_COVS, outcome="re78", bootstrap_reps=20, seed=11,
                  **opts)
    assert res.se_method == "bootstrap" and res.spec["bootstrap_reps_used"] == 20
    expected = _loop_bootstrap(lalonde, LALONDE_COVS, 20, 11, outcome="re78", **opts)
    assert res.se == pytest.approx(expected, rel=1e-8)


def test_bootstrap_is_seeded(lalonde):
    def se(seed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return psm(lalonde, "treat", LALONDE_COVS, outcome="re78", method="kernel",
                       bootstrap_reps=10, seed=seed).se

    assert se(3) == se(3)
    assert se(3) != se(4)


def test_bootstrap_left_out_replicates_warn():
    # 3 treated among 12 units: some resamples draw no treated unit
    df = pd.DataFrame({"treat": [1, 1, 1] + [0] * 9,
                       "x": [0.5, 1.0, 1.5, 0.0, 0.2, 0.4, 0.6, 0.8, 1.1, 1.3, 1.6, 2.0],
                       "re78": np.arange(12.0)})
    with pytest.warns(HitexWarning, match="bootstrap replicates were left out"):
        res = psm(df, "treat", ["x"], outcome="re78", method="kernel", bandwidth=0.5,
                  bootstrap_reps=200, seed=0)
    assert res.spec["bootstrap_reps_used"] < 200 and res.se > 0


# -- MatchIt's eCDF statistics --------------------------------------------------------------
def test_matchit_ecdf_reproduced(lalonde):
    ref = load_reference("lalonde_matchit_ecdf")
    raw = lalonde.assign(re74=lalonde["re74"] * 1000, re75=lalonde["re75"] * 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = psm(raw, "treat", LALONDE_COVS, replace=False, outcome="re78")
    names = ["_pscore" if v == "distance" else v for v in ref["variables"]]
    bal = res.balance(names, ecdf=True)
    tol = 0.6 * 10 ** -ref["digits"]
    for block, when in (("all", "before"), ("matched", "after")):
        for stat in ("ecdf_mean", "ecdf_max"):
            for var, expected in zip(ref["variables"], ref[block][stat], strict=True):
                if var == "distance" and stat == "ecdf_mean":
                    continue  # see "not_compared" in the reference file
                got = bal.loc["pscore" if var == "distance" else var, f"{stat}_{when}"]
                assert got == pytest.approx(expected, abs=tol), (block, stat, var)


def test_balance_columns_unchanged_by_default(lalonde):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = psm(lalonde, "treat", LALONDE_COVS, replace=False)
    assert "ecdf_max_after" not in res.balance().columns
    assert "ecdf_max_after" in res.balance(ecdf=True).columns


# -- bad input -------------------------------------------------------------------------------
def _toy():
    return pd.DataFrame({"treat": [1, 1, 0, 0, 0, 0, 1, 0],
                         "x": [1.0, 2.0, 1.1, 2.2, 0.3, 3.0, 1.6, 1.4],
                         "re78": [5.0, 6.0, 1.0, 2.0, 3.0, 0.0, 4.0, 2.0]})


@pytest.mark.parametrize("kwargs, message", [
    ({"se": "robust"}, "se='robust' is not supported"),
    ({"se": "psmatch", "method": "kernel"}, "needs se='bootstrap'"),
    ({"se": "nnmatch", "method": "radius", "caliper": 0.5}, "needs se='bootstrap'"),
    ({"se": "psmatch", "replace": False}, "with replace=False use se='nnmatch'"),
    ({"se": "bootstrap"}, "not valid for nearest-neighbour"),
    ({"method": "kernel", "bootstrap_reps": 1}, "bootstrap_reps=1"),
    ({"variance_neighbors": 0}, "variance_neighbors=0"),
])
def test_bad_se_options(kwargs, message):
    with pytest.raises(SpecificationError, match=message):
        psm(_toy(), "treat", ["x"], outcome="re78", **kwargs)


def test_default_se_per_method():
    df = _toy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert psm(df, "treat", ["x"], outcome="re78").spec["se"] == "psmatch"
        assert psm(df, "treat", ["x"], outcome="re78", replace=False).spec["se"] == "nnmatch"
        assert psm(df, "treat", ["x"], outcome="re78", method="kernel", bandwidth=0.5,
                   bootstrap_reps=5).spec["se"] == "bootstrap"


@pytest.mark.slow
def test_ai2016_tracks_the_sampling_spread_in_simulation():
    # 150 samples of a design with an effect that varies with the covariates, so the
    # estimated-score adjustment matters: the average AI (2016) standard error is close to
    # the standard deviation of the ATT across samples (Monte Carlo error about 6%)
    rng = np.random.default_rng(2024)
    atts, ses = [], []
    for _ in range(150):
        n = 800
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        d = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - x1 - 0.5 * x2))).astype(int)
        y0 = x1 + x2 + rng.normal(size=n)
        y = np.where(d == 1, y0 + 1 - 3 * x2 + 2 * x1**2, y0)
        df = pd.DataFrame({"d": d, "x1": x1, "x2": x2, "y": y})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = psm(df, "d", ["x1", "x2"], outcome="y")
        atts.append(res.att)
        ses.append(res.se)
    ratio = np.mean(ses) / np.std(atts, ddof=1)
    assert 0.85 < ratio < 1.2
