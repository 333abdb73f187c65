"""Moderation analysis: statsmodels by hand, the delta-method formula, centring, plots, bad input."""

from __future__ import annotations

import dataclasses
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import hitex
from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    EstimationError,
    SpecificationError,
)
from hitex.models.moderation import ModerationResult, moderation

matplotlib.use("Agg")


def _cross_section(n: int = 300, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = 2 + rng.normal(size=n)
    c = rng.normal(size=n)
    d = 0.3 * m + rng.normal(size=n)
    y = 0.5 * d + 0.3 * m + 0.4 * d * m + 0.2 * c + rng.normal(size=n)
    return pd.DataFrame({"y": y, "d": d, "m": m, "c": c})


def _panel(n_firms: int = 40, n_years: int = 6, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(n_firms), n_years),
                       "year": np.tile(np.arange(2015, 2015 + n_years), n_firms)})
    n = len(df)
    size = rng.normal(size=n_firms)
    df["size"] = size[df.firm]  # a firm characteristic: constant within firm
    df["m"] = df["size"] + 0.5 * rng.normal(size=n)
    df["d"] = rng.normal(size=n) + 0.3 * df["size"]
    df["c"] = rng.normal(size=n)
    df["y"] = (0.4 * df.d + 0.3 * df.d * df["size"] + 0.2 * df.d * df.m + df["size"]
               + 0.1 * (df.year - 2015) + 0.3 * df.c + rng.normal(size=n))
    return df


def test_coefficients_equal_statsmodels_with_and_without_centring():
    df = _cross_section()
    ols = smf.ols("y ~ d * m + c", df).fit()
    raw = moderation(df, "y", "d", "m", controls=["c"], vcov="iid", center=False)
    cen = moderation(df, "y", "d", "m", controls=["c"], vcov="iid", center=True)
    assert raw.params["d"] == pytest.approx(ols.params["d"], rel=1e-8)
    assert raw.params["m"] == pytest.approx(ols.params["m"], rel=1e-8)
    assert raw.params["d_x_m"] == pytest.approx(ols.params["d:m"], rel=1e-8)
    assert raw.std_errors["d_x_m"] == pytest.approx(ols.bse["d:m"], rel=1e-6)
    # centring: the treatment's coefficient becomes its effect at the mean moderator;
    # the moderator's and the product's coefficients and standard errors do not change
    mbar = df["m"].mean()
    assert cen.moderator_mean == pytest.approx(mbar)
    assert cen.params["d"] == pytest.approx(ols.params["d"] + ols.params["d:m"] * mbar, rel=1e-8)
    assert cen.params["m_c"] == pytest.approx(ols.params["m"], rel=1e-8)
    for term in ("d_x_m",):
        assert cen.params[term] == pytest.approx(raw.params[term], rel=1e-10)
        assert cen.std_errors[term] == pytest.approx(raw.std_errors[term], rel=1e-8)
    assert cen.std_errors["m_c"] == pytest.approx(raw.std_errors["m"], rel=1e-8)
    assert cen.rsquared == pytest.approx(raw.rsquared, rel=1e-12)
    pd.testing.assert_frame_equal(cen.marginal_effects([0.0, 1.0, 3.5]),
                                  raw.marginal_effects([0.0, 1.0, 3.5]), rtol=1e-8)


@pytest.mark.parametrize("center", [False, True])
def test_marginal_effects_equal_the_hand_formula(center):
    df = _cross_section()
    ols = smf.ols("y ~ d * m + c", df).fit()
    b, v = ols.params, ols.cov_params()
    at = np.array([0.5, 2.0, 3.0])
    est = b["d"] + b["d:m"] * at
    se = np.sqrt(v.loc["d", "d"] + at ** 2 * v.loc["d:m", "d:m"] + 2 * at * v.loc["d", "d:m"])
    q = stats.t.ppf(0.95, ols.df_resid)
    me = moderation(df, "y", "d", "m", controls=["c"], vcov="iid", center=center) \
        .marginal_effects(at, level=0.90)
    assert list(me.columns) == ["moderator", "estimate", "std_error", "statistic", "p_value",
                                "conf_low", "conf_high"]
    np.testing.assert_allclose(me["estimate"], est, rtol=1e-8)
    np.testing.assert_allclose(me["std_error"], se, rtol=1e-6)
    np.testing.assert_allclose(me["conf_low"], est - q * se, rtol=1e-6)
    np.testing.assert_allclose(me["p_value"], 2 * stats.t.sf(np.abs(est / se), ols.df_resid),
                               rtol=1e-5)


def test_marginal_effects_with_fixed_effects_and_clusters():
    df = _panel()
    res = moderation(df, "y", "d", "m", controls=["c"], fixed_effects=["firm", "year"],
                     vcov={"CRV1": "firm"})
    dummies = smf.ols("y ~ d * m + c + C(firm) + C(year)", df).fit()
    assert res.params["d_x_m"] == pytest.approx(dummies.params["d:m"], rel=1e-8)
    b, v = res.params, res.vcov
    c = res.moderator_mean
    for m in (-1.0, 0.0, 1.5):
        me = res.marginal_effects([m]).iloc[0]
        assert me.estimate == pytest.approx(b["d"] + b["d_x_m"] * (m - c), rel=1e-10)
        var = v.loc["d", "d"] + (m - c) ** 2 * v.loc["d_x_m", "d_x_m"] \
            + 2 * (m - c) * v.loc["d", "d_x_m"]
        assert me.std_error == pytest.approx(np.sqrt(var), rel=1e-10)
        q = stats.t.ppf(0.975, res.regression.df_resid)
        assert me.conf_high == pytest.approx(me.estimate + q * me.std_error, rel=1e-10)
    assert res.regression.df_resid == 40 - 1  # t(G-1), as reghdfe


