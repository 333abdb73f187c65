"""Tests of hitex.indicators.innovation: DTI, keyword frequency, distances, the instrument.

Expected values are worked out by hand in the comments, or come from published
distances and from formulas written out here independently of the code.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    HitexWarning,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators import innovation as inn


def _panel(values: dict[tuple[int, int], float], col: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"province_code": u, "year": t, col: v} for (u, t), v in values.items()]
    )


# --------------------------------------------------------------------------- DTI
def test_dti_hand_computed_values_and_units() -> None:
    patents = _panel({(33, 2020): 999, (33, 2021): 38, (44, 2020): 0}, "patents")
    # Population in 10,000 persons (NBS 万人): 100 -> 1,000,000 persons; 200 -> 2,000,000.
    population = _panel({(33, 2020): 100.0, (33, 2021): 200.0, (44, 2020): 50.0}, "population")
    out = inn.digital_innovation(patents, population, population_unit="10k_persons")
    # 999 / 1e6 persons * 1e6 = 999 per million -> ln(1 + 999) = ln 1000 = 3 ln 10 = 6.907755278982137
    # 38 / 2e6 * 1e6 = 19 per million -> ln 20 = 2.995732273553991; 0 patents -> ln 1 = 0.
    assert out["dti"].tolist() == pytest.approx([6.907755278982137, 2.995732273553991, 0.0], rel=1e-12)
    assert out["patents_per_million"].tolist() == pytest.approx([999.0, 19.0, 0.0])
    assert out["population_persons"].tolist() == [1e6, 2e6, 5e5]
    assert list(out.columns) == ["province_code", "year", "patents", "population_persons",
                                 "patents_per_million", "dti"]
    # The same populations in persons, in millions and as a number of persons per unit.
    persons = population.assign(population=population["population"] * 1e4)
    millions = population.assign(population=population["population"] / 100)
    for pop, unit in ((persons, "persons"), (millions, "million_persons"), (population, 1e4),
                      (population, "万人")):
        again = inn.digital_innovation(patents, pop, population_unit=unit)
        assert again["dti"].tolist() == pytest.approx(out["dti"].tolist(), rel=1e-12)


def test_dti_per_kind_series_and_missing_patents() -> None:
    patents = _panel({(33, 2021): 38, (35, 2021): float("nan")}, "patent_grants")
    population = _panel({(33, 2021): 2_000_000, (35, 2021): 1_000_000}, "population")
    out = inn.digital_innovation(patents, population, population_unit="persons", per=1e5, kind="grants")
    # 38 / 2e6 * 1e5 = 1.9 per 100,000 -> ln 2.9 = 1.0647107369924282
    assert out["dtig"].iloc[0] == pytest.approx(1.0647107369924282, rel=1e-12)
    assert "patents_per_100000" in out.columns
    assert math.isnan(out["dtig"].iloc[1])
    pat_s = patents.set_index(["province_code", "year"])["patent_grants"]
    pop_s = population.set_index(["province_code", "year"])["population"]
    from_series = inn.digital_innovation(pat_s, pop_s, population_unit="persons", per=1e5,
                                         kind="grants", name="x")
    assert from_series["x"].iloc[0] == pytest.approx(1.0647107369924282, rel=1e-12)
    # Default patents column for applications is "patent_applications"; "patents" is the fallback.
    apps = patents.rename(columns={"patent_grants": "patent_applications"})
    assert inn.digital_innovation(apps, population, population_unit="persons")["dti"].iloc[0] == (
        pytest.approx(math.log(1 + 19)))


def test_dti_missing_population_names_unit_and_year() -> None:
    patents = _panel({(33, 2020): 10, (33, 2021): 12, (44, 2021): 5}, "patents")
    population = _panel({(33, 2020): 6468.0}, "population")
    with pytest.raises(HitexError, match="No population for 33 2021, 44 2021") as err:
        inn.digital_innovation(patents, population, population_unit="10k_persons")
    assert "'population'" in str(err.value)
    population_nan = _panel({(33, 2020): 6468.0, (33, 2021): float("nan"), (44, 2021): 1.0}, "population")
    with pytest.raises(HitexError, match="No population for 33 2021"):
        inn.digital_innovation(patents, population_nan, population_unit="10k_persons")


def test_dti_bad_values_raise() -> None:
    population = _panel({(33, 2020): 100.0, (44, 2020): 100.0}, "population")
    negative = _panel({(33, 2020): 10, (44, 2020): -1}, "patents")
    with pytest.raises(HitexError, match=r"negative for 44 2020"):
        inn.digital_innovation(negative, population, population_unit="10k_persons")
    patents = _panel({(33, 2020): 10, (44, 2020): 1}, "patents")
    zero_pop = _panel({(33, 2020): 100.0, (44, 2020): 0.0}, "population")
    with pytest.raises(HitexError, match=r"zero or negative for 44 2020"):
        inn.digital_innovation(patents, zero_pop, population_unit="10k_persons")
    text = patents.astype({"patents": object})
    text.loc[1, "patents"] = "n/a"
    with pytest.raises(NonNumericError, match="'patents'"):
        inn.digital_innovation(text, population, population_unit="10k_persons")
    duplicated = pd.concat([patents, patents.iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError, match="33 2020") as info:
        inn.digital_innovation(duplicated, population, population_unit="10k_persons")
    assert "33 2020, 33 2020" not in str(info.value)  # the key is listed once
    with pytest.raises(ColumnNotFoundError, match="population_col"):
        inn.digital_innovation(patents, population.rename(columns={"population": "pop"}),
                               population_unit="10k_persons")
    with pytest.raises(ColumnNotFoundError, match="patent_applications"):
        inn.digital_innovation(patents.rename(columns={"patents": "n"}), population,
                               population_unit="10k_persons")
    with pytest.raises(EmptySampleError):
        inn.digital_innovation(patents.iloc[:0], population, population_unit="10k_persons")
    with pytest.raises(HitexError, match="population_unit='thousands'"):
        inn.digital_innovation(patents, population, population_unit="thousands")
    for bad_unit in (-1.0, None):
        with pytest.raises(HitexError, match="positive number of persons"):
            inn.digital_innovation(patents, population, population_unit=bad_unit)  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="kind"):
        inn.digital_innovation(patents, population, population_unit="persons", kind="valid")  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="per="):
        inn.digital_innovation(patents, population, population_unit="persons", per=0)
    with pytest.raises(SpecificationError, match="two-level"):
        inn.digital_innovation(pd.Series([1.0]), population, population_unit="persons")


def test_dti_warns_when_population_unit_looks_wrong() -> None:
    patents = _panel({(33, 2020): 500_000}, "patents")
    population = _panel({(33, 2020): 6468.0}, "population")  # 万人 given as persons
    with pytest.warns(HitexWarning, match="population_unit"):
        inn.digital_innovation(patents, population, population_unit="persons")


# --------------------------------------------------------------------------- keywords
REPORT_ZH = "加快发展数字经济，推进数字政府建设。发展人工智能和大数据。"
KEYWORDS_ZH = ["数字经济", "人工智能", "大数据"]


def test_keyword_frequency_chinese_characters() -> None:
    # Han characters: 加快发展数字经济 (8) + 推进数字政府建设 (8) + 发展人工智能和大数据 (10) = 26;
    # hits: 数字经济, 人工智能, 大数据 once each = 3.
    counts = inn.keyword_counts(REPORT_ZH, KEYWORDS_ZH, by_keyword=True)
    assert counts.loc[0, ["keyword_hits", "word_count"]].tolist() == [3, 26]
    assert counts.loc[0, KEYWORDS_ZH].tolist() == [1, 1, 1]
    assert inn.keyword_frequency(REPORT_ZH, KEYWORDS_ZH) == pytest.approx(3 / 26)
    assert inn.keyword_frequency(REPORT_ZH, KEYWORDS_ZH, segmenter="chars") == pytest.approx(3 / 26)


def test_keyword_rules_chinese() -> None:
    # Longest keyword first, no overlaps: 数字经济 | 和 | 数字 | 政府 -> 2 hits, 9 characters.
    assert inn.keyword_frequency("数字经济和数字政府", ["数字", "数字经济"]) == pytest.approx(2 / 9)
    # Line breaks inside a word are removed: 1 hit in 4 characters.
    assert inn.keyword_frequency("数字\n经 济", "数字经济") == pytest.approx(1 / 4)
    # Full-width Latin and case: "５Ｇ" matches "5g"; digits/letters are not characters: 推进网络 = 4.
    assert inn.keyword_frequency("推进５Ｇ网络", ["5g"]) == pytest.approx(1 / 4)
    # 〇 is a Han character: 二〇二三年 = 5 characters.
    assert inn.keyword_frequency("二〇二三年", ["年"]) == pytest.approx(1 / 5)


def test_keyword_frequency_chinese_jieba() -> None:
    pytest.importorskip("jieba")
    # jieba (keywords added to its dictionary) cuts the report as
    # 加快/发展/数字经济/，/推进/数字/政府/建设/。/发展/人工智能/和/大数据/。
    # -> 11 word tokens (3 punctuation tokens are not words), 3 keyword hits.
    counts = inn.keyword_counts(REPORT_ZH, KEYWORDS_ZH, segmenter="jieba")
    assert counts.loc[0, ["keyword_hits", "word_count"]].tolist() == [3, 11]
    assert inn.keyword_frequency(REPORT_ZH, KEYWORDS_ZH, segmenter="jieba") == pytest.approx(3 / 11)


def test_jieba_missing_tells_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    inn._jieba_tokenizer.cache_clear()
    monkeypatch.setitem(sys.modules, "jieba", None)
    try:
        with pytest.raises(HitexError, match="pip install jieba"):
            inn.keyword_frequency(REPORT_ZH, ["未见过的关键词"], segmenter="jieba")
    finally:
        inn._jieba_tokenizer.cache_clear()


def test_keyword_frequency_english() -> None:
    text = "Digital economy and the DIGITAL ECONOMY drive e-commerce. Artificial intelligence, too!"
    # Words: Digital economy and the DIGITAL ECONOMY drive e-commerce Artificial intelligence too = 11;
    # hits: "digital economy" 2, "e-commerce" 1, "artificial intelligence" 1 = 4.
    keywords = ["digital economy", "e-commerce", "Artificial Intelligence"]
    counts = inn.keyword_counts(text, keywords, language="en", by_keyword=True)
    assert counts.loc[0, ["keyword_hits", "word_count"]].tolist() == [4, 11]
    assert counts.loc[0, ["digital economy", "e-commerce", "artificial intelligence"]].tolist() == [2, 1, 1]
    assert inn.keyword_frequency(text, keywords, language="en") == pytest.approx(4 / 11)
    # Longest first without overlap: "digital economy" | and | the | "economy" -> 2 hits in 5 words.
    nested = inn.keyword_frequency("digital economy and the economy", ["economy", "digital economy"],
                                   language="en")
    assert nested == pytest.approx(2 / 5)
    # An apostrophe stays inside the word: China's | digital | economy = 3 words.
    assert inn.keyword_frequency("China's digital economy", ["digital economy"], language="en") == (
        pytest.approx(1 / 3))


def test_keyword_frequency_series() -> None:
    texts = pd.Series({"Zhejiang 2020": "发展数字经济", "Anhui 2020": None, "Hubei 2020": "数字经济数字经济"})
    out = inn.keyword_frequency(texts, ["数字经济"])
    assert isinstance(out, pd.Series) and list(out.index) == list(texts.index)
    # 1 / 6 characters; missing text -> NaN; 2 / 8 characters.
    assert out.iloc[0] == pytest.approx(1 / 6) and math.isnan(out.iloc[1]) and out.iloc[2] == pytest.approx(2 / 8)
    # A text without Han characters has W = 0: its frequency 0/0 is missing, the others stay.
    out = inn.keyword_frequency(pd.Series({"Zhejiang 2020": "数字", "Hubei 2020": "5G!"}), ["数字"])
    assert out.iloc[0] == 1 / 2 and math.isnan(out.iloc[1])
    with pytest.raises(EmptySampleError, match="has no Han characters"):
        inn.keyword_frequency(pd.Series({"Zhejiang 2020": "", "Hubei 2020": "5G!"}), ["数字"])


def test_keyword_errors() -> None:
    with pytest.raises(SpecificationError, match="language"):
        inn.keyword_frequency("text", ["x"], language="fr")  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="Chinese only"):
        inn.keyword_frequency("text", ["x"], language="en", segmenter="chars")
    with pytest.raises(SpecificationError, match="segmenter"):
        inn.keyword_frequency("文本", ["文"], segmenter="words")  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="empty"):
        inn.keyword_frequency("文本", [])
    with pytest.raises(SpecificationError, match="blank"):
        inn.keyword_frequency("文本", ["文", " "])
    with pytest.raises(SpecificationError, match="strings"):
        inn.keyword_frequency("文本", ["文", 3])  # type: ignore[list-item]
    with pytest.raises(HitexError, match="string"):
        inn.keyword_frequency(42, ["文"])  # type: ignore[arg-type]
    with pytest.raises(HitexError, match="at 1"):
        inn.keyword_frequency(pd.Series(["文本", 7]), ["文"])
    with pytest.raises(EmptySampleError, match="no words"):
        inn.keyword_frequency("!!!", ["x"], language="en")


# --------------------------------------------------------------------------- distances
def _law_of_cosines_km(lat1: float, lon1: float, lat2: float, lon2: float, radius: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return radius * math.acos(max(-1.0, min(1.0, c)))


def _dms(d: int, m: int, s: float) -> float:
    return d + m / 60 + s / 3600


def test_haversine_rosetta_code_published_values() -> None:
    # Rosetta Code "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    # 2886.44444283798329974715782394574671655 km for R = 6371.0 and
    # 2887.25995060711033944886005029688505340 km for R = 6372.8.
    assert inn.great_circle_km(36.12, -86.67, 33.94, -118.40, radius_km=6371.0) == pytest.approx(
        2886.444442837983, rel=1e-12)
    assert inn.great_circle_km(36.12, -86.67, 33.94, -118.40, radius_km=6372.8) == pytest.approx(
        2887.2599506071103, rel=1e-12)


def test_haversine_beijing_shanghai_airports() -> None:
    # aircalculator.com (PVG-PEK route page): PEK 40°4'47"N 116°35'3"E, PVG 31°8'35"N 121°48'19"E,
    # great-circle distance 1,100 km (rounded to the km). Tolerance 1 km: rounding of the
    # published figure (0.5 km) plus the choice of Earth radius (about 0.2 km at this distance).
    pek = (_dms(40, 4, 47), _dms(116, 35, 3))
    pvg = (_dms(31, 8, 35), _dms(121, 48, 19))
    d = inn.great_circle_km(*pek, *pvg)
    assert d == pytest.approx(1100, abs=1.0)
    # airmilescalculator.com (PEK-PVG): 1098.020 km by Vincenty's ellipsoidal formula; a sphere is
    # within 0.5 % of the ellipsoid.
    assert d == pytest.approx(1098.020, rel=5e-3)


def test_haversine_matches_law_of_cosines_and_properties() -> None:
    rng = np.random.default_rng(2004)
    lat1, lat2 = rng.uniform(-80, 80, 200), rng.uniform(-80, 80, 200)
    lon1, lon2 = rng.uniform(-180, 180, 200), rng.uniform(-180, 180, 200)
    got = inn.great_circle_km(lat1, lon1, lat2, lon2)
    expected = [_law_of_cosines_km(a, b, c, d, 6371.0088) for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
    assert isinstance(got, np.ndarray) and got.shape == (200,)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-4)
    assert inn.great_circle_km(30.0, 120.0, 30.0, 120.0) == 0.0
    assert inn.great_circle_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0088, rel=1e-12)
    assert inn.great_circle_km(10, 20, 30, 40) == pytest.approx(inn.great_circle_km(30, 40, 10, 20), rel=1e-12)
    assert math.isnan(inn.great_circle_km(float("nan"), 0.0, 0.0, 0.0))


def test_haversine_errors() -> None:
    with pytest.raises(HitexError, match=r"lat1 .*\(lat1, lon1, lat2, lon2\)"):
        inn.great_circle_km(120.16, 30.29, 31.2, 121.5)  # longitude and latitude swapped
    with pytest.raises(HitexError, match="lon2"):
        inn.great_circle_km(30.0, 120.0, 31.0, 400.0)
    with pytest.raises(NonNumericError, match="lat2"):
        inn.great_circle_km(30.0, 120.0, "north", 121.0)


# --------------------------------------------------------------------------- instrument
# GeoNames city-centre coordinates (cities15000): Hangzhou 1808926, Shanghai 1796236, Hefei 1808722.
HANGZHOU = (30.29365, 120.16142)
SHANGHAI = (31.22222, 121.45806)
HEFEI = (31.86389, 117.28083)


def test_policy_instrument_two_provinces() -> None:
    freq = pd.DataFrame({"province": ["Shanghai", "安徽"], "year": [2020, 2020],
                         "keyword_frequency": [0.02, 0.01]})
    out = inn.policy_instrument(freq, "province")
    d_sh = _law_of_cosines_km(*SHANGHAI, *HANGZHOU, 6371.0088)
    d_ah = _law_of_cosines_km(*HEFEI, *HANGZHOU, 6371.0088)
    assert 150 < d_sh < 175 and 310 < d_ah < 340  # Shanghai-Hangzhou ~161 km, Hefei-Hangzhou ~325 km
    assert out["province_code"].tolist() == [31, 34]
    assert out["distance_km"].tolist() == pytest.approx([d_sh, d_ah], rel=1e-9)
    assert out["dti_iv"].tolist() == pytest.approx([0.02 / d_sh, 0.01 / d_ah], rel=1e-9)
    assert list(freq.columns) == ["province", "year", "keyword_frequency"]  # input untouched
    by_zh = inn.policy_instrument(freq, "province", reference="杭州")
    by_xy = inn.policy_instrument(freq, "province", reference=HANGZHOU)
    assert by_zh["dti_iv"].tolist() == pytest.approx(out["dti_iv"].tolist(), rel=1e-12)
    assert by_xy["dti_iv"].tolist() == pytest.approx(out["dti_iv"].tolist(), rel=1e-12)


def test_policy_instrument_reference_province_distance_zero() -> None:
    freq = pd.DataFrame({"province_code": [33, 31], "f": [0.03, float("nan")]})
    with pytest.raises(HitexError, match="Zhejiang.*min_distance_km"):
        inn.policy_instrument(freq, "province_code", frequency_col="f")
    out = inn.policy_instrument(freq, "province_code", frequency_col="f", min_distance_km=122.0, name="iv")
    assert out.loc[0, "distance_km"] == 122.0 and out.loc[0, "iv"] == pytest.approx(0.03 / 122.0)
    # Shanghai is farther than the floor, so keeps its distance; a missing frequency stays missing.
    assert out.loc[1, "distance_km"] == pytest.approx(_law_of_cosines_km(*SHANGHAI, *HANGZHOU, 6371.0088))
    assert math.isnan(out.loc[1, "iv"])


def test_policy_instrument_errors() -> None:
    freq = pd.DataFrame({"province": ["Shanghai"], "keyword_frequency": [0.02]})
    with pytest.raises(ColumnNotFoundError, match="'prov'"):
        inn.policy_instrument(freq, "prov")
    with pytest.raises(ColumnNotFoundError, match="frequency_col"):
        inn.policy_instrument(freq, "province", frequency_col="kf")
    with pytest.raises(HitexError, match="Shangahi"):
        inn.policy_instrument(freq.assign(province="Shangahi"), "province")
    with pytest.raises(NonNumericError, match="keyword_frequency"):
        inn.policy_instrument(freq.assign(keyword_frequency="0.02"), "province")
    with pytest.raises(HitexError, match="negative"):
        inn.policy_instrument(freq.assign(keyword_frequency=-0.1), "province")
    with pytest.raises(HitexError, match="Shenzhen"):
        inn.policy_instrument(freq, "province", reference="Shenzhen")
    with pytest.raises(SpecificationError, match="min_distance_km"):
        inn.policy_instrument(freq, "province", min_distance_km=0)


def test_capital_distances_table() -> None:
    table = inn.capital_distances("Hangzhou")
    assert len(table) == 31
    assert table.set_index("province_code").at[33, "distance_km"] == 0.0
    # Urumqi is the capital farthest from Hangzhou.
    assert table.loc[table["distance_km"].idxmax(), "capital_en"] == "Urumqi"
