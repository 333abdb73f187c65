"""Indicator functions on inputs as users' files deliver them.

Join keys stored differently in two tables (2015, "2015", "2015.0", "2015年";
11, 11.0, "11"), tables indexed on their own id columns, dates as
entry-into-force years, product codes as numbers in text columns, empty texts
and missing provinces. Every expected value is computed here by hand or with
plain pandas, independently of the functions under test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from hitex.data import china
from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
)
from hitex.indicators import (
    CompositeSpec,
    city_export_complexity,
    classify,
    composite_index,
    digital_innovation,
    expy,
    hightech_exports,
    keyword_counts,
    keyword_frequency,
    pair_year_panel,
    policy_instrument,
    prody,
    rca,
)

COLS = {"country": "origin", "product": "hs92", "value": "export_val", "year": "year"}


@pytest.fixture(scope="module")
def sample(reference_dir) -> pd.DataFrame:
    """Growth Lab's test sample: 10 countries x 30 HS92 products x 1995-1996."""
    path = reference_dir / "ecomplexity_growthlab_stata" / "trade_data_sample.csv"
    if not path.is_file():  # pragma: no cover - depends on machine
        pytest.skip(f"{path} not found")
    return pd.read_csv(path, dtype={"origin": str})


@pytest.fixture(scope="module")
def gdp(sample: pd.DataFrame) -> pd.DataFrame:
    keys = sample[["year", "origin"]].drop_duplicates().sort_values(["year", "origin"])
    return keys.assign(gdp_pc=1000.0 + 250.0 * np.arange(len(keys))).reset_index(drop=True)


def plain_prody(trade: pd.DataFrame, gdp: pd.DataFrame) -> pd.Series:
    """PRODY_p = sum_c (x_cp / X_c) / sum_c' (x_c'p / X_c') * Y_c, per year, in plain pandas."""
    x = trade.copy()
    x["s"] = x["export_val"] / x.groupby(["year", "origin"])["export_val"].transform("sum")
    x["S"] = x.groupby(["year", "hs92"])["s"].transform("sum")
    x = x.merge(gdp, on=["year", "origin"])
    x["c"] = x["s"] / x["S"] * x["gdp_pc"]
    return x.groupby(["year", "hs92"])["c"].sum()


# --------------------------------------------------------------------------- 1. join keys
@pytest.mark.parametrize(
    "as_stored",
    [
        lambda y: y.astype(str),  # "1995"
        lambda y: y.astype(float).astype(str),  # "1995.0"
        lambda y: y.astype(str) + "年",  # "1995年"
        lambda y: y.astype(float),  # 1995.0
        lambda y: y.astype(object),  # Python ints in an object column
    ],
    ids=["str", "str-dot-zero", "nian", "float", "object"],
)
def test_prody_year_stored_differently_in_gdp(sample, gdp, as_stored) -> None:
    expected = prody(sample, gdp, **COLS)
    got = prody(sample, gdp.assign(year=as_stored(gdp["year"])), **COLS)
    pd.testing.assert_frame_equal(got, expected)
    plain = plain_prody(sample, gdp)
    assert np.allclose(got.set_index(["year", "hs92"])["prody"].loc[plain.index], plain, rtol=1e-12)


def test_prody_country_codes_as_numbers_and_text() -> None:
    # Province codes 11 / 11.0 / "11"; PRODY of p = (1/1)/(1/1 + 1/4) * 100 + (1/4)/(5/4) * 400 = 160.
    trade = pd.DataFrame({"country": [11, 12, 12], "product": ["p", "p", "q"], "value": [5.0, 1.0, 3.0]})
    for codes in (["11", "12"], [11.0, 12.0], ["11.0", " 12 "]):
        gdp = pd.DataFrame({"country": codes, "gdp_pc": [100.0, 400.0]})
        out = prody(trade, gdp).set_index("product")["prody"]
        assert out["p"] == pytest.approx(160.0) and out["q"] == pytest.approx(400.0)


