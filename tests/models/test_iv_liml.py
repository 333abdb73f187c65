"""LIML, Fuller and k-class estimation against Stata ivreg2 and exact equivalences.

Oracles:

* ``tests/references/card_ivreg2_liml.json``: ``ivreg2 ..., liml`` /
  ``fuller()`` / ``kclass()`` on Card (1995) with iid, robust and clustered
  variances, with and without ``small`` and ``coviv``, printed by Stata into
  the ivreg2r fixtures (commands and sources in the file);
* exactly identified LIML = 2SLS, ``kclass=1`` = 2SLS and ``kclass=0`` = OLS
  (:func:`hitex.panel` and statsmodels);
* fixed effects absorbed = the same fixed effects as dummy variables;
* LIML's lambda = the minimum of the least-variance ratio, found by a
  one-dimensional search (an independent definition of the eigenvalue).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize

import hitex
from hitex.errors import ColumnNotFoundError, SpecificationError
from hitex.models.iv_liml import liml
from tests.conftest import load_reference

REF = load_reference("card_ivreg2_liml")
MODELS = {m["key"]: m for m in REF["models"]}
RTOL_B = 3e-7   # lwage is a Stata float (7 digits)
RTOL_SE = 1e-6


@pytest.fixture(scope="module")
def card(reference_dir) -> pd.DataFrame:
    df = pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")
    regions = [f"reg66{i}" for i in range(1, 10)]
    df["region"] = df[regions].to_numpy().argmax(axis=1) + 1
    return df


def _liml(card, spec):
    kw = {k: spec[k] for k in ("fuller", "kclass", "small", "coviv", "weights") if k in spec}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two clusters
        return liml(spec["formula"], card, vcov=spec["vcov"], **kw)


@pytest.mark.parametrize("key", list(MODELS))
def test_matches_ivreg2(card, key):
    model = MODELS[key]
    res = _liml(card, model["hitex"])
    coef = model["coefficients"]["values"]
    terms = list(coef)
    assert list(res.params.index) == terms  # endogenous first, constant last, as ivreg2
    np.testing.assert_allclose(res.params[terms], [coef[t]["estimate"] for t in terms],
                               rtol=RTOL_B)
    np.testing.assert_allclose(res.std_errors[terms], [coef[t]["std_error"] for t in terms],
                               rtol=RTOL_SE)
    diag = model["diagnostics"]["values"]
    assert res.nobs == diag["N"]
    assert res.extra["kclass"] == pytest.approx(diag["kclass"], rel=1e-8)
    if "lambda" in diag:
        assert res.extra["lambda"] == pytest.approx(diag["lambda"], rel=1e-8)
    assert res.rsquared == pytest.approx(diag["r2"], rel=1e-6)
    if "N_clust" in diag:
        assert res.n_clusters == {"smsa66": diag["N_clust"]}


def test_just_identified_liml_is_2sls(card):
    formula = "lwage ~ exper + expersq + black + south | educ ~ nearc4"
    a = liml(formula, card, vcov="hetero")
    b = hitex.panel(formula, card, vcov="hetero")
    assert a.extra["lambda"] == pytest.approx(1.0, abs=1e-10)
    for term in b.params.index:
        assert a.params[term] == pytest.approx(b.params[term], rel=1e-9)
        assert a.std_errors[term] == pytest.approx(b.std_errors[term], rel=1e-9)


def test_kclass_one_is_2sls_and_zero_is_ols(card):
    formula = "lwage ~ exper + expersq + black + south | educ ~ nearc2 + nearc4"
    a = liml(formula, card, kclass=1.0, vcov="iid")
    b = hitex.panel(formula, card, vcov="iid")
    for term in b.params.index:
        assert a.params[term] == pytest.approx(b.params[term], rel=1e-9)
        assert a.std_errors[term] == pytest.approx(b.std_errors[term], rel=1e-9)
    ols = liml(formula, card, kclass=0.0, vcov="iid")
    x = sm.add_constant(card[["educ", "exper", "expersq", "black", "south"]])
    sm_fit = sm.OLS(card["lwage"], x).fit()
    assert ols.params["educ"] == pytest.approx(sm_fit.params["educ"], rel=1e-9)
    assert ols.std_errors["educ"] == pytest.approx(sm_fit.bse["educ"], rel=1e-9)


def test_lambda_is_minimum_variance_ratio(card):
    """lambda = min_b (y - x b)' M_X2 (y - x b) / (y - x b)' M_Z (y - x b)."""
    res = liml("lwage ~ exper + expersq + black + south | educ ~ nearc2 + nearc4", card,
               vcov="iid")
    x2 = sm.add_constant(card[["exper", "expersq", "black", "south"]]).to_numpy()
    z = np.column_stack([x2, card[["nearc2", "nearc4"]].to_numpy()])

    def resid(a, m):
        return a - m @ np.linalg.lstsq(m, a, rcond=None)[0]

    y, x = card["lwage"].to_numpy(), card["educ"].to_numpy()

    def ratio(b):
        u = y - x * b
        return float(resid(u, x2) @ resid(u, x2)) / float(resid(u, z) @ resid(u, z))

    opt = optimize.minimize_scalar(ratio, bracket=(0.0, 0.5), tol=1e-12)
    assert res.extra["lambda"] == pytest.approx(opt.fun, rel=1e-9)
    assert res.params["educ"] == pytest.approx(opt.x, rel=1e-5)


def test_fixed_effects_equal_dummies(card):
    absorbed = liml("lwage ~ exper + expersq + black + south | region | educ ~ nearc2 + nearc4",
                    card, vcov="iid")
    dummies = liml("lwage ~ exper + expersq + black + south + C(region) | educ ~ nearc2 + "
                   "nearc4", card, vcov="iid")
    for term in ("educ", "exper", "black"):
        assert absorbed.params[term] == pytest.approx(dummies.params[term], rel=1e-8)
        assert absorbed.std_errors[term] == pytest.approx(dummies.std_errors[term], rel=1e-8)
    assert absorbed.extra["lambda"] == pytest.approx(dummies.extra["lambda"], rel=1e-9)


def test_result_feeds_diagnostics_and_tables(card):
    res = liml("lwage ~ exper + expersq + black + south | educ ~ nearc2 + nearc4", card,
               vcov="hetero")
    d = hitex.iv_diagnostics(res)
    assert d.first_stages[0].f.statistic == pytest.approx(res.extra["first_stage_f"])
    assert "LIML" in res.spec.estimator and "lambda" in res.spec.notes[0]
    text = hitex.regression_table([hitex.panel(res.spec.formula, card, vcov="hetero"), res],
                                  titles=["2SLS", "LIML"])
    text = str(text)
    assert "LIML" in text and "educ" in text


@pytest.mark.parametrize("kwargs, match", [
    ({"fuller": -1}, "fuller"),
    ({"fuller": "one"}, "fuller"),
    ({"kclass": float("nan")}, "kclass"),
    ({"fuller": 1, "kclass": 0.5}, "not both"),
])
def test_bad_options(card, kwargs, match):
    with pytest.raises(SpecificationError, match=match):
        liml("lwage ~ exper | educ ~ nearc2 + nearc4", card, **kwargs)


def test_bad_formulas(card):
    with pytest.raises(SpecificationError, match="no IV part"):
        liml("lwage ~ exper", card)
    with pytest.raises(SpecificationError, match="under-identified"):
        liml("lwage ~ exper | educ + exper2 ~ nearc4", card.assign(exper2=card.exper ** 2))
    with pytest.raises(ColumnNotFoundError):
        liml("lwage ~ exper | educ ~ nearc9", card)
    with pytest.raises(SpecificationError, match="reg_dummy.*absorbed by the region"):
        liml("lwage ~ exper | region | educ ~ reg_dummy", card.assign(
            reg_dummy=card["region"]))
