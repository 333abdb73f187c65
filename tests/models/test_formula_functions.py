"""Every function a formula may use works on both sides and equals the transformed column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.models.formula import ALLOWED_FUNCTIONS

NUMPY = {"log": np.log, "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs}
FUNCTIONS = sorted(f for f in ALLOWED_FUNCTIONS if f.removeprefix("np.") in NUMPY)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"id": np.repeat(range(20), 10), "t": list(range(10)) * 20,
                       "x": rng.uniform(0.5, 2.0, size=n)})
    df["y"] = np.exp(0.3 * df["x"] + rng.normal(scale=0.2, size=n))
    return df


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_on_the_left(frame, name):
    fn = NUMPY[name.removeprefix("np.")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = hitex.panel(f"{name}(y) ~ x | id + t", frame, vcov="iid")
        want = hitex.panel("fy ~ x | id + t", frame.assign(fy=fn(frame["y"])), vcov="iid")
    assert got.params["x"] == pytest.approx(want.params["x"], rel=1e-10)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_on_the_right(frame, name):
    fn = NUMPY[name.removeprefix("np.")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = hitex.panel(f"y ~ {name}(x) | id + t", frame, vcov="iid")
        want = hitex.panel("y ~ fx | id + t", frame.assign(fx=fn(frame["x"])), vcov="iid")
    assert got.params.iloc[0] == pytest.approx(want.params["fx"], rel=1e-10)