def test_expy_with_product_codes_as_text(sample, gdp) -> None:
    table = prody(sample, gdp, **COLS)
    text_codes = table.assign(hs92=table["hs92"].astype(str), year=table["year"].astype(str))
    expected = expy(sample, table, prody_col="prody", **COLS)
    got = expy(sample, text_codes, prody_col="prody", **COLS)
    pd.testing.assert_frame_equal(got, expected)
    # EXPY_c = sum_p x_cp / X_c * PRODY_p in plain pandas
    x = sample.merge(table, on=["year", "hs92"])
    x["w"] = x["export_val"] / x.groupby(["year", "origin"])["export_val"].transform("sum")
    plain = (x["w"] * x["prody"]).groupby([x["year"], x["origin"]]).sum()
    assert np.allclose(got.set_index(["year", "origin"])["expy"].loc[plain.index], plain, rtol=1e-12)


def test_city_export_complexity_keys_stored_differently() -> None:
    cities = pd.DataFrame({"city": ["a", "b"], "province": [11, 12], "year": [2015, 2015],
                           "tertiary_share": [0.5, 0.25]})
    prov = pd.DataFrame({"province": ["11", "12.0"], "year": ["2015年", "2015"],
                         "expy": [8000.0, 12000.0]})
    out = city_export_complexity(cities, prov)
    assert out["export_complexity"].tolist() == [4000.0, 3000.0]  # 0.5 * 8000, 0.25 * 12000
    assert out["province"].tolist() == [11, 12] and out["year"].dtype == np.int64


def test_digital_innovation_keys_stored_differently() -> None:
    pat = pd.DataFrame({"province_code": [33, 11], "year": [2020, 2020], "patents": [999.0, 99.0]})
    pop = pd.DataFrame({"province_code": ["33", "11.0"], "year": ["2020年", "2020.0"],
                        "population": [100.0, 100.0]})  # 10k persons = 1e6 persons
    out = digital_innovation(pat, pop, population_unit="10k_persons")
    assert out["dti"].tolist() == pytest.approx([math.log(1000.0), math.log(100.0)])
    assert out["province_code"].tolist() == [33, 11]


def test_key_that_cannot_be_converted_names_column_dtypes_and_examples(sample, gdp) -> None:
    bad = gdp.assign(year=gdp["year"].map(lambda y: f"FY{y}"))
    with pytest.raises(DataFormatError, match=r"'year'.*int64.*FY1995") as err:
        prody(sample, bad, **COLS)
    assert "1995" in str(err.value) and "gdp_pc" in str(err.value)


def test_keys_equal_once_written_alike_are_duplicates() -> None:
    trade = pd.DataFrame({"country": ["A"], "product": ["p"], "value": [1.0], "year": [2015]})
    gdp = pd.DataFrame({"country": ["A", "A"], "year": ["2015", "2015年"], "gdp_pc": [1.0, 2.0]})
    with pytest.raises(DuplicateKeyError, match="gdp_pc"):
        prody(trade, gdp, year="year")


def test_leading_zeros_of_text_codes_are_kept() -> None:
    # "054" (vegetables) is not product 54: it has no PRODY.
    trade = pd.DataFrame({"country": ["A"], "product": [54], "value": [1.0]})
    table = pd.DataFrame({"product": ["054"], "prody": [10.0]})
    with pytest.raises(DataFormatError, match="no PRODY"):
        expy(trade, table)


# --------------------------------------------------------------------------- 2. indexed frames
def test_rca_on_a_frame_indexed_by_its_id_columns(sample) -> None:
    indexed = sample.set_index(["origin", "year"], drop=False)
    expected = rca(sample, **COLS)
    got = rca(indexed, **COLS)
    pd.testing.assert_frame_equal(got, expected)
    x = sample["export_val"]
    share_c = x / sample.groupby(["year", "origin"])["export_val"].transform("sum")
    share_w = (sample.groupby(["year", "hs92"])["export_val"].transform("sum")
               / sample.groupby("year")["export_val"].transform("sum"))
    assert np.allclose(got["rca"], share_c / share_w, rtol=1e-12)


