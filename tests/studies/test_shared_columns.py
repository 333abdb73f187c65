"""A study's regression columns on the same rows share their demeaning, with unchanged numbers."""

from __future__ import annotations

import warnings

import numpy as np

import hitex
from hitex.models import demeaned_ols
from hitex.studies.runner import run_study


def test_study_table_columns_share_their_demeaning(tmp_path, data_dir, monkeypatch):
    solved = []
    original = demeaned_ols.demeaned_ols
    monkeypatch.setattr(demeaned_ols, "demeaned_ols",
                        lambda *a, **k: solved.append(1) or original(*a, **k))
    run = run_study("trade-facilitation", tmp_path, data_dir=data_dir, write=False)
    assert solved  # table 4's four columns use the same rows, fixed effects and clusters
    for name in ("table3", "table4", "table5"):
        for res in run.results[name]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = run.panel.loc[res.sample_index]
                alone = hitex.panel(res.spec.formula_input, rows, vcov={"CRV1": "iso3"})
            np.testing.assert_allclose(res.params, alone.params, rtol=1e-10)
            np.testing.assert_allclose(res.std_errors, alone.std_errors, rtol=1e-10)
            assert res.nobs == alone.nobs


def test_no_engine_notice_escapes_a_shared_column():
    import pandas as pd

    from hitex.errors import HitexWarning

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": np.repeat(np.arange(40), 5), "t": np.tile(np.arange(5), 40)})
    df["x"], df["c"] = rng.normal(size=200), rng.normal(size=200)
    df["y"], df["w"] = df["x"] + rng.normal(size=200), rng.uniform(1, 2, size=200)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hitex.panel_columns(["y ~ x | g + t", "y ~ x + c | g + t"], df)  # solved by hitex
        hitex.panel_columns(["y ~ x | g + t", "y ~ x + c | g + t"], df, weights="w")  # engine
    assert [str(w.message) for w in caught if not issubclass(w.category, HitexWarning)] == []
