"""The fixed wording of hitex's tables in English and Chinese.

Every word a table builder writes on its own (row labels, header words, the
notes on standard errors and stars) comes from :data:`WORDS`, one entry per
concept with its English and Chinese text, so a Chinese table
(``lang="zh"``) carries no English fixed word: only the user's labels, the
numbers and the Chinese words. The Chinese follows the usage of Chinese
economics journals (被解释变量, 控制变量, 个体/年份固定效应, 括号内为聚类稳健标准误).

Examples
--------
>>> word("nobs", "zh")
'观测值'
>>> fe_row_label("year", "zh", time=True)
'年份固定效应'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hitex.errors import SpecificationError

LANGS = ("en", "zh")
"""The languages a table can be written in."""

WORDS: dict[str, dict[str, str]] = {
    "depvar": {"en": "Dependent variable", "zh": "被解释变量"},
    "controls": {"en": "Controls", "zh": "控制变量"},
    "yes": {"en": "Yes", "zh": "是"},
    "no": {"en": "No", "zh": "否"},
    "constant": {"en": "Constant", "zh": "常数项"},
    "variable": {"en": "Variable", "zh": "变量"},
    "description": {"en": "Description", "zh": "变量说明"},
    "estimator": {"en": "Estimator", "zh": "估计方法"},
    # statistics rows (keys are the names accepted by ``stats=``)
    "nobs": {"en": "N", "zh": "观测值"},
    "rsquared": {"en": "R-squared", "zh": "R²"},
    "rsquared_adj": {"en": "Adjusted R-squared", "zh": "调整R²"},
    "rsquared_within": {"en": "Within R-squared", "zh": "组内R²"},
    "n_clusters": {"en": "Number of clusters", "zh": "聚类数"},
    "fstat": {"en": "F statistic", "zh": "F 统计量"},
    "depvar_mean": {"en": "Mean of dependent variable", "zh": "被解释变量均值"},
    "first_stage_f": {"en": "First-stage F", "zh": "第一阶段 F 值"},
    "pseudo_r2": {"en": "Pseudo R-squared", "zh": "伪 R²"},
    # descriptive statistics headers
    "desc_n": {"en": "N", "zh": "观测值"},
    "desc_mean": {"en": "Mean", "zh": "均值"},
    "desc_sd": {"en": "Std. dev.", "zh": "标准差"},
    "desc_min": {"en": "Min", "zh": "最小值"},
    "desc_max": {"en": "Max", "zh": "最大值"},
    "desc_median": {"en": "Median", "zh": "中位数"},
    # fixed effects
    "fe_suffix": {"en": " FE", "zh": " 固定效应"},
    "fe_unit": {"en": "Unit FE", "zh": "个体固定效应"},
    "fe_time": {"en": "Year FE", "zh": "年份固定效应"},
    "fe_times": {"en": " x ", "zh": " × "},
}
"""Every fixed wording: ``WORDS[key][lang]``."""

# What is printed under each coefficient, as the note says it.
UNDER_NOTES: dict[str, dict[str, str]] = {
    "se": {"en": "Standard errors in {words}", "zh": "{open}{close}内为标准误"},
    "t": {"en": "t statistics in {words}", "zh": "{open}{close}内为 t 值"},
    "ci": {"en": "{level}% confidence intervals in {words}",
           "zh": "{open}{close}内为 {level}% 置信区间"},
}

_VCOV_ZH = {
    "Conventional": "常规标准误",
    "Heteroskedasticity-robust (HC0)": "异方差稳健标准误（HC0）",
    "Heteroskedasticity-robust (HC1)": "异方差稳健标准误（HC1）",
    "Heteroskedasticity-robust (HC2)": "异方差稳健标准误（HC2）",
    "Heteroskedasticity-robust (HC3)": "异方差稳健标准误（HC3）",
    "Analytical (influence function)": "影响函数解析标准误",
    "Abadie-Imbens (2006)": "Abadie-Imbens (2006) 标准误",
}

TIME_NAMES = ("year", "time", "period", "yr", "t", "years", "month", "quarter")
"""Fixed-effect names read as the time effect (年份固定效应 in Chinese)."""


def check_lang(lang: str) -> str:
    """Return ``lang`` after checking it is one of :data:`LANGS`.

    Raises
    ------
    SpecificationError
        If the language is not known.
    """
    if lang not in LANGS:
        raise SpecificationError(
            f"lang={lang!r} is not a table language; choose one of {list(LANGS)} "
            "(lang='zh' for Chinese tables)."
        )
    return lang


def word(key: str, lang: str = "en") -> str:
    """The fixed wording ``key`` in ``lang`` (see :data:`WORDS`)."""
    return WORDS[key][check_lang(lang)]


def is_time_effect(name: str) -> bool:
    """True when a fixed effect's variable names the time (year, period ...)."""
    return name.strip().lower() in TIME_NAMES


