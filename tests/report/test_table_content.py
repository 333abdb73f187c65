"""What a regression table says and in which language: the English/Chinese wording,
the statistics rows, the constant, what stands under a coefficient, tiny numbers and
repeated notes. Expected cells are worked out by hand in the comments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hitex.errors import SpecificationError
from hitex.report.formatting import fmt_threshold, row_decimals
from hitex.report.labels import WORDS, fe_row_label, star_note, vcov_words, word
from hitex.report.tables import STATS, descriptive_table, regression_table
from tests.report.test_tables import FakeSpec, body, row_of


@dataclass(frozen=True)
class RichSpec(FakeSpec):
    estimator: str = "OLS (absorbed fixed effects)"


@dataclass(frozen=True)
class RichResult:
    """The result contract with the optional parts a table can show."""

    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    nobs: int = 1200
    rsquared: float = 0.5
    rsquared_within: float | None = 0.25
    rsquared_adj: float | None = 0.45
    n_clusters: dict[str, int] = field(default_factory=lambda: {"country": 40})
    df_resid: float = 39.0
    spec: Any = field(default_factory=RichSpec)
    extra: dict[str, Any] = field(default_factory=dict)


def rich(coefs: dict[str, tuple[float, float, float]], **kwargs: Any) -> RichResult:
    terms = list(coefs)
    return RichResult(
        params=pd.Series([coefs[t][0] for t in terms], index=terms),
        std_errors=pd.Series([coefs[t][1] for t in terms], index=terms),
        pvalues=pd.Series([coefs[t][2] for t in terms], index=terms),
        **kwargs,
    )


LABELS = {"tfi": "贸易便利化", "gdp": "人均GDP", "y": "高技术出口", "country": "国家"}


def models() -> list[RichResult]:
    m1 = rich({"Intercept": (1.5, 0.5, 0.01), "tfi": (0.224, 0.085, 0.009),
               "gdp": (-6.67e-05, 2.1e-05, 0.002)},
              extra={"depvar_mean": 3.25, "fstat": 12.5})
    m2 = rich({"gdp": (0.3, 0.1, 0.2), "tfi": (0.1, 0.05, 0.06), "Intercept": (1.0, 0.25, 0.001)},
              spec=RichSpec(fixed_effects=("year",)), n_clusters={"country": 38, "year": 12})
    return [m1, m2]


def coefs(table: Any) -> list[tuple[str, ...]]:
    """The rows of the coefficient block."""
    return [r.texts() for r in table.sections[0].rows]


# --------------------------------------------------------------------------- languages
def _foreign_words(text: str, allowed: list[str]) -> list[str]:
    """Latin words left in ``text`` once the user's labels and the allowed symbols are out."""
    for label in sorted(allowed, key=len, reverse=True):
        text = text.replace(label, " ")
    # symbols of the Chinese wording: R², F and t statistics, scientific notation
    text = re.sub(r"R²|F 统计量|F 值|t 值|\d(\.\d+)?e[-+]\d+", " ", text)
    return re.findall(r"[A-Za-z]+", text)


def test_chinese_table_has_no_english_fixed_word() -> None:
    table = regression_table(models(), labels=LABELS, titles=["全样本", "子样本"], lang="zh",
                             stats=STATS)
    allowed = [*LABELS.values(), "全样本", "子样本", "(1)", "(2)"]
    cells = [t for r in (*table.header_rows, *table.body_rows) for t in r.texts()]
    texts = [*table.column_labels, *cells, *table.notes]
    assert [t for t in texts if _foreign_words(t, allowed)] == []
    # the Chinese words are there
    stubs = [r.texts()[0] for r in table.body_rows]
    assert "常数项" in stubs and "观测值" in stubs and "组内R²" in stubs and "调整R²" in stubs
    assert "聚类数" in stubs and "F 统计量" in stubs and "被解释变量均值" in stubs
    assert table.header_rows[1].texts()[1] == "被解释变量：高技术出口"
    assert table.notes[:2] == (
        "括号内为聚类稳健标准误（聚类到国家）。",
        "注：*、**、*** 分别表示在 10%、5%、1% 的水平上显著。",
    )