def test_prody_and_cities_on_indexed_frames(sample, gdp) -> None:
    expected = prody(sample, gdp, **COLS)
    got = prody(sample.set_index(["origin", "year"], drop=False),
                gdp.set_index(["origin", "year"], drop=False), **COLS)
    pd.testing.assert_frame_equal(got, expected)
    cities = pd.DataFrame({"city": ["a"], "province": ["P"], "year": [2015], "tertiary_share": [0.5]})
    prov = pd.DataFrame({"province": ["P"], "year": [2015], "expy": [100.0]})
    out = city_export_complexity(cities.set_index("city", drop=False), prov.set_index("year", drop=False))
    assert out["export_complexity"].tolist() == [50.0]


def test_hightech_exports_on_an_indexed_frame() -> None:
    trade = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "year": 2020,
                          "code": ["7921", "0111", "5413", "0111"], "value": [30.0, 70.0, 50.0, 50.0]})
    expected = hightech_exports(trade, rca=True)
    got = hightech_exports(trade.set_index(["exporter", "year"], drop=False), rca=True)
    pd.testing.assert_frame_equal(got, expected)
    # A: 30 high-tech of 100; world: 80 of 200 -> RCA = 0.3 / 0.4
    assert got.set_index("exporter").loc["A", "ht_rca"] == pytest.approx(0.75)


def test_composite_index_on_an_indexed_frame() -> None:
    data = pd.DataFrame({"unit": ["U1", "U1", "U2"], "period": [2000, 2000, 2000],
                         "indicator": ["a1", "a2", "a1"], "value": [2.0, 4.0, 5.0]})
    spec = CompositeSpec({"A": ("a1", "a2")})
    expected = composite_index(data, spec)
    got = composite_index(data.set_index(["unit", "period"], drop=False), spec)
    pd.testing.assert_frame_equal(got, expected)
    assert got["A"].tolist() == [3.0, 5.0]  # mean of 2 and 4; 5 alone


def test_digital_innovation_on_indexed_frames() -> None:
    pat = pd.DataFrame({"province_code": [33], "year": [2020], "patents": [999.0]})
    pop = pd.DataFrame({"province_code": [33], "year": [2020], "population": [1e6]})
    idx = ["province_code", "year"]
    expected = digital_innovation(pat, pop, population_unit="persons")
    got = digital_innovation(pat.set_index(idx, drop=False), pop.set_index(idx, drop=False),
                             population_unit="persons")
    pd.testing.assert_frame_equal(got, expected)
    assert got["dti"].iloc[0] == pytest.approx(math.log(1000.0))


# --------------------------------------------------------------------------- 3. FTA panel
EMPTY_WD = pd.DataFrame({"base_treaty": pd.Series([], dtype=object), "iso3_1": [], "iso3_2": [],
                         "year": pd.Series([], dtype="int64")})


def _panel(agreements, dyads, withdrawals=EMPTY_WD, years=range(2014, 2018)):
    panel = pair_year_panel(agreements, dyads, withdrawals, years)
    return panel.loc[panel["exporter"] == "AAA"].set_index("year")


@pytest.mark.parametrize(
    "eif",
    [pd.to_datetime(["2015-06-30", "2016-01-01"]),
     pd.to_datetime(["2015-06-30", "2016-01-01"]).tz_localize("UTC"),
     pd.PeriodIndex(["2015-06", "2016-01"], freq="M"),
     pd.Index([pd.Timestamp("2015-06-30"), pd.Timestamp("2016-01-01")], dtype=object)],
    ids=["datetime64", "datetime64-tz", "period", "timestamps-in-object"],
)
def test_entry_into_force_as_dates_takes_the_year(eif) -> None:
    agreements = pd.DataFrame({"agreement_id": [1, 2], "depth": [3, 5]})
    dyads = pd.DataFrame({"agreement_id": [1, 2], "iso3_1": ["AAA", "AAA"], "iso3_2": ["BBB", "BBB"],
                          "entry_into_force": eif})
    got = _panel(agreements, dyads)
    # agreement 1 in force from 2015, agreement 2 (deeper) from 2016
    assert got["fta"].tolist() == [0, 1, 1, 1]
    assert got["depth"].tolist()[1:] == [3.0, 5.0, 5.0]


