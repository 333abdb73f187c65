"""Dropped regressors, 2SLS, cluster-variable errors, few clusters and the default pair cluster.

Every expectation is computed independently: dummy-variable least squares and
2SLS with numpy, first-stage F statistics from restricted and unrestricted
residual sums of squares, and published textbook numbers for Card (1995).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    EstimationError,
    FewClustersWarning,
)
from hitex.models.gravity import gravity
from hitex.models.inference import build_result
from hitex.models.results import ModelSpec
from hitex.report.tables import regression_table

RTOL = 1e-7


def _frame(seed: int = 0, n_units: int = 30, n_years: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_units)
    a = rng.normal(size=n_units)[unit]
    fdi = rng.normal(size=unit.size) + a
    gdppc = rng.lognormal(9, 1, size=unit.size)
    z = rng.normal(size=unit.size)
    w = rng.normal(size=unit.size)
    v = rng.normal(size=unit.size)
    endog = 0.8 * z + 0.5 * w + v + a
    y = (0.5 * fdi + 1e-4 * gdppc + 0.7 * endog - 0.3 * w + a + 0.1 * (year - 2000)
         + rng.normal(size=unit.size) + 0.6 * v)
    return pd.DataFrame({"unit": unit, "year": year, "fdi": fdi, "gdppc": gdppc, "z": z,
                         "w": w, "endog": endog, "y": y, "oecd": unit % 2})


def _dummies(df: pd.DataFrame) -> np.ndarray:
    """Unit dummies and year dummies but the first (full rank together)."""
    return np.column_stack([pd.get_dummies(df["unit"], dtype=float).to_numpy(),
                            pd.get_dummies(df["year"], dtype=float).to_numpy()[:, 1:]])


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and conventional variance s^2 (X'X)^-1, s^2 = e'e / (N - K)."""
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    return beta, resid @ resid / (len(y) - x.shape[1]) * xtx_inv