def test_chinese_fixed_effect_rows() -> None:
    # country and year in a two-way model: the unit and the time effect.
    two_way = rich({"x": (1.0, 0.5, 0.5)}, spec=RichSpec(fixed_effects=("country", "year")))
    gravity = rich({"x": (1.0, 0.5, 0.5)},
                   spec=RichSpec(fixed_effects=("exporter^year", "importer^year", "pair")))
    table = regression_table([two_way, gravity], lang="zh")
    fe = [r.texts() for r in table.body_rows if r.role == "fe"]
    assert fe == [
        ("个体固定效应", "是", "否"),
        ("年份固定效应", "是", "否"),
        ("exporter × year 固定效应", "否", "是"),
        ("importer × year 固定效应", "否", "是"),
        ("pair 固定效应", "否", "是"),
    ]
    labelled = regression_table(gravity, lang="zh", labels={"pair": "国家对"},
                                fe_labels={"exporter^year": "出口国-年份固定效应"})
    stubs = [r.texts()[0] for r in labelled.body_rows if r.role == "fe"]
    assert stubs == ["出口国-年份固定效应", "importer × year 固定效应", "国家对固定效应"]
    # English keeps the variable names as written.
    assert fe_row_label("year", "en", time=True) == "year FE"
    assert fe_row_label("iso3", "en", label="Country") == "Country FE"


def test_chinese_descriptive_table() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, np.inf], "z": [1, 2, 3]})
    table = descriptive_table(df, labels={"x": "变量甲"}, stats=("N", "mean", "sd", "min", "max",
                                                                  "median"), lang="zh")
    assert table.column_labels == ("变量", "观测值", "均值", "标准差", "最小值", "最大值", "中位数")
    # x: 1 and 2 count: mean 1.5, sd sqrt(0.5) = 0.71, median 1.5
    assert body(table)[0] == ("变量甲", "2", "1.50", "0.71", "1.00", "2.00", "1.50")
    assert table.notes == ("无穷值按缺失值处理并剔除：变量甲（1）。",)
    english = descriptive_table(df, descriptions={"x": "d"})
    assert english.column_labels == ("Variable", "Description", "N", "Mean", "Std. dev.", "Min",
                                     "Max")


def test_every_word_has_both_languages_and_unknown_lang_is_an_error() -> None:
    assert all(set(v) == {"en", "zh"} and all(v.values()) for v in WORDS.values())
    assert word("controls", "zh") == "控制变量" and word("controls") == "Controls"
    assert (word("yes", "zh"), word("no", "zh")) == ("是", "否")
    levels = [(0.10, "*"), (0.05, "**"), (0.01, "***")]
    assert star_note(levels, "en", fmt_threshold) == "* p<0.10, ** p<0.05, *** p<0.01."
    assert vcov_words("Clustered (iso3)", "zh") == "聚类稳健标准误（聚类到iso3）"
    with pytest.raises(SpecificationError, match=r"lang='fr'.*'en', 'zh'"):
        regression_table(models(), lang="fr")
    with pytest.raises(SpecificationError, match="lang="):
        descriptive_table(pd.DataFrame({"x": [1.0]}), lang="EN")


# --------------------------------------------------------------------------- statistics
def test_statistics_chosen_by_the_user() -> None:
    table = regression_table(models(), stats=STATS)
    stats = [r.texts() for r in table.sections[-1].rows]
    assert stats == [
        ("N", "1,200", "1,200"),
        ("R-squared", "0.500", "0.500"),
        ("Adjusted R-squared", "0.450", "0.450"),
        ("Within R-squared", "0.250", "0.250"),
        ("Number of clusters", "40", "38 / 12"),
        ("F statistic", "12.500", ""),
        ("Mean of dependent variable", "3.250", ""),
    ]  # first_stage_f and pseudo_r2: no model has them, rows left out
    with pytest.raises(SpecificationError, match=r"unknown statistic 'r2'.*'nobs'.*'pseudo_r2'"):
        regression_table(models(), stats=("r2",))


def test_ppml_column_shows_no_r_squared() -> None:
    # What a PPML result records as rsquared is the squared correlation (here 1.0).
    ppml = rich({"ln_dist": (-0.8, 0.1, 0.001)}, rsquared=1.0, rsquared_within=None,
                spec=RichSpec(estimator="PPML gravity"), extra={"pseudo_rsquared": 0.912})
    ols = rich({"ln_dist": (-1.1, 0.1, 0.001)}, rsquared=0.7)
    table = regression_table([ppml, ols], stats=("nobs", "rsquared", "pseudo_r2"))
    assert row_of(table, "R-squared") == ("R-squared", "", "0.700")
    assert row_of(table, "Pseudo R-squared") == ("Pseudo R-squared", "0.912", "")
    zh = regression_table([ppml, ols], stats=("rsquared", "pseudo_r2"), lang="zh")
    assert row_of(zh, "伪 R²") == ("伪 R²", "0.912", "")


