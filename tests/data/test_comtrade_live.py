"""Tests of the live Comtrade connector with an injected fake client (no network).

The fake client serves ``tests/data/recorded/comtrade_final_C_A_HS_156_2019_2020.json``
(answers in the shape of the Comtrade API's JSON, see its ``_provenance``): it
filters the rows by the request's parameters and, like the API, returns at most
``maxRecords`` of them. The test marked ``live`` calls the real API and runs
only with ``HITEX_LIVE=1`` and a ``COMTRADE_API_KEY``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hitex.data import comtrade_live as cl
from hitex.data.store import Store
from hitex.errors import DataCoverageWarning, DataFormatError, EmptySampleError, HitexError

RECORDED = Path(__file__).parent / "recorded" / "comtrade_final_C_A_HS_156_2019_2020.json"


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


class FakeResponse:
    def __init__(self, status: int, body: object, headers: dict | None = None):
        self.status = status
        self.headers = headers or {}
        self.data = json.dumps(body).encode("utf-8")


class FakeClient:
    """Replays the recorded rows, filtered like the API and capped at maxRecords."""

    def __init__(self, recorded: dict, script: list | None = None):
        self.rows = recorded["answer"]["data"]
        self.script = list(script or [])  # responses or exceptions served first
        self.calls: list[dict] = []

    def get(self, url, params):
        self.calls.append({"url": url, **params})
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item

        def wanted(value, field):
            return value is None or str(field) in str(value).split(",")

        rows = [
            r
            for r in self.rows
            if wanted(params["period"], r["refYear"])
            and wanted(params["partnerCode"], r["partnerCode"])
            and wanted(params["reporterCode"], r["reporterCode"])
            and (params["cmdCode"] == "AG6" or wanted(params["cmdCode"], r["cmdCode"]))
            and r["flowCode"] == params["flowCode"]
        ][: params["maxRecords"]]
        return FakeResponse(200, {"elapsedTime": "0.1 secs", "count": len(rows), "data": rows})


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    recorded_waits: list[float] = []
    monkeypatch.setattr(cl, "_sleep", recorded_waits.append)
    return recorded_waits


def _expected(recorded, years=(2019, 2020), partners=("842", "276")) -> dict:
    out = {}
    for r in recorded["answer"]["data"]:
        if r["refYear"] in years and str(r["partnerCode"]) in partners:
            out[(r["reporterISO"], r["partnerISO"], r["refYear"], r["cmdCode"])] = r["primaryValue"]
    return out


def _as_dict(df) -> dict:
    return {
        (r.exporter, r.importer, r.year, r.product): r.value for r in df.itertuples(index=False)
    }


def test_fetch_normalises_and_drops_world(tmp_path, recorded, waits):
    client = FakeClient(recorded)
    df = cl.fetch_comtrade(156, range(2019, 2021), client=client, store=Store(tmp_path))
    assert list(df.columns) == ["exporter", "importer", "year", "product", "value"]
    assert _as_dict(df) == _expected(recorded)
    assert len(client.calls) == 1
    call = client.calls[0]
    assert call["url"] == "https://comtradeapi.un.org/data/v1/get/C/A/HS"
    assert (call["reporterCode"], call["period"], call["cmdCode"]) == ("156", "2019,2020", "AG6")
    assert (call["partner2Code"], call["customsCode"], call["motCode"]) == (0, "C00", 0)
    assert waits == []


def test_cache_serves_second_call(tmp_path, recorded, waits):
    store = Store(tmp_path)
    first = cl.fetch_comtrade(156, [2019], client=FakeClient(recorded), store=store)
    assert store.keys() == ["comtrade_live/HS/X/156/all/AG6/2019"]
    client = FakeClient(recorded)
    again = cl.fetch_comtrade("156", 2019, client=client, store=store)
    assert client.calls == []
    assert _as_dict(again) == _as_dict(first)
    cl.fetch_comtrade(156, 2019, client=client, store=store, refresh=True)
    assert len(client.calls) == 1


def test_row_cap_splits_by_year_then_partner_then_commodity(tmp_path, recorded, waits):
    client = FakeClient(recorded)
    df = cl.fetch_comtrade(
        156,
        [2019, 2020],
        partners=[842, 276],
        commodities=["847130", "851712", "854231", "300490"],
        client=client,
        store=Store(tmp_path),
        max_rows=2,
    )
    assert _as_dict(df) == _expected(recorded)
    # a call returning fewer than 2 rows is complete; check the order of the splits
    first_split = client.calls[1]
    assert first_split["period"] == "2019" and first_split["partnerCode"] == "276,842"
    assert all(c["period"] in ("2019", "2020") for c in client.calls[1:])
    finest = [c for c in client.calls if "," not in c["cmdCode"]]
    assert finest, "requests were split down to single commodities"


def test_row_cap_that_cannot_be_split(tmp_path, recorded, waits):
    with pytest.raises(HitexError, match="row cap.*partners= and commodities="):
        cl.fetch_comtrade(156, 2019, client=FakeClient(recorded), store=Store(tmp_path), max_rows=2)


def test_429_honours_retry_after(tmp_path, recorded, waits):
    limited = recorded["rate_limited"]
    script = [
        FakeResponse(429, limited["body"], limited["headers"]),
        FakeResponse(429, {"statusCode": 429, "message": "Try again in 7 seconds."}),
        FakeResponse(503, {"message": "Service unavailable"}),
    ]
    client = FakeClient(recorded, script)
    df = cl.fetch_comtrade(156, 2019, client=client, store=Store(tmp_path), backoff=1.0)
    assert waits == [3.0, 7.0, 4.0]  # header, message, then backoff * 2**2
    assert len(client.calls) == 4
    assert _as_dict(df) == _expected(recorded, years=(2019,))


def test_network_failure_falls_back_to_cache(tmp_path, recorded, waits):
    store = Store(tmp_path)
    cl.fetch_comtrade(156, 2019, client=FakeClient(recorded), store=store)
    broken = FakeClient(recorded, [ConnectionError("refused")] * 3)
    with pytest.warns(DataCoverageWarning, match="unreachable"):
        df = cl.fetch_comtrade(
            156, 2019, client=broken, store=store, refresh=True, retries=2, backoff=0.5
        )
    assert waits == [0.5, 1.0]
    assert _as_dict(df) == _expected(recorded, years=(2019,))


def test_network_failure_without_cache(tmp_path, recorded, waits):
    broken = FakeClient(recorded, [TimeoutError("timed out")] * 2)
    with pytest.raises(HitexError, match="could not be reached"):
        cl.fetch_comtrade(156, 2019, client=broken, store=Store(tmp_path), retries=1)


def test_missing_key(tmp_path, monkeypatch):
    monkeypatch.delenv(cl.ENV_KEY, raising=False)
    with pytest.raises(HitexError, match="COMTRADE_API_KEY"):
        cl.fetch_comtrade(156, 2019, store=Store(tmp_path))


def test_rejected_key_and_bad_request(tmp_path, recorded, waits):
    denied = FakeClient(recorded, [FakeResponse(401, {"message": "Access denied"})])
    with pytest.raises(HitexError, match="subscription key"):
        cl.fetch_comtrade(156, 2019, client=denied, store=Store(tmp_path))
    bad = FakeClient(recorded, [FakeResponse(400, {"message": "Invalid period"})])
    with pytest.raises(HitexError, match="HTTP 400"):
        cl.fetch_comtrade(156, 2019, client=bad, store=Store(tmp_path))


def test_bad_arguments(tmp_path):
    with pytest.raises(HitexError, match="numeric country codes"):
        cl.fetch_comtrade("CHN", 2019, store=Store(tmp_path))
    with pytest.raises(HitexError, match="flow"):
        cl.fetch_comtrade(156, 2019, flow="RX", store=Store(tmp_path))
    with pytest.raises(HitexError, match="digits"):
        cl.fetch_comtrade(156, 2019, commodities=["TOTAL"], store=Store(tmp_path))


def test_empty_answer_and_changed_shape(tmp_path, recorded, waits):
    with pytest.raises(EmptySampleError, match="no rows"):
        cl.fetch_comtrade(156, 1990, client=FakeClient(recorded), store=Store(tmp_path))
    row = {k: v for k, v in recorded["answer"]["data"][0].items() if k != "primaryValue"}
    odd = FakeClient(recorded, [FakeResponse(200, {"count": 1, "data": [row]})])
    with pytest.raises(DataFormatError, match="primaryValue"):
        cl.fetch_comtrade(156, 2019, client=odd, store=Store(tmp_path))


def test_imports_swap_exporter_and_importer():
    row = {
        "reporterISO": "USA",
        "partnerISO": "CHN",
        "partnerCode": 156,
        "refYear": 2020,
        "cmdCode": "847130",
        "primaryValue": 5.0,
    }
    df = cl.rows_to_frame([row], flow="M")
    assert _as_dict(df) == {("CHN", "USA", 2020, "847130"): 5.0}


@pytest.mark.live
@pytest.mark.skipif(
    os.environ.get("HITEX_LIVE") != "1" or not os.environ.get(cl.ENV_KEY),
    reason="live Comtrade test: set HITEX_LIVE=1 and COMTRADE_API_KEY",
)
def test_live_comtrade(tmp_path):
    df = cl.fetch_comtrade(156, 2020, partners=842, commodities=["847130"], store=Store(tmp_path))
    assert list(df["exporter"].unique()) == ["CHN"]
    assert (df["value"] > 0).all()
