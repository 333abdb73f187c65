"""Montiel Olea-Pflueger critical values of the effective F.

Oracles: the published critical values for one instrument (MOP 2013, and
Andrews, Stock and Sun 2019, "Weak Instruments in IV Regression: Theory and
Practice", Annual Review of Economics: 23.109 for tau = 10% and 37.418 for
tau = 5% at the 5% level); ``K_eff = K`` when the first-stage variance is
proportional to the identity (MOP, Section 3); a Monte Carlo quantile of the
non-central chi-square (independent of scipy's ``ncx2.ppf``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.models.weak_iv_mop import critical_value, effective_dof


@pytest.mark.parametrize("tau, published", [(0.10, 23.109), (0.05, 37.418)])
def test_one_instrument_matches_published(tau, published):
    assert critical_value(np.array([[2.7]]), tau) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_homoskedastic_keff_is_number_of_instruments(k):
    for x in (1 / 0.05, 1 / 0.3):
        assert effective_dof(3.0 * np.eye(k), x) == pytest.approx(k, rel=1e-12)


def test_keff_invariant_to_scale_and_basis():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    s = a @ a.T
    q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    base = effective_dof(s, 10.0)
    assert effective_dof(7.5 * s, 10.0) == pytest.approx(base, rel=1e-12)
    assert effective_dof(q @ s @ q.T, 10.0) == pytest.approx(base, rel=1e-10)
    assert 1.0 <= base <= 4.0  # between one and the number of instruments


def test_quantile_against_simulation():
    rng = np.random.default_rng(11)
    s = np.diag([5.0, 1.0, 0.2])
    x = 10.0
    k = effective_dof(s, x)
    draws = rng.noncentral_chisquare(k, x * k, size=400_000) / k
    assert critical_value(s, 0.10) == pytest.approx(np.quantile(draws, 0.95), rel=5e-3)


def test_diagnostics_rows_carry_the_critical_values(reference_dir):
    card = pd.read_csv(reference_dir / "iv_2sls_card1995_ivreg2" / "card.csv")
    res = hitex.panel("lwage ~ exper + expersq + black + south | educ ~ nearc4", card,
                      vcov="iid")
    d = hitex.iv_diagnostics(res)
    # one instrument: K_eff = 1 whatever the variance, so the published value
    assert d.effective_f_critical["tau=10%"] == pytest.approx(23.109, abs=5e-4)
    rows = dict(d.rows(["effective_f", "effective_f_cv"]))
    assert rows["Montiel Olea-Pflueger critical value (tau = 10%)"] == "23.109"
    robust = hitex.iv_diagnostics(hitex.panel(
        "lwage ~ exper + expersq + black + south | educ ~ nearc2 + nearc4", card,
        vcov="hetero"))
    cv = robust.effective_f_critical
    assert list(cv) == ["tau=5%", "tau=10%", "tau=20%", "tau=30%"]
    assert cv["tau=5%"] > cv["tau=10%"] > cv["tau=20%"] > cv["tau=30%"] > 0
    assert len(dict(robust.rows(["effective_f_cv_all"]))) == 4
    assert robust.to_dict()["effective_f_critical"]["tau=10%"] == pytest.approx(cv["tau=10%"])
