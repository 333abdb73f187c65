"""Coarsened exact matching: MatchIt's published weights and strata on lalonde, hand-computed
equivalences, and bad input."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    EstimationError,
    NonNumericError,
    SpecificationError,
)
from hitex.models.cem import CEMResult, cem
from tests.conftest import load_reference

COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde(reference_dir):
    return pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "matchit_lalonde.csv")


# -- published numbers: R MatchIt method = "cem" ----------------------------------------------
def test_matchit_cem_weights_and_strata(lalonde):
    ref = load_reference("lalonde_matchit_cem")
    res = cem(lalonde, "treat", COVS)
    w = res.weights.to_numpy()
    treated = lalonde["treat"].to_numpy() == 1
    assert "".join(str(int(v)) for v in w[treated]) == ref["treated_matched"]
    positive = np.round(w[~treated][w[~treated] > 0], ref["digits"])
    np.testing.assert_allclose(positive, ref["control_weights_positive_in_row_order"],
                               atol=0.6 * 10 ** -ref["digits"])
    sub = res.subclass.to_numpy()[treated]
    for got, expected in zip(sub, ref["treated_subclass"], strict=True):
        assert (math.isnan(got) if expected is None else got == expected)
    sizes = ref["sample_sizes"]
    assert (res.n_treated, res.n_controls) == (sizes["treated_matched"], sizes["control_matched"])
    assert (res.n_treated_unmatched, res.n_controls_unmatched) == (
        sizes["treated_unmatched"], sizes["control_unmatched"])
    assert res.n_strata == sizes["strata"]


# -- equivalences ------------------------------------------------------------------------------
def test_att_is_treated_weighted_average_of_stratum_differences(lalonde):
    res = cem(lalonde, "treat", COVS, outcome="re78")
    m = res.matched_sample()
    by = m.groupby(["_subclass", "treat"])["re78"].mean().unstack()
    n1 = m.loc[m.treat == 1].groupby("_subclass").size()
    expected = float(((by[1] - by[0]) * n1).sum() / n1.sum())
    assert res.att == pytest.approx(expected, rel=1e-10)


def test_zero_cutpoints_is_exact_matching():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"d": rng.integers(0, 2, 300), "a": rng.integers(0, 3, 300),
                       "b": rng.choice(["x", "y"], 300), "y": rng.normal(size=300)})
    res = cem(df, "d", ["a", "b"], cutpoints=0, outcome="y")
    cells = df.groupby(["a", "b"])["d"].agg(["min", "max"])
    both = cells[(cells["min"] == 0) & (cells["max"] == 1)].index
    keep = pd.MultiIndex.from_frame(df[["a", "b"]]).isin(both)
    assert ((res.weights > 0).to_numpy() == keep).all()
    assert res.n_strata == len(both)


def test_value_on_a_cut_point_goes_to_the_higher_bin():
    df = pd.DataFrame({"d": [1, 0, 1, 0, 0, 1], "x": [24.0, 24.0, 25.0, 26.0, 25.0, 99.0],
                       "y": [1.0, 0.0, 5.0, 2.0, 1.0, 9.0]})
    res = cem(df, "d", ["x"], cutpoints=[25.0, 100.0], outcome="y")
    assert res.subclass[2] == res.subclass[3] == res.subclass[4]
    assert res.subclass[0] != res.subclass[2]
    assert res.cutpoints == {"x": [25.0, 100.0]}


def test_sturges_bins_and_one_bin_drops_the_variable(lalonde):
    res = cem(lalonde, "treat", ["age"])
    n = len(lalonde)
    bins = math.ceil(math.log2(n) + 1)
    expected = np.linspace(lalonde["age"].min(), lalonde["age"].max(), bins + 1)[1:-1]
    np.testing.assert_allclose(res.cutpoints["age"], expected, rtol=1e-12)
    only_race = cem(lalonde, "treat", ["age", "race"], cutpoints={"age": 1})
    assert only_race.n_strata == 3 and (only_race.weights > 0).all()


def test_quantile_bins():
    df = pd.DataFrame({"d": np.tile([0, 1], 100), "x": np.arange(200.0)})
    res = cem(df, "d", ["x"], cutpoints="q4")
    np.testing.assert_allclose(res.cutpoints["x"], np.quantile(df["x"], [0.25, 0.5, 0.75]))
    assert res.n_strata == 4


def test_result_contract(lalonde):
    res = cem(lalonde, "treat", COVS, outcome="re78")
    assert isinstance(res, CEMResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.att = 0.0  # type: ignore[misc]
    tidy = res.tidy()
    assert list(tidy.index) == ["ATT"] and tidy.loc["ATT", "std_error"] > 0
    assert "Coarsened exact matching" in res.summary()
    bal = res.balance(["age", "re74"], ecdf=True)
    assert abs(bal.loc["age", "smd_after"]) < abs(bal.loc["age", "smd_before"])
    assert res.nobs == res.n_treated + res.n_controls


# -- bad input -----------------------------------------------------------------------------------
def _toy():
    return pd.DataFrame({"d": [1, 1, 0, 0, 0], "x": [1.0, 5.0, 1.2, 5.1, 9.0],
                         "g": ["a", "b", "a", "b", "a"], "y": [3.0, 9.0, 1.0, 4.0, 0.0]})


@pytest.mark.parametrize("cutpoints, message", [
    ("sturgess", "cutpoints for 'x' is 'sturgess'"),
    (-2, "cutpoints for 'x' is -2"),
    ({"z": 3}, "cutpoints names 'z'"),
    ([1.0, float("inf")], "must be finite"),
])
def test_bad_cutpoints(cutpoints, message):
    with pytest.raises(SpecificationError, match=message):
        cem(_toy(), "d", ["x"], cutpoints=cutpoints)


def test_nothing_matched_names_the_fix():
    df = _toy().assign(x=[1.0, 2.0, 10.0, 11.0, 12.0])
    with pytest.raises(EstimationError, match="no stratum.*Coarsen more"):
        cem(df, "d", ["x"], cutpoints=[5.0])


def test_missing_column_text_outcome_and_no_controls():
    with pytest.raises(ColumnNotFoundError, match="'w'"):
        cem(_toy(), "d", ["x", "w"])
    bad = _toy().assign(y=["a", "b", "c", "d", "e"])
    with pytest.raises(NonNumericError, match="'y'"):
        cem(bad, "d", ["x"], outcome="y")
    with pytest.raises(EstimationError, match="no control units"):
        cem(_toy().assign(d=1), "d", ["x"])
    with pytest.raises(SpecificationError, match="at least one covariate"):
        cem(_toy(), "d", [])
