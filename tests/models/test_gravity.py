"""hitex.gravity against independent oracles, and its input errors; gravity variable helpers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    DataFormatError,
    EmptySampleError,
    EstimationError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.models import gravity_vars as gv
from hitex.models.gravity import SeparationWarning, gravity

PPML_TOL = 1e-6
OLS_TOL = 1e-8


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """8 countries, all ordered pairs, 4 years; known gravity parameters, ~25% zeros."""
    rng = np.random.default_rng(42)
    c = [f"C{i}" for i in range(8)]
    rows = [(e, i, t) for e in c for i in c if e != i for t in (2000, 2001, 2002, 2003)]
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    key = df[["exporter", "importer"]].apply(lambda r: "-".join(sorted(r)), axis=1)
    df["pair_id"] = pd.factorize(key)[0]
    dist = pd.Series(rng.uniform(300, 9000, df["pair_id"].max() + 1))
    df["ln_dist"] = np.log(dist[df["pair_id"]].to_numpy())
    df["rta"] = (rng.uniform(size=len(df)) < 0.35).astype(int)
    size = dict(zip(c, rng.normal(0, 1, len(c)), strict=True))
    eta = (4 + df["exporter"].map(size) + 0.5 * df["importer"].map(size) + 0.1 * (df["year"] - 2000)
           - 0.9 * (df["ln_dist"] - 7) + 0.4 * df["rta"])
    df["trade"] = rng.poisson(np.exp(eta - 2.5)).astype(float) * 10
    df["ln_trade"] = np.log(df["trade"].where(df["trade"] > 0))
    return df


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gravity(*args, **kwargs)


def _dummies(d: pd.DataFrame) -> pd.DataFrame:
    """Full-rank design: regressors, all exporter-year dummies, importer-year dummies but C7's."""
    yr = d["year"].astype(str)
    exp_year = pd.get_dummies(d["exporter"] + "^" + yr, dtype=float)
    imp_year = pd.get_dummies((d["importer"] + "^" + yr).where(d["importer"] != "C7"), dtype=float)
    return pd.concat([d[["ln_dist", "rta"]].astype(float), exp_year, imp_year], axis=1)


def test_ppml_equals_poisson_glm_with_dummies(panel):
    res = _quiet("trade ~ ln_dist + rta | exporter^year + importer^year", panel, vcov="hetero")
    design = _dummies(panel)
    glm = sm.GLM(panel["trade"], design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200)
    for term in ("ln_dist", "rta"):
        assert res.params[term] == pytest.approx(glm.params[term], abs=PPML_TOL)
    assert res.nobs == len(panel)
    assert res.extra["n_zero_flows"] == int((panel["trade"] == 0).sum()) > 0
    assert res.spec.estimator.startswith("PPML")


def test_ols_equals_dummy_variable_ols(panel):
    res = _quiet("ln_trade ~ ln_dist + rta | exporter^year + importer^year", panel, method="ols")
    d = panel.dropna(subset=["ln_trade"])
    X = _dummies(d)
    ols = sm.OLS(d["ln_trade"], X).fit()
    for term in ("ln_dist", "rta"):
        assert res.params[term] == pytest.approx(ols.params[term], rel=OLS_TOL, abs=OLS_TOL)
    # default: clustered by the pair column found in the data (pair_id)
    assert res.spec.cluster == ("pair_id",)
    # the unadjusted cluster sandwich, and G/(G-1) alone, against statsmodels
    clus = sm.OLS(d["ln_trade"], X).fit(cov_type="cluster",
                                        cov_kwds={"groups": d["pair_id"], "use_correction": False})
    raw = _quiet("ln_trade ~ ln_dist + rta | exporter^year + importer^year", panel, method="ols", ssc="none")
    assert raw.std_errors["rta"] == pytest.approx(clus.bse["rta"], rel=1e-6)
    g = d["pair_id"].nunique()
    gadj = _quiet("ln_trade ~ ln_dist + rta | exporter^year + importer^year", panel, method="ols", ssc="cluster")
    assert gadj.std_errors["rta"] == pytest.approx(clus.bse["rta"] * np.sqrt(g / (g - 1)), rel=1e-6)
    assert res.std_errors["rta"] > gadj.std_errors["rta"]
    missing = [d for d in res.dropped if d.reason == "missing"]
    assert missing and missing[0].count == int(panel["ln_trade"].isna().sum())


