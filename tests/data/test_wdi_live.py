"""Tests of live WDI fetching with recorded responses (no network).

The fake client replays ``tests/data/recorded/wbgapi_fetch_chn_deu_2019_2022.json``,
rows in the shape ``wbgapi.data.fetch`` yields. The test marked ``live`` calls
the real World Bank API and runs only with ``HITEX_LIVE=1``.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from hitex.data import wdi, wdi_live
from hitex.data.store import Store
from hitex.errors import DataCoverageWarning, EmptySampleError, HitexError

RECORDED = Path(__file__).parent / "recorded" / "wbgapi_fetch_chn_deu_2019_2022.json"
CODES = ["TX.VAL.TECH.MF.ZS", "NY.GDP.PCAP.KD"]
COUNTRIES = ["CHN", "DEU"]
YEARS = range(2019, 2023)


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


class _FakeData:
    def __init__(self, rows, failures: int = 0, error: BaseException | None = None):
        self.rows = rows
        self.failures = failures
        self.error = error or ConnectionError("connection refused (recorded)")
        self.calls: list[dict] = []

    def fetch(self, series, economy="all", time="all", **kwargs):
        self.calls.append({"series": series, "economy": economy, "time": time, **kwargs})
        return self._generate()

    def _generate(self):  # like wbgapi: the request runs when the generator is consumed
        if self.failures:
            self.failures -= 1
            raise self.error
        yield from (dict(r) for r in self.rows)


class FakeClient:
    def __init__(self, rows=(), failures: int = 0, error: BaseException | None = None):
        self.data = _FakeData(list(rows), failures, error)


@pytest.fixture
def no_sleep(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(wdi_live, "_sleep", waits.append)
    return waits


def _expected(recorded: dict) -> pd.DataFrame:
    rows = [
        (r["economy"], r["series"], int(r["time"][2:]), r["value"])
        for r in recorded["rows"]
        if r["value"] is not None
    ]
    return pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])


def test_fetch_parses_rows_and_caches(tmp_path, recorded, no_sleep):
    client = FakeClient(recorded["rows"])
    store = Store(tmp_path / "store")
    df = wdi_live.fetch_wdi(CODES, COUNTRIES, YEARS, store=store, client=client)
    assert list(df.columns) == wdi.LONG_COLUMNS
    got = df[["iso3", "indicator", "year", "value"]]
    want = _expected(recorded)
    merged = got.merge(
        want, on=["iso3", "indicator", "year"], suffixes=("", "_want"), validate="1:1"
    )
    assert len(merged) == len(want) == len(got)
    assert (merged["value"] == merged["value_want"]).all()
    assert set(df["source_file"]) == {wdi_live.LIVE_SOURCE}
    assert set(df["vintage"]) == {datetime.now(UTC).date().isoformat()}
    assert df["indicator"].drop_duplicates().tolist() == CODES  # in the order asked
    assert no_sleep == []

    call = client.data.calls[0]
    assert call["series"] == CODES and call["economy"] == COUNTRIES
    assert list(call["time"]) == list(YEARS)
    assert call["skipBlanks"] is True and call["skipAggs"] is False

    key = wdi_live.store_key(CODES, COUNTRIES, YEARS)
    assert store.keys() == [key]
    info = store.info(key)
    assert info["source"] == wdi_live.LIVE_SOURCE
    assert info["parameters"] == {
        "indicators": CODES,
        "countries": COUNTRIES,
        "years": list(YEARS),
    }
    pd.testing.assert_frame_equal(store.get(key), df)


def test_all_countries_skips_aggregates(tmp_path, recorded, no_sleep):
    client = FakeClient(recorded["rows"])
    wdi_live.fetch_wdi("SP.POP.TOTL", store=Store(tmp_path), client=client)
    call = client.data.calls[0]
    assert call["series"] == "SP.POP.TOTL" and call["economy"] == "all" and call["time"] == "all"
    assert call["skipAggs"] is True


def test_retries_with_exponential_backoff(tmp_path, recorded, no_sleep):
    client = FakeClient(recorded["rows"], failures=2)
    df = wdi_live.fetch_wdi(
        CODES, COUNTRIES, YEARS, store=Store(tmp_path), client=client, backoff=0.5
    )
    assert len(client.data.calls) == 3
    assert no_sleep == [0.5, 1.0]
    assert len(df) == len(_expected(recorded))


def test_network_failure_falls_back_to_store(tmp_path, recorded, no_sleep):
    store = Store(tmp_path)
    first = wdi_live.fetch_wdi(
        CODES, COUNTRIES, YEARS, store=store, client=FakeClient(recorded["rows"])
    )
    offline = FakeClient(failures=99)
    with pytest.warns(DataCoverageWarning, match=r"fell back to the copy .* cached"):
        again = wdi_live.fetch_wdi(CODES, COUNTRIES, YEARS, store=store, client=offline, retries=2)
    assert len(offline.data.calls) == 3 and no_sleep == [1.0, 2.0]
    pd.testing.assert_frame_equal(again, first)


def test_network_failure_falls_back_to_bundle(tmp_path, data_dir, no_sleep):
    raw = pd.read_csv(
        data_dir / "wdi" / "wdi_hightech_2026vintage_long.csv.gz",
        keep_default_na=False,
        na_values=[""],
    )
    offline = FakeClient(failures=99, error=TimeoutError("timed out"))
    with pytest.warns(DataCoverageWarning, match=r"embedded WDI bundle.*2026-04-08"):
        df = wdi_live.fetch_wdi(
            "TX.VAL.TECH.MF.ZS", ["CHN"], [2015], store=Store(tmp_path), client=offline, retries=1,
            data_dir=data_dir,
        )  # fmt: skip
    want = raw[
        (raw["iso3"] == "CHN") & (raw["indicator"] == "TX.VAL.TECH.MF.ZS") & (raw["year"] == 2015)
    ]
    assert df["value"].tolist() == want["value"].tolist()
    assert df["source_file"].tolist() == ["wdi_hightech_2026vintage_long.csv.gz"]


def test_no_fallback_raises(tmp_path, no_sleep):
    with pytest.raises(HitexError, match=r"could not be reached after 2 attempt.*offline_fallback"):
        wdi_live.fetch_wdi(
            CODES, COUNTRIES, YEARS, store=Store(tmp_path), client=FakeClient(failures=9), retries=1,
            offline_fallback=False,
        )  # fmt: skip


def test_fallback_impossible_names_code(tmp_path, data_dir, no_sleep):
    with pytest.raises(HitexError, match=r"NOT.IN.BUNDLE.*fetch_wdi"):
        wdi_live.fetch_wdi(
            "NOT.IN.BUNDLE", store=Store(tmp_path), client=FakeClient(failures=9), retries=0,
            data_dir=data_dir,
        )  # fmt: skip


def test_empty_answer_is_an_error(tmp_path, no_sleep):
    with pytest.raises(EmptySampleError, match="SP.POP.TOTL"):
        wdi_live.fetch_wdi("SP.POP.TOTL", ["CHN"], store=Store(tmp_path), client=FakeClient([]))


def test_missing_wbgapi_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wbgapi", None)
    with pytest.raises(HitexError, match=r"pip install 'hitex\[live\]'"):
        wdi_live.fetch_wdi("SP.POP.TOTL", store=Store(tmp_path))


def test_rows_to_frame_accepts_labelled_rows_and_skips_blanks():
    rows = [
        {
            "value": None,
            "series": "SP.POP.TOTL",
            "economy": "CHN",
            "aggregate": False,
            "time": "YR2024",
        },
        {
            "value": 5.0,
            "series": {"id": "SP.POP.TOTL", "value": "Population, total"},
            "economy": {"id": "CHN", "value": "China", "aggregate": False},
            "time": {"id": "YR2023", "value": "2023"},
        },
    ]
    df = wdi_live.rows_to_frame(rows, "2026-01-01")
    assert df[["iso3", "country_name", "indicator", "year", "value"]].values.tolist() == [
        ["CHN", "China", "SP.POP.TOTL", 2023, 5.0]
    ]


def test_malformed_row_names_the_field():
    with pytest.raises(HitexError, match="'time'"):
        wdi_live.rows_to_frame([{"value": 1.0, "series": "X", "economy": "CHN"}], "2026-01-01")


@pytest.mark.live
@pytest.mark.skipif(
    os.environ.get("HITEX_LIVE") != "1", reason="set HITEX_LIVE=1 to call the World Bank API"
)
def test_live_fetch_from_world_bank(tmp_path):
    df = wdi_live.fetch_wdi(
        "SP.POP.TOTL",
        ["CHN", "DEU"],
        range(2015, 2018),
        store=Store(tmp_path),
        offline_fallback=False,
    )
    assert set(df["iso3"]) == {"CHN", "DEU"} and set(df["year"]) == {2015, 2016, 2017}
    assert (df["value"] > 1e7).all()
