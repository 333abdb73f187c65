"""Table kinds of a study's ``tables``, one module each, registered by name.

Importing this package registers every built-in table kind in
:data:`hitex.studies.kinds.TABLES`; :func:`schemas` gives their schemas for the
study file's ``tables`` list.
"""

from __future__ import annotations

from hitex.studies.kinds import TABLES
from hitex.studies.tables import (  # noqa: F401 - each module registers its kind
    before_after,
    correlation,
    coverage,
    descriptive,
    mechanism,
    placebo,
    psm_did,
    regression,
    staggered,
)


def schemas() -> dict[str, type]:
    """The schema of every registered table kind, by name."""
    return {name: kind.schema for name, kind in TABLES.items()}
