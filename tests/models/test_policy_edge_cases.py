"""Edge cases of the policy estimators (psm, psm_did, twfe_did, att_gt, event studies,
placebo): row indexes, missing keys, absorbed treatments, estimation-sample weights,
unit-id dtypes and the 0/1 treatment rule."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.errors import EstimationError, SpecificationError
from hitex.models.did import DiDDataWarning, att_gt, psm_did, twfe_did
from hitex.models.event import event_study, sun_abraham
from hitex.models.matching import psm
from hitex.models.placebo import placebo


@pytest.fixture(scope="module")
def base_did(reference_dir):
    df = pd.read_csv(reference_dir / "fixest_base_did_vcov" / "base_did.csv")
    df["D"] = df["post"] * df["treat"]
    return df


@pytest.fixture(scope="module")
def base_stagg(reference_dir):
    return pd.read_csv(reference_dir / "fixest_base_stagg_sunab" / "base_stagg.csv")


@pytest.fixture(scope="module")
def mpdta(reference_dir):
    return pd.read_csv(reference_dir / "callaway_santanna_mpdta" / "mpdta.csv")


@pytest.fixture(scope="module")
def lalonde(reference_dir):
    return pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "matchit_lalonde.csv")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# -- 1. frames indexed on their own id columns, any index ------------------------------
def test_did_estimators_accept_frames_indexed_on_their_ids(base_did, base_stagg, mpdta):
    indexed = base_did.set_index(["id", "period"], drop=False)
    assert twfe_did(indexed, "y", "D", "id", "period").params["D"] == pytest.approx(
        twfe_did(base_did, "y", "D", "id", "period").params["D"], rel=1e-12)
    assert psm_did(indexed, "y", "D", "id", "period", ["x1"]).estimate == pytest.approx(
        psm_did(base_did, "y", "D", "id", "period", ["x1"]).estimate, rel=1e-12)
    args = ("y ~ D | id + period",)
    opts = {"treatment": "D", "unit": "id", "time": "period", "n": 30, "seed": 3}
    np.testing.assert_allclose(placebo(*args, indexed, **opts).estimates,
                               placebo(*args, base_did, **opts).estimates, rtol=1e-12)

    stagg = base_stagg.set_index(["id", "year"], drop=False)
    for fn in (event_study, sun_abraham):
        a = fn(stagg, "y", "id", "year", "year_treated", covariates=["x1"])
        b = fn(base_stagg, "y", "id", "year", "year_treated", covariates=["x1"])
        pd.testing.assert_frame_equal(a.estimates, b.estimates, rtol=1e-12)
    # the regression's sample is reported in the caller's labels
    sa = sun_abraham(stagg, "y", "id", "year", "year_treated")
    assert sa.regression.sample_index.equals(stagg.index)

    gt_a = att_gt(mpdta.set_index(["countyreal", "year"], drop=False), "lemp", "countyreal",
                  "year", "first.treat")
    gt_b = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    pd.testing.assert_frame_equal(gt_a.estimates, gt_b.estimates)
    assert gt_a.n_units == 500


@pytest.mark.parametrize("make_index", [
    lambda d: d.set_index(["rownames", "age"], drop=False).index,
    lambda d: pd.Index([0] * len(d)),
    lambda d: pd.MultiIndex.from_arrays([[1] * len(d), [2] * len(d)]),
])
def test_psm_works_with_any_index(lalonde, make_index):
    plain = psm(lalonde, "treat", ["age", "educ"], outcome="re78")
    index = make_index(lalonde)
    other = psm(lalonde.set_axis(index), "treat", ["age", "educ"], outcome="re78")
    assert other.att == pytest.approx(plain.att, rel=1e-12)
    assert other.se == pytest.approx(plain.se, rel=1e-12)
    np.testing.assert_array_equal(other.weights.to_numpy(), plain.weights.to_numpy())
    # pairs name the rows by the caller's labels
    first = plain.pairs.iloc[0]
    labels = other.pairs.iloc[0]
    assert labels["treated"] == index[int(first["treated"])]
    assert labels["control"] == index[int(first["control"])]


# -- 2. psm_did with duplicated labels and a missing treatment ---------------------------
@pytest.mark.parametrize("how", ["once", "by_period"])
def test_psm_did_with_duplicated_index_labels(base_did, how):
    plain = psm_did(base_did, "y", "D", "id", "period", ["x1"], how=how)
    dup = psm_did(base_did.set_axis([0] * len(base_did)), "y", "D", "id", "period", ["x1"],
                  how=how)
    assert dup.estimate == pytest.approx(plain.estimate, rel=1e-12)
    assert dup.regression.nobs == plain.regression.nobs
    assert (dup.sample.index == 0).all()
    np.testing.assert_array_equal(dup.sample["_psm_weight"].to_numpy(),
                                  plain.sample["_psm_weight"].to_numpy())


@pytest.mark.parametrize("how", ["once", "by_period"])
def test_psm_did_drops_rows_with_missing_treatment_and_says_so(base_did, how):
    df = base_did.copy()
    df["D"] = df["D"].astype("Int64")
    gone = (df["id"] == 7) | ((df["id"] == 8) & (df["period"] == 9))  # a whole unit + a row
    df.loc[gone, "D"] = pd.NA
    with pytest.warns(DiDDataWarning, match="11 row\\(s\\) with a missing value in 'D': 11"):
        res = psm_did(df, "y", "D", "id", "period", ["x1"], how=how)
    expected = psm_did(base_did.loc[~gone.to_numpy()], "y", "D", "id", "period", ["x1"], how=how)
    assert res.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert any("'D': 11" in n for n in res.notes)
    assert "note:" in res.summary()


# -- 3. a treatment absorbed by the fixed effects is an error -----------------------------
def test_absorbed_treatment_is_an_error_not_a_control_coefficient(base_did):
    df = base_did.copy()
    df["D"] = df["treat"]  # treated units are treated in every period
    df["x2"] = np.random.default_rng(0).normal(size=len(df))
    with pytest.raises(EstimationError, match="'D' is absorbed.*constant within every unit"):
        twfe_did(df, "y", "D", "id", "period", covariates=["x2"])
    with pytest.raises(EstimationError, match="'D' is absorbed"):
        psm_did(df, "y", "D", "id", "period", ["x1"], how="by_period", controls=["x2"])
    with pytest.raises(EstimationError, match="'D' is absorbed"):
        _quiet(placebo, "y ~ D + x2 | id + period", df, treatment="D", unit="id", time="period",
               n=20)
    df["D"] = df["post"]  # every unit switches in the same period
    with pytest.raises(EstimationError, match="'D' is absorbed.*same for every unit"):
        twfe_did(df, "y", "D", "id", "period", covariates=["x2"])


def test_psm_did_estimate_is_the_treatment_coefficient(base_did):
    df = base_did.copy()
    df["x2"] = np.random.default_rng(1).normal(size=len(df))
    res = psm_did(df, "y", "D", "id", "period", ["x1"], how="by_period", controls=["x2"])
    assert res.estimate == res.regression.params["D"]
    # weighted TWFE on the matched sample, refitted here, gives the same D coefficient
    ref = twfe_did(res.sample, "y", "D", "id", "period", covariates=["x2"],
                   weights="_psm_weight")
    assert res.estimate == pytest.approx(float(ref.params["D"]), rel=1e-10)


# -- 4. Sun-Abraham weights come from the estimation sample -------------------------------
def test_sun_abraham_weights_use_estimation_sample(base_stagg):
    d = base_stagg.copy()
    rows = d.index[(d["year_treated"] == 3) & (d["year"] == 8)][:3]
    d.loc[rows, "y"] = np.nan
    with_nan = sun_abraham(d, "y", "id", "year", "year_treated", covariates=["x1"])
    dropped = sun_abraham(d.dropna(subset=["y"]), "y", "id", "year", "year_treated",
                          covariates=["x1"])
    assert with_nan.regression.nobs == dropped.regression.nobs == 947
    assert with_nan.att == pytest.approx(dropped.att, rel=1e-12)
    pd.testing.assert_frame_equal(with_nan.estimates, dropped.estimates, rtol=1e-12)
    # the ATT by hand: cohort x period coefficients weighted by their observed cells
    obs = d.dropna(subset=["y"])
    obs = obs.loc[obs["year_treated"] <= 10]
    rel = obs["year"] - obs["year_treated"]
    cells = obs.loc[rel >= 0].groupby(["year_treated", rel[rel >= 0]]).size()
    params = with_nan.regression.params
    num = sum(params[f"sa_c{c}_p{e}"] * n for (c, e), n in cells.items())
    assert with_nan.att == pytest.approx(num / cells.sum(), rel=1e-10)
    assert cells.loc[(3, 5)] == 2  # 5 units of cohort 3, 3 outcomes missing in year 8


def test_event_study_and_att_gt_ignore_rows_with_missing_outcome(base_stagg, mpdta):
    d = base_stagg.copy()
    d.loc[d.index[(d["year_treated"] == 3) & (d["year"] == 8)][:3], "y"] = np.nan
    a = event_study(d, "y", "id", "year", "year_treated", covariates=["x1"])
    b = event_study(d.dropna(subset=["y"]), "y", "id", "year", "year_treated", covariates=["x1"])
    pd.testing.assert_frame_equal(a.estimates, b.estimates, rtol=1e-12)
    m = mpdta.copy()
    m.loc[m.index[m["first.treat"] == 2006][:2], "lemp"] = np.nan
    gt_a = _quiet(att_gt, m, "lemp", "countyreal", "year", "first.treat")
    gt_b = _quiet(att_gt, m.dropna(subset=["lemp"]), "lemp", "countyreal", "year", "first.treat")
    pd.testing.assert_frame_equal(gt_a.estimates, gt_b.estimates)
    assert gt_a.n_units == gt_b.n_units == 500 - m.loc[m["lemp"].isna(), "countyreal"].nunique()


# -- 5. att_gt with missing unit ids ----------------------------------------------------------
def test_att_gt_drops_missing_unit_ids_with_a_warning_and_correct_counts(mpdta):
    m = mpdta.astype({"countyreal": float})
    lost = m["countyreal"].isin([8001, 8019])  # two counties, 10 rows
    m.loc[lost, "countyreal"] = np.nan
    with pytest.warns(DiDDataWarning, match="10 row\\(s\\) with a missing value in 'countyreal'"):
        res = att_gt(m, "lemp", "countyreal", "year", "first.treat")
    assert res.n_units == 498
    expected = att_gt(mpdta.loc[~lost.to_numpy()], "lemp", "countyreal", "year", "first.treat")
    pd.testing.assert_frame_equal(res.estimates, expected.estimates)
    assert any("'countyreal': 10" in n for n in res.notes)


# -- 6. placebo draws do not depend on the id dtype or the row order ---------------------------
def test_placebo_draws_do_not_depend_on_unit_id_dtype_or_row_order(base_did):
    opts = {"treatment": "D", "unit": "id", "time": "period", "n": 40, "seed": 7}
    ref = placebo("y ~ D | id + period", base_did, **opts)
    variants = [base_did.assign(id=base_did["id"].astype(str)),
                base_did.assign(id=base_did["id"].astype(str).astype(object)),
                base_did.assign(id=base_did["id"].astype(float)),
                base_did.sample(frac=1.0, random_state=5)]
    for df in variants:
        res = placebo("y ~ D | id + period", df, **opts)
        np.testing.assert_allclose(res.estimates, ref.estimates, rtol=1e-10)
        units = pd.to_numeric(res.draws["unit"]).astype(int).to_numpy()
        np.testing.assert_array_equal(units, ref.draws["unit"].to_numpy())
    # ids 1, 2, 10 order as numbers, not as text ("10" < "2")
    ids = base_did["id"].astype(str).where(base_did["id"] != 2, "10b")  # not all numeric: text
    text = placebo("y ~ D | id + period", base_did.assign(id=ids), **opts)
    assert text.estimate == pytest.approx(ref.estimate, rel=1e-12)


# -- 7. one rule for 0/1 treatments ---------------------------------------------------------
CODINGS = {
    "int": lambda s: s.astype(int),
    "float": lambda s: s.astype(float),
    "bool": lambda s: s.astype(bool),
    "boolean": lambda s: s.astype("boolean"),
    "Int64": lambda s: s.astype("Int64"),
    "str": lambda s: s.astype(int).astype(str),
    "object text": lambda s: s.astype(int).astype(str).astype(object),
    "object bool": lambda s: s.astype(bool).astype(object),
    "category 0/1": lambda s: s.astype(int).astype("category"),
    "category '0'/'1'": lambda s: s.astype(int).astype(str).astype("category"),
}


@pytest.mark.parametrize("coding", list(CODINGS))
def test_every_01_coding_gives_the_same_results(base_did, lalonde, coding):
    recode = CODINGS[coding]
    m_ref = psm(lalonde, "treat", ["age", "educ"], outcome="re78")
    m = psm(lalonde.assign(treat=recode(lalonde["treat"])), "treat", ["age", "educ"],
            outcome="re78")
    assert m.att == pytest.approx(m_ref.att, rel=1e-12)

    df = base_did.assign(D=recode(base_did["D"]))
    assert float(twfe_did(df, "y", "D", "id", "period").params["D"]) == pytest.approx(
        float(twfe_did(base_did, "y", "D", "id", "period").params["D"]), rel=1e-12)
    assert psm_did(df, "y", "D", "id", "period", ["x1"]).estimate == pytest.approx(
        psm_did(base_did, "y", "D", "id", "period", ["x1"]).estimate, rel=1e-12)
    opts = {"treatment": "D", "unit": "id", "time": "period", "n": 20, "seed": 1}
    np.testing.assert_allclose(placebo("y ~ D | id + period", df, **opts).estimates,
                               placebo("y ~ D | id + period", base_did, **opts).estimates,
                               rtol=1e-10)


@pytest.mark.parametrize("values", [["yes", "no"], ["2", "0"], [2, 0]])
def test_values_other_than_01_are_rejected_everywhere(base_did, lalonde, values):
    def recode(s):
        return s.map({1: values[0], 0: values[1]})

    shown = repr(values[0])
    with pytest.raises(SpecificationError, match=f"'treat' must be 0/1 .*holds .*{shown}"):
        psm(lalonde.assign(treat=recode(lalonde["treat"])), "treat", ["age"])
    df = base_did.assign(D=recode(base_did["D"]))
    with pytest.raises(SpecificationError, match=f"'D' must be 0/1 .*holds .*{shown}"):
        twfe_did(df, "y", "D", "id", "period")
    with pytest.raises(SpecificationError, match=f"'D' must be 0/1 .*holds .*{shown}"):
        psm_did(df, "y", "D", "id", "period", ["x1"])
    with pytest.raises(SpecificationError, match=f"'D' must be 0/1 .*holds .*{shown}"):
        placebo("y ~ D | id + period", df, treatment="D", unit="id", time="period", n=20)
