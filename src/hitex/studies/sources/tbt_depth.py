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
    count. ``study001_table6: true`` also checks study 001's printed Table 6
    (China's 11 bilateral FTAs) against itself and DESTA's coding
    (:func:`hitex.indicators.tbt_table6.check_study001_table6`) and gives the
    result to ``kind: coverage`` tables (reports ``study001_table6`` and
    ``study001_table6_items``).
    """

    kind: Literal["tbt_depth"]
    missing: Literal["report", "zero_if_no_provision"] = "zero_if_no_provision"
    study001_table6: bool = False
    study001_table5: bool = False


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
        if source.study001_table6:
            _table6(builder)
        if source.study001_table5:
            _table5(builder)


def _table5(builder: PanelBuilder) -> None:
    """Bilateral agreements of the Belt and Road countries by TBT depth, as a coverage report."""
    from hitex.data.countries import members
    from hitex.data.desta import read_coding
    from hitex.indicators.tbt_agreements import agreements_by_depth, depth_counts

    countries = {*members("bri", data_dir=builder.bundle), "CHN"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agreements = agreements_by_depth(read_coding(builder.bundle), countries)
    builder.built.coverage["study001_table5"] = depth_counts(agreements)
    builder.built.notes.append(
        f"Study 001's Table 5 recomputed from DESTA: {len(agreements)} bilateral agreements in "
        "force in 2000-2020 with TBT provisions and at least one member among the "
        f"{len(countries)} Belt and Road cooperation countries of about 2019 (the bundle's "
        "list) or China.")
    builder.built.notes += [f"DESTA coverage: {w.message}" for w in caught]


def _table6(builder: PanelBuilder) -> None:
    """Study 001's Table 6 beside DESTA's coding, as coverage reports and notes."""
    from hitex.data.desta import read_coding
    from hitex.indicators.tbt_items import TBT_ITEMS
    from hitex.indicators.tbt_table6 import check_study001_table6

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check = check_study001_table6(read_coding(builder.bundle))
    table = check.table
    frame = table[["row", "partner_en", *TBT_ITEMS, "depth_printed", "depth_items",
                   "desta_id", "desta_entry_into_force", "desta_depth",
                   "n_item_disagreements"]].rename(columns={
                       "partner_en": "partner", "depth_printed": "depth",
                       "depth_items": "sum", "desta_id": "DESTA id",
                       "desta_entry_into_force": "in force", "desta_depth": "DESTA depth",
                       "n_item_disagreements": "differ",
                       **{i: i.removeprefix("tbt_") for i in TBT_ITEMS}})
    builder.built.coverage["study001_table6"] = frame
    items = check.disagreements.rename(
        columns={"partner_en": "partner", "desta_id": "DESTA id", "study": "printed"})
    items["item"] = items["item"].str.removeprefix("tbt_")
    builder.built.coverage["study001_table6_items"] = items
    builder.built.notes.append(
        "Study 001's Table 6 (China's bilateral FTAs, items as printed) against DESTA's coding "
        "of the same agreements: " + " ".join(check.summary().splitlines()))
    builder.built.notes += [str(w.message) for w in caught]


SOURCES.register("tbt_depth")(TbtDepth())
