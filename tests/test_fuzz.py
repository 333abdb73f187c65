"""Fuzzing the study-file parser and the expression evaluator: a result or a hitex error, never else.

Profiles as in ``test_properties.py`` (``HYPOTHESIS_PROFILE=nightly`` for a long run).
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hitex.errors import HitexError
from hitex.studies.expr import Expression
from hitex.studies.spec import load_study, parse_study

settings.register_profile("ci-fuzz", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("nightly-fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile("nightly-fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
                      else "ci-fuzz")

BASE = {"name": "fuzz", "title": "T",
        "data": {"countries": {"iso3": ["DEU", "FRA"]}, "years": [2010, 2012],
                 "sources": [{"kind": "wdi", "indicators": {"NY.GDP.PCAP.KD": "gdppc"}}],
                 "transforms": {"lg": "log(gdppc)"}},
        "tables": [{"name": "t", "models": [{"formula": "lg ~ gdppc | iso3 + year"}]}]}

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
TOKENS = ["gdppc", "lg", "year", "iso3", "1", "2.5", "0", "+", "-", "*", "/", "**", "(", ")",
          "log", "ln1p", "lag", ",", "==", "<", "and", "or", "not", "in", "[", "]", "'a'",
          "__class__", ".", "abs", "isna", "x", "10**10", "lambda", ":", "@", "~", "|"]


def _paths(doc, prefix=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


PATHS = list(_paths(BASE))


@given(path=st.sampled_from(PATHS), value=values)
def test_a_mutated_study_is_a_study_or_a_hitex_error(path, value):
    doc = copy.deepcopy(BASE)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        parse_study(doc)
    except HitexError:
        pass


@given(doc=values)
def test_any_yaml_value_is_a_study_or_a_hitex_error(doc):
    try:
        parse_study(doc)  # type: ignore[arg-type]
    except HitexError:
        pass


@given(text=st.text(max_size=300))
def test_any_text_as_a_study_file(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "study.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_study(path)
    except HitexError:
        pass


FRAME = pd.DataFrame({"gdppc": [1.0, 2.0, np.nan, 4.0], "lg": [0.0, 0.7, 1.1, np.nan],
                      "iso3": ["A", "A", "B", "B"], "year": [2010, 2011, 2010, 2011],
                      "x": [1, 0, 1, 0]})


@given(tokens=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25),
       text=st.text(max_size=40), which=st.booleans())
def test_expressions_evaluate_or_give_a_hitex_error(tokens, text, which):
    source = " ".join(tokens) if which else text
    try:
        expr = Expression(source, where="fuzz")
        with np.errstate(all="ignore"):
            expr.evaluate(FRAME, "iso3", "year")
    except HitexError:
        pass
