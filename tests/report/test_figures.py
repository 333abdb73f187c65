"""Tests of the monitoring charts and the coefficient plot.

The charts must draw what the table holds: every test reads the plotted data
back from the Axes (bar heights and widths, line y data, error-bar segments)
and compares them with the hand-made table below, whose numbers are written
out (growth = 100 * (x_t / x_{t-1} - 1) worked by hand in the comments).
Confidence intervals are checked against critical values in closed form
(Student's t with 1 and 2 degrees of freedom) and the standard library's
normal quantile, not against scipy.
"""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.report import figures
from hitex.report.figures import (
    VOCABULARY,
    FontWarning,
    cjk_font,
    coefficient_intervals,
    coefficient_plot,
    level_growth_chart,
    peer_chart,
    rank_chart,
    save_figure,
    share_chart,
)

MINUS = "\N{MINUS SIGN}"


# --------------------------------------------------------------------------- data
def table() -> pd.DataFrame:
    """Three provinces, 2016-2018 and 2020 (2019 absent: a gap).

    Growth by hand: A 1250/1000 = +25 %, 1500/1250 = +20 %; B 2000/2000 = 0 %,
    1500/2000 = -25 %; C 1250/500 = +150 %, 1200/1250 = -4 %; 2020 follows a
    gap, so no growth. Ranks (1 = largest, ties share the smallest rank):
    2016 B A C; 2017 B, then A and C tied 2nd (1250); 2018 A and B tied 1st
    (1500), C 3rd; 2020 B, then A and C tied 2nd (1800).
    """
    return pd.DataFrame({
        "province": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
        "year": [2016, 2017, 2018, 2020] * 3,
        "level": [1000.0, 1250.0, 1500.0, 1800.0, 2000.0, 2000.0, 1500.0, 3000.0,
                  500.0, 1250.0, 1200.0, 1800.0],
        "growth_pct": [np.nan, 25.0, 20.0, np.nan, np.nan, 0.0, -25.0, np.nan,
                       np.nan, 150.0, -4.0, np.nan],
        "share_pct": [10.0, 12.5, 15.0, 18.0, 20.0, 19.0, 14.0, 25.0, 5.0, 11.0, 10.5, 16.0],
        "rank": [2, 2, 1, 2, 1, 1, 1, 1, 3, 2, 3, 2],
        "n_ranked": [3] * 12,
        "rank_tied": [False, True, True, True, False, False, True, False,
                      False, True, False, True],
    })


ZH = {"A": "广东", "B": "江苏", "C": "浙江"}


def drawn(fig: Figure):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def by_label(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, [line.get_label() for line in ax.get_lines()]
    return lines[0]


def points(line) -> dict[int, float]:
    """{year: y} of a line's points with a value."""
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    keep = ~np.isnan(y)
    return {int(round(a)): float(b) for a, b in zip(x[keep], y[keep], strict=True)}


def expected(column: str, unit: str) -> dict[int, float]:
    t = table()
    rows = t[(t["province"] == unit) & t[column].notna()]
    return dict(zip(rows["year"], rows[column].astype(float), strict=True))


def legend_outside(fig: Figure) -> None:
    """Every legend lies outside every axes (so it cannot cover data)."""
    renderer = drawn(fig)
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), (box, ax.bbox)


def tick_texts(axis) -> list[tuple[float, str]]:
    """(location, label) of the major ticks in view, as drawn."""
    axis.axes.figure.canvas.draw()
    ticks = axis.get_major_ticks()
    locs = axis.get_majorticklocs()
    lo, hi = sorted(axis.get_view_interval())
    return [(loc, tick.label1.get_text()) for loc, tick in zip(locs, ticks, strict=False)
            if lo - 1e-9 <= loc <= hi + 1e-9]


def number(text: str) -> float:
    return float(text.replace(",", "").replace(MINUS, "-"))