def test_quantiles_and_mean_sd_points():
    df = _cross_section()
    res = moderation(df, "y", "d", "m")
    np.testing.assert_allclose(res.marginal_effects("quantiles")["moderator"],
                               np.quantile(df["m"], [0.1, 0.25, 0.5, 0.75, 0.9]))
    mean, sd = df["m"].mean(), df["m"].std(ddof=1)
    np.testing.assert_allclose(res.marginal_effects("mean_sd")["moderator"],
                               [mean - sd, mean, mean + sd])
    at_mean = res.marginal_effects([mean]).iloc[0]
    assert at_mean.estimate == pytest.approx(res.params["d"], rel=1e-10)
    assert at_mean.std_error == pytest.approx(res.std_errors["d"], rel=1e-10)


def test_absorbed_moderator_main_effect_is_left_out_with_a_note():
    df = _panel()
    with pytest.warns(AbsorbedRegressorWarning, match="'size' is constant within 'firm'"):
        res = moderation(df, "y", "d", "size", fixed_effects=["firm", "year"])
    assert res.moderator_term is None and res.absorbed_by == "firm"
    assert "size_c" not in res.params.index and "d_x_size" in res.params.index
    assert any("absorbs its main effect" in n for n in res.spec.notes)
    dummies = smf.ols("y ~ d + d:size + C(firm) + C(year)", df).fit()
    assert res.params["d_x_size"] == pytest.approx(dummies.params["d:size"], rel=1e-8)


def test_result_contract_table_and_record():
    df = _panel()
    res = moderation(df, "y", "d", "m", controls=["c"], fixed_effects=["firm", "year"])
    assert isinstance(res, ModerationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.center = False  # type: ignore[misc]
    text = str(hitex.regression_table([res.regression, res]))
    assert "d_x_m" in text
    json.dumps(res.to_dict())
    assert "Marginal effect of d by m" in res.summary()


def test_plot_draws_band_line_and_distribution():
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    res = moderation(_cross_section(), "y", "d", "m")
    fig = res.plot(labels={"d": "FDI", "m": "Openness", "y": "Exports"})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Openness"
    assert ax.get_ylabel() == "Marginal effect of FDI on Exports"
    assert any(isinstance(c, PolyCollection) for c in ax.collections)
    line = ax.get_lines()[0]
    grid = line.get_xdata()
    assert grid.min() == pytest.approx(res.moderator_values.min())
    assert grid.max() == pytest.approx(res.moderator_values.max())
    np.testing.assert_allclose(line.get_ydata(), res.marginal_effects(grid)["estimate"])
    assert len(fig.axes) == 2 and len(fig.axes[1].patches) > 0  # histogram of the moderator
    plt.close(fig)
    fig, ax = plt.subplots()
    out = res.plot(ax=ax, distribution="rug")
    assert out is fig and len(fig.axes) == 1 and len(ax.get_lines()) >= 2
    plt.close(fig)


# ----------------------------------------------------------------------------- bad input


def test_moderator_without_variation_is_refused():
    df = _cross_section()
    df["flat"] = 1.0
    with pytest.raises(EstimationError, match="moderator 'flat' has no variation"):
        moderation(df, "y", "d", "flat")


def test_product_absorbed_by_fixed_effects_is_refused():
    df = _panel()
    df["d_firm"] = df["firm"] % 4 * 1.0
    with pytest.raises(EstimationError, match="product.*absorbs it.*fixed_effects="):
        moderation(df, "y", "d_firm", "size", fixed_effects=["firm"])


def test_moderator_in_another_role_is_refused():
    df = _cross_section()
    with pytest.raises(SpecificationError, match="moderator and treatment are both 'd'"):
        moderation(df, "y", "d", "d")
    with pytest.raises(SpecificationError, match="outcome"):
        moderation(df, "y", "d", "y")
    with pytest.raises(SpecificationError, match="controls="):
        moderation(df, "y", "d", "m", controls=["m"])


def test_missing_column_and_bad_points_are_refused():
    df = _cross_section()
    with pytest.raises(ColumnNotFoundError, match="'mm'"):
        moderation(df, "y", "d", "mm")
    res = moderation(df, "y", "d", "m")
    with pytest.raises(SpecificationError, match="at='deciles'"):
        res.marginal_effects("deciles")
    with pytest.raises(SpecificationError, match="at="):
        res.marginal_effects([])
    with pytest.raises(SpecificationError, match="at="):
        res.marginal_effects(["a"])
    with pytest.raises(SpecificationError, match="distribution="):
        res.plot(distribution="kde")
