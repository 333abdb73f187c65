"""hitex.gravity against Santos Silva and Tenreyro (2006), "The Log of Gravity", Table 3.

Expected values are in tests/references/santos_silva_tenreyro2006.json. They come from the
3-decimal stargazer table of an R replication on the authors' 1990 cross-section
(pachadotdev/log-of-gravity@1f4b75f5:replication.tex), with provenance, commands and SE
conventions. That table prints classical OLS SEs and quasi-Poisson PPML SEs, not the paper's
heteroskedasticity-robust ones. So only the OLS SEs are compared (hitex ``vcov="iid"``, N-K),
and for PPML only the coefficients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.models.gravity import gravity
from tests.conftest import load_reference

RHS = (
    "lypex + lypim + lyex + lyim + ldist + border + comlang + colony + landl_ex + landl_im"
    " + lremot_ex + lremot_im + comfrt_wto + open_wto"
)
# printed to 3 decimals: half a unit in the last digit, plus float slack
TOL = 5.001e-4


def _model(model_id: str) -> dict:
    ref = load_reference("santos_silva_tenreyro2006")
    return next(m for m in ref["models"] if m["id"] == model_id)


def _fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gravity(*args, **kwargs)


@pytest.fixture(scope="module")
def lgw(reference_dir) -> pd.DataFrame:
    d = pd.read_csv(
        reference_dir / "santos_silva_tenreyro2006_log_of_gravity" / "log_of_gravity.csv"
    )
    d["log_trade"] = np.log(d["trade"].where(d["trade"] > 0))
    return d


def _check_coefs(res, model: dict) -> None:
    assert set(res.params.index) == set(model["estimates"])
    for term, est in model["estimates"].items():
        assert res.params[term] == pytest.approx(est["coef"], abs=TOL, rel=0), term
    assert res.nobs == model["nobs"]


def test_table3_ols_log_trade_positive_flows(lgw):
    model = _model("table3_ols_ln_trade_positive")
    # zero flows drop out as missing log_trade, as lm(..., subset = trade > 0)
    res = _fit(f"log_trade ~ {RHS}", lgw, method="ols", vcov="iid")
    _check_coefs(res, model)
    assert sum(r.count for r in res.dropped) == 18360 - 9613  # the zero flows
    for term, est in model["estimates"].items():
        assert res.std_errors[term] == pytest.approx(est["se"], abs=TOL, rel=0), term


@pytest.mark.parametrize(
    ("model_id", "positive_only"), [("table3_ppml_full", False), ("table3_ppml_positive", True)]
)
def test_table3_ppml_coefficients(lgw, model_id, positive_only):
    model = _model(model_id)
    data = lgw[lgw["trade"] > 0] if positive_only else lgw
    res = _fit(f"trade ~ {RHS}", data, method="ppml", vcov="hetero")
    _check_coefs(res, model)
    assert res.dropped == ()  # no zero-only groups without fixed effects; all rows kept
