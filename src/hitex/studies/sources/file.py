"""``kind: file``: a user's CSV, Excel or Parquet file merged into the panel."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import model_validator

from hitex.studies.common import PanelBuilder, SourceKind, normalise_time, read_user_file
from hitex.studies.kinds import SOURCES, StrictModel


class CsvSource(StrictModel):
    """A user file (CSV, Excel or Parquet) with the unit and time columns.

    In a dyadic study the file is merged on the keys it has among exporter,
    importer and year (e.g. importer-year TBT notification stocks, or
    exporter-importer-year high-tech exports). ``optional: true`` lets the
    study run without it: ``provides`` names the columns the file would add,
    and transforms and model terms that use them are left out with a note
    (``description`` says what the file is, for that note). ``encoding`` names
    a text file's encoding when it is neither UTF-8 nor GBK/GB18030
    (``latin-1``).
    """

    kind: Literal["file"]
    path: str
    columns: dict[str, str] | None = None
    optional: bool = False
    provides: tuple[str, ...] = ()
    description: str = ""
    encoding: str | None = None

    @model_validator(mode="after")
    def _provides(self) -> CsvSource:
        if self.optional and not self.provides:
            raise ValueError("an optional file source needs 'provides' (the columns it adds)")
        return self


class File(SourceKind):
    schema = CsvSource
    gives_units = True

    def read(self, source: CsvSource, builder: PanelBuilder) -> pd.DataFrame | None:
        path = builder.resolve(source.path)
        if source.optional and not path.is_file():
            return None
        frame = read_user_file(path, encoding=source.encoding)
        frame = frame.rename(columns=source.columns) if source.columns else frame
        return normalise_time(frame, builder.time, f"file source {source.path}")

    def add(self, source: CsvSource, builder: PanelBuilder) -> None:
        frame = builder.frame_of(source, self.read)
        path = builder.resolve(source.path)
        if frame is None:  # an optional file that is absent
            builder.note_missing(source, path)
            return
        builder.add_file(frame, f"file source {source.path}", path)


SOURCES.register("file")(File())
