"""DuckDB steps of :func:`hitex.data.tradeflows.aggregate_trade` after the files are read.

:func:`categorised_sql` attaches to every trade row the category of its longest
matching product-code prefix (the lookup of
:func:`hitex.data.categories.category_lookup`); :func:`country_columns` maps
numeric country codes to ISO3 (:func:`hitex.data.categories.read_country_codes`);
:func:`keyed_sql` keeps one row per trade record with counters of duplicates;
:func:`diagnose` raises on conflicting duplicates and warns on dropped ones and
on restored leading zeros; :func:`check_lost_zeros` warns when a file's codes
look stripped of their leading zeros. ``con`` is a DuckDB connection.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.categories import read_country_codes
from hitex.data.sql_text import quote_text
from hitex.errors import DataCoverageWarning, DuplicateKeyError, SpecificationError

__all__ = ["categorised_sql", "check_lost_zeros", "country_columns", "diagnose", "keyed_sql"]


def categorised_sql(con: Any, source: str, lookup: pd.DataFrame, other: str | None) -> str:
    """Attach the longest-prefix category to every source row (chain of hash joins)."""
    lengths = sorted({len(c) for c in lookup["code"]}, reverse=True)
    joins, cases = [], []
    for n in lengths:
        part = lookup[lookup["code"].str.len() == n].reset_index(drop=True)
        part = pd.DataFrame(
            {"code": part["code"].astype(str), "category": part["category"].astype(object)}
        )
        con.register(f"cat_{n}", part)
        joins.append(f"LEFT JOIN cat_{n} AS m{n} ON substr(s.product, 1, {n}) = m{n}.code")
        cases.append(f"WHEN m{n}.code IS NOT NULL THEN m{n}.category")
    other_sql = quote_text(other) if other is not None else "NULL"
    case = f"CASE {' '.join(cases)} ELSE NULL END" if cases else "NULL"
    return (
        f"SELECT s.*, coalesce({case}, {other_sql}) AS category "
        f"FROM ({source}) AS s {' '.join(joins)}"
    )


def keyed_sql(source: str) -> str:
    """One row per trade record key, with counters of duplicates and restored codes.

    The key is exporter, importer, year, period (Comtrade, when present) and
    product; the flow is fixed by the filter. ``ndup`` counts the extra rows of
    a key, ``nconflict`` is 1 when they disagree on the value. Only counters are
    kept here (cheap on tens of millions of rows); examples for the messages are
    looked up afterwards, and only when something was found.
    """
    return (
        "SELECT exp, imp, year, product, min(value) AS value, count(*) - 1 AS ndup, "
        "CAST(count(*) > 1 AND (max(value) IS DISTINCT FROM min(value) "
        "OR count(value) NOT IN (0, count(*))) AS INTEGER) AS nconflict, "
        "sum(CAST(padded AS INTEGER)) AS npadded "
        f"FROM ({source}) GROUP BY exp, imp, year, period, product"
    )


def _duplicate_example(con: Any, source: str) -> tuple[str, bool]:
    """A repeated record of ``source`` as text (conflicting ones first), and whether it conflicts."""
    row = con.execute(
        "SELECT exp, imp, year, period, product, string_agg(DISTINCT parse_filename(file), "
        "' and ' ORDER BY parse_filename(file)), max(value) IS DISTINCT FROM min(value) OR count(value) NOT IN (0, count(*)) "
        f"AS differ FROM ({source}) GROUP BY exp, imp, year, period, product "
        "HAVING count(*) > 1 ORDER BY differ DESC LIMIT 1"
    ).fetchall()
    if not row:
        return "", False
    exp, imp, year, period, product, files, differ = row[0]
    when = f", period {period}" if period is not None and str(period) != str(year) else ""
    return (f"exporter {exp}, importer {imp}, year {year}{when}, code {product} in {files}",
            bool(differ))


def diagnose(con: Any, table: str, paths: list[Path], code_digits: int | None,
              source: str) -> None:
    """Raise on conflicting duplicates; warn on dropped duplicates and restored zeros."""
    ndup, nconflict, npadded = con.execute(
        "SELECT coalesce(sum(ndup), 0), coalesce(sum(nconflict), 0), coalesce(sum(npadded), 0) "
        f"FROM {table}"
    ).fetchall()[0]
    if nconflict:
        example, _ = _duplicate_example(con, source)
        raise DuplicateKeyError(
            f"{int(nconflict)} trade record(s) appear more than once with different values in "
            f"{', '.join(p.name for p in paths)}, e.g. {example}; they are not added up. Pass "
            "files that do not overlap (one file per reporter, year and classification) or "
            "remove the conflicting rows."
        )
    if ndup:
        example, _ = _duplicate_example(con, source)
        warnings.warn(
            f"{int(ndup)} duplicate trade record(s) (same exporter, importer, year, code and "
            f"value) were dropped, e.g. {example}: the files overlap or repeat rows. Pass each "
            "file once, and files that do not overlap, to avoid this warning.",
            DataCoverageWarning,
            stacklevel=3,
        )
    if npadded:
        _warn_restored_zeros(con, source, int(npadded), code_digits)


def check_lost_zeros(con: Any, source: str) -> None:
    """Warn when, with code_digits=None, a file's codes look stripped of leading zeros."""
    rows = con.execute(
        "SELECT parse_filename(file), length(product), bool_or(starts_with(product, '0')), "
        f"count(*), min(product) FROM ({source}) GROUP BY ALL"
    ).fetchall()
    by_file: dict[str, dict[int, tuple[bool, int, str]]] = {}
    for name, length, zero, n, example in rows:
        by_file.setdefault(name, {})[int(length)] = (bool(zero), int(n), str(example))
    for name, lengths in sorted(by_file.items()):
        longest = max(lengths)
        if longest - 1 not in lengths or any(z for z, _, _ in lengths.values()):
            continue
        _, n, example = lengths[longest - 1]
        warnings.warn(
            f"{name}: {n} commodity code(s) have {longest - 1} digits (e.g. {example}) next to "
            f"{longest}-digit codes and no code starts with 0, so leading zeros look lost (a CSV "
            f"saved by a spreadsheet); {example} would match the wrong products. Pass "
            f"code_digits={longest} to restore them, or save the code column as text.",
            DataCoverageWarning,
            stacklevel=3,
        )