def test_first_stage_f_in_chinese() -> None:
    iv = rich({"x": (1.0, 0.5, 0.04)}, spec=RichSpec(estimator="2SLS"),
              extra={"first_stage_f": 23.456})
    table = regression_table(iv, lang="zh", stats=("nobs",))
    assert row_of(table, "第一阶段 F 值") == ("第一阶段 F 值", "23.456")
    assert row_of(table, "估计方法") == ("估计方法", "2SLS")
    asked = regression_table(iv, stats=("first_stage_f", "nobs"))
    assert [r.texts()[0] for r in asked.sections[-1].rows] == ["Estimator", "First-stage F", "N"]


# --------------------------------------------------------------------------- rows
def test_constant_is_labelled_and_last() -> None:
    table = regression_table(models(), stats=())
    coefs = [r.texts()[0] for r in table.body_rows if r.role == "coef"]
    # the first column's order (tfi before gdp), then the constant
    assert coefs == ["tfi", "gdp", "Constant"]
    assert row_of(table, "Constant") == ("Constant", "1.500**", "1.000***")  # p=0.01: not below
    zh = regression_table(models(), stats=(), lang="zh", labels={"tfi": "TFI指数"})
    assert [r.texts()[0] for r in zh.body_rows if r.role == "coef"][-1] == "常数项"
    own = regression_table(models(), stats=(), labels={"Intercept": "_cons"})
    assert [r.texts()[0] for r in own.body_rows if r.role == "coef"][-1] == "_cons"


def test_keep_drop_order_take_labels() -> None:
    labels = {"tfi": "Facilitation", "gdp": "GDP"}
    kept = regression_table(models(), labels=labels, keep=["GDP", "Facilitation"], stats=())
    assert [r.texts()[0] for r in kept.body_rows if r.role == "coef"] == ["Facilitation", "GDP"]
    dropped = regression_table(models(), labels=labels, drop=["Constant"], stats=())
    assert [r.texts()[0] for r in dropped.body_rows if r.role == "coef"] == ["Facilitation", "GDP"]
    ordered = regression_table(models(), labels=labels, order=["Constant", "GDP"], stats=())
    assert [r.texts()[0] for r in ordered.body_rows if r.role == "coef"] == [
        "Constant", "GDP", "Facilitation"]
    with pytest.raises(SpecificationError, match="keep: 'Trade'"):
        regression_table(models(), labels=labels, keep=["Trade"])


# --------------------------------------------------------------------------- under
def test_t_statistics_under_the_coefficient() -> None:
    res = rich({"tfi": (0.224, 0.085, 0.009)})
    table = regression_table(res, under="t", stats=())
    # 0.224 / 0.085 = 2.635
    assert coefs(table) == [("tfi", "0.224***"), ("", "(2.635)")]
    assert table.notes[0] == "t statistics in parentheses; standard errors: Clustered (country)."
    assert regression_table(res, under="t", lang="zh").notes[0] == (
        "括号内为 t 值；标准误：聚类稳健标准误（聚类到country）。")
    plain = rich({"tfi": (0.224, 0.085, 0.009)}, spec=RichSpec(vcov_label=""))
    assert regression_table(plain, under="t", lang="zh").notes[0] == "括号内为 t 值。"
    assert regression_table(plain, under="t").notes[0] == "t statistics in parentheses."


def test_confidence_interval_under_the_coefficient() -> None:
    # df_resid = 39: t(0.975, 39) = 2.0227 (t table); 0.224 -/+ 2.0227 * 0.085
    # = 0.224 -/+ 0.17193 = [0.052, 0.396]
    res = rich({"tfi": (0.224, 0.085, 0.009)})
    table = regression_table(res, under="ci", stats=())
    assert coefs(table) == [("tfi", "0.224***"), ("", "[0.052, 0.396]")]
    assert table.notes[0] == (
        "95% confidence intervals in brackets; standard errors: Clustered (country).")
    # without df_resid: the normal 1.95996; 0.224 -/+ 0.16660 = [0.057, 0.391]
    normal = rich({"tfi": (0.224, 0.085, 0.009)}, df_resid=float("inf"))
    assert coefs(regression_table(normal, under="ci", stats=()))[1] == ("", "[0.057, 0.391]")
    # 90%: z = 1.64485; 0.224 -/+ 0.13981 = [0.084, 0.364]
    assert coefs(regression_table(normal, under="ci", level=0.9, stats=()))[1] == (
        "", "[0.084, 0.364]")