def assert_grouped(axis) -> None:
    """Tick labels >= 1,000 carry a thousands separator and read back as the tick value."""
    pairs = tick_texts(axis)
    big = [(loc, text) for loc, text in pairs if abs(loc) >= 1000]
    assert big, pairs
    for _loc, text in big:
        assert "," in text, text
    for loc, text in pairs:
        assert number(text) == pytest.approx(loc), (loc, text)


# --------------------------------------------------------------------------- level and growth
def test_level_growth_draws_the_table_values():
    fig = level_growth_chart(table(), "province", "year", "level", "growth_pct", focus="A",
                             value_unit="million US$")
    ax, ax2 = fig.axes
    bars = ax.patches
    assert [p.get_height() for p in bars] == [1000.0, 1250.0, 1500.0, 1800.0]
    assert [p.get_x() + p.get_width() / 2 for p in bars] == pytest.approx([2016, 2017, 2018,
                                                                            2020])
    line = by_label(ax2, VOCABULARY["growth_legend"]["en"])
    assert points(line) == {2017: 25.0, 2018: 20.0}
    # 2019 is absent: the line is not drawn across the gap
    ys = dict(zip(np.asarray(line.get_xdata()).astype(int), line.get_ydata(), strict=True))
    assert math.isnan(ys[2019])


def test_level_growth_labels_english():
    fig = level_growth_chart(table(), "province", "year", "level", "growth_pct", focus="A",
                             value_unit="million US$",
                             labels={"level": "High-tech exports", "A": "Guangdong",
                                     "title": "Guangdong, 2016-2020"})
    ax, ax2 = fig.axes
    assert ax.get_ylabel() == "High-tech exports (million US$)"
    assert ax2.get_ylabel() == "Growth (%)"
    assert ax.get_xlabel() == "Year"
    assert ax.get_title() == "Guangdong, 2016-2020"
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["High-tech exports (million US$)", "Year-on-year growth (%)"]


def test_level_growth_labels_chinese_default_title():
    fig = level_growth_chart(table(), "province", "year", focus="A", value_unit="亿美元",
                             labels=ZH, lang="zh")
    ax, ax2 = fig.axes
    assert ax.get_ylabel() == "高技术产品出口额（亿美元）"
    assert ax2.get_ylabel() == "增长率（%）"
    assert ax.get_xlabel() == "年份"
    assert ax.get_title() == "广东高技术产品出口额及增长率"


def test_level_growth_legend_outside_and_thousands_separators():
    fig = level_growth_chart(table(), "province", "year", focus="B", value_unit="million US$")
    legend_outside(fig)
    assert_grouped(fig.axes[0].yaxis)
    # years print as years, never as 2,016
    assert [t for _, t in tick_texts(fig.axes[0].xaxis)] == ["2016", "2017", "2018", "2019",
                                                            "2020"]


def test_level_growth_takes_a_monitoring_result_and_its_unit():
    from hitex.indicators.monitoring import monitor

    raw = pd.DataFrame({"province": ["A"] * 3 + ["B"] * 3, "year": [2016, 2017, 2018] * 2,
                        "ht": [1000.0, 1250.0, 1500.0, 2000.0, 2000.0, 1500.0]})
    mon = monitor(raw, "province", "year", "ht", unit_of_value="USD_m")
    fig = level_growth_chart(mon, "province", "year", focus="A")
    assert fig.axes[0].get_ylabel() == "High-tech exports (million US$)"
    assert [p.get_height() for p in fig.axes[0].patches] == [1000.0, 1250.0, 1500.0]
    # 1250/1000 - 1 = 25 %, 1500/1250 - 1 = 20 %
    growth = by_label(fig.axes[1], VOCABULARY["growth_legend"]["en"])
    assert points(growth) == pytest.approx({2017: 25.0, 2018: 20.0})
    fig = level_growth_chart(mon, "province", "year", focus="A", lang="zh")
    assert fig.axes[0].get_ylabel() == "高技术产品出口额（百万美元）"


