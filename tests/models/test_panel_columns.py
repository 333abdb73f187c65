"""A table's columns estimated together equal the same columns estimated one by one.

The oracle is :func:`hitex.panel` on each formula (itself tested against
dummy-variable OLS, Stata reghdfe and R fixest): every number of every
result, the drops, the notes and the specification must agree to 1e-10.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hitex
from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    DuplicateKeyError,
    EstimationError,
    SpecificationError,
)
from hitex.models import demeaned_ols
from hitex.models.panel_columns import Column, SharedColumns


def _panel(n_units: int = 60, n_years: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_years),
                       "year": np.tile(np.arange(2000, 2000 + n_years), n_units)})
    df["region"] = df["unit"] % 7
    n = len(df)
    df["x"] = rng.normal(size=n) + 0.05 * df["unit"]
    for j in range(4):
        df[f"c{j}"] = rng.normal(size=n) * (10.0 ** j)  # very different scales
    df["y"] = df["x"] + 0.3 * df["c0"] - 0.002 * df["c2"] + rng.normal(size=n)
    df["y2"] = 2 * df["x"] + rng.normal(size=n)
    df["w"] = rng.uniform(0.5, 2.0, size=n)
    return df


CSW = ["y ~ x | unit + year", "y ~ x + c0 | unit + year", "y ~ x + c0 + c1 | unit + year",
       "y ~ x + c0 + c1 + c2 + c3 | unit + year"]


def assert_same(a: hitex.RegressionResult, b: hitex.RegressionResult, rtol: float = 1e-10) -> None:
    """Every number, drop, note and label of two results agrees."""
    assert a.terms == b.terms
    for got, want in ((a.params, b.params), (a.std_errors, b.std_errors),
                      (a.tstats, b.tstats)):
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=rtol, atol=0)
    np.testing.assert_allclose(a.pvalues.to_numpy(), b.pvalues.to_numpy(), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(a.vcov.to_numpy(), b.vcov.to_numpy(), rtol=rtol, atol=1e-300)
    assert a.nobs == b.nobs and a.df_resid == b.df_resid
    assert dict(a.n_clusters) == dict(b.n_clusters)
    for name in ("rsquared", "rsquared_within", "rsquared_adj"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        if x is not None:
            assert x == pytest.approx(y, rel=rtol, abs=1e-13, nan_ok=True)
    assert set(a.extra) == set(b.extra)
    for key, value in b.extra.items():
        other = a.extra[key]
        if isinstance(value, float | int | np.floating) and not isinstance(value, bool):
            if value is None or other is None:
                assert value is other
            else:
                assert float(other) == pytest.approx(float(value), rel=1e-9, abs=1e-12, nan_ok=True)
        elif isinstance(value, np.ndarray):
            np.testing.assert_allclose(other, value, rtol=1e-9)
        elif isinstance(value, str | tuple | list | dict) or value is None:
            assert other == value
        else:  # a design object (2SLS): the same kind
            assert type(other) is type(value)
    assert a.dropped == b.dropped
    assert a.spec == b.spec
    assert list(a.sample_index) == list(b.sample_index)


def alone(formulas, data, **kw):
    vcovs = kw.pop("vcov", None)
    vcovs = vcovs if isinstance(vcovs, list) else [vcovs] * len(formulas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [hitex.panel(f, data, vcov=v, **kw) for f, v in zip(formulas, vcovs, strict=True)]


def together(formulas, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hitex.panel_columns(formulas, data, **kw)


@pytest.mark.parametrize("vcov", ["iid", "hetero", {"CRV1": "unit"}, {"CRV1": "region"},
                                  {"CRV1": "unit+year"}, {"CRV3": "unit"}])
def test_stepwise_columns_equal_one_by_one(vcov):
    df = _panel()
    for got, want in zip(together(CSW, df, vcov=vcov), alone(CSW, df, vcov=vcov), strict=True):
        assert_same(got, want)


@pytest.mark.parametrize(("vcov", "weights", "lean"), [
    ("iid", None, True), ("hetero", None, True), ({"CRV1": "unit"}, None, True),
    ({"CRV1": "unit+year"}, None, False), ({"CRV1": "unit"}, "w", False)])
def test_stepwise_columns_use_the_shared_design(monkeypatch, vcov, weights, lean):
    """No column is estimated alone; the lean solver takes the variances it computes."""
    from hitex.models import panel_columns

    def refuse(*args, **kwargs):
        raise AssertionError("a column was estimated alone")

    solved = []
    original = demeaned_ols.demeaned_ols
    monkeypatch.setattr(panel_columns, "panel", refuse)
    monkeypatch.setattr(demeaned_ols, "demeaned_ols",
                        lambda *a, **k: solved.append(1) or original(*a, **k))
    together(CSW, _panel(), vcov=vcov, weights=weights)
    assert len(solved) == (len(CSW) if lean else 0)


@pytest.mark.parametrize("ssc", ["reghdfe", "fixest", "none", "stata_ml", "large_sample",
                                 {"adj": False, "fixef_k": "full", "cluster_adj": True}])
@pytest.mark.parametrize("vcov", ["iid", "hetero", {"CRV1": "unit"}])
def test_every_small_sample_convention(ssc, vcov):
    df = _panel(seed=3)
    for got, want in zip(together(CSW, df, vcov=vcov, ssc=ssc),
                         alone(CSW, df, vcov=vcov, ssc=ssc), strict=True):
        assert_same(got, want)


def test_columns_with_own_variances_and_outcomes_share_one_design():
    df = _panel(seed=5)
    formulas = ["y ~ x | unit + year", "y2 ~ x + c0 | unit + year", "c1 ~ x + y2 | unit + year"]
    vcovs = ["iid", {"CRV1": "unit"}, "hetero"]
    for got, want in zip(together(formulas, df, vcov=vcovs), alone(formulas, df, vcov=vcovs),
                         strict=True):
        assert_same(got, want)


def test_one_way_fixed_effect_records_xtreg_statistics():
    df = _panel(seed=7)
    formulas = ["y ~ x | unit", "y ~ x + c0 + c1 | unit"]
    got, want = together(formulas, df, vcov="iid"), alone(formulas, df, vcov="iid")
    for a, b in zip(got, want, strict=True):
        assert_same(a, b)
        assert a.extra["sigma_u"] == pytest.approx(b.extra["sigma_u"], rel=1e-10)


def test_missing_values_split_groups_and_name_each_columns_own_variables():
    df = _panel(seed=11)
    df.loc[[3, 17, 40], "c1"] = np.nan
    df.loc[[5], "c2"] = np.inf
    df.loc[[9], "x"] = np.nan
    formulas = CSW + ["y ~ x + c2 | unit + year", "y ~ x + c0 + c2 | unit + year"]
    got, want = together(formulas, df, vcov={"CRV1": "unit"}), alone(formulas, df,
                                                                     vcov={"CRV1": "unit"})
    for a, b in zip(got, want, strict=True):
        assert_same(a, b)
    # the last two columns share rows (c2's infinite value) and each names only its own columns
    assert [d.reason for d in got[-1].dropped][:2] == ["non_finite", "missing"]


def test_singletons_are_dropped_once_and_recorded_for_every_column():
    df = _panel(seed=13)
    df = df.drop(index=df.index[(df["unit"] == 4) & (df["year"] > 2000)])  # unit 4: one row
    got, want = together(CSW, df, vcov={"CRV1": "unit"}), alone(CSW, df, vcov={"CRV1": "unit"})
    for a, b in zip(got, want, strict=True):
        assert_same(a, b)
        assert any(d.reason == "singleton" for d in a.dropped)


def test_columns_that_cannot_share_are_estimated_alone_and_equal():
    df = _panel(seed=17)
    df["pos"] = np.exp(df["c0"] / 10)
    formulas = ["y ~ x + np.log(pos) | unit + year", "y ~ x + C(region) | year",
                "y ~ c0 | unit + year | x ~ c1", "y ~ x + c0", "y ~ x | unit + year",
                "y ~ x + c1 | unit + year"]
    got, want = together(formulas, df), alone(formulas, df)
    for a, b in zip(got, want, strict=True):
        assert_same(a, b)


def test_weighted_columns_share_the_demeaning_through_the_engine():
    df = _panel(seed=19)
    got = together(CSW, df, weights="w", vcov={"CRV1": "unit"})
    want = alone(CSW, df, weights="w", vcov={"CRV1": "unit"})
    for a, b in zip(got, want, strict=True):
        assert_same(a, b)


def test_absorbed_regressor_is_warned_about_in_its_own_column():
    df = _panel(seed=23)
    df["unit_size"] = df["unit"] * 2.0  # constant within unit: absorbed
    formulas = ["y ~ x | unit + year", "y ~ x + unit_size | unit + year"]
    with pytest.warns(AbsorbedRegressorWarning, match="unit_size"):
        got = hitex.panel_columns(formulas, df)
    for a, b in zip(got, alone(formulas, df), strict=True):
        assert_same(a, b)
    assert any(d.reason == "absorbed" for d in got[1].dropped)


def test_collinear_regressor_falls_back_to_the_engine():
    df = _panel(seed=29)
    df["x_twice"] = 2 * df["x"] + df["c0"]
    formulas = ["y ~ x + c0 | unit + year", "y ~ x + c0 + x_twice | unit + year"]
    with pytest.warns(AbsorbedRegressorWarning):
        got = hitex.panel_columns(formulas, df)
    for a, b in zip(got, alone(formulas, df), strict=True):
        assert_same(a, b)


@pytest.mark.parametrize("new", [{"CRV1": "unit"}, "hetero", {"CRV1": "unit+year"}, "HC1"])
def test_with_vcov_of_a_column_estimated_together(new):
    df = _panel(seed=31)
    got = together(CSW, df, vcov="iid")
    want = alone(CSW, df, vcov="iid")
    for a, b in zip(got, want, strict=True):
        assert_same(a.with_vcov(new), b.with_vcov(new))


def test_with_vcov_stays_on_the_shared_design(monkeypatch):
    from hitex.models import panel_columns

    df = _panel(seed=37)
    formulas = ["y ~ x | unit + year", "y ~ x + c0 | unit + year"]
    vcovs = [{"CRV1": "unit"}, {"CRV1": "region"}]
    got = together(formulas, df, vcov=vcovs)
    want = alone(formulas, df, vcov=vcovs)
    calls = []
    original = panel_columns.panel
    monkeypatch.setattr(panel_columns, "panel",
                        lambda *a, **k: calls.append(k.get("vcov")) or original(*a, **k))
    assert_same(got[0].with_vcov("iid"), want[0].with_vcov("iid"))
    assert_same(got[1].with_vcov({"CRV1": "unit"}), want[1].with_vcov({"CRV1": "unit"}))
    assert calls == []  # the group's rows and design, no estimation alone
    # the first column's data hold no 'region' (the second's clusters): refused as alone
    with pytest.raises(ColumnNotFoundError, match="region"):
        want[0].with_vcov({"CRV1": "region"})
    with pytest.raises(ColumnNotFoundError, match="region"):
        got[0].with_vcov({"CRV1": "region"})


def test_integer_and_nullable_columns():
    df = _panel(seed=41)
    df["k"] = (df["c0"] > 0).astype("int64") + df["year"] % 3
    df["m"] = pd.array(np.where(df.index % 17 == 0, pd.NA, df.index % 5), dtype="Int64")
    formulas = ["y ~ x + k | unit + year", "y ~ x + k + m | unit + year",
                "y ~ x + m | unit + year", "m ~ x + c0 | unit + year"]
    for a, b in zip(together(formulas, df), alone(formulas, df), strict=True):
        assert_same(a, b)


def test_errors_name_the_column_as_panel_does():
    df = _panel()
    with pytest.raises(ColumnNotFoundError, match="c9"):
        hitex.panel_columns(["y ~ x | unit + year", "y ~ x + c9 | unit + year"], df)
    doubled = pd.concat([df, df.iloc[:3]])
    with pytest.raises(DuplicateKeyError):
        hitex.panel_columns(CSW, doubled)
    with pytest.raises(EstimationError, match="HC2 and HC3"):  # the engine's refusal, as alone
        hitex.panel_columns(CSW, df, vcov="HC3")
    with pytest.raises(SpecificationError, match="list of formulas"):
        hitex.panel_columns("y ~ x | unit + year", df)
    with pytest.raises(SpecificationError, match="one per formula"):
        hitex.panel_columns(CSW, df, vcov=["iid", "iid"])


def test_errors_are_raised_when_their_column_is_asked_for():
    df = _panel()
    table = SharedColumns([Column("y ~ x | unit + year", df), Column("y ~ x + nope | unit + year", df),
                           Column("y ~ x + c0 | unit + year", df)])
    first = table.result(0)
    assert_same(first, hitex.panel("y ~ x | unit + year", df))
    with pytest.raises(ColumnNotFoundError, match="nope"):
        table.result(1)
    assert_same(table.result(2), hitex.panel("y ~ x + c0 | unit + year", df))


def test_progress_is_reported_per_column():
    seen = []
    together(CSW, _panel(), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, len(CSW)) for i in range(1, len(CSW) + 1)]


def test_lean_fit_covers_only_the_variances_it_computes():
    import pyfixest as pf

    plain = pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="min")
    assert demeaned_ols.supported("iid", plain) and demeaned_ols.supported("hetero", plain)
    assert demeaned_ols.supported({"CRV1": "unit"}, {**plain, "k_fixef": "none"})
    assert not demeaned_ols.supported({"CRV1": "unit+year"}, plain)
    assert not demeaned_ols.supported("HC3", plain)
    assert not demeaned_ols.supported({"CRV3": "unit"}, plain)


@settings(max_examples=12, deadline=None)
@given(order=st.permutations(["x", "c0", "c1", "c2", "c3"]), sizes=st.lists(
    st.integers(1, 5), min_size=2, max_size=4), vcov=st.sampled_from(
        ["iid", "hetero", {"CRV1": "unit"}]), seed=st.integers(0, 1000))
def test_any_choice_of_regressors_equals_one_by_one(order, sizes, vcov, seed):
    df = _panel(n_units=30, n_years=5, seed=seed)
    formulas = [f"y ~ {' + '.join(order[:k])} | unit + year" for k in sizes]
    for a, b in zip(together(formulas, df, vcov=vcov), alone(formulas, df, vcov=vcov),
                    strict=True):
        assert_same(a, b)


def test_warnings_point_at_the_callers_line():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"g": np.repeat(np.arange(4), 25), "t": np.tile(np.arange(25), 4)})
    data["x"], data["c"] = rng.normal(size=100), rng.normal(size=100)
    data["y"] = data["x"] + rng.normal(size=100)
    with pytest.warns(hitex.HitexWarning, match="Few clusters") as record:
        hitex.panel_columns(["y ~ x | g + t", "y ~ x + c | g + t"], data)
    few = [w for w in record if "Few clusters" in str(w.message)]
    assert len(few) == 2 and all(w.filename == __file__ for w in few)


def test_repeated_formulas_reordered_terms_and_interacted_effects():
    df = _panel(seed=43)
    formulas = ["y ~ x | unit + year", "y ~ x | unit + year", "y ~ x + c0 | year + unit",
                "x ~ y | unit + year", "y ~ c0 + x | unit + year",
                "y ~ x + c0 | unit^region + year", "y ~ x + c1 | unit^region + year"]
    vcov = {"CRV1": "unit"}
    for a, b in zip(together(formulas, df, vcov=vcov), alone(formulas, df, vcov=vcov),
                    strict=True):
        assert_same(a, b)
