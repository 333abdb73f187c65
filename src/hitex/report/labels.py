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

import re
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
    "baseline": {"en": "Baseline", "zh": "基准回归"},
    "no_controls": {"en": "No controls", "zh": "无控制变量"},
    "with_controls": {"en": "Controls", "zh": "加入控制变量"},
    "matched_once": {"en": "Matched once", "zh": "一次匹配"},
    "matched_by_year": {"en": "Matched by year", "zh": "逐年匹配"},
    # columns of a comparison with a study's printed numbers
    "cmp_model": {"en": "model", "zh": "模型"},
    "cmp_statistic": {"en": "statistic", "zh": "统计量"},
    "cmp_paper": {"en": "paper", "zh": "原文"},
    "cmp_hitex": {"en": "hitex", "zh": "hitex"},
    "cmp_hitex_conventional": {"en": "hitex conventional SE", "zh": "hitex（常规标准误）"},
    "cmp_difference": {"en": "difference", "zh": "差异"},
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
    "Abadie-Imbens (2016)": "Abadie-Imbens (2016) 标准误（估计倾向得分的修正）",
    "Bootstrap": "自助法标准误",
    "Conventional (RSS/N)": "常规标准误（RSS/N，大样本）",
    "Heteroskedasticity-robust (HC0 x N/(N-1), Stata ML)": "异方差稳健标准误（HC0 x N/(N-1)，Stata 极大似然）",
    "Heteroskedasticity-robust (HC2 x N/(N-K))": "异方差稳健标准误（HC2 x N/(N-K)）",
    "Heteroskedasticity-robust (HC3 x N/(N-K))": "异方差稳健标准误（HC3 x N/(N-K)）",
}

#: Newey-West and Driscoll-Kraay labels ("Newey-West (year, lag 2)") in Chinese.
_HAC_ZH = {"Newey-West": "Newey-West 标准误", "Driscoll-Kraay": "Driscoll-Kraay 标准误"}

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


DEPVAR_SEPARATORS: dict[str, str] = {"en": ": ", "zh": "："}
"""What separates "Dependent variable" from the variable's label in a heading."""


def depvar_heading(label: str, lang: str = "en") -> str:
    """The heading above columns that share one dependent variable.

    ``depvar_heading("y", "en")`` gives "Dependent variable: y"; in Chinese
    "被解释变量：y". :func:`split_depvar_heading` takes it apart again.
    """
    return f"{word('depvar', lang)}{DEPVAR_SEPARATORS[lang]}{label}"


def split_depvar_heading(text: str) -> tuple[str, str] | None:
    """``(word, label)`` of a heading made by :func:`depvar_heading`, else None.

    Writers that cannot span a cell over several columns (Markdown) put the
    word in the stub column and the label in each column.

    Examples
    --------
    >>> split_depvar_heading("被解释变量：高技术出口")
    ('被解释变量', '高技术出口')
    >>> split_depvar_heading("Panel A") is None
    True
    """
    for lang in LANGS:
        head = word("depvar", lang) + DEPVAR_SEPARATORS[lang]
        if text.startswith(head) and len(text) > len(head):
            return head[: -len(DEPVAR_SEPARATORS[lang])], text[len(head):]
    return None


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
    for name, zh in _HAC_ZH.items():
        if label.startswith(f"{name} (") and label.endswith(")"):
            inner = label[len(name) + 2:-1].replace("lag", "滞后")
            return f"{zh}（{inner.replace(', ', '，')}）"
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


# ----------------------------------------------------------------------------- model notes
# The notes that models record (``result.spec.notes``) and that columns add, in English as
# the models write them; a Chinese table shows them through :func:`translate_note`.

