"""Table kinds of a study's ``tables``, one module each, registered by name.

Importing this package imports each of its modules, which registers every built-in table kind in
:data:`hitex.studies.kinds.TABLES`; :func:`schemas` gives their schemas for the
study file's ``tables`` list.
"""

from __future__ import annotations

import importlib
import pkgutil

from hitex.studies.kinds import TABLES

for _module in pkgutil.iter_modules(__path__):  # each module registers its kind
    importlib.import_module(f"{__name__}.{_module.name}")


def schemas() -> dict[str, type]:
    """The schema of every registered table kind, by name."""
    return {name: kind.schema for name, kind in TABLES.items()}
