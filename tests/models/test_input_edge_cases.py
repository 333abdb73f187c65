"""Unusual but valid input to panel() and gravity(): empty samples after
singleton removal, frames indexed on their own columns, transformed terms that
are undefined, extreme scales, and column names formulas cannot express."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import hitex
from hitex.errors import (
    AbsorbedRegressorWarning,
    EmptySampleError,
    EstimationError,
    SpecificationError,
)
from hitex.models.checks import engine_hint, singleton_rows
from hitex.models.formula import parse_formula
from hitex.models.gravity import gravity

TWFE = "inv ~ value + capital | firm + year"


@pytest.fixture(scope="module")
def grunfeld_path(reference_dir) -> Path:
    return reference_dir / "panel_twfe_grunfeld_xtreg" / "grunfeld_plm.csv"


@pytest.fixture(scope="module")
def grunfeld(grunfeld_path) -> pd.DataFrame:
    return pd.read_csv(grunfeld_path)


def _tiny() -> pd.DataFrame:
    return pd.DataFrame({"unit": ["A", "A", "B"], "t": [1, 2, 2], "y": [1.0, 2.0, 4.0],
                         "x": [0.0, 1.0, 3.0], "trade": [1.0, 2.0, 4.0]})


def _dummy_ols(formula: str, data: pd.DataFrame) -> pd.Series:
    """Coefficients from statsmodels with explicit firm and year dummies."""
    return smf.ols(formula + " + C(firm) + C(year)", data).fit().params


# 1. every observation a singleton -------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda df: hitex.panel("y ~ x | unit + t", df, vcov="hetero"),
    lambda df: gravity("trade ~ x | unit + t", df, vcov="hetero"),
    lambda df: gravity("trade ~ x | unit + t", df, vcov="hetero", method="ols"),
])
def test_all_singletons_raise_empty_sample(call):
    # (B, 2) is alone in unit B; then (A, 2) is alone in t = 2; then (A, 1) alone in t = 1.
    with pytest.raises(EmptySampleError, match="all 3 observations are singletons"):
        call(_tiny())


def test_one_period_grunfeld_is_all_singletons(grunfeld):
    one_year = grunfeld[grunfeld["year"] == 1935]
    with pytest.raises(EmptySampleError, match="singletons in the fixed effects"):
        hitex.panel("inv ~ value | firm + year", one_year, vcov="hetero")
    # gravity() first reports the fixed effect with one level per observation
    with pytest.raises(SpecificationError, match="'firm'.*every observation"):
        gravity("inv ~ value | firm + year", one_year, vcov="hetero")


def test_all_singletons_do_not_abort_the_process(grunfeld_path):
    script = textwrap.dedent(f"""
        import pandas as pd, hitex
        from hitex.models.gravity import gravity
        df = pd.DataFrame({{"unit": ["A", "A", "B"], "t": [1, 2, 2], "y": [1., 2., 4.],
                           "x": [0., 1., 3.], "trade": [1., 2., 4.]}})
        full = pd.DataFrame({{"unit": list("AABB"), "t": [1, 2, 1, 2], "y": [1., 2., 4., 3.],
                             "x": [0., 1., 3., 5.], "k": [0, 1, 0, 1], "z": 0.}})
        calls = [lambda: hitex.panel("y ~ x | unit + t", df, vcov="hetero"),
                 lambda: gravity("trade ~ x | unit + t", df, vcov="hetero"),
                 lambda: hitex.panel("y ~ x + C(k):np.log(z) | unit + t", full)]
        g = pd.read_csv({str(grunfeld_path)!r})
        g = g[g["year"] == 1935]
        calls.append(lambda: hitex.panel("inv ~ value | firm + year", g, vcov="hetero"))
        for call in calls:
            try:
                call()
            except hitex.EmptySampleError:
                pass
            else:
                raise SystemExit("no EmptySampleError")
        print("done")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "done" in proc.stdout


def _chain_panel() -> pd.DataFrame:
    # C3 is alone in unit C; once it goes, B3 is alone in t = 3, then B2 alone in unit B.
    rows = [("A", 1), ("A", 2), ("B", 2), ("B", 3), ("C", 3),
            ("D", 1), ("D", 2), ("E", 1), ("E", 2)]
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rows, columns=["unit", "t"])
    df["x"] = rng.normal(size=len(df))
    df["y"] = 2 * df["x"] + rng.normal(size=len(df))
    return df