F_KINDS_ZH: dict[str, str] = {
    "conventional first-stage F of the excluded instruments (Cragg-Donald Wald F with one "
    "endogenous regressor)": "排除的工具变量的常规第一阶段 F 值（仅一个内生变量时即 "
                             "Cragg-Donald Wald F）",
    "heteroskedasticity-robust first-stage Wald F of the excluded instruments (Kleibergen-Paap "
    "rk Wald F with one endogenous regressor)": "排除的工具变量的异方差稳健第一阶段 Wald F 值"
                                                "（仅一个内生变量时即 Kleibergen-Paap rk Wald F）",
    "cluster-robust first-stage Wald F of the excluded instruments (Kleibergen-Paap rk Wald F "
    "with one endogenous regressor)": "排除的工具变量的聚类稳健第一阶段 Wald F 值（仅一个内生变量"
                                      "时即 Kleibergen-Paap rk Wald F）",
}
"""The first-stage F types a 2SLS note names (``hitex.models.iv``), in Chinese."""

_NAMES = r"'[^']*'(?:, '[^']*')*"


def _names_zh(text: str) -> str:
    """"'a', 'b'" as "'a'、'b'"."""
    return text.replace("', '", "'、'")


def _number_zh(text: str) -> str | None:
    return "无法计算" if text == "undefined" else text


def _iv_2sls(m: re.Match[str]) -> str | None:
    kind = F_KINDS_ZH.get(m["kind"])
    if kind is None:
        return None
    return (f"2SLS：{_names_zh(m['endog'])} 以 {_names_zh(m['inst'])} 为工具变量；"
            f"第一阶段 F 值 = {_number_zh(m['f'])}，为{kind}。")


def _kclass_name(text: str) -> str | None:
    if text == "LIML":
        return "LIML（有限信息最大似然）"
    fuller = re.fullmatch(r"Fuller \(alpha = ([^)]+)\)", text)
    if fuller:
        return f"Fuller 修正 LIML（alpha = {fuller[1]}）"
    kclass = re.fullmatch(r"k-class \(k = ([^)]+)\)", text)
    return f"k 类估计（k = {kclass[1]}）" if kclass else None


def _iv_kclass(m: re.Match[str]) -> str | None:
    name = _kclass_name(m["est"])
    if name is None:
        return None
    parts = [f"k 类工具变量估计：{name}；{_names_zh(m['endog'])} 以 {_names_zh(m['inst'])} "
             "为工具变量"]
    if m["lam"]:
        parts.append(f"lambda = {m['lam']}" + (f"，k = {m['k']}" if m["k"] else ""))
    if m["coviv"]:
        parts.append("方差采用 2SLS 形式（coviv）")
    return "；".join(parts) + "。"


def _few_clusters(m: re.Match[str]) -> str | None:
    pairs = re.findall(r"'([^']*)' has (\d+)", m["listed"])
    if not pairs:
        return None
    listed = "、".join(f"'{name}' 仅有 {g} 个聚类" for name, g in pairs)
    return (f"聚类数过少：{listed}，少于 {m['min']} 个；聚类过少时聚类稳健标准误通常偏小、p 值偏低。"
            "请按组数更多的变量聚类（研究文件中写 vcov: {CRV1: 变量名}，如面板个体或国家对），"
            "或谨慎解读这些标准误。")


def _regressor_label(text: str) -> str:
    """"'C(year)' (all 9 columns)" / "'a', 'b' (of 'C(x)')" in Chinese."""
    text = re.sub(r" \(all (\d+) columns\)", r"（全部 \1 列）", text)
    return _names_zh(re.sub(r" \(of ('[^']*')\)", r"（属于 \1）", text))


def _absorbed(m: re.Match[str]) -> str | None:
    fe = m["fe"].replace("^", " × ")
    return (f"解释变量 {_regressor_label(m['label'])} 已剔除：被 {fe} 固定效应吸收（在 {fe} "
            "组内不变，其效应无法与固定效应区分）。请从公式中删去该变量，或去掉 "
            f"{fe} 固定效应以估计它。")


def _collinear(m: re.Match[str]) -> str | None:
    return (f"解释变量 {_regressor_label(m['label'])} 已剔除：与其他解释变量共线（为其线性组合，"
            "效应无法区分）。请从公式中删去该变量或与之重复的解释变量。")


def _dropped_instrument(m: re.Match[str]) -> str | None:
    return (f"工具变量已剔除：'{m['name']}' 在固定效应组内不变（被吸收），模型以其余工具变量估计；"
            "请从公式的工具变量部分删去该变量。")


