"""Nearest-neighbour covariate matching (teffects nnmatch): Abadie-Imbens' published nnmatch
estimates on the NSW experimental sample, the robust variance written out by hand, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, EstimationError, SpecificationError
from hitex.models.teffects import nnmatch
from tests.conftest import load_reference

COVS = ["age", "educ", "re74", "re75"]


@pytest.fixture(scope="module")
def nsw(reference_dir):
    return pd.read_csv(reference_dir / "lalonde_dehejia_wahba_psm" / "nsw_dw_experimental.csv")


@pytest.mark.parametrize("case, covariates", [("age", ["age"]), ("four_covariates", COVS)])
def test_published_nnmatch_estimates(nsw, case, covariates):
    ref = load_reference("nsw_nnmatch_imbens")
    res = nnmatch(nsw, "re78", "treat", covariates, metric="ivariance")
    assert res.params["ATE"] == pytest.approx(ref["results"][case]["sate"],
                                              abs=ref["tolerance_abs"])


def _by_hand(df, covs, stat, k=1, j=2, metric="mahalanobis"):
    x = df[covs].to_numpy(dtype=float)
    y = df["re78"].to_numpy(dtype=float)
    d = df["treat"].to_numpy()
    cov = np.cov(x, rowvar=False)
    w = np.linalg.inv(cov) if metric == "mahalanobis" else np.diag(1 / np.diag(cov))
    n = len(y)

    def dist(a, b):
        diff = x[a] - x[b]
        return float(diff @ w @ diff)

    def nearest(i, pool, m):
        ds = [dist(i, p) for p in pool]
        kth = sorted(ds)[m - 1]
        return [p for p, v in zip(pool, ds, strict=True) if v <= kth + 1e-9 * max(1, kth)]

    treated = [i for i in range(n) if d[i] == 1]
    controls = [i for i in range(n) if d[i] == 0]
    units = treated if stat == "atet" else list(range(n))
    y1, y0 = y.copy(), y.copy()
    wsum, wsq = np.zeros(n), np.zeros(n)
    for i in units:
        match = nearest(i, controls if d[i] == 1 else treated, k)
        for m in match:
            wsum[m] += 1 / len(match)
            wsq[m] += 1 / len(match) ** 2
        if d[i] == 1:
            y0[i] = np.mean(y[match])
        else:
            y1[i] = np.mean(y[match])
    sig = np.zeros(n)
    for i in range(n):
        same = [u for u in (treated if d[i] == 1 else controls) if u != i]
        nb = nearest(i, same, j)
        sig[i] = len(nb) / (len(nb) + 1) * (y[i] - np.mean(y[nb])) ** 2
    if stat == "ate":
        tau = np.mean(y1 - y0)
        v = (np.sum((y1 - y0 - tau) ** 2) + np.sum((wsum**2 + 2 * wsum - wsq) * sig)) / n**2
    else:
        tau = np.mean([y[i] - y0[i] for i in treated])
        v = (sum((y[i] - y0[i] - tau) ** 2 for i in treated)
             + sum((wsum[c] ** 2 - wsq[c]) * sig[c] for c in controls)) / len(treated) ** 2
    return tau, np.sqrt(v)


@pytest.mark.parametrize("stat, k", [("ate", 1), ("atet", 1), ("atet", 3)])
def test_robust_variance_by_hand(nsw, stat, k):
    sub = nsw.iloc[::3].reset_index(drop=True)  # 149 units keep the plain loops short
    tau, se = _by_hand(sub, COVS, stat, k=k)
    res = nnmatch(sub, "re78", "treat", COVS, stat=stat, k=k)
    assert res.params[stat.upper()] == pytest.approx(tau, rel=1e-10)
    assert res.std_errors[stat.upper()] == pytest.approx(se, rel=1e-10)


def test_mahalanobis_is_invariant_to_linear_rescaling(nsw):
    a = nnmatch(nsw, "re78", "treat", COVS, stat="atet")
    scaled = nsw.assign(re74=nsw["re74"] / 1000 + 3, age=nsw["age"] * 12)
    b = nnmatch(scaled, "re78", "treat", COVS, stat="atet")
    assert b.params["ATET"] == pytest.approx(a.params["ATET"], rel=1e-10)
    assert b.std_errors["ATET"] == pytest.approx(a.std_errors["ATET"], rel=1e-10)


def test_exact_matches_give_the_difference():
    x = np.arange(10.0)
    df = pd.DataFrame({"d": [1] * 10 + [0] * 10, "x": np.r_[x, x], "y": np.r_[x + 4, x]})
    res = nnmatch(df, "y", "d", ["x"], stat="atet")
    assert res.params["ATET"] == pytest.approx(4.0, abs=1e-12)
    assert "nearest-neighbor matching" in res.summary() and res.score_model is None


def test_bad_input():
    df = pd.DataFrame({"d": [1, 0, 1, 0, 0, 1], "x": [1.0, 2, 3, 4, 5, 6],
                       "y": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(SpecificationError, match="metric='cosine'"):
        nnmatch(df, "y", "d", ["x"], metric="cosine")
    with pytest.raises(SpecificationError, match="k=0"):
        nnmatch(df, "y", "d", ["x"], k=0)
    with pytest.raises(ColumnNotFoundError, match="'z'"):
        nnmatch(df, "y", "d", ["z"])
    with pytest.raises(EstimationError, match="collinear"):
        nnmatch(df.assign(x2=2 * df["x"]), "y", "d", ["x", "x2"])
    with pytest.raises(EstimationError, match="no treated"):
        nnmatch(df.assign(d=0), "y", "d", ["x"])
