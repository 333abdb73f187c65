"""What the panel kinds and source kinds of a study share.

* :class:`BuiltPanel`, the study panel and what was learnt while building it;
* :class:`PanelBuilder`, the panel being built, handed by a panel kind to each
  source: sources add columns through it (:meth:`PanelBuilder.add_country_year`,
  :meth:`PanelBuilder.add_file`, :meth:`PanelBuilder.merge`) and a panel kind
  overrides how (a dyadic panel adds country-year columns twice, for the
  exporter and the importer);
* :class:`PanelKind` and :class:`SourceKind`, the small interfaces every panel
  kind (:mod:`hitex.studies.panels`) and source kind
  (:mod:`hitex.studies.sources`) implement;
* helpers: paths resolved against the study file, user files read, years and
  unit codes normalised, merges checked and reported.

This module imports no panel, source or table kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from hitex.errors import DuplicateKeyError, StudySpecError
from hitex.studies.kinds import SOURCES


@dataclass
class BuiltPanel:
    """The study panel and what was learnt while building it.

    Attributes
    ----------
    data : pandas.DataFrame
        The panel.
    files : list of Path
        Data files read (their checksums go into the manifest).
    coverage : dict
        Coverage tables worth printing (``kind: coverage`` tables).
    notes, warnings : list of str
        For the study's summary.
    missing : set of str
        Columns of optional inputs that are absent (models that use them are
        left out with a note).
    engine_runs : list of str
        The sources whose records the study's engine (DuckDB, Spark) aggregated.
    """

    data: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    coverage: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    engine_runs: list[str] = field(default_factory=list)


_YEAR_TEXT = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*年?\s*$")


def normalise_time(frame: pd.DataFrame, time: str, where: str) -> pd.DataFrame:
    """Years as integers: 2015, 2015.0, "2015", "2015年" and dates all become 2015.

    Raises
    ------
    StudySpecError
        For values that are not years (naming examples), or rows without one.
    """
    if time not in frame.columns:
        return frame
    col = frame[time]
    if pd.api.types.is_datetime64_any_dtype(col):
        years = col.dt.year.astype("float64")
    elif isinstance(col.dtype, pd.PeriodDtype):
        years = pd.Series(col.dt.year, index=col.index, dtype="float64")
    elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        years = col.astype("float64")
    else:
        text = col.astype("string")
        found = text.str.extract(_YEAR_TEXT, expand=False)
        bad = text.notna() & found.isna()
        if bad.any():
            examples = list(dict.fromkeys(text[bad].tolist()))[:5]
            raise StudySpecError(
                f"{where}: column '{time}' holds values that are not years, e.g. {examples}; "
                "write years as 2015 (or '2015年').")
        years = pd.to_numeric(found).astype("float64")
    if years.isna().any():
        raise StudySpecError(f"{where}: {int(years.isna().sum())} row(s) have no year in column "
                             f"'{time}'; fill or drop them.")
    if (years != years.round()).any():
        raise StudySpecError(f"{where}: column '{time}' holds fractional years such as "
                             f"{years[years != years.round()].iloc[0]}; use whole years.")
    return frame.assign(**{time: years.astype("int64")})


def check_clash(panel: pd.DataFrame, frame: pd.DataFrame, keys: list[str], where: str) -> None:
    """Refuse a user file whose columns the study panel already has (merge would rename them)."""
    clash = [c for c in frame.columns if c in panel.columns and c not in keys]
    if clash:
        raise StudySpecError(
            f"{where} has column(s) {clash} that the study data already have (from another "
            "source or the panel itself). Rename them with the source's 'columns' mapping "
            "(file column: new name) or remove them from the file.")


def files_under(folder: Path) -> list[Path]:
    """The files of a bundle folder, sorted (for the manifest)."""
    return sorted(p for p in folder.iterdir() if p.is_file())


def resolve(path_text: str, base_dir: Path | None) -> Path:
    """A path of the study file, relative to the study file's folder (``base_dir``)."""
    path = Path(path_text)
    return base_dir / path if not path.is_absolute() and base_dir is not None else path


def read_user_file(path: Path, text_columns: list[str] | None = None,
                   encoding: str | None = None) -> pd.DataFrame:
    """A user's CSV, Excel or Parquet file (:func:`hitex.data.files.read_table`).

    Raises
    ------
    StudySpecError
        If the file does not exist.
    """
    from hitex.data.files import read_table

    if not path.is_file():
        raise StudySpecError(f"data file {path} does not exist; fix 'path' in the study's sources.")
    return read_table(path, text_columns=text_columns or (), encoding=encoding)