def _separation(m: re.Match[str]) -> str | None:
    detail = m["detail"].replace(": ", "：").replace(", ", "、")
    return (f"剔除 {m['n']} 个观测值：其所在固定效应组的被解释变量全为零，可被完全预测"
            f"（{detail}）。")


def _rectifier(m: re.Match[str]) -> str | None:
    return f"剔除 {m['n']} 个观测值：迭代整流（iterated rectifier）检验判定其为分离观测值。"


def _missing_keys(m: re.Match[str]) -> str | None:
    counts = m["counts"].replace(": ", "：").replace(", ", "、")
    return (f"{m['n']} 行在 {counts} 中有缺失值，无法放入面板，已剔除（不计入个体与观测值）；"
            "请补齐或删去这些行。")


def _unbalanced(m: re.Match[str]) -> str | None:
    return (f"{m['n']} 个个体并非每期都有观测（或 '{m['outcome']}' 缺失），为平衡面板已剔除"
            "（did 的默认做法）。")


def _placebo(m: re.Match[str]) -> str | None:
    return (f"模型：{m['formula']}。每次抽样随机选取与真实处理组数量相同的城市作为处理组，保留"
            "真实的政策实施年份；双向固定效应模型通过一次去均值重新估计（Frisch-Waugh-Lovell "
            "定理）。")


def _mediation_caution(m: re.Match[str]) -> str | None:
    return ("间接效应为三步法（总效应；处理变量对各中介变量；结果变量对处理变量与中介变量）"
            "得到的 a*b。中介方程本身也可能存在内生性与遗漏变量，除非在给定处理变量与控制变量时"
            "中介变量近似随机分配（序贯可忽略性，Imai, Keele and Tingley 2010）或有其自身的工具"
            "变量或实验，否则 a*b 并非因果识别；参见江艇（2022，《中国工业经济》）关于因果推断"
            "中的中介效应与调节效应的讨论。")


def _psm(m: re.Match[str]) -> str | None:
    return f"倾向得分匹配（{m['method']}）：处理组平均处理效应（ATT）；观测值为匹配样本的个体数。"


def _callaway(m: re.Match[str]) -> str | None:
    kinds = {"simple": "简单", "group": "分组", "dynamic": "动态", "calendar": "日历时间"}
    kind = kinds.get(m["kind"])
    if kind is None:
        return None
    return (f"Callaway-Sant'Anna 平均处理效应（ATT，{kind}加总）；观测值为个体数；p 值基于"
            "正态分布。")


def _event(m: re.Match[str]) -> str | None:
    return (f"事件研究（{m['what']}）：rel_mK 与 rel_pK 分别为处理前、后第 K 期的效应，以第 "
            f"{m['ref']} 期为基准。")


