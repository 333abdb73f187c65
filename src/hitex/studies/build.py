"""Build a study's panel from its ``data`` section.

The panel has one row per unit (ISO3) and year over the study's countries and
years; each source adds columns (WDI indicators, the trade facilitation index,
group membership, a user file), then the transforms add derived columns in the
order written. The builder also records which data files were read (for the
manifest's checksums) and coverage tables worth printing.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hitex import _paths
from hitex.errors import DuplicateKeyError, StudySpecError
from hitex.studies.spec import (
    CsvSource,
    DataSpec,
    GroupsSource,
    IndicatorSource,
    TfiSource,
    WdiSource,
)

#: Indicators a study file can compute with ``kind: indicator``.
INDICATOR_STEPS = ("composite", "dti", "expy", "hightech", "dti_iv")


@dataclass
class BuiltPanel:
    """The study panel and what was learnt while building it."""

    data: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    coverage: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


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


def _countries(spec: DataSpec, data_dir: Path) -> list[str]:
    from hitex.data import countries

    out: list[str] = []
    if spec.countries is None:
        return out
    if spec.countries.group:
        out += countries.members(spec.countries.group, None, data_dir=data_dir)
    if spec.countries.iso3:
        out += countries.resolve(list(spec.countries.iso3), data_dir=data_dir)
    return sorted(dict.fromkeys(out))


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def _read_user_file(path: Path) -> pd.DataFrame:
    from hitex.data.files import read_table

    if not path.is_file():
        raise StudySpecError(f"data file {path} does not exist; fix 'path' in the study's sources.")
    return read_table(path)


def _key_text(series: pd.Series) -> pd.Series:
    """Unit codes as text: 11, 11.0 and "11" all become "11"; missing stays missing."""
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == whole.round()).all():
            return series.astype("Int64").astype("string").astype(object)
    return series.astype("string").astype(object)


def _resolve(path_text: str, base_dir: Path | None) -> Path:
    path = Path(path_text)
    return base_dir / path if not path.is_absolute() and base_dir is not None else path


def _indicator_frame(source: IndicatorSource, base_dir: Path | None, unit: str,
                     time: str, partner: str | None = None) -> pd.DataFrame:
    """Compute a ``kind: indicator`` step; return unit, time and its output columns.

    ``partner`` is the study's importer column in a dyadic study (the file's
    ``partner_col`` is renamed to it).
    """
    path = _resolve(source.path, base_dir)
    if source.name == "hightech":
        from hitex.data.files import read_table

        if not path.is_file():
            raise StudySpecError(f"data file {path} does not exist; fix 'path' in the study's "
                                 "sources.")
        frame = read_table(path, text_columns=[str(source.options.get("code", "code"))])
    else:
        frame = _read_user_file(path)
    frame = normalise_time(frame, source.time_col, f"indicator source {source.path}")
    opts = dict(source.options)
    try:
        if source.name == "composite":
            from hitex.indicators.composite import CompositeSpec, composite_index

            call = {k: opts.pop(k) for k in ("indicator", "value", "layout") if k in opts}
            out = composite_index(frame, CompositeSpec(**opts), unit=source.unit_col,
                                  period=source.time_col, **call)
        elif source.name == "expy":
            from hitex.indicators.sophistication import expy, prody

            if "gdp_path" not in opts:
                raise StudySpecError(
                    "indicator 'expy' needs options.gdp_path: a file of GDP per capita by "
                    "exporter and year (for PRODY)."
                )
            gdp = _read_user_file(_resolve(str(opts.pop("gdp_path")), base_dir))
            keys = {"country": source.unit_col, "year": source.time_col,
                    "product": opts.pop("product", "product"), "value": opts.pop("value", "value")}
            table = prody(frame, gdp, gdp=opts.pop("gdp", "gdp_pc"), **keys, **opts)
            out = expy(frame, table, **keys)
        elif source.name == "hightech":
            from hitex.indicators.hightech import hightech_exports

            opts.pop("fill_zero", None)  # applied when merging into a dyadic panel
            by = [source.unit_col, *([source.partner_col] if source.partner_col else []),
                  source.time_col]
            out = hightech_exports(frame, by=by, code_col=opts.pop("code", "code"), **opts)
        elif source.name == "dti_iv":
            out = _dti_iv(frame, source, opts, base_dir)
        else:
            from hitex.indicators.innovation import digital_innovation

            out = digital_innovation(frame, frame, unit=source.unit_col, time=source.time_col,
                                     **opts)
    except TypeError as err:
        raise StudySpecError(_option_error(source.name, str(err))) from err
    renames = {source.unit_col: unit, source.time_col: time}
    if source.partner_col and partner:
        renames[source.partner_col] = partner
    out = out.rename(columns=renames)
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


#: What each indicator step accepts under ``options`` (besides the source's own keys).
_OPTIONS: dict[str, str] = {
    "composite": "primaries (required), name, secondary_weights, primary_weights, min_count, "
                 "index_min_count, normalize, normalize_within, scale, scale_primaries, labels, "
                 "layout, indicator, value",
    "dti": "population_unit (required: persons, 10k_persons or million_persons), per, kind, "
           "patents_col, population_col, name",
    "expy": "gdp_path (required), product, value, gdp",
    "hightech": "classification, code, value, level, prefix, rca, fill_zero",
    "dti_iv": "keywords (required), text_col, language, segmenter, reference, min_distance_km",
}


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
            f"{_OPTIONS.get(name, 'see the documentation')}.")


def _dti_iv(frame: pd.DataFrame, source: IndicatorSource, opts: dict,
            base_dir: Path | None) -> pd.DataFrame:
    """Study 004's instrument from texts by province and year (``name: dti_iv``)."""
    from hitex.indicators.innovation import keyword_frequency, policy_instrument

    words = opts.pop("keywords", None)
    if isinstance(words, str):
        file = _resolve(words, base_dir)
        if not file.is_file():
            raise StudySpecError(f"indicator 'dti_iv': options.keywords names {file}, which does "
                                 "not exist; give a list of keywords or a file with one per line.")
        words = [w.strip() for w in file.read_text(encoding="utf-8").splitlines()]
    words = [str(w).strip() for w in (words or []) if str(w).strip()]
    if not words:
        raise StudySpecError("indicator 'dti_iv' needs options.keywords: a list of keywords or a "
                             "file with one keyword per line.")
    text_col = opts.pop("text_col", "text")
    if text_col not in frame.columns:
        raise StudySpecError(f"indicator 'dti_iv': the file has no text column '{text_col}' (it "
                             f"has {list(frame.columns)}); set options.text_col.")
    counting = {k: opts.pop(k) for k in ("language", "segmenter") if k in opts}
    frame = frame.copy()
    frame["keyword_frequency"] = keyword_frequency(frame[text_col], words, **counting)
    return policy_instrument(frame.drop(columns=[text_col]), source.unit_col, **opts)


