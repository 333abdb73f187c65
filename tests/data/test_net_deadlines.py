"""Live clients end within a stated time: deadlines, Retry-After values, the retry budget."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from hitex.data import comtrade_live as cl
from hitex.data import wdi_live
from hitex.data.net import WaitBudget, call_with_deadline, retry_after_seconds
from hitex.data.store import Store
from hitex.errors import HitexError


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    for conn in held:
        conn.close()
    server.close()


def test_a_server_that_never_answers_is_given_up_in_time(silent_server):
    pytest.importorskip("urllib3")
    client = cl.HttpClient("key", timeout=1.0)
    start = time.monotonic()
    urllib3 = pytest.importorskip("urllib3")
    with pytest.raises((urllib3.exceptions.HTTPError, OSError)) as info:
        client.get(f"http://127.0.0.1:{silent_server}/data", {"a": 1})
    assert time.monotonic() - start < 5
    assert "timed out" in str(info.value).lower() or "timeout" in type(info.value).__name__.lower()


def test_no_network_fails_within_seconds():
    pytest.importorskip("urllib3")
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there
    start = time.monotonic()
    urllib3 = pytest.importorskip("urllib3")
    with pytest.raises((urllib3.exceptions.HTTPError, OSError)):
        cl.HttpClient("key", timeout=30.0).get(f"http://127.0.0.1:{port}/", {})
    assert time.monotonic() - start < 5


def test_a_hung_wbgapi_call_ends_at_the_deadline(tmp_path):
    class Hung:
        class data:  # noqa: N801 - the shape of the wbgapi module
            @staticmethod
            def fetch(*args, **kwargs):
                time.sleep(10)
                return []

    start = time.monotonic()
    with pytest.raises(HitexError):
        wdi_live.fetch_wdi("NY.GDP.MKTP.CD", "CHN", 2020, client=Hung(), store=Store(tmp_path),
                           retries=1, backoff=0.0, timeout=0.5, offline_fallback=False)
    assert time.monotonic() - start < 3


def test_call_with_deadline_returns_and_raises():
    assert call_with_deadline(lambda: 3, 1.0, "quick") == 3
    with pytest.raises(ValueError, match="bad"):
        call_with_deadline(lambda: (_ for _ in ()).throw(ValueError("bad")), 1.0, "failing")
    with pytest.raises(TimeoutError, match="slow gave no answer within 0.2 s"):
        call_with_deadline(lambda: time.sleep(2), 0.2, "slow")


@pytest.mark.parametrize(("value", "expected"), [
    ("3", 3.0), ("0", 0.0), ("-5", 0.0), ("3600", 60.0), ("nan", None), ("inf", None),
    ("soon", None), (None, None), ("", None)])
def test_retry_after_values(value, expected):
    assert retry_after_seconds(value) == expected


def test_retry_after_as_an_http_date():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=10), usegmt=True),
                               now=now) == pytest.approx(10.0)
    assert retry_after_seconds(format_datetime(now + timedelta(hours=2), usegmt=True),
                               now=now) == 60.0  # capped


def test_the_retry_budget_bounds_the_total_wait(tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(cl, "_sleep", waits.append)

    class Limited:
        status = 429
        headers = {"Retry-After": "50"}
        data = b'{"statusCode": 429, "message": "rate limit"}'

    class Client:
        def get(self, url, params):
            return Limited()

    with pytest.raises(HitexError):
        cl.fetch_comtrade(156, 2019, client=Client(), store=Store(tmp_path), retries=10,
                          max_wait=120.0)
    assert sum(waits) <= 120.0 and waits == [50.0, 50.0]
    assert WaitBudget(1.0).take(2.0) is False