def key_text(series: pd.Series) -> pd.Series:
    """Unit codes as text: 11, 11.0 and "11" all become "11"; missing stays missing."""
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == whole.round()).all():
            return series.astype("Int64").astype("string").astype(object)
    return series.astype("string").astype(object)


def year_list(years: list[int]) -> str:
    """2016, 2017, 2018, 2020 -> '2016-2018, 2020'."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def note_unmatched(built: BuiltPanel, frame: pd.DataFrame, panel: pd.DataFrame, unit: str,
                   where: str, bundle: Path) -> None:
    """Warn when a user file covers only some of the study's units (codes that do not match)."""
    absent = sorted(set(panel[unit].dropna()) - set(frame[unit].dropna()), key=str)
    if not absent:
        return
    foreign = sorted(set(frame[unit].dropna()) - set(panel[unit].dropna()), key=str)
    text = (f"{where} has no rows for {len(absent)} of the study's {panel[unit].nunique()} units "
            f"({', '.join(map(str, absent[:8]))}{' ...' if len(absent) > 8 else ''}); its columns "
            "are missing for them")
    if foreign:
        hint = ""
        if unit == "iso3":
            from hitex.data import countries
            from hitex.errors import HitexError

            try:
                codes = countries.resolve([str(f) for f in foreign[:8]], data_dir=bundle)
                hint = " (ISO3 codes: " + ", ".join(
                    f"{f} = {c}" for f, c in zip(foreign[:8], codes, strict=True)) + ")"
            except HitexError:
                hint = ""
        text += (f". The file's units {', '.join(map(repr, foreign[:8]))}"
                 f"{' ...' if len(foreign) > 8 else ''} are not study units{hint}: write them as "
                 f"the study writes '{unit}'")
    built.warnings.append(text + ".")


