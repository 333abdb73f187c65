"""Tests of heterogeneity analysis: by-group fits and the three coefficient-difference tests.

Oracles: separate hitex.panel fits (by_group); the interacted regression built
by hand and, under conventional errors, statsmodels OLS with explicit dummies
and the residual-sum-of-squares Chow F (interaction); the exact equivalence of
Stata suest with the fully interacted pooled regression with group-specific
fixed effects, same clustering and the factor G/(G-1) only, estimated by
pyfixest (suest); a plain loop of hitex.panel or of dummy-variable OLS over the
same permutations (permutation).
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import ColumnNotFoundError, EstimationError, HitexError, SpecificationError
from hitex.models.heterogeneity import (
    DifferenceTest,
    GroupResults,
    HeterogeneityWarning,
    UnknownGroupError,
    by_group,
    group_difference,
)

FORMULA = "y ~ x + c | firm + year"


def _panel(n_units: int = 30, n_years: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(n_units), n_years),
                       "year": np.tile(np.arange(2000, 2000 + n_years), n_units)})
    df["east"] = (df["firm"] % 3 == 0).astype(int)
    df["period"] = (df["year"] >= 2000 + n_years // 2).astype(int)
    df["x"] = rng.normal(size=len(df)) + 0.1 * df["firm"]
    df["c"] = rng.normal(size=len(df))
    shock = rng.normal(size=n_years)[df["year"] - 2000]
    df["y"] = ((1 + 0.5 * df["east"]) * df["x"] + 0.5 * df["c"] + 0.1 * df["firm"] + shock
               + rng.normal(size=len(df)))
    return df


def _unbalanced() -> pd.DataFrame:
    return _panel().drop(index=[3, 17, 40, 41, 90, 131]).reset_index(drop=True)


def _hand_interacted(df: pd.DataFrame, first: int = 0) -> pd.DataFrame:
    """The pooled data with the interactions and group-specific fixed effects made by hand."""
    p = df.copy()
    p["d"] = (p["east"] == first).astype(float)
    p["x_d"] = p["x"] * p["d"]
    p["c_d"] = p["c"] * p["d"]
    p["firm_g"] = p["firm"] * 10 + p["east"]
    p["year_g"] = p["year"] * 10 + p["east"]
    p["row"] = np.arange(len(p))
    return p


# ----------------------------------------------------------------------------- by_group
def test_by_group_equals_separate_panel_fits():
    df = _unbalanced()
    res = by_group(FORMULA, df, "east")
    assert isinstance(res, GroupResults)
    assert res.groups == (0, 1) and list(res) == ["0", "1"] and len(res) == 2
    for value in (0, 1):
        own = hitex.panel(FORMULA, df[df["east"] == value])
        got = res[value]
        pd.testing.assert_series_equal(got.params, own.params, rtol=1e-12)
        pd.testing.assert_series_equal(got.std_errors, own.std_errors, rtol=1e-12)
        assert got.nobs == own.nobs and got.spec.vcov_label == own.spec.vcov_label
        assert got.spec.sample == f"east == {value}"
    assert res["1"] is res[1]


def test_by_group_order_vcov_and_table():
    df = _panel()
    df["region"] = np.where(df["firm"] < 10, "West", np.where(df["firm"] < 20, "Centre", "East"))
    res = by_group(FORMULA, df, "region", groups=["West", "East"], vcov="iid")
    assert res.groups == ("West", "East")
    own = hitex.panel(FORMULA, df[df["region"] == "East"], vcov="iid")
    np.testing.assert_allclose(res["East"].std_errors, own.std_errors, rtol=1e-12)
    default = by_group(FORMULA, df, "region")
    assert default.groups == ("Centre", "East", "West")
    table = hitex.regression_table(res)
    assert table.header_rows[0].cells[1].text == "West"
    tidy = res.tidy()
    assert list(tidy["group"].unique()) == ["West", "East"]
    json.dumps(res.to_dict())


def test_by_group_missing_group_values_are_noted():
    df = _panel()
    df["grp"] = df["east"].astype(float)
    df.loc[df.index[:6], "grp"] = np.nan
    res = by_group(FORMULA, df, "grp")
    assert res.notes and "6 row(s)" in res.notes[0]
    assert res[0.0].nobs + res[1.0].nobs == len(df) - 6


def test_group_results_are_immutable_and_name_unknown_groups():
    res = by_group(FORMULA, _panel(), "east")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.by = "other"  # type: ignore[misc]
    with pytest.raises(UnknownGroupError, match="not a group of 'east'"):
        res[7]
    assert 7 not in res


# ----------------------------------------------------------------------------- interaction
@pytest.mark.parametrize("vcov", [None, "iid", "hetero", {"CRV1": "year"}])
def test_interaction_equals_hand_built_interacted_regression(vcov):
    df = _unbalanced()
    test = group_difference(FORMULA, df, "east", "x", method="interaction", vcov=vcov)
    hand = hitex.panel("y ~ x + x_d + c + c_d | firm_g + year_g", _hand_interacted(df),
                       vcov=vcov if vcov is not None else {"CRV1": "firm"})
    assert test.difference == pytest.approx(float(hand.params["x_d"]), abs=1e-9)
    assert test.std_error == pytest.approx(float(hand.std_errors["x_d"]), rel=1e-9)
    assert test.p_value == pytest.approx(float(hand.pvalues["x_d"]), rel=1e-8)
    assert test.statistic == pytest.approx(float(hand.tstats["x_d"]), rel=1e-8)
    assert test.difference == pytest.approx(test.estimates[0] - test.estimates[1], abs=1e-12)
    assert test.model is not None and test.model.nobs == hand.nobs


def test_interaction_without_fixed_effects_matches_statsmodels_and_rss_chow():
    import statsmodels.formula.api as smf

    df = _panel()
    test = group_difference("y ~ x + c", df, "east", "x", method="interaction", vcov="iid")
    p = _hand_interacted(df)
    ols = smf.ols("y ~ x + x_d + c + c_d + d", p).fit()
    assert test.difference == pytest.approx(ols.params["x_d"], abs=1e-10)
    assert test.std_error == pytest.approx(ols.bse["x_d"], rel=1e-10)
    assert test.p_value == pytest.approx(ols.pvalues["x_d"], rel=1e-8)
    # the joint test is Chow's F from residual sums of squares
    rss = [smf.ols("y ~ x + c", df[df["east"] == g]).fit().ssr for g in (0, 1)]
    rss_pooled = smf.ols("y ~ x + c", df).fit().ssr
    k = 3
    chow = ((rss_pooled - sum(rss)) / k) / (sum(rss) / (len(df) - 2 * k))
    assert test.extra["joint_F"] == pytest.approx(chow, rel=1e-9)
    assert test.extra["joint_df"] == (k, len(df) - 2 * k)


def test_interaction_with_fixed_effects_and_conventional_errors_matches_dummy_ols():
    import statsmodels.formula.api as smf

    df = _unbalanced()
    test = group_difference("y ~ x + c | firm", df, "east", "x", method="interaction",
                            vcov="iid")
    ols = smf.ols("y ~ x + x_d + c + c_d + C(firm_g)", _hand_interacted(df)).fit()
    assert test.difference == pytest.approx(ols.params["x_d"], abs=1e-9)
    assert test.std_error == pytest.approx(ols.bse["x_d"], rel=1e-9)
    assert test.p_value == pytest.approx(ols.pvalues["x_d"], rel=1e-8)


def test_interaction_two_group_specific_fixed_effects_conventional_dof():
    """Group-specific fixed effects: one redundant level per connected component (reghdfe)."""
    import statsmodels.formula.api as smf

    df = _unbalanced()
    test = group_difference(FORMULA, df, "east", "x", method="interaction", vcov="iid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dummies are collinear by design
        ols = smf.ols("y ~ x + x_d + c + c_d + C(firm_g) + C(year_g)", _hand_interacted(df)).fit()
    assert test.difference == pytest.approx(ols.params["x_d"], abs=1e-9)
    assert test.std_error == pytest.approx(ols.bse["x_d"], rel=1e-9)


# ----------------------------------------------------------------------------- suest
@pytest.mark.parametrize("make", [_panel, _unbalanced])
@pytest.mark.parametrize("vcov", [{"CRV1": "firm"}, {"CRV1": "year"}, "hetero"])
def test_suest_equals_interacted_pooled_regression_with_cluster_factor_only(make, vcov):
    import pyfixest as pf

    df = make()
    test = group_difference(FORMULA, df, "east", "x", method="suest", vcov=vcov)
    p = _hand_interacted(df)
    cluster = vcov if vcov != "hetero" else {"CRV1": "row"}  # each row its own cluster: N/(N-1)
    fit = pf.feols("y ~ x + x_d + c + c_d | firm_g + year_g", p, vcov=cluster,
                   ssc=pf.ssc(k_adj=False, G_adj=True), fixef_tol=1e-12)
    assert test.difference == pytest.approx(float(fit.coef()["x_d"]), abs=1e-9)
    assert test.std_error == pytest.approx(float(fit.se()["x_d"]), rel=1e-8)
    assert test.distribution == "N(0,1)"
    assert test.p_value == pytest.approx(2 * (1 - _norm_cdf(abs(test.statistic))), rel=1e-9)


def test_suest_and_interaction_with_weights():
    import pyfixest as pf

    df = _unbalanced()
    df["w"] = 1 + np.random.default_rng(3).random(len(df))
    p = _hand_interacted(df)
    suest = group_difference(FORMULA, df, "east", "x", method="suest", weights="w")
    fit = pf.feols("y ~ x + x_d + c + c_d | firm_g + year_g", p, vcov={"CRV1": "firm"},
                   weights="w", ssc=pf.ssc(k_adj=False, G_adj=True), fixef_tol=1e-12)
    assert suest.difference == pytest.approx(float(fit.coef()["x_d"]), abs=1e-9)
    assert suest.std_error == pytest.approx(float(fit.se()["x_d"]), rel=1e-8)
    inter = group_difference(FORMULA, df, "east", "x", weights="w")
    hand = hitex.panel("y ~ x + x_d + c + c_d | firm_g + year_g", p, vcov={"CRV1": "firm"},
                       weights="w")
    assert inter.std_error == pytest.approx(float(hand.std_errors["x_d"]), rel=1e-9)


def test_suest_without_fixed_effects_defaults_to_robust():
    test = group_difference("y ~ x + c", _panel(), "east", "x", method="suest")
    assert test.vcov_label.startswith("Heteroskedasticity-robust")
    assert "observations (robust)" in test.note


def test_suest_correlates_groups_when_clusters_span_them():
    test = group_difference(FORMULA, _panel(), "east", "x", method="suest",
                            vcov={"CRV1": "year"})
    (v_aa, v_ab), (_, v_bb) = test.extra["vcov"]
    assert v_ab != 0
    assert test.std_error == pytest.approx(np.sqrt(v_aa + v_bb - 2 * v_ab), rel=1e-12)
    by_firm = group_difference(FORMULA, _panel(), "east", "x", method="suest")
    assert by_firm.extra["vcov"][0][1] == 0  # firms are nested in the groups


def test_suest_on_grunfeld_equals_interacted_pooled_regression(reference_dir):
    import pyfixest as pf

    df = pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "grunfeld_plm.csv")
    df["big"] = (df["firm"] <= 5).astype(int)
    test = group_difference("inv ~ value + capital | firm + year", df, "big", "value",
                            method="suest")
    p = df.copy()
    p["d"] = (p["big"] == 0).astype(float)
    p["value_d"], p["capital_d"] = p["value"] * p["d"], p["capital"] * p["d"]
    p["firm_g"], p["year_g"] = p["firm"] * 10 + p["big"], p["year"] * 10 + p["big"]
    fit = pf.feols("inv ~ value + value_d + capital + capital_d | firm_g + year_g", p,
                   vcov={"CRV1": "firm"}, ssc=pf.ssc(k_adj=False, G_adj=True))
    assert test.difference == pytest.approx(float(fit.coef()["value_d"]), rel=1e-9)
    assert test.std_error == pytest.approx(float(fit.se()["value_d"]), rel=1e-8)
    own = [hitex.panel("inv ~ value + capital | firm + year", df[df["big"] == g]) for g in (0, 1)]
    assert test.estimates == pytest.approx(tuple(float(r.params["value"]) for r in own), rel=1e-12)


def _norm_cdf(z: float) -> float:
    from scipy import stats

    return float(stats.norm.cdf(z))


# ----------------------------------------------------------------------------- permutation
def _loop_panel(test: DifferenceTest, df: pd.DataFrame, formula: str, draws: int) -> np.ndarray:
    out = np.empty(draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(draws):
            groups = test.permuted_groups(b)
            d = df.loc[groups.index].copy()
            d[test.by] = groups.to_numpy()
            est = [float(hitex.panel(formula, d[d[test.by] == g], vcov="iid").params["x"])
                   for g in test.groups]
            out[b] = est[0] - est[1]
    return out


def _loop_dummies(test: DifferenceTest, df: pd.DataFrame, fes: list[str], draws: int) -> np.ndarray:
    """Exact oracle: OLS with explicit fixed-effect dummies (statsmodels)."""
    import statsmodels.formula.api as smf

    rhs = " + ".join(["x", "c", *(f"C({fe})" for fe in fes)])
    out = np.empty(draws)
    for b in range(draws):
        groups = test.permuted_groups(b)
        d = df.loc[groups.index].copy()
        d[test.by] = groups.to_numpy()
        est = [float(smf.ols(f"y ~ {rhs}", d[d[test.by] == g]).fit().params["x"])
               for g in test.groups]
        out[b] = est[0] - est[1]
    return out


def test_permutation_draws_equal_a_plain_loop_of_panel_fits():
    df = _panel()
    test = group_difference(FORMULA, df, "east", "x", method="permutation", draws=25, seed=3)
    assert test.extra["level"] == "unit" and test.extra["unit"] == "firm"
    assert test.extra["engine"].startswith("closed form")
    np.testing.assert_allclose(test.permuted_differences, _loop_panel(test, df, FORMULA, 25),
                               rtol=0, atol=1e-10)
    assert test.extra["observed_recomputed"] == pytest.approx(test.difference, abs=1e-10)
    # permutations keep the number of firms in each group
    for b in (0, 7):
        firms = test.permuted_groups(b).groupby(df["firm"]).first()
        assert (firms == 0).sum() == 20 and (firms == 1).sum() == 10


@pytest.mark.parametrize(("formula", "by", "fes", "level"), [
    (FORMULA, "east", ["firm", "year"], "unit"),
    ("y ~ x + c | firm", "east", ["firm"], "unit"),
    ("y ~ x + c | year", "east", ["year"], "row"),
    ("y ~ x + c", "east", [], "row"),
    (FORMULA, "period", ["firm", "year"], "unit"),
])
def test_permutation_draws_equal_dummy_variable_ols_unbalanced(formula, by, fes, level):
    df = _unbalanced()
    test = group_difference(formula, df, by, "x", method="permutation", draws=15, seed=4,
                            vcov="iid")
    assert test.extra["level"] == level
    np.testing.assert_allclose(test.permuted_differences, _loop_dummies(test, df, fes, 15),
                               rtol=0, atol=1e-10)
    assert test.extra["observed_recomputed"] == pytest.approx(test.difference, abs=1e-10)


def test_permutation_with_many_group_specific_levels_uses_per_draw_engine():
    df = _panel(n_units=110, n_years=4).drop(index=[5, 66, 67, 200]).reset_index(drop=True)
    # 'period' varies within firms: rows are permuted and the 110 firm levels become
    # group-specific, more than the closed form takes
    test = group_difference("y ~ x + c | firm", df, "period", "x", method="permutation",
                            draws=100, seed=2, vcov="iid")
    assert test.extra["level"] == "row" and test.extra["engine"].startswith("per draw")
    np.testing.assert_allclose(test.permuted_differences[:8],
                               _loop_dummies(test, df, ["firm"], 8), rtol=0, atol=1e-10)
    assert test.extra["observed_recomputed"] == pytest.approx(test.difference, abs=1e-10)


def test_permutation_seed_and_p_values():
    df = _panel()
    one = group_difference(FORMULA, df, "east", "x", method="permutation", draws=200, seed=11)
    same = group_difference(FORMULA, df, "east", "x", method="permutation", draws=200, seed=11)
    other = group_difference(FORMULA, df, "east", "x", method="permutation", draws=200, seed=12)
    np.testing.assert_array_equal(one.permuted_differences, same.permuted_differences)
    assert one.p_value == same.p_value and one.p_values == same.p_values
    assert not np.array_equal(one.permuted_differences, other.permuted_differences)
    assert one.p_values != other.p_values
    d, obs = one.permuted_differences, one.difference
    assert one.p_values["two-sided"] == pytest.approx(np.mean(np.abs(d) >= abs(obs)))
    assert one.p_values["greater"] == pytest.approx(np.mean(d >= obs))
    assert one.p_values["less"] == pytest.approx(np.mean(d <= obs))
    ge = np.mean(d >= obs)  # bdiff: share of draws >= observed, the smaller tail
    assert one.p_values["bdiff"] == pytest.approx(min(ge, 1 - ge))
    bdiff = group_difference(FORMULA, df, "east", "x", method="permutation", draws=200, seed=11,
                             alternative="bdiff")
    assert bdiff.p_value == one.p_values["bdiff"]
    assert one.draws == 200 and one.seed == 11 and one.std_error is None


def test_permutation_unit_ids_stored_as_text_give_the_same_draws():
    df = _panel()
    text = df.assign(firm=df["firm"].astype(str))
    a = group_difference(FORMULA, df, "east", "x", method="permutation", draws=30)
    b = group_difference(FORMULA, text, "east", "x", method="permutation", draws=30)
    np.testing.assert_allclose(a.permuted_differences, b.permuted_differences, atol=1e-12)


def test_permutation_warns_on_few_draws():
    with pytest.warns(HeterogeneityWarning, match="only draws=10"):
        group_difference(FORMULA, _panel(), "east", "x", method="permutation", draws=10)


# ----------------------------------------------------------------------------- result object
@pytest.mark.parametrize("method", ["interaction", "suest", "permutation"])
def test_difference_test_is_immutable_with_rows_and_dict(method):
    test = group_difference(FORMULA, _panel(), "east", "x", method=method, draws=100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        test.difference = 0.0  # type: ignore[misc]
    labels = [label for label, _ in test.rows()]
    assert labels[2] == "Difference (0 - 1)"
    if method == "permutation":
        assert "p-value (Fisher permutation, 100 draws, two-sided)" in labels
        assert test.permuted_groups(0).name == "east"
    else:
        assert "Std. error of the difference" in labels
        with pytest.raises(SpecificationError, match="only available for method='permutation'"):
            test.permuted_groups(0)
    record = json.loads(json.dumps(test.to_dict()))
    assert record["method"] == method and record["groups"] == [0, 1]
    assert str(test).startswith("Group difference of 'x' by 'east'")


def test_groups_choose_and_order_the_two_groups():
    df = _panel()
    df["region"] = np.where(df["firm"] < 10, "West", np.where(df["firm"] < 20, "Centre", "East"))
    test = group_difference(FORMULA, df, "region", "x", groups=("West", "East"))
    assert test.groups == ("West", "East")
    own = [hitex.panel(FORMULA, df[df["region"] == g]).params["x"] for g in ("West", "East")]
    assert test.difference == pytest.approx(own[0] - own[1], abs=1e-12)


# ----------------------------------------------------------------------------- bad input
def test_missing_by_column_is_named():
    with pytest.raises(ColumnNotFoundError, match="'eest'.*did you mean 'east'"):
        group_difference(FORMULA, _panel(), "eest", "x")
    with pytest.raises(ColumnNotFoundError, match="'eest'"):
        by_group(FORMULA, _panel(), "eest")


def test_missing_formula_column_is_named_with_group():
    with pytest.raises(ColumnNotFoundError, match="in group east = 0:.*'z'"):
        by_group("y ~ z | firm + year", _panel(), "east")


def test_by_with_one_value():
    df = _panel().assign(one=1)
    with pytest.raises(SpecificationError, match="only the value 1.*hitex.panel"):
        by_group(FORMULA, df, "one")
    with pytest.raises(SpecificationError, match="only the value 1"):
        group_difference(FORMULA, df, "one", "x")


def test_by_with_three_values_needs_groups():
    df = _panel()
    df["region"] = df["firm"] % 3
    with pytest.raises(SpecificationError, match=r"3 values.*groups=\(0, 1\)"):
        group_difference(FORMULA, df, "region", "x")
    with pytest.raises(SpecificationError, match="not values of 'region'"):
        group_difference(FORMULA, df, "region", "x", groups=(0, 5))
    with pytest.raises(SpecificationError, match="exactly two groups"):
        group_difference(FORMULA, df, "region", "x", groups=(0, 1, 2))


def test_group_with_one_unit():
    df = _panel()
    df["solo"] = (df["firm"] == 4).astype(int)
    with pytest.raises(SpecificationError, match="solo = 1 has only one unit of 'firm'.*Merge"):
        by_group(FORMULA, df, "solo")
    with pytest.raises(SpecificationError, match="only one unit"):
        group_difference(FORMULA, df, "solo", "x", method="permutation")


def test_term_absent():
    with pytest.raises(SpecificationError, match="'xx' is not a regressor.*Did you mean 'x'"):
        group_difference(FORMULA, _panel(), "east", "xx")


def test_term_absorbed_in_a_group():
    df = _panel()
    noise = np.random.default_rng(9).normal(size=len(df))
    df["z"] = np.where(df["east"] == 1, 1.0, noise)  # constant in group east = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EstimationError, match="'z' could not be estimated in group east = 1"):
            group_difference("y ~ x + z | firm + year", df, "east", "z")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "bootstrap"}, "method='bootstrap' is not known"),
    ({"method": "suest", "vcov": "iid"}, "vcov='hetero' or one-way clustering"),
    ({"method": "suest", "vcov": {"CRV1": "firm+year"}}, "one-way clustering"),
    ({"method": "permutation", "weights": "c"}, "does not support weights"),
    ({"method": "permutation", "draws": 0}, "draws=0 must be a positive"),
    ({"method": "suest", "alternative": "bdiff"}, "use it with method='permutation'"),
    ({"alternative": "bigger"}, "alternative='bigger' is not known"),
    ({"method": "permutation", "unit": "year"}, "varies within units of 'year'"),
    ({"method": "permutation", "unit": "frim"}, "'frim'"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(HitexError, match=match):
        group_difference(FORMULA, _panel(), "east", "x", **kwargs)


def test_iv_formula_is_refused():
    with pytest.raises(SpecificationError, match="does not take an IV part"):
        group_difference("y ~ c | firm + year | x ~ period", _panel(), "east", "x")
