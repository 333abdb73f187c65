"""Live World Development Indicators from the World Bank API (through ``wbgapi``).

``wbgapi`` is an optional dependency (``pip install 'hitex[live]'``); it is
imported only when :func:`fetch_wdi` needs it. Every successful fetch is saved
in the local :class:`~hitex.data.store.Store`. When the network fails,
:func:`fetch_wdi` falls back to the copy saved by an earlier fetch of the same
request and, failing that, to the embedded WDI bundle
(:func:`hitex.data.wdi.wdi_long`), and says so with a
:class:`~hitex.errors.DataCoverageWarning`.

Note that the live high-tech export series (TX.VAL.TECH.*) use the current
HS-based product list (2007 onwards); the old SITC-based series of the 2013
WDI vintage are only in the bundle, as ``TX.VAL.TECH.MF.ZS.SITC3`` and
``TX.VAL.TECH.CD.SITC3``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from hitex.data import wdi as wdi_local
from hitex.data.net import DEFAULT_TIMEOUT, DEFAULT_WAIT_BUDGET, WaitBudget, call_with_deadline
from hitex.data.store import Store
from hitex.data.wdi_bundle import load_bundle, wdi_folder
from hitex.errors import DataCoverageWarning, DataFormatError, EmptySampleError, HitexError

#: ``source_file`` of values fetched live.
LIVE_SOURCE = "World Bank API (wbgapi, WDI)"
_WDI_DB = 2

__all__ = ["fetch_wdi", "store_key", "LIVE_SOURCE"]

_sleep = time.sleep  # replaced in tests


def _import_wbgapi() -> Any:
    try:
        import wbgapi
    except ImportError as err:
        raise HitexError(
            "Fetching WDI live needs the optional package 'wbgapi': pip install 'hitex[live]'. "
            "Without it, use hitex.data.wdi.load_wdi() for the series in the embedded bundle."
        ) from err
    return wbgapi


def _network_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, TimeoutError, ConnectionError]
    try:
        import wbgapi

        errors.append(wbgapi.APIError)
    except (ImportError, AttributeError):
        pass
    return tuple(errors)


def _normalise_countries(countries: str | Iterable[str] | None) -> list[str] | None:
    if countries is None:
        return None
    if isinstance(countries, str):
        countries = [countries]
    out = sorted({str(c).strip().upper() for c in countries})
    if not out:
        raise HitexError("countries=[] selects nothing; pass ISO3 codes or None for all economies.")
    return out


def _years_text(years: list[int] | None) -> str:
    if years is None:
        return "all"
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ",".join(map(str, years))


def store_key(
    indicators: Iterable[str], countries: Iterable[str] | None, years: Iterable[int] | None
) -> str:
    """Return the store key under which :func:`fetch_wdi` caches a request.

    Parameters
    ----------
    indicators : iterable of str
        WDI codes (order does not matter).
    countries : iterable of str or None
        ISO3 codes, or ``None`` for all economies.
    years : iterable of int or None
        Years, or ``None`` for all.

    Returns
    -------
    str
        E.g. ``"wdi_live/NY.GDP.PCAP.KD+SP.POP.TOTL/CHN+USA/2000-2020"``.
    """
    codes = sorted(wdi_local.normalise_indicators(list(indicators)))
    econ = _normalise_countries(countries)
    yrs = sorted(wdi_local.normalise_years(years)) if years is not None else None
    return f"wdi_live/{'+'.join(codes)}/{'+'.join(econ) if econ else 'all'}/{_years_text(yrs)}"


def _field_id(row: Mapping[str, Any], name: str) -> Any:
    try:
        value = row[name]
    except KeyError as err:
        raise DataFormatError(
            f"A World Bank API row lacks the field {name!r} (row: {dict(row)!r}). The API's "
            "answer changed shape; update wbgapi (pip install -U wbgapi)."
        ) from err
    return value["id"] if isinstance(value, Mapping) else value


def _parse_year(value: Any) -> int:
    text = str(value).strip()
    if text.upper().startswith("YR"):
        text = text[2:]
    try:
        return int(text)
    except ValueError as err:
        raise DataFormatError(
            f"The World Bank API returned the time period {value!r}, not an annual 'YRyyyy' key. "
            "fetch_wdi() reads annual series only."
        ) from err


def rows_to_frame(
    rows: Iterable[Mapping[str, Any]],
    vintage: str,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Turn rows of ``wbgapi.data.fetch`` into hitex's long WDI layout.

    Parameters
    ----------
    rows : iterable of mapping
        Dicts with ``value``, ``series``, ``economy`` and ``time`` (``"YR2010"``);
        ``series``/``economy``/``time`` may also be ``{"id": ..., "value": ...}``
        (``labels=True``). Rows whose value is ``None`` are skipped.
    vintage : str
        Date recorded as the vintage of every value (the fetch date).
    names : mapping, optional
        ISO3 code to country name.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`hitex.data.wdi.LONG_COLUMNS`.
    """
    names = names or {}
    records = []
    for row in rows:
        value = row.get("value")
        if value is None:
            continue
        iso3 = str(_field_id(row, "economy")).upper()
        economy = row.get("economy")
        label = economy.get("value") if isinstance(economy, Mapping) else None
        records.append(
            {
                "iso3": iso3,
                "country_name": label or names.get(iso3),
                "indicator": str(_field_id(row, "series")),
                "year": _parse_year(_field_id(row, "time")),
                "value": float(value),
            }
        )
    df = pd.DataFrame.from_records(
        records, columns=["iso3", "country_name", "indicator", "year", "value"]
    )
    df = df.astype(
        {
            "iso3": "str",
            "country_name": "str",
            "indicator": "str",
            "year": "int64",
            "value": "float64",
        }
    )
    df["vintage"] = vintage
    df["source_file"] = LIVE_SOURCE
    return df[wdi_local.LONG_COLUMNS]


