"""Mediation and moderation tables of a study equal the estimators run directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import StudySpecError
from hitex.studies.spec import parse_study


def _file(tmp_path) -> str:
    rng = np.random.default_rng(5)
    units, years = [f"U{i:02d}" for i in range(30)], range(2000, 2010)
    frame = pd.DataFrame([(u, y) for u in units for y in years], columns=["iso3", "year"])
    n = len(frame)
    frame["d"] = rng.normal(size=n)
    frame["w"] = rng.normal(size=n) + 1.0
    frame["c"] = rng.normal(size=n)
    frame["m"] = 0.6 * frame["d"] + 0.3 * frame["c"] + rng.normal(size=n)
    frame["y"] = (0.4 * frame["d"] + 0.5 * frame["m"] + 0.3 * frame["d"] * frame["w"]
                  + rng.normal(size=n))
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _doc(path: str, table: dict) -> dict:
    return {"name": "med", "title": "Med", "seed": 7,
            "data": {"years": [2000, 2009], "sources": [{"kind": "file", "path": path}]},
            "tables": [{"name": "t", **table}]}


def test_mediation_table_equals_the_estimator(tmp_path, data_dir):
    path = _file(tmp_path)
    doc = _doc(path, {"kind": "mediation", "outcome": "y", "treatment": "d", "mediators": ["m"],
                      "controls": ["c"], "fixed_effects": ["iso3", "year"],
                      "vcov": {"CRV1": "iso3"}, "bootstrap": 300, "ci": "bc"})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    direct = hitex.mediation(pd.read_csv(path), "y", "d", ["m"], controls=["c"],
                             fixed_effects=["iso3", "year"], vcov={"CRV1": "iso3"},
                             bootstrap=300, seed=7, ci="bc")
    for got, want in zip(run.results["t"], direct.steps, strict=True):
        assert got.params.equals(want.params)
    pd.testing.assert_frame_equal(run.frames["t_indirect"], direct.indirect)
    text = (run.out_dir / "t.txt").read_text(encoding="utf-8")
    for label, value in direct.rows():
        assert label in text and value in text
    assert "Imai, Keele and Tingley" in text.replace("\n", " ")


def test_moderation_table_marginal_effects_and_figure(tmp_path, data_dir):
    path = _file(tmp_path)
    doc = _doc(path, {"kind": "moderation", "outcome": "y", "treatment": "d", "moderator": "w",
                      "controls": ["c"], "fixed_effects": ["iso3", "year"],
                      "vcov": {"CRV1": "iso3"}, "at": [0.0, 1.0, 2.0]})
    run = hitex.run_study(parse_study(doc), tmp_path / "out", data_dir=data_dir)
    direct = hitex.moderation(pd.read_csv(path), "y", "d", "w", controls=["c"],
                              fixed_effects=["iso3", "year"], vcov={"CRV1": "iso3"})
    assert run.results["t"][0].params.equals(direct.params)
    pd.testing.assert_frame_equal(run.frames["t_marginal"],
                                  direct.marginal_effects(at=[0.0, 1.0, 2.0]))
    assert (run.out_dir / "figures" / "t_marginal.png").is_file()


def test_mediation_and_moderation_mistakes(tmp_path):
    path = _file(tmp_path)
    with pytest.raises(StudySpecError, match="needs 'mediators'"):
        parse_study(_doc(path, {"kind": "mediation", "outcome": "y", "treatment": "d"}))
    with pytest.raises(StudySpecError, match="moderator"):
        parse_study(_doc(path, {"kind": "moderation", "outcome": "y", "treatment": "d"}))
