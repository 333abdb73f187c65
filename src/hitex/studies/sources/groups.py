"""``kind: groups``: 0/1 country-group membership by year."""

from __future__ import annotations

import warnings
from typing import Literal

import pandas as pd

from hitex.studies.common import PanelBuilder, SourceKind, files_under
from hitex.studies.kinds import SOURCES, StrictModel


class GroupsSource(StrictModel):
    """0/1 membership columns by year (oecd, eu, wto, income:H, study000_emerging ...).

    In a dyadic study each column is added for the exporter (suffix ``_o``) and
    the importer (suffix ``_d``), and years before the World Bank's first income
    classification (1987) take the country's first known class (with a note).
    """

    kind: Literal["groups"]
    groups: tuple[str, ...]


def fill_income_years(groups: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Give years outside the income-class data the nearest year's class."""
    groups = groups.sort_values(["iso3", "year"])
    for col in cols:
        by = groups.groupby("iso3")[col]
        groups[col] = by.transform(lambda s: s.bfill().ffill())
    return groups


class Groups(SourceKind):
    schema = GroupsSource
    panels = ("country_year", "dyadic")

    def add(self, source: GroupsSource, builder: PanelBuilder) -> None:
        from hitex.data.countries import group_panel

        args = (builder.countries, builder.years, list(source.groups))
        caught: list[warnings.WarningMessage] = []
        if builder.fill_income_class_edges:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                groups = group_panel(*args, data_dir=builder.bundle)
        else:
            groups = group_panel(*args, data_dir=builder.bundle)
        cols = [c for c in groups.columns if c not in ("iso3", "year")]
        income = [c for c in cols if c.startswith("income_")]
        if (builder.fill_income_class_edges and income
                and any(groups[c].isna().any() for c in income)):
            groups = fill_income_years(groups, income)
            builder.built.notes.append(
                "World Bank income classes start in 1987; earlier years take the "
                "country's first known class." + (f" ({caught[0].message})" if caught else ""))
        builder.add_country_year(groups, cols)
        for folder in ("country_groups", "wb_income_groups"):
            if (builder.bundle / folder).is_dir():
                builder.built.files += files_under(builder.bundle / folder)


SOURCES.register("groups")(Groups())