def _bundle_names(data_dir: str | os.PathLike[str] | None) -> dict[str, str]:
    try:
        folder = wdi_folder(data_dir)
        return dict(load_bundle(str(folder.resolve())).names)
    except HitexError:
        return {}


def _sorted(df: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    order = {code: i for i, code in enumerate(codes)}
    return df.sort_values(
        ["indicator", "iso3", "year"], key=lambda s: s.map(order) if s.name == "indicator" else s
    ).reset_index(drop=True)


def fetch_wdi(
    indicators: str | Iterable[str],
    countries: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    *,
    store: Store | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    offline_fallback: bool = True,
    client: Any = None,
    data_dir: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_wait: float = DEFAULT_WAIT_BUDGET,
) -> pd.DataFrame:
    """Fetch WDI series from the World Bank API, with a cache and offline fallbacks.

    Parameters
    ----------
    indicators : str or iterable of str
        WDI codes, e.g. ``["TX.VAL.TECH.MF.ZS", "GB.XPD.RSDV.GD.ZS"]``.
    countries : str or iterable of str, optional
        ISO3 codes (aggregates such as ``"WLD"`` allowed). Default: all
        economies, without aggregates.
    years : int or iterable of int, optional
        E.g. ``range(2000, 2021)``. Default: all years.
    store : Store, optional
        Where fetched data are cached (default: ``Store()`` in hitex's cache
        folder). Each request is saved under :func:`store_key`.
    retries : int, default 3
        Further attempts after a failed call (so at most ``retries + 1`` calls).
    backoff : float, default 1.0
        Seconds to wait before the first retry; the wait doubles each time.
    offline_fallback : bool, default True
        When every attempt fails, return (a) the copy of the same request in
        ``store``, else (b) the embedded bundle's values
        (:func:`hitex.data.wdi.wdi_long`), with a
        :class:`~hitex.errors.DataCoverageWarning` saying which. With
        ``False`` the network error is raised as a :class:`HitexError`.
    client : object, optional
        Object with ``client.data.fetch(...)`` like the ``wbgapi`` module
        (default: ``wbgapi`` itself). Tests pass a fake that replays recorded
        answers.
    data_dir : path-like, optional
        Data bundle used for country names and for fallback (b).
    timeout : float, default 30
        Deadline of each call in seconds: ``wbgapi`` takes none of its own, so
        the call runs in a worker thread and counts as failed (retried, then
        the fallback) when it has not answered in time.
    max_wait : float, default 120
        Most seconds spent waiting between retries in all.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, country_name, indicator, year, value, vintage,
        source_file``, as :func:`hitex.data.wdi.wdi_long`. Live values have
        ``vintage`` = the fetch date (UTC) and ``source_file`` =
        :data:`LIVE_SOURCE`; values from the store keep those of their original
        fetch; bundle values carry their bundle vintage and file.

    Raises
    ------
    HitexError
        If ``wbgapi`` is missing (``pip install 'hitex[live]'``), or the
        network fails and no fallback is allowed or available.
    EmptySampleError
        If the API answers but has no value for the request.
    """
    codes = wdi_local.normalise_indicators(indicators)
    econ = _normalise_countries(countries)
    year_set = wdi_local.normalise_years(years)
    yrs = sorted(year_set) if year_set is not None else None
    if retries < 0 or backoff < 0:
        raise HitexError(f"retries={retries} and backoff={backoff} must be >= 0.")
    store = store if store is not None else Store()
    key = store_key(codes, econ, yrs)
    if client is None:
        client = _import_wbgapi()

    errors = _network_errors()
    last_error: BaseException | None = None
    rows: list[Mapping[str, Any]] | None = None
    budget = WaitBudget(max_wait)

    def call() -> list[Mapping[str, Any]]:
        return list(client.data.fetch(
            codes if len(codes) > 1 else codes[0],
            economy=econ if econ is not None else "all",
            time=yrs if yrs is not None else "all",
            skipBlanks=True,
            skipAggs=econ is None,
            db=_WDI_DB,
        ))

    for attempt in range(retries + 1):
        try:
            rows = call_with_deadline(call, timeout, "the World Bank API")
            break
        except errors as err:  # network trouble: wait and try again
            last_error = err
            wait = backoff * 2**attempt
            if attempt < retries:
                if not budget.take(wait):
                    break
                _sleep(wait)

    if rows is not None:
        fetched_at = datetime.now(UTC)
        df = _sorted(
            rows_to_frame(rows, fetched_at.date().isoformat(), _bundle_names(data_dir)), codes
        )
        if df.empty:
            raise EmptySampleError(
                f"The World Bank API has no values for {', '.join(codes)} "
                f"(countries={econ or 'all'}, years={_years_text(yrs)}). Check the codes on "
                "data.worldbank.org or widen the years."
            )
        meta = {
            "source": LIVE_SOURCE,
            "fetched_at": fetched_at,
            "parameters": {"indicators": codes, "countries": econ, "years": yrs},
        }
        try:
            store.put(key, df, meta)
        except OSError as err:
            warnings.warn(
                f"Fetched WDI data could not be cached in {store.root} ({err}); the result is "
                "returned but not saved. Check that HITEX_CACHE_DIR is writable.",
                DataCoverageWarning,
                stacklevel=2,
            )
        return df

    reason = f"{type(last_error).__name__}: {last_error}"
    attempts = retries + 1
    if not offline_fallback:
        raise HitexError(
            f"The World Bank API could not be reached after {attempts} attempt(s) ({reason}). "
            "Check the network, or pass offline_fallback=True to use the cached copy or the "
            "embedded bundle."
        ) from last_error

    cached = store.get(key)
    if cached is not None:
        info = store.info(key) or {}
        warnings.warn(
            f"World Bank API unreachable after {attempts} attempt(s) ({reason}); fell back to "
            f"the copy fetched on {info.get('fetched_at', '?')} and cached in {store.root} "
            f"(key {key!r}). Values may be out of date; rerun when online.",
            DataCoverageWarning,
            stacklevel=2,
        )
        return _sorted(cached, codes)

    try:
        df = wdi_local.wdi_long(
            codes,
            countries=econ,
            years=yrs,
            economies_only=econ is None,
            data_dir=data_dir,
        )
    except HitexError as err:
        raise HitexError(
            f"The World Bank API could not be reached after {attempts} attempt(s) ({reason}), "
            f"no cached copy of this request is in {store.root}, and the embedded bundle cannot "
            f"serve it either: {err}"
        ) from err
    vintages = ", ".join(
        f"{code} {'/'.join(sorted(set(df.loc[df['indicator'] == code, 'vintage']), reverse=True))}"
        for code in codes
    )
    warnings.warn(
        f"World Bank API unreachable after {attempts} attempt(s) ({reason}) and no cached copy "
        f"of this request; fell back to the embedded WDI bundle (vintages: {vintages}). "
        "Values may be older than live WDI; rerun when online.",
        DataCoverageWarning,
        stacklevel=2,
    )
    return df
