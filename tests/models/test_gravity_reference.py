"""hitex.gravity against published gravity estimates.

Expected values are in tests/references/yotov2016_agtpa_gravity.json and
fixest_trade_gravity.json with their provenance (repository@commit:path, the
command and the standard-error convention). Tolerances follow the printed digits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.models.gravity import gravity
from tests.conftest import load_reference

YEARS = (1986, 1990, 1994, 1998, 2002, 2006)
DP = [f"log_dist_{y}" for y in YEARS]


def _model(ref: dict, model_id: str) -> dict:
    return next(m for m in ref["models"] if m["id"] == model_id)


def _check(res, model: dict, *, coef_abs: float, se_abs: float = 0.0, se_rel: float = 0.0) -> None:
    for term, est in model["estimates"].items():
        assert res.params[term] == pytest.approx(est["coef"], abs=coef_abs, rel=0), term
        assert res.std_errors[term] == pytest.approx(est["se"], abs=se_abs, rel=se_rel), term
    assert res.nobs == model["nobs"]


def _fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gravity(*args, **kwargs)


@pytest.fixture(scope="module")
def agtpa(reference_dir) -> pd.DataFrame:
    d = pd.read_csv(reference_dir / "yotov2016_agtpa_gravity" / "agtpa_4yr_1986_2006.csv")
    d["log_dist"] = np.log(d["dist"])
    d["log_trade"] = np.log(d["trade"].where(d["trade"] > 0))
    d["log_y"] = np.log(d.groupby(["exporter", "year"])["trade"].transform("sum"))
    d["log_e"] = np.log(d.groupby(["importer", "year"])["trade"].transform("sum"))
    d["smctry"] = (d["exporter"] == d["importer"]).astype(int)
    for y in YEARS:
        d[f"log_dist_{y}"] = d["log_dist"] * (d["year"] == y) * (1 - d["smctry"])
        d[f"intl_border_{y}"] = ((d["year"] == y) & (d["smctry"] == 0)).astype(int)
    d["log_dist_intra"] = d["log_dist"] * d["smctry"]
    d["intl_brdr"] = np.where(d["smctry"] == 1, d["pair_id"], -1)
    d["pair_id_2"] = np.where(d["smctry"] == 1, -1, d["pair_id"])
    d["sum_trade"] = d.groupby("pair_id")["trade"].transform("sum")
    return d


YOTOV_CASES = [
    ("ch1_app1_ols_traditional", "ols", "log_trade ~ log_dist + cntg + lang + clny + log_y + log_e", "intl"),
    ("ch1_app1_ols_fe", "ols", "log_trade ~ log_dist + cntg + lang + clny | exporter^year + importer^year", "intl"),
    ("ch1_app1_ppml_fe", "ppml", "trade ~ log_dist + cntg + lang + clny | exporter^year + importer^year", "intl"),
    ("ch1_app2_ols_distance_puzzle", "ols",
     f"log_trade ~ {' + '.join(DP)} + cntg + lang + clny | exporter^year + importer^year", "intl"),
    ("ch1_app2_ppml_distance_puzzle", "ppml",
     f"trade ~ {' + '.join(DP)} + cntg + lang + clny | exporter^year + importer^year", "intl"),
    ("ch1_app2_ppml_intra_distance", "ppml",
     f"trade ~ {' + '.join(DP)} + cntg + lang + clny + log_dist_intra | exporter^year + importer^year", "all"),
    ("ch1_app2_ppml_home_bias", "ppml",
     f"trade ~ {' + '.join(DP)} + cntg + lang + clny + log_dist_intra + smctry | exporter^year + importer^year",
     "all"),
    ("ch1_app3_ols_rta", "ols", "log_trade ~ log_dist + cntg + lang + clny + rta | exporter^year + importer^year",
     "intl"),
    ("ch1_app3_ppml_rta", "ppml", "trade ~ log_dist + cntg + lang + clny + rta | exporter^year + importer^year",
     "intl"),
    ("ch1_app3_ppml_rta_intra", "ppml",
     "trade ~ log_dist + cntg + lang + clny + rta | exporter^year + importer^year + intl_brdr", "all"),
    ("ch1_app3_ppml_rta_pair_fe", "ppml", "trade ~ rta | exporter^year + importer^year + pair_id_2", "traded"),
    ("ch1_app3_ppml_rta_lead", "ppml", "trade ~ rta + rta_lead4 | exporter^year + importer^year + pair_id_2",
     "traded"),
    ("ch1_app3_ppml_rta_lags", "ppml",
     "trade ~ rta + rta_lag4 + rta_lag8 + rta_lag12 | exporter^year + importer^year + pair_id_2", "traded"),
    ("ch1_app3_ppml_rta_globalization", "ppml",
     "trade ~ rta + rta_lag4 + rta_lag8 + rta_lag12 + intl_border_1986 + intl_border_1990 + intl_border_1994 "
     "+ intl_border_1998 + intl_border_2002 | exporter^year + importer^year + pair_id_2", "traded"),
]


@pytest.mark.parametrize(("model_id", "method", "formula", "sample"), YOTOV_CASES,
                         ids=[c[0] for c in YOTOV_CASES])
def test_yotov2016_chapter1(agtpa, model_id, method, formula, sample):
    model = _model(load_reference("yotov2016_agtpa_gravity"), model_id)
    data = {"intl": agtpa[agtpa["smctry"] == 0], "all": agtpa,
            "traded": agtpa[agtpa["sum_trade"] > 0]}[sample]
    res = _fit(formula, data, method=method, pair="pair_id", ssc="cluster")
    # printed to 4 decimals: half a unit in the last digit, plus float slack
    _check(res, model, coef_abs=5.001e-5, se_abs=5.001e-5)
    assert res.spec.cluster == ("pair_id",)


def test_yotov2016_stata_convention_rounds_to_book_table1(agtpa):
    """Default (reghdfe/ppmlhdfe) SEs round to the book's 3-decimal Table 1."""
    intl = agtpa[agtpa["smctry"] == 0]
    ols = _fit("log_trade ~ log_dist + cntg + lang + clny | exporter^year + importer^year", intl,
               method="ols", pair="pair_id")
    ppml = _fit("trade ~ log_dist + cntg + lang + clny | exporter^year + importer^year", intl, pair="pair_id")
    assert round(float(ols.std_errors["log_dist"]), 3) == 0.038
    assert round(float(ppml.std_errors["log_dist"]), 3) == 0.032
    assert ols.std_errors["log_dist"] > _fit(
        "log_trade ~ log_dist + cntg + lang + clny | exporter^year + importer^year", intl,
        method="ols", pair="pair_id", ssc="cluster").std_errors["log_dist"]


