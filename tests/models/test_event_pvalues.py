"""p-values of the Sun-Abraham overall ATT against fixest's printed summary(agg = "att")."""

from __future__ import annotations

import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.models.event import event_study, sun_abraham
from tests.conftest import load_reference


@pytest.fixture(scope="module")
def sunab(reference_dir):
    data = pd.read_csv(reference_dir / "fixest_base_stagg_sunab" / "base_stagg.csv")
    return sun_abraham(data, "y", "id", "year", "year_treated", covariates=["x1"]), data


def test_sun_abraham_att_t_and_p_value_equal_fixest(sunab):
    res, _ = sunab
    ref = load_reference("base_stagg_sunab_att_test")["printed"]["ATT"]
    assert round(res.att_statistic, 5) == pytest.approx(ref["t_value"], abs=1e-12)
    assert float(f"{res.att_p_value:.4g}") == pytest.approx(ref["p_value"], rel=1e-12)
    low, high = res.att_conf_int(0.95)
    assert low < res.att < high
    assert "p = " in res.summary()
    with pytest.raises(SpecificationError, match="level"):
        res.att_conf_int(1.5)


def test_twfe_event_study_has_no_overall_att(sunab):
    _, data = sunab
    twfe = event_study(data, "y", "id", "year", "year_treated", covariates=["x1"])
    assert twfe.att_p_value is None
    assert twfe.att_conf_int() is None
