"""Source kinds of a study's ``data.sources``, one module each, registered by name.

Importing this package registers every built-in source kind in
:data:`hitex.studies.kinds.SOURCES`; :func:`schemas` gives their schemas for the
study file's ``sources`` list.
"""

from __future__ import annotations

from hitex.studies.kinds import SOURCES
from hitex.studies.sources import (  # noqa: F401 - each module registers its kind
    city_panel,
    distance,
    file,
    groups,
    indicator,
    tbt_depth,
    tfi,
    trade_panel,
    wdi,
)


def schemas() -> tuple[type, ...]:
    """The schema of every registered source kind, in name order."""
    return tuple(kind.schema for _, kind in SOURCES.items())
