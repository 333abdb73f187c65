"""Entropy and PCA weights against independent computations written in the test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.indicators.composite import CompositeSpec, composite_index
from hitex.indicators.weights import EntropyWeights, PCAWeights

VALUES = pd.DataFrame({
    "a": [1.0, 2.0, 3.0, 4.0],
    "b": [2.0, 2.0, 2.0, 10.0],
    "c": [5.0, 1.0, 4.0, 2.0],
})


def _entropy_by_hand(frame: pd.DataFrame) -> dict[str, float]:
    """Plain-Python entropy-weight method, loop by loop."""
    n = len(frame)
    d = {}
    for col in frame:
        xs = list(frame[col])
        lo, hi = min(xs), max(xs)
        z = [(x - lo) / (hi - lo) for x in xs]
        total = sum(z)
        e = 0.0
        for zi in z:
            p = zi / total
            if p > 0:
                e -= p * math.log(p)
        d[col] = 1 - e / math.log(n)
    s = sum(d.values())
    return {k: v / s for k, v in d.items()}


def test_entropy_weights_match_hand_computation():
    got = EntropyWeights().weights(["a", "b", "c"], VALUES)
    expected = _entropy_by_hand(VALUES)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-12)
    # b is concentrated in one unit: highest divergence, highest weight
    assert got.idxmax() == "b"


def test_entropy_negative_indicator_reverses_direction():
    got = EntropyWeights(negative=("c",)).weights(["a", "b", "c"], VALUES)
    flipped = VALUES.assign(c=-VALUES["c"])
    expected = _entropy_by_hand(flipped)
    assert got["c"] == pytest.approx(expected["c"], rel=1e-12)


def test_pca_weights_match_svd_of_standardised_data():
    rng = np.random.default_rng(5)
    common = rng.normal(size=200)
    frame = pd.DataFrame({
        "a": common + 0.3 * rng.normal(size=200),
        "b": common + 0.6 * rng.normal(size=200),
        "c": rng.normal(size=200),
    })
    z = (frame - frame.mean()) / frame.std(ddof=1)
    _, s, vt = np.linalg.svd(z.to_numpy(), full_matrices=False)
    eig = s**2 / (len(frame) - 1)            # eigenvalues of the correlation matrix
    keep = max(1, int((eig > 1).sum()))
    coef = (np.abs(vt[:keep].T) * eig[:keep]).sum(axis=1) / eig[:keep].sum()
    expected = coef / coef.sum()
    got = PCAWeights().weights(["a", "b", "c"], frame)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-10)
    one = PCAWeights(components=1).weights(["a", "b", "c"], frame)
    np.testing.assert_allclose(one.to_numpy(), np.abs(vt[0]) / np.abs(vt[0]).sum(), rtol=1e-10)


def test_weighting_names_in_composite_spec():
    long = VALUES.assign(unit=list("wxyz"), period=2020).melt(
        id_vars=["unit", "period"], var_name="indicator", value_name="value")
    spec = CompositeSpec({"P": ["a", "b", "c"]}, secondary_weights="entropy")
    out = composite_index(long, spec, unit="unit", period="period", indicator="indicator",
                          value="value")
    w = _entropy_by_hand(VALUES)
    expected = sum(w[k] * VALUES[k] for k in w)
    np.testing.assert_allclose(out.sort_values("unit")["P"].to_numpy(), expected.to_numpy())


def test_errors():
    with pytest.raises(SpecificationError, match="do not vary"):
        EntropyWeights().weights(["a", "k"], VALUES.assign(k=1.0))
    with pytest.raises(SpecificationError, match="at least two"):
        PCAWeights().weights(["a"], VALUES.iloc[:1])
    with pytest.raises(SpecificationError, match="components"):
        PCAWeights(components=7).weights(["a", "b", "c"], VALUES)
