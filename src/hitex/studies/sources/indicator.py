"""``kind: indicator``: an indicator computed from a user file and merged into the panel.

The indicator is looked up by ``name`` in :data:`hitex.studies.kinds.INDICATORS`
(:mod:`hitex.studies.sources.indicator_steps`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from hitex.errors import StudySpecError
from hitex.studies.common import (
    PanelBuilder,
    PanelKind,
    SourceKind,
    normalise_time,
    read_user_file,
)
from hitex.studies.kinds import INDICATORS, SOURCES, StrictModel, check_name


class IndicatorSource(StrictModel):
    """An indicator computed from a user file and merged on unit and year.

    ``name`` is a registered indicator (``hitex studies`` lists them, see
    :mod:`hitex.studies.sources.indicator_steps`); ``options`` are the
    indicator's own parameters:

    - ``composite``: ``primaries``, ``secondary_weights``, ... (see
      :class:`hitex.indicators.CompositeSpec`);
    - ``dti``: ``population_unit``, ``patents_col``, ...;
    - ``expy``: ``gdp_path`` (GDP per capita by exporter and year, for
      PRODY), ``product``, ``value``, ``gdp``;
    - ``hightech``: ``classification`` (``study001_sitc3``,
      ``oecd_hightech_sitc3``), ``code``, ``value``, ``level``, ``prefix``,
      ``rca`` (see :func:`hitex.indicators.hightech_exports`); in a dyadic
      study ``partner_col`` names the file's importer column and
      ``fill_zero: true`` sets the high-tech columns of pairs absent from the
      file to 0 where the exporter has exports in the file that year;
    - ``dti_iv``: ``keywords`` (a list, or a file with one per line),
      ``text_col``, ``language``, ``segmenter``, ``reference``,
      ``min_distance_km`` (see :func:`hitex.indicators.policy_instrument`).

    ``unit_col``/``time_col`` name the file's unit and year columns;
    ``columns`` renames output columns (output name: study name) and selects
    them. ``optional``, ``provides`` and ``description`` work as for a
    ``file`` source: without the file the study runs and leaves out what uses
    the columns named in ``provides``, with a note.
    """

    kind: Literal["indicator"]
    name: str
    path: str
    unit_col: str
    time_col: str = "year"
    partner_col: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    columns: dict[str, str] | None = None
    optional: bool = False
    provides: tuple[str, ...] = ()
    description: str = ""

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        return check_name(INDICATORS, v)

    @model_validator(mode="after")
    def _partner(self) -> IndicatorSource:
        if self.partner_col is not None and not INDICATORS.get(self.name).by_pair:
            raise ValueError(f"'partner_col' applies to the 'hightech' indicator, not '{self.name}'")
        if self.optional and not self.provides:
            raise ValueError("an optional indicator source needs 'provides' (the columns it adds)")
        return self


def _option_error(name: str, text: str) -> str:
    """Say which study option is wrong, not which Python argument."""
    unknown = re.search(r"unexpected keyword argument '(\w+)'", text)
    needed = re.search(r"missing \d+ required (?:keyword-only |positional )?arguments?: (.+)$",
                       text)
    if unknown:
        what = f"options.{unknown.group(1)} is not an option of this indicator"
    elif needed:
        what = "a required option is missing: " + ", ".join(
            f"options.{a}" for a in re.findall(r"'(\w+)'", needed.group(1)))
    else:
        what = text
    return (f"indicator '{name}' in the study's sources: {what}. Its options are: "
            f"{INDICATORS.get(name).options}.")


def _on_engine(step: Any, source: IndicatorSource, path: Path,
               builder: PanelBuilder) -> pd.DataFrame | None:
    """The step computed by the study's engine, or None to read the file into memory.

    CSV and Parquet files go to the engine (DuckDB by default, Spark with
    ``engine: spark``); other files (Excel, Stata, semicolon CSV, another
    encoding) are read into memory, with a note when Spark was asked for.
    """
    from hitex.data.pipeline.tables import engine_format

    engine = str(getattr(builder.spec, "engine", "duckdb"))
    master = getattr(builder.spec, "spark_master", None)
    if step.on_engine is None or (path.is_dir() and step.folder_reader is not None):
        return None  # texts and unit-year tables: small, computed in memory
    if not path.exists():
        raise StudySpecError(f"data file {path} does not exist; fix 'path' in the study's sources.")
    fmt, why = engine_format(path)
    if fmt is None:
        if engine == "spark":
            builder.built.notes.append(
                f"Indicator source {source.path} was read into memory, not by Spark: {why} "
                "(Spark reads UTF-8 CSV, comma or tab, and Parquet; save the file as one of "
                "these for Spark to read it).")
        return None
    try:
        out = step.on_engine(path, source, dict(source.options), engine, master)
    except TypeError as err:
        raise StudySpecError(_option_error(source.name, str(err))) from err
    builder.built.engine_runs.append(f"{source.path} ({source.name} indicator)")
    return normalise_time(out, source.time_col, f"indicator source {source.path}")


def indicator_frame(source: IndicatorSource, builder: PanelBuilder, unit: str,
                    partner: str | None = None) -> pd.DataFrame:
    """Compute a ``kind: indicator`` step; return unit, time and its output columns.

    ``partner`` is the study's importer column in a dyadic study (the file's
    ``partner_col`` is renamed to it).
    """
    step = INDICATORS.get(source.name)
    path = builder.resolve(source.path)
    text = ([str(source.options.get(step.text_option[0], step.text_option[1]))]
            if step.text_option else None)
    out = _on_engine(step, source, path, builder)
    if out is None:
        if path.is_dir() and step.folder_reader is not None:
            frame = step.folder_reader(path, source)  # one text file per unit and year
        else:
            frame = read_user_file(path, text_columns=text)
        frame = normalise_time(frame, source.time_col, f"indicator source {source.path}")
        try:
            out = step.compute(frame, source, dict(source.options), builder.base_dir)
        except TypeError as err:
            raise StudySpecError(_option_error(source.name, str(err))) from err
    time = builder.time
    renames = {source.unit_col: unit, source.time_col: time}
    if source.partner_col and partner:
        renames[source.partner_col] = partner
    clash = [new for old, new in renames.items() if new != old and new in out.columns]
    out = out.drop(columns=clash).rename(columns=renames)  # e.g. codes beside the file's names
    keys = [unit, *([partner] if source.partner_col and partner else []), time]
    if source.columns:
        missing = [c for c in source.columns if c not in out.columns]
        if missing:
            raise StudySpecError(
                f"indicator '{source.name}' has no output column(s) {missing}; it gives "
                f"{[c for c in out.columns if c not in keys]}."
            )
        out = out[[*keys, *source.columns]].rename(columns=source.columns)
    return out


class Indicator(SourceKind):
    schema = IndicatorSource
    gives_units = True

    def check(self, source: IndicatorSource, panel: PanelKind) -> None:
        super().check(source, panel)
        if panel.pairs and source.partner_col is None:
            raise ValueError(
                f"in a {panel.name} study an 'indicator' source must be 'hightech' with "
                "'partner_col' (the file's importer column); merge other indicators "
                "as a 'file' source on exporter, importer and/or year"
            )
        if not panel.pairs and source.partner_col is not None:
            raise ValueError("'partner_col' needs 'kind: dyadic' in the data section (a "
                             f"{panel.name} study has one row per unit and year)")

    def read(self, source: IndicatorSource, builder: PanelBuilder) -> pd.DataFrame | None:
        if source.optional and not builder.resolve(source.path).exists():
            return None
        if source.partner_col:
            return indicator_frame(source, builder, builder.spec.exporter,
                                   partner=builder.spec.importer)
        return indicator_frame(source, builder, builder.unit)

    def add(self, source: IndicatorSource, builder: PanelBuilder) -> None:
        frame = builder.frame_of(source, self.read)
        path = builder.resolve(source.path)
        if frame is None:  # an optional file or folder that is absent
            builder.note_missing(source, path)
            return
        if source.partner_col:
            merge_pairs(frame, source, builder)
            builder.built.files.append(path)
        else:
            builder.add_file(frame, f"indicator source {source.path}", path)


def merge_pairs(frame: pd.DataFrame, src: IndicatorSource, builder: PanelBuilder) -> None:
    """Merge an indicator by exporter, importer and year (``hightech`` exports by pair)."""
    from hitex.studies.gravity_data import OLD_CODES

    ex, im, time = builder.spec.exporter, builder.spec.importer, builder.time
    flows = builder.data
    keys = [ex, im, time]
    for key in (ex, im):  # the panel's codes are today's ISO3 codes, as text
        frame[key] = frame[key].astype(str).replace(OLD_CODES)
    frame[time] = pd.to_numeric(frame[time], errors="coerce")
    cols = [c for c in frame.columns if c not in keys]
    clash = [c for c in cols if c in flows.columns]
    if clash:
        raise StudySpecError(f"indicator '{src.name}' ({src.path}) gives column(s) {clash} that "
                             "the study panel already has; rename them with the source's "
                             "'columns'.")
    matched = frame.merge(flows[keys], on=keys, how="inner")
    if frame.shape[0] and matched.empty:
        raise StudySpecError(
            f"indicator '{src.name}' ({src.path}): none of its ({ex}, {im}, {time}) rows matches "
            "the trade panel; check the country codes (ISO3) and years of the file.")
    out = flows.merge(frame, on=keys, how="left")
    fill = bool(src.options.get("fill_zero", False))
    if fill:
        reported = frame[[ex, time]].drop_duplicates().assign(_reported=True)
        flag = out[[ex, time]].merge(reported, on=[ex, time], how="left")["_reported"]
        rows = flag.fillna(False).to_numpy(dtype=bool) & out[cols].isna().all(axis=1).to_numpy()
        out.loc[rows, cols] = 0.0
    builder.built.notes.append(
        f"High-tech exports from {src.path}: classification "
        f"{src.options.get('classification', 'study001_sitc3')}, {len(matched):,} of "
        f"{len(flows):,} panel rows have a value"
        + ("; pairs absent from the file are 0 where the exporter reports exports that year."
           if fill else "; pairs absent from the file are missing (fill_zero: true sets them "
           "to 0 where the exporter reports that year).")
    )
    builder.built.data = out


SOURCES.register("indicator")(Indicator())
