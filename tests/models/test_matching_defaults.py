"""psm keeps every treated unit by default, as teffects psmatch, psmatch2 and MatchIt do."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.errors import HitexWarning


def _poor_overlap() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 300
    x = rng.normal(size=n)
    d = (x + rng.normal(scale=0.3, size=n) > 1.2).astype(int)
    x[np.argmax(np.where(d == 1, x, -np.inf))] = 6.0  # one treated unit far beyond the controls
    return pd.DataFrame({"d": d, "x": x, "y": x + d + rng.normal(size=n)})


def test_no_trimming_by_default_with_a_warning():
    frame = _poor_overlap()
    with pytest.warns(HitexWarning, match=r"poor overlap: \d+ of \d+ treated.*common_support"):
        kept = hitex.psm(frame, "d", ["x"], outcome="y")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trimmed = hitex.psm(frame, "d", ["x"], outcome="y", common_support="minmax")
    treated = int(frame["d"].sum())
    assert trimmed.support.n_treated_off_support > 0  # the far-out unit is dropped only when asked
    assert kept.support.n_treated_off_support == 0
    assert trimmed.support.n_treated_off_support < treated