def test_default_cluster_rule(panel):
    fe_pair = _quiet("trade ~ rta | exporter^year + importer^year + pair_id", panel)
    assert fe_pair.spec.cluster == ("pair_id",)
    inter = _quiet("trade ~ rta | exporter^year + importer^year + exporter^importer",
                   panel.drop(columns="pair_id"))
    assert inter.spec.cluster == ("exporter^importer",)
    traded = int((panel.groupby(["exporter", "importer"])["trade"].sum() > 0).sum())
    assert inter.n_clusters == {"exporter^importer": traded}  # all-zero pairs are separated
    explicit = _quiet("trade ~ rta | exporter^year + importer^year", panel.drop(columns="pair_id"),
                      pair="exporter^importer")
    assert explicit.n_clusters == {"exporter^importer": 56}
    with pytest.raises(SpecificationError, match="pair="):
        gravity("trade ~ rta | exporter^year + importer^year", panel.drop(columns="pair_id"))


def test_absorbed_distance_under_pair_fe(panel):
    with pytest.warns(AbsorbedRegressorWarning, match="ln_dist.*pair_id"):
        res = gravity("trade ~ ln_dist + rta | exporter^year + importer^year + pair_id", panel)
    assert "ln_dist" not in res.params.index and "rta" in res.params.index
    rec = [d for d in res.dropped if d.reason == "absorbed"]
    assert rec and "pair_id" in rec[0].detail
    assert any("pair_id" in n for n in res.spec.notes)
    with pytest.warns(AbsorbedRegressorWarning, match="log\\(dist\\)"):
        gravity("trade ~ log(dist) + rta | exporter^year + importer^year + pair_id",
                panel.assign(dist=np.exp(panel["ln_dist"]) * (1 + 1e-9 * (panel["exporter"] < "C4"))))


def test_separation_all_zero_groups_dropped_and_recorded(panel):
    df = panel.copy()
    df.loc[df["exporter"] == "C0", "trade"] = 0.0
    with pytest.warns(SeparationWarning, match="zero outcome"):
        res = gravity("trade ~ ln_dist + rta | exporter^year + importer^year", df, separation=("fe",))
    sep = [d for d in res.dropped if d.reason == "separation"]
    assert sep[0].count == int((df["exporter"] == "C0").sum())
    assert res.nobs == len(df) - sep[0].count
    ref = _quiet("trade ~ ln_dist + rta | exporter^year + importer^year", df[df["exporter"] != "C0"])
    assert res.params["rta"] == pytest.approx(ref.params["rta"], abs=PPML_TOL)


def test_with_vcov_returns_new_ppml_result(panel):
    res = _quiet("trade ~ ln_dist + rta | exporter^year + importer^year", panel)
    het = res.with_vcov("hetero")
    assert het is not res and het.spec.vcov_type == "hetero"
    assert res.params.equals(het.params)
    assert np.isinf(het.df_resid)


# -- bad input ----------------------------------------------------------------

def test_negative_flows(panel):
    df = panel.copy()
    df.loc[3, "trade"] = -5.0
    with pytest.raises(EstimationError, match="'trade'.*negative"):
        gravity("trade ~ ln_dist | exporter^year + importer^year", df)


def test_missing_pair_identifiers(panel):
    df = panel.astype({"pair_id": "float"})
    df.loc[[1, 7], "pair_id"] = np.nan
    with pytest.raises(EstimationError, match="pair identifier 'pair_id' is missing in 2"):
        gravity("trade ~ ln_dist + rta | exporter^year + importer^year", df)


