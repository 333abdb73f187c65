r"""Charts for monitoring reports: level and growth, share, rank, peers, a key coefficient.

The charts draw what a table already holds; they never compute an indicator.
Their input is the per unit-year table of
:func:`hitex.indicators.monitoring.monitor` (``Monitoring.table``, or the
``Monitoring`` itself, whose ``unit`` then labels the level axis) or any
DataFrame with one row per unit and year and named columns, and, for
:func:`coefficient_plot`, results that follow hitex's result contract.

==========================  =================================================
function                    chart
==========================  =================================================
:func:`level_growth_chart`  bars of one unit's level (left axis) and a line of
                            its year-on-year growth in % (right axis)
:func:`share_chart`         share of high-tech exports in all exports (%) over
                            time, one line per unit
:func:`rank_chart`          bump chart of the rank among peers (1 at the top),
                            ties marked, every unit named at its line's end
:func:`peer_chart`          the peers in one year, horizontal bars sorted, the
                            focus unit highlighted
:func:`coefficient_plot`    one regressor's estimate across the columns of a
                            table with its confidence intervals
==========================  =================================================

Conventions shared by the charts:

- Every function returns a :class:`matplotlib.figure.Figure` drawn on the Agg
  canvas, made without :mod:`matplotlib.pyplot` (so nothing is shown and no
  global figure list grows); :func:`save_figure` writes it to PNG, SVG or PDF
  atomically.
- **Words.** Axis labels, titles and legends are taken from ``labels`` (column
  or unit name -> display text; the key ``"title"`` sets the title) and
  otherwise from a built-in English/Chinese vocabulary (:data:`VOCABULARY`)
  chosen by ``lang="en"`` or ``"zh"``. A unit not in ``labels`` is shown as
  written in the data.
- **Units.** A money axis says its unit (``value_unit``: a text such as
  ``"billion US$"`` or a :class:`hitex.indicators.units.Unit`); percentages
  say ``(%)``. Tick labels carry thousands separators (``12,500``) and as many
  decimals as the tick step needs; years are printed as years (``2016``).
- **Gaps.** A line is broken where a year is absent from a unit's rows,
  never drawn across the gap (as :func:`~hitex.indicators.monitoring.monitor`
  takes no growth over a gap).
- **Legends** sit outside the axes (below or to the right), so they never
  cover data; the rank chart names each line at its end instead.
- **Chinese text** needs a CJK font. :func:`cjk_font` finds an installed one
  (Noto Sans CJK, Source Han Sans, WenQuanYi, Microsoft YaHei, SimHei,
  PingFang, ...); with ``lang="zh"`` it comes first in the font list, with
  ``lang="en"`` it is the fallback for Chinese names. When none is installed,
  a chart with Chinese text warns with :class:`FontWarning` naming the fix
  (``apt-get install fonts-noto-cjk``, or ``font=`` with a font file) and is
  still drawn.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.fileio import atomic_path

__all__ = [
    "CJK_FONT_FAMILIES",
    "LANGUAGES",
    "VOCABULARY",
    "FontWarning",
    "cjk_font",
    "coefficient_intervals",
    "coefficient_plot",
    "level_growth_chart",
    "peer_chart",
    "rank_chart",
    "save_figure",
    "share_chart",
]


class FontWarning(HitexWarning):
    """Chinese text is drawn but no CJK font is installed: it would show as boxes."""


LANGUAGES = ("en", "zh")
"""Languages of the built-in vocabulary."""

VOCABULARY: Mapping[str, Mapping[str, str]] = MappingProxyType({
    key: MappingProxyType(dict(zip(LANGUAGES, words, strict=True))) for key, words in {
        "year": ("Year", "年份"),
        "level": ("High-tech exports", "高技术产品出口额"),
        "growth": ("Growth (%)", "增长率（%）"),
        "growth_legend": ("Year-on-year growth (%)", "同比增长率（%）"),
        "share": ("Share of high-tech exports (%)", "高技术产品出口占比（%）"),
        "share_change": ("Change of the share (percentage points)", "占比变化（百分点）"),
        "rank": ("Rank (1 = highest)", "排名（1 = 最高）"),
        "tied": ("tied rank", "并列排名"),
        "gap_to_leader": ("Gap to the leader", "与第一名的差距"),
        "gap_to_leader_pct": ("Gap to the leader (%)", "与第一名的差距（%）"),
        "gap_to_reference": ("Gap to the reference", "与参照单位的差距"),
        "gap_to_reference_pct": ("Gap to the reference (%)", "与参照单位的差距（%）"),
        "total": ("Total exports", "出口总额"),
        "estimate": ("Estimate", "估计值"),
        "interval": ("{pct}% confidence interval, {dist}", "{pct}%置信区间，{dist}"),
        "dist_t": ("t distribution with the column's residual df", "t分布，自由度为各列残差自由度"),
        "dist_normal": ("normal distribution", "正态分布"),
        "title_level_growth": ("{unit}: {level} and growth", "{unit}{level}及增长率"),
        "title_share": ("Share of high-tech exports in total exports",
                        "高技术产品出口占出口总额比重"),
        "title_rank": ("Rank among peers", "同组排名"),
        "title_peer": ("{value}, {year}", "{year}年{value}"),
        "title_peer_no_year": ("{value}", "{value}"),
        "title_coefficient": ("Coefficient of {term}", "{term}的估计系数"),
    }.items()
})
"""Fixed words of the charts by key and language (``VOCABULARY["year"]["zh"] == "年份"``)."""

#: Monitoring columns whose default axis label comes from :data:`VOCABULARY`.
_COLUMN_WORDS = {"level": "level", "growth_pct": "growth", "share_pct": "share",
                 "share_change_pp": "share_change", "rank": "rank", "total": "total",
                 "gap_to_leader": "gap_to_leader", "gap_to_leader_pct": "gap_to_leader_pct",
                 "gap_to_reference": "gap_to_reference",
                 "gap_to_reference_pct": "gap_to_reference_pct"}
#: Columns whose label already states the unit (a percentage or percentage points).
_UNITLESS = {"growth_pct", "share_pct", "share_change_pp", "gap_to_leader_pct",
             "gap_to_reference_pct", "rank"}

CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
    "Hiragino Sans GB", "Heiti SC", "STHeiti", "Noto Sans CJK TC", "Noto Sans CJK HK",
    "Source Han Sans TC", "Source Han Sans", "Noto Sans CJK JP", "Noto Serif CJK SC",
    "Source Han Serif SC", "Source Han Serif CN", "Noto Serif CJK TC", "SimSun", "Songti SC",
    "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback", "Arial Unicode MS",
)
"""CJK font families :func:`cjk_font` looks for, in order of preference (simplified Chinese,
sans-serif first)."""

#: Other family names that suggest a CJK font (checked for the glyphs before use).
_CJK_HINT = re.compile(r"CJK|Han |Hei|Song|Kai|Ming|YaHei|WenQuanYi|Fallback|Gothic|Mincho",
                       re.IGNORECASE)
#: Characters a CJK font must have to be used.
_PROBE = "中国年份增长率排名估计值"
_CJK_CHAR = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_FONT_FILES = (".ttf", ".otf", ".ttc")
_FIX = ("install a CJK font -- on Debian/Ubuntu `apt-get install fonts-noto-cjk`, on Fedora "
        "`dnf install google-noto-sans-cjk-fonts`, on conda `conda install -c conda-forge "
        "font-ttf-noto-cjk` -- or pass font='path/to/font.ttf' (a .ttf/.otf/.ttc with Chinese "
        "glyphs such as NotoSansCJK-Regular.ttc or SimHei.ttf)")
_found: dict[str, str | None] = {}


# ----------------------------------------------------------------------------- fonts
def _covers(entry: Any) -> bool:
    """Whether the font file of a font-manager entry has glyphs for :data:`_PROBE`."""
    from matplotlib import ft2font

    try:
        try:
            font = ft2font.FT2Font(entry.fname, face_index=getattr(entry, "index", 0))
        except TypeError:  # matplotlib < 3.10 reads the first face only
            font = ft2font.FT2Font(entry.fname)
        return all(font.get_char_index(ord(ch)) for ch in _PROBE)
    except (OSError, RuntimeError, ValueError):
        return False


def _pick(entries: Sequence[Any]) -> str | None:
    by_name: dict[str, list[Any]] = {}
    for entry in entries:
        by_name.setdefault(entry.name.casefold(), []).append(entry)
    for family in CJK_FONT_FAMILIES:
        for entry in by_name.get(family.casefold(), []):
            if _covers(entry):
                return entry.name
    for key in sorted(by_name):
        if _CJK_HINT.search(key):
            for entry in by_name[key]:
                if _covers(entry):
                    return entry.name
    return None


def cjk_font(*, refresh: bool = False) -> str | None:
    """The family name of an installed font with Chinese glyphs, or ``None``.

    Looks in matplotlib's font manager for the families of
    :data:`CJK_FONT_FAMILIES` in order (Noto Sans CJK SC from Debian's
    ``fonts-noto-cjk`` first), then for any family whose name suggests a CJK
    font; a font is taken only if it has the glyphs of a few common Chinese
    characters. When matplotlib's font cache predates a font installed later,
    the system's font folders are read again and new font files added.

    Parameters
    ----------
    refresh : bool, default False
        Search again instead of returning the answer found earlier in this
        process (after installing a font).

    Returns
    -------
    str or None
        A family name for ``font.family`` (``"Noto Sans CJK SC"``), or
        ``None`` when no CJK font is installed.
    """
    if refresh or "name" not in _found:
        manager = font_manager.fontManager
        name = _pick(manager.ttflist)
        if name is None:  # a font installed after matplotlib built its font cache
            known = {entry.fname for entry in manager.ttflist}
            for path in font_manager.findSystemFonts():
                if path not in known:
                    try:
                        manager.addfont(path)
                    except (OSError, RuntimeError, ValueError):
                        continue
            name = _pick(manager.ttflist)
        _found["name"] = name
    return _found["name"]


def _has_cjk(texts: Iterable[Any]) -> bool:
    return any(_CJK_CHAR.search(str(t)) for t in texts)


def _font_name(font: str | Path) -> str:
    """The family name of ``font`` (a family name known to matplotlib, or a font file)."""
    text = str(font)
    path = Path(text)
    if path.suffix.lower() in _FONT_FILES:
        if not path.is_file():
            raise DataNotFoundError(f"font={text!r}: no such font file; give the path of a "
                                    ".ttf, .otf or .ttc file, or an installed family name")
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    names = {e.name.casefold(): e.name for e in font_manager.fontManager.ttflist}
    if text.casefold() not in names:
        cjk = cjk_font()
        raise SpecificationError(
            f"font={text!r} is not a font matplotlib knows"
            + (f" (an installed CJK font is {cjk!r})" if cjk else "")
            + "; give an installed family name or the path of a .ttf, .otf or .ttc file"
        )
    return names[text.casefold()]


def _families(lang: str, font: str | Path | None, texts: Iterable[Any]) -> list[str]:
    """``font.family`` for a chart: a CJK font first (Chinese) or as fallback (English)."""
    base = [str(f) for f in matplotlib.rcParams["font.family"]]
    if font is not None:
        return [_font_name(font), *base]
    name = cjk_font()
    if name is None:
        if lang == "zh" or _has_cjk(texts):
            warnings.warn(FontWarning(
                "the chart has Chinese text but no CJK font is installed, so the characters "
                f"would be drawn as boxes; {_FIX}. The chart is drawn with the fonts at hand."),
                stacklevel=3)
        return base
    return [name, *base] if lang == "zh" else [*base, name]


# ----------------------------------------------------------------------------- words
@dataclass(frozen=True)
class _Words:
    lang: str
    labels: Mapping[str, str]

    def word(self, key: str, **fields: Any) -> str:
        return VOCABULARY[key][self.lang].format(**fields)

    def column(self, name: str, fallback: str | None = None) -> str:
        """The display text of a column: ``labels``, the vocabulary, or the name."""
        if name in self.labels:
            return self.labels[name]
        if fallback is not None:
            return self.word(fallback)
        if name in _COLUMN_WORDS:
            return self.word(_COLUMN_WORDS[name])
        return str(name)

    def unit(self, value: Any) -> str:
        """The display text of a unit (province, country): ``labels`` or as written."""
        return self.labels.get(str(value), str(value))

    def with_unit(self, text: str, unit: str) -> str:
        return f"{text}（{unit}）" if self.lang == "zh" else f"{text} ({unit})"

    def title(self, given: str | None, default: str) -> str:
        if given is not None:
            return given
        return self.labels.get("title", default)


def _words(lang: Any, labels: Any) -> _Words:
    if lang not in LANGUAGES:
        raise SpecificationError(f"lang={lang!r} is not a language of the charts; use 'en' "
                                 "(English) or 'zh' (Chinese)")
    if labels is None:
        labels = {}
    if not isinstance(labels, Mapping):
        raise SpecificationError(f"labels must be a mapping of column or unit names to display "
                                 f"text, e.g. {{'level': 'Exports'}}, not {type(labels).__name__}")
    return _Words(lang, {str(k): str(v) for k, v in labels.items()})


_ZH_SCALE = {"": "", "_1k": "千", "_10k": "万", "_m": "百万", "_100m": "亿", "_bn": "十亿"}
_ZH_CURRENCY = {"USD": "美元", "CNY": "元"}


def _unit_text(value_unit: Any, words: _Words, argument: str = "value_unit") -> str:
    """Words for a unit given as text or as a :class:`hitex.indicators.units.Unit`."""
    if isinstance(value_unit, str):
        if not value_unit.strip():
            raise SpecificationError(f"{argument}='' is empty; name the unit of the values, "
                                     "e.g. 'billion US$' or '亿美元'")
        return value_unit
    code, label = getattr(value_unit, "code", None), getattr(value_unit, "label", None)
    if isinstance(code, str) and isinstance(label, str):
        if words.lang == "zh":
            currency, _, scale = code.partition("_")
            if currency in _ZH_CURRENCY and (f"_{scale}" if scale else "") in _ZH_SCALE:
                return _ZH_SCALE[f"_{scale}" if scale else ""] + _ZH_CURRENCY[currency]
        return label
    raise SpecificationError(f"{argument} must be a text such as 'billion US$' or a "
                             f"hitex.indicators.units.Unit, not {type(value_unit).__name__}")


# ----------------------------------------------------------------------------- input checks
def _frame(table: Any) -> tuple[pd.DataFrame, Any]:
    """The DataFrame of ``table`` (a DataFrame or a ``Monitoring``) and its unit, if any."""
    unit = None
    if not isinstance(table, pd.DataFrame) and isinstance(getattr(table, "table", None),
                                                          pd.DataFrame):
        unit = getattr(table, "unit", None)
        table = table.table
    if not isinstance(table, pd.DataFrame):
        raise SpecificationError(f"table must be a pandas DataFrame (one row per unit and year) "
                                 f"or a Monitoring result, not {type(table).__name__}")
    if table.empty:
        raise EmptySampleError("the table is empty; give one row per unit and year, e.g. "
                               "monitor(...).table")
    return table, unit


def _require(table: pd.DataFrame, columns: Mapping[str, Any]) -> None:
    for argument, column in columns.items():
        if column is not None and column not in table.columns:
            raise ColumnNotFoundError(
                f"column {column!r} is not in the table (columns: {list(table.columns)}); pass "
                f"the right name as {argument}="
            )


def _numbers(table: pd.DataFrame, column: str) -> pd.Series:
    """``column`` as float (missing values as NaN); text raises NonNumericError."""
    series = table[column]
    if pd.api.types.is_bool_dtype(series):
        raise NonNumericError(f"column {column!r} holds true/false values, not numbers; pass the "
                              "column of numbers")
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        raise NonNumericError(
            f"column {column!r} holds text such as {series[bad].iloc[0]!r}; convert it to "
            "numbers (missing values as empty cells or NaN) before drawing"
        )
    values = values.astype("float64")
    if np.isinf(values.to_numpy()).any():
        raise DataFormatError(f"column {column!r} holds infinite values; replace them by NaN "
                              "or fix their computation")
    return values


def _years(table: pd.DataFrame, column: str) -> pd.Series:
    years = _numbers(table, column)
    if years.isna().any() or not np.all(np.mod(years.to_numpy(), 1) == 0):
        raise DataFormatError(f"column {column!r} must hold whole years (e.g. 2017) in every "
                              "row; drop the rows without a year or convert dates to years")
    return years.astype("int64")


def _no_duplicates(table: pd.DataFrame, keys: list[str]) -> None:
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        first = table.loc[dup, keys].iloc[0].tolist()
        raise DuplicateKeyError(
            f"{int(dup.sum())} rows share a {' and '.join(keys)} (e.g. {first}); a chart "
            f"needs one row per {' and '.join(keys)}: aggregate or drop the duplicates"
        )


def _unit_list(value: Any, argument: str, known: Sequence[Any]) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, str | int | np.integer):
        value = [value]
    if not isinstance(value, Sequence | pd.Index | pd.Series | np.ndarray | set):
        raise SpecificationError(f"{argument} must be a unit name or a list of unit names, not "
                                 f"{type(value).__name__}")
    names = list(dict.fromkeys(value))
    unknown = [n for n in names if n not in set(known)]
    if unknown:
        shown = [str(k) for k in list(known)[:12]]
        raise SpecificationError(
            f"{argument} names {unknown}, which are not in the table (its units: {shown}"
            f"{' ...' if len(known) > 12 else ''}); write them as in the data"
        )
    return names


def _series_by_year(years: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every year from the first to the last, NaN where a year is absent (a gap breaks a line)."""
    if len(years) == 0:
        return np.array([], dtype=float), np.array([], dtype=float)
    full = np.arange(years.min(), years.max() + 1)
    out = np.full(len(full), np.nan)
    out[years - years.min()] = values
    return full.astype(float), out