def build_panel(spec: DataSpec, data_dir: str | os.PathLike[str] | None = None,
                base_dir: Path | None = None) -> BuiltPanel:
    """Build the study panel.

    Parameters
    ----------
    spec : DataSpec
        The study's ``data`` section.
    data_dir : path-like, optional
        The data bundle (see :func:`hitex._paths.data_dir`).
    base_dir : path, optional
        Folder that relative user-file paths are resolved against (the study
        file's folder).
    """
    bundle = _paths.data_dir(data_dir)
    if spec.kind == "dyadic":
        from hitex.studies.gravity_data import build_dyadic

        built = build_dyadic(spec, bundle, base_dir)
        _transform(spec, built, spec.pair)
        return built
    if spec.kind == "city_year":
        from hitex.studies.policy_steps import build_city_panel

        built = build_city_panel(spec, bundle, base_dir)
        _transform(spec, built, spec.unit)
        return built
    unit, time = spec.unit, spec.time
    iso3s = _countries(spec, bundle)
    years = list(range(spec.years[0], spec.years[1] + 1))
    frames: dict[int, pd.DataFrame] = {}
    for i, source in enumerate(spec.sources):
        if not isinstance(source, CsvSource | IndicatorSource):
            continue
        if source.optional and not _resolve(source.path, base_dir).is_file():
            continue
        if isinstance(source, IndicatorSource):
            frames[i] = _indicator_frame(source, base_dir, unit, time)
        else:
            frame = _read_user_file(_resolve(source.path, base_dir))
            frame = frame.rename(columns=source.columns) if source.columns else frame
            frames[i] = normalise_time(frame, time, f"file source {source.path}")
    if spec.countries is None:
        units: list = []
        for frame in frames.values():
            if unit in frame.columns:
                units += list(frame[unit].dropna().unique())
        iso3s = sorted(dict.fromkeys(units), key=str)
    panel = pd.DataFrame(
        [(c, y) for c in iso3s for y in years], columns=[unit, time]
    )
    built = BuiltPanel(data=panel)
    for source in spec.sources:
        if isinstance(source, WdiSource):
            from hitex.data.wdi import load_wdi

            codes = list(source.indicators)
            wdi = load_wdi(codes, countries=iso3s, years=years, data_dir=bundle)
            wdi = wdi.rename(columns={"iso3": unit, "year": time, **source.indicators})
            keep = [unit, time, *source.indicators.values()]
            panel = panel.merge(wdi[keep], on=[unit, time], how="left")
            built.files += _files_under(bundle / "wdi")
            for code, col in source.indicators.items():
                have = set(panel.loc[panel[col].notna(), time])
                gaps = [y for y in years if y not in have]
                if gaps:
                    built.notes.append(
                        f"WDI {code} ('{col}') has no value for any study country in "
                        f"{_year_list(gaps)}: rows of those years drop out of models that use it.")
        elif isinstance(source, TfiSource):
            from hitex.data.gcr import load_gcr
            from hitex.indicators.facilitation import tfi_coverage_by_year, trade_facilitation_index

            path = None
            if source.path:
                path = Path(source.path)
                if not path.is_absolute() and base_dir is not None:
                    path = base_dir / path
            scores = load_gcr(data_dir=bundle, path=path)
            scores = scores[scores["iso3"].isin(iso3s)]
            tfi = trade_facilitation_index(scores, year_rule=source.year_rule,
                                           min_count=source.min_count,
                                           index_min_count=source.index_min_count)
            if source.index_min_count < 4:
                built.notes.append(
                    f"TFI computed where at least {source.index_min_count} of the 4 primary "
                    "indicators have a score (mean of the primaries present); see tfi_coverage "
                    "for the secondaries present in each year."
                )
            tfi = tfi[tfi["year"].between(years[0], years[-1])]
            built.coverage["tfi_coverage"] = tfi_coverage_by_year(tfi)
            rename = {"iso3": unit, "year": time, **source.columns}
            extra = [c for c in ("n_secondary_present", "missing_secondaries") if c in tfi.columns]
            tfi = tfi.rename(columns=rename)
            panel = panel.merge(tfi[[unit, time, *source.columns.values(), *extra]],
                                on=[unit, time], how="left")
            if "n_secondary_present" in panel.columns:
                panel = panel.rename(columns={"n_secondary_present": "tfi_n_secondary",
                                              "missing_secondaries": "tfi_missing_secondaries"})
            built.files.append(path if path else bundle / "wef_gcr" /
                               "gcr_panel_best_available_2007_2018_long.csv")
        elif isinstance(source, GroupsSource):
            from hitex.data.countries import group_panel

            groups = group_panel(iso3s, years, list(source.groups), data_dir=bundle)
            groups = groups.rename(columns={"iso3": unit, "year": time})
            panel = panel.merge(groups, on=[unit, time], how="left")
            for folder in ("country_groups", "wb_income_groups"):
                if (bundle / folder).is_dir():
                    built.files += _files_under(bundle / folder)
        elif isinstance(source, CsvSource | IndicatorSource):
            if spec.sources.index(source) not in frames:  # an optional file that is absent
                built.missing.update(source.provides)
                built.notes.append(f"Missing input: {source.description or source.path} "
                                   f"(file not found); left out: {', '.join(source.provides)}.")
                continue
            frame = frames[spec.sources.index(source)]
            where = f"{source.kind} source {source.path}"
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
                frame = frame.assign(**{unit: _key_text(frame[unit])})
                panel[unit] = _key_text(panel[unit])
            matched = frame[unit].isin(panel[unit])
            if len(frame) and not matched.any():
                raise StudySpecError(
                    f"{where}: none of its '{unit}' values ({', '.join(map(str, frame[unit].head(3)))}"
                    f" ...) matches the study's units ({', '.join(map(str, panel[unit].head(3)))}"
                    " ...). Check the unit codes (ISO3 codes, province codes) of the file."
                )
            check_clash(panel, frame, [unit, time], where)
            _note_unmatched(built, frame, panel, unit, where, bundle)
            panel = panel.merge(frame, on=[unit, time], how="left")
            built.files.append(_resolve(source.path, base_dir))
    built.data = panel
    _transform(spec, built, unit)
    return built


