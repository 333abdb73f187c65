"""Live product-level trade from the UN Comtrade API (final data, annual).

Requests go to the Comtrade+ data endpoint that ``comtradeapicall.getFinalData``
calls (``https://comtradeapi.un.org/data/v1/get/C/A/<classification>``) and
need the user's subscription key (``subscription_key=`` or the
``COMTRADE_API_KEY`` environment variable; keys are free at
comtradedeveloper.un.org). The call itself is made with ``urllib3``, the HTTP
library comtradeapicall is built on, because ``comtradeapicall.getFinalData``
prints an error answer and returns ``None``: the HTTP status (429 "rate limit
exceeded") and its ``Retry-After`` header would be lost. Both are optional
dependencies (``pip install 'hitex[comtrade]'``) imported only when a request
is sent.

Behaviour:

* **Cache.** Every answer is saved in the local
  :class:`~hitex.data.store.Store` under :func:`store_key`; a later call with
  the same request is served from it (``refresh=True`` asks the API again).
* **Rate limits.** HTTP 429 waits as long as the ``Retry-After`` header (or
  the "Try again in N seconds" message) says, else ``backoff * 2**attempt``
  seconds, and retries; so do network errors and HTTP 5xx.
* **Row cap.** A call returns at most ``max_rows`` rows (10,000 by default).
  An answer that reaches the cap may be truncated, so the request is split --
  by year, then by partner, then by commodity, then by reporter -- and the
  parts are concatenated.
* **Offline.** When every attempt fails and an earlier copy is cached, that
  copy is returned with a :class:`~hitex.errors.DataCoverageWarning`.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd

from hitex.data.net import DEFAULT_TIMEOUT, DEFAULT_WAIT_BUDGET, WaitBudget, retry_after_seconds
from hitex.data.store import Store
from hitex.errors import DataCoverageWarning, DataFormatError, EmptySampleError, HitexError

API_URL = "https://comtradeapi.un.org/data/v1/get/{type}/{freq}/{cl}"
ENV_KEY = "COMTRADE_API_KEY"
LIVE_SOURCE = "UN Comtrade API (final data)"
MAX_ROWS = 10_000
TRADE_COLUMNS = ("exporter", "importer", "year", "product", "value")

__all__ = ["API_URL", "ENV_KEY", "LIVE_SOURCE", "MAX_ROWS", "ComtradeRequest", "fetch_comtrade"]

_sleep = time.sleep  # replaced in tests
_RETRY_TEXT = re.compile(r"try again in (\d+(?:\.\d+)?) second", re.IGNORECASE)


class Response(Protocol):
    """What a client's ``get`` returns (``urllib3.HTTPResponse`` fits)."""

    status: int
    headers: Mapping[str, str]
    data: bytes


class Client(Protocol):
    """Anything with ``get(url, params) -> Response``."""

    def get(self, url: str, params: Mapping[str, Any]) -> Response:  # pragma: no cover
        ...