# ----------------------------------------------------------------------------- number formats
def _decimals(locs: Sequence[float]) -> int:
    """The fewest decimals (up to 6) that print every tick value exactly."""
    values = [float(v) for v in locs if np.isfinite(v)]
    scale = max((abs(v) for v in values), default=1.0) or 1.0
    for digits in range(7):
        if all(abs(round(v, digits) - v) <= 1e-9 * scale for v in values):
            return digits
    return 6


def _grouped(value: float, digits: int) -> str:
    """``value`` with thousands separators, ``digits`` decimals and a true minus sign."""
    if not np.isfinite(value):
        return ""
    text = f"{0.0 if abs(value) < 0.5 * 10 ** -digits else value:,.{digits}f}"
    if matplotlib.rcParams["axes.unicode_minus"]:
        text = text.replace("-", "\N{MINUS SIGN}")
    return text


class _GroupedFormatter(ticker.Formatter):
    """Tick labels with thousands separators (``12,500``) and as many decimals as needed."""

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        digits = _decimals(values)
        return [_grouped(v, digits) for v in values]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return _grouped(x, _decimals([x]))


def _year_axis(axis: Any, years: np.ndarray) -> None:
    """Ticks at whole years, printed without separators; every year when there are few."""
    if len(years) and years.max() - years.min() <= 12:
        axis.set_major_locator(ticker.FixedLocator(np.arange(years.min(), years.max() + 1)))
    else:
        axis.set_major_locator(ticker.MaxNLocator(integer=True))
    axis.set_major_formatter(ticker.FuncFormatter(lambda x, _pos: f"{round(x):d}"))