def test_withdrawal_year_as_date() -> None:
    agreements = pd.DataFrame({"agreement_id": ["T"], "depth": [2]})
    dyads = pd.DataFrame({"agreement_id": ["T"], "iso3_1": ["AAA"], "iso3_2": ["BBB"],
                          "entry_into_force": [2014]})
    wd = pd.DataFrame({"base_treaty": ["T"], "iso3_1": ["BBB"], "iso3_2": ["AAA"],
                       "year": pd.to_datetime(["2016-03-01"])})
    assert _panel(agreements, dyads, wd)["fta"].tolist() == [1, 1, 0, 0]


@pytest.mark.parametrize("bad", [[20150630, 2016], [1.4356e18, 2016.0], [2015.5, 2016]])
def test_entry_into_force_that_is_not_a_year_is_refused(bad) -> None:
    agreements = pd.DataFrame({"agreement_id": [1, 2], "depth": [3, 5]})
    dyads = pd.DataFrame({"agreement_id": [1, 2], "iso3_1": ["AAA", "AAA"], "iso3_2": ["BBB", "BBB"],
                          "entry_into_force": bad})
    with pytest.raises(DataFormatError, match="entry_into_force.*not years"):
        pair_year_panel(agreements, dyads, EMPTY_WD, [2015])


def test_agreement_ids_as_float_int_and_text_match() -> None:
    agreements = pd.DataFrame({"agreement_id": [12.0, 7.0], "depth": [4.0, 2.0]})
    for ids in ([12, 7], ["12", "7"], ["12.0", "7"]):
        dyads = pd.DataFrame({"agreement_id": ids, "iso3_1": ["AAA", "AAA"],
                              "iso3_2": ["BBB", "BBB"], "entry_into_force": [2015, 2016]})
        got = _panel(agreements, dyads)
        assert got["fta"].tolist() == [0, 1, 1, 1]
        assert got["depth"].tolist()[1:] == [4.0, 4.0, 4.0]
        assert got["deepest_agreement"].tolist()[1:] == ["12", "12", "12"]


def test_no_agreement_id_matched_says_so() -> None:
    agreements = pd.DataFrame({"agreement_id": ["A1", "A2"], "depth": [4, 2]})
    dyads = pd.DataFrame({"agreement_id": [12, 7], "iso3_1": ["AAA", "AAA"],
                          "iso3_2": ["BBB", "BBB"], "entry_into_force": [2015, 2016]})
    with pytest.raises(EmptySampleError, match=r"No agreement id matched.*'A1'.*'12'"):
        pair_year_panel(agreements, dyads, EMPTY_WD, [2015])


# --------------------------------------------------------------------------- 4. classify
def test_numbers_in_an_object_code_column_need_level() -> None:
    trade = pd.DataFrame({"code": pd.Series([5410, 54131], dtype=object)})
    with pytest.raises(DataFormatError, match="'code' holds numbers.*level"):
        classify(trade, "code")
    # SITC 05410 (vegetables) is not 5410 -> 54 (pharmaceuticals) once padded to 5 digits.
    out = classify(trade, "code", level=5)
    assert pd.isna(out["category"].iloc[0]) and out["category"].iloc[1] == "pharmaceuticals"


