"""``data.kind: city_year``: one row per Chinese prefecture city and year.

The rows come from the ``city_panel`` source (unit ``city_code``); ``file``
sources add columns merged on ``city_code`` and year.
"""

from __future__ import annotations

from typing import Any

from hitex.studies.common import PanelKind
from hitex.studies.kinds import PANELS


class CityYear(PanelKind):
    name = "city_year"
    row_source = "city_panel"

    def check(self, spec: Any) -> None:
        super().check(spec)
        if spec.unit != "city_code":
            raise ValueError(f"a city_year study needs 'unit: city_code' (got {spec.unit!r})")


PANELS.register("city_year")(CityYear())