def _auto_digits(values: np.ndarray) -> int:
    finite = np.abs(values[np.isfinite(values)])
    top = finite.max() if finite.size else 0.0
    return 0 if top >= 100 else 1 if top >= 10 else 2


# ----------------------------------------------------------------------------- figure
@contextmanager
def _figure(size: tuple[float, float], families: list[str]) -> Any:
    """A constrained-layout figure on the Agg canvas whose text uses ``families``."""
    with matplotlib.rc_context({"font.family": families}):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig


def _finish_axes(ax: Any, families: list[str]) -> None:
    """Tick labels made at draw time use the chart's fonts too."""
    ax.tick_params(labelfontfamily=families)


def _legend_below(fig: Figure, handles: list[Any], count: int) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncols=max(1, min(count, 4)),
               frameon=False)


def _legend(fig: Figure, handles: list[Any]) -> None:
    """Outside the axes: below for up to four entries, to the right for more."""
    if len(handles) <= 4:
        _legend_below(fig, handles, len(handles))
    else:
        fig.legend(handles=handles, loc="outside right upper", frameon=False)


# ----------------------------------------------------------------------------- charts
def level_growth_chart(
    table: Any,
    unit: str,
    time: str,
    level: str = "level",
    growth: str = "growth_pct",
    *,
    focus: Any = None,
    value_unit: Any = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str | None = None,
    font: str | Path | None = None,
) -> Figure:
    """Bars of one unit's level (left axis) and a line of its year-on-year growth (right axis).

    The values are drawn as the table holds them (growth as computed by
    :func:`hitex.indicators.monitoring.monitor`: ``100 * (x_t / x_{t-1} - 1)``,
    missing after a gap); nothing is recomputed. The growth line is broken
    where a year is absent. The legend sits below the axes.

    Parameters
    ----------
    table : pandas.DataFrame or Monitoring
        One row per unit and year (``monitor(...).table``, or the
        ``Monitoring`` result, whose ``unit`` then labels the level axis).
    unit, time : str
        Columns of the unit (province, country) and of the year (whole years).
    level, growth : str, default "level", "growth_pct"
        Columns of the level and of its growth in %.
    focus : unit name, optional
        The unit to draw; needed when the table holds several units.
    value_unit : str or Unit, optional
        Unit of the level (``"billion US$"``, ``"亿美元"`` or a
        :class:`hitex.indicators.units.Unit`); required unless ``table`` is a
        ``Monitoring`` (its ``unit``).
    labels : mapping, optional
        Display text of columns and units; ``"title"`` sets the title.
    lang : {"en", "zh"}, default "en"
        Language of the built-in words (:data:`VOCABULARY`).
    title : str, optional
        Title (default: ``labels["title"]``, else "<unit>: <level> and growth").
    font : str or path, optional
        A font family name or font file to use first (default: the installed
        CJK font, see :func:`cjk_font`).

    Returns
    -------
    matplotlib.figure.Figure
        Left axes (``fig.axes[0]``): the bars, labelled with ``level``'s
        label; right axes (``fig.axes[1]``): the growth line.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataFormatError, DuplicateKeyError,
    EmptySampleError, SpecificationError
        A missing column, text in a numeric column, non-year times, several
        rows for one year, an empty table or unit, several units without
        ``focus``, no ``value_unit``, an unknown ``lang``.

    Warns
    -----
    FontWarning
        Chinese text and no CJK font installed.
    """
    words = _words(lang, labels)
    frame, monitored_unit = _frame(table)
    _require(frame, {"unit": unit, "time": time, "level": level, "growth": growth})
    if value_unit is None:
        value_unit = monitored_unit
    if value_unit is None:
        raise SpecificationError("value_unit= is needed: the level axis states its unit; pass "
                                 "e.g. value_unit='billion US$', value_unit='亿美元' or the "
                                 "Monitoring result (its unit)")
    unit_text = _unit_text(value_unit, words)
    units = list(pd.unique(frame[unit]))
    chosen = _unit_list(focus, "focus", units)
    if chosen is None:
        if len(units) > 1:
            shown = [str(u) for u in units[:12]]
            raise SpecificationError(f"the table holds {len(units)} units ({shown}"
                                     f"{' ...' if len(units) > 12 else ''}); name the one to draw "
                                     "with focus=")
        chosen = units
    if len(chosen) != 1:
        raise SpecificationError(f"focus={focus!r} names {len(chosen)} units; the chart draws "
                                 "one: pass a single unit")
    name = chosen[0]
    rows = frame[frame[unit] == name]
    years = _years(rows, time)
    _no_duplicates(rows.assign(**{time: years}), [unit, time])
    levels, growths = _numbers(rows, level), _numbers(rows, growth)
    order = np.argsort(years.to_numpy(), kind="stable")
    years_a = years.to_numpy()[order]
    levels_a, growths_a = levels.to_numpy()[order], growths.to_numpy()[order]
    if np.isnan(levels_a).all() and np.isnan(growths_a).all():
        raise EmptySampleError(f"{name!r} has no value of {level!r} or {growth!r}; choose a unit "
                               "with data")

    level_text = words.column(level)
    growth_text = words.column(growth, "growth")
    unit_name = words.unit(name)
    families = _families(words.lang, font, [level_text, growth_text, unit_name, unit_text,
                                             title or "", *words.labels.values()])
    with _figure((7.5, 4.6), families) as fig:
        ax = fig.add_subplot()
        ax2 = ax.twinx()
        has = ~np.isnan(levels_a)
        bars = ax.bar(years_a[has], levels_a[has], width=0.7, color="#4c78a8", zorder=2,
                      label=words.with_unit(level_text, unit_text))
        x, y = _series_by_year(years_a, growths_a)
        (line,) = ax2.plot(x, y, color="#e45756", marker="o", linewidth=2, zorder=3,
                           label=words.labels.get(growth, words.word("growth_legend")))
        if np.nanmin(np.append(y, 0.0)) < 0 < np.nanmax(np.append(y, 0.0)) or np.any(y == 0):
            ax2.axhline(0.0, color="#e45756", linewidth=0.8, linestyle=":", zorder=1)
        ax.set_xlabel(words.column(time, "year"))
        ax.set_ylabel(words.with_unit(level_text, unit_text))
        ax2.set_ylabel(growth_text)
        ax.yaxis.set_major_formatter(_GroupedFormatter())
        ax2.yaxis.set_major_formatter(_GroupedFormatter())
        _year_axis(ax.xaxis, years_a)
        ax.grid(axis="y", color="0.9", zorder=0)
        ax.set_axisbelow(True)
        for axes in (ax, ax2):
            axes.spines["top"].set_visible(False)
            _finish_axes(axes, families)
        default = words.word("title_level_growth", unit=unit_name, level=level_text)
        ax.set_title(words.title(title, default))
        _legend_below(fig, [bars, line], 2)
    return fig