# --------------------------------------------------------------------------- share
def test_share_chart_draws_every_unit_and_labels():
    fig = share_chart(table(), "province", "year", labels={"A": "Guangdong"})
    (ax,) = fig.axes
    for unit, name in (("A", "Guangdong"), ("B", "B"), ("C", "C")):
        assert points(by_label(ax, name)) == expected("share_pct", unit)
    assert ax.get_ylabel() == "Share of high-tech exports (%)"
    assert ax.get_xlabel() == "Year"
    assert ax.get_title() == "Share of high-tech exports in total exports"
    legend_outside(fig)


def test_share_chart_selected_units_chinese():
    fig = share_chart(table(), "province", "year", "share_pct", units=["B"], focus="C",
                      labels={**ZH, "title": "高技术产品出口占比"}, lang="zh")
    (ax,) = fig.axes
    assert sorted(line.get_label() for line in ax.get_lines()) == sorted(["江苏", "浙江"])
    assert points(by_label(ax, "浙江")) == expected("share_pct", "C")
    assert by_label(ax, "浙江").get_linewidth() > by_label(ax, "江苏").get_linewidth()
    assert ax.get_ylabel() == "高技术产品出口占比（%）"
    assert ax.get_xlabel() == "年份"
    assert ax.get_title() == "高技术产品出口占比"
    legend_outside(fig)


def test_share_chart_many_units_legend_to_the_right():
    t = pd.concat([table().assign(province=table()["province"] + str(i)) for i in range(3)])
    fig = share_chart(t, "province", "year")
    assert len(fig.axes[0].get_lines()) == 9
    legend_outside(fig)


# --------------------------------------------------------------------------- rank
def test_rank_chart_ranks_inverted_axis_and_ties():
    fig = rank_chart(table(), "province", "year", focus="A")
    (ax,) = fig.axes
    for unit in "ABC":
        assert points(by_label(ax, unit)) == expected("rank", unit)
    assert ax.yaxis_inverted()
    # the axis runs from rank 1 (top) to n_ranked = 3
    assert ax.get_ylim() == (3.5, 0.5)
    assert [t for _, t in tick_texts(ax.yaxis)] == ["1", "2", "3"]
    # tied units: rings at their rank, set side by side around the year
    (rings,) = ax.collections
    xy = rings.get_offsets()
    assert sorted((round(x), y) for x, y in xy) == [(2017, 2), (2017, 2), (2018, 1), (2018, 1),
                                                    (2020, 2), (2020, 2)]
    assert len({round(x, 6) for x, _ in xy}) == 6
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["tied rank"]
    legend_outside(fig)
    # every line is named at its end; A and C end tied 2nd in 2020
    ends = {t.get_text(): t.xy for t in ax.texts}
    assert ends == {"A = C": (2020, 2), "B": (2020, 1)}


def test_rank_chart_ties_from_equal_ranks_and_chinese_labels():
    t = table().drop(columns=["rank_tied", "n_ranked"])
    t = t[t["province"].isin(["A", "C"])]
    fig = rank_chart(t, "province", "year", labels=ZH, lang="zh")
    (ax,) = fig.axes
    assert ax.get_ylabel() == "排名（1 = 最高）"
    assert ax.get_xlabel() == "年份"
    assert ax.get_title() == "同组排名"
    # A and C share rank 2 in 2017 and 2020 among the units drawn
    (rings,) = ax.collections
    assert sorted((round(x), y) for x, y in rings.get_offsets()) == [(2017, 2), (2017, 2),
                                                                    (2020, 2), (2020, 2)]
    assert ax.get_ylim() == (3.5, 0.5)
    assert {t.get_text() for t in ax.texts} == {"广东 = 浙江"}


def test_rank_chart_breaks_lines_at_gaps():
    fig = rank_chart(table(), "province", "year")
    line = by_label(fig.axes[0], "B")
    y = np.asarray(line.get_ydata(), float)
    assert np.isnan(y).sum() == 1  # between 2018 and 2020