def test_singletons_are_removed_iteratively_as_reghdfe_does():
    df = _chain_panel()
    drop = singleton_rows(df, ["unit", "t"])
    assert sorted(map(tuple, df.loc[drop, ["unit", "t"]].to_numpy())) == [
        ("B", 2), ("B", 3), ("C", 3)]
    res = hitex.panel("y ~ x | unit + t", df, vcov="iid")
    assert res.nobs == 6
    assert {d.reason: d.count for d in res.dropped} == {"singleton": 3}
    kept = df.loc[~drop]
    expected = smf.ols("y ~ x + C(unit) + C(t)", kept).fit().params["x"]
    assert res.params["x"] == pytest.approx(expected, rel=1e-8)


# 2. frames indexed on their own id columns ----------------------------------------------------


def test_frame_indexed_on_its_id_columns(grunfeld):
    indexed = grunfeld.set_index(["firm", "year"], drop=False)
    res = hitex.panel("inv ~ value | firm + year", indexed)
    plain = hitex.panel("inv ~ value | firm + year", grunfeld)
    assert res.params["value"] == pytest.approx(plain.params["value"], rel=1e-12)
    assert list(res.sample_index) == list(indexed.index)  # the index values are kept
    assert indexed.index.names == ["firm", "year"]  # the caller's frame is untouched
    ppml = gravity("inv ~ value | firm + year", indexed, vcov={"CRV1": "firm"})
    ref = gravity("inv ~ value | firm + year", grunfeld, vcov={"CRV1": "firm"})
    assert ppml.params["value"] == pytest.approx(ref.params["value"], rel=1e-10)


def test_absorbed_regressor_named_with_indexed_frame(grunfeld):
    indexed = grunfeld.assign(size=grunfeld["firm"] * 10.0).set_index(["firm", "year"],
                                                                        drop=False)
    with pytest.warns(AbsorbedRegressorWarning, match="firm fixed effect"):
        res = hitex.panel("inv ~ value + size | firm + year", indexed)
    assert any(d.reason == "absorbed" and "size" in d.detail for d in res.dropped)
    with pytest.warns(AbsorbedRegressorWarning, match="firm fixed effect"):
        gravity("inv ~ value + size | firm + year", indexed, vcov="hetero")


# 3. drop records -------------------------------------------------------------------------------


def test_log_of_zero_is_recorded_as_non_finite_not_singleton(grunfeld):
    g = grunfeld.copy()
    g.loc[:9, "inv"] = 0.0
    res = hitex.panel("log(inv) ~ value + capital | firm + year", g, drop_singletons=False)
    assert res.nobs == 190
    assert [(d.reason, d.count) for d in res.dropped] == [("non_finite", 10)]
    assert "log(inv)" in res.dropped[0].detail and "log of 0" in res.dropped[0].detail
    expected = _dummy_ols("np.log(inv) ~ value + capital", g.iloc[10:])
    assert res.params["value"] == pytest.approx(expected["value"], rel=1e-7)


def test_undefined_part_of_a_factor_interaction(grunfeld):
    g = grunfeld.assign(k=grunfeld["firm"] % 2, z=grunfeld["capital"])
    g.loc[:4, "z"] = 0.0
    res = hitex.panel("inv ~ value + C(k):np.log(z) | firm + year", g)
    assert res.nobs == 195
    assert [(d.reason, d.count) for d in res.dropped] == [("non_finite", 5)]
    assert "np.log(z)" in res.dropped[0].detail
    with pytest.raises(EmptySampleError, match=r"np\.log\(z\) is -inf"):
        hitex.panel("inv ~ value + C(k):np.log(z) | firm + year", g.assign(z=0.0))


def test_one_infinite_value_is_counted_once(grunfeld):
    g = grunfeld.copy()
    g.loc[0, "inv"] = np.inf
    res = hitex.panel(TWFE, g)
    assert res.nobs == 199
    assert [(d.reason, d.count) for d in res.dropped] == [("non_finite", 1)]


