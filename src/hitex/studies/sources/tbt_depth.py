"""``kind: tbt_depth``: DESTA FTA dummy and TBT depth by exporter-importer-year."""

from __future__ import annotations

import warnings
from typing import Literal

from hitex.errors import DataCoverageWarning
from hitex.studies.common import PanelBuilder, SourceKind, files_under
from hitex.studies.gravity_data import tbt_pairs
from hitex.studies.kinds import SOURCES, StrictModel


class TbtDepthSource(StrictModel):
    """DESTA FTA dummy and TBT depth by exporter-importer-year (study 001, Tables 4-5).

    Adds ``fta`` and ``depth_x_fta`` (:func:`hitex.indicators.tbt.pair_year_panel`
    over the panel's countries and years, every DESTA agreement with a coding;
    intra-national rows get 0). ``missing`` says how TBT items without a code
    count.
    """

    kind: Literal["tbt_depth"]
    missing: Literal["report", "zero_if_no_provision"] = "zero_if_no_provision"


class TbtDepth(SourceKind):
    schema = TbtDepthSource
    panels = ("dyadic",)

    def add(self, source: TbtDepthSource, builder: PanelBuilder) -> None:
        spec, built = builder.spec, builder.built
        ex, im, time = spec.exporter, spec.importer, spec.time
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pairs = tbt_pairs(builder.bundle, builder.countries, builder.years, source.missing)
        for w in caught:
            if not issubclass(w.category, DataCoverageWarning):
                warnings.warn(w.message, stacklevel=2)
        pairs = pairs.rename(columns={"exporter": ex, "importer": im, "year": time})
        builder.merge(pairs, [ex, im, time])
        for col in ("fta", "depth_x_fta"):
            built.data[col] = built.data[col].fillna(0.0)  # intra-national rows: no agreement
        built.files += files_under(builder.bundle / "desta")
        built.notes.append(
            "FTA and Depth x FTA from DESTA: every coded agreement in force for the pair "
            "(bilateral and plurilateral), Depth = the deepest agreement's TBT depth 0-8 "
            f"(missing items: {source.missing}); intra-national rows have FTA = 0."
        )
        coverage = [str(w.message) for w in caught if issubclass(w.category, DataCoverageWarning)]
        built.notes += [f"DESTA coverage: {text}" for text in dict.fromkeys(coverage)]


SOURCES.register("tbt_depth")(TbtDepth())
