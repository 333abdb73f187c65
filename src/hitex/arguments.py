"""Argument types of the public functions, checked before they run.

A user who passes a number where a column name belongs, or a list where a data
frame belongs, should read which argument is wrong and what it should be, not a
``TypeError`` from deep inside pandas. :func:`checked` wraps a public function
so that its arguments are compared with its annotations first:

* ``str`` (a column name, a formula): must be text; ``str | None`` may be None;
* ``pandas.DataFrame``: must be a data frame;
* ``Sequence[str]`` (column names): a list or tuple of text (one text is left
  to the function, which may read it as one name);
* ``PathLike`` (a file), ``PathLike | Iterable[PathLike]`` (files): a path,
  or a non-empty list of paths.

Anything else (numbers, mappings, options with their own checks) is left to
the function. A mismatch raises :class:`~hitex.errors.SpecificationError`
naming the function, the argument, what it should be and what it got. The
public names of :mod:`hitex` are wrapped when first used.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from hitex.errors import SpecificationError

_NAME = r"(?:pd\.|pandas\.)?DataFrame"
_STR = re.compile(r"^str$")
_OPT_STR = re.compile(r"^(?:str \| None|None \| str|Optional\[str\])$")
_FRAME = re.compile(rf"^{_NAME}$")
_OPT_FRAME = re.compile(rf"^(?:{_NAME} \| None|None \| {_NAME}|Optional\[{_NAME}\])$")
_NAMES = re.compile(r"^(?:str \| )?(?:Sequence|list|tuple|Iterable)\[str(?:, \.\.\.)?\]"
                    r"(?: \| str)?( \| None)?$")
_PATHS = re.compile(r"^(?:[\w.]*DataFrame \| )?(?:str \| )?(?:os\.)?PathLike(?:\[str\])?"
                    r"(?: \| Iterable\[(?:os\.)?PathLike(?:\[str\])?\])?$")


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"


def _problem(annotation: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``annotation``, or None."""
    if _STR.match(annotation) and not isinstance(value, str):
        return "text (a column name or formula)"
    if _OPT_STR.match(annotation) and value is not None and not isinstance(value, str):
        return "text (a column name) or None"
    if _FRAME.match(annotation) and not isinstance(value, pd.DataFrame):
        return "a pandas DataFrame"
    if _OPT_FRAME.match(annotation) and value is not None and not isinstance(value,
                                                                            pd.DataFrame):
        return "a pandas DataFrame or None"
    if _PATHS.match(annotation):
        frame_ok = "DataFrame" in annotation and isinstance(value, pd.DataFrame)
        many = annotation.endswith("]") and "Iterable" in annotation
        one = isinstance(value, (str, os.PathLike))
        if not (frame_ok or one or (many and isinstance(value, (list, tuple)) and value
                                    and all(isinstance(v, (str, os.PathLike)) for v in value))):
            return ("a file path" + (" or a list of paths" if many else "")
                    + (" or a DataFrame" if "DataFrame" in annotation else ""))
        return None
    match = _NAMES.match(annotation)
    if match:
        if value is None and match.group(1):
            return None
        if isinstance(value, str):
            return None
        if not isinstance(value, (list, tuple, pd.Index)) or not all(
                isinstance(v, str) for v in value):
            return "a list of column names (text)"
    return None


def _reissue(caught: list[warnings.WarningMessage]) -> None:
    """Warnings of the wrapped call, issued again as if the wrapper were not there.

    A warning the function aimed at its caller (``stacklevel=2``) would name this
    module's line; it is issued again pointing at the user's line. The user's own
    warning filters decide, as for any warning.
    """
    for w in caught:
        if w.filename == __file__:
            warnings.warn(w.message, w.category, stacklevel=3)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   source=w.source)


def checked(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its arguments checked against its annotations (see the module docstring)."""
    if not inspect.isfunction(func) or getattr(func, "__hitex_checked__", False):
        return func
    signature = inspect.signature(func)
    rules = {name: str(p.annotation) for name, p in signature.parameters.items()
             if p.annotation is not inspect.Parameter.empty}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as err:
            raise SpecificationError(f"{func.__name__}(): {err}. Its arguments: "
                                     f"{func.__name__}{signature}.") from None
        for name, value in bound.arguments.items():
            annotation = rules.get(name)
            if annotation is None:
                continue
            wanted = _problem(annotation, value)
            if wanted:
                raise SpecificationError(
                    f"{func.__name__}(): argument '{name}' must be {wanted}; got "
                    f"{_shown(value)}.")
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                return func(*args, **kwargs)
        finally:
            _reissue(list(caught))

    wrapper.__hitex_checked__ = True  # type: ignore[attr-defined]
    return wrapper


__all__ = ["checked"]
