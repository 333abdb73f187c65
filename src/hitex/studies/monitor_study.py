"""The analyst's one-page view of a province or a country: a monitoring study built on the fly.

:func:`monitor_study` turns ``hitex monitor REGION`` into a study: a
province-year panel of the bundle's high-tech industry exports by province
(China Statistical Yearbook on Science and Technology, million US$), or a
country-year panel of WDI high-tech exports (``TX.VAL.TECH.CD``, current US$,
the HS-based series; the older SITC-based series is ``TX.VAL.TECH.CD.SITC3``
and is not mixed in), with one ``monitoring`` table (level, growth, rank among
the peers, gaps, who overtook whom, and the conflicts with a user's source).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from hitex.errors import HitexError, StudySpecError


def _province(region: str) -> int | None:
    from hitex.data.china import resolve_provinces

    try:
        return resolve_provinces([region])[0]
    except HitexError:
        return None


def _country(region: str, data_dir: Any) -> str | None:
    from hitex.data.countries import resolve

    try:
        return resolve([region], data_dir=data_dir)[0]
    except HitexError:
        return None


def _unknown(region: str, data_dir: Any) -> StudySpecError:
    from hitex.data.china import provinces
    from hitex.data.countries import country_table

    table = provinces()
    names = [*table["province_en"], *table["province_zh"]]
    countries = country_table(data_dir)
    names += [*countries.loc[~countries["is_aggregate"], "name"]]
    close = difflib.get_close_matches(region, names, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return StudySpecError(
        f"no province or country called {region!r}.{hint} Give a Chinese province by code (37), "
        "English or Chinese name (Shandong, 山东), or a country by ISO3 code (CHN) or English "
        "name.")


def _years(years: str | None, default: tuple[int, int]) -> tuple[int, int]:
    if not years:
        return default
    first, _, last = years.partition("-")
    try:
        span = (int(first), int(last or first))
    except ValueError:
        raise StudySpecError(f"--years {years!r}: write a year range such as 2016-2018.") from None
    if span[0] > span[1] or span[0] < 1900 or span[1] > 2100:
        raise StudySpecError(f"--years {years!r}: the first year must not be after the last "
                             "(and both between 1900 and 2100).")
    return span


def monitor_study(region: str, *, peers: list[str] | None = None, years: str | None = None,
                  source: Path | None = None, source_unit: str | None = None,
                  lang: str = "en", data_dir: Any = None) -> dict[str, Any]:
    """The study file (as a mapping) of ``hitex monitor REGION``.

    Parameters
    ----------
    region : str
        A Chinese province (code, English or Chinese name) or a country (ISO3,
        ISO2 or English name).
    peers : list of str, optional
        The units ranked against each other (same kinds of names); default all
        provinces, or every economy of the bundle.
    years : str, optional
        ``"A-B"``; default the years of the bundle's series (2016-2018 for
        provinces, 2007-2023 for countries).
    source : path, optional
        A file of the user's own values (columns: the unit, ``year``,
        ``value``) as a second source; conflicts with the bundle are reported.
    source_unit : str, optional
        Unit of the file's values (e.g. ``USD_bn``); default the bundle's.
    lang : {"en", "zh"}
        Language of the table's headings and the provinces' names.
    data_dir : path-like, optional
        The data bundle.

    Raises
    ------
    StudySpecError
        For an unknown region (with a did-you-mean) or years that are not a range.
    """
    code = _province(region)
    if code is not None:
        unit, kind = "province_code", "province_year"
        resolve_peer = _province
        span = _years(years, (2016, 2018))
        data: dict[str, Any] = {
            "kind": kind, "unit": unit, "years": list(span),
            "sources": [{"kind": "china_provincial", "variables": {"ht_exports": "ht_exports"}}]}
        bundle_unit, label = "USD_m", "S&T yearbook"
        names = "province_zh" if lang == "zh" else "province_en"
        focus: Any = code
    else:
        iso3 = _country(region, data_dir)
        if iso3 is None:
            raise _unknown(region, data_dir)
        from hitex.data.countries import country_table

        unit, kind = "iso3", "country_year"
        resolve_peer = lambda p: _country(p, data_dir)  # noqa: E731
        span = _years(years, (2007, 2023))
        table = country_table(data_dir)
        everyone = sorted(table.loc[~table["is_aggregate"], "iso3"])
        data = {"kind": kind, "unit": unit, "years": list(span),
                "countries": {"iso3": everyone},
                "sources": [{"kind": "wdi", "indicators": {"TX.VAL.TECH.CD": "ht_exports"}}]}
        bundle_unit, names, label = "USD", None, "WDI TX.VAL.TECH.CD"
        focus = iso3
    peer_codes = []
    for peer in peers or []:
        resolved = resolve_peer(peer)
        if resolved is None:
            raise _unknown(peer, data_dir)
        peer_codes.append(resolved)
    sources = [{"column": "ht_exports", "source": label}]
    if source is not None:
        data["sources"].append({"kind": "file", "path": str(source),
                                "columns": {"value": "user_value"}})
        sources.append({"column": "user_value", "source": f"your file {Path(source).name}"})
    if source is not None and (source_unit or bundle_unit) != bundle_unit:
        raise StudySpecError(f"--source-unit {source_unit}: convert your file to the bundle's unit "
                             f"({bundle_unit}) first; hitex compares values of one unit only.")
    table_spec: dict[str, Any] = {
        "name": "monitor", "kind": "monitoring", "title": (f"{region}高技术产品出口" if lang == "zh"
                                               else f"High-tech exports of {region}"),
        "sources": sources, "rule": f"prefer:{label}", "unit_of_value": bundle_unit,
        "to_unit": "USD_bn", "lang": lang,
        "focus": [focus], "peers": [focus, *[p for p in peer_codes if p != focus]] if peers
        else []}
    if names:
        table_spec["names"] = names
    return {"name": "monitor", "title": f"High-tech exports of {region}: monitoring",
            "data": data, "tables": [table_spec]}
