"""Wooldridge's extended TWFE (R etwfe) and its marginal effects (emfx) against etwfe's own
known outputs on mpdta, an exact equivalence with Callaway-Sant'Anna, and bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from hitex.errors import ColumnNotFoundError, EstimationError, NonNumericError, SpecificationError
from hitex.models.did import att_gt
from hitex.models.etwfe import emfx, etwfe
from tests.conftest import load_reference

REF = load_reference("mpdta_etwfe")
CLUSTER = {"CRV1": "countyreal"}


@pytest.fixture(scope="module")
def mpdta(reference_dir):
    return pd.read_csv(reference_dir / "callaway_santanna_mpdta" / "mpdta.csv")


def _hitex_name(r_name: str) -> str:
    """fixest's coefficient name in etwfe -> hitex's term name."""
    m = re.fullmatch(r"\.Dtreat:first\.treat::(\d+):year::(\d+)(:lpop_dm)?", r_name)
    if m:
        return f"tr_g{m.group(1)}_t{m.group(2)}" + ("_x_0" if m.group(3) else "")
    m = re.fullmatch(r"(first\.treat|year)::(\d+):lpop", r_name)
    if m:
        return f"lpop_{'g' if m.group(1) == 'first.treat' else 't'}{m.group(2)}"
    return r_name


@pytest.mark.parametrize(("model", "kwargs"), [
    ("m1", {}),
    ("m2", {"control_group": "never"}),
    ("m3", {"covariates": ["lpop"]}),
])
def test_coefficients_equal_etwfe(mpdta, model, kwargs):
    ref = REF["models"][model]["coeftable"]
    res = etwfe(mpdta, "lemp", "year", "first.treat", vcov=CLUSTER, **kwargs)
    tidy = res.regression.tidy()
    assert len(tidy) == len(ref)
    for r_name, (est, se, tval, pval) in ref.items():
        row = tidy.loc[_hitex_name(r_name)]
        assert row["estimate"] == pytest.approx(est, rel=1e-6, abs=1e-10)
        assert row["std_error"] == pytest.approx(se, rel=1e-6)
        assert row["statistic"] == pytest.approx(tval, rel=1e-5, abs=1e-8)
        assert row["p_value"] == pytest.approx(pval, rel=1e-4, abs=1e-12)
    assert res.regression.nobs == 2500


@pytest.mark.parametrize("key", ["simple", "group", "calendar", "event", "event_pre",
                                 "event_never_window"])
def test_marginal_effects_equal_emfx(mpdta, key):
    ref = REF["emfx"][key]
    never = key == "event_never_window"
    res = etwfe(mpdta, "lemp", "year", "first.treat", covariates=["lpop"], vcov=CLUSTER,
                control_group="never" if never else "notyet")
    kind = "event" if key.startswith("event") else key
    kwargs = {"post_only": False} if key == "event_pre" else {}
    if never:
        kwargs["window"] = (2, 3)
    out = res.emfx(kind, **kwargs).estimates
    assert list(out.index) == (["ATT"] if kind == "simple" else ref["labels"])
    for col, name in (("estimate", "estimate"), ("std_error", "std.error"),
                      ("statistic", "statistic"), ("p_value", "p.value"),
                      ("conf_low", "conf.low"), ("conf_high", "conf.high")):
        for got, want in zip(out[col], ref[name], strict=True):
            if want is None:
                assert np.isnan(got)
            else:
                assert got == pytest.approx(want, rel=1e-5, abs=1e-7)


def test_never_treated_etwfe_equals_callaway_santanna_universal_base(mpdta):
    """Exact equivalence: without covariates, etwfe with never-treated controls is the
    Callaway-Sant'Anna ATT(g,t) with never-treated controls and a universal base period."""
    res = etwfe(mpdta, "lemp", "year", "first.treat", control_group="never", vcov=CLUSTER)
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", base_period="universal")
    cells = res.cells.set_index(["cohort", "period"])["estimate"]
    est = cs.estimates.set_index(["group", "time"])["estimate"]
    assert len(cells) == len(est)
    for key, value in est.items():
        assert cells.loc[key] == pytest.approx(value, abs=1e-9)


def test_simulated_heterogeneous_effects_recovered():
    rng = np.random.default_rng(2)
    rows = []
    for i in range(900):
        g = rng.choice([0, 4, 6])
        a = rng.normal()
        for t in range(1, 9):
            eff = (1.0 + 0.5 * (t - g)) if g and t >= g else 0.0
            rows.append({"id": i, "t": t, "g": g, "y": a + 0.3 * t + eff + rng.normal(scale=0.5)})
    df = pd.DataFrame(rows)
    res = etwfe(df, "y", "t", "g", vcov={"CRV1": "id"})
    ev = emfx(res, "event").estimates
    for e in range(0, 3):
        assert ev.loc[e, "estimate"] == pytest.approx(1 + 0.5 * e, abs=4 * ev.loc[e, "std_error"])
    assert "Extended TWFE" in res.summary()
    assert res.nobs == len(df)
    assert res.tidy().loc["tr_g4_t4", "std_error"] == res.std_errors["tr_g4_t4"]
    assert 0 <= res.pvalues["tr_g4_t4"] <= 1
    assert "n" not in emfx(res, "group").tidy().columns
    assert "Marginal effects" in str(emfx(res))


def test_bad_input(mpdta):
    with pytest.raises(SpecificationError, match="control_group='nevr'"):
        etwfe(mpdta, "lemp", "year", "first.treat", control_group="nevr")
    with pytest.raises(ColumnNotFoundError, match="lpopp"):
        etwfe(mpdta, "lemp", "year", "first.treat", covariates=["lpopp"])
    with pytest.raises(NonNumericError, match="region"):
        etwfe(mpdta.assign(region="x"), "lemp", "year", "first.treat", covariates=["region"])
    with pytest.raises(SpecificationError, match="missing values"):
        etwfe(mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(0, np.nan)}),
              "lemp", "year", "first.treat")
    with pytest.raises(SpecificationError, match="not in the data"):
        etwfe(mpdta, "lemp", "year", "first.treat", vcov={"CRV1": "county"})
    with pytest.raises(SpecificationError, match="gref=1999"):
        etwfe(mpdta, "lemp", "year", "first.treat", gref=1999)
    treated = mpdta.loc[mpdta["first.treat"] > 0]
    with pytest.raises(EstimationError, match="never-treated cohort"):
        etwfe(treated, "lemp", "year", "first.treat", control_group="never")
    res = etwfe(mpdta, "lemp", "year", "first.treat", vcov=CLUSTER)
    with pytest.raises(SpecificationError, match="type='dynamic'"):
        emfx(res, "dynamic")
    with pytest.raises(SpecificationError, match="etwfe"):
        emfx(att_gt(mpdta, "lemp", "countyreal", "year", "first.treat"))
    with pytest.raises(EstimationError, match="no treated rows"):
        emfx(res, "event", window=(-5, -5))
