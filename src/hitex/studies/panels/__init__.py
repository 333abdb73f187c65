"""Panel kinds of a study's ``data.kind``, one module each, registered by name.

Importing this package registers every built-in panel kind in
:data:`hitex.studies.kinds.PANELS`.
"""

from __future__ import annotations

from hitex.studies.panels import city_year, country_year, dyadic  # noqa: F401 - they register
