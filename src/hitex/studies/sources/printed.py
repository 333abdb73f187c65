"""``kind: printed``: values printed in a source study, as a source of their own.

A built-in study may show years that the data bundle lacks from the tables its
source study printed. Those values come from a file shipped with hitex
(``studies/builtin/printed/NAME.csv``, its header naming the study, the table
and the units), are merged on the panel's unit and year like a user file, and
are always named as printed values in the study's notes: they are never mixed
silently with official statistics (a ``monitoring`` table reports where they
disagree).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import field_validator

from hitex.errors import StudySpecError
from hitex.studies.common import PanelBuilder, SourceKind, normalise_time
from hitex.studies.kinds import SOURCES, StrictModel


def printed_tables() -> dict[str, Path]:
    """The shipped files of printed values, by name."""
    folder = resources.files("hitex.studies") / "builtin" / "printed"
    return {entry.name.removesuffix(".csv"): Path(str(entry)) for entry in folder.iterdir()
            if entry.name.endswith(".csv")}


class PrintedSource(StrictModel):
    """Values printed in a source study: ``table`` names a shipped file (``study002_tables``)."""

    kind: Literal["printed"]
    table: str
    columns: dict[str, str] | None = None

    @field_validator("table")
    @classmethod
    def _known(cls, v: str) -> str:
        known = printed_tables()
        if v not in known:
            raise ValueError(f"no printed table {v!r}; hitex ships {', '.join(sorted(known))}")
        return v


class Printed(SourceKind):
    schema = PrintedSource

    def add(self, source: PrintedSource, builder: PanelBuilder) -> None:
        path = printed_tables()[source.table]
        with path.open(encoding="utf-8") as fh:
            header = [line[1:].strip() for line in fh if line.startswith("#")]
        frame = pd.read_csv(path, comment="#")
        if source.columns:
            absent = [c for c in source.columns if c not in frame.columns]
            if absent:
                raise StudySpecError(f"printed table {source.table!r} has no column(s) {absent}; "
                                     f"it has {list(frame.columns)}.")
            keys = [c for c in frame.columns if c in (builder.unit, builder.time, "year")]
            frame = frame[[*keys, *source.columns]].rename(columns=source.columns)
        frame = normalise_time(frame.rename(columns={"year": builder.time}), builder.time,
                               f"printed table {source.table}")
        builder.add_file(frame, f"printed table {source.table}", path)
        cols = [c for c in frame.columns if c not in (builder.unit, builder.time)]
        builder.built.notes.append(
            f"PRINTED VALUES ({', '.join(cols)}): {' '.join(header)}")


SOURCES.register("printed")(Printed())
