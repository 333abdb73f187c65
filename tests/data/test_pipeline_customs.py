"""Customs records: the synthetic generator and the customs aggregates on DuckDB.

Oracle: pandas group-bys written here over the same generated records, with
the HS vintage change applied by a dictionary and the high-tech rule written
out by hand. The concordance goes through
:func:`hitex.indicators.concordance.load_concordance`, the reader of
published concordance files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitex.data.categories import category_lookup
from hitex.data.pipeline.customs import (
    OWNERSHIP,
    TRADE_MODES,
    city_product_year,
    hightech_share,
    province_mode_ownership_year,
    read_customs,
)
from hitex.data.pipeline.engines import connect
from hitex.data.pipeline.synthetic import (
    CUSTOMS_FIELDS,
    VINTAGE_CHANGES,
    synthetic_customs_records,
    write_synthetic_customs,
)
from hitex.errors import ColumnNotFoundError, DataFormatError, SpecificationError
from hitex.indicators.concordance import load_concordance

REL = 1e-9
HIGHTECH = pd.DataFrame({"code": ["8471", "8517", "8542", "3004", "8802", "9018"],
                         "category": ["computers", "telecom", "chips", "pharma", "aerospace",
                                      "medical"]})


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return synthetic_customs_records(30_000, seed=4)


@pytest.fixture(scope="module")
def engine():
    eng = connect("duckdb", threads=1)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def concordance(tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("hs") / "hs2012_hs2017.csv"
    VINTAGE_CHANGES.to_csv(path, index=False)
    return load_concordance(path, "hs2012", "hs2017")


def _harmonised(df: pd.DataFrame) -> pd.DataFrame:
    new = dict(zip(VINTAGE_CHANGES["hs2012"], VINTAGE_CHANGES["hs2017"], strict=True))
    return df.assign(product=df["product"].map(lambda c: new.get(c, c)))


def _is_hightech(code: str) -> bool:
    return code[:4] in {"8471", "8517", "8542", "3004", "8802", "9018"}


def _close(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], cols: list[str]) -> None:
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(want)
    for k in keys:
        assert got[k].astype(str).tolist() == want[k].astype(str).tolist(), k
    for c in cols:
        assert got[c].to_numpy(float) == pytest.approx(want[c].to_numpy(float), rel=REL), c


# --------------------------------------------------------------------------- generator
def test_generator_shape(records):
    assert list(records.columns) == list(CUSTOMS_FIELDS)
    assert records.equals(synthetic_customs_records(30_000, seed=4))  # reproducible
    per_firm = records.groupby("firm").size().sort_values(ascending=False)
    assert per_firm.iloc[: max(1, len(per_firm) // 100)].sum() > 0.2 * len(records)  # skewed
    by_product = records.groupby("product")["value"].sum().sort_values(ascending=False)
    assert by_product.iloc[:10].sum() > 0.5 * by_product.sum()  # a few products dominate
    assert (records["value"] < records["value"].mean()).mean() > 0.6  # many small shipments
    assert set(records["trade_mode"]) <= set(TRADE_MODES)
    assert set(records["ownership"]) <= set(OWNERSHIP)


def test_generator_changes_codes_between_vintages():
    df = synthetic_customs_records(400_000, seed=9)
    old, new = set(VINTAGE_CHANGES["hs2012"]), set(VINTAGE_CHANGES["hs2017"])
    assert df.loc[df["year"] < 2017, "product"].isin(new).sum() == 0
    assert df.loc[df["year"] >= 2017, "product"].isin(old).sum() == 0
    assert df["product"].isin(old).any() and df["product"].isin(new).any()


def test_generator_bad_arguments():
    with pytest.raises(SpecificationError, match="rows"):
        synthetic_customs_records(0)
    with pytest.raises(SpecificationError, match="years"):
        synthetic_customs_records(10, years=())


# --------------------------------------------------------------------------- aggregates
def test_city_product_year_with_vintage_harmonised(engine, records, concordance):
    rec = read_customs(engine, records, concordance=concordance)
    got = engine.execute(city_product_year(rec, digits=8))
    want = _harmonised(records).groupby(["city", "year", "product"], as_index=False)["value"].sum()
    _close(got, want, ["city", "year", "product"], ["value"])
    assert not got["product"].isin(VINTAGE_CHANGES["hs2012"]).any()
    got6 = engine.execute(city_product_year(rec))
    want6 = _harmonised(records).assign(product=lambda d: d["product"].str[:6])
    want6 = want6.groupby(["city", "year", "product"], as_index=False)["value"].sum()
    _close(got6, want6, ["city", "year", "product"], ["value"])


def test_province_mode_ownership_year(engine, records):
    rec = read_customs(engine, records)
    got = engine.execute(province_mode_ownership_year(engine, rec, category_lookup(
        HIGHTECH, code_system="HS")))
    df = records.assign(
        province=records["city"].str[:2] + "0000",
        trade_mode_label=records["trade_mode"].map(TRADE_MODES),
        ownership_label=records["ownership"].map(OWNERSHIP),
        hightech=np.where(records["product"].map(_is_hightech), records["value"], 0.0),
    )
    keys = ["province", "trade_mode_label", "ownership_label", "year"]
    want = df.groupby(keys, as_index=False)[["value", "hightech"]].sum()
    want["hightech_share"] = want["hightech"] / want["value"]
    _close(got, want, keys, ["value", "hightech", "hightech_share"])


def test_city_hightech_share_from_renamed_csv(engine, records, tmp_path):
    names = {"firm": "企业编码", "city": "city_code", "product": "hs8", "partner": "country",
             "trade_mode": "mode", "ownership": "owner", "value": "usd", "year": "yr",
             "month": "mon"}
    path = tmp_path / "customs.csv.gz"
    records.rename(columns=names).to_csv(path, index=False)
    rec = read_customs(engine, path, columns=names)
    got = engine.execute(hightech_share(engine, rec, category_lookup(HIGHTECH, code_system="HS"),
                                        ["city", "year"]))
    df = records.assign(hightech=np.where(records["product"].map(_is_hightech),
                                          records["value"], 0.0))
    want = df.groupby(["city", "year"], as_index=False)[["value", "hightech"]].sum()
    want["hightech_share"] = want["hightech"] / want["value"]
    _close(got, want, ["city", "year"], ["value", "hightech", "hightech_share"])


def test_parquet_file_from_writer(engine, tmp_path):
    path = write_synthetic_customs(tmp_path / "c.parquet", 5_000, chunk=2_000, seed=2)
    rec = read_customs(engine, path)
    got = engine.execute(rec.aggregate(n=rec.count(), v=rec.value.sum())).iloc[0]
    parts = pd.concat([synthetic_customs_records(n, seed=s)
                       for n, s in ((2_000, 2), (2_000, 3), (1_000, 4))])
    assert int(got["n"]) == 5_000
    assert float(got["v"]) == pytest.approx(parts["value"].sum(), rel=REL)


# --------------------------------------------------------------------------- bad input
def test_unknown_trade_mode_is_named(engine, records):
    bad = records.head(50).copy()
    bad.loc[bad.index[3], "trade_mode"] = "99"
    with pytest.raises(DataFormatError, match=r"trade mode codes \['99'\].*trade_modes="):
        read_customs(engine, bad)
    rec = read_customs(engine, bad, trade_modes={**TRADE_MODES, "99": "other"})
    assert "other" in set(engine.execute(rec)["trade_mode_label"])


def test_customs_bad_columns_and_values(engine, records):
    with pytest.raises(ColumnNotFoundError, match="columns="):
        read_customs(engine, records.drop(columns="month"))
    bad = records.head(20).astype({"value": object})
    bad.loc[bad.index[0], "value"] = "n/a"
    with pytest.raises(DataFormatError, match="text"):
        read_customs(engine, bad)
    split = pd.DataFrame({"old": ["85171200", "85171200"], "new": ["85171300", "85171400"]})
    with pytest.raises(DataFormatError, match="several"):
        read_customs(engine, records.head(20), concordance=split)