def test_infinite_weight_is_counted_once(grunfeld):
    g = grunfeld.assign(w=1.0)
    g.loc[5, "w"] = np.inf
    res = hitex.panel("inv ~ value | firm + year", g, weights="w")
    assert res.nobs == 199
    assert sum(d.count for d in res.dropped) == 1


def test_missing_and_infinite_in_different_rows_are_both_counted(grunfeld):
    g = grunfeld.copy()
    g.loc[0, "inv"] = np.inf
    g.loc[1, "value"] = np.nan
    g.loc[2, ["inv", "value"]] = [np.inf, np.nan]  # one row, counted once
    res = hitex.panel(TWFE, g)
    assert res.nobs == 197
    assert {d.reason: d.count for d in res.dropped} == {"non_finite": 2, "missing": 1}


def test_gravity_ols_log_of_zero_flows_are_non_finite(grunfeld):
    g = grunfeld.rename(columns={"inv": "trade"})
    g.loc[[3, 50, 120], "trade"] = 0.0
    res = gravity("log(trade) ~ value | firm + year", g, method="ols", vcov="hetero")
    assert res.nobs == 197
    assert [(d.reason, d.count) for d in res.dropped] == [("non_finite", 3)]
    assert "log(trade)" in res.dropped[0].detail


# 4. scale ---------------------------------------------------------------------------------------


def test_small_regressor_is_not_dropped_as_collinear(grunfeld):
    small = grunfeld.assign(value=grunfeld["value"] * 1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AbsorbedRegressorWarning)
        res = hitex.panel(TWFE, small)
    base = hitex.panel(TWFE, grunfeld)
    assert set(res.params.index) == {"value", "capital"}
    assert res.params["value"] == pytest.approx(base.params["value"] * 1e10, rel=1e-6)
    assert res.std_errors["value"] == pytest.approx(base.std_errors["value"] * 1e10, rel=1e-6)
    assert res.params["capital"] == pytest.approx(base.params["capital"], rel=1e-6)
    expected = _dummy_ols("inv ~ value + capital", small)["value"]
    assert res.params["value"] == pytest.approx(expected, rel=1e-6)
    refit = res.with_vcov({"CRV1": "firm"})
    assert refit.std_errors["value"] == pytest.approx(
        base.with_vcov({"CRV1": "firm"}).std_errors["value"] * 1e10, rel=1e-6)


@pytest.mark.parametrize("factor", [1e9, 1e10, 1e12])
def test_dollar_sized_outcome_and_regressor(grunfeld, factor):
    base = hitex.panel(TWFE, grunfeld)
    big_y = hitex.panel(TWFE, grunfeld.assign(inv=grunfeld["inv"] * factor))
    assert big_y.params["value"] == pytest.approx(base.params["value"] * factor, rel=1e-6)
    big_x = hitex.panel(TWFE, grunfeld.assign(value=grunfeld["value"] * factor))
    assert big_x.params["value"] == pytest.approx(base.params["value"] / factor, rel=1e-6)
    ols = gravity("inv ~ value | firm + year", grunfeld.assign(inv=grunfeld["inv"] * factor),
                  method="ols", vcov="hetero")
    expected = _dummy_ols("inv ~ value", grunfeld)["value"] * factor
    assert ols.params["value"] == pytest.approx(expected, rel=1e-6)


def test_ppml_small_regressor_is_kept(grunfeld):
    base = gravity("inv ~ value | firm + year", grunfeld, vcov="hetero")
    small = gravity("inv ~ value | firm + year", grunfeld.assign(value=grunfeld["value"] * 1e-10),
                    vcov="hetero")
    assert small.params["value"] == pytest.approx(base.params["value"] * 1e10, rel=1e-6)


def test_unrescalable_large_values_say_to_rescale(grunfeld):
    with pytest.raises(EstimationError, match=r"(?s)Demeaning.*divide by 1e6"):
        hitex.panel("I(inv * 1e12) ~ value | firm + year", grunfeld)


# 5. names with spaces ---------------------------------------------------------------------------


@pytest.fixture
def spaced(grunfeld) -> pd.DataFrame:
    return grunfeld.rename(columns={"inv": "out come", "firm": "firm id", "value": "mkt value"})