NOTE_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (re.compile(rf"2SLS: (?P<endog>{_NAMES}) instrumented by (?P<inst>{_NAMES}); first-stage "
                r"F = (?P<f>[-\d.,]+|undefined), the (?P<kind>.+)\."), _iv_2sls),
    (re.compile(rf"k-class IV: (?P<est>[^;]+); (?P<endog>{_NAMES}) instrumented by "
                rf"(?P<inst>{_NAMES})(?:; lambda = (?P<lam>[-\d.]+)(?:, k = (?P<k>[-\d.]+))?)?"
                r"(?P<coviv>; variance with the 2SLS bread \(coviv\))?\."), _iv_kclass),
    (re.compile(r"Few clusters: (?P<listed>.+?) cluster\(s\), fewer than (?P<min>\d+); with so "
                r"few clusters cluster-robust standard errors are usually too small and p-values "
                r"too low\. .*"), _few_clusters),
    (re.compile(r"regressor (?P<label>.+?) dropped: absorbed by the (?P<fe>\S+) fixed effect "
                r"\(it does not vary within \S+ groups, so its effect cannot be told apart from "
                r"the fixed effect\)\. Remove it from the formula, or drop the \S+ fixed effect "
                r"to estimate it\."), _absorbed),
    (re.compile(r"regressor (?P<label>.+?) dropped: collinear with other regressors \(a linear "
                r"combination of them, so its effect cannot be told apart from theirs\)\. "
                r"Remove it, or a regressor it duplicates, from the formula\."), _collinear),
    (re.compile(r"Instrument dropped: '(?P<name>[^']*)' does not vary within the fixed-effect "
                r"groups \(absorbed\), so the model was estimated with the other instruments; "
                r"remove it from the IV part of the formula\."), _dropped_instrument),
    (re.compile(r"(?P<n>[\d,]+) observation\(s\) dropped: their fixed-effect group has a zero "
                r"outcome throughout, so they are perfectly predicted \((?P<detail>.*)\)\."),
     _separation),
    (re.compile(r"(?P<n>[\d,]+) observation\(s\) dropped as separated by the iterated-rectifier "
                r"check\."), _rectifier),
    (re.compile(r"(?P<n>[\d,]+) row\(s\) with a missing value in (?P<counts>.+?) cannot be "
                r"placed in the panel and are dropped \(not counted as units or observations\); "
                r"fill or remove them\."), _missing_keys),
    (re.compile(r"(?P<n>[\d,]+) unit\(s\) are not observed \(or have a missing "
                r"'(?P<outcome>[^']*)'\) in every period and are dropped to balance the panel "
                r"\(did's default\)\."), _unbalanced),
    (re.compile(r"Propensity-score matching \((?P<method>[^)]*)\): ATT on the treated; N counts "
                r"the units of the matched sample\."), _psm),
    (re.compile(r"Callaway-Sant'Anna ATT \((?P<kind>\w+) aggregation\); N counts units; "
                r"p-values from the normal distribution\."), _callaway),
    (re.compile(r"Event study \((?P<what>[^)]*)\): rel_mK and rel_pK are the effects K periods "
                r"before and after treatment, relative to period (?P<ref>-?\d+)\."), _event),
    (re.compile(r"Formula: (?P<formula>.+)\. Each draw gives the treatment to as many randomly "
                r"drawn cities as are truly treated, keeping the true adoption years; TWFE "
                r"re-estimated by demeaning once \(Frisch-Waugh-Lovell\)\.", re.S), _placebo),
    (re.compile(r"Indirect effects are a\*b from the three-step procedure .* on mediating and "
                r"moderating effects in causal inference\.", re.S), _mediation_caution),
)
"""Known notes of models and columns: ``(pattern, builder)``; the builder gives the Chinese
note, or None when a part of the note has no Chinese wording (then the note stays whole)."""


#: Column headers of hitex's statistics tables (placebo, balance, marginal effects,
#: staggered DiD) in Chinese; a header not listed is kept as written.
HEADERS_ZH: dict[str, str] = {
    "variable": "变量", "statistic": "统计量", "value": "数值", "estimate": "估计值",
    "std_error": "标准误", "p_value": "p值", "conf_low": "置信区间下限",
    "conf_high": "置信区间上限", "estimator": "估计方法", "N": "观测值",
    "moderator": "调节变量取值", "mean_treated_before": "匹配前处理组均值",
    "mean_control_before": "匹配前对照组均值", "smd_before": "匹配前标准化偏差",
    "var_ratio_before": "匹配前方差比", "mean_treated_after": "匹配后处理组均值",
    "mean_control_after": "匹配后对照组均值", "smd_after": "匹配后标准化偏差",
    "var_ratio_after": "匹配后方差比",
}