def country_columns(con: Any, table: str, numeric: bool, codes: Any) -> tuple[str, str, str]:
    """Exporter and importer expressions and joins mapping numeric codes to ISO3."""
    if codes is None:
        return "a.exp", "a.imp", ""
    if not numeric:
        raise SpecificationError(
            "country_codes= is only used for files with numeric country codes (BACI, or Comtrade "
            "files without reporterISO/partnerISO); leave it out for this file."
        )
    con.register("country_codes", read_country_codes(codes).astype(object))
    unmapped = con.execute(
        f"SELECT DISTINCT code FROM (SELECT exp AS code FROM {table} UNION SELECT imp FROM {table}) "
        "WHERE code NOT IN (SELECT code FROM country_codes) ORDER BY code LIMIT 10"
    ).fetchall()
    if unmapped:
        warnings.warn(
            f"country codes {[r[0] for r in unmapped]} are not in the country-code table; they "
            "are kept as numeric codes. Use the country file of the same BACI release.",
            DataCoverageWarning,
            stacklevel=4,
        )
    joins = (
        " LEFT JOIN country_codes ce ON a.exp = ce.code"
        " LEFT JOIN country_codes ci ON a.imp = ci.code"
    )
    return "coalesce(ce.iso3, a.exp)", "coalesce(ci.iso3, a.imp)", joins


def _warn_restored_zeros(con: Any, source: str, npadded: int, code_digits: int | None) -> None:
    """Warn that leading zeros of ``npadded`` Comtrade codes were restored."""
    examples = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT raw FROM ({source}) WHERE padded ORDER BY 1 LIMIT 5"
        ).fetchall()
    ]
    warnings.warn(
        f"leading zeros restored: {npadded} commodity code(s) had fewer than "
        f"code_digits={code_digits} digits, e.g. {examples}, as when a CSV is saved by a "
        f"spreadsheet that reads codes as numbers; they were left-padded with zeros to "
        f"{code_digits} digits ({examples[0]} -> {examples[0].zfill(int(code_digits or 0))}). "
        "Save the code column as text to avoid this warning.",
        DataCoverageWarning,
        stacklevel=4,
    )
