"""``kind: trade_panel``: the bilateral trade panel whose rows a dyadic study has."""

from __future__ import annotations

from typing import Literal

from hitex.errors import DuplicateKeyError
from hitex.studies.common import PanelBuilder, SourceKind
from hitex.studies.gravity_data import agtpa_path, read_agtpa
from hitex.studies.kinds import SOURCES, StrictModel


class TradePanelSource(StrictModel):
    """The bilateral trade panel of a dyadic study (defines its rows).

    ``dataset: agtpa_4yr`` is the manufacturing trade panel of Yotov,
    Piermartini, Monteiro and Larch (2016), *An Advanced Guide to Trade Policy
    Analysis* (69 countries, 1986-2006 every 4 years, intra-national flows
    included), read from the reference data folder (``HITEX_REFERENCE_DIR``,
    sub-folder ``yotov2016_agtpa_gravity``) unless ``path`` is given.
    """

    kind: Literal["trade_panel"]
    dataset: Literal["agtpa_4yr"] = "agtpa_4yr"
    path: str | None = None


class TradePanel(SourceKind):
    schema = TradePanelSource
    panels = ("dyadic",)

    def rows(self, source: TradePanelSource, builder: PanelBuilder) -> None:
        spec = builder.spec
        ex, im, time = spec.exporter, spec.importer, spec.time
        file = agtpa_path(builder.resolve(source.path) if source.path else None)
        flows = read_agtpa(file).rename(columns={"exporter": ex, "importer": im, "year": time})
        flows = flows[flows[time].between(*spec.years)].reset_index(drop=True)
        if flows.duplicated([ex, im, time]).any():
            raise DuplicateKeyError(f"{file} has duplicate ({ex}, {im}, {time}) rows.")
        flows[spec.pair] = flows[ex].astype(str) + "_" + flows[im].astype(str)
        builder.countries = sorted(set(flows[ex]) | set(flows[im]))
        builder.years = sorted(int(y) for y in flows[time].unique())
        builder.built.data = flows
        builder.built.files.append(file)
        builder.built.notes.append(
            f"Trade panel: {file.name} (Yotov et al. 2016, manufacturing trade in million "
            f"current US$), {len(builder.countries)} countries, years "
            f"{', '.join(map(str, builder.years))}; {int((flows['intl'] == 0).sum())} "
            "intra-national rows (intl == 0)."
        )

    def add(self, source: TradePanelSource, builder: PanelBuilder) -> None:
        """Nothing to add: the panel's rows come from this source."""


SOURCES.register("trade_panel")(TradePanel())
