"""Formula parsing and normalisation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.models.formula import check_functions, normalise_formula, parse_formula


def test_parts_and_variables():
    p = parse_formula("ln_y ~ log(x) + I(x**2) + x:z | exporter^year + pair")
    assert p.depvar == "ln_y"
    assert p.fixed_effects == ("exporter^year", "pair")
    assert p.fe_columns == ("exporter", "year", "pair")
    assert p.variables == ("ln_y", "x", "z", "exporter", "year", "pair")
    assert p.functions == ("log", "I")


def test_iv_part():
    p = parse_formula("y ~ w | id | x ~ z + q")
    assert p.iv == "x ~ z + q" and p.fixed_effects == ("id",)
    assert p.formula == "y ~ w | id | x ~ z + q"


@pytest.mark.parametrize("raw", ["y~x1+x2|country+year", "y ~ x1 +  x2 |  country +   year ",
                                 "y ~ x1 + x2 | country + year"])
def test_normalised_form_has_no_spaces_in_fixed_effects(raw):
    assert normalise_formula(raw) == "y ~ x1 + x2 | country+year"


def test_normalised_formula_keeps_pyfixest_etable_fixed_effect_rows():
    """pyfixest 0.60's etable marks fixed effects absent ('-') when the formula's
    fixed-effect part has spaces; the normalised formula shows them ('x')."""
    import pyfixest as pf

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": np.repeat(np.arange(20), 5), "b": np.tile(np.arange(5), 20)})
    df["x"] = rng.normal(size=100)
    df["y"] = df["x"] + rng.normal(size=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(normalise_formula("y ~ x | a + b"), df)
        table = pf.etable(fit, type="df")
    fe_rows = table.loc["fe"]
    assert set(fe_rows.iloc[:, 0]) == {"x"}


@pytest.mark.parametrize("bad", ["y x", "~ x", "y ~ x | log(a)", "y ~ x | a | b | c | d"])
def test_bad_formulas(bad):
    with pytest.raises(SpecificationError):
        parse_formula(bad)


def test_function_whitelist():
    check_functions("y ~ log(x) + I(x**2) + C(g)")
    with pytest.raises(SpecificationError, match="os.system"):
        check_functions("y ~ os.system(x)")
