"""``data.kind: dyadic``: one row per exporter, importer and year.

The rows come from the ``trade_panel`` source (the Advanced Guide's
manufacturing trade panel, Yotov, Piermartini, Monteiro and Larch 2016); the
other sources add columns:

* ``tbt_depth``: ``fta`` and ``depth_x_fta`` from DESTA;
* ``distance``: CEPII GeoDist distance (km) for the pair;
* ``wdi``, ``tfi`` and ``groups``: country-year columns, added for the exporter
  (suffix ``_o``) and the importer (suffix ``_d``);
* ``file``: a user file merged on the keys it has among exporter, importer
  and year; ``indicator``: ``hightech`` by exporter, importer and year. An
  ``optional`` file that is absent is recorded in
  :attr:`~hitex.studies.common.BuiltPanel.missing` instead.

``pair`` names the directed pair column (``EXP_IMP``) that ``lag()`` and
``lead()`` shift within and that standard errors cluster by.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hitex.errors import DuplicateKeyError, StudySpecError
from hitex.studies.common import PanelBuilder, PanelKind
from hitex.studies.gravity_data import OLD_CODES
from hitex.studies.kinds import PANELS


class DyadicBuilder(PanelBuilder):
    """A panel of exporter-importer-year rows."""

    fill_income_class_edges = True

    @property
    def unit(self) -> str:
        return str(self.spec.pair)

    def add_country_year(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Add country-year columns for the exporter (``_o``) and the importer (``_d``)."""
        time = self.time
        for side, suffix in ((self.spec.exporter, "_o"), (self.spec.importer, "_d")):
            part = frame[["iso3", "year", *columns]].rename(
                columns={"iso3": side, "year": time, **{c: f"{c}{suffix}" for c in columns}})
            self.merge(part, [side, time])

    def add_file(self, frame: pd.DataFrame, where: str, path: Path) -> None:
        """Merge a user's frame on the keys it has among exporter, importer and year."""
        ex, im, time = self.spec.exporter, self.spec.importer, self.time
        keys = [k for k in (ex, im, time) if k in frame.columns]
        if ex not in keys and im not in keys:
            raise StudySpecError(
                f"file source {path} has no '{ex}' or '{im}' column (it has "
                f"{list(frame.columns)[:8]}); in a dyadic study a file is merged on the "
                f"exporter and/or importer (and '{time}'): rename its country column with the "
                f"source's 'columns', e.g. {{iso3: {im}}} for importer-year data.")
        frame = frame.copy()
        for key in {ex, im} & set(keys):  # today's ISO3 codes, as in the panel
            frame[key] = frame[key].astype(str).replace(OLD_CODES)
        if frame.duplicated(keys).any():
            raise DuplicateKeyError(f"file source {path} has duplicate {tuple(keys)} rows; "
                                    "aggregate them first.")
        self.merge(frame, keys)
        self.built.files.append(path)

    def note_missing(self, source: Any, path: Path) -> None:
        self.built.missing.update(source.provides)
        what = source.description or f"columns {', '.join(source.provides)}"
        self.built.notes.append(f"Missing input: {what} (file {path} not found); "
                                f"left out: {', '.join(source.provides)}.")


class Dyadic(PanelKind):
    name = "dyadic"
    row_source = "trade_panel"
    pairs = True
    builder = DyadicBuilder

    def unit(self, spec: Any) -> str:
        return str(spec.pair)

    def size_line(self, spec: Any, panel: pd.DataFrame) -> str:
        return (f"- Panel: {panel[spec.pair].nunique()} exporter-importer pairs x years "
                f"{spec.years[0]}-{spec.years[1]} ({len(panel)} rows).")


PANELS.register("dyadic")(Dyadic())
