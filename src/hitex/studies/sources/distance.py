"""``kind: distance``: CEPII GeoDist bilateral distance."""

from __future__ import annotations

from typing import Literal

from hitex.studies.common import PanelBuilder, SourceKind
from hitex.studies.gravity_data import cepii_distance
from hitex.studies.kinds import SOURCES, StrictModel


class DistanceSource(StrictModel):
    """CEPII GeoDist bilateral distance (km) from the bundle, as column ``name``."""

    kind: Literal["distance"]
    measure: Literal["dist", "distw", "distcap", "distwces"] = "distw"
    name: str = "dist"


class Distance(SourceKind):
    schema = DistanceSource
    panels = ("dyadic",)

    def add(self, source: DistanceSource, builder: PanelBuilder) -> None:
        ex, im = builder.spec.exporter, builder.spec.importer
        dist = cepii_distance(builder.bundle, source.measure).rename(
            columns={"exporter": ex, "importer": im, source.measure: source.name})
        if source.name in builder.data.columns:
            builder.built.data = builder.data.drop(columns=source.name)
        builder.merge(dist, [ex, im])
        builder.built.files.append(builder.bundle / "cepii_geodist" / "dist_cepii.csv.gz")
        builder.built.notes.append(
            f"Distance '{source.name}': CEPII GeoDist {source.measure} (km).")


SOURCES.register("distance")(Distance())
