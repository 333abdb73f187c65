"""Every public function of ``hitex`` answers a wrong argument type with a hitex error.

For each required argument of each function exported by ``hitex`` (the lazy
public names), the call is made with the other arguments well-formed and that
one replaced by None, a number, text where a frame belongs, an empty frame, or
a list holding a number: the result is a :class:`hitex.HitexError` (naming the
argument) or a normal return, never a ``TypeError`` or ``KeyError`` from inside.
"""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

import hitex
from hitex.arguments import checked
from hitex.errors import HitexError, SpecificationError

BAD = [None, 123, "not a frame", pd.DataFrame(), ["a", 1]]
FRAME = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 3.0]})


def _good(p: inspect.Parameter):
    a = str(p.annotation)
    if "DataFrame" in a or p.name in ("data", "frame", "df"):
        return FRAME
    if a.startswith(("Sequence", "list", "tuple")):
        return ["x"]
    return "x"


def _functions():
    for name in hitex._LAZY:  # noqa: SLF001 - the public names themselves
        obj = getattr(hitex, name)
        if inspect.isfunction(obj):
            yield name, obj


@pytest.mark.parametrize("name, func", list(_functions()))
def test_wrong_argument_types_give_hitex_errors(name, func):
    sig = inspect.signature(func)
    required = [p for p in sig.parameters.values() if p.default is inspect.Parameter.empty
                and p.kind is not p.VAR_POSITIONAL and p.kind is not p.VAR_KEYWORD]
    for p in required:
        for bad in BAD:
            kwargs = {q.name: (bad if q.name == p.name else _good(q)) for q in required}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    func(**kwargs)
                except HitexError:
                    pass
                except Exception as err:  # noqa: BLE001 - the point of the test
                    pytest.fail(f"{name}({p.name}={bad!r}) raised {type(err).__name__}: {err}")


def test_the_error_names_the_argument_and_what_it_should_be():
    with pytest.raises(SpecificationError, match=r"panel\(\): argument 'formula' must be text"):
        hitex.panel(123, FRAME)
    with pytest.raises(SpecificationError, match="argument 'data' must be a pandas DataFrame"):
        hitex.panel("y ~ x", [1, 2])
    with pytest.raises(SpecificationError, match="missing a required argument"):
        hitex.psm(FRAME)


def test_checked_leaves_good_calls_and_other_types_alone():
    def f(data: pd.DataFrame, name: str, names: list[str] | None = None, k: int = 1) -> int:
        return k

    g = checked(f)
    assert g(FRAME, "x", ["x"], k=3) == 3
    assert g(FRAME, "x", None, k="anything") == "anything"  # numbers are the function's
    assert checked(g) is g
    with pytest.raises(SpecificationError, match="'names' must be a list of column names"):
        g(FRAME, "x", [1])


def test_warnings_point_at_the_callers_line():
    """A warning the function aims at its caller names the caller's file, not the wrapper."""
    import numpy as np

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"g": np.repeat(np.arange(4), 25), "x": rng.normal(size=100)})
    data["y"] = data["x"] + rng.normal(size=100)
    with pytest.warns(hitex.HitexWarning, match="Few clusters") as record:
        hitex.panel("y ~ x | g", data)
    assert all(w.filename == __file__ for w in record if "Few clusters" in str(w.message))