def test_mixed_text_and_numbers_need_level() -> None:
    trade = pd.DataFrame({"code": pd.Series([5410, "54131", 79210.0, None], dtype=object)})
    with pytest.raises(DataFormatError, match="mixes.*5410.*'54131'.*level"):
        classify(trade, "code")
    out = classify(trade, "code", level=5)
    assert out["category"].isna().tolist() == [True, False, False, True]
    assert out["category"].iloc[1:3].tolist() == ["pharmaceuticals", "aerospace"]
    assert out["code"].tolist()[:3] == [5410, "54131", 79210.0]  # codes left as they were


def test_text_codes_in_an_object_column_need_no_level() -> None:
    trade = pd.DataFrame({"code": pd.Series(["05410", "54131"], dtype=object)})
    out = classify(trade, "code")
    assert pd.isna(out["category"].iloc[0]) and out["category"].iloc[1] == "pharmaceuticals"


# --------------------------------------------------------------------------- 5. empty texts
def test_empty_text_gives_a_missing_frequency_for_its_row() -> None:
    texts = pd.Series(["发展数字经济", "", None, "   "], index=list("abcd"))
    counts = keyword_counts(texts, ["数字经济"])
    assert counts.loc["a", "keyword_frequency"] == pytest.approx(1 / 6)
    assert counts.loc["b", ["keyword_hits", "word_count"]].tolist() == [0.0, 0.0]
    assert counts["keyword_frequency"].isna().tolist() == [False, True, True, True]
    freq = keyword_frequency(pd.Series(["", "The digital economy grows"]), ["digital economy"],
                             language="en")
    assert math.isnan(freq.iloc[0]) and freq.iloc[1] == pytest.approx(1 / 4)


def test_entirely_empty_input_raises() -> None:
    with pytest.raises(EmptySampleError, match="no Han characters"):
        keyword_frequency("", ["数字"])
    with pytest.raises(EmptySampleError, match="no words"):
        keyword_frequency(pd.Series(["", " ", None]), ["digital"], language="en")


# --------------------------------------------------------------------------- 6. missing provinces
def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_missing_province_gives_missing_instrument_with_a_warning() -> None:
    frame = pd.DataFrame({"prov": ["Henan", np.nan, "  "], "keyword_frequency": [0.1, 0.2, 0.3]})
    with pytest.warns(DataCoverageWarning, match="2 row\\(s\\) have no province in column 'prov'"):
        out = policy_instrument(frame, "prov")
    table = china.provinces().set_index("province_en")
    km = _haversine_km(table.at["Henan", "capital_lat"], table.at["Henan", "capital_lon"],
                       table.at["Zhejiang", "capital_lat"], table.at["Zhejiang", "capital_lon"])
    assert out["dti_iv"].iloc[0] == pytest.approx(0.1 / km, rel=1e-9)
    assert out["dti_iv"].iloc[1:].isna().all() and out["distance_km"].iloc[1:].isna().all()
    assert out["province_code"].tolist()[0] == 41 and out["province_code"].iloc[1:].isna().all()


def test_complete_provinces_keep_integer_codes_and_unknown_ones_still_raise() -> None:
    frame = pd.DataFrame({"prov": ["Henan"], "keyword_frequency": [0.1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = policy_instrument(frame, "prov")
    assert out["province_code"].dtype == np.int64
    with pytest.raises(HitexError, match="Unknown Chinese province"):
        policy_instrument(frame.assign(prov=["Atlantis"]), "prov")


def test_entry_into_force_as_text_in_a_string_column() -> None:
    # pandas 3 stores text columns with dtype str (not object); "2015年" is still a year
    agreements = pd.DataFrame({"agreement_id": [1, 2], "depth": [3, 5]})
    dyads = pd.DataFrame({"agreement_id": [1, 2], "iso3_1": ["AAA", "AAA"], "iso3_2": ["BBB", "BBB"],
                          "entry_into_force": pd.Series(["2015年", "2016"], dtype="str")})
    got = _panel(agreements, dyads)
    assert got["fta"].tolist() == [0, 1, 1, 1]