def share_chart(
    table: Any,
    unit: str,
    time: str,
    share: str = "share_pct",
    *,
    units: Any = None,
    focus: Any = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str | None = None,
    font: str | Path | None = None,
) -> Figure:
    """Share of high-tech exports in total exports (%) over time, one line per unit.

    The share is drawn as the table holds it (``share_pct`` of
    :func:`hitex.indicators.monitoring.monitor`: ``100 * x / X``); lines are
    broken where a year is absent. The focus unit is drawn thicker, on top.
    The legend sits outside the axes (below for up to four units, to the
    right for more).

    Parameters
    ----------
    table : pandas.DataFrame or Monitoring
        One row per unit and year.
    unit, time : str
        Columns of the unit and of the year.
    share : str, default "share_pct"
        Column of the share in %.
    units : unit name or list, optional
        Units to draw, in this order (default: every unit of the table, in
        order of appearance).
    focus : unit name or list, optional
        Units to highlight (they are drawn even when not in ``units``).
    labels, lang, title, font
        As in :func:`level_growth_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one line per unit, its label the unit's display text.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataFormatError, DuplicateKeyError,
    EmptySampleError, SpecificationError
        As in :func:`level_growth_chart`; unknown units in ``units``/``focus``.
    """
    words = _words(lang, labels)
    frame, _ = _frame(table)
    _require(frame, {"unit": unit, "time": time, "share": share})
    known = list(pd.unique(frame[unit]))
    drawn = _unit_list(units, "units", known) or known
    highlight = _unit_list(focus, "focus", known) or []
    drawn = list(dict.fromkeys([*drawn, *highlight]))
    rows = frame[frame[unit].isin(drawn)]
    years = _years(rows, time)
    _no_duplicates(rows.assign(**{time: years}), [unit, time])
    values = _numbers(rows, share)
    if values.isna().all():
        raise EmptySampleError(f"column {share!r} has no value for the units drawn; choose "
                               "units with data or compute the share first (monitor(..., "
                               "total=...))")
    share_text = words.column(share, "share")
    names = [words.unit(u) for u in drawn]
    families = _families(words.lang, font, [share_text, title or "", *names,
                                             *words.labels.values()])
    with _figure((7.5, 4.6), families) as fig:
        ax = fig.add_subplot()
        handles = []
        years_a, values_a, units_a = years.to_numpy(), values.to_numpy(), rows[unit].to_numpy()
        for i, name in enumerate(drawn):
            mine = units_a == name
            order = np.argsort(years_a[mine], kind="stable")
            x, y = _series_by_year(years_a[mine][order], values_a[mine][order])
            strong = name in highlight
            (line,) = ax.plot(x, y, marker="o", markersize=4 if not strong else 6,
                              linewidth=3 if strong else 1.6, color=f"C{i % 10}",
                              zorder=3 if strong else 2, label=words.unit(name))
            handles.append(line)
        ax.set_xlabel(words.column(time, "year"))
        ax.set_ylabel(share_text)
        ax.yaxis.set_major_formatter(_GroupedFormatter())
        _year_axis(ax.xaxis, years_a)
        ax.grid(axis="y", color="0.9")
        ax.spines[["top", "right"]].set_visible(False)
        _finish_axes(ax, families)
        ax.set_title(words.title(title, words.word("title_share")))
        _legend(fig, handles)
    return fig