#: Row labels of hitex's statistics tables in Chinese (the placebo test's summary, the
#: Callaway-Sant'Anna aggregations); a label not listed is kept as written.
ROWS_ZH: dict[str, str] = {
    "True estimate": "真实估计值",
    "Standard error (clustered by unit)": "标准误（按个体聚类）",
    "Placebo draws": "安慰剂抽样次数", "Seed": "随机数种子",
    "Treated units re-drawn": "每次抽取的处理组个体数",
    "Placebo mean": "安慰剂估计值均值", "Placebo SD": "安慰剂估计值标准差",
    "Placebo 2.5%": "安慰剂估计值2.5%分位数", "Placebo median": "安慰剂估计值中位数",
    "Placebo 97.5%": "安慰剂估计值97.5%分位数",
    "p-value, two-sided (|placebo| >= |true|)": "双侧p值（|安慰剂| ≥ |真实值|）",
    "p-value, placebo >= true": "p值（安慰剂 ≥ 真实值）",
    "p-value, placebo <= true": "p值（安慰剂 ≤ 真实值）",
    "Callaway-Sant'Anna ATT, simple aggregation": "Callaway-Sant'Anna ATT（简单加总）",
    "Callaway-Sant'Anna ATT, group aggregation": "Callaway-Sant'Anna ATT（按组加总）",
    "Callaway-Sant'Anna ATT, calendar aggregation": "Callaway-Sant'Anna ATT（按时期加总）",
    "Callaway-Sant'Anna ATT, dynamic aggregation": "Callaway-Sant'Anna ATT（动态加总）",
}

#: Row labels with a name inside (the mediation rows), as patterns, in Chinese.
ROW_PATTERNS_ZH: tuple[tuple[str, str], ...] = (
    (r"^Indirect effect \((.+)\)$", r"间接效应（\1）"),
    (r"^Sobel z \(p\) \((.+)\)$", r"Sobel z 值（p 值）（\1）"),
    (r"^Bootstrap (\S+) CI \((.+)\)$", r"自助法 \1 置信区间（\2）"),
    (r"^Bootstrap draws$", "自助法抽样次数"),
    (r"^Proportion mediated$", "中介效应占比"),
)

#: Endings hitex gives a table's title for its companion tables, in Chinese.
TITLE_ENDINGS_ZH: tuple[tuple[str, str], ...] = (
    (r": covariate balance, matched once$", "：协变量平衡性（一次匹配）"),
    (r": covariate balance, matched by year$", "：协变量平衡性（逐年匹配）"),
    (r": covariate balance$", "：协变量平衡性"),
    (r": marginal effect of (.+)$", r"：\1的边际效应"),
)


def translate_note(note: str, lang: str = "en") -> str:
    """A note a model recorded, in the table's language.

    Parameters
    ----------
    note : str
        The note as the model wrote it (English), e.g. "2SLS: 'x' instrumented by
        'z'; first-stage F = 12.30, the conventional first-stage F ...".
    lang : {"en", "zh"}
        The table's language.

    Returns
    -------
    str
        ``note`` itself in English; in Chinese the translation of a known note
        (:data:`NOTE_PATTERNS`: 2SLS and k-class IV, few clusters, absorbed,
        collinear and separated observations, dropped instruments, rows dropped
        for missing keys or balance, matching, Callaway-Sant'Anna and event-study
        columns). A note not known, or with a part that has no Chinese wording,
        is kept whole as recorded, never half translated.

    Examples
    --------
    >>> translate_note("2SLS: 'dti' instrumented by 'iv'; first-stage F = 25.10, the "
    ...                "conventional first-stage F of the excluded instruments (Cragg-Donald "
    ...                "Wald F with one endogenous regressor).", "zh")
    "2SLS：'dti' 以 'iv' 为工具变量；第一阶段 F 值 = 25.10，为排除的工具变量的常规第一阶段 F 值（仅一个内生变量时即 Cragg-Donald Wald F）。"
    """
    if check_lang(lang) == "en":
        return note
    for pattern, build in NOTE_PATTERNS:
        match = pattern.fullmatch(note.strip())
        if match is not None:
            text = build(match)
            if text is not None:
                return text
    return note


__all__ = ["DEPVAR_SEPARATORS", "LANGS", "TIME_NAMES", "UNDER_NOTES", "WORDS", "check_lang",
           "depvar_heading", "fe_row_label", "is_time_effect", "split_depvar_heading",
           "star_note", "translate_note", "under_note", "vcov_words", "word", "F_KINDS_ZH",
           "HEADERS_ZH", "ROWS_ZH", "ROW_PATTERNS_ZH", "TITLE_ENDINGS_ZH",
           "NOTE_PATTERNS"]
