"""RCA, PRODY, EXPY and city export complexity.

RCA is checked against the Growth Lab's Stata ``ecomplexity`` output for its own
test sample (numbers in tests/references/growthlab_rca.json, with provenance).
PRODY and EXPY are checked against a 3 x 3 example worked out by hand below.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DuplicateKeyError,
    EmptySampleError,
    NonNumericError,
)
from hitex.indicators.sophistication import city_export_complexity, expy, prody, rca
from tests.conftest import load_reference

# ----------------------------------------------------------------------------- RCA: Growth Lab


@pytest.fixture(scope="module")
def growthlab(reference_dir):
    ref = load_reference("growthlab_rca")
    data = pd.read_csv(reference_dir / ref["dataset"], dtype={"hs92": str, "origin": str})
    rows = [
        (int(year), origin, product, value)
        for year, by_origin in ref["rca"].items()
        for origin, values in by_origin.items()
        for product, value in zip(ref["products"], values, strict=True)
    ]
    expected = pd.DataFrame(rows, columns=["year", "origin", "hs92", "rca_stata"])
    return ref, data, expected


def _hitex_rca(data):
    return rca(data, country="origin", product="hs92", value="export_val", year="year")


def test_rca_matches_growthlab_stata(growthlab):
    ref, data, expected = growthlab
    got = _hitex_rca(data).merge(expected, on=["year", "origin", "hs92"], validate="one_to_one")
    assert len(got) == len(expected) == 600
    np.testing.assert_allclose(
        got["rca"], got["rca_stata"], rtol=ref["tolerance"]["unrounded_input_rtol"]
    )


def test_rca_matches_growthlab_stata_on_its_float_input(growthlab):
    # Stata read export_val as single precision (see precision_note in the JSON);
    # on the same rounded input the agreement is to double precision.
    ref, data, expected = growthlab
    rounded = data.assign(export_val=data["export_val"].astype(np.float32).astype(np.float64))
    got = _hitex_rca(rounded).merge(expected, on=["year", "origin", "hs92"], validate="one_to_one")
    np.testing.assert_allclose(
        got["rca"], got["rca_stata"], rtol=ref["tolerance"]["float32_input_rtol"]
    )


def test_rca_by_hand():
    # A exports p1 30, p2 10 (X_A = 40); B exports p1 10, p2 50 (X_B = 60); world 100.
    # world shares: p1 40/100, p2 60/100.
    # RCA_A1 = (30/40)/(40/100) = 1.875   RCA_A2 = (10/40)/(60/100) = 0.41666...
    # RCA_B1 = (10/60)/(40/100) = 0.41666 RCA_B2 = (50/60)/(60/100) = 1.38888...
    trade = pd.DataFrame(
        {
            "country": ["A", "A", "B", "B"],
            "product": ["p1", "p2", "p1", "p2"],
            "value": [30, 10, 10, 50],
        }
    )
    got = rca(trade)["rca"].tolist()
    assert got == pytest.approx([1.875, 5 / 12, 5 / 12, 25 / 18], rel=1e-12)


# ----------------------------------------------------------------------------- PRODY / EXPY by hand
#
# Year 2000. Exports x_cp, totals X_c and shares x_cp / X_c:
#
#              p1    p2    p3    X_c    shares            GDP per capita Y_c
#   A          60    30    10    100    .6  .3  .1        10 000
#   B          20    20    60    100    .2  .2  .6        20 000
#   C           0    60   140    200    0   .3  .7        40 000
#   sum of shares over c:               .8  .8  1.4
#
# PRODY_p1 = (.6 * 10000 + .2 * 20000 + 0 * 40000) / .8 = 10000 / .8       = 12 500
# PRODY_p2 = (.3 * 10000 + .2 * 20000 + .3 * 40000) / .8 = 19000 / .8      = 23 750
# PRODY_p3 = (.1 * 10000 + .6 * 20000 + .7 * 40000) / 1.4 = 41000 / 1.4    = 29 285.714...
#
# EXPY_A = .6 * 12500 + .3 * 23750 + .1 * 41000/1.4 = 7500 + 7125 + 2928.571... = 17 553.571...
# EXPY_B = .2 * 12500 + .2 * 23750 + .6 * 41000/1.4 = 2500 + 4750 + 17571.43   = 24 821.428...
# EXPY_C =   0        + .3 * 23750 + .7 * 41000/1.4 =        7125 + 20500       = 27 625
#
# Year 2001: each country exports one product only (A: p1, B: p2, C: p3), GDP per
# capita 11 000 / 22 000 / 44 000. Then PRODY_p = Y of its only exporter and
# EXPY_c = Y_c. Pooling the two years would give other numbers.

P3 = 41000 / 1.4

TRADE = pd.DataFrame(
    {
        "year": [2000] * 9 + [2001] * 3,
        "country": list("AAABBBCCC") + list("ABC"),
        "product": ["p1", "p2", "p3"] * 3 + ["p1", "p2", "p3"],
        "value": [60, 30, 10, 20, 20, 60, 0, 60, 140, 50, 70, 90],
    }
)
GDP = pd.DataFrame(
    {
        "year": [2000] * 3 + [2001] * 3,
        "country": list("ABC") * 2,
        "gdp_pc": [10000.0, 20000.0, 40000.0, 11000.0, 22000.0, 44000.0],
    }
)


def _by(frame, key, col):
    return dict(zip(map(tuple, frame[key].to_numpy().tolist()), frame[col], strict=True))


def test_prody_by_hand_per_year():
    out = prody(TRADE, GDP, year="year")
    assert list(out.columns) == ["year", "product", "prody"]
    got = _by(out, ["year", "product"], "prody")
    assert got == pytest.approx(
        {
            (2000, "p1"): 12500.0,
            (2000, "p2"): 23750.0,
            (2000, "p3"): P3,
            (2001, "p1"): 11000.0,
            (2001, "p2"): 22000.0,
            (2001, "p3"): 44000.0,
        },
        rel=1e-12,
    )


def test_expy_by_hand_per_year():
    pr = prody(TRADE, GDP, year="year")
    out = expy(TRADE, pr, year="year")
    got = _by(out, ["year", "country"], "expy")
    assert got == pytest.approx(
        {
            (2000, "A"): 0.6 * 12500 + 0.3 * 23750 + 0.1 * P3,
            (2000, "B"): 0.2 * 12500 + 0.2 * 23750 + 0.6 * P3,
            (2000, "C"): 27625.0,
            (2001, "A"): 11000.0,
            (2001, "B"): 22000.0,
            (2001, "C"): 44000.0,
        },
        rel=1e-12,
    )


def test_expy_of_provinces_with_country_prody():
    # provinces export with the countries' PRODY of 2000 (time-invariant PRODY table):
    # P1 exports p1 50 and p3 50: EXPY = .5 * 12500 + .5 * 41000/1.4
    # P2 exports p2 only:          EXPY = 23750
    pr = prody(TRADE[TRADE["year"] == 2000], GDP[GDP["year"] == 2000])
    provinces = pd.DataFrame(
        {
            "year": [2015, 2015, 2015],
            "province": ["P1", "P1", "P2"],
            "product": ["p1", "p3", "p2"],
            "value": [50.0, 50.0, 8.0],
        }
    )
    out = expy(provinces, pr, country="province", year="year")
    got = _by(out, ["province"], "expy")
    assert got == pytest.approx({("P1",): 0.5 * 12500 + 0.5 * P3, ("P2",): 23750.0}, rel=1e-12)


def test_expy_missing_prody():
    pr = prody(TRADE, GDP, year="year")
    extra = pd.concat(
        [TRADE, pd.DataFrame({"year": [2000], "country": ["A"], "product": ["p9"], "value": [100]})]
    )
    with pytest.raises(DataFormatError, match="p9"):
        expy(extra, pr, year="year")
    # dropped: A's 2000 basket is back to p1..p3, so its EXPY is the hand value
    with pytest.warns(DataCoverageWarning, match="p9"):
        out = expy(extra, pr, year="year", missing_prody="drop")
    assert _by(out, ["year", "country"], "expy")[(2000, "A")] == pytest.approx(
        0.6 * 12500 + 0.3 * 23750 + 0.1 * P3, rel=1e-12
    )


# ----------------------------------------------------------------------------- city complexity


def test_city_export_complexity_fraction_and_percent():
    prov = pd.DataFrame(
        {"year": [2015, 2015], "province": ["P1", "P2"], "expy": [20000.0, 30000.0]}
    )
    cities = pd.DataFrame(
        {
            "year": [2015, 2015, 2015],
            "city": ["c1", "c2", "c3"],
            "province": ["P1", "P1", "P2"],
            "tertiary_share": [0.45, 0.5, 0.4],
        }
    )
    out = city_export_complexity(cities, prov)
    # 0.45 * 20000 = 9000; 0.5 * 20000 = 10000; 0.4 * 30000 = 12000
    assert out["export_complexity"].tolist() == pytest.approx([9000.0, 10000.0, 12000.0])
    assert out["ln_export_complexity"].tolist() == pytest.approx(
        [math.log(9000), math.log(10000), math.log(12000)]
    )
    pct = cities.assign(tertiary_share=[45.0, 50.0, 40.0])
    out_pct = city_export_complexity(pct, prov, share_unit="percent")
    assert out_pct["export_complexity"].tolist() == pytest.approx([9000.0, 10000.0, 12000.0])
    with pytest.raises(DataFormatError, match="share_unit='percent'"):
        city_export_complexity(pct, prov)
    with pytest.warns(DataCoverageWarning, match="fraction"):
        city_export_complexity(cities, prov, share_unit="percent")


def test_city_export_complexity_bad_input():
    prov = pd.DataFrame({"year": [2015], "province": ["P1"], "expy": [20000.0]})
    cities = pd.DataFrame(
        {
            "year": [2015, 2015],
            "city": ["c1", "c2"],
            "province": ["P1", "P9"],
            "tertiary_share": [0.4, 0.5],
        }
    )
    with pytest.raises(DataFormatError, match="P9"):
        city_export_complexity(cities, prov)
    with pytest.raises(NonNumericError, match="'tertiary_share'"):
        city_export_complexity(cities.assign(tertiary_share=["40%", "50%"]), prov)
    with pytest.raises(DuplicateKeyError, match="city"):
        city_export_complexity(cities.assign(city="c1"), prov)
    with pytest.raises(ColumnNotFoundError, match="'tertiary'"):
        city_export_complexity(cities, prov, tertiary_share="tertiary")
    with pytest.raises(EmptySampleError):
        city_export_complexity(cities.iloc[:0], prov)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("func", ["rca", "prody", "expy"])
def test_empty_product_table(func):
    empty = TRADE.iloc[:0]
    pr = pd.DataFrame({"product": ["p1"], "prody": [1.0]})
    call = {
        "rca": lambda: rca(empty),
        "prody": lambda: prody(empty, GDP[GDP["year"] == 2000]),
        "expy": lambda: expy(empty, pr),
    }[func]
    with pytest.raises(EmptySampleError, match="empty"):
        call()


def test_negative_exports():
    bad = TRADE.copy()
    bad.loc[1, "value"] = -5
    with pytest.raises(DataFormatError, match=r"'value'.*negative"):
        rca(bad, year="year")
    with pytest.raises(DataFormatError, match="negative"):
        prody(bad, GDP, year="year")


def test_exports_without_gdp_name_the_country():
    gdp = GDP[~((GDP["country"] == "C") & (GDP["year"] == 2001))]
    with pytest.raises(DataFormatError, match=r"'C'.*'gdp_pc'|\(2001, 'C'\)"):
        prody(TRADE, gdp, year="year")
    with pytest.warns(DataCoverageWarning, match="GDP per capita"):
        out = prody(TRADE, gdp, year="year", missing_gdp="drop")
    # in 2001 only A and B remain: p3 has no exporter left
    got = _by(out, ["year", "product"], "prody")
    assert got[(2001, "p1")] == pytest.approx(11000.0)
    assert math.isnan(got[(2001, "p3")])
    with pytest.raises(DataFormatError, match="positive"):
        prody(TRADE, GDP.assign(gdp_pc=GDP["gdp_pc"] - 20000), year="year")


def test_duplicate_country_product_year_rows():
    dup = pd.concat([TRADE, TRADE.iloc[[0]]])
    with pytest.raises(DuplicateKeyError, match=r"\['year', 'country', 'product'\].*groupby"):
        rca(dup, year="year")
    with pytest.raises(DuplicateKeyError):
        prody(dup, GDP, year="year")
    with pytest.raises(DuplicateKeyError, match="gdp_pc"):
        prody(TRADE, pd.concat([GDP, GDP.iloc[[0]]]), year="year")
    # without year= the two years' rows collide
    with pytest.raises(DuplicateKeyError):
        rca(TRADE)


def test_text_in_value_columns():
    with pytest.raises(NonNumericError, match="'value'"):
        rca(TRADE.assign(value=TRADE["value"].astype(str)), year="year")
    with pytest.raises(NonNumericError, match="'gdp_pc'"):
        prody(TRADE, GDP.assign(gdp_pc=["1e4", "n/a", "4e4", "1", "2", "3"]), year="year")
    pr = prody(TRADE, GDP, year="year").assign(prody="high")
    with pytest.raises(NonNumericError, match="'prody'"):
        expy(TRADE, pr, year="year")


def test_missing_columns_and_values():
    with pytest.raises(ColumnNotFoundError, match="'exports'"):
        rca(TRADE, value="exports", year="year")
    with pytest.raises(ColumnNotFoundError, match="gdp_pc"):
        prody(TRADE, GDP.rename(columns={"gdp_pc": "gdp"}), year="year")
    with pytest.raises(DataFormatError, match="fill them with 0"):
        rca(TRADE.assign(value=TRADE["value"].where(TRADE.index != 3)), year="year")


def test_zero_exporter_is_reported():
    zero = pd.concat(
        [TRADE, pd.DataFrame({"year": [2000], "country": ["D"], "product": ["p1"], "value": [0]})]
    )
    with pytest.warns(DataCoverageWarning, match="'D'"):
        out = rca(zero, year="year")
    assert out.loc[out["country"] == "D", "rca"].isna().all()
