"""``kind: china_provincial``: province-year variables of the bundle, each in its stated unit."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from hitex.studies.common import PanelBuilder, SourceKind
from hitex.studies.kinds import SOURCES, StrictModel


class ChinaProvincialSource(StrictModel):
    """Variables of :data:`hitex.data.china_provincial.PROVINCE_VARIABLES`: ``{name: column}``.

    For example ``{patent_applications: patents, population_10k: pop,
    ht_exports: ht_exports}``. Each variable keeps the unit the catalogue
    states (the summary lists them); convert with ``transforms``.
    """

    kind: Literal["china_provincial"]
    variables: dict[str, str]

    @field_validator("variables")
    @classmethod
    def _known(cls, v: dict[str, str]) -> dict[str, str]:
        from hitex.data.china_provincial import PROVINCE_VARIABLES

        unknown = [k for k in v if k not in PROVINCE_VARIABLES]
        if unknown:
            import difflib

            hints = "; ".join(f"'{u}': did you mean {', '.join(close)}?" for u in unknown
                              if (close := difflib.get_close_matches(u, PROVINCE_VARIABLES, n=2)))
            raise ValueError(f"not a province variable of the bundle: {unknown}. {hints} Known: "
                             f"{', '.join(sorted(PROVINCE_VARIABLES))}")
        return v


class ChinaProvincial(SourceKind):
    schema = ChinaProvincialSource
    panels = ("province_year", "city_year")

    def add(self, source: ChinaProvincialSource, builder: PanelBuilder) -> None:
        from hitex.data.china_provincial import PROVINCE_VARIABLES, province_variables

        frame, files = province_variables(list(source.variables), data_dir=builder.bundle)
        frame = frame.rename(columns={"year": builder.time, **source.variables})
        builder.merge(frame, ["province_code", builder.time])
        builder.built.files += files
        units = "; ".join(f"{col} = {PROVINCE_VARIABLES[name].label} [{PROVINCE_VARIABLES[name].unit}]"
                          for name, col in source.variables.items())
        where = (" (each city gets its province's value)" if builder.unit != "province_code"
                 else "")
        builder.built.notes.append(f"Province data from the bundle{where} (unit of each): "
                                   f"{units}.")
        years = builder.data.loc[:, [builder.time]]
        for name, col in source.variables.items():
            have = sorted(set(years.loc[builder.data[col].notna(), builder.time]))
            if not have:
                builder.built.notes.append(f"'{col}' ({name}) has no value in the study's years.")
            elif (have[0], have[-1]) != (builder.years[0], builder.years[-1]):
                builder.built.notes.append(
                    f"'{col}' ({name}) covers {have[0]}-{have[-1]} of the study's "
                    f"{builder.years[0]}-{builder.years[-1]}.")


SOURCES.register("china_provincial")(ChinaProvincial())