def rank_chart(
    table: Any,
    unit: str,
    time: str,
    rank: str = "rank",
    *,
    units: Any = None,
    focus: Any = None,
    tied: str | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str | None = None,
    font: str | Path | None = None,
) -> Figure:
    """Bump chart: each unit's rank among its peers over time, rank 1 at the top.

    Ranks are drawn as the table holds them (``rank`` of
    :func:`hitex.indicators.monitoring.monitor`, equal levels sharing the
    smallest rank). Tied units of a year are drawn side by side around the
    year (same height, a small horizontal offset) with an open ring, and the
    legend below the axes explains the ring. Each line is named at its last
    point; units ending on the same rank in the same year share one name tag
    ("A = B"). The rank axis is inverted and runs from 1 to the largest
    ``n_ranked`` (when the table has it) or the largest rank.

    Parameters
    ----------
    table : pandas.DataFrame or Monitoring
        One row per unit and year.
    unit, time : str
        Columns of the unit and of the year.
    rank : str, default "rank"
        Column of the rank (whole numbers from 1).
    units : unit name or list, optional
        Units to draw (default: every unit of the table).
    focus : unit name or list, optional
        Units to highlight (thicker lines, drawn on top).
    tied : str, optional
        Column of true/false tie flags (default: ``rank_tied`` when the table
        has it, otherwise equal ranks among the units drawn in a year).
    labels, lang, title, font
        As in :func:`level_growth_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; one line per unit (its label the unit's display text) with
        the ranks as y data.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataFormatError, DuplicateKeyError,
    EmptySampleError, SpecificationError
        As in :func:`level_growth_chart`; ranks that are not whole numbers >= 1.
    """
    words = _words(lang, labels)
    frame, _ = _frame(table)
    _require(frame, {"unit": unit, "time": time, "rank": rank, "tied": tied})
    known = list(pd.unique(frame[unit]))
    drawn = _unit_list(units, "units", known) or known
    highlight = _unit_list(focus, "focus", known) or []
    drawn = list(dict.fromkeys([*drawn, *highlight]))
    rows = frame[frame[unit].isin(drawn)]
    years = _years(rows, time)
    _no_duplicates(rows.assign(**{time: years}), [unit, time])
    ranks = _numbers(rows, rank)
    have = ranks.notna()
    if not have.any():
        raise EmptySampleError(f"column {rank!r} has no rank for the units drawn; rank the "
                               "units first (monitor(..., peers=...))")
    r = ranks[have].to_numpy()
    if (r < 1).any() or (np.mod(r, 1) != 0).any():
        raise DataFormatError(f"column {rank!r} must hold whole ranks from 1 (1 = largest), "
                              f"e.g. {sorted(set(r.tolist()))[:5]} are not all; pass the rank "
                              "column")
    work = pd.DataFrame({"unit": rows[unit].to_numpy(), "year": years.to_numpy(),
                         "rank": ranks.to_numpy()})
    tie_col = tied if tied is not None else ("rank_tied" if "rank_tied" in frame.columns
                                             else None)
    if tie_col is not None:
        flags = rows[tie_col]
        if not (pd.api.types.is_bool_dtype(flags) or flags.dropna().isin([0, 1]).all()):
            raise DataFormatError(f"column {tie_col!r} must hold true/false tie flags; pass "
                                  "tied= the right column")
        work["tied"] = flags.fillna(False).astype(bool).to_numpy()
    else:
        work["tied"] = work.duplicated(["year", "rank"], keep=False) & work["rank"].notna()
    work = work[work["rank"].notna()]
    top = float(work["rank"].max())
    if "n_ranked" in rows.columns:
        n = pd.to_numeric(rows["n_ranked"], errors="coerce").max()
        top = max(top, float(n)) if pd.notna(n) else top
    # tied units of a year are set side by side around the year, in the order drawn
    position = {name: i for i, name in enumerate(drawn)}
    work["order"] = work["unit"].map(position)
    work = work.sort_values(["year", "rank", "order"])
    group = work.groupby(["year", "rank"])
    k, i = group["unit"].transform("size"), group.cumcount()
    work["x"] = work["year"] + np.where(k > 1, (i - (k - 1) / 2) * 0.12, 0.0)

    rank_text = words.column(rank, "rank")
    names = [words.unit(u) for u in drawn]
    families = _families(words.lang, font, [rank_text, title or "", *names,
                                             *words.labels.values()])
    with _figure((7.5, 4.8), families) as fig:
        ax = fig.add_subplot()
        ends: dict[tuple[float, float], list[str]] = {}
        colours = {}
        for j, name in enumerate(drawn):
            mine = work[work["unit"] == name].sort_values("year")
            if mine.empty:
                continue
            strong = name in highlight
            colour = f"C{j % 10}"
            colours[name] = colour
            xs, ys = mine["x"].to_numpy(), mine["rank"].to_numpy()
            # break the line where a year is absent
            yrs = mine["year"].to_numpy()
            breaks = np.flatnonzero(np.diff(yrs) > 1) + 1
            x_line = np.insert(xs.astype(float), breaks, np.nan)
            y_line = np.insert(ys.astype(float), breaks, np.nan)
            ax.plot(x_line, y_line, marker="o", color=colour, linewidth=3.2 if strong else 1.8,
                    markersize=7 if strong else 5, zorder=3 if strong else 2,
                    label=words.unit(name))
            last = mine.iloc[-1]
            ends.setdefault((float(last["year"]), float(last["rank"])), []).append(name)
        ties = work[work["tied"]]
        handles = []
        if not ties.empty:
            rings = ax.scatter(ties["x"], ties["rank"], s=150, facecolors="none",
                               edgecolors="0.2", linewidths=1.2, zorder=4,
                               label=words.word("tied"))
            handles.append(rings)
        x_max = float(work["year"].max())
        for (year, place), members in ends.items():
            text = " = ".join(words.unit(m) for m in members)
            colour = colours[members[0]] if len(members) == 1 else "0.15"
            strong = any(m in highlight for m in members)
            ax.annotate(text, (x_max if year == x_max else year, place), xytext=(10, 0),
                        textcoords="offset points", va="center", ha="left", color=colour,
                        fontweight="bold" if strong else "normal", annotation_clip=False)
        ax.set_ylim(top + 0.5, 0.5)
        step = 1 if top <= 15 else 5
        ticks = sorted({1, *range(step, int(top) + 1, step)})
        ax.yaxis.set_major_locator(ticker.FixedLocator(ticks))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{round(v):d}"))
        _year_axis(ax.xaxis, work["year"].to_numpy())
        ax.set_xlim(work["year"].min() - 0.4, x_max + 0.4)
        ax.set_xlabel(words.column(time, "year"))
        ax.set_ylabel(rank_text)
        ax.grid(axis="y", color="0.92")
        ax.spines[["top", "right"]].set_visible(False)
        _finish_axes(ax, families)
        ax.set_title(words.title(title, words.word("title_rank")))
        if handles:
            _legend_below(fig, handles, 1)
    return fig


