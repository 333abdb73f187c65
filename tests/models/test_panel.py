"""hitex.panel against an independent dummy-variable computation and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    EstimationError,
    HitexError,
    NonNumericError,
    SpecificationError,
)

RTOL_COEF = 1e-8
RTOL_VAR = 1e-6


def _panel(seed: int = 0, n_units: int = 30, n_years: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_units)
    a = rng.normal(size=n_units)[unit]
    g = rng.normal(size=n_years)[year - 2000]
    x1 = rng.normal(size=unit.size) + a
    x2 = rng.normal(size=unit.size) + g
    y = 1.5 * x1 - 0.7 * x2 + a + g + rng.normal(size=unit.size) * (1 + 0.5 * np.abs(x1))
    return pd.DataFrame({"country": unit, "year": year, "x1": x1, "x2": x2, "y": y})


def _dummy_ols(df: pd.DataFrame, xs: list[str]):
    """Least squares with explicit unit and year dummies (numpy only)."""
    n = len(df)
    unit_d = pd.get_dummies(df["country"], dtype=float).to_numpy()
    year_d = pd.get_dummies(df["year"], dtype=float).to_numpy()[:, 1:]
    X = np.column_stack([df[xs].to_numpy(), unit_d, year_d])
    y = df["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    k_full = X.shape[1]
    # conventional (xtreg, fe / areg): s2 = e'e / (N - all parameters)
    s2 = resid @ resid / (n - k_full)
    v_iid = s2 * xtx_inv
    # cluster by country, reghdfe: G/(G-1) * (N-1)/(N-K), K = regressors + year levels
    # (the country effects are nested in the clusters and not counted; the constant is)
    groups = df["country"].to_numpy()
    meat = np.zeros((k_full, k_full))
    for g in np.unique(groups):
        s = X[groups == g].T @ resid[groups == g]
        meat += np.outer(s, s)
    n_groups = len(np.unique(groups))
    k_reghdfe = len(xs) + df["year"].nunique() - 1 + 1
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k_reghdfe)
    v_cl = factor * xtx_inv @ meat @ xtx_inv
    k = len(xs)
    return beta[:k], np.sqrt(np.diag(v_iid)[:k]), np.sqrt(np.diag(v_cl)[:k]), resid


def test_matches_dummy_variable_ols_conventional_and_clustered():
    df = _panel()
    beta, se_iid, se_cl, _ = _dummy_ols(df, ["x1", "x2"])
    res_iid = hitex.panel("y ~ x1 + x2 | country + year", df, vcov="iid")
    np.testing.assert_allclose(res_iid.params.to_numpy(), beta, rtol=RTOL_COEF)
    np.testing.assert_allclose(res_iid.std_errors.to_numpy(), se_iid, rtol=RTOL_VAR)
    res_cl = hitex.panel("y ~ x1 + x2 | country + year", df)  # default: cluster by country
    assert res_cl.spec.cluster == ("country",)
    np.testing.assert_allclose(res_cl.std_errors.to_numpy(), se_cl, rtol=RTOL_VAR)
    assert res_cl.n_clusters == {"country": 30}
    # p-values from t(G-1)
    from scipy import stats

    t = beta / se_cl
    np.testing.assert_allclose(res_cl.pvalues.to_numpy(), 2 * stats.t.sf(np.abs(t), 29), rtol=1e-6)


def test_result_contract_and_immutability():
    df = _panel()
    res = hitex.panel("y ~ x1 + x2 | country + year", df, vcov="iid")
    tidy = res.tidy()
    assert list(tidy.columns) == [
        "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"
    ]
    assert tidy.index.name == "term" and list(tidy.index) == ["x1", "x2"]
    ci = res.conf_int(0.90)
    from scipy import stats

    q = stats.t.ppf(0.95, res.df_resid)
    np.testing.assert_allclose(ci["conf_low"], res.params - q * res.std_errors)
    assert res.nobs == len(df)
    assert 0 < res.rsquared_within < res.rsquared < 1
    # attributes return copies: mutating them leaves the result unchanged
    p = res.params
    p.iloc[0] = 99.0
    assert res.params.iloc[0] != 99.0
    with pytest.raises(AttributeError):
        res.nobs = 3  # type: ignore[misc]
    # re-doing inference returns a new result
    res_h = res.with_vcov("hetero")
    assert res_h is not res and res.spec.vcov_type == "iid" and res_h.spec.vcov_type == "hetero"
    np.testing.assert_allclose(res_h.params, res.params)
    assert not np.allclose(res_h.std_errors, res.std_errors)
    assert "x1" in res.summary() and res.to_dict()["nobs"] == len(df)


def test_formula_spacing_is_normalised():
    df = _panel()
    a = hitex.panel("y ~ x1 + x2 |   country  +   year ", df)
    b = hitex.panel("y~x1+x2|country+year", df)
    assert a.spec.formula == "y ~ x1 + x2 | country+year"
    np.testing.assert_allclose(a.std_errors, b.std_errors)


def test_missing_values_and_singletons_are_recorded():
    df = _panel()
    df.loc[[0, 5], "x1"] = np.nan
    extra = pd.DataFrame({"country": [999], "year": [2000], "x1": [1.0], "x2": [1.0], "y": [0.0]})
    df = pd.concat([df, extra], ignore_index=True)
    res = hitex.panel("y ~ x1 + x2 | country + year", df)
    reasons = {d.reason: d.count for d in res.dropped}
    assert reasons["missing"] == 2
    assert reasons["singleton"] == 1
    assert res.nobs == len(df) - 3
    assert 0 not in res.sample_index and len(df) - 1 not in res.sample_index


def test_absorbed_regressor_warns_and_is_named():
    df = _panel()
    df["size"] = df["country"] * 2.0  # constant within country
    with pytest.warns(AbsorbedRegressorWarning, match="size.*country"):
        res = hitex.panel("y ~ x1 + size | country + year", df)
    assert "size" not in res.params.index
    assert any(d.reason == "absorbed" and "size" in d.detail for d in res.dropped)
    assert any("size" in n for n in res.spec.notes)


def test_only_regressor_absorbed_is_an_error():
    df = _panel()
    df["size"] = df["country"] * 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EstimationError):
            hitex.panel("y ~ size | country + year", df)


def test_missing_column():
    with pytest.raises(ColumnNotFoundError, match="'x3'"):
        hitex.panel("y ~ x1 + x3 | country + year", _panel())


def test_close_match_suggested():
    with pytest.raises(ColumnNotFoundError, match="did you mean"):
        hitex.panel("y ~ x_1 | country + year", _panel())


def test_duplicate_country_year():
    df = _panel()
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError, match=r"country, year"):
        hitex.panel("y ~ x1 | country + year", df)


def test_text_in_numeric_column():
    df = _panel()
    df["x1"] = df["x1"].astype(object)
    df.loc[4, "x1"] = "n/a"
    with pytest.raises(NonNumericError, match="x1.*'n/a'"):
        hitex.panel("y ~ x1 | country + year", df)


def test_empty_sample():
    df = _panel()
    df["x1"] = np.nan
    with pytest.raises(EmptySampleError, match="x1"):
        hitex.panel("y ~ x1 | country + year", df)


def test_all_zero_outcome():
    df = _panel()
    df["y"] = 0.0
    with pytest.raises(EstimationError, match="all zero"):
        hitex.panel("y ~ x1 | country + year", df)


@pytest.mark.parametrize("vcov", ["robust!", {"CRV9": "country"}, 3])
def test_bad_vcov(vcov):
    with pytest.raises(SpecificationError):
        hitex.panel("y ~ x1 | country + year", _panel(), vcov=vcov)


def test_bad_formula_and_data_type():
    with pytest.raises(SpecificationError):
        hitex.panel("y x1", _panel())
    with pytest.raises(HitexError):
        hitex.panel("y ~ x1", [1, 2, 3])  # type: ignore[arg-type]


def test_no_fixed_effects_is_plain_ols():
    df = _panel()
    X = np.column_stack([np.ones(len(df)), df[["x1", "x2"]].to_numpy()])
    beta = np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0]
    res = hitex.panel("y ~ x1 + x2", df)
    np.testing.assert_allclose(res.params[["Intercept", "x1", "x2"]].to_numpy(), beta, rtol=1e-8)
    assert res.spec.vcov_type == "iid" and res.rsquared_within is None


def test_cluster_k_counts_redundant_levels_exactly():
    """exporter^year + importer^year: one redundant level per year, as the rank of the
    dummy-variable design shows (computed here with numpy)."""
    rng = np.random.default_rng(11)
    rows = [(e, i, t) for e in range(7) for i in range(7) for t in range(3) if e != i]
    df = pd.DataFrame(rows, columns=["exp", "imp", "year"])
    df["pair"] = df["exp"] * 10 + df["imp"]
    df["x"] = rng.normal(size=len(df))
    df["y"] = 0.5 * df["x"] + rng.normal(size=len(df))
    d1 = pd.get_dummies(df["exp"].astype(str) + "_" + df["year"].astype(str), dtype=float)
    d2 = pd.get_dummies(df["imp"].astype(str) + "_" + df["year"].astype(str), dtype=float)
    X = np.column_stack([df[["x"]].to_numpy(), d1.to_numpy(), d2.to_numpy()])
    k_true = np.linalg.matrix_rank(X)
    assert k_true == 1 + d1.shape[1] + d2.shape[1] - 3  # one redundant level per year
    beta, *_ = np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)
    resid = df["y"].to_numpy() - X @ beta
    xtx_pinv = np.linalg.pinv(X.T @ X)
    meat = np.zeros((X.shape[1],) * 2)
    for g in df["pair"].unique():
        m = (df["pair"] == g).to_numpy()
        s = X[m].T @ resid[m]
        meat += np.outer(s, s)
    n, n_groups = len(df), df["pair"].nunique()
    v = xtx_pinv @ meat @ xtx_pinv * n_groups / (n_groups - 1) * (n - 1) / (n - k_true)
    res = hitex.panel("y ~ x | exp^year + imp^year", df, vcov={"CRV1": "pair"})
    assert res.params["x"] == pytest.approx(beta[0], rel=1e-8)
    assert res.std_errors["x"] == pytest.approx(np.sqrt(v[0, 0]), rel=1e-6)


def test_single_cluster_is_a_clean_error():
    df = _panel().assign(one=1)
    with pytest.raises(SpecificationError, match="at least 2 clusters"):
        hitex.panel("y ~ x1 | country + year", df, vcov={"CRV1": "one"})


def test_zero_weights_are_dropped_and_recorded():
    df = _panel()
    df["w"] = 1.0
    df.loc[:9, "w"] = 0.0
    res = hitex.panel("y ~ x1 | country + year", df, weights="w", vcov="iid")
    assert res.nobs == len(df) - 10
    assert any(d.reason == "zero_weight" and d.count == 10 for d in res.dropped)
    direct = hitex.panel("y ~ x1 | country + year", df.iloc[10:], weights="w", vcov="iid")
    assert res.params["x1"] == pytest.approx(direct.params["x1"], rel=1e-12)


def test_infinite_values_are_missing_and_recorded():
    df = _panel()
    df.loc[3, "x1"] = np.inf
    res = hitex.panel("y ~ x1 | country + year", df)
    reasons = {d.reason: d.count for d in res.dropped}
    assert reasons.get("non_finite") == 1 and "singleton" not in reasons
    assert res.nobs == len(df) - 1
