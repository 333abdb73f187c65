"""regression_table() with every public hitex result type.

Each expected cell is written from the numbers the result itself reports
(its estimate, standard error and p-value, formatted by hand in the test);
none is taken from a table built by the code under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import hitex
from hitex.errors import HitexError, SpecificationError
from hitex.report.tables import Table, regression_table


def cells(table: Table) -> dict[str, tuple[str, ...]]:
    """Body rows by stub; an SE row is stored under "<stub> se"."""
    out: dict[str, tuple[str, ...]] = {}
    last = ""
    for row in table.body_rows:
        texts = row.texts()
        if row.role == "se":
            out[f"{last} se"] = texts[1:]
        else:
            last = texts[0]
            out[last] = texts[1:]
    return out


def star(p: float) -> str:
    """Default thresholds 0.10, 0.05, 0.01, p strictly below."""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def coef(b: float, p: float) -> str:
    return f"{b:.3f}{star(p)}"


@pytest.fixture(scope="module")
def panel_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for u in range(36):
        g = (2003, 2005, 0)[u % 3]  # two adoption cohorts and never-treated units
        a = rng.normal()
        for t in range(2000, 2008):
            d = int(g > 0 and t >= g)
            y = a + 0.1 * (t - 2000) + 1.0 * d + rng.normal()
            rows.append({"unit": u, "year": t, "cohort": g, "d": d, "x": rng.normal(), "y": y})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def results(panel_data: pd.DataFrame) -> dict:
    df = panel_data
    cross = df.loc[df["year"] == 2007].assign(treat=lambda f: (f["cohort"] > 0).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "panel": hitex.panel("y ~ d + x | unit + year", df),
            "psm": hitex.psm(cross, "treat", ["x"], outcome="y"),
            "psm_did": hitex.psm_did(df, "y", "d", "unit", "year", ["x"]),
            "event": hitex.event_study(df, "y", "unit", "year", "cohort"),
            "sunab": hitex.sun_abraham(df, "y", "unit", "year", "cohort"),
            "att_gt": hitex.att_gt(df, "y", "unit", "year", "cohort"),
            "placebo": hitex.placebo(
                "y ~ d + x | unit + year", df, treatment="d", unit="unit", time="year", n=10
            ),
        }


def test_regression_result(results) -> None:
    reg = results["panel"]
    got = cells(regression_table(reg))
    p = reg.pvalues
    assert got["d"] == (coef(reg.params["d"], p["d"]),)
    assert got["d se"] == (f"({reg.std_errors['d']:.3f})",)
    assert got["unit FE"] == ("Yes",) and got["year FE"] == ("Yes",)
    assert got["N"] == (f"{reg.nobs:,}",)


def test_matching_result_with_dict_spec(results) -> None:
    reg, m = results["panel"], results["psm"]
    assert isinstance(m.spec, dict)  # the case that used to fail
    table = regression_table([reg, m])
    got = cells(table)
    p = 2 * stats.norm.sf(abs(m.att / m.se))  # teffects' normal p-value
    assert got["ATT"] == ("", coef(m.att, p))
    assert got["ATT se"] == ("", f"({m.se:.3f})")
    # psm records no fixed effects: blank, not "No"
    assert got["unit FE"] == ("Yes", "")
    assert got["N"] == (f"{reg.nobs:,}", f"{m.nobs:,}")
    assert got["R-squared"][1] == ""
    assert table.header_rows[0].texts()[1] == "Dependent variable: y"
    assert table.notes[0] == (
        "Standard errors in parentheses: Clustered (unit) in (1); Abadie-Imbens (2016) in (2)."
    )
    assert any(n.startswith("(2): Propensity-score matching (nearest)") for n in table.notes)


def test_psm_did_result_shows_its_regression(results) -> None:
    res = results["psm_did"]
    got = cells(regression_table(res))
    reg = res.regression
    assert got["d"] == (coef(res.estimate, reg.pvalues["d"]),)
    assert got["d se"] == (f"({reg.std_errors['d']:.3f})",)
    assert got["N"] == (f"{reg.nobs:,}",)


def test_event_study_results(results) -> None:
    es, sa = results["event"], results["sunab"]
    table = regression_table([es, sa])
    got = cells(table)
    for e, name in ((-2, "rel_m2"), (0, "rel_p0"), (3, "rel_p3")):
        expected = []
        for res in (es, sa):
            row = res.estimates.loc[e]
            expected.append(coef(row["estimate"], row["p_value"]))
        assert got[name] == tuple(expected)
        assert got[f"{name} se"][0] == f"({es.estimates.loc[e, 'std_error']:.3f})"
    assert "rel_m1" not in got  # the reference period is left out, not shown as 0
    # Sun-Abraham ATT: p from the t distribution with the regression's df
    df = sa.regression.df_resid
    p = 2 * stats.t.sf(abs(sa.att / sa.att_se), df)
    assert got["ATT"] == ("", coef(sa.att, p))
    assert got["ATT se"] == ("", f"({sa.att_se:.3f})")
    assert got["N"] == (f"{es.regression.nobs:,}", f"{sa.regression.nobs:,}")
    assert got["unit FE"] == ("Yes", "Yes")
    assert any("relative to period -1" in n for n in table.notes)


def test_aggregated_att_gt(results) -> None:
    cs = results["att_gt"]
    simple, dynamic = cs.aggregate("simple"), cs.aggregate("dynamic")
    table = regression_table([simple, dynamic])
    got = cells(table)
    expected = []
    for agg in (simple, dynamic):
        p = 2 * stats.norm.sf(abs(agg.overall / agg.overall_se))
        expected.append(coef(agg.overall, p))
    assert got["ATT"] == tuple(expected)
    row = dynamic.estimates.loc[1]
    assert got["rel_p1"] == ("", coef(row["estimate"], row["p_value"]))
    assert got["N"] == (str(simple.n_units), str(dynamic.n_units))  # units, said in a note
    assert "Analytical (influence function)" in table.notes[0]
    assert table.header_rows == ()  # no dependent variable recorded: no empty row


def test_unsupported_results_name_the_type_and_the_fix(results) -> None:
    with pytest.raises(SpecificationError, match=r"ATTgtResult.*aggregate\('simple'\)"):
        regression_table(results["att_gt"])
    with pytest.raises(SpecificationError, match=r"PlaceboResult.*result\.pvalue"):
        regression_table([results["panel"], results["placebo"]])
    with pytest.raises(HitexError, match=r"model \(2\) is of type DataFrame.*frame_table"):
        regression_table([results["panel"], pd.DataFrame({"a": [1]})])