def peer_chart(
    table: Any,
    unit: str,
    value: str = "level",
    *,
    time: str | None = None,
    year: int | None = None,
    focus: Any = None,
    value_unit: Any = None,
    digits: int | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str | None = None,
    font: str | Path | None = None,
) -> Figure:
    """The peers in one year: horizontal bars sorted from the largest (top), the focus highlighted.

    Each bar is labelled with its value (thousands separators). Units
    without a value in the year are left out with a
    :class:`~hitex.errors.DataCoverageWarning` naming them.

    Parameters
    ----------
    table : pandas.DataFrame or Monitoring
        One row per unit (and year, with ``time``).
    unit : str
        Column of the unit.
    value : str, default "level"
        Column to compare (a level, a share, a gap...).
    time : str, optional
        Column of the year; needed when the table holds several years.
    year : int, optional
        Year to draw (default: the last year with a value).
    focus : unit name or list, optional
        Units to highlight (another colour, bold name).
    value_unit : str or Unit, optional
        Unit of ``value``; required unless ``value`` is a percentage or rank
        column of :func:`~hitex.indicators.monitoring.monitor`
        (``share_pct``, ``growth_pct``, ...) or ``table`` is a ``Monitoring``.
    digits : int, optional
        Decimals of the bar labels (default: 0 from 100, 1 from 10, else 2).
    labels, lang, title, font
        As in :func:`level_growth_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; bars from top to bottom in decreasing order of ``value``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataFormatError, DuplicateKeyError,
    EmptySampleError, SpecificationError
        As in :func:`level_growth_chart`; several years without ``time``, a
        ``year`` not in the table, no unit with a value.
    """
    words = _words(lang, labels)
    frame, monitored_unit = _frame(table)
    _require(frame, {"unit": unit, "value": value, "time": time})
    if value_unit is None and value not in _UNITLESS and value not in words.labels:
        value_unit = monitored_unit
    if value_unit is None and value not in _UNITLESS and value not in words.labels:
        raise SpecificationError(
            f"value_unit= is needed: the axis of {value!r} states its unit; pass e.g. "
            "value_unit='billion US$' (or labels={" + repr(value) + ": 'text with its unit'})"
        )
    if digits is not None and (not isinstance(digits, int) or not 0 <= digits <= 10):
        raise SpecificationError(f"digits={digits!r} must be a whole number from 0 to 10")
    rows = frame
    shown_year = None
    if time is not None:
        years = _years(frame, time)
        values_all = _numbers(frame, value)
        if year is None:
            with_value = years[values_all.notna()]
            if with_value.empty:
                raise EmptySampleError(f"column {value!r} has no value in any year; choose "
                                       "a column with data")
            year = int(with_value.max())
        elif year not in set(years):
            raise SpecificationError(f"year={year!r} is not in column {time!r} (its years: "
                                     f"{sorted(set(years.tolist()))}); choose one of them")
        shown_year = int(year)
        rows = frame[(years == year).to_numpy()]
    elif frame[unit].duplicated().any():
        raise DuplicateKeyError(f"the table holds several rows per {unit!r}; name the year "
                                "column with time= (and the year with year=), or pass one "
                                "row per unit")
    _no_duplicates(rows, [unit])
    values = _numbers(rows, value)
    missing = rows.loc[values.isna(), unit].tolist()
    if missing:
        warnings.warn(DataCoverageWarning(
            f"{len(missing)} unit(s) have no {value!r}"
            + (f" in {shown_year}" if shown_year is not None else "")
            + f" and are left out of the chart: {', '.join(map(str, missing))}"), stacklevel=2)
    keep = values.notna().to_numpy()
    if not keep.any():
        raise EmptySampleError(f"no unit has a value of {value!r}"
                               + (f" in {shown_year}" if shown_year is not None else "")
                               + "; choose another year or column")
    names_all = list(pd.unique(frame[unit]))
    highlight = _unit_list(focus, "focus", names_all) or []
    data = pd.DataFrame({"unit": rows[unit].to_numpy()[keep], "value": values.to_numpy()[keep]})
    data = data.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)

    value_text = words.column(value)
    axis_text = (words.with_unit(value_text, _unit_text(value_unit, words))
                 if value_unit is not None else value_text)
    names = [words.unit(u) for u in data["unit"]]
    families = _families(words.lang, font, [axis_text, title or "", *names,
                                             *words.labels.values()])
    n = len(data)
    decimals = digits if digits is not None else _auto_digits(data["value"].to_numpy())
    with _figure((7.0, 1.6 + 0.36 * n), families) as fig:
        ax = fig.add_subplot()
        positions = np.arange(n)[::-1].astype(float)
        colours = ["#e45756" if u in highlight else "#4c78a8" for u in data["unit"]]
        ax.barh(positions, data["value"].to_numpy(), height=0.7, color=colours, zorder=2)
        ax.set_yticks(positions, labels=names)
        for tick, name in zip(ax.get_yticklabels(), data["unit"], strict=True):
            if name in highlight:
                tick.set_fontweight("bold")
                tick.set_color("#b8322f")
        span = float(np.ptp(np.append(data["value"].to_numpy(), 0.0))) or 1.0
        for pos, v in zip(positions, data["value"].to_numpy(), strict=True):
            ax.annotate(_grouped(v, decimals), (v, pos), xytext=(4 if v >= 0 else -4, 0),
                        textcoords="offset points", va="center",
                        ha="left" if v >= 0 else "right", fontsize=8.5, color="0.2")
        low, high = min(0.0, data["value"].min()), max(0.0, data["value"].max())
        ax.set_xlim(low - (0.14 * span if low < 0 else 0), high + 0.14 * span)
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_major_formatter(_GroupedFormatter())
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_xlabel(axis_text)
        ax.grid(axis="x", color="0.9", zorder=0)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        _finish_axes(ax, families)
        default = (words.word("title_peer", value=value_text, year=shown_year)
                   if shown_year is not None else words.word("title_peer_no_year",
                                                             value=value_text))
        ax.set_title(words.title(title, default))
    return fig


