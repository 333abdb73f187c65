"""``data.kind: country_year``: one row per unit (ISO3 country, or the units of a file) and year.

The rows are the study's countries (``countries``) x years, or, without
``countries``, the units of its ``file`` and ``indicator`` sources; each source
then adds columns in the order written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hitex.studies.common import BuiltPanel, PanelBuilder, PanelKind
from hitex.studies.kinds import PANELS, SOURCES


def _countries(spec: Any, bundle: Path) -> list[str]:
    from hitex.data import countries

    out: list[str] = []
    if spec.countries is None:
        return out
    if spec.countries.group:
        out += countries.members(spec.countries.group, None, data_dir=bundle)
    if spec.countries.iso3:
        out += countries.resolve(list(spec.countries.iso3), data_dir=bundle)
    return sorted(dict.fromkeys(out))


class CountryYear(PanelKind):
    name = "country_year"

    def check(self, spec: Any) -> None:
        super().check(spec)
        if spec.countries is None and not any(SOURCES.get(s.kind).gives_units
                                              for s in spec.sources):
            raise ValueError(
                "give 'countries' (a group or an iso3 list), or a 'file' or 'indicator' source "
                "whose units (e.g. provinces) define the panel"
            )

    def build(self, spec: Any, bundle: Path, base_dir: Path | None) -> BuiltPanel:
        unit, time = spec.unit, spec.time
        years = list(range(spec.years[0], spec.years[1] + 1))
        builder = PanelBuilder(spec, bundle, base_dir, _countries(spec, bundle), years)
        frames = []
        for source in spec.sources:  # files first: their units may define the panel's
            kind = SOURCES.get(source.kind)
            if kind.gives_units:
                frames.append(builder.frame_of(source, kind.read))
        if spec.countries is None:
            units: list = []
            for frame in frames:
                if frame is not None and unit in frame.columns:
                    units += list(frame[unit].dropna().unique())
            builder.countries = sorted(dict.fromkeys(units), key=str)
        builder.built.data = pd.DataFrame(
            [(c, y) for c in builder.countries for y in years], columns=[unit, time])
        for source in spec.sources:
            SOURCES.get(source.kind).add(source, builder)
        return builder.built


PANELS.register("country_year")(CountryYear())
