r"""WEF Global Competitiveness Report (GCR) scores from the Executive Opinion Survey.

The GCR publishes, edition by edition, country scores on a 1-7 scale (7 = best)
for the questions of the World Economic Forum's Executive Opinion Survey (EOS),
identified by WEF "GLOBAL ID" codes such as ``EOSQ057`` (quality of roads).
This module reads them into one long table with the columns :data:`COLUMNS`::

    iso3  edition  edition_start_year  year  indicator_code  indicator_name  value  source

from either the local data bundle (:func:`load_gcr`; the file
``wef_gcr/gcr_panel_best_available_2007_2018_long.csv`` of the folder given by
:func:`hitex._paths.data_dir`) or the user's own copy of WEF's dataset
(:func:`read_gci_workbook`, or ``load_gcr(path=...)``), in the publisher's
workbook layout or as a tidy long CSV/Parquet file.

Licence
-------
WEF's terms of use forbid storing the data set, or portions of it, on a data
retrieval system and redistributing it without WEF's permission. hitex
therefore *reads* GCR scores from files the user holds and never ships them:
no score is part of the package or of its tests. Cite the data as "World
Economic Forum, Global Competitiveness Report, Executive Opinion Survey
(various editions)" and state any transformation.

Edition -> year rule
--------------------
A GCR edition is labelled by two years, ``'Y-(Y+1)'`` (for example
``'2012-2013'``). Its survey was run in year :math:`Y`, and the World Bank
(WDI, TCdata360) files the scores under year :math:`Y`. hitex keeps the first
year in ``edition_start_year`` and derives the analysis year as

.. math:: \text{year} = Y + \delta, \qquad \delta = 0 \text{ for year\_rule='start' (default)},
          \quad \delta = 1 \text{ for year\_rule='end'}.

Edition labels and this rule live in :mod:`hitex.data.gcr_editions`, the layout
of WEF's workbook in :mod:`hitex.data.gcr_workbook`; their public names are
re-exported here.

Scores outside :math:`[1, 7]` are rejected with a :class:`~hitex.errors.HitexError`
that names the indicator, the economy and the edition.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.data.bundle_files import read_bundle_csv
from hitex.data.gcr_editions import (
    YearRule,
    edition_to_year,
    format_edition,
    parse_edition,
    year_offset,
)
from hitex.data.gcr_workbook import AGGREGATE_CODES, find_tidy_sheet, read_publisher_workbook
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    HitexError,
    NonNumericError,
    SpecificationError,
)

BUNDLE_FILE = "wef_gcr/gcr_panel_best_available_2007_2018_long.csv"
"""Path of the default GCR panel inside the data bundle."""

SCORE_MIN, SCORE_MAX = 1.0, 7.0
_SCORE_TOL = 1e-9

COLUMNS = ["iso3", "edition", "edition_start_year", "year", "indicator_code", "indicator_name",
           "value", "source"]  # fmt: skip
"""Columns of every table this module returns, in this order."""

INDICATOR_NAMES: dict[str, str] = {
    "EOSQ057": "Quality of roads, 1-7 (best)",
    "EOSQrailroad": "Quality of railroad infrastructure, 1-7 (best)",
    "EOSQ353": "Quality of port infrastructure, 1-7 (best)",
    "EOSQ061": "Quality of air transport infrastructure, 1-7 (best)",
    "EOSQ144": "Judicial independence, 1-7 (best)",
    "EOSQ048": "Burden of government regulation, 1-7 (best)",
    "EOSQ049": "Transparency of government policymaking, 1-7 (best)",
    "EOSQ096": "Prevalence of trade barriers (non-tariff barriers), 1-7 (best)",
    "EOSQ050": "Burden of customs procedures, 1-7 (best)",
    "EOSQ067": "Availability of latest technologies, 1-7 (best)",
    "EOSQ068": "Firm-level technology absorption, 1-7 (best)",
}
"""Labels of the EOS questions used by the trade facilitation index (WEF GLOBAL IDs)."""

_NA_TOKENS = frozenset(
    {"", "n/a", "na", "n.a.", "n/appl.", "not possible", "not assessed", "..", "-", "—", "–"}
)


# ----------------------------------------------------------------------------- checks


def is_score_indicator(code: str, name: object = None) -> bool:
    """True for EOS scores on the 1-7 scale: code ``EOSQ...`` or a name containing ``1-7``."""
    if str(code).upper().startswith("EOSQ"):
        return True
    return isinstance(name, str) and bool(re.search(r"1\s*[-–]\s*7", name))


def check_score_range(
    scores: pd.DataFrame,
    *,
    indicator: str = "indicator_code",
    economy: str = "iso3",
    edition: str = "edition",
    value: str = "value",
) -> None:
    """Raise :class:`~hitex.errors.HitexError` if a 1-7 score lies outside :math:`[1, 7]`.

    Only indicators recognised by :func:`is_score_indicator` are checked. The
    message names indicator, economy and edition (the columns given) of up to
    five offending values.
    """
    if "indicator_name" in scores.columns:
        names = list(scores["indicator_name"])
    else:
        names = [None] * len(scores)
    scored = [is_score_indicator(c, n) for c, n in zip(scores[indicator], names, strict=True)]
    vals = pd.to_numeric(scores[value], errors="coerce")
    bad = pd.Series(scored, index=scores.index, dtype=bool) & (
        (vals < SCORE_MIN - _SCORE_TOL) | (vals > SCORE_MAX + _SCORE_TOL)
    )
    if not bad.any():
        return
    rows = scores.loc[bad]
    shown = "; ".join(
        f"indicator {r[indicator]}, economy {r[economy]}, edition {r[edition]}: {r[value]!r}"
        for _, r in rows.head(5).iterrows()
    )
    more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
    raise HitexError(
        f"GCR scores must lie in the 1-7 range; {len(rows)} do not: {shown}{more}. Check that "
        "the file holds scores (WEF Attribute 'Value'), not ranks or rescaled values."
    )


# ----------------------------------------------------------------------------- public API


def load_gcr(
    indicators: str | Iterable[str] | None = None,
    *,
    editions: object | Iterable[object] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    year_rule: YearRule = "start",
) -> pd.DataFrame:
    """Load GCR Executive Opinion Survey scores as a long table.

    Parameters
    ----------
    indicators : str or iterable of str, optional
        WEF GLOBAL IDs to keep (``'EOSQ057'``, ...); all when omitted.
    editions : str, int or iterable, optional
        Editions to keep, as ``'2012-2013'`` or start year ``2012``.
    data_dir : path-like, optional
        Data bundle folder (else ``HITEX_DATA_DIR`` or the default search of
        :func:`hitex._paths.data_dir`).
    path : path-like, optional
        Read the user's own file instead of the bundle: WEF's workbook
        (``.xlsx``) or a tidy ``.csv``/``.parquet`` (see :func:`read_gci_workbook`).
    year_rule : {'start', 'end'}, default 'start'
        Edition ``'Y-(Y+1)'`` gives ``year`` :math:`Y` (start) or :math:`Y+1`
        (end); ``edition_start_year`` is always :math:`Y`.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, one row per economy x edition x indicator with
        an observed score, sorted by ``iso3, edition_start_year, indicator_code``.

    Raises
    ------
    DataNotFoundError
        The bundle or file is missing, or a requested indicator/edition is absent.
    HitexError
        A score lies outside 1-7 (see :func:`check_score_range`).
    """
    if path is not None:
        return read_gci_workbook(
            path, indicators=indicators, editions=editions, year_rule=year_rule
        )
    folder = _paths.data_dir(data_dir)
    file = folder / BUNDLE_FILE
    if not file.is_file():
        raise DataNotFoundError(
            f"GCR panel not found: {file}. The data bundle at {folder} has no '{BUNDLE_FILE}'; "
            "pass path= to read your own copy of WEF's GCI dataset."
        )
    raw = read_bundle_csv(pd.read_csv, file,
                          dtype={"iso3": "str", "edition": "str", "indicator_code": "str"})
    return _finish(raw, indicators, editions, year_rule, default_source="hitex data bundle")


def read_gci_workbook(
    path: str | os.PathLike[str],
    *,
    indicators: str | Iterable[str] | None = None,
    editions: object | Iterable[object] | None = None,
    year_rule: YearRule = "start",
    sheet: str | None = None,
    economy_codes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read the user's copy of WEF's GCI dataset into the long GCR table.

    *WEF's workbook* (``GCI_Dataset_2007-2017.xlsx`` and its siblings), sheet
    ``Data``: title rows, then a header row with the metadata columns
    ``Dataset, Placement, Edition, GLOBAL ID, Code GCR, Series, Series
    unindented, Attribute`` followed by one column per economy. The economy
    columns carry the economy name in one header row and the ISO3 code in the
    row above (or: codes in the header row, names in the row below). Only rows
    with ``Attribute == 'Value'`` are kept (ranks and other attributes are
    dropped), and so are regional and income-group columns
    (:data:`AGGREGATE_CODES`). The indicator code is ``GLOBAL ID`` (else
    ``Series code``). Cells marked ``n/a`` or left empty are missing.

    *A tidy long file* (``.csv``, ``.parquet``, or a workbook sheet whose
    first row holds these names): columns ``iso3``,
    ``indicator_code``, ``value`` and one of ``edition``,
    ``edition_start_year`` or ``year`` (read as the start year :math:`Y` of
    the edition); ``indicator_name`` and ``source`` are optional.

    Parameters
    ----------
    path : path-like
        The file.
    indicators, editions, year_rule
        As in :func:`load_gcr`.
    sheet : str, optional
        Worksheet; default ``'Data'``, else the first sheet whose header row
        holds ``Edition`` and ``Attribute``.
    economy_codes : mapping, optional
        Economy name -> ISO3 code, for workbooks without a row of ISO3 codes.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.

    Raises
    ------
    DataFormatError
        The layout is not recognised (the message says what is missing).
    ColumnNotFoundError
        A tidy file lacks a required column.
    NonNumericError
        A 1-7 score cell holds text other than a missing-value marker (text in
        other series is read as missing, with a :class:`DataCoverageWarning`).
    DuplicateKeyError
        Two different values for the same economy, edition and indicator.
    HitexError
        A score lies outside 1-7.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataNotFoundError(f"GCR file not found: {file}. Check the path.")
    suffix = file.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        tidy = find_tidy_sheet(file, sheet)
        if tidy is not None:
            frame = pd.read_excel(file, sheet_name=tidy, dtype={"iso3": "str", "edition": "str"})
            raw = _read_tidy(frame, file)
        else:
            raw = read_publisher_workbook(file, sheet=sheet, economy_codes=economy_codes)
    elif suffix == ".csv":
        from hitex.data.files import read_csv_text

        raw = _read_tidy(read_csv_text(file, dtype={"iso3": "str", "edition": "str"}), file)
    elif suffix in {".parquet", ".pq"}:
        raw = _read_tidy(pd.read_parquet(file), file)
    else:
        raise DataFormatError(
            f"Cannot read GCR scores from {file.name}: use WEF's .xlsx workbook or a tidy "
            ".csv/.parquet file with columns iso3, edition (or year), indicator_code, value."
        )
    return _finish(raw, indicators, editions, year_rule, default_source=f"user file {file.name}")


# ----------------------------------------------------------------------------- readers


def _read_tidy(df: pd.DataFrame, file: Path) -> pd.DataFrame:
    for col in ("iso3", "indicator_code", "value"):
        if col not in df.columns:
            raise ColumnNotFoundError(
                f"GCR file {file.name} has no column '{col}'. A tidy GCR file needs columns "
                "iso3, indicator_code, value and one of edition, edition_start_year, year; "
                "rename your columns accordingly."
            )
    when = next((c for c in ("edition", "edition_start_year", "year") if c in df.columns), None)
    if when is None:
        raise ColumnNotFoundError(
            f"GCR file {file.name} has no column 'edition' (nor 'edition_start_year' or "
            "'year'). Add the GCR edition as 'Y-(Y+1)' or its start year Y."
        )
    out = df.copy()
    out["edition_start_year"] = [parse_edition(e) for e in out[when]]
    return out


# The parser of WEF's workbook layout is in hitex.data.gcr_workbook.


# ----------------------------------------------------------------------------- shared


def _to_number(df: pd.DataFrame) -> pd.Series:
    """Cells to floats: NA markers -> NaN; text in a 1-7 score raises, elsewhere -> NaN + warning."""
    values: list[float] = []
    bad_scores: list[str] = []
    bad_other: list[str] = []
    columns = ("value", "indicator_code", "iso3", "edition", "indicator_name")
    for cell, code, iso3, edition, name in zip(*(df[c] for c in columns), strict=True):
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            values.append(float(cell))
            continue
        text = "" if cell is None or cell is pd.NA else str(cell).strip()
        if text.lower() in _NA_TOKENS:
            values.append(math.nan)
            continue
        try:
            values.append(float(text))
            continue
        except ValueError:
            values.append(math.nan)
        where = f"indicator {code}, economy {iso3}, edition {edition}: {text!r}"
        (bad_scores if is_score_indicator(code, name) else bad_other).append(where)
    if bad_scores:
        raise NonNumericError(
            f"GCR score cells hold text: {'; '.join(bad_scores[:5])}"
            f"{' ...' if len(bad_scores) > 5 else ''}. Replace them with numbers or leave the "
            "cells empty (missing)."
        )
    if bad_other:
        warnings.warn(
            f"{len(bad_other)} non-numeric GCR cells were read as missing, e.g. "
            f"{'; '.join(bad_other[:3])}.",
            DataCoverageWarning,
            stacklevel=4,
        )
    return pd.Series(values, index=df.index, dtype="float64")


def _as_list(items: object | Iterable[object] | None) -> list[object] | None:
    """One value (text, a number of any numpy type) or an iterable of them."""
    if items is None:
        return None
    if isinstance(items, str | bytes | numbers.Number):
        return [items]
    try:
        return list(items)  # type: ignore[call-overload]
    except TypeError:
        raise SpecificationError(
            f"{items!r} is neither a value nor a list of values; pass e.g. 2012 or [2012, 2013]."
        ) from None


def _finish(
    raw: pd.DataFrame,
    indicators: str | Iterable[str] | None,
    editions: object | Iterable[object] | None,
    year_rule: YearRule,
    *,
    default_source: str,
) -> pd.DataFrame:
    offset = year_offset(year_rule)
    df = raw.copy()
    df["iso3"] = df["iso3"].astype("str").str.strip().str.upper()
    df["indicator_code"] = df["indicator_code"].astype("str").str.strip()
    df["edition_start_year"] = df["edition_start_year"].astype("int64")
    df["edition"] = [format_edition(y) for y in df["edition_start_year"]]
    df["year"] = df["edition_start_year"] + offset
    known = df["indicator_code"].map(INDICATOR_NAMES)
    df["indicator_name"] = df["indicator_name"].fillna(known) if "indicator_name" in df else known
    if "source" not in df.columns:
        df["source"] = default_source

    wanted = _as_list(indicators)
    if wanted is not None:
        available = set(df["indicator_code"])
        folded = {c.lower(): c for c in available}
        codes = [folded.get(str(c).strip().lower(), str(c).strip()) for c in wanted]
        absent = [c for c in codes if c not in available]
        if absent:
            raise DataNotFoundError(
                f"GCR indicator(s) {', '.join(absent)} not in the data; available: "
                f"{', '.join(sorted(available))}."
            )
        df = df[df["indicator_code"].isin(codes)]
    wanted_editions = _as_list(editions)
    if wanted_editions is not None:
        starts = [parse_edition(e) for e in wanted_editions]
        absent_e = sorted(set(starts) - set(df["edition_start_year"]))
        if absent_e:
            raise DataNotFoundError(
                f"GCR edition(s) {', '.join(format_edition(s) for s in absent_e)} not in the "
                f"data; available: {', '.join(sorted(set(df['edition'])))}."
            )
        df = df[df["edition_start_year"].isin(starts)]

    df = df.assign(value=_to_number(df))
    key = ["iso3", "edition_start_year", "indicator_code"]
    # A series repeated with the same value (e.g. listed under two pillars) is kept once.
    df = df[df["value"].notna()].drop_duplicates([*key, "value"])
    dup = df.duplicated(key, keep=False)
    if dup.any():
        ex = df.loc[dup, ["iso3", "edition", "indicator_code"]].drop_duplicates().head(5)
        shown = "; ".join(f"{r.iso3} {r.edition} {r.indicator_code}" for r in ex.itertuples())
        raise DuplicateKeyError(
            f"GCR scores conflict: {int(dup.sum())} rows give different values for the same "
            f"iso3 x edition x indicator_code, e.g. {shown}. Keep one value per economy, "
            "edition and indicator."
        )
    check_score_range(df)
    out = df[COLUMNS].sort_values(key).reset_index(drop=True)
    return out


__all__ = [
    "AGGREGATE_CODES", "BUNDLE_FILE", "COLUMNS", "INDICATOR_NAMES", "SCORE_MAX", "SCORE_MIN",
    "YearRule", "check_score_range", "edition_to_year", "format_edition", "is_score_indicator",
    "load_gcr", "parse_edition", "read_gci_workbook",
]  # fmt: skip