# ----------------------------------------------------------------------------- coefficients
def _residual_df(result: Any) -> float | None:
    """``df_resid`` (or ``df``) of a result when it is a finite positive number."""
    for name in ("df_resid", "df"):
        value = getattr(result, name, None)
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool) and math.isfinite(float(value)) and float(value) > 0:
            return float(value)
    return None


def coefficient_intervals(
    results: Any,
    term: str,
    *,
    titles: Sequence[str] | None = None,
    level: float = 0.95,
    distribution: str = "auto",
) -> pd.DataFrame:
    """One regressor's estimate and confidence interval in each column of a table.

    The interval is ``estimate +/- q * std_error`` with ``q`` the
    ``(1 + level) / 2`` quantile of Student's t with the result's residual
    degrees of freedom (its ``df_resid``, or ``df``: ``G - 1`` for clustered
    errors as in Stata reghdfe and fixest) or of the standard normal when the
    result has none (PPML, matching: as Stata ``ppmlhdfe`` and ``teffects``).
    For hitex's :class:`~hitex.models.results.RegressionResult` this is its
    own ``conf_int(level)``. ``nobs`` alone does not give the residual degrees
    of freedom (absorbed fixed effects and clustering change them), so it is
    not used.

    Parameters
    ----------
    results : result or sequence of results
        Objects with ``params`` and ``std_errors`` indexed by term (the
        result contract); ``df_resid``/``df`` used when present.
    term : str
        The regressor, as the results name it.
    titles : sequence of str, optional
        Column titles (default ``(1)``, ``(2)``, ... as esttab).
    level : float, default 0.95
        Coverage of the intervals.
    distribution : {"auto", "t", "normal"}, default "auto"
        ``"auto"``: t where a result has residual degrees of freedom, normal
        otherwise; ``"t"`` requires them.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``column``, ``estimate``, ``std_error``, ``df``,
        ``distribution`` (``"t"`` or ``"normal"``), ``critical``,
        ``conf_low``, ``conf_high``.

    Raises
    ------
    SpecificationError
        No results, a result without ``params``/``std_errors``, ``term``
        absent from a result, titles of the wrong length, a level outside
        (0, 1), an unknown distribution, or ``"t"`` for a result without
        degrees of freedom.
    """
    from scipy import stats

    if distribution not in ("auto", "t", "normal"):
        raise SpecificationError(f"distribution={distribution!r} is unknown; use 'auto' (t with "
                                 "the result's residual df, else normal), 't' or 'normal'")
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise SpecificationError(f"level={level!r} must be a coverage strictly between 0 and 1, "
                                 "e.g. 0.95")
    if hasattr(results, "params"):
        results = [results]
    if not isinstance(results, Sequence) or isinstance(results, str) or not results:
        raise SpecificationError("results must be a non-empty list of estimation results (the "
                                 "columns of a table), e.g. [res1, res2]")
    if titles is None:
        titles = [f"({i})" for i in range(1, len(results) + 1)]
    titles = [str(t) for t in titles]
    if len(titles) != len(results):
        raise SpecificationError(f"titles has {len(titles)} entries for {len(results)} results; "
                                 "give one title per result")
    rows = []
    for title, result in zip(titles, results, strict=True):
        params, errors = getattr(result, "params", None), getattr(result, "std_errors", None)
        if params is None or errors is None:
            raise SpecificationError(
                f"column {title} is a {type(result).__name__}, which has no params/std_errors; "
                "pass estimation results of hitex (panel, gravity, twfe_did, ...) or objects "
                "with params and std_errors indexed by term"
            )
        params, errors = pd.Series(params), pd.Series(errors)
        if term not in params.index:
            terms = [str(t) for t in params.index[:12]]
            raise SpecificationError(
                f"term {term!r} is not estimated in column {title} (its terms: {terms}"
                f"{' ...' if len(params) > 12 else ''}); pass results that estimate it or "
                "write the term as the results name it"
            )
        df = _residual_df(result)
        if distribution == "t" and df is None:
            raise SpecificationError(f"distribution='t' but column {title} records no residual "
                                     "degrees of freedom (df_resid); use 'normal' or 'auto'")
        use_t = df is not None and distribution != "normal"
        q = float(stats.t.ppf((1 + level) / 2, df) if use_t else stats.norm.ppf((1 + level) / 2))
        estimate = float(params[term])
        se = float(errors[term]) if term in errors.index else float("nan")
        rows.append({"column": title, "estimate": estimate, "std_error": se,
                     "df": df if use_t else np.nan, "distribution": "t" if use_t else "normal",
                     "critical": q, "conf_low": estimate - q * se, "conf_high": estimate + q * se})
    return pd.DataFrame(rows, columns=["column", "estimate", "std_error", "df", "distribution",
                                       "critical", "conf_low", "conf_high"])