@pytest.fixture(scope="module")
def trade(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "fixest_trade_gravity" / "trade.csv")


FE4 = "Origin + Destination + Product + Year"


@pytest.fixture(scope="module")
def pois_fe4(trade):
    return _fit(f"Euros ~ log(dist_km) | {FE4}", trade, vcov={"CRV1": "Origin"})


def test_fixest_fepois_cluster_origin(pois_fe4):
    model = _model(load_reference("fixest_trade_gravity"), "pois_fe4_cluster_origin")
    # 6 significant digits printed
    _check(pois_fe4, model, coef_abs=5e-6, se_abs=5e-7)
    assert pois_fe4.rsquared == pytest.approx(model["squared_cor"], abs=5e-7)


@pytest.mark.parametrize("model_id", ["pois_fe4_twoway", "pois_fe4_cluster_product"])
def test_fixest_fepois_other_clusters(pois_fe4, trade, model_id):
    model = _model(load_reference("fixest_trade_gravity"), model_id)
    if "Product" in model["vcov"]["CRV1"]:
        res = _fit(f"Euros ~ log(dist_km) | {FE4}", trade, vcov=model["vcov"])
    else:
        res = pois_fe4.with_vcov(model["vcov"])
    _check(res, model, coef_abs=5e-6, se_abs=5e-7)


@pytest.mark.parametrize("model_id", ["pois_nofe_twoway", "pois_nofe_cluster_product"])
def test_fixest_fepois_without_fe(trade, model_id):
    model = _model(load_reference("fixest_trade_gravity"), model_id)
    res = _fit("Euros ~ log(dist_km)", trade, vcov=model["vcov"])
    _check(res, model, coef_abs=5e-6, se_rel=1e-4)  # see the caveat in the reference file


@pytest.mark.parametrize("model_id", ["pois_fe_year_twoway", "pois_fe_year_dest_twoway",
                                      "pois_fe_year_dest_orig_twoway"])
def test_fixest_fepois_stepwise_fe(trade, model_id):
    model = _model(load_reference("fixest_trade_gravity"), model_id)
    res = _fit(f"Euros ~ log(dist_km) | {model['fe']}", trade, vcov=model["vcov"])
    _check(res, model, coef_abs=5e-4, se_abs=5e-5)  # etable: 4 significant digits


def test_fixest_feols_log_flows(trade):
    model = _model(load_reference("fixest_trade_gravity"), "ols_fe4_twoway")
    res = _fit(f"log(Euros) ~ log(dist_km) | {FE4}", trade, method="ols", vcov=model["vcov"])
    _check(res, model, coef_abs=5e-4, se_abs=5e-5)