def _year_list(years: list[int]) -> str:
    """2016, 2017, 2018, 2020 -> '2016-2018, 2020'."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def _note_unmatched(built: BuiltPanel, frame: pd.DataFrame, panel: pd.DataFrame, unit: str,
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


def _transform(spec: DataSpec, built: BuiltPanel, unit: str) -> None:
    """Add the transforms in order; skip (with a note) those using missing optional inputs."""
    from hitex.studies.expr import Expression

    panel = built.data
    for name, text in spec.transforms.items():
        expr = Expression(text, where=f"data.transforms.{name}")
        absent = [n for n in expr.names if n in built.missing]
        if absent:
            built.missing.add(name)
            built.notes.append(f"Transform '{name}' ({text}) left out: needs {', '.join(absent)}.")
            continue
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # counted below instead
            values = expr.evaluate(panel, unit, spec.time)
        inputs = [n for n in expr.names if n in panel.columns]
        if inputs and pd.api.types.is_numeric_dtype(values):
            have = panel[inputs].notna().all(axis=1)
            lost = have & ~np.isfinite(pd.to_numeric(values, errors="coerce").astype("float64"))
            if lost.any() and not _uses_lag(text):
                built.notes.append(
                    f"Transform '{name}' = {text}: {int(lost.sum())} row(s) are missing although "
                    f"{', '.join(inputs)} {'is' if len(inputs) == 1 else 'are'} present (log of a "
                    "value <= 0, ln1p of a value <= -1, or a division by 0); they leave every model "
                    f"that uses '{name}'.")
        panel[name] = values
    built.data = panel
    built.files = list(dict.fromkeys(built.files))


def _uses_lag(text: str) -> bool:
    """Lags, leads and differences are missing at the panel's edges by design."""
    return any(f"{f}(" in text for f in ("lag", "lead", "diff"))