def test_fixed_effect_absorbing_everything(panel):
    with pytest.raises(SpecificationError, match="'exporter\\^importer\\^year'.*every observation"):
        gravity("trade ~ rta | exporter^importer^year", panel, vcov="hetero")
    with pytest.raises(EstimationError, match="every regressor"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gravity("trade ~ ln_dist | exporter^year + pair_id", panel)


def test_all_zero_outcome(panel):
    with pytest.raises(EstimationError, match="'trade' is all zero"):
        gravity("trade ~ ln_dist | exporter^year", panel.assign(trade=0.0))


@pytest.mark.parametrize("method", ["ppml", "ols"])
def test_missing_column_text_and_empty(panel, method):
    y = "trade" if method == "ppml" else "ln_trade"
    with pytest.raises(ColumnNotFoundError, match="'ln_distance'"):
        gravity(f"{y} ~ ln_distance | exporter^year", panel, method=method)
    with pytest.raises(NonNumericError, match="'rta'"):
        gravity(f"{y} ~ rta | exporter^year", panel.assign(rta=panel["rta"].astype(str).replace("1", "yes")),
                method=method)
    with pytest.raises(EmptySampleError):
        gravity(f"{y} ~ rta | exporter^year", panel.assign(rta=np.nan), method=method)


def test_bad_options(panel):
    with pytest.raises(SpecificationError, match="method"):
        gravity("trade ~ rta", panel, method="gmm")
    with pytest.raises(EstimationError, match="level of the flow"):
        gravity("log(trade) ~ rta | exporter^year", panel)
    with pytest.raises(HitexError):
        gravity("trade ~ rta | exporter^year", panel, panel_id=["exporter", "year"])


# -- helpers --------------------------------------------------------------------

def test_log_helpers():
    df = pd.DataFrame({"gdp_o": [1.0, np.e], "gdp_d": [np.e**2, 1.0], "dist": [np.e, 1.0]})
    out = gv.ln_gdp(df)
    assert out["ln_gdp_o"].tolist() == pytest.approx([0.0, 1.0])
    assert out["ln_gdp_d"].tolist() == pytest.approx([2.0, 0.0])
    assert gv.ln_distance(df).tolist() == pytest.approx([1.0, 0.0])
    with pytest.raises(DataFormatError, match="'dist'"):
        gv.ln_distance(df.assign(dist=[0.0, 1.0]))


def test_merge_fta_symmetric_with_depth():
    flows = pd.DataFrame({"exporter": ["A", "B", "A", "C"], "importer": ["B", "A", "C", "A"],
                          "year": [2000, 2000, 2000, 2001]})
    agr = pd.DataFrame({"exporter": ["A"], "importer": ["B"], "year": [2000], "fta": [1], "depth": [3.0]})
    out = gv.merge_fta(flows, agr)
    assert out["fta"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert out["depth_x_fta"].tolist() == [3.0, 3.0, 0.0, 0.0]
    assert "fta" not in flows.columns


def test_ln_stock_cumulates_by_year_not_row_order():
    df = pd.DataFrame({"importer": ["A", "A", "A", "B"], "year": [2002, 2000, 2001, 2000],
                       "tbt": [1, 2, 4, 5]})
    out = gv.ln_stock(df, "tbt", by="importer")
    assert out.tolist() == pytest.approx(np.log1p([7, 2, 6, 5]).tolist())


def test_shift_years_uses_calendar_years():
    df = pd.DataFrame({"pair": [1, 1, 1, 2], "year": [2000, 2001, 2003, 2001], "rta": [0, 1, 1, 1]})
    lag = gv.shift_years(df, "rta", 1, pair="pair")
    assert lag.columns.tolist() == ["rta_lag1"]
    # 2000 and 2003 of pair 1 and 2001 of pair 2 have no previous calendar year in the data
    assert lag["rta_lag1"].isna().tolist() == [True, False, True, True]
    assert lag["rta_lag1"].iloc[1] == 0
    lead = gv.shift_years(df, ["rta"], -2, pair="pair")
    assert np.isnan(lead["rta_lead2"].iloc[2])  # 2005 is not in the data
    assert lead["rta_lead2"].iloc[1] == 1  # 2001 -> 2003
    with pytest.raises(HitexError):
        gv.shift_years(pd.concat([df, df]), "rta", 1, pair="pair")
