"""hitex.panel against numbers printed by Stata, plm, gretl and fixest.

The expected values are in tests/references/*.json with their provenance (the
repository, commit and file where the external tool printed them, and the
command). Tolerances follow the printed precision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from tests.conftest import load_reference


def _model(ref: dict, model_id: str) -> dict:
    return next(m for m in ref["models"] if m["id"] == model_id)


def _check(res, model: dict, terms: list[str], *, coef_tol: float, se_tol: float) -> None:
    for term in terms:
        est = model["estimates"][term]
        if est.get("coef") is not None:
            assert res.params[term] == pytest.approx(est["coef"], rel=coef_tol, abs=coef_tol), term
        assert res.std_errors[term] == pytest.approx(est["se"], rel=se_tol), term


@pytest.fixture(scope="module")
def simulated(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "simulated_panel.csv")


@pytest.fixture(scope="module")
def grunfeld(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "panel_twfe_grunfeld_xtreg" / "grunfeld_plm.csv")


@pytest.fixture(scope="module")
def base_did(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "fixest_base_did_vcov" / "base_did.csv")


XS = ["x1", "x2", "x3", "x4", "x5"]
FML_SIM = "y ~ x1 + x2 + x3 + x4 + x5 | firm"


@pytest.mark.parametrize(("model_id", "vcov", "weights"), [
    ("xtreg_fe_conventional", "iid", None),
    ("xtreg_fe_cluster", {"CRV1": "firm"}, None),
    ("xtreg_fe_robust", {"CRV1": "firm"}, None),  # xtreg's vce(robust) clusters by panel
    ("xtreg_fe_conventional_aweight", "iid", "w"),
    ("xtreg_fe_cluster_aweight", {"CRV1": "firm"}, "w"),
])
def test_stata_xtreg_fe(simulated, model_id, vcov, weights):
    model = _model(load_reference("simulated_panel_stata"), model_id)
    res = hitex.panel(FML_SIM, simulated, vcov=vcov, weights=weights, panel_id=("firm", "time"))
    _check(res, model, XS, coef_tol=1e-9, se_tol=1e-7)
    assert res.nobs == 3000


@pytest.mark.parametrize(("model_id", "vcov"), [
    ("regress_ols", "iid"),
    ("regress_robust", "hetero"),
    ("regress_cluster", {"CRV1": "firm"}),
])
def test_stata_regress(simulated, model_id, vcov):
    model = _model(load_reference("simulated_panel_stata"), model_id)
    res = hitex.panel("y ~ x1 + x2 + x3 + x4 + x5", simulated, vcov=vcov)
    _check(res, model, XS, coef_tol=1e-9, se_tol=1e-7)


def test_plm_within_oneway_and_twoways(grunfeld):
    ref = load_reference("grunfeld_fe")
    one = hitex.panel("inv ~ value + capital | firm", grunfeld, vcov="iid")
    _check(one, _model(ref, "plm_within_individual_iid"), ["value", "capital"],
           coef_tol=5e-6, se_tol=5e-5)
    assert one.rsquared_within == pytest.approx(0.76676, abs=5e-6)
    two = hitex.panel("inv ~ value + capital | firm + year", grunfeld, vcov="iid")
    _check(two, _model(ref, "plm_within_twoways_iid"), ["value", "capital"],
           coef_tol=5e-6, se_tol=5e-5)


def test_gretl_cluster_firm_with_stata_adjustment(grunfeld):
    ref = load_reference("grunfeld_fe")
    one = hitex.panel("inv ~ value + capital | firm", grunfeld, vcov={"CRV1": "firm"})
    _check(one, _model(ref, "gretl_fe_cluster_firm"), ["value", "capital"],
           coef_tol=5e-6, se_tol=5e-6)
    two = hitex.panel("inv ~ value + capital | firm + year", grunfeld, vcov={"CRV1": "firm"})
    _check(two, _model(ref, "gretl_fe_timedummies_cluster_firm"), ["value", "capital"],
           coef_tol=5e-6, se_tol=5e-6)


@pytest.mark.parametrize(("model_id", "vcov"), [
    ("fixest_vignette_twfe_iid", "iid"),
    ("stata_xtreg_cluster_firm_via_fixest_vignette", {"CRV1": "firm"}),
    ("fixest_twoway_cluster", {"CRV1": "firm+year"}),
])
def test_fixest_vignette_grunfeld_twfe(grunfeld, model_id, vcov):
    model = _model(load_reference("grunfeld_fe"), model_id)
    res = hitex.panel("inv ~ capital | firm + year", grunfeld, vcov=vcov)
    _check(res, model, ["capital"], coef_tol=1e-6, se_tol=1e-6)


@pytest.mark.parametrize(("model_id", "vcov"), [
    ("twfe_cluster_id", {"CRV1": "id"}),
    ("twfe_twoway_cluster", {"CRV1": "id+period"}),
])
def test_fixest_base_did_twfe(base_did, model_id, vcov):
    model = _model(load_reference("base_did_fe"), model_id)
    res = hitex.panel("y ~ x1 | id + period", base_did, vcov=vcov)
    _check(res, model, ["x1"], coef_tol=5e-5, se_tol=1e-6)
    assert res.nobs == model["nobs"]
    assert res.rsquared == pytest.approx(model["r2"], abs=5e-6)
    assert res.rsquared_within == pytest.approx(model["r2_within"], abs=5e-6)


def test_default_vcov_is_cluster_by_first_fixed_effect(base_did):
    model = _model(load_reference("base_did_fe"), "twfe_cluster_id")
    res = hitex.panel("y ~ x1 | id + period", base_did)
    assert res.spec.cluster == ("id",)
    assert res.std_errors["x1"] == pytest.approx(model["estimates"]["x1"]["se"], rel=1e-6)


def test_clustered_se_is_the_same_in_fresh_processes(grunfeld, tmp_path):
    """pyfixest 0.60 counts nested fixed effects differently depending on
    PYTHONHASHSEED; hitex computes K itself, so every process agrees."""
    import os
    import subprocess
    import sys

    path = tmp_path / "g.csv"
    grunfeld.to_csv(path, index=False)
    code = (
        "import pandas as pd, hitex;"
        f"d = pd.read_csv({str(path)!r});"
        "print(repr(float(hitex.panel('inv ~ capital | firm + year', d).std_errors['capital'])))"
    )
    values = []
    for seed in ("1", "2", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        values.append(float(out.stdout.strip()))
    np.testing.assert_allclose(values, values[0], rtol=1e-12)
    model = _model(load_reference("grunfeld_fe"), "stata_xtreg_cluster_firm_via_fixest_vignette")
    assert values[0] == pytest.approx(model["estimates"]["capital"]["se"], rel=1e-6)
