"""``kind: wdi``: World Bank WDI indicators from the data bundle."""

from __future__ import annotations

from typing import Literal

from hitex.studies.common import PanelBuilder, SourceKind, files_under, year_list
from hitex.studies.kinds import SOURCES, StrictModel


class WdiSource(StrictModel):
    """World Bank WDI indicators from the bundle: ``{code: column name}``.

    In a dyadic study each column is added for the exporter (suffix ``_o``) and
    the importer (suffix ``_d``).
    """

    kind: Literal["wdi"]
    indicators: dict[str, str]


class Wdi(SourceKind):
    schema = WdiSource
    panels = ("country_year", "dyadic", "province_year", "city_year")

    def add(self, source: WdiSource, builder: PanelBuilder) -> None:
        from hitex.data.wdi import load_wdi

        wdi = load_wdi(list(source.indicators), countries=builder.countries,
                       years=builder.years, data_dir=builder.bundle)
        wdi = wdi.rename(columns=source.indicators)
        builder.add_country_year(wdi, list(source.indicators.values()))
        builder.built.files += files_under(builder.bundle / "wdi")
        for code, col in source.indicators.items():
            have = set(wdi.loc[wdi[col].notna(), "year"]) if col in wdi else set()
            gaps = [y for y in builder.years if y not in have]
            if gaps:
                builder.built.notes.append(
                    f"WDI {code} ('{col}') has no values for {year_list(gaps)} in the bundle: "
                    "rows of those years drop out of models that use it.")


SOURCES.register("wdi")(Wdi())
