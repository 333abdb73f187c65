r"""Patent-based digital technology innovation (DTI) and the distance-weighted policy instrument.

Study 004 measures a province's digital technology innovation as

.. math::

    \mathrm{DTI}_{it} = \ln\!\left(1 + \frac{10^6 \, P_{it}}{N_{it}}\right),

with :math:`P_{it}` digital-economy patent applications (the study's DTIn) or
grants (DTIG) and :math:`N_{it}` the population in persons
(:func:`digital_innovation`). Its instrument for DTI is

.. math::

    \mathrm{DTI\_iv}_{it} = \frac{h_{it} / W_{it}}{d(i, \mathrm{Hangzhou})},

with :math:`h_{it}` the digital-policy keywords in the government work report,
:math:`W_{it}` its word count (:func:`keyword_frequency`) and :math:`d` the
great-circle distance in km from the provincial capital to Hangzhou
(:func:`great_circle_km`, :func:`policy_instrument`).

How words are counted
---------------------
All text and keywords are first NFKC-normalised (full-width letters and digits
become ASCII) and case-folded. Chinese (``language="zh"``) text then loses all
whitespace, because Chinese does not separate words with spaces and reports
extracted from web pages or PDFs often break lines inside a word.

``segmenter="chars"`` (Chinese default)
    :math:`W` is the number of **Han characters** (CJK unified ideographs,
    extensions A-H, compatibility ideographs and 〇); punctuation, digits and
    Latin letters are not counted. :math:`h` counts the keywords as
    substrings of the text, scanning left to right and preferring the longest
    keyword at each position, without overlaps (with keywords 数字经济 and 数字,
    "数字经济" is one hit, not two). This is the 字数 a Chinese word processor
    reports, needs no dictionary and gives the same result on every machine.
``segmenter="jieba"``
    The text is segmented with jieba (accurate mode, HMM on) after every
    keyword has been added to a private copy of jieba's dictionary, so that a
    keyword is always cut as one word. :math:`W` is the number of tokens that
    contain a letter, digit or Han character (punctuation tokens are not
    words); :math:`h` counts keyword tokens (or token sequences). A keyword
    inside a longer dictionary word is not counted (数据 inside 大数据 is a
    hit in ``"chars"`` mode only). Needs ``pip install jieba``.

English (``language="en"``) is split into words: maximal runs of letters and
digits, with internal apostrophes or hyphens kept inside the word
("China's", "e-commerce" are one word each, as word processors count them).
A keyword of several words matches that sequence of words
("digital economy"), case-insensitively, longest keyword first, without
overlaps; "digital-economy" is one word and does not match "digital economy",
so list both spellings if both occur.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from hitex.data import china
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators._keys import merge_keys, plain_index
from hitex.indicators.distances import (
    EARTH_RADIUS_KM,
    capital_distances,
    great_circle_km,
    reference_point,
)

__all__ = [
    "EARTH_RADIUS_KM", "POPULATION_UNITS", "digital_innovation", "keyword_counts",
    "keyword_frequency", "great_circle_km", "capital_distances", "policy_instrument",
]  # fmt: skip

#: Persons per unit of the population column.
POPULATION_UNITS: dict[str, float] = {"persons": 1.0, "10k_persons": 1e4, "万人": 1e4, "million_persons": 1e6}

Kind = Literal["applications", "grants"]
Language = Literal["zh", "en"]
Segmenter = Literal["chars", "jieba"]

_KIND_DEFAULTS = {"applications": ("patent_applications", "dti"), "grants": ("patent_grants", "dtig")}
_MAX_LISTED = 10


# --------------------------------------------------------------------------- DTI
def _as_frame(obj: pd.DataFrame | pd.Series, value_col: str, unit: str, time: str, role: str) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        if obj.index.nlevels != 2:
            raise SpecificationError(f"{role} is a Series with {obj.index.nlevels} index level(s); give "
                                     f"it a two-level index ({unit}, {time}) or pass a DataFrame.")
        return obj.rename(value_col).reset_index().set_axis([unit, time, value_col], axis=1)
    if not isinstance(obj, pd.DataFrame):
        raise SpecificationError(f"{role} must be a pandas DataFrame or Series, not {type(obj).__name__}.")
    missing = [c for c in (unit, time, value_col) if c not in obj.columns]
    if missing:
        raise ColumnNotFoundError(f"{role} has no column(s) {missing} (it has {list(obj.columns)}). Rename "
                                  f"the columns or pass unit=, time=, {role}_col=.")
    return plain_index(obj)[[unit, time, value_col]].reset_index(drop=True)


def _check(frame: pd.DataFrame, col: str, unit: str, time: str, role: str) -> pd.DataFrame:
    values = frame[col]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        coerced = pd.to_numeric(values, errors="coerce")
        bad = frame.loc[coerced.isna() & values.notna(), [unit, time, col]].head(_MAX_LISTED)
        if len(bad) or pd.api.types.is_bool_dtype(values):
            raise NonNumericError(
                f"{role} column '{col}' holds non-numeric values, e.g. "
                f"{bad.to_dict('records')}. Convert it to numbers (pd.to_numeric) first."
            )
        values = coerced
    frame[col] = values.astype("float64")
    _raise_if(frame.duplicated([unit, time], keep=False), frame, unit, time,
              f"{role} has several rows for {{where}} ({unit} x {time}); keep one row per {unit} "
              f"and {time}.", DuplicateKeyError)
    return frame


def _units_years(frame: pd.DataFrame, mask: pd.Series, unit: str, time: str) -> str:
    keys = frame.loc[mask, [unit, time]].drop_duplicates()  # a duplicated key is listed once
    rows = keys.head(_MAX_LISTED)
    listed = ", ".join(f"{u} {t}" for u, t in rows.itertuples(index=False))
    more = len(keys) - len(rows)
    return listed + (f" and {more} more" if more > 0 else "")


def _raise_if(mask: pd.Series, frame: pd.DataFrame, unit: str, time: str, message: str,
              error: type[HitexError] = HitexError) -> None:
    """Raise ``error(message)`` with ``{where}`` replaced by the unit-years where ``mask`` holds."""
    if mask.any():
        raise error(message.format(where=_units_years(frame, mask, unit, time)))


def digital_innovation(
    patents: pd.DataFrame | pd.Series,
    population: pd.DataFrame | pd.Series,
    *,
    population_unit: str | float,
    per: float = 1e6,
    kind: Kind = "applications",
    unit: str = "province_code",
    time: str = "year",
    patents_col: str | None = None,
    population_col: str = "population",
    name: str | None = None,
) -> pd.DataFrame:
    r"""Digital technology innovation: log of one plus patents per million inhabitants.

    .. math::

        \mathrm{DTI}_{it} = \ln\!\left(1 + \mathit{per} \cdot
        \frac{P_{it}}{u \cdot N_{it}}\right)

    with :math:`P_{it}` the patent count, :math:`N_{it}` the population as given
    and :math:`u` the persons per population unit (``population_unit``).

    Parameters
    ----------
    patents, population : DataFrame or Series
        Counts and population per unit and year: DataFrames with columns
        ``unit``, ``time`` and ``patents_col`` / ``population_col``, or Series
        with a two-level (unit, time) index.
    population_unit : {"persons", "10k_persons", "万人", "million_persons"} or float
        Unit of the population values (a number: persons per unit). Required:
        NBS publishes population in 10,000 persons (万人), other sources in persons.
    per : float, default 1e6
        Inhabitants the rate refers to (1e6: patents per million inhabitants).
    kind : {"applications", "grants"}, default "applications"
        Sets the defaults of ``patents_col`` (``"patent_applications"`` /
        ``"patent_grants"`` as in :func:`hitex.data.china.sci_tech_panel`, else
        ``"patents"``) and ``name`` (``"dti"`` / ``"dtig"``).
    unit, time, patents_col, population_col, name : str, optional
        Key columns (default ``"province_code"``, ``"year"``), value columns and
        the output column. The keys may be stored differently in the two tables
        (33, 33.0, ``"33"``; 2020, ``"2020"``, ``"2020年"``).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``patents``: ``unit``, ``time``, ``patents``,
        ``population_persons``, ``patents_per_million`` (the rate per ``per``
        inhabitants; named ``patents_per_<per>`` for other ``per``) and
        ``name``. Missing patent counts give missing DTI.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DuplicateKeyError, EmptySampleError
        A missing column, text values, a duplicated unit-year, no rows.
    HitexError
        Negative patents, patents without a positive population (the message
        names the unit and year), an unknown ``population_unit``.

    Examples
    --------
    >>> import pandas as pd
    >>> pat = pd.DataFrame({"province_code": [33], "year": [2020], "patents": [999]})
    >>> pop = pd.DataFrame({"province_code": [33], "year": [2020], "population": [100.0]})
    >>> out = digital_innovation(pat, pop, population_unit="10k_persons")  # 999 per million
    >>> round(float(out["dti"].iloc[0]), 4)  # ln(1 + 999)
    6.9078
    """
    if kind not in _KIND_DEFAULTS:
        raise SpecificationError(f"kind={kind!r}; use 'applications' or 'grants'.")
    default_col, default_name = _KIND_DEFAULTS[kind]
    name = name or default_name
    if isinstance(population_unit, str) and population_unit not in POPULATION_UNITS:
        raise HitexError(f"population_unit={population_unit!r} is unknown; use one of "
                         f"{list(POPULATION_UNITS)} or a number of persons per unit.")
    try:
        multiplier = float(POPULATION_UNITS.get(population_unit, population_unit))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        multiplier = float("nan")
    if not multiplier > 0:
        raise HitexError(f"population_unit={population_unit!r} must be a unit name or a positive number "
                         "of persons per unit.")
    if not per > 0:
        raise SpecificationError(f"per={per!r} must be positive (e.g. 1e6 for per million inhabitants).")
    if patents_col is None:
        patents_col = default_col
        if isinstance(patents, pd.DataFrame) and default_col not in patents and "patents" in patents:
            patents_col = "patents"
    pat = _as_frame(patents, patents_col, unit, time, "patents")
    pop = _as_frame(population, population_col, unit, time, "population")
    if pat.empty:
        raise EmptySampleError("patents has no rows; nothing to compute.")
    pat = _check(pat, patents_col, unit, time, "patents").rename(columns={patents_col: "_p"})
    pop = _check(pop, population_col, unit, time, "population").rename(columns={population_col: "_n"})
    _raise_if(pat["_p"] < 0, pat, unit, time, f"patents column '{patents_col}' is negative for "
              "{where}; patent counts cannot be negative. Fix the data.")
    merged = merge_keys(pat, pop, [unit, time], how="left", tables=("patents", "population"),
                        year_keys=[time], validate="one_to_one")
    _raise_if(merged["_p"].notna() & merged["_n"].isna(), merged, unit, time,
              f"No population for {{where}} although patents are given ({unit}, {time}). Add the "
              f"population of these unit-years (column '{population_col}') or drop their patent rows.")
    _raise_if(merged["_p"].notna() & (merged["_n"] <= 0), merged, unit, time,
              f"population column '{population_col}' is zero or negative for {{where}}. Fix the data.")
    persons = merged["_n"] * multiplier
    per_person = merged["_p"] / persons
    implausible = per_person > 0.1
    if implausible.any():
        warnings.warn(f"More than one patent per 10 inhabitants for "
                      f"{_units_years(merged, implausible, unit, time)}; is population_unit="
                      f"{population_unit!r} right (NBS publishes 万人 = '10k_persons')?",
                      HitexWarning, stacklevel=2)
    rate_col = "patents_per_million" if per == 1e6 else f"patents_per_{per:g}"
    out = merged[[unit, time]].copy()
    out["patents"] = merged["_p"]
    out["population_persons"] = persons
    out[rate_col] = per * per_person
    out[name] = np.log1p(out[rate_col])
    return out


# --------------------------------------------------------------------------- keywords
_HAN = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U000323af]"
)
_EN_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_WORDLIKE = re.compile(r"[^\W_]")
_SPACE = re.compile(r"\s+")


def _normalise(text: str, language: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub("", text) if language == "zh" else text


@functools.lru_cache(maxsize=4)
def _jieba_tokenizer(keywords: tuple[str, ...]) -> Any:
    try:
        import jieba
    except ImportError as err:
        raise HitexError("segmenter='jieba' needs the jieba package: pip install jieba. Or count Han "
                         "characters with segmenter='chars'.") from err
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
    finally:
        logger.setLevel(level)
    for keyword in keywords:
        tokenizer.add_word(keyword)
    return tokenizer


def _prepare_keywords(keywords: str | Iterable[str], language: str) -> list[str]:
    items = [keywords] if isinstance(keywords, str) else list(keywords)
    if not items:
        raise SpecificationError("keywords is empty; give at least one keyword, e.g. ['数字经济'].")
    bad = [k for k in items if not isinstance(k, str)]
    if bad:
        raise SpecificationError(f"keywords must be strings; got {bad[:_MAX_LISTED]}.")
    normal = [_normalise(k, language).strip() for k in items]
    if any(not k for k in normal):
        raise SpecificationError("keywords holds an empty or blank string; remove it.")
    return list(dict.fromkeys(normal))


def _match_tokens(tokens: Sequence[str], phrases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    hits = dict.fromkeys(phrases, 0)
    by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for keyword, seq in sorted(phrases.items(), key=lambda kv: -len(kv[1])):
        if seq:
            by_first.setdefault(seq[0], []).append((keyword, seq))
    i = 0
    while i < len(tokens):
        for keyword, seq in by_first.get(tokens[i], ()):
            if tuple(tokens[i : i + len(seq)]) == seq:
                hits[keyword] += 1
                i += len(seq)
                break
        else:
            i += 1
    return hits


def _count_text(text: str, keywords: list[str], language: str, segmenter: str) -> tuple[dict[str, int], int]:
    norm = _normalise(text, language)
    if language == "en":
        tokens = _EN_WORD.findall(norm)
        phrases = {k: tuple(_EN_WORD.findall(k)) for k in keywords}
        return _match_tokens(tokens, phrases), len(tokens)
    if segmenter == "chars":
        hits = dict.fromkeys(keywords, 0)
        pattern = re.compile("|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True)))
        for match in pattern.finditer(norm):
            hits[match.group(0)] += 1
        return hits, len(_HAN.findall(norm))
    tokenizer = _jieba_tokenizer(tuple(keywords))
    tokens = [t for t in tokenizer.lcut(norm) if _WORDLIKE.search(t)]
    phrases = {k: tuple(t for t in tokenizer.lcut(k) if _WORDLIKE.search(t)) for k in keywords}
    return _match_tokens(tokens, phrases), len(tokens)


def keyword_counts(
    text: str | pd.Series,
    keywords: str | Iterable[str],
    *,
    language: Language = "zh",
    segmenter: Segmenter | None = None,
    by_keyword: bool = False,
) -> pd.DataFrame:
    """Count keyword occurrences and words, one row per text.

    Parameters
    ----------
    text : str or pandas.Series of str
        One text, or one per row (e.g. a work report per province and year);
        missing texts give missing counts.
    keywords : str or iterable of str
        The keywords; a single string is one keyword.
    language : {"zh", "en"}, default "zh"
        Language of the texts; the module notes say how each is counted.
    segmenter : {"chars", "jieba"}, optional
        Chinese only: Han characters (``"chars"``, default) or jieba words.
    by_keyword : bool, default False
        Add one column of hits per (normalised) keyword.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``text`` (a single text gets index ``[0]``), with
        ``keyword_hits`` :math:`h`, ``word_count`` :math:`W` and
        ``keyword_frequency`` :math:`h / W`. A missing text gives missing
        counts; an empty or blank text (:math:`W = 0`) gives :math:`h = W = 0`
        and a missing frequency (0/0 is undefined), not 0.

    Raises
    ------
    SpecificationError
        Unknown language or segmenter, a segmenter for English, bad keywords.
    HitexError
        jieba asked for but not installed (says ``pip install jieba``); a
        text that is not a string.
    EmptySampleError
        Texts were given but none has a word (a single empty text, or only
        empty ones).
    """
    if language not in ("zh", "en"):
        raise SpecificationError(f"language={language!r}; use 'zh' (Chinese) or 'en' (English).")
    if language == "en" and segmenter is not None:
        raise SpecificationError(f"segmenter={segmenter!r} applies to Chinese only; English is split "
                                 "into words. Leave segmenter unset for language='en'.")
    segmenter = segmenter or "chars"
    if segmenter not in ("chars", "jieba"):
        raise SpecificationError(f"segmenter={segmenter!r}; use 'chars' or 'jieba'.")
    words = _prepare_keywords(keywords, language)
    series = text if isinstance(text, pd.Series) else pd.Series([text])
    if not isinstance(text, pd.Series) and not isinstance(text, str):
        raise HitexError(f"text must be a string or a pandas Series of strings, not {type(text).__name__}.")
    rows: list[dict[str, float]] = []
    for label, value in series.items():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            rows.append({"keyword_hits": np.nan, "word_count": np.nan, **dict.fromkeys(words, np.nan)})
            continue
        if not isinstance(value, str):
            raise HitexError(f"text at {label!r} is a {type(value).__name__}, not a string; convert it with .astype(str).")
        hits, count = _count_text(value, words, language, segmenter)
        rows.append({"keyword_hits": float(sum(hits.values())), "word_count": float(count), **hits})
    out = pd.DataFrame(rows, index=series.index, columns=["keyword_hits", "word_count", *words])
    if len(out) and not (out["word_count"] > 0).any() and out["word_count"].notna().any():
        unit = "Han characters" if language == "zh" and segmenter == "chars" else "words"
        raise EmptySampleError(f"the input has no {unit} (every text is empty or blank), so no keyword "
                               "frequency can be computed. Supply the texts.")
    out["keyword_frequency"] = out["keyword_hits"] / out["word_count"].where(out["word_count"] > 0)
    columns = ["keyword_hits", "word_count", "keyword_frequency"] + (words if by_keyword else [])
    return out[columns]


def keyword_frequency(
    text: str | pd.Series,
    keywords: str | Iterable[str],
    *,
    language: Language = "zh",
    segmenter: Segmenter | None = None,
) -> float | pd.Series:
    """Keyword occurrences divided by the word count of the text.

    Counted as in the module notes; parameters as in :func:`keyword_counts`,
    which also returns the numerator and denominator.

    Returns
    -------
    float or pandas.Series
        A float for one text, a Series named ``keyword_frequency`` indexed like
        ``text`` for a Series.

    Examples
    --------
    >>> keyword_frequency("发展数字经济", ["数字经济"])  # 1 hit / 6 Han characters
    0.16666666666666666
    >>> keyword_frequency("The digital economy grows", ["digital economy"], language="en")
    0.25
    """
    counts = keyword_counts(text, keywords, language=language, segmenter=segmenter)
    if isinstance(text, pd.Series):
        return counts["keyword_frequency"]
    return float(counts["keyword_frequency"].iloc[0])


# --------------------------------------------------------------------------- instrument
def policy_instrument(
    frequencies: pd.DataFrame,
    province_col: str,
    *,
    reference: str | tuple[float, float] = "Hangzhou",
    frequency_col: str = "keyword_frequency",
    min_distance_km: float | None = None,
    name: str = "dti_iv",
) -> pd.DataFrame:
    r"""Study 004's instrument: keyword frequency divided by distance to a reference city.

    .. math::

        \mathrm{DTI\_iv}_{it} = \frac{f_{it}}{\max\{d(c_i, r),\ d_{\min}\}}

    with :math:`f_{it}` the keyword frequency (:func:`keyword_frequency`),
    :math:`d(c_i, r)` the great-circle distance in km from the capital of
    province :math:`i` to the reference city :math:`r` and :math:`d_{\min}` =
    ``min_distance_km``.

    The reference city's own province (Zhejiang for Hangzhou) has distance 0
    and an undefined ratio; study 004 does not say what it did. hitex
    **raises** for such rows unless ``min_distance_km`` floors every distance,
    e.g. at an internal distance :math:`\tfrac{2}{3}\sqrt{\mathrm{area}/\pi}`
    (Head and Mayer 2000), about 122 km for Zhejiang's 105,500 km²; or drop
    those rows. The instrument's scale (frequency per km) only rescales the
    first-stage coefficient.

    Parameters
    ----------
    frequencies : pandas.DataFrame
        A province identifier and a keyword frequency per row.
    province_col : str
        Province codes or names (:func:`hitex.data.china.resolve_provinces`).
    reference : str or (float, float), default "Hangzhou"
        A provincial capital's name (English or Chinese) or (lat, lon).
    frequency_col : str, default "keyword_frequency"
        The keyword frequency column.
    min_distance_km : float, optional
        Floor for the distance; required when a distance is 0.
    name : str, default "dti_iv"
        Name of the instrument column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frequencies`` with ``province_code`` (added when absent),
        ``distance_km`` (after the floor) and ``name``. Missing frequencies give
        a missing instrument. A row without a province (missing or blank in
        ``province_col``) gets a missing ``province_code`` (then a nullable
        integer column), ``distance_km`` and instrument, with a
        :class:`~hitex.errors.DataCoverageWarning` giving the number of such
        rows.

    Raises
    ------
    ColumnNotFoundError, NonNumericError
        A missing column, a non-numeric frequency.
    HitexError
        An unknown province or reference, a negative frequency, a zero distance
        without ``min_distance_km``.
    """
    for col, arg in ((province_col, "province_col"), (frequency_col, "frequency_col")):
        if col not in frequencies.columns:
            raise ColumnNotFoundError(f"frequencies has no column '{col}' (it has "
                                      f"{list(frequencies.columns)}); pass {arg}= with the right name.")
    if min_distance_km is not None and not min_distance_km > 0:
        raise SpecificationError(f"min_distance_km={min_distance_km!r} must be a positive distance in km.")
    provinces = frequencies[province_col]
    absent = provinces.isna() | provinces.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)
    found = iter(china.resolve_provinces(provinces[~absent]))
    codes = [None if a else next(found) for a in absent]
    if absent.any():
        warnings.warn(f"{int(absent.sum())} row(s) have no province in column '{province_col}'; their "
                      f"province_code, distance_km and {name} are left missing. Fill in the province "
                      "or drop these rows.", DataCoverageWarning, stacklevel=2)
    freq = frequencies[frequency_col]
    if pd.api.types.is_bool_dtype(freq) or not pd.api.types.is_numeric_dtype(freq):
        raise NonNumericError(f"frequency column '{frequency_col}' is not numeric (dtype {freq.dtype}); "
                              "convert it with pd.to_numeric.")
    negative = freq < 0
    if negative.any():
        bad = frequencies.loc[negative, province_col].head(_MAX_LISTED).tolist()
        raise HitexError(f"frequency column '{frequency_col}' is negative for {bad}; frequencies are >= 0.")
    distances = capital_distances(reference).set_index("province_code")
    out = frequencies.copy()
    if "province_code" not in out.columns:
        out["province_code"] = pd.array(codes, dtype="Int64") if absent.any() else codes
    distance = pd.Series([np.nan if c is None else float(distances.at[c, "distance_km"]) for c in codes],
                         index=out.index)
    zero = distance <= 1e-9
    if zero.any() and min_distance_km is None:
        provinces = sorted({distances.at[c, "province_en"] for c, z in zip(codes, zero, strict=True) if z})
        raise HitexError(f"The distance from {', '.join(provinces)} to the reference "
                         f"{reference_point(reference)[2]} is 0, so frequency / distance is undefined. "
                         "Pass min_distance_km= (--min-distance-km on the command line), e.g. an "
                         "internal distance, about 122 km for Zhejiang, or drop these rows.")
    if min_distance_km is not None:
        distance = distance.clip(lower=min_distance_km)
    out["distance_km"] = distance
    out[name] = freq.astype("float64") / distance
    return out