@pytest.mark.parametrize(("call", "column"), [
    (lambda d: hitex.panel("out come ~ capital | year", d), "out come"),
    (lambda d: hitex.panel("capital ~ mkt value | year", d), "mkt value"),
    (lambda d: hitex.panel("capital ~ year | firm id", d), "firm id"),
    (lambda d: hitex.panel("capital ~ year", d.assign(**{"w t": 1.0}), weights="w t"), "w t"),
    (lambda d: hitex.panel("capital ~ year", d, vcov={"CRV1": "firm id"}), "firm id"),
    (lambda d: gravity("capital ~ year | firm id", d, vcov="hetero"), "firm id"),
    (lambda d: gravity("capital ~ year", d, vcov={"CRV1": "firm id"}), "firm id"),
    (lambda d: gravity("capital ~ year", d, pair="firm id"), "firm id"),
])
def test_column_names_with_spaces_are_named_with_the_fix(spaced, call, column):
    fix = column.replace(" ", "_")
    with pytest.raises(SpecificationError, match=rf"'{column}' contains a space.*'{fix}'"):
        call(spaced)


def test_all_spaced_columns_are_named(spaced):
    with pytest.raises(SpecificationError) as info:
        hitex.panel("out come ~ mkt value | firm id + year", spaced)
    assert all(f"'{c}'" in str(info.value) for c in ("out come", "mkt value", "firm id"))


def test_parser_names_spaced_fixed_effect_without_data():
    with pytest.raises(SpecificationError, match=r"'firm id' contains a space.*'firm_id'"):
        parse_formula("y ~ x | firm id + year")
    with pytest.raises(SpecificationError, match=r"'out come' contains a space"):
        parse_formula("out come ~ x")
    assert parse_formula("y ~ x | exporter ^ year + pair").fixed_effects == (
        "exporter^year", "pair")


# 6. Unicode names -------------------------------------------------------------------------------


def test_chinese_fixed_effect_names(grunfeld):
    cn = grunfeld.rename(columns={"firm": "企业", "year": "年份"})
    assert parse_formula("inv ~ value | 企业 + 年份").fixed_effects == ("企业", "年份")
    res = hitex.panel("inv ~ value | 企业 + 年份", cn)
    expected = _dummy_ols("inv ~ value", grunfeld)["value"]
    assert res.params["value"] == pytest.approx(expected, rel=1e-8)
    assert res.n_clusters == {"企业": 10}
    ppml = gravity("inv ~ value | 企业^年份 + 企业", cn.assign(年份=cn["年份"] // 5),
                   vcov={"CRV1": "企业"})
    assert np.isfinite(ppml.params["value"])


def test_keyword_fixed_effect_is_rejected_with_rename_hint():
    with pytest.raises(SpecificationError, match=r"'if' is a Python keyword.*'if_'"):
        parse_formula("y ~ x | if + year")


# 7. hints that match the cause ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lambda", "if", "True"])
def test_keyword_columns_get_rename_hint(grunfeld, name):
    df = grunfeld.rename(columns={"value": name})
    with pytest.raises(SpecificationError, match=rf"'{name}' is a Python keyword.*'{name}_'"):
        hitex.panel(f"inv ~ {name} | firm + year", df)
    with pytest.raises(SpecificationError, match="keyword"):
        gravity(f"inv ~ {name} | firm + year", df, vcov="hetero")


def test_engine_hints_follow_the_cause():
    generic = "vary within the fixed-effect groups"
    demean = engine_hint(ValueError("Demeaning failed after 10000 iterations."))
    assert "Rescale" in demean and generic not in demean
    name = engine_hint(NameError("`lambda_x` is not present in the dataset"))
    assert "rename" in name and "keywords" in name and generic not in name
    func = engine_hint(NameError("name 'sqrt' is not defined"), "y ~ sqrt(x) | f")
    assert "np.sqrt" in func
    assert generic in engine_hint(RuntimeError("something else"))


def test_unknown_function_hint_from_the_engine(grunfeld):
    with pytest.raises(EstimationError, match=r"np\.cbrt"):
        hitex.panel("inv ~ cbrt(value) | firm + year", grunfeld)
