"""Data helpers take the values users pass: numpy years, names, ISO2 codes, single strings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.errors import HitexError


def test_iso2_codes_with_alternatives_and_common_names(data_dir):
    from hitex.data import countries

    got = countries.resolve(["GB", "UK", "GR", "EL", "Macao", "Mainland China", "中国",
                             "Türkiye", "Hong Kong"], data_dir=data_dir)
    assert got == ["GBR", "GBR", "GRC", "GRC", "MAC", "CHN", "CHN", "TUR", "HKG"]
    table = countries.country_table(data_dir=data_dir).set_index("iso3")
    assert table.loc["GBR", "iso2"] == "GB" and table.loc["GRC", "iso2"] == "GR"


def test_none_is_a_clear_error(data_dir):
    from hitex.data import countries, wdi

    with pytest.raises(HitexError, match="No countries given"):
        countries.resolve(None, data_dir=data_dir)
    with pytest.raises(HitexError, match="needs years"):
        countries.group_panel(["CHN"], None, ["wto"], data_dir=data_dir)
    with pytest.raises(HitexError, match="No WDI indicator given"):
        wdi.load_wdi(None, data_dir=data_dir)


def test_wdi_takes_numpy_years_and_country_names(data_dir):
    from hitex.data import wdi

    codes = wdi.load_wdi("NY.GDP.PCAP.KD", countries=["CHN", "KOR", "HKG"], years=2015,
                         data_dir=data_dir)
    names = wdi.load_wdi("NY.GDP.PCAP.KD", countries=["China", "KR", "Hong Kong"],
                         years=np.int64(2015), data_dir=data_dir)
    pd.testing.assert_frame_equal(codes.reset_index(drop=True), names.reset_index(drop=True))
    with pytest.raises(HitexError, match="not a year"):
        wdi.load_wdi("NY.GDP.PCAP.KD", countries=["CHN"], years=[2015.5], data_dir=data_dir)


def test_gcr_editions_as_numpy_and_float(data_dir):
    from hitex.data import gcr

    base = gcr.load_gcr("EOSQ057", editions=2012, data_dir=data_dir)
    for value in (np.int64(2012), 2012.0):
        pd.testing.assert_frame_equal(gcr.load_gcr("EOSQ057", editions=value, data_dir=data_dir),
                                      base)


def test_single_strings_are_one_value(data_dir):
    from hitex.data import china, desta

    assert china.resolve_provinces("Zhejiang") == [33]
    coding = desta.read_coding(data_dir, columns="mar_typedepth")
    assert "mar_typedepth" in coding.columns