def fe_row_label(name: str, lang: str = "en", *, label: str | None = None,
                 unit: bool = False, time: bool = False) -> str:
    """The label of a fixed-effect row.

    Parameters
    ----------
    name : str
        The fixed effect as written in the formula (``"iso3"``, ``"exporter^year"``).
    lang : {"en", "zh"}
        Language.
    label : str, optional
        The user's display name of the variable (``labels={"iso3": "Country"}``
        gives "Country FE" / "Country 固定效应").
    unit, time : bool
        The fixed effect is the panel's unit or time effect: in Chinese
        个体固定效应 / 年份固定效应 unless a ``label`` is given.

    Returns
    -------
    str
    """
    check_lang(lang)
    if label is None and lang == "zh" and (unit or time):
        return word("fe_time" if time else "fe_unit", lang)
    text = label if label is not None else name.replace("^", word("fe_times", lang))
    suffix = word("fe_suffix", lang)
    if text and "\u4e00" <= text[-1] <= "\u9fff":  # 年份固定效应, not 年份 固定效应
        suffix = suffix.strip()
    return text + suffix


def vcov_words(label: str, lang: str = "en") -> str:
    """The standard-error type for the note: English as recorded, Chinese translated.

    "Clustered (iso3)" gives 聚类稳健标准误（聚类到iso3）; a type not known is kept as is.
    """
    if check_lang(lang) == "en":
        return label
    if label.startswith("Clustered (") and label.endswith(")"):
        inner = label[len("Clustered ("):-1].replace(" & ", "、")
        return f"聚类稳健标准误（聚类到{inner}）"
    return _VCOV_ZH.get(label, label)


def under_note(under: str, brackets: str, lang: str, vcovs: str = "",
               level: float = 0.95) -> str:
    """The note saying what stands under each coefficient.

    Parameters
    ----------
    under : {"se", "t", "ci"}
        What is shown.
    brackets : str
        The two enclosing characters, ``"()"`` or ``"[]"``.
    lang : {"en", "zh"}
        Language.
    vcovs : str
        The standard-error types (already in ``lang``), e.g. "clustered (iso3)".
    level : float
        Confidence level of an interval.
    """
    check_lang(lang)
    pct = f"{level * 100:g}"
    if lang == "en":
        words = "parentheses" if brackets == "()" else "brackets"
        text = UNDER_NOTES[under]["en"].format(words=words, level=pct)
        if under == "se":
            return text + (f": {vcovs}." if vcovs else ".")
        return text + (f"; standard errors: {vcovs}." if vcovs else ".")
    opens, closes = ("括号", "") if brackets == "()" else ("方括号", "")
    if under == "se" and vcovs:
        return f"{opens}{closes}内为{vcovs}。"
    text = UNDER_NOTES[under]["zh"].format(open=opens, close=closes, level=pct)
    return text + (f"；标准误：{vcovs}。" if vcovs else "。")


def star_note(levels: Sequence[tuple[float, str]], lang: str,
              threshold_text: Callable[[float], str]) -> str:
    """The note on significance stars, ``levels`` as ``(threshold, symbol)``, one star first.

    English: "* p<0.10, ** p<0.05, *** p<0.01."; Chinese:
    "注：*、**、*** 分别表示在 10%、5%、1% 的水平上显著。".
    """
    if check_lang(lang) == "en":
        return ", ".join(f"{s} p<{threshold_text(t)}" for t, s in levels) + "."
    symbols = "、".join(s for _, s in levels)
    pcts = "、".join(f"{t * 100:g}%" for t, _ in levels)
    if len(levels) == 1:
        return f"注：{symbols} 表示在 {pcts} 的水平上显著。"
    return f"注：{symbols} 分别表示在 {pcts} 的水平上显著。"


__all__ = ["LANGS", "TIME_NAMES", "UNDER_NOTES", "WORDS", "check_lang", "fe_row_label",
           "is_time_effect", "star_note", "under_note", "vcov_words", "word"]
