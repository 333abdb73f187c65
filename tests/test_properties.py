"""Properties that must hold for any data: invariances of the estimators and indicators.

Run with the ``ci`` profile by default (few examples, quick); ``HYPOTHESIS_PROFILE=nightly``
runs many more.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hitex
from hitex.errors import HitexWarning
from hitex.indicators import CompositeSpec, composite_index, rca
from hitex.models.placebo import placebo

settings.register_profile("ci", max_examples=12, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

seeds = st.integers(min_value=0, max_value=2**31 - 1)


def _panel(seed: int, units: int = 12, years: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame([(f"u{i}", 2000 + t) for i in range(units) for t in range(years)],
                         columns=["unit", "year"])
    n = len(frame)
    frame["x"] = rng.normal(size=n)
    frame["c"] = rng.normal(size=n)
    effect = frame["unit"].map({f"u{i}": rng.normal() for i in range(units)})
    frame["y"] = 0.7 * frame["x"] - 0.2 * frame["c"] + effect + rng.normal(size=n)
    frame["trade"] = np.exp(1 + 0.5 * frame["x"] + effect + rng.normal(scale=0.3, size=n))
    return frame


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HitexWarning)
        return fn(*args, **kwargs)


@given(seed=seeds, order=seeds)
def test_panel_invariant_to_row_order_and_labels(seed, order):
    frame = _panel(seed)
    base = _quiet(hitex.panel, "y ~ x + c | unit + year", frame, vcov={"CRV1": "unit"})
    shuffled = frame.sample(frac=1.0, random_state=order % 2**32).reset_index(drop=True)
    relabelled = shuffled.assign(unit="z" + shuffled["unit"].str[::-1],
                                 year=shuffled["year"] + 37)
    other = _quiet(hitex.panel, "y ~ x + c | unit + year", relabelled, vcov={"CRV1": "unit"})
    assert np.allclose(other.params[["x", "c"]], base.params[["x", "c"]], rtol=1e-8)
    assert np.allclose(other.std_errors[["x", "c"]], base.std_errors[["x", "c"]], rtol=1e-6)


@given(seed=seeds)
def test_fixed_effects_equal_dummy_variables(seed):
    frame = _panel(seed)
    fe = _quiet(hitex.panel, "y ~ x + c | unit + year", frame, vcov="iid")
    dummies = _quiet(hitex.panel, "y ~ x + c + C(unit) + C(year)", frame, vcov="iid")
    assert np.allclose(fe.params[["x", "c"]], dummies.params[["x", "c"]], rtol=1e-8)
    assert np.allclose(fe.std_errors[["x", "c"]], dummies.std_errors[["x", "c"]], rtol=1e-6)


@given(seed=seeds, scale=st.sampled_from([1e-3, 0.5, 7.0, 1e4]))
def test_ppml_slopes_do_not_depend_on_the_outcome_scale(seed, scale):
    frame = _panel(seed)
    base = _quiet(hitex.gravity, "trade ~ x | unit + year", frame, method="ppml",
                  vcov={"CRV1": "unit"})
    scaled = _quiet(hitex.gravity, "trade ~ x | unit + year",
                    frame.assign(trade=frame["trade"] * scale), method="ppml",
                    vcov={"CRV1": "unit"})
    assert scaled.params["x"] == pytest.approx(base.params["x"], rel=1e-6)
    assert scaled.std_errors["x"] == pytest.approx(base.std_errors["x"], rel=1e-4)


@given(values=st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=12, max_size=12),
       rate=st.floats(min_value=1e-4, max_value=1e4))
def test_rca_does_not_depend_on_the_currency(values, rate):
    trade = pd.DataFrame({"country": np.repeat(["A", "B", "C"], 4),
                          "product": ["p1", "p2", "p3", "p4"] * 3, "value": values})
    base = rca(trade)
    other = rca(trade.assign(value=trade["value"] * rate))
    assert np.allclose(other["rca"], base["rca"], rtol=1e-9)


@given(scores=st.lists(st.floats(min_value=1, max_value=7), min_size=16, max_size=16))
def test_a_mean_composite_lies_between_its_inputs(scores):
    long = pd.DataFrame({"unit": np.repeat(["A", "B", "C", "D"], 4), "period": 2010,
                         "indicator": ["s1", "s2", "s3", "s4"] * 4, "value": scores})
    spec = CompositeSpec(primaries={"P": ["s1", "s2"], "Q": ["s3", "s4"]})
    out = composite_index(long, spec).set_index("unit")
    wide = long.pivot(index="unit", columns="indicator", values="value")
    assert (out["index"] >= wide.min(axis=1) - 1e-12).all()
    assert (out["index"] <= wide.max(axis=1) + 1e-12).all()


@given(seed=seeds)
def test_placebo_is_reproducible_for_a_seed(seed):
    frame = _panel(7, units=16, years=6)
    treated = frame["unit"].isin([f"u{i}" for i in range(5)]) & (frame["year"] >= 2003)
    frame["d"] = treated.astype(int)
    run = lambda s: _quiet(placebo, "y ~ d | unit + year", frame, treatment="d",  # noqa: E731
                           unit="unit", time="year", n=40, seed=s).estimates
    first, again, other = run(seed), run(seed), run(seed + 1)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