# --------------------------------------------------------------------------- peers
def test_peer_chart_sorted_bars_and_highlighted_focus():
    fig = peer_chart(table(), "province", "level", time="year", year=2016, focus="A",
                     value_unit="million US$", labels={"level": "High-tech exports"})
    (ax,) = fig.axes
    bars = sorted(ax.patches, key=lambda p: -p.get_y())  # top to bottom
    assert [p.get_width() for p in bars] == [2000.0, 1000.0, 500.0]
    names = sorted(((tick.get_position()[1], tick.get_text()) for tick in ax.get_yticklabels()),
                   reverse=True)
    assert [n for _, n in names] == ["B", "A", "C"]
    colours = [tuple(p.get_facecolor()) for p in bars]
    assert colours[1] != colours[0] and colours[0] == colours[2]
    assert ax.get_xlabel() == "High-tech exports (million US$)"
    assert ax.get_title() == "High-tech exports, 2016"
    assert sorted(t.get_text() for t in ax.texts) == ["1,000", "2,000", "500"]
    drawn(fig)
    assert_grouped(ax.xaxis)


def test_peer_chart_last_year_by_default_chinese():
    fig = peer_chart(table(), "province", "share_pct", time="year", labels=ZH, lang="zh")
    (ax,) = fig.axes
    # 2020: B 25.0, A 18.0, C 16.0
    bars = sorted(ax.patches, key=lambda p: -p.get_y())
    assert [p.get_width() for p in bars] == [25.0, 18.0, 16.0]
    assert ax.get_xlabel() == "高技术产品出口占比（%）"
    assert ax.get_title() == "2020年高技术产品出口占比（%）"


def test_peer_chart_leaves_out_units_without_a_value():
    t = table()
    t.loc[(t["province"] == "C") & (t["year"] == 2016), "level"] = np.nan
    with pytest.warns(DataCoverageWarning, match="C"):
        fig = peer_chart(t, "province", time="year", year=2016, value_unit="million US$")
    assert sorted(p.get_width() for p in fig.axes[0].patches) == [1000.0, 2000.0]


# --------------------------------------------------------------------------- coefficients
@dataclass(frozen=True)
class Result:
    """The result contract the coefficient plot reads, nothing more."""

    params: pd.Series
    std_errors: pd.Series
    df_resid: float | None = None


def res(estimate: float, se: float, df: float | None) -> Result:
    return Result(pd.Series({"tfi": estimate, "gdp": 1.0}), pd.Series({"tfi": se, "gdp": 0.1}),
                  df)


def segments(fig: Figure) -> list[tuple[float, float]]:
    """(low, high) of each error bar, top column first."""
    (ax,) = fig.axes
    (container,) = ax.containers
    bars = container.lines[2][0].get_segments()
    out = sorted(((s[0][1], min(s[0][0], s[1][0]), max(s[0][0], s[1][0])) for s in bars),
                 reverse=True)
    return [(lo, hi) for _, lo, hi in out]


def flat(pairs: list[tuple[float, float]]) -> list[float]:
    return [v for pair in pairs for v in pair]


