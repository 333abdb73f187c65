"""Source kinds of a study's ``data.sources``, one module each, registered by name.

Importing this package imports each of its modules, which registers every built-in source kind in
:data:`hitex.studies.kinds.SOURCES`; :func:`schemas` gives their schemas for the
study file's ``sources`` list.
"""

from __future__ import annotations

import importlib
import pkgutil

from hitex.studies.kinds import SOURCES

for _module in pkgutil.iter_modules(__path__):  # each module registers its kind
    importlib.import_module(f"{__name__}.{_module.name}")


def schemas() -> tuple[type, ...]:
    """The schema of every registered source kind, in name order."""
    return tuple(kind.schema for _, kind in SOURCES.items())