class HttpClient:
    """The default client: one ``urllib3.PoolManager`` and the subscription key."""

    def __init__(self, key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            import urllib3
        except ImportError as err:  # pragma: no cover - urllib3 comes with most installs
            raise HitexError(
                "Fetching Comtrade live needs the optional packages of hitex[comtrade]: "
                "pip install 'hitex[comtrade]'. Without them, download the files from "
                "comtradeplus.un.org and read them with hitex.data.tradeflows.read_trade()."
            ) from err
        self._http = urllib3.PoolManager()
        self._key = key
        # a deadline for connecting (no network fails fast) and one for the whole call
        self._timeout = urllib3.Timeout(total=timeout, connect=min(5.0, timeout))

    def get(self, url: str, params: Mapping[str, Any]) -> Response:
        fields = {k: str(v) for k, v in params.items() if v is not None}
        headers = {"Ocp-Apim-Subscription-Key": self._key}
        return self._http.request(
            "GET", url, fields=fields, headers=headers, timeout=self._timeout, retries=False
        )


def _network_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, TimeoutError, ConnectionError]
    try:
        import urllib3

        errors.append(urllib3.exceptions.HTTPError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


# --------------------------------------------------------------------------- requests
def _codes(values: str | int | Iterable[str | int] | None, what: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str | int):
        values = [values]
    out = tuple(sorted({str(v).strip() for v in values}, key=lambda c: (len(c), c)))
    if not out:
        raise HitexError(f"{what}=[] selects nothing; pass codes or None for all.")
    bad = [c for c in out if not c.isdigit()]
    if bad:
        hint = (
            "Comtrade's numeric country codes (156 China, 842 USA, 276 Germany); "
            "comtradeapicall.convertCountryIso3ToCode converts ISO3 codes"
            if what != "commodities"
            else "digits only, e.g. '847130' or '8471'"
        )
        raise HitexError(f"{what} must be {hint}; got {bad[:5]}.")
    return out


@dataclass(frozen=True)
class ComtradeRequest:
    """One annual final-data request (all fields are tuples of codes as text).

    ``partners`` or ``commodities`` ``None`` mean all partners / all
    commodities (``cmdCode=AG6``, every 6-digit line, when ``classification``
    is HS-based).
    """

    reporters: tuple[str, ...]
    years: tuple[int, ...]
    partners: tuple[str, ...] | None = None
    commodities: tuple[str, ...] | None = None
    flow: str = "X"
    classification: str = "HS"

    def params(self, max_rows: int) -> dict[str, Any]:
        """Query parameters of the API call."""
        cmd = ",".join(self.commodities) if self.commodities else "AG6"
        return {
            "reporterCode": ",".join(self.reporters),
            "period": ",".join(map(str, self.years)),
            "partnerCode": ",".join(self.partners) if self.partners else None,
            "cmdCode": cmd,
            "flowCode": self.flow,
            "partner2Code": 0,
            "customsCode": "C00",
            "motCode": 0,
            "maxRecords": max_rows,
            "format": "JSON",
            "breakdownMode": "classic",
            "includeDesc": "false",
        }

    def split(self) -> list[ComtradeRequest] | None:
        """Halve the request along its first divisible dimension, or ``None``."""
        for name in ("years", "partners", "commodities", "reporters"):
            values = getattr(self, name)
            if values is not None and len(values) > 1:
                mid = len(values) // 2
                return [
                    replace(self, **{name: values[:mid]}),
                    replace(self, **{name: values[mid:]}),
                ]
        return None


def store_key(request: ComtradeRequest) -> str:
    """Return the store key of a request, e.g. ``comtrade_live/HS/X/156/842/all/2019+2020``."""
    parts = [
        request.classification,
        request.flow,
        "+".join(request.reporters),
        "+".join(request.partners) if request.partners else "all",
        "+".join(request.commodities) if request.commodities else "AG6",
        "+".join(map(str, request.years)),
    ]
    return "comtrade_live/" + "/".join(parts)


# --------------------------------------------------------------------------- answers
def _retry_after(response: Response, payload: Any) -> float | None:
    header = {k.lower(): v for k, v in dict(response.headers or {}).items()}.get("retry-after")
    seconds = retry_after_seconds(header)
    if seconds is not None:
        return seconds
    message = payload.get("message", "") if isinstance(payload, Mapping) else ""
    match = _RETRY_TEXT.search(str(message))
    return retry_after_seconds(match.group(1)) if match else None


def _json(response: Response) -> Any:
    try:
        return json.loads(response.data or b"null")
    except ValueError:
        return None


def rows_to_frame(rows: Iterable[Mapping[str, Any]], flow: str) -> pd.DataFrame:
    """Turn rows of the API's ``data`` list into ``exporter, importer, year, product, value``.

    Rows with the partner World (``partnerCode`` 0) are dropped; ``flow="M"``
    rows (imports) have the partner as exporter.
    """
    records = []
    for row in rows:
        try:
            partner_code = row["partnerCode"]
            rep, par = row["reporterISO"], row["partnerISO"]
            year, code, value = row["refYear"], row["cmdCode"], row["primaryValue"]
        except KeyError as err:
            raise DataFormatError(
                f"A Comtrade API row lacks the field {err.args[0]!r} (fields: {sorted(row)}). The "
                "API's answer changed shape; report it with the request that produced it."
            ) from err
        if str(partner_code) == "0" or par in ("W00", "WLD"):
            continue
        if value is not None and float(value) < 0:
            raise DataFormatError(
                f"The Comtrade API returned a negative primaryValue ({value}) for {rep}-{par} "
                f"{year} {code}; trade values must be >= 0."
            )
        exp, imp = (rep, par) if flow == "X" else (par, rep)
        records.append((exp, imp, int(year), str(code), None if value is None else float(value)))
    df = pd.DataFrame.from_records(records, columns=list(TRADE_COLUMNS))
    return df.astype(
        {"exporter": "string", "importer": "string", "year": "int64", "product": "string"}
    ).astype({"value": "float64"})


# --------------------------------------------------------------------------- fetching
def _call(
    client: Client,
    url: str,
    request: ComtradeRequest,
    *,
    max_rows: int,
    retries: int,
    backoff: float,
    budget: WaitBudget | None = None,
) -> list[Mapping[str, Any]]:
    """One API call with retries (their waits within ``budget``); returns its ``data`` rows."""
    errors = _network_errors()
    budget = budget if budget is not None else WaitBudget()
    last = "no attempt"
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            response = client.get(url, request.params(max_rows))
        except errors as err:
            last = f"{type(err).__name__}: {err}"
        else:
            payload = _json(response)
            if response.status == 200 and isinstance(payload, Mapping):
                if payload.get("error"):
                    raise HitexError(f"The Comtrade API refused the request: {payload['error']}")
                data = payload.get("data")
                if not isinstance(data, list):
                    raise DataFormatError(
                        "The Comtrade API answer has no 'data' list; its shape changed."
                    )
                return data
            message = payload.get("message", "") if isinstance(payload, Mapping) else ""
            if response.status in (401, 403):
                raise HitexError(
                    f"The Comtrade API rejected the subscription key (HTTP {response.status}: "
                    f"{message}). Check the key at comtradedeveloper.un.org and pass it as "
                    f"subscription_key= or in {ENV_KEY}."
                )
            if response.status == 429:
                wait = _retry_after(response, payload) or wait
            elif response.status < 500 and response.status != 200:
                raise HitexError(
                    f"The Comtrade API answered HTTP {response.status} ({message or 'no message'}) "
                    f"to {request.params(max_rows)}; check the codes and classification."
                )
            last = f"HTTP {response.status} {message}".strip()
        if attempt < retries:
            if not budget.take(wait):
                raise ConnectionError(f"{attempt + 1} attempt(s) failed and the next wait "
                                      f"({wait:g} s) exceeds what is left of the retry budget; "
                                      f"last: {last}")
            _sleep(wait)
    raise ConnectionError(f"{retries + 1} attempt(s) failed; last: {last}")


def _fetch_split(
    client: Client, url: str, request: ComtradeRequest, **kw: Any
) -> list[Mapping[str, Any]]:
    rows = _call(client, url, request, **kw)
    if len(rows) < kw["max_rows"]:
        return rows
    parts = request.split()
    if parts is None:
        raise HitexError(
            f"A single Comtrade request (reporter {request.reporters[0]}, year "
            f"{request.years[0]}) reached the {kw['max_rows']:,}-row cap and cannot be split "
            "further; pass partners= and commodities= explicitly so it can be split."
        )
    return [row for part in parts for row in _fetch_split(client, url, part, **kw)]


def fetch_comtrade(
    reporters: str | int | Iterable[str | int],
    years: int | Iterable[int],
    *,
    partners: str | int | Iterable[str | int] | None = None,
    commodities: str | Iterable[str] | None = None,
    flow: str = "X",
    classification: str = "HS",
    subscription_key: str | None = None,
    store: Store | None = None,
    refresh: bool = False,
    max_rows: int = MAX_ROWS,
    retries: int = 4,
    backoff: float = 2.0,
    client: Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_wait: float = DEFAULT_WAIT_BUDGET,
) -> pd.DataFrame:
    """Fetch annual product-level trade from the UN Comtrade API, with a cache.

    Parameters
    ----------
    reporters : str, int or iterable
        Comtrade numeric country codes of the reporters (``156`` China).
    years : int or iterable of int
        Years, e.g. ``range(2015, 2021)``.
    partners : str, int or iterable, optional
        Partner codes; default all partners (the World total is dropped).
    commodities : str or iterable of str, optional
        Commodity codes (``"847130"``, ``"8471"``); default every 6-digit line.
    flow : {"X", "M"}
        Exports reported by the reporters, or their imports.
    classification : str, default "HS"
        Comtrade classification code (``"HS"`` as reported, ``"H5"``, ``"S3"``).
    subscription_key : str, optional
        Comtrade API key; default the ``COMTRADE_API_KEY`` environment variable.
    store : Store, optional
        Cache (default ``Store()`` in hitex's cache folder).
    refresh : bool, default False
        Ask the API even when the request is cached.
    max_rows : int, default 10000
        Row cap of one call; answers that reach it are split (see module notes).
    retries : int, default 4
        Further attempts after a failed call.
    backoff : float, default 2.0
        Seconds before the first retry when the API gives no ``Retry-After``;
        doubles each time. A ``Retry-After`` (seconds or an HTTP date) counts up
        to 60 s.
    timeout : float, default 30
        Deadline of each call in seconds (connecting: at most 5 s), so a server
        that accepts the connection and never answers gives an error in time.
    max_wait : float, default 120
        Most seconds spent waiting between retries in all (the retry budget).
    client : object, optional
        ``client.get(url, params)`` returning an object with ``status``,
        ``headers`` and ``data`` (bytes of the JSON answer). Default: an
        ``urllib3`` client with the key. Tests pass a fake.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, year, product, value`` (US$, ``primaryValue``),
        sorted; ``attrs`` hold ``source``, ``fetched_at`` and the request.

    Raises
    ------
    HitexError
        If no key is given, the key is rejected, the request is invalid, a
        single request exceeds the row cap, or the API stays unreachable and
        nothing is cached.
    EmptySampleError
        If the API has no rows for the request.
    """
    if flow not in ("X", "M"):
        raise HitexError(f"flow={flow!r}: use 'X' (exports) or 'M' (imports).")
    if retries < 0 or backoff < 0 or max_rows < 1:
        raise HitexError(f"retries={retries}, backoff={backoff} must be >= 0, max_rows >= 1.")
    year_list = [years] if isinstance(years, int) else list(years)
    request = ComtradeRequest(
        reporters=_codes(reporters, "reporters") or (),
        years=tuple(sorted({int(y) for y in year_list})),
        partners=_codes(partners, "partners"),
        commodities=_codes(commodities, "commodities"),
        flow=flow,
        classification=str(classification),
    )
    if not request.years:
        raise HitexError("years=[] selects nothing; pass one or more years.")
    store = store if store is not None else Store()
    key = store_key(request)
    cached = store.get(key)
    if cached is not None and not refresh:
        return cached
    if client is None:
        api_key = subscription_key or os.environ.get(ENV_KEY)
        if not api_key:
            raise HitexError(
                "Fetching Comtrade live needs a subscription key: pass subscription_key=... or "
                f"set the {ENV_KEY} environment variable (free keys at "
                "comtradedeveloper.un.org)."
            )
        client = HttpClient(api_key, timeout=timeout)
    url = API_URL.format(type="C", freq="A", cl=request.classification)
    try:
        rows = _fetch_split(
            client, url, request, max_rows=max_rows, retries=retries, backoff=backoff,
            budget=WaitBudget(max_wait)
        )
    except ConnectionError as err:
        if cached is None:
            raise HitexError(
                f"The Comtrade API could not be reached ({err}) and {key!r} is not cached in "
                f"{store.root}. Check the network and retry later."
            ) from err
        info = store.info(key) or {}
        warnings.warn(
            f"Comtrade API unreachable ({err}); returned the copy fetched on "
            f"{info.get('fetched_at', '?')} from {store.root}. Values may be out of date.",
            DataCoverageWarning,
            stacklevel=2,
        )
        return cached
    df = rows_to_frame(rows, flow)
    if df.empty:
        raise EmptySampleError(
            f"The Comtrade API has no rows for {request.params(max_rows)}; check the reporter "
            "codes, years and classification (data for recent years may not be released yet)."
        )
    df = df.sort_values(list(TRADE_COLUMNS[:4])).reset_index(drop=True)
    fetched_at = datetime.now(UTC)
    params = {k: v for k, v in request.params(max_rows).items() if k != "maxRecords"}
    try:
        store.put(key, df, {"source": LIVE_SOURCE, "fetched_at": fetched_at, "parameters": params})
    except OSError as err:
        warnings.warn(
            f"Comtrade data could not be cached in {store.root} ({err}); returned unsaved.",
            DataCoverageWarning,
            stacklevel=2,
        )
    df.attrs.update(source=LIVE_SOURCE, fetched_at=fetched_at.isoformat(timespec="seconds"))
    return df