def _caught(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = func(*args, **kwargs)
    return res, [w for w in caught if issubclass(w.category, hitex.HitexWarning)]


# -- 1. any number of collinear copies is recorded -----------------------------------------

@pytest.mark.parametrize("copies", [1, 5, 6, 10])
def test_collinear_copies_are_all_recorded(copies):
    df = _frame()
    names = [f"c{j}" for j in range(1, copies + 1)]
    for j, name in enumerate(names, start=2):
        df[name] = j * df["fdi"]
    formula = f"y ~ fdi + {' + '.join(names)} | unit + year"
    res, caught = _caught(hitex.panel, formula, df, vcov="iid")
    assert list(res.params.index) == ["fdi"]
    recorded = [d for d in res.dropped if d.reason == "collinear"]
    assert [d.detail.split(":")[0] for d in recorded] == names
    absorbed = [w for w in caught if issubclass(w.category, AbsorbedRegressorWarning)]
    assert len(absorbed) == copies
    assert all(any(f"'{n}'" in note for note in res.spec.notes) for n in names)
    beta, var = _ols(df["y"].to_numpy(), np.column_stack([df["fdi"], _dummies(df)]))
    assert res.params["fdi"] == pytest.approx(beta[0], rel=RTOL)
    assert res.std_errors["fdi"] == pytest.approx(np.sqrt(var[0, 0]), rel=1e-6)
    notes = regression_table(res).notes
    assert any(f"'{names[-1]}' dropped: collinear" in n for n in notes)


# -- 2. exact and near collinearity --------------------------------------------------------

def test_exact_linear_combination_is_dropped_and_recorded():
    df = _frame()
    df["x1"] = df["fdi"] + df["gdppc"]
    df["x2"] = 2 * df["fdi"] + df["gdppc"] / 2
    df["x3"] = 3 * df["fdi"] + df["gdppc"] / 3  # = -5/9 x1 + 16/9 x2
    assert np.allclose(df["x3"], -5 / 9 * df["x1"] + 16 / 9 * df["x2"])
    res, caught = _caught(hitex.panel, "y ~ x1 + x2 + x3 | unit + year", df, vcov="iid")
    assert list(res.params.index) == ["x1", "x2"]
    assert [d.detail for d in res.dropped if d.reason == "collinear"] == [
        "x3: collinear with other regressors"]
    assert any("'x3'" in str(w.message) for w in caught)
    beta, var = _ols(df["y"].to_numpy(), np.column_stack([df[["x1", "x2"]], _dummies(df)]))
    assert res.params.to_numpy() == pytest.approx(beta[:2], rel=1e-6)
    assert res.std_errors.to_numpy() == pytest.approx(np.sqrt(np.diag(var)[:2]), rel=1e-5)
    for vcov in ("iid", "hetero", {"CRV1": "unit"}):
        assert np.isfinite(res.with_vcov(vcov).std_errors).all()


@pytest.mark.parametrize("scale", [1e3, 1e5])
def test_linear_combination_inside_formula_functions_is_dropped(scale):
    # terms computed in the formula are not rescaled: the engine's absolute
    # tolerance alone kept I(x3) with meaningless estimates
    df = _frame(seed=1)
    df["g"] = df["gdppc"] / df["gdppc"].std() * scale
    df["x1"] = df["fdi"] + df["g"]
    df["x2"] = 2 * df["fdi"] + df["g"] / 2
    df["x3"] = 3 * df["fdi"] + df["g"] / 3
    res, _ = _caught(hitex.panel, "y ~ I(x1) + I(x2) + I(x3) | unit + year", df, vcov="iid")
    assert list(res.params.index) == ["I(x1)", "I(x2)"]
    assert [d.reason for d in res.dropped] == ["collinear"]
    beta, _ = _ols(df["y"].to_numpy(), np.column_stack([df[["x1", "x2"]], _dummies(df)]))
    assert res.params.to_numpy() == pytest.approx(beta[:2], rel=1e-5)
    assert np.isfinite(res.std_errors).all()


def test_negative_variance_is_never_reported():
    vcov = np.array([[0.04, 0.0], [0.0, -1e-3]])  # by hand: Var(b) < 0
    fit = SimpleNamespace(_coefnames=["a", "b"], coef=lambda: np.array([1.0, 2.0]), _vcov=vcov,
                          _df_t=50, _N=60, _r2=0.5, _r2_within=None, _adj_r2=None)
    spec = ModelSpec(formula="y ~ a + b", depvar="y", regressors=("a", "b"))
    with pytest.raises(EstimationError, match=r"'b'.*negative or undefined.*collinear"):
        build_result(fit, spec, (), pd.RangeIndex(60))
    fit.coef = lambda: np.array([1.0, np.nan])
    fit._vcov = np.array([[0.04, 0.0], [0.0, np.nan]])
    with pytest.raises(EstimationError, match="'b'"):
        build_result(fit, spec, (), pd.RangeIndex(60))


# -- 3. a factor absorbed by the fixed effects ----------------------------------------------

def test_factor_absorbed_by_fixed_effect_warns_and_is_recorded():
    df = _frame()
    with pytest.warns(AbsorbedRegressorWarning, match=r"'C\(year\)'.*year fixed effect"):
        res = hitex.panel("y ~ fdi + C(year) | unit + year", df, vcov="iid")
    assert list(res.params.index) == ["fdi"]
    rec = [d for d in res.dropped if d.reason == "absorbed"]
    assert [d.detail for d in rec] == ["C(year): absorbed by the year fixed effect"]
    beta, _ = _ols(df["y"].to_numpy(), np.column_stack([df["fdi"], _dummies(df)]))
    assert res.params["fdi"] == pytest.approx(beta[0], rel=RTOL)
    # a transformed regressor constant within units names the unit fixed effect
    df["size"] = np.repeat(np.arange(1.0, 31.0), 10)
    with pytest.warns(AbsorbedRegressorWarning, match=r"'np.log\(size\)'.*unit fixed effect"):
        hitex.panel("y ~ fdi + np.log(size) | unit + year", df, vcov="iid")


# -- 4. a missing cluster variable is blamed on vcov ------------------------------------------

def test_missing_cluster_variable_names_vcov():
    df = _frame().rename(columns={"unit": "country"})
    with pytest.raises(ColumnNotFoundError) as err:
        hitex.panel("y ~ fdi | country + year", df, vcov={"CRV1": "country_id"})
    msg = str(err.value)
    assert "cluster variable 'country_id'" in msg and "vcov=" in msg
    assert "did you mean 'country'" in msg and "used in formula" not in msg
    with pytest.raises(ColumnNotFoundError, match=r"written with '\+'.*'country\+year'"):
        hitex.panel("y ~ fdi | country + year", df, vcov={"CRV1": "country year"})
    res, _ = _caught(hitex.panel, "y ~ fdi | country + year", df)
    with pytest.raises(ColumnNotFoundError, match="cluster variable 'region'"):
        res.with_vcov({"CRV1": "region"})


def test_missing_pair_column_names_pair(trade):
    with pytest.raises(ColumnNotFoundError, match=r"cluster variable 'dyad_code' in pair="):
        gravity("trade ~ x | exporter^year + importer^year", trade, pair="dyad_code")
    with pytest.raises(ColumnNotFoundError, match=r"cluster variable 'pairs'.*did you mean"):
        gravity("trade ~ x | exporter^year + importer^year", trade, vcov={"CRV1": "pairs"})


# -- 5. few clusters --------------------------------------------------------------------------

def test_few_clusters_warn_and_note():
    df = _frame()
    with pytest.warns(FewClustersWarning, match="'oecd' has 2 cluster"):
        res = hitex.panel("y ~ fdi | unit + year", df, vcov={"CRV1": "oecd"})
    assert res.spec.vcov_label == "Clustered (oecd)"
    assert any(n.startswith("Few clusters: 'oecd'") for n in res.spec.notes)
    assert any("Few clusters" in n for n in regression_table(res).notes)
    many, caught = _caught(res.with_vcov, {"CRV1": "unit"})  # 30 clusters
    assert not [w for w in caught if issubclass(w.category, FewClustersWarning)]
    assert not any("Few clusters" in n for n in many.spec.notes)
    # the estimates do not depend on the clustering; the SE follows the documented factor
    beta, _ = _ols(df["y"].to_numpy(), np.column_stack([df["fdi"], _dummies(df)]))
    assert res.params["fdi"] == pytest.approx(beta[0], rel=RTOL)
    assert np.isfinite(res.std_errors["fdi"])


# -- 6. 2SLS ----------------------------------------------------------------------------------

def _tsls(y, x, z):
    """2SLS coefficients, fitted regressors and residuals (numpy)."""
    xhat = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    beta = np.linalg.solve(xhat.T @ x, xhat.T @ y)
    return beta, xhat, y - x @ beta


def _rss(y, x):
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(resid @ resid)


CARD_CONTROLS = ["exper", "expersq", "black", "smsa", "south", "smsa66", "reg662", "reg663",
                 "reg664", "reg665", "reg666", "reg667", "reg668", "reg669"]


@pytest.fixture(scope="module")
def card(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")


def test_card_2sls_against_numpy_and_published(card):
    formula = f"lwage ~ {' + '.join(CARD_CONTROLS)} | educ ~ nearc4"
    res = hitex.panel(formula, card)
    assert res.spec.estimator == "2SLS (IV)"
    assert res.spec.endogenous == ("educ",) and res.spec.instruments == ("nearc4",)
    n = len(card)
    const = np.ones((n, 1))
    exog = np.column_stack([const, card[CARD_CONTROLS].to_numpy(float)])
    x = np.column_stack([exog, card["educ"]])
    z = np.column_stack([exog, card["nearc4"]])
    y = card["lwage"].to_numpy()
    beta, xhat, resid = _tsls(y, x, z)
    var = resid @ resid / (n - x.shape[1]) * np.linalg.inv(xhat.T @ xhat)
    assert res.params["educ"] == pytest.approx(beta[-1], rel=RTOL)
    assert res.std_errors["educ"] == pytest.approx(np.sqrt(var[-1, -1]), rel=1e-6)
    # Wooldridge, Introductory Econometrics, Example 15.4: educ .1315 (.0550)
    assert res.params["educ"] == pytest.approx(0.1315, abs=5e-5)
    assert res.std_errors["educ"] == pytest.approx(0.0550, abs=5e-5)
    # first-stage F of the excluded instrument, from residual sums of squares
    educ = card["educ"].to_numpy(float)
    rss_u, rss_r = _rss(educ, z), _rss(educ, exog)
    f_stat = (rss_r - rss_u) / (rss_u / (n - z.shape[1]))
    assert res.extra["first_stage_f"] == pytest.approx(f_stat, rel=1e-6)
    assert "Cragg-Donald" in res.extra["first_stage_f_type"]
    assert any(n.startswith("2SLS: 'educ' instrumented by 'nearc4'") for n in res.spec.notes)


def test_fixed_effects_2sls_conventional_and_clustered():
    df = _frame(seed=3)
    formula = "y ~ w | unit + year | endog ~ z"
    d = _dummies(df)
    n = len(df)
    x = np.column_stack([df[["w", "endog"]], d])
    z = np.column_stack([df[["w", "z"]], d])
    y = df["y"].to_numpy()
    beta, xhat, resid = _tsls(y, x, z)
    bread = np.linalg.inv(xhat.T @ xhat)

    iid = hitex.panel(formula, df, vcov="iid")
    assert iid.spec.estimator == "2SLS (IV, absorbed fixed effects)"
    assert list(iid.params.index) == ["w", "endog"]
    assert iid.params.to_numpy() == pytest.approx(beta[:2], rel=1e-6)
    var = resid @ resid / (n - x.shape[1]) * bread
    assert iid.std_errors.to_numpy() == pytest.approx(np.sqrt(np.diag(var)[:2]), rel=1e-5)

    clus, _ = _caught(hitex.panel, formula, df, vcov={"CRV1": "unit"})
    meat = np.zeros((x.shape[1], x.shape[1]))
    for g in np.unique(df["unit"]):
        s = xhat[df["unit"].to_numpy() == g].T @ resid[df["unit"].to_numpy() == g]
        meat += np.outer(s, s)
    groups = df["unit"].nunique()
    # reghdfe's K: 2 coefficients + 9 identified year levels + 1 for the unit FE nested
    # in the clusters (hitex.models.panel module docstring)
    k = 2 + 9 + 1
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    var_c = factor * bread @ meat @ bread
    assert clus.params.to_numpy() == pytest.approx(beta[:2], rel=1e-6)
    assert clus.std_errors.to_numpy() == pytest.approx(np.sqrt(np.diag(var_c)[:2]), rel=1e-5)
    assert "Kleibergen-Paap" in clus.extra["first_stage_f_type"]

    # conventional first-stage F with the fixed effects as dummies
    rss_u = _rss(df["endog"].to_numpy(), z)
    rss_r = _rss(df["endog"].to_numpy(), np.column_stack([df["w"], d]))
    f_stat = (rss_r - rss_u) / (rss_u / (n - z.shape[1]))
    assert iid.extra["first_stage_f"] == pytest.approx(f_stat, rel=1e-6)
    # the clustered first-stage Wald F: (b_z / se_z)^2 with the same factor
    fs_x = z
    fs_inv = np.linalg.inv(fs_x.T @ fs_x)
    fs_b = fs_inv @ fs_x.T @ df["endog"].to_numpy()
    fs_e = df["endog"].to_numpy() - fs_x @ fs_b
    meat = np.zeros((fs_x.shape[1], fs_x.shape[1]))
    for g in np.unique(df["unit"]):
        rows = df["unit"].to_numpy() == g
        s = fs_x[rows].T @ fs_e[rows]
        meat += np.outer(s, s)
    fs_var = factor * fs_inv @ meat @ fs_inv
    assert clus.extra["first_stage_f"] == pytest.approx(fs_b[1] ** 2 / fs_var[1, 1], rel=1e-5)
    # with_vcov recomputes the first-stage F and its note
    again = clus.with_vcov("iid")
    assert again.extra["first_stage_f"] == pytest.approx(f_stat, rel=1e-6)
    assert sum(n.startswith("2SLS: ") for n in again.spec.notes) == 1
    assert "Cragg-Donald" in [n for n in again.spec.notes if n.startswith("2SLS: ")][0]


# -- 7. one default pair cluster for every model on the same data ---------------------------

@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    c = [f"C{i}" for i in range(8)]
    rows = [(e, i, t) for e in c for i in c if e != i for t in (2000, 2001, 2002, 2003)]
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    key = df[["exporter", "importer"]].apply(lambda r: "-".join(sorted(r)), axis=1)
    df["pair_id"] = pd.factorize(key)[0]  # before 'pair' in the data, as users had it
    df["pair"] = key
    df["x"] = rng.normal(size=len(df))
    df["trade"] = rng.poisson(np.exp(1.5 + 0.3 * df["x"])).astype(float)
    return df


def test_default_pair_cluster_is_the_same_for_every_model(trade):
    one = gravity("trade ~ x | pair + year", trade)
    two = gravity("trade ~ x | exporter^year + importer^year", trade)
    assert one.spec.cluster == two.spec.cluster == ("pair",)  # first name of PAIR_NAMES
    assert one.spec.vcov_label == two.spec.vcov_label == "Clustered (pair)"
    note = regression_table([one, two]).notes[0]
    assert note == "Standard errors in parentheses: Clustered (pair)."
    n_pairs = trade["pair"].nunique()
    assert one.n_clusters == two.n_clusters == {"pair": n_pairs}
    explicit = gravity("trade ~ x | exporter^year + importer^year", trade, pair="pair_id")
    assert explicit.spec.cluster == ("pair_id",)
    # same groups, so the same standard error whichever pair column is used
    assert explicit.std_errors["x"] == pytest.approx(two.std_errors["x"], rel=1e-10)