def test_coefficient_plot_intervals_by_hand():
    p = 0.975
    t1 = math.tan(math.pi * (p - 0.5))  # t(1) is Cauchy: 12.7062...
    t2 = (2 * p - 1) / math.sqrt(2 * p * (1 - p))  # t(2) in closed form: 4.3027...
    z = statistics.NormalDist().inv_cdf(p)  # 1.95996...
    results = [res(0.5, 0.1, 1), res(0.4, 0.2, 2), res(0.3, 0.05, None)]
    fig = coefficient_plot(results, "tfi", titles=["Base", "Controls", "PPML"],
                           labels={"tfi": "Trade facilitation"})
    expected_ = [(0.5 - t1 * 0.1, 0.5 + t1 * 0.1), (0.4 - t2 * 0.2, 0.4 + t2 * 0.2),
                 (0.3 - z * 0.05, 0.3 + z * 0.05)]
    assert flat(segments(fig)) == pytest.approx(flat(expected_), rel=1e-10)
    (ax,) = fig.axes
    (container,) = ax.containers
    x, y = container.lines[0].get_data()
    assert sorted(zip(y, x, strict=True), reverse=True) == [(2, 0.5), (1, 0.4), (0, 0.3)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Base", "Controls", "PPML"]
    assert ax.get_title() == "Coefficient of Trade facilitation"
    assert ax.get_xlabel() == ("Estimate (95% confidence interval, t distribution with the "
                               "column's residual df / normal distribution)")
    table_ = coefficient_intervals(results, "tfi")
    assert list(table_["distribution"]) == ["t", "t", "normal"]
    assert list(table_["column"]) == ["(1)", "(2)", "(3)"]


def test_coefficient_plot_normal_on_request_other_level_chinese():
    z90 = statistics.NormalDist().inv_cdf(0.95)
    fig = coefficient_plot([res(0.5, 0.1, 1)], "tfi", level=0.9, distribution="normal",
                           labels={"tfi": "贸易便利化"}, titles=["基准"], lang="zh")
    assert segments(fig)[0] == pytest.approx((0.5 - z90 * 0.1, 0.5 + z90 * 0.1), rel=1e-10)
    (ax,) = fig.axes
    assert ax.get_title() == "贸易便利化的估计系数"
    assert ax.get_xlabel() == "估计值（90%置信区间，正态分布）"


def test_coefficient_plot_equals_the_results_own_intervals():
    """Internal equivalence: the plotted interval is RegressionResult.conf_int (t(df_resid))."""
    import hitex

    rng = np.random.default_rng(7)
    panel = pd.DataFrame({"c": np.repeat(np.arange(12), 4), "t": np.tile(np.arange(4), 12)})
    panel["x"] = rng.normal(size=len(panel))
    panel["y"] = 0.5 * panel["x"] + rng.normal(size=len(panel))
    r1 = hitex.panel("y ~ x | c + t", panel)
    r2 = r1.with_vcov("iid")
    fig = coefficient_plot([r1, r2], "x")
    own = [tuple(r.conf_int(0.95).loc["x"]) for r in (r1, r2)]
    assert flat(segments(fig)) == pytest.approx(flat(own), rel=1e-12)


# --------------------------------------------------------------------------- fonts
def test_cjk_font_has_chinese_glyphs():
    name = cjk_font()
    if name is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=name),
                                 fallback_to_default=False)
    font = ft2font.FT2Font(path)
    assert all(font.get_char_index(ord(ch)) for ch in "高技术产品出口占比年份排名")


def _glyph_warnings(fig: Figure, tmp_path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "chart.png", dpi=60)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.mark.parametrize("make", [
    lambda: level_growth_chart(table(), "province", "year", focus="A", value_unit="亿美元",
                               labels=ZH, lang="zh"),
    lambda: share_chart(table(), "province", "year", labels=ZH, lang="zh"),
    lambda: rank_chart(table(), "province", "year", labels=ZH, lang="zh"),
    lambda: peer_chart(table(), "province", time="year", value_unit="亿美元", labels=ZH,
                       lang="zh"),
    lambda: coefficient_plot([res(0.5, 0.1, 10)], "tfi", labels={"tfi": "贸易便利化"},
                             titles=["基准"], lang="zh"),
    # an English chart naming Chinese provinces falls back to the CJK font for them
    lambda: peer_chart(table().replace({"province": ZH}), "province", time="year",
                       value_unit="million US$"),
], ids=["level_growth", "share", "rank", "peer", "coefficient", "english_with_chinese_names"])
def test_chinese_chart_renders_without_missing_glyphs(make, tmp_path):
    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FontWarning)
        fig = make()
    assert _glyph_warnings(fig, tmp_path) == []


def test_missing_glyphs_are_detected_with_a_latin_font(tmp_path):
    """The check above can fail: with a Latin-only font the same chart misses glyphs."""
    fig = rank_chart(table(), "province", "year", labels=ZH, lang="zh", font="DejaVu Sans")
    assert _glyph_warnings(fig, tmp_path)


