"""A small, safe expression language for study files.

Study files are data, not programs. Transforms (``gdpp: log(gdppc)``) and
sample filters (``oecd == 1 and year >= 2010``) are parsed with :mod:`ast`
and evaluated by walking the tree: only column names, numbers, strings,
arithmetic, comparisons, ``and``/``or``/``not``, and the functions in
:data:`FUNCTIONS` are accepted. Anything else (attribute access, imports,
lambdas, subscripts, unknown functions) raises
:class:`~hitex.errors.StudySpecError` naming the expression.

Panel-aware functions (``lag``, ``lead``, ``diff``) shift within the panel
unit by calendar time: ``lag(x, 1)`` is the value of ``x`` in year ``t-1`` of
the same unit (missing when that year is absent), as Stata's ``L.x`` with
``xtset``. ``at_year(x, 2014)`` is each unit's value of ``x`` in 2014 on all
of its rows (a baseline characteristic, e.g. a pre-treatment moderator).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    HitexError,
    NonNumericError,
    StudySpecError,
)

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _positive_log(x: Any) -> Any:
    x = pd.Series(x, dtype="float64") if not isinstance(x, pd.Series) else x.astype("float64")
    return np.log(x.where(x > 0))


#: Element-wise functions available in transforms and filters.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "log": _positive_log,
    "ln": _positive_log,
    "log1p": lambda x: np.log1p(pd.Series(x, dtype="float64")),
    "ln1p": lambda x: np.log1p(pd.Series(x, dtype="float64")),
    "exp": lambda x: np.exp(pd.Series(x, dtype="float64")),
    "sqrt": lambda x: np.sqrt(pd.Series(x, dtype="float64")),
    "abs": lambda x: np.abs(x),
    "isna": lambda x: pd.Series(x).isna(),
    "notna": lambda x: pd.Series(x).notna(),
}
#: Longest expression text, deepest nesting and largest exponent a study file may use.
MAX_LENGTH = 2_000
MAX_DEPTH = 60
MAX_EXPONENT = 100
#: Panel functions: shift within unit by time.
PANEL_FUNCTIONS = ("lag", "lead", "diff", "at_year")


class Expression:
    """A parsed, validated expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"log(gdppc)"`` or ``"oecd == 1"``.
    where : str
        Where it comes from (for error messages), e.g. ``"transforms.gdpp"``.
    """

    def __init__(self, text: str, where: str = "expression") -> None:
        self.text = str(text)
        self.where = where
        if len(self.text) > MAX_LENGTH:
            raise StudySpecError(
                f"{where}: the expression is {len(self.text):,} characters long; study "
                f"expressions are limited to {MAX_LENGTH:,}. Build long sums in steps (several "
                "transforms) or in the data file.")
        try:
            self.tree = ast.parse(self.text.strip(), mode="eval")
        except SyntaxError as err:
            raise StudySpecError(f"{where}: cannot parse {self.text[:200]!r} ({err.msg}).") from err
        except (RecursionError, MemoryError):
            raise StudySpecError(f"{where}: the expression is nested too deeply to read; write it "
                                 "in simpler steps.") from None
        self.names: list[str] = []
        self._validate(self.tree.body, 0)

    def _fail(self, what: str) -> StudySpecError:
        allowed = ", ".join([*FUNCTIONS, *PANEL_FUNCTIONS])
        return StudySpecError(
            f"{self.where}: {what} is not allowed in {self.text!r}. Study expressions may use "
            f"column names, numbers, + - * / **, comparisons, and/or/not, and the functions "
            f"{allowed}."
        )

    def _validate(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise StudySpecError(f"{self.where}: the expression is nested more than {MAX_DEPTH} "
                                 "levels deep; write it in simpler steps.")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
                exponent = exponent.operand
            if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float)
                    and not isinstance(exponent.value, bool)
                    and abs(exponent.value) <= MAX_EXPONENT):
                raise self._fail(f"a power with the exponent {ast.unparse(node.right)[:50]!r} "
                                 f"(exponents are numbers up to {MAX_EXPONENT})")
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                self.names.append(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool):
                raise self._fail(f"the constant {node.value!r}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise self._fail(f"the operator {type(node.op).__name__}")
            self._validate(node.left, depth + 1)
            self._validate(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
                raise self._fail(f"the operator {type(node.op).__name__}")
            self._validate(node.operand, depth + 1)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                self._validate(v, depth + 1)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _CMPOPS and not isinstance(op, ast.In | ast.NotIn):
                    raise self._fail(f"the comparison {type(op).__name__}")
            self._validate(node.left, depth + 1)
            for c in node.comparators:
                self._validate(c, depth + 1)
        elif isinstance(node, ast.List | ast.Tuple):
            for e in node.elts:
                if not isinstance(e, ast.Constant):
                    raise self._fail("a list of non-constants")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise self._fail("calling a method or attribute")
            name = node.func.id
            if name not in FUNCTIONS and name not in PANEL_FUNCTIONS:
                raise self._fail(f"the function {name!r}")
            if node.keywords:
                raise self._fail("keyword arguments")
            if name in PANEL_FUNCTIONS:
                if not 1 <= len(node.args) <= 2 or (name == "at_year" and len(node.args) != 2):
                    raise self._fail(f"{name}() with {len(node.args)} arguments"
                                     + (" (write at_year(x, 2014))" if name == "at_year" else ""))
                if len(node.args) == 2 and not (
                    isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, int)
                ):
                    raise self._fail(f"a non-integer lag length in {name}()")
            elif len(node.args) != 1:
                raise self._fail(f"{name}() with {len(node.args)} arguments")
            self._validate(node.args[0], depth + 1)
        else:
            raise self._fail(f"the syntax {type(node).__name__}")

    def evaluate(self, data: pd.DataFrame, unit: str | None = None,
                 time: str | None = None) -> pd.Series:
        """Evaluate on ``data`` and return a Series aligned with its index."""
        missing = [n for n in self.names if n not in data.columns]
        if missing:
            import difflib

            hints = []
            for name in missing:
                close = difflib.get_close_matches(name, [str(c) for c in data.columns], n=2)
                if close:
                    hints.append(f"'{name}': did you mean {' or '.join(map(repr, close))}?")
                elif re.fullmatch(r"[A-Z]{2,3}|[A-Za-z]+", name) and any(
                        data[c].astype(str).eq(name).any() for c in data.columns
                        if data[c].dtype == object or pd.api.types.is_string_dtype(data[c])):
                    hints.append(f"'{name}' is a value, not a column: quote it, e.g. "
                                 f"\"iso3 == '{name}'\"")
                elif re.fullmatch(r"[iLFD]", name):
                    hints.append("Stata's i./L./F./D. prefixes are written here as C(x) in "
                                 "formulas and lag(x), lead(x), diff(x) in transforms")
            shown = ", ".join(map(str, list(data.columns)[:40]))
            raise ColumnNotFoundError(
                f"{self.where}: column(s) {', '.join(map(repr, missing))} in {self.text!r} are "
                f"not in the study data. {' '.join(hints)} Available: {shown}"
                f"{' ...' if len(data.columns) > 40 else ''}."
            )
        try:
            result = self._eval(self.tree.body, data, unit, time)
        except HitexError:
            raise
        except Exception as err:  # type mismatches raised by pandas/numpy/pyarrow
            types = ", ".join(f"{n}: {data[n].dtype}" for n in self.names)
            raise StudySpecError(
                f"{self.where}: cannot evaluate {self.text!r} ({type(err).__name__}: {err}). "
                f"Column types: {types}. Compare text columns with text ('x == \"abc\"') and "
                "use numeric columns in arithmetic."
            ) from err
        if not isinstance(result, pd.Series):
            result = pd.Series(result, index=data.index)
        return result

    def _eval(self, node: ast.AST, data: pd.DataFrame, unit: str | None, time: str | None) -> Any:
        ev = lambda n: self._eval(n, data, unit, time)  # noqa: E731
        if isinstance(node, ast.Name):
            return data[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [e.value for e in node.elts]  # type: ignore[attr-defined]
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            val = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return ~val.astype(bool) if isinstance(val, pd.Series) else not val
            return -val if isinstance(node.op, ast.USub) else val
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            out = vals[0]
            for v in vals[1:]:
                out = (out & v) if isinstance(node.op, ast.And) else (out | v)
            return out
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            out = None
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = ev(comp)
                if isinstance(op, ast.In | ast.NotIn):
                    res = pd.Series(left).isin(right)
                    res = ~res if isinstance(op, ast.NotIn) else res
                else:
                    res = _CMPOPS[type(op)](left, right)
                out = res if out is None else (out & res)
                left = right
            return out
        if isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[attr-defined]
            arg = ev(node.args[0])
            if name in PANEL_FUNCTIONS:
                n = node.args[1].value if len(node.args) == 2 else 1  # type: ignore[attr-defined]
                if name == "at_year":
                    return _at_year(data, arg, n, unit, time, self.where)
                return _shift(data, arg, name, n, unit, time, self.where)
            return FUNCTIONS[name](arg)
        raise self._fail(type(node).__name__)  # pragma: no cover - validated before


def _at_year(data: pd.DataFrame, values: Any, year: int, unit: str | None, time: str | None,
             where: str) -> pd.Series:
    """Each unit's value in ``year``, on every row of the unit (Stata: ``bysort id: egen``
    ``x0 = max(cond(year == 2014, x, .))``); missing for a unit without that year."""
    if unit is None or time is None:
        raise StudySpecError(f"{where}: at_year() needs the study's 'unit' and 'time' columns.")
    if not (data[time] == year).any():
        raise StudySpecError(
            f"{where}: at_year(..., {year}): the panel has no year {year} (its years run "
            f"{data[time].min()}-{data[time].max()}); choose a year of the study's 'years'.")
    raw = pd.Series(values, index=data.index)
    picked = raw.where(data[time] == year)
    return picked.groupby(data[unit], sort=False).transform("first")


def _shift(data: pd.DataFrame, values: Any, kind: str, n: int, unit: str | None,
           time: str | None, where: str) -> pd.Series:
    if unit is None or time is None:
        raise StudySpecError(f"{where}: {kind}() needs the study's 'unit' and 'time' columns.")
    if kind == "lead":
        n = -n
    times = data[time]
    if not pd.api.types.is_numeric_dtype(times) or pd.api.types.is_bool_dtype(times):
        raise StudySpecError(
            f"{where}: {kind}() needs a numeric time column (years); '{time}' is {times.dtype}."
        )
    raw = pd.Series(values, index=data.index)
    if not (pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)):
        text = raw[pd.to_numeric(raw, errors="coerce").isna() & raw.notna()]
        examples = list(dict.fromkeys(map(str, text)))[:3]
        raise NonNumericError(
            f"{where}: {kind}() of a column that holds text (e.g. {examples}); fix those cells "
            "in the source file or convert the column to numbers first.")
    series = raw.astype("float64")
    key = pd.DataFrame({"u": data[unit].to_numpy(), "t": times.to_numpy()})
    dup = key.duplicated() & key["u"].notna()
    if dup.any():
        raise DuplicateKeyError(
            f"{where}: {kind}() needs one row per ({unit}, {time}); {int(dup.sum())} rows repeat "
            "a key. Aggregate or drop the duplicates first."
        )
    frame = key.assign(v=series.to_numpy())
    shifted = frame.dropna(subset=["u"]).assign(t=lambda f: f["t"] + n)
    merged = frame[["u", "t"]].merge(shifted, on=["u", "t"], how="left")
    previous = pd.Series(merged["v"].to_numpy(), index=data.index)
    previous = previous.mask(key["u"].isna().to_numpy())  # no unit: nothing to lag from
    if kind == "diff":
        return series - previous
    return previous


def evaluate(text: str, data: pd.DataFrame, *, where: str = "expression",
             unit: str | None = None, time: str | None = None) -> pd.Series:
    """Parse and evaluate ``text`` on ``data`` (see :class:`Expression`)."""
    return Expression(text, where).evaluate(data, unit, time)
