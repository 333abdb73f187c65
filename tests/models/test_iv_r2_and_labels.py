"""2SLS reports the centred R-squared as ivreg2 does; HC0 is named HC0."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import hitex


@pytest.fixture(scope="module")
def card(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")


def _structural_residuals(frame, res, depvar):
    terms = [t for t in res.params.index if t != "Intercept"]
    fitted = frame[terms].to_numpy() @ res.params[terms].to_numpy()
    return frame[depvar].to_numpy() - fitted - res.params.get("Intercept", 0.0)


def test_centred_r2_of_2sls_is_one_minus_rss_over_tss(card):
    res = hitex.panel("lwage ~ exper + expersq + black + south | educ ~ nearc4", card, vcov="iid")
    e = _structural_residuals(card, res, "lwage")
    y = card["lwage"].to_numpy()
    assert res.rsquared == pytest.approx(1 - e @ e / ((y - y.mean()) ** 2).sum(), rel=1e-10)
    assert res.rsquared < 0  # it can be negative, as ivreg2 prints it


def test_within_r2_of_2sls_with_fixed_effects(card):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = hitex.panel("lwage ~ exper + expersq + black | smsa66 | educ ~ nearc4", card,
                          vcov="iid")
    terms = ["exper", "expersq", "black", "educ"]
    group = card.groupby("smsa66")
    y = card["lwage"] - group["lwage"].transform("mean")
    x = card[terms] - group[terms].transform("mean")
    e = y.to_numpy() - x.to_numpy() @ res.params[terms].to_numpy()
    assert res.rsquared_within == pytest.approx(1 - e @ e / (y.to_numpy() ** 2).sum(), rel=1e-8)


def test_robust_without_small_sample_factor_is_named_hc0(card):
    plain = hitex.panel("lwage ~ exper", card, vcov="hetero")
    bare = hitex.panel("lwage ~ exper", card, vcov="hetero", ssc="none")
    assert "HC1" in plain.spec.vcov_label and "HC0" in bare.spec.vcov_label
    assert "HC0" in bare.with_vcov("hetero").spec.vcov_label
    n, k = plain.nobs, 2  # HC1 = HC0 x n / (n - k)
    assert (plain.std_errors["exper"] / bare.std_errors["exper"]) ** 2 == pytest.approx(
        n / (n - k), rel=1e-10)