def test_nothing_under_the_coefficient_and_bad_options() -> None:
    res = rich({"tfi": (0.224, 0.085, 0.009)})
    table = regression_table(res, under="none", stats=())
    assert coefs(table) == [("tfi", "0.224***")]
    assert table.notes == ("* p<0.10, ** p<0.05, *** p<0.01.",)
    with pytest.raises(SpecificationError, match=r"under='z'.*'se', 't', 'ci', 'none'"):
        regression_table(res, under="z")
    with pytest.raises(SpecificationError, match="level=1.5"):
        regression_table(res, under="ci", level=1.5)


# --------------------------------------------------------------------------- defects
def test_tiny_coefficient_row_has_enough_decimals_and_a_note() -> None:
    table = regression_table(models(), stats=())
    # -6.67e-05 and 2.1e-05 would print as -0.000 and 0.000: the smallest, 2.1e-05,
    # needs 2 - floor(log10(2.1e-05)) = 2 + 5 = 7 decimals; the whole row takes them.
    assert row_of(table, "gdp") == ("gdp", "-0.0000667***", "0.3000000")
    assert coefs(table)[3] == ("", "(0.0000210)", "(0.1000000)")
    assert row_of(table, "tfi") == ("tfi", "0.224***", "0.100*")
    assert "gdp: shown with more decimals, as 3 decimals would print them as 0." in table.notes
    # beyond 10 decimals: scientific notation for the whole row
    tiny = rich({"z": (-6.67e-12, 2.1e-12, 0.002), "x": (0.5, 0.1, 0.5)})
    sci = regression_table(tiny, stats=())
    assert coefs(sci)[:2] == [("z", "-6.67e-12***"), ("", "(2.10e-12)")]
    assert any(n.startswith("z: shown in scientific notation") for n in sci.notes)
    assert row_decimals([0.5, None, float("nan")], 3) == 3
    assert row_decimals([-6.67e-05], 3) == 7  # -0.0000667


def test_repeated_notes_appear_once() -> None:
    note = "Left out for lack of input data"
    m1 = rich({"x": (1.0, 0.5, 0.5)}, spec=RichSpec(notes=(note,)))
    m2 = rich({"x": (1.0, 0.5, 0.5)}, spec=RichSpec(notes=(note, note)))
    table = regression_table([m1, m2], notes=[note, "Source: WDI.", note, "Source: WDI."])
    assert table.notes == (
        "Standard errors in parentheses: Clustered (country).",
        "* p<0.10, ** p<0.05, *** p<0.01.",
        note,
        "Source: WDI.",
    )


# --------------------------------------------------------------------------- real results
def test_real_results_in_chinese() -> None:
    import hitex

    rng = np.random.default_rng(7)
    n_units, n_years = 30, 6
    df = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_years),
                       "year": np.tile(np.arange(2010, 2010 + n_years), n_units)})
    df["x"] = rng.normal(size=len(df))
    df["y"] = 2.0 + 0.5 * df["x"] + rng.normal(size=len(df))
    pooled = hitex.panel("y ~ x", df, vcov={"CRV1": "unit"}, panel_id=None)
    fe = hitex.panel("y ~ x | unit + year", df, vcov={"CRV1": "unit"}, panel_id=None)
    table = regression_table([pooled, fe], lang="zh", labels={"x": "解释变量", "y": "结果"},
                             stats=("nobs", "rsquared", "rsquared_adj", "n_clusters"))
    stubs = [r.texts()[0] for r in table.body_rows if r.role == "coef"]
    assert stubs == ["解释变量", "常数项"]  # the constant last, only in the pooled column
    assert row_of(table, "常数项")[2] == ""
    assert row_of(table, "聚类数") == ("聚类数", "30", "30")  # 30 units
    assert row_of(table, "观测值") == ("观测值", "180", "180")
    assert [r.texts()[0] for r in table.body_rows if r.role == "fe"] == ["个体固定效应",
                                                                          "年份固定效应"]
    assert not _foreign_words(" ".join(table.notes), ["unit"])
