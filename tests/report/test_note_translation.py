"""Notes that models record, in Chinese tables: translated whole, or kept whole."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hitex
from hitex.report.labels import NOTE_PATTERNS, translate_note

# Words a Chinese note may keep in Latin letters: estimator and statistic names, Stata/R
# option names (journals print them so) and the variables' own names (in quotes).
LATIN_KEPT = {"2SLS", "LIML", "Fuller", "alpha", "lambda", "Cragg-Donald", "Kleibergen-Paap",
              "rk", "Wald", "F", "k", "p", "vcov", "CRV1", "ATT", "iterated", "rectifier",
              "coviv", "did", "Callaway-Sant'Anna", "rel_mK", "rel_pK", "TWFE", "Sun-Abraham",
              "nearest", "K",
              "id", "year", "g", "x", "z", "size"}  # the test data's variables


def _latin_words(text: str) -> set[str]:
    text = re.sub(r"'[^']*'", "", text)  # variable names as the user wrote them
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9_'\-]*", text)
    return {w for w in words if re.search("[A-Za-z]", w)} - LATIN_KEPT


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(12)
    n = 400
    df = pd.DataFrame({"id": np.repeat(range(40), 10), "year": np.tile(range(10), 40)})
    df["z"], df["z2"] = rng.normal(size=n), rng.normal(size=n)
    df["x"] = df["z"] + rng.normal(size=n)
    df["y"] = df["x"] + rng.normal(size=n)
    df["g"], df["size"], df["x2"] = df["id"] % 5, df["id"] * 1.0, 2 * df["x"]
    df["t"] = np.where(df["id"] < 3, 0.0, np.exp(df["x"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "iv_cluster": hitex.panel("y ~ 1 | id + year | x ~ z", df),
            "iv_iid": hitex.panel("y ~ 1 | id + year | x ~ z", df, vcov="iid"),
            "iv_hetero": hitex.panel("y ~ 1 | id + year | x ~ z", df, vcov="hetero"),
            "iv_dropped": hitex.panel("y ~ 1 | id + year | x ~ z + size", df),
            "few": hitex.panel("y ~ x | id + year", df, vcov={"CRV1": "g"}),
            "absorbed": hitex.panel("y ~ x + size | id + year", df),
            "collinear": hitex.panel("y ~ x + x2 | id + year", df),
            "ppml": hitex.gravity("t ~ x | id + year", df, pair="id"),
            "liml": hitex.liml("y ~ 1 | id + year | x ~ z + z2", df),
            "fuller": hitex.liml("y ~ 1 | id + year | x ~ z + z2", df, fuller=1),
        }


def test_every_model_note_has_a_chinese_wording(results):
    for name, res in results.items():
        assert res.spec.notes, name
        for note in res.spec.notes:
            zh = translate_note(note, "zh")
            assert zh != note, (name, note)
            assert not _latin_words(zh), (name, zh, _latin_words(zh))
            names = re.findall(r"'[^']*'", zh)
            assert set(names) <= set(re.findall(r"'[^']*'", note))  # names kept
            assert translate_note(note, "en") == note


def test_numbers_are_carried_over(results):
    note = results["iv_iid"].spec.notes[0]
    zh = translate_note(note, "zh")
    f = re.search(r"first-stage F = ([\d.,]+?), the", note)[1]
    assert f"第一阶段 F 值 = {f}，为排除的工具变量的常规第一阶段 F 值" in zh
    assert "Cragg-Donald" in zh
    assert "聚类稳健" in translate_note(results["iv_cluster"].spec.notes[0], "zh")
    assert "异方差稳健" in translate_note(results["iv_hetero"].spec.notes[0], "zh")
    few = translate_note(results["few"].spec.notes[0], "zh")
    assert few.startswith("聚类数过少：'g' 仅有 5 个聚类，少于 10 个")
    sep = translate_note(results["ppml"].spec.notes[0], "zh")
    assert sep.startswith("剔除 30 个观测值") and "（id：30）" in sep
    assert "lambda = " in translate_note(results["liml"].spec.notes[0], "zh")
    assert "Fuller 修正 LIML（alpha = 1）" in translate_note(results["fuller"].spec.notes[0], "zh")


def test_a_chinese_table_carries_the_translated_notes(results):
    models = [results["iv_cluster"], results["absorbed"], results["few"]]
    zh = hitex.regression_table(models, lang="zh")
    en = hitex.regression_table(models, lang="en")
    model_notes = [n for n in zh.notes if n.startswith("(")]
    assert len(model_notes) == 3
    for note in model_notes:
        assert not _latin_words(note), note
    assert any("2SLS：'x' 以 'z' 为工具变量" in n for n in zh.notes)
    assert any("解释变量 'size' 已剔除：被 id 固定效应吸收" in n for n in zh.notes)
    assert any("instrumented by 'z'" in n for n in en.notes)  # English as recorded


def test_an_unknown_note_stays_whole():
    assert translate_note("Some note hitex does not know.", "zh") == (
        "Some note hitex does not know.")
    odd = "2SLS: 'x' instrumented by 'z'; first-stage F = 3.00, the F of another kind."
    assert translate_note(odd, "zh") == odd  # a part without Chinese: no half translation


def test_every_pattern_is_exercised_somewhere():
    built = [
        "1,234 row(s) with a missing value in 'year': 3 cannot be placed in the panel and are "
        "dropped (not counted as units or observations); fill or remove them.",
        "4 unit(s) are not observed (or have a missing 'y') in every period and are dropped to "
        "balance the panel (did's default).",
        "Propensity-score matching (nearest): ATT on the treated; N counts the units of the "
        "matched sample.",
        "Callaway-Sant'Anna ATT (dynamic aggregation); N counts units; p-values from the "
        "normal distribution.",
        "Event study (TWFE): rel_mK and rel_pK are the effects K periods before and after "
        "treatment, relative to period -1.",
        "2 observation(s) dropped as separated by the iterated-rectifier check.",
        "k-class IV: k-class (k = 0.5); 'x' instrumented by 'z'; variance with the 2SLS bread "
        "(coviv).",
    ]
    for note in built:
        zh = translate_note(note, "zh")
        assert zh != note and not _latin_words(zh), (note, zh)
    assert len(NOTE_PATTERNS) == 15  # the placebo and mediation notes: test below


def test_new_variance_labels_in_chinese():
    from hitex.report.labels import vcov_words

    assert vcov_words("Newey-West (year, lag 2)", "zh") == "Newey-West 标准误（year，滞后 2）"
    assert vcov_words("Driscoll-Kraay (year)", "zh") == "Driscoll-Kraay 标准误（year）"
    assert vcov_words("Conventional (RSS/N)", "zh").startswith("常规标准误")
    assert vcov_words("Heteroskedasticity-robust (HC3 x N/(N-K))", "zh").startswith("异方差稳健")


def test_statistics_tables_in_chinese_keep_numbers_and_unknown_text():
    import pandas as pd

    from hitex.report.tables import frame_table, localised
    from hitex.report.writers import WRITERS

    frame = pd.DataFrame({"statistic": ["True estimate", "Placebo draws", "Own row"],
                          "value": ["-0.0532", "500", "7"]})
    table = frame_table(frame, title="Figure 1. Placebo test: covariate balance, matched once")
    table = dataclasses.replace(table, notes=("A note of the study.",))
    assert localised(table, "en") is table
    zh = localised(table, "zh")
    assert zh.column_labels == ("统计量", "数值")
    assert [r.cells[0].text for r in zh.sections[0].rows] == ["真实估计值", "安慰剂抽样次数",
                                                              "Own row"]
    assert [r.cells[1].text for r in zh.sections[0].rows] == ["-0.0532", "500", "7"]
    assert zh.title == "Figure 1. Placebo test：协变量平衡性（一次匹配）"
    assert zh.notes == ("A note of the study.",)
    marginal = frame_table(frame, title="Table 5: marginal effect of Treat x Post (TP)")
    assert localised(marginal, "zh").title == "Table 5：Treat x Post (TP)的边际效应"
    assert "真实估计值" in WRITERS["txt"](zh)


def test_placebo_and_mediation_texts_in_chinese():
    from hitex.models.mediation import CAUSAL_NOTE
    from hitex.report.tables import Row, Section, Table, localised

    note = ("Formula: y ~ treat_post + x | city + year. Each draw gives the treatment to as many "
            "randomly drawn cities as are truly treated, keeping the true adoption years; TWFE "
            "re-estimated by demeaning once (Frisch-Waugh-Lovell).")
    assert translate_note(note, "zh").startswith("模型：y ~ treat_post + x | city + year。每次抽样")
    assert translate_note(CAUSAL_NOTE, "zh").startswith("间接效应为三步法")
    assert "Imai, Keele and Tingley 2010" in translate_note(CAUSAL_NOTE, "zh")
    rows = [Row.of([label, "0.1"]) for label in (
        "Indirect effect (ln_rd)", "Sobel z (p) (total)", "Bootstrap 95% CI (ln_rd)",
        "Bootstrap draws", "Proportion mediated", "Indirect effect of x")]
    zh = localised(Table(column_labels=("", "(1)"), sections=(Section("mediation",
                                                                        tuple(rows)),)), "zh")
    assert [r.cells[0].text for r in zh.sections[0].rows] == [
        "间接效应（ln_rd）", "Sobel z 值（p 值）（total）", "自助法 95% 置信区间（ln_rd）",
        "自助法抽样次数", "中介效应占比", "Indirect effect of x"]
