"""Registries of the study layer's kinds, and the base of every kind's schema.

A study file names kinds: the panel kind (``data.kind``), the kind of each data
source (``data.sources[].kind``), the indicator an ``indicator`` source computes
(``name``) and the kind of each table (``tables[].kind``). Each kind is a
module that registers itself here under the name the study file uses::

    from hitex.studies.kinds import TABLES

    @TABLES.register("descriptive")
    class Descriptive(TableKind): ...

The layer looks kinds up by name (:meth:`Registry.get`), so adding a kind
touches only its own module. A registry imports its package the first time it
is asked (``hitex.studies.tables`` for table kinds), which registers every
built-in kind; an unknown name gets the list of known names and a did-you-mean.

This module is the lowest of :mod:`hitex.studies` but :mod:`~hitex.studies.expr`:
it imports no kind.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from hitex.errors import HitexError, StudySpecError
from hitex.studies.expr import Expression

T = TypeVar("T")


class Registry(Generic[T]):
    """Kinds of one sort, found by the name a study file uses.

    Parameters
    ----------
    what : str
        What a kind is called in messages ("table kind").
    package : str
        The package whose import registers the built-in kinds.
    key : str
        Where the name is written in a study file (``tables[].kind``), for
        messages.
    """

    def __init__(self, what: str, package: str, key: str) -> None:
        self.what = what
        self.package = package
        self.key = key
        self._kinds: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register ``obj`` under ``name`` (a second kind of that name is an error)."""

        def add(obj: T) -> T:
            if name in self._kinds and self._kinds[name] is not obj:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._kinds[name] = obj
            return obj

        return add

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            importlib.import_module(self.package)

    def names(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        self._load()
        return tuple(sorted(self._kinds))

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._kinds

    def items(self) -> list[tuple[str, T]]:
        """``(name, kind)`` pairs, sorted by name."""
        self._load()
        return sorted(self._kinds.items())

    def unknown(self, name: object) -> str:
        """The message for a name that is not registered: known names and a did-you-mean."""
        known = self.names()
        close = difflib.get_close_matches(str(name), known, n=2, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        return (f"unknown {self.what} {name!r} ({self.key}).{hint} "
                f"Known: {', '.join(known)}.")

    def get(self, name: str) -> T:
        """The kind registered as ``name``.

        Raises
        ------
        StudySpecError
            If no kind has that name; the message lists the known names.
        """
        self._load()
        if name not in self._kinds:
            raise StudySpecError(self.unknown(name))
        return self._kinds[name]


#: Panel kinds (``data.kind``): :mod:`hitex.studies.panels`.
PANELS: Registry = Registry("panel kind", "hitex.studies.panels", "data.kind")
#: Data source kinds (``data.sources[].kind``): :mod:`hitex.studies.sources`.
SOURCES: Registry = Registry("source kind", "hitex.studies.sources", "data.sources[].kind")
#: Indicators a ``kind: indicator`` source computes (``name``).
INDICATORS: Registry = Registry("indicator", "hitex.studies.sources.indicator_steps",
                                "data.sources[].name of a 'kind: indicator' source")
#: Table kinds (``tables[].kind``): :mod:`hitex.studies.tables`.
TABLES: Registry = Registry("table kind", "hitex.studies.tables", "tables[].kind")


class StrictModel(BaseModel):
    """Base of every part of the study schema: unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_expression(text: str, where: str) -> None:
    """Parse a transform or filter expression; a pydantic ``ValueError`` when it is invalid."""
    try:
        Expression(text, where=where)
    except HitexError as err:
        raise ValueError(str(err)) from err


def check_name(registry: Registry, name: str) -> str:
    """Validate a kind name inside the schema (a ``ValueError`` naming the known kinds)."""
    if name not in registry:
        raise ValueError(registry.unknown(name))
    return name


def summary(kind: object) -> str:
    """The first line of what a registered kind says of itself (its module's docstring)."""
    import sys

    doc = getattr(kind, "options", None)
    if isinstance(doc, str):  # an indicator step: its options
        return f"options: {doc}"
    module = sys.modules.get(type(kind).__module__)
    text = (module.__doc__ or "") if module else ""
    first = text.strip().splitlines()[0] if text.strip() else ""
    match = re.match(r"^``[^`]*``\s*(\([^)]*\))?:\s*", first)
    if match:
        first = (f"{match.group(1)} " if match.group(1) else "") + first[match.end():]
    return first.replace("``", "`")


def kinds_markdown() -> str:
    """Every registered kind as Markdown lists (the README's section is this text)."""
    lines: list[str] = []
    for title, registry in (("Panel kinds (`data.kind`)", PANELS),
                            ("Source kinds (`data.sources[].kind`)", SOURCES),
                            ("Indicators (`kind: indicator`, `name`)", INDICATORS),
                            ("Table kinds (`tables[].kind`)", TABLES)):
        lines.append(f"{title}:")
        lines.append("")
        lines += [f"- `{name}`: {summary(kind)}" for name, kind in registry.items()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
