"""The ``data`` section of a study file: which panel kind, which sources, which transforms.

The panel kind (``kind``) and the kind of each source are looked up in the
registries of :mod:`hitex.studies.kinds`; each source kind's schema lives in
its module of :mod:`hitex.studies.sources`, and each panel kind's rules (which
sources it needs) in its module of :mod:`hitex.studies.panels`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from hitex.studies.kinds import PANELS, SOURCES, StrictModel, check_expression, check_name
from hitex.studies.sources import schemas


class CountrySelection(StrictModel):
    """Countries of the study: an explicit ISO3 list and/or a named group."""

    group: str | None = None
    iso3: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one(self) -> CountrySelection:
        if not self.group and not self.iso3:
            raise ValueError("give a 'group' (e.g. study000, oecd) or an 'iso3' list")
        return self


#: One entry of ``data.sources``: the schema of its kind, chosen by ``kind``.
Source = Annotated[Union[schemas()], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007


class DataSpec(StrictModel):
    """How the study panel is built.

    ``kind`` names a panel kind (:data:`hitex.studies.kinds.PANELS`):
    ``country_year`` (default) builds one row per unit and year;
    ``city_year`` one row per Chinese prefecture city and year from a
    ``city_panel`` source (unit ``city_code``); ``dyadic`` one row per
    exporter, importer and year from a ``trade_panel`` source, where WDI and
    group sources add each column twice, for the exporter (suffix ``_o``) and
    the importer (suffix ``_d``), and ``pair`` names a directed pair column
    (``EXP_IMP``) that ``lag()`` and ``lead()`` shift within.

    ``engine`` is where sources that read trade records (a ``hightech``
    indicator from product-level exports) do their work: ``duckdb``
    (embedded, the default) or ``spark`` (Apache Spark, ``pip install
    'hitex[spark]'``), with ``spark_master`` ``local[*]`` (default) or a
    cluster URL (``spark://host:7077``, ``yarn``, ``k8s://...``). The tables
    are the same on either engine (:mod:`hitex.data.pipeline`). ``engine``
    and ``spark_master`` may also be written at the top of the study file.
    """

    kind: str = "country_year"
    unit: str = "iso3"
    time: str = "year"
    exporter: str = "exporter"
    importer: str = "importer"
    pair: str = "pair"
    countries: CountrySelection | None = None
    years: tuple[int, int]
    sources: tuple[Source, ...]
    transforms: dict[str, str] = Field(default_factory=dict)
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return check_name(PANELS, v)

    @model_validator(mode="after")
    def _fits(self) -> DataSpec:
        panel = PANELS.get(self.kind)
        for source in self.sources:
            SOURCES.get(source.kind).check(source, panel)
        panel.check(self)
        if self.spark_master is not None and self.engine != "spark":
            raise ValueError(f"spark_master: {self.spark_master} needs engine: spark")
        return self

    @field_validator("years")
    @classmethod
    def _years(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > v[1]:
            raise ValueError(f"first year {v[0]} is after last year {v[1]}")
        if v[0] < 1800 or v[1] > 2100:
            raise ValueError(f"years {list(v)} are outside 1800-2100; write four-digit years, "
                             "e.g. years: [2008, 2019]")
        return v

    @field_validator("transforms")
    @classmethod
    def _transforms(cls, v: dict[str, str]) -> dict[str, str]:
        for name, text in v.items():
            check_expression(text, f"data.transforms.{name}")
        return v
