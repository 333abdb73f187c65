"""Trade-file layouts and the DuckDB source SQL of :mod:`hitex.data.tradeflows`.

The helpers here check the paths given, read the header line of each trade
file, tell its layout (CEPII BACI, UN Comtrade+ or legacy UN Comtrade; see the
docstring of :mod:`hitex.data.tradeflows`) and build the DuckDB ``SELECT``
that reads the files with explicit column types and normalises them to
``exp, imp, year, period, product, value, file, padded, raw``. The public
names are re-exported by :mod:`hitex.data.tradeflows`; import them from there.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from pathlib import Path

from hitex.data.sql_text import quote_name, quote_text
from hitex.errors import DataFormatError, DataNotFoundError, SpecificationError

PathLike = str | os.PathLike[str]

#: Columns of a BACI file, in order.
BACI_COLUMNS: tuple[str, ...] = ("t", "i", "j", "k", "v", "q")
#: Columns a Comtrade+ file must have (``reporterISO``/``partnerISO`` may be
#: replaced by ``reporterCode``/``partnerCode`` with ``country_codes=``).
COMTRADE_REQUIRED: tuple[str, ...] = ("refYear", "flowCode", "cmdCode")
#: Columns a legacy Comtrade file must have, besides one of
#: :data:`COMTRADE_LEGACY_FLOW`.
COMTRADE_LEGACY_REQUIRED: tuple[str, ...] = (
    "Year",
    "Reporter ISO",
    "Partner ISO",
    "Commodity Code",
    "Trade Value (US$)",
)
#: Flow columns of a legacy Comtrade file: the code (1 import, 2 export,
#: 3 re-export, 4 re-import) or, when it is absent, the text.
COMTRADE_LEGACY_FLOW: tuple[str, ...] = ("Trade Flow Code", "Trade Flow")

_LEGACY_FLOW = {"X": 2, "M": 1}
_LEGACY_FLOW_TEXT = {"export": "X", "import": "M", "re-export": "RX", "re-import": "RM"}
_NUMERIC_PAIR = ("reporterCode", "partnerCode")


# --------------------------------------------------------------------------- file headers
def csv_header(path: Path) -> tuple[list[str], str]:
    """Return the column names and the delimiter of a CSV or tab-separated file (plain or gzip)."""
    if path.suffix.lower() in (".zip", ".7z"):
        raise DataFormatError(
            f"{path.name} is an archive; unzip it and pass the CSV file(s) inside "
            "(.csv, .txt and .gz files are read directly)."
        )
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            line = fh.readline()
    except (OSError, EOFError) as err:
        raise DataFormatError(f"{path} cannot be read as text ({err}).") from err
    line = line.rstrip("\r\n")
    if not line.strip():
        raise DataFormatError(f"{path.name} is empty or has no header line; expected a CSV header.")
    delim = "\t" if line.count("\t") > line.count(",") else ","
    names = [c.strip().strip('"').strip() for c in line.split(delim)]
    return names, delim


def trade_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise SpecificationError("paths=[] names no file; pass one or more trade files.")
    out = []
    for item in items:
        path = Path(item).expanduser()
        if not path.is_file():
            raise DataNotFoundError(f"trade file {str(path)!r} not found; check the path.")
        out.append(path)
    return out


def _layout(path: Path, fmt: str, names: list[str]) -> str:
    """Return ``"baci"``, ``"comtrade"`` or ``"comtrade_legacy"`` for a header."""
    found = set(names)
    if fmt == "baci":
        if names != list(BACI_COLUMNS):
            raise DataFormatError(
                f"{path.name} is not a BACI file: expected the columns {list(BACI_COLUMNS)} "
                f"(year, exporter, importer, HS6 product, value in thousand US$, quantity), "
                f"found {names}. Pass the BACI_HS*_Y*.csv files, or fmt='comtrade' for "
                "Comtrade files."
            )
        return "baci"
    if all(c in found for c in COMTRADE_REQUIRED):
        return "comtrade"
    legacy_flow = any(c in found for c in COMTRADE_LEGACY_FLOW)
    if legacy_flow and all(c in found for c in COMTRADE_LEGACY_REQUIRED):
        return "comtrade_legacy"
    missing_new = [c for c in COMTRADE_REQUIRED if c not in found]
    missing_old = [c for c in COMTRADE_LEGACY_REQUIRED if c not in found]
    if not legacy_flow:
        missing_old.append(" or ".join(repr(c) for c in COMTRADE_LEGACY_FLOW))
    if len(found & {*COMTRADE_LEGACY_REQUIRED, *COMTRADE_LEGACY_FLOW}) > len(
        found & {*COMTRADE_REQUIRED, "reporterISO", "partnerISO", "primaryValue"}
    ):
        raise DataFormatError(
            f"{path.name} looks like a legacy UN Comtrade file but lacks the columns "
            f"{missing_old}; a legacy file needs {list(COMTRADE_LEGACY_REQUIRED)} and "
            f"'Trade Flow Code' (1, 2, 3, 4) or 'Trade Flow' (Import, Export, Re-Export, "
            f"Re-Import); found {names}. Keep these columns, with their legacy names, when "
            "saving the file."
        )
    raise DataFormatError(
        f"{path.name} is not a UN Comtrade file: expected the Comtrade+ columns "
        f"{list(COMTRADE_REQUIRED)} plus reporterISO/partnerISO (or reporterCode/partnerCode) "
        f"and primaryValue (missing: {missing_new}), or the legacy columns "
        f"{list(COMTRADE_LEGACY_REQUIRED)} (missing: {missing_old}); found {names}. Download "
        "the file again from comtradeplus.un.org (all columns), or fmt='baci' for BACI files."
    )


# --------------------------------------------------------------------------- source SQL
def _read_csv_sql(paths: list[Path], names: list[str], delim: str, types: dict[str, str]) -> str:
    columns = ", ".join(f"{quote_text(n)}: {quote_text(types.get(n, 'VARCHAR'))}" for n in names)
    files = ", ".join(quote_text(str(p)) for p in paths)
    return (
        f"read_csv([{files}], header = true, delim = {quote_text(delim)}, quote = '\"', "
        f"auto_detect = false, columns = {{{columns}}}, compression = 'auto', "
        "filename = '_hitex_file')"
    )


def source_sql(
    paths: list[Path],
    fmt: str,
    *,
    flow: str,
    code_digits: int | None,
    value_col: str | None,
) -> tuple[str, str, bool]:
    """SQL yielding ``exp, imp, year, period, product, value, file, padded, raw``.

    Also returns the value column and whether the country identifiers are
    numeric codes. ``padded`` marks Comtrade codes whose lost leading zero was
    restored (``raw`` is the code as written).
    """
    if fmt not in ("baci", "comtrade"):
        raise SpecificationError(f"fmt={fmt!r} is not supported; use fmt='baci' or 'comtrade'.")
    if flow not in ("X", "M"):
        raise SpecificationError(
            f"flow={flow!r}: use 'X' (exports as reported by the exporter) or 'M' (imports as "
            "reported by the importer)."
        )
    if code_digits is not None and (not isinstance(code_digits, int) or code_digits < 1):
        raise SpecificationError(
            f"code_digits must be a positive integer or None, not {code_digits!r}."
        )
    headers = [(csv_header(p), p) for p in paths]
    (names, delim), first = headers[0]
    layout = _layout(first, fmt, names)
    for (other_names, other_delim), path in headers[1:]:
        if other_names != names or other_delim != delim:
            raise DataFormatError(
                f"{path.name} has the columns {other_names}, unlike {first.name} ({names}); "
                "aggregate files of one layout at a time."
            )

    if layout == "baci":
        types = {"t": "INTEGER", "i": "INTEGER", "j": "INTEGER", "k": "VARCHAR", "v": "DOUBLE"}
        src = _read_csv_sql(paths, names, delim, types)
        product = "lpad(trim(k), 6, '0')"
        where = "" if code_digits is None else f" WHERE length(trim(k)) <= {int(code_digits)}"
        sql = (
            "SELECT CAST(i AS VARCHAR) AS exp, CAST(j AS VARCHAR) AS imp, t AS year, "
            f"NULL::VARCHAR AS period, {product} AS product, v * 1000.0 AS value, "
            f"_hitex_file AS file, false AS padded, NULL::VARCHAR AS raw FROM {src}{where}"
        )
        return sql, "v", True

    found = set(names)
    if layout == "comtrade":
        value = value_col or "primaryValue"
        if {"reporterISO", "partnerISO"} <= found:
            rep, par, numeric = "reporterISO", "partnerISO", False
        elif set(_NUMERIC_PAIR) <= found:
            rep, par, numeric = "reporterCode", "partnerCode", True
        else:
            raise DataFormatError(
                f"{first.name} has neither reporterISO/partnerISO nor reporterCode/partnerCode "
                f"(found {names}); download the file with the country columns."
            )
        year, code, period, level = "refYear", "cmdCode", "period", "aggrLevel"
        flow_test = f'trim("flowCode") = {quote_text(flow)}'
        filters = []
        if "partnerCode" in found:
            filters.append('TRY_CAST(trim("partnerCode") AS INTEGER) IS DISTINCT FROM 0')
        if "partnerISO" in found:
            filters.append("coalesce(trim(\"partnerISO\"), '') NOT IN ('W00', 'WLD')")
        for col, total in (("partner2Code", "0"), ("motCode", "0")):
            if col in found:
                filters.append(f"coalesce(TRY_CAST(trim({quote_name(col)}) AS INTEGER), 0) = {total}")
        if "customsCode" in found:
            filters.append("coalesce(trim(\"customsCode\"), 'C00') = 'C00'")
    else:
        value = value_col or "Trade Value (US$)"
        rep, par, numeric = "Reporter ISO", "Partner ISO", False
        year, code, period, level = "Year", "Commodity Code", "Period", "Aggregate Level"
        if "Trade Flow Code" in found:
            flow_test = f'trim("Trade Flow Code") = {quote_text(str(_LEGACY_FLOW[flow]))}'
        else:  # text only: Export, Import, Re-Export, Re-Import
            whens = " ".join(f"WHEN {quote_text(k)} THEN {quote_text(v)}" for k, v in _LEGACY_FLOW_TEXT.items())
            flow_test = f'(CASE lower(trim("Trade Flow")) {whens} END) = {quote_text(flow)}'
        filters = ["coalesce(trim(\"Partner ISO\"), '') NOT IN ('W00', 'WLD')"]
        if "Partner Code" in found:
            filters.append('TRY_CAST(trim("Partner Code") AS INTEGER) IS DISTINCT FROM 0')
    if value not in found:
        raise DataFormatError(
            f"{first.name} has no value column {value!r} (found {names}); pass the column with "
            "the trade value in US$ as value_col=."
        )
    types = {year: "INTEGER", value: "DOUBLE"}
    src = _read_csv_sql(paths, names, delim, types)
    clean_code = f"replace(replace(trim({quote_name(code)}), '.', ''), ' ', '')"
    filters.append(flow_test)
    filters.append(f"regexp_full_match({clean_code}, '[0-9]+')")
    product, padded = clean_code, "false"
    if code_digits is not None:
        digits = int(code_digits)
        # A lost leading zero leaves a code one digit short (HS 090111 -> 90111);
        # codes two or more digits short are headings or chapters, unless the
        # aggregation-level column says otherwise.
        short = f"length({clean_code}) = {digits - 1}"
        if level in found:
            short = (
                f"length({clean_code}) < {digits} AND coalesce(TRY_CAST(trim({quote_name(level)}) "
                f"AS INTEGER) = {digits}, {short})"
            )
        padded = f"({short})"
        product = f"CASE WHEN {padded} THEN lpad({clean_code}, {digits}, '0') ELSE {clean_code} END"
        filters.append(f"length({product}) = {digits}")
    period_sql = f"CAST(trim({quote_name(period)}) AS VARCHAR)" if period in found else "NULL::VARCHAR"
    exp, imp = (rep, par) if flow == "X" else (par, rep)
    sql = (
        f"SELECT CAST(trim({quote_name(exp)}) AS VARCHAR) AS exp, CAST(trim({quote_name(imp)}) AS VARCHAR) AS imp, "
        f"{quote_name(year)} AS year, {period_sql} AS period, {product} AS product, "
        f"{quote_name(value)} AS value, _hitex_file AS file, {padded} AS padded, {clean_code} AS raw "
        f"FROM {src} WHERE {' AND '.join(filters)}"
    )
    return sql, value, numeric