class PanelBuilder:
    """A study panel being built: what sources read and how they add columns.

    The base class builds a panel of one row per unit and year (country-year,
    province-year, city-year); a panel kind overrides what differs.

    Parameters
    ----------
    spec : DataSpec
        The study's ``data`` section.
    bundle : Path
        The data bundle.
    base_dir : Path or None
        The study file's folder (relative paths are resolved against it).
    countries : list of str
        ISO3 codes of the countries whose country-year data the panel takes.
    years : list of int
        The panel's years.
    """

    #: Years before the World Bank's first income classification (1987) take a
    #: country's first known class (gravity panels start earlier).
    fill_income_class_edges: ClassVar[bool] = False

    def __init__(self, spec: Any, bundle: Path, base_dir: Path | None,
                 countries: list[str] | None = None, years: list[int] | None = None) -> None:
        self.spec = spec
        self.bundle = bundle
        self.base_dir = base_dir
        self.countries: list[str] = list(countries or [])
        self.years: list[int] = list(years or [])
        self.built = BuiltPanel(data=pd.DataFrame())
        self._frames: dict[int, pd.DataFrame | None] = {}

    @property
    def unit(self) -> str:
        return str(self.spec.unit)

    @property
    def time(self) -> str:
        return str(self.spec.time)

    @property
    def data(self) -> pd.DataFrame:
        return self.built.data

    def resolve(self, path_text: str) -> Path:
        """A path written in the study file, resolved against its folder."""
        return resolve(path_text, self.base_dir)

    def frame_of(self, source: Any, read: Any) -> pd.DataFrame | None:
        """A source's own frame, read once: ``read(source, self)``, cached for the build."""
        key = id(source)
        if key not in self._frames:
            self._frames[key] = read(source, self)
        return self._frames[key]

    def merge(self, frame: pd.DataFrame, on: list[str]) -> None:
        """Left-merge ``frame`` into the panel on ``on``."""
        self.built.data = self.built.data.merge(frame, on=on, how="left")

    def add_country_year(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Add country-year columns (``frame`` keyed by ``iso3`` and ``year``)."""
        part = frame[["iso3", "year", *columns]].rename(
            columns={"iso3": self.unit, "year": self.time})
        self.merge(part, [self.unit, self.time])

    def add_file(self, frame: pd.DataFrame, where: str, path: Path) -> None:
        """Merge a user's unit-year frame (a file, an indicator), with every check."""
        unit, time, panel = self.unit, self.time, self.built.data
        for col in (unit, time):
            if col not in frame.columns:
                raise StudySpecError(
                    f"{where} has no '{col}' column; rename its columns with the "
                    "source's 'columns' mapping (file column: study column)."
                )
        if frame.duplicated([unit, time]).any():
            raise DuplicateKeyError(
                f"{where} has duplicate ({unit}, {time}) rows; aggregate them first."
            )
        if frame[unit].dtype != panel[unit].dtype:  # e.g. province codes 11, 11.0, "11"
            frame = frame.assign(**{unit: key_text(frame[unit])})
            panel[unit] = key_text(panel[unit])
        matched = frame[unit].isin(panel[unit])
        if len(frame) and not matched.any():
            raise StudySpecError(
                f"{where}: none of its '{unit}' values ({', '.join(map(str, frame[unit].head(3)))}"
                f" ...) matches the study's units ({', '.join(map(str, panel[unit].head(3)))}"
                " ...). Check the unit codes (ISO3 codes, province codes) of the file."
            )
        check_clash(panel, frame, [unit, time], where)
        note_unmatched(self.built, frame, panel, unit, where, self.bundle)
        self.built.data = panel.merge(frame, on=[unit, time], how="left")
        self.built.files.append(path)

    def note_missing(self, source: Any, path: Path) -> None:
        """An optional input is absent: record what it provides and say so."""
        self.built.missing.update(source.provides)
        self.built.notes.append(f"Missing input: {source.description or source.path} "
                                f"(file not found); left out: {', '.join(source.provides)}.")


class SourceKind:
    """A kind of data source (``data.sources[].kind``).

    Attributes
    ----------
    schema : type
        The source's schema (a :class:`~hitex.studies.kinds.StrictModel` with
        ``kind: Literal[name]``).
    panels : tuple of str
        Panel kinds it can feed (empty: every kind).
    gives_units : bool
        A file whose units can define a panel's units (when the study names no
        countries).
    """

    schema: ClassVar[type]
    panels: ClassVar[tuple[str, ...]] = ()
    gives_units: ClassVar[bool] = False

    def check(self, source: Any, panel: PanelKind) -> None:
        """Refuse (``ValueError``) a source that does not fit the panel kind."""
        if self.panels and panel.name not in self.panels:
            needs = " or ".join(f"'kind: {p}'" for p in self.panels)
            raise ValueError(f"a '{source.kind}' source needs {needs} in the data section "
                             f"(this study's data kind is '{panel.name}')")

    def read(self, source: Any, builder: PanelBuilder) -> pd.DataFrame | None:
        """The source's own frame before any panel row exists (``gives_units`` sources)."""
        return None

    def rows(self, source: Any, builder: PanelBuilder) -> None:
        """Set the panel's rows (a source that defines them, e.g. a trade panel)."""
        raise NotImplementedError

    def add(self, source: Any, builder: PanelBuilder) -> None:
        """Add the source's columns to the panel."""
        raise NotImplementedError


class PanelKind:
    """A kind of study panel (``data.kind``).

    Attributes
    ----------
    name : str
        The name a study file uses.
    row_source : str or None
        The source kind that defines the panel's rows (exactly one such source);
        ``None`` when the rows are the study's units x years.
    pairs : bool
        Rows are exporter-importer pairs.
    """

    name: ClassVar[str]
    row_source: ClassVar[str | None] = None
    pairs: ClassVar[bool] = False

    def check(self, spec: Any) -> None:
        """Refuse (``ValueError``) a data section this kind cannot build."""
        if self.row_source is not None:
            rows = [s for s in spec.sources if s.kind == self.row_source]
            if len(rows) != 1:
                raise ValueError(f"a {self.name} study needs exactly one '{self.row_source}' "
                                 "source")

    #: The builder sources add columns through.
    builder: ClassVar[type[PanelBuilder]] = PanelBuilder

    def build(self, spec: Any, bundle: Path, base_dir: Path | None) -> BuiltPanel:
        """Build the panel (before the transforms).

        The default: the ``row_source`` sets the rows, then every other source
        adds its columns in the order written.
        """
        builder = self.builder(spec, bundle, base_dir)
        rows = next(s for s in spec.sources if s.kind == self.row_source)
        SOURCES.get(rows.kind).rows(rows, builder)
        for source in spec.sources:
            if source is not rows:
                SOURCES.get(source.kind).add(source, builder)
        return builder.built

    def unit(self, spec: Any) -> str:
        """The column identifying a panel unit (lags shift within it; default clusters)."""
        return str(spec.unit)

    def size_line(self, spec: Any, panel: pd.DataFrame) -> str:
        """The summary's line on the panel's size."""
        return (f"- Panel: {panel[spec.unit].nunique()} units x years {spec.years[0]}-"
                f"{spec.years[1]} ({len(panel)} rows).")
