"""Columns declared at once: stepwise steps, variations of a base model, winsorised variables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import StudySpecError
from hitex.models.formula import normalise_formula
from hitex.studies.spec import parse_study
from hitex.studies.tables.regression import winsorize


def _data(tmp_path) -> str:
    rng = np.random.default_rng(7)
    units, years = [f"U{i:02d}" for i in range(20)], range(2000, 2010)
    frame = pd.DataFrame([(u, y) for u in units for y in years], columns=["iso3", "year"])
    n = len(frame)
    frame["x"] = rng.normal(size=n)
    frame["x2"] = frame["x"] + rng.normal(scale=0.5, size=n)
    frame["c1"], frame["c2"], frame["c3"] = rng.normal(size=(3, n))
    frame["y"] = 0.5 * frame["x"] + 0.2 * frame["c1"] + rng.normal(size=n)
    frame["y"] += frame.groupby("iso3")["x"].transform("mean")
    frame["g"] = (frame["iso3"] < "U10").astype(int)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _doc(path: str, table: dict) -> dict:
    return {"name": "cols", "title": "Columns",
            "data": {"years": [2000, 2009], "sources": [{"kind": "file", "path": path}]},
            "tables": [{"name": "t", "vcov": {"CRV1": "iso3"}, **table}]}


def test_stepwise_columns_equal_the_models_written_out(tmp_path, data_dir):
    path = _data(tmp_path)
    doc = _doc(path, {"stepwise": {"formula": "y ~ x", "steps": [
        "c1 + c2 + c3", "| year", {"add": "| iso3", "title": "Country FE"}]}})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    frame = pd.read_csv(path)
    expected = ["y ~ x", "y ~ x + c1 + c2 + c3", "y ~ x + c1 + c2 + c3 | year",
                "y ~ x + c1 + c2 + c3 | year + iso3"]
    got = run.results["t"]
    assert [r.spec.formula for r in got] == [normalise_formula(f) for f in expected]
    for res, formula in zip(got, expected, strict=True):
        direct = hitex.panel(formula, frame, vcov={"CRV1": "iso3"})
        assert res.params["x"] == pytest.approx(direct.params["x"], rel=1e-10)
        assert res.std_errors["x"] == pytest.approx(direct.std_errors["x"], rel=1e-10)
    text = (run.out_dir / "t.txt").read_text(encoding="utf-8")
    assert "+ controls" in text and "+ year FE" in text and "Country FE" in text


def test_variations_of_a_base_model(tmp_path, data_dir):
    path = _data(tmp_path)
    doc = _doc(path, {"base": "y ~ x + c1 | iso3 + year", "variations": [
        {"title": "Other regressor", "replace": {"x": "x2"}},
        {"title": "Excluding group 1", "sample": "g == 0"},
        {"title": "Clustered by year", "vcov": {"CRV1": "year"}},
        {"title": "Winsorised", "winsorize": ["y", "x"]},
        {"title": "Fewer controls", "drop": ["c1"], "add": "c2"}]})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    base, other, excl, byyear, wins, fewer = run.results["t"]
    frame = pd.read_csv(path)
    assert other.spec.formula == normalise_formula("y ~ x2 + c1 | iso3 + year")
    assert excl.nobs == int((frame["g"] == 0).sum())
    assert byyear.params["x"] == pytest.approx(base.params["x"], rel=1e-12)
    assert byyear.std_errors["x"] != pytest.approx(base.std_errors["x"])
    cut = winsorize(frame, ("y", "x"), (1.0, 99.0), "test")
    direct = hitex.panel("y ~ x + c1 | iso3 + year", cut, vcov={"CRV1": "iso3"})
    assert wins.params["x"] == pytest.approx(direct.params["x"], rel=1e-10)
    assert fewer.spec.formula == normalise_formula("y ~ x + c2 | iso3 + year")
    text = (run.out_dir / "t.txt").read_text(encoding="utf-8")
    for title in ("Baseline", "Other regressor", "Excluding group 1", "Winsorised"):
        assert title in text
    assert "winsorised at the 1th and 99th percentiles" in text.replace("\n", " ")


def test_winsorize_uses_statas_percentile_definition():
    frame = pd.DataFrame({"v": [float(i) for i in range(1, 11)] + [np.nan]})
    # n = 10: the 10th percentile falls on an order statistic (n p / 100 = 1): Stata averages
    # the 1st and 2nd values (1.5); the 90th averages the 9th and 10th (9.5).
    out = winsorize(frame, ("v",), (10.0, 90.0), "test")
    assert out["v"].iloc[0] == 1.5 and out["v"].iloc[9] == 9.5 and np.isnan(out["v"].iloc[10])
    # the 5th percentile (n p / 100 = 0.5) is the 1st value: nothing changes below
    out = winsorize(frame, ("v",), (5.0, 95.0), "test")
    assert out["v"].iloc[0] == 1.0 and out["v"].iloc[9] == 10.0


def test_declaration_mistakes_are_named(tmp_path):
    path = _data(tmp_path)
    with pytest.raises(StudySpecError, match="replace names 'z'"):
        parse_study(_doc(path, {"base": "y ~ x", "variations": [
            {"title": "t", "replace": {"z": "x2"}}]}))
    with pytest.raises(StudySpecError, match="'variations' but no 'base'"):
        parse_study(_doc(path, {"variations": [{"title": "t", "outcome": "x"}]}))
    with pytest.raises(StudySpecError, match="winsorize_at"):
        parse_study(_doc(path, {"models": [{"formula": "y ~ x", "winsorize": ["y"],
                                            "winsorize_at": [99, 1]}]}))
    with pytest.raises(StudySpecError, match="needs at least one entry in 'models'"):
        parse_study(_doc(path, {}))


def test_by_gives_one_column_per_group(tmp_path, data_dir):
    path = _data(tmp_path)
    doc = _doc(path, {"by": "g", "by_values": [1, 0],
                      "models": [{"formula": "y ~ x + c1 | iso3 + year"}]})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    frame = pd.read_csv(path)
    for res, value in zip(run.results["t"], (1, 0), strict=True):
        direct = hitex.panel("y ~ x + c1 | iso3 + year", frame[frame["g"] == value],
                             vcov={"CRV1": "iso3"})
        assert res.params["x"] == pytest.approx(direct.params["x"], rel=1e-10)
        assert res.nobs == direct.nobs
    text = (run.out_dir / "t.txt").read_text(encoding="utf-8")
    assert "One column per value of g: 1, 0." in text.replace("\n", " ")
    doc = _doc(path, {"by": "g", "by_values": [2], "models": [{"formula": "y ~ x"}]})
    with pytest.raises(StudySpecError, match=r"by_values: \[2\] do not occur"):
        hitex.run_study(parse_study(doc), tmp_path / "o2", data_dir=data_dir)
    doc = _doc(path, {"by": "nope", "models": [{"formula": "y ~ x"}]})
    with pytest.raises(StudySpecError, match="'nope' is not in the study data"):
        hitex.run_study(parse_study(doc), tmp_path / "o3", data_dir=data_dir)


def test_iv_diagnostic_rows_under_the_2sls_columns(tmp_path, data_dir):
    from hitex.models.iv_diagnostics import iv_diagnostics

    rng = np.random.default_rng(11)
    n = 400
    frame = pd.DataFrame({"iso3": [f"U{i % 40:02d}" for i in range(n)],
                          "year": [2000 + i // 40 for i in range(n)]})
    frame["z"] = rng.normal(size=n)
    u = rng.normal(size=n)
    frame["x"] = 0.8 * frame["z"] + u + rng.normal(size=n)
    frame["y"] = 0.5 * frame["x"] + u + rng.normal(size=n)
    path = tmp_path / "iv.csv"
    frame.to_csv(path, index=False)
    doc = _doc(str(path), {"diagnostics": ["underid", "kp_wald", "anderson_rubin"], "models": [
        {"formula": "y ~ x | iso3 + year"}, {"formula": "y ~ 1 | iso3 + year | x ~ z"}]})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    ols, iv = run.results["t"]
    expected = dict(iv_diagnostics(iv).rows(["underid", "kp_wald", "anderson_rubin"]))
    table = run.tables["t"].to_frame()
    for label, value in expected.items():
        row = table[table.iloc[:, 0] == label].iloc[0]
        assert row.iloc[1] == "" and row.iloc[2] == value  # blank under the OLS column


def test_difference_rows_under_by_columns(tmp_path, data_dir):
    from hitex.models.heterogeneity import group_difference

    path = _data(tmp_path)
    doc = _doc(path, {"by": "g", "by_values": [1, 0], "by_titles": {1: "First", 0: "Second"},
                      "difference": [{"term": "x", "method": "suest"},
                                     {"term": "x", "method": "permutation", "draws": 200}],
                      "models": [{"formula": "y ~ x + c1 | iso3 + year"}]})
    spec = parse_study(doc)
    run = hitex.run_study(spec, tmp_path / "out", data_dir=data_dir)
    frame = pd.read_csv(path)
    suest = group_difference("y ~ x + c1 | iso3 + year", frame, "g", "x", method="suest",
                             groups=[1, 0], vcov={"CRV1": "iso3"})
    perm = group_difference("y ~ x + c1 | iso3 + year", frame, "g", "x", method="permutation",
                            groups=[1, 0], draws=200, seed=spec.seed + 1, vcov={"CRV1": "iso3"})
    table = run.tables["t"].to_frame()
    shown = {row.iloc[0]: row.iloc[1] for _, row in table.iterrows()}
    for label, value in [*suest.rows()[2:], *perm.rows()[2:]]:
        assert shown[label] == f"{value:.3f}"
    assert "First" in table.iloc[0].tolist() or "First" in run.tables["t"].to_frame(
        header=True).to_string()
    with pytest.raises(StudySpecError, match="'difference' needs 'by'"):
        parse_study(_doc(path, {"difference": [{"term": "x"}],
                                "models": [{"formula": "y ~ x"}]}))


def test_liml_column_beside_2sls(tmp_path, data_dir):
    """``estimator: liml`` estimates a column by LIML (Fuller with ``fuller``) with its diagnostics."""
    path = _data(tmp_path)
    iv = "y ~ c1 | iso3 + year | x ~ x2 + c2 + c3"
    doc = _doc(path, {"diagnostics": ["underid", "overid"], "models": [
        {"formula": iv, "title": "2SLS"},
        {"formula": iv, "title": "LIML", "estimator": "liml"},
        {"formula": iv, "title": "Fuller", "estimator": "liml", "fuller": 1}]})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    frame = pd.read_csv(path)
    tsls, liml_col, fuller_col = run.results["t"]
    direct = hitex.liml(iv, frame, vcov={"CRV1": "iso3"})
    assert liml_col.params["x"] == pytest.approx(direct.params["x"], rel=1e-12)
    assert fuller_col.extra["kclass"] < liml_col.extra["kclass"]
    text = (run.out_dir / "t.txt").read_text(encoding="utf-8")
    assert "LIML" in text and "Fuller" in text and "Hansen J" in text


def test_liml_column_needs_an_iv_part(tmp_path):
    doc = _doc(str(tmp_path / "d.csv"), {"models": [{"formula": "y ~ x", "estimator": "liml"}]})
    with pytest.raises(StudySpecError, match="needs an IV part"):
        parse_study(doc)
    doc = _doc(str(tmp_path / "d.csv"), {"models": [{"formula": "y ~ x", "fuller": 1}]})
    with pytest.raises(StudySpecError, match="fuller"):
        parse_study(doc)
