"""The indicators a ``kind: indicator`` source computes, registered by ``name``.

Each step turns the source's file into indicator columns by unit and year with
a function of :mod:`hitex.indicators`; ``options`` of the study file are that
function's parameters. A new indicator is one more registered step here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.errors import StudySpecError
from hitex.studies.common import read_user_file, resolve
from hitex.studies.kinds import INDICATORS


@dataclass(frozen=True)
class IndicatorStep:
    """One indicator a study can compute.

    Attributes
    ----------
    compute : callable
        ``compute(frame, source, options, base_dir) -> DataFrame`` keyed by the
        source's unit and time columns (and partner column), ``options`` a
        copy the step may consume.
    options : str
        The options it accepts, for messages.
    by_pair : bool
        It can be computed by exporter, importer and year (``partner_col``).
    text_option : str or None
        The option naming a code column read as text (leading zeros kept),
        and its default.
    folder_reader : callable or None
        ``reader(folder, source) -> DataFrame`` when ``path`` may name a folder
        of files (one text per unit and year) instead of a table.
    on_engine : callable or None
        ``on_engine(path, source, options, engine, spark_master) -> DataFrame``:
        the same output computed by the study's engine (DuckDB, Spark) from a
        CSV or Parquet file that is not read into memory.
    """

    compute: Callable[[pd.DataFrame, Any, dict, Path | None], pd.DataFrame]
    options: str
    by_pair: bool = False
    text_option: tuple[str, str] | None = None
    folder_reader: Callable[[Path, Any], pd.DataFrame] | None = None
    on_engine: Callable[[Path, Any, dict, str, str | None], pd.DataFrame] | None = None


def _composite(frame: pd.DataFrame, source: Any, opts: dict,
               base_dir: Path | None) -> pd.DataFrame:
    from hitex.indicators.composite import CompositeSpec, composite_index

    call = {k: opts.pop(k) for k in ("indicator", "value", "layout") if k in opts}
    return composite_index(frame, CompositeSpec(**opts), unit=source.unit_col,
                           period=source.time_col, **call)


def _expy(frame: pd.DataFrame, source: Any, opts: dict, base_dir: Path | None) -> pd.DataFrame:
    from hitex.indicators.sophistication import expy, prody

    if "gdp_path" not in opts:
        raise StudySpecError(
            "indicator 'expy' needs options.gdp_path: a file of GDP per capita by "
            "exporter and year (for PRODY)."
        )
    gdp = read_user_file(resolve(str(opts.pop("gdp_path")), base_dir))
    keys = {"country": source.unit_col, "year": source.time_col,
            "product": opts.pop("product", "product"), "value": opts.pop("value", "value")}
    table = prody(frame, gdp, gdp=opts.pop("gdp", "gdp_pc"), **keys, **opts)
    return expy(frame, table, **keys)


def _hightech(frame: pd.DataFrame, source: Any, opts: dict,
              base_dir: Path | None) -> pd.DataFrame:
    from hitex.indicators.hightech import hightech_exports

    opts.pop("fill_zero", None)  # applied when merging into a dyadic panel
    by = [source.unit_col, *([source.partner_col] if source.partner_col else []),
          source.time_col]
    return hightech_exports(frame, by=by, code_col=opts.pop("code", "code"), **opts)


def _hightech_on_engine(path: Path, source: Any, opts: dict, engine: str,
                        spark_master: str | None) -> pd.DataFrame:
    from hitex.indicators.hightech_files import hightech_exports_from_files

    opts.pop("fill_zero", None)  # applied when merging into a dyadic panel
    by = [source.unit_col, *([source.partner_col] if source.partner_col else []),
          source.time_col]
    return hightech_exports_from_files(path, by=by, code_col=opts.pop("code", "code"),
                                       engine=engine, spark_master=spark_master,
                                       what=f"indicator source {source.path}", **opts)


_TEXT_NAME = re.compile(r"^(?:(?P<unit>.+?)[_\- ](?P<year>\d{4})|(?P<year2>\d{4})[_\- ](?P<unit2>.+))$")


def texts_from_folder(folder: Path, source: Any) -> pd.DataFrame:
    """One row per text file of ``folder``: unit, year and the text.

    Files are ``UNIT_YEAR.txt`` (``山东_2020.txt``, ``37-2020.txt``), ``YEAR_UNIT.txt``
    or ``UNIT/YEAR.txt``, in UTF-8 or GB18030; the unit is written as in the
    study (a code or a name that :func:`hitex.data.china.resolve_provinces` knows).
    """
    text_col = str(source.options.get("text_col", "text"))
    rows = []
    for path in sorted(folder.rglob("*.txt")):
        rel = path.relative_to(folder)
        if len(rel.parts) == 2 and re.fullmatch(r"\d{4}", path.stem):
            unit, year = rel.parts[0], path.stem
        else:
            match = _TEXT_NAME.match(path.stem)
            if match is None:
                raise StudySpecError(
                    f"indicator '{source.name}': cannot tell the unit and year of {rel} in "
                    f"{folder}; name the files UNIT_YEAR.txt (e.g. 山东_2020.txt) or UNIT/YEAR.txt.")
            unit = match.group("unit") or match.group("unit2")
            year = match.group("year") or match.group("year2")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="strict")
        rows.append({source.unit_col: unit, source.time_col: int(year), text_col: text})
    if not rows:
        raise StudySpecError(f"indicator '{source.name}': the folder {folder} holds no .txt files "
                             "(one text per unit and year, e.g. 山东_2020.txt).")
    frame = pd.DataFrame(rows)
    if frame.duplicated([source.unit_col, source.time_col]).any():
        raise StudySpecError(f"indicator '{source.name}': {folder} has several texts for one "
                             "unit and year; keep one file per unit and year.")
    return frame


def _dti(frame: pd.DataFrame, source: Any, opts: dict, base_dir: Path | None) -> pd.DataFrame:
    from hitex.indicators.innovation import digital_innovation

    return digital_innovation(frame, frame, unit=source.unit_col, time=source.time_col, **opts)


def _dti_iv(frame: pd.DataFrame, source: Any, opts: dict,
            base_dir: Path | None) -> pd.DataFrame:
    """Study 004's instrument from texts by province and year (``name: dti_iv``)."""
    from hitex.indicators.innovation import keyword_frequency, policy_instrument

    words = opts.pop("keywords", None)
    if isinstance(words, str):
        file = resolve(words, base_dir)
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


INDICATORS.register("composite")(IndicatorStep(
    _composite,
    "primaries (required), name, secondary_weights, primary_weights, min_count, "
    "index_min_count, normalize, normalize_within, scale, scale_primaries, labels, "
    "layout, indicator, value"))
INDICATORS.register("dti")(IndicatorStep(
    _dti,
    "population_unit (required: persons, 10k_persons or million_persons), per, kind, "
    "patents_col, population_col, name"))
INDICATORS.register("expy")(IndicatorStep(_expy, "gdp_path (required), product, value, gdp"))
INDICATORS.register("hightech")(IndicatorStep(
    _hightech, "classification, code, value, level, prefix, rca, fill_zero", by_pair=True,
    text_option=("code", "code"), on_engine=_hightech_on_engine))
INDICATORS.register("dti_iv")(IndicatorStep(
    _dti_iv, "keywords (required), text_col, language, segmenter, reference, min_distance_km",
    folder_reader=texts_from_folder))