def test_no_cjk_font_warns_once_names_the_fix_and_still_draws(monkeypatch, tmp_path):
    monkeypatch.setattr(figures, "cjk_font", lambda **_: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = share_chart(table(), "province", "year", labels=ZH, lang="zh")
    fonts = [w for w in caught if issubclass(w.category, FontWarning)]
    assert len(fonts) == 1
    assert issubclass(FontWarning, HitexWarning)
    assert "fonts-noto-cjk" in str(fonts[0].message) and "font=" in str(fonts[0].message)
    assert len(fig.axes[0].get_lines()) == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (path,) = save_figure(fig, tmp_path / "share", ("png",))
    assert path.stat().st_size > 0
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_english_chart_without_chinese_text_needs_no_cjk_font(monkeypatch):
    monkeypatch.setattr(figures, "cjk_font", lambda **_: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FontWarning)
        share_chart(table(), "province", "year")


def test_font_argument(tmp_path):
    fig = share_chart(table(), "province", "year", font="DejaVu Sans")
    assert fig.axes[0].title.get_fontfamily()[0] == "DejaVu Sans"
    with pytest.raises(SpecificationError, match="no-such-font"):
        share_chart(table(), "province", "year", font="no-such-font")
    with pytest.raises(DataNotFoundError, match="missing.ttf"):
        share_chart(table(), "province", "year", font=tmp_path / "missing.ttf")


# --------------------------------------------------------------------------- files
CHARTS = {
    "level_growth": lambda: level_growth_chart(table(), "province", "year", focus="A",
                                               value_unit="million US$"),
    "share": lambda: share_chart(table(), "province", "year"),
    "rank": lambda: rank_chart(table(), "province", "year", focus="C"),
    "peer": lambda: peer_chart(table(), "province", time="year", focus="C",
                               value_unit="million US$"),
    "coefficient": lambda: coefficient_plot([res(0.5, 0.1, 10), res(0.2, 0.1, None)], "tfi"),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_saves_png_and_svg(name, tmp_path):
    fig = CHARTS[name]()
    paths = save_figure(fig, tmp_path / "figures" / name)
    assert paths == [tmp_path / "figures" / f"{name}.png", tmp_path / "figures" / f"{name}.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in paths[1].read_bytes()[:2000]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [f"{name}.png",
                                                                       f"{name}.svg"]


def test_save_figure_drops_a_known_extension_and_writes_no_date(tmp_path):
    fig = CHARTS["share"]()
    first, svg = save_figure(fig, tmp_path / "a.png", ("png", "svg"))
    assert (first, svg) == (tmp_path / "a.png", tmp_path / "a.svg")
    before = first.read_bytes()
    save_figure(fig, tmp_path / "a", "png")
    assert first.read_bytes() == before
    assert b"<dc:date>" not in svg.read_bytes()


def test_save_figure_failure_keeps_the_old_file(tmp_path, monkeypatch):
    fig = CHARTS["share"]()
    (path,) = save_figure(fig, tmp_path / "chart", "png")
    old = path.read_bytes()

    def broken(target, **_):
        Path(target).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, tmp_path / "chart", "png")
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


# --------------------------------------------------------------------------- bad input
def test_missing_column_names_it_and_the_argument():
    with pytest.raises(ColumnNotFoundError, match=r"'growth'.*growth="):
        level_growth_chart(table(), "province", "year", "level", "growth", focus="A",
                           value_unit="million US$")
    with pytest.raises(ColumnNotFoundError, match=r"'share'.*share="):
        share_chart(table(), "province", "year", "share")
    with pytest.raises(ColumnNotFoundError, match=r"'place'.*rank="):
        rank_chart(table(), "province", "year", "place")
    with pytest.raises(ColumnNotFoundError, match=r"'exports'.*value="):
        peer_chart(table(), "province", "exports", time="year", value_unit="US$")


def test_unknown_language():
    with pytest.raises(SpecificationError, match=r"lang='fr'.*'en'.*'zh'"):
        share_chart(table(), "province", "year", lang="fr")
    with pytest.raises(SpecificationError, match="lang="):
        coefficient_plot([res(0.5, 0.1, 1)], "tfi", lang="de")


def test_empty_table():
    empty = table().iloc[0:0]
    for call in (lambda: share_chart(empty, "province", "year"),
                 lambda: rank_chart(empty, "province", "year"),
                 lambda: peer_chart(empty, "province", time="year", value_unit="US$"),
                 lambda: level_growth_chart(empty, "province", "year", value_unit="US$")):
        with pytest.raises(EmptySampleError, match="empty"):
            call()
    t = table().assign(share_pct=np.nan)
    with pytest.raises(EmptySampleError, match="share_pct"):
        share_chart(t, "province", "year")


def test_term_absent_from_a_result():
    with pytest.raises(SpecificationError, match=r"'fdi'.*column \(1\).*'tfi'"):
        coefficient_plot([res(0.5, 0.1, 1)], "fdi")
    with pytest.raises(SpecificationError, match="params/std_errors"):
        coefficient_plot([object()], "tfi")
    with pytest.raises(SpecificationError, match="one title per result"):
        coefficient_plot([res(0.5, 0.1, 1)], "tfi", titles=["a", "b"])
    with pytest.raises(SpecificationError, match="level="):
        coefficient_plot([res(0.5, 0.1, 1)], "tfi", level=95)
    with pytest.raises(SpecificationError, match="residual"):
        coefficient_plot([res(0.5, 0.1, None)], "tfi", distribution="t")
    with pytest.raises(SpecificationError, match="non-empty"):
        coefficient_plot([], "tfi")


def test_other_bad_input():
    t = table()
    with pytest.raises(SpecificationError, match="focus="):
        level_growth_chart(t, "province", "year", value_unit="US$")
    with pytest.raises(SpecificationError, match="value_unit="):
        level_growth_chart(t, "province", "year", focus="A")
    with pytest.raises(SpecificationError, match=r"\['Z'\].*A"):
        share_chart(t, "province", "year", focus="Z")
    with pytest.raises(NonNumericError, match="'level'.*'lots'"):
        level_growth_chart(t.assign(level=t["level"].astype(object).where(t.index > 0, "lots")),
                           "province", "year", focus="A", value_unit="US$")
    with pytest.raises(DuplicateKeyError, match="year"):
        share_chart(pd.concat([t, t.iloc[:1]]), "province", "year")
    with pytest.raises(DataFormatError, match="whole ranks"):
        rank_chart(t.assign(rank=t["rank"] - 1), "province", "year")
    with pytest.raises(DataFormatError, match="whole years"):
        share_chart(t.assign(year=t["year"] + 0.5), "province", "year")
    with pytest.raises(DuplicateKeyError, match="time="):
        peer_chart(t, "province", value_unit="US$")
    with pytest.raises(SpecificationError, match="year=2019"):
        peer_chart(t, "province", time="year", year=2019, value_unit="US$")
    with pytest.raises(SpecificationError, match="value_unit="):
        peer_chart(t, "province", "level", time="year")
    with pytest.raises(SpecificationError, match="labels"):
        share_chart(t, "province", "year", labels=["A"])
    with pytest.raises(SpecificationError, match="DataFrame"):
        share_chart(t.to_dict(), "province", "year")
    fig = share_chart(t, "province", "year")
    with pytest.raises(SpecificationError, match="bmp2"):
        save_figure(fig, "x", ("bmp2",))
    with pytest.raises(SpecificationError, match="Figure"):
        save_figure("not a figure", "x")


def test_errors_are_hitex_errors():
    assert issubclass(ColumnNotFoundError, HitexError)
    with pytest.raises(HitexError):
        share_chart(table(), "region", "year")


def test_cjk_font_found_when_the_font_cache_predates_it(monkeypatch):
    """A font installed after matplotlib built its font cache is found by reading the folders."""
    import copy

    from matplotlib import font_manager

    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    stale = copy.copy(font_manager.fontManager)
    cjk_files = {font_manager.findfont(font_manager.FontProperties(family=cjk_font()))}
    stale.ttflist = [e for e in font_manager.fontManager.ttflist
                     if e.fname not in cjk_files and "CJK" not in e.name]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    try:
        assert cjk_font(refresh=True) is not None
    finally:
        monkeypatch.undo()
        cjk_font(refresh=True)
