"""``data.kind: city_year``: one row per Chinese prefecture city and year.

The rows come from the ``city_panel`` source (unit ``city_code``); ``file``
sources add columns merged on ``city_code`` and year; ``china_provincial``
adds the variables of each city's province (merged on ``province_code`` and
year) and ``wdi`` China's national series (merged on the year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hitex.studies.common import PanelBuilder, PanelKind
from hitex.studies.kinds import PANELS


class CityBuilder(PanelBuilder):
    """A city-year panel: country-year data are China's, merged on the year."""

    def __init__(self, spec: Any, bundle: Path, base_dir: Path | None,
                 countries: list[str] | None = None, years: list[int] | None = None) -> None:
        super().__init__(spec, bundle, base_dir, countries or ["CHN"],
                         years or list(range(spec.years[0], spec.years[1] + 1)))

    def add_country_year(self, frame: pd.DataFrame, columns: list[str]) -> None:
        part = frame.loc[frame["iso3"] == "CHN", ["year", *columns]].rename(
            columns={"year": self.time})
        self.merge(part, [self.time])


class CityYear(PanelKind):
    name = "city_year"
    row_source = "city_panel"
    builder = CityBuilder

    def check(self, spec: Any) -> None:
        super().check(spec)
        if spec.unit != "city_code":
            raise ValueError(f"a city_year study needs 'unit: city_code' (got {spec.unit!r})")


PANELS.register("city_year")(CityYear())
