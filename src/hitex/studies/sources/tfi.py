"""``kind: tfi``: study 000's trade facilitation index from WEF GCR scores."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hitex.studies.common import PanelBuilder, SourceKind
from hitex.studies.kinds import SOURCES, StrictModel


class TfiSource(StrictModel):
    """The trade facilitation index of study 000 from WEF GCR scores.

    ``path`` names the user's own WEF workbook or long file (default: the
    bundle's scores); ``columns`` renames the index and its primaries.
    """

    kind: Literal["tfi"]
    year_rule: Literal["start", "end"] = "start"
    min_count: int = Field(1, ge=1)
    index_min_count: int = Field(4, ge=1, le=4)
    columns: dict[str, str] = Field(
        default_factory=lambda: {"TFI": "tfi", "PE": "pe", "RE": "re", "CE": "ce", "EB": "eb"}
    )
    path: str | None = None


class Tfi(SourceKind):
    schema = TfiSource
    panels = ("country_year", "dyadic")

    def add(self, source: TfiSource, builder: PanelBuilder) -> None:
        from hitex.data.gcr import load_gcr
        from hitex.indicators.facilitation import tfi_coverage_by_year, trade_facilitation_index

        built, years = builder.built, builder.years
        path = builder.resolve(source.path) if source.path else None
        scores = load_gcr(data_dir=builder.bundle, path=path)
        scores = scores[scores["iso3"].isin(builder.countries)]
        tfi = trade_facilitation_index(scores, year_rule=source.year_rule,
                                       min_count=source.min_count,
                                       index_min_count=source.index_min_count)
        if source.index_min_count < 4:
            built.notes.append(
                f"TFI computed where at least {source.index_min_count} of the 4 primary "
                "indicators have a score (mean of the primaries present); see tfi_coverage "
                "for the secondaries present in each year."
            )
        tfi = tfi[tfi["year"].between(years[0], years[-1])]
        built.coverage["tfi_coverage"] = tfi_coverage_by_year(tfi)
        extra = {"n_secondary_present": "tfi_n_secondary",
                 "missing_secondaries": "tfi_missing_secondaries"}
        extra = {k: v for k, v in extra.items() if k in tfi.columns}
        tfi = tfi.rename(columns={**source.columns, **extra})
        builder.add_country_year(tfi, [*source.columns.values(), *extra.values()])
        built.files.append(path if path else builder.bundle / "wef_gcr" /
                           "gcr_panel_best_available_2007_2018_long.csv")


SOURCES.register("tfi")(Tfi())