def coefficient_plot(
    results: Any,
    term: str,
    *,
    titles: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
    lang: str = "en",
    distribution: str = "auto",
    title: str | None = None,
    font: str | Path | None = None,
) -> Figure:
    """One regressor's estimate across the columns of a table, with confidence intervals.

    Columns run from top to bottom in the order given; each shows the
    estimate (a dot) and its interval (a horizontal bar) from
    :func:`coefficient_intervals` (t with the column's residual degrees of
    freedom, as Stata reghdfe and fixest; normal for results without them);
    the axis label says which distribution and coverage were used. A dashed
    line marks zero.

    Parameters
    ----------
    results : result or sequence of results
        The columns (the result contract: ``params``, ``std_errors``, and
        ``df_resid`` for t intervals).
    term : str
        The regressor; its display text comes from ``labels[term]``.
    titles : sequence of str, optional
        Column titles (default ``(1)``, ``(2)``, ...).
    labels : mapping, optional
        Display text of the term; ``"title"`` sets the title.
    level : float, default 0.95
        Coverage of the intervals.
    lang : {"en", "zh"}, default "en"
        Language of the built-in words.
    distribution : {"auto", "t", "normal"}, default "auto"
        As in :func:`coefficient_intervals`.
    title : str, optional
        Title (default "Coefficient of <term>").
    font : str or path, optional
        As in :func:`level_growth_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with an error-bar container (estimates as the points).

    Raises
    ------
    SpecificationError
        As :func:`coefficient_intervals`; an unknown ``lang``.
    """
    words = _words(lang, labels)
    table = coefficient_intervals(results, term, titles=titles, level=level,
                                  distribution=distribution)
    term_text = words.column(term)
    used = set(table["distribution"])
    if len(used) == 1:
        dist = words.word("dist_t" if used == {"t"} else "dist_normal")
    else:
        dist = f"{words.word('dist_t')} / {words.word('dist_normal')}"
    pct = f"{100 * level:g}"
    axis_text = words.with_unit(words.word("estimate"), words.word("interval", pct=pct, dist=dist))
    families = _families(words.lang, font, [term_text, title or "", *table["column"],
                                             *words.labels.values()])
    n = len(table)
    with _figure((6.8, 1.9 + 0.5 * n), families) as fig:
        ax = fig.add_subplot()
        positions = np.arange(n)[::-1].astype(float)
        est = table["estimate"].to_numpy()
        err = np.vstack([est - table["conf_low"].to_numpy(), table["conf_high"].to_numpy() - est])
        ax.errorbar(est, positions, xerr=err, fmt="o", color="#4c78a8", ecolor="#4c78a8",
                    capsize=4, markersize=6, linewidth=1.8, zorder=3,
                    label=words.word("estimate"))
        ax.axvline(0.0, color="0.25", linestyle="--", linewidth=1.0, zorder=1)
        ax.set_yticks(positions, labels=list(table["column"]))
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_major_formatter(_GroupedFormatter())
        ax.set_xlabel(axis_text)
        ax.grid(axis="x", color="0.92", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        _finish_axes(ax, families)
        ax.set_title(words.title(title, words.word("title_coefficient", term=term_text)))
    return fig


# ----------------------------------------------------------------------------- files
def save_figure(
    fig: Figure,
    path_stem: str | Path,
    formats: str | Sequence[str] = ("png", "svg"),
    *,
    dpi: int = 150,
) -> list[Path]:
    """Write ``fig`` once per format, each file whole or not at all.

    Each file goes through :func:`hitex.fileio.atomic_path` (a temporary file
    beside the target, renamed over it when complete; a link at the target is
    replaced, never followed). SVG and PDF files carry no creation date, so
    that a figure saved again differs only where matplotlib names clip paths
    after objects in memory; PNG files of one figure are identical. Text in
    SVG is stored as outlines, so Chinese shows without the font.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path_stem : str or path
        Path without extension (``out/figures/level_growth``); a known
        extension at its end (``.png``) is dropped. Missing folders are made.
    formats : str or sequence of str, default ("png", "svg")
        Formats matplotlib writes (``png``, ``svg``, ``pdf``, ...).
    dpi : int, default 150
        Resolution of raster formats.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Raises
    ------
    SpecificationError
        Not a figure, no or an unknown format, a bad dpi.
    """
    if not isinstance(fig, Figure):
        raise SpecificationError(f"fig must be a matplotlib Figure (as the chart functions "
                                 f"return), not {type(fig).__name__}")
    if fig.canvas is None or not hasattr(fig.canvas, "get_supported_filetypes"):
        FigureCanvasAgg(fig)  # pragma: no cover - figures always have a canvas
    supported = fig.canvas.get_supported_filetypes()
    if isinstance(formats, str):
        formats = (formats,)
    wanted = [str(f).lower().lstrip(".") for f in formats]
    if not wanted:
        raise SpecificationError("formats is empty; name at least one, e.g. ('png', 'svg')")
    unknown = [f for f in wanted if f not in supported]
    if unknown:
        raise SpecificationError(f"format(s) {unknown} cannot be written; use some of "
                                 f"{sorted(supported)}")
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 10 <= dpi <= 2400:
        raise SpecificationError(f"dpi={dpi!r} must be a number from 10 to 2400, e.g. 150")
    stem = Path(path_stem)
    if stem.suffix.lower().lstrip(".") in supported:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    lacking = cjk_font() is None and _has_cjk(t.get_text() for t in fig.findobj(
        lambda a: hasattr(a, "get_text")))
    written = []
    with warnings.catch_warnings(), matplotlib.rc_context({"svg.hashsalt": "hitex"}):
        if lacking:  # already said once by FontWarning when the chart was made
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        for fmt in dict.fromkeys(wanted):
            target = stem.parent / f"{stem.name}.{fmt}"
            metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
            with atomic_path(target, suffix=f".{fmt}") as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
            written.append(target)
    return written
