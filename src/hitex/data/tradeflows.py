r"""Product-level trade files (CEPII BACI, UN Comtrade) read and aggregated with DuckDB.

Two publishers' layouts are recognised from the header of each file:

``baci``
    CEPII BACI (``BACI_HS92_Y2019_V202401.csv``): columns ``t, i, j, k, v, q`` --
    year, exporter and importer as numeric country codes, HS 6-digit product,
    value in **thousands** of current US$, quantity in metric tons. Values are
    multiplied by 1,000 so that ``value`` is in US$. Country codes are turned
    into ISO3 codes with BACI's own country file (``country_codes_V202401.csv``,
    columns ``country_code`` and ``country_iso3``, or ``iso_3digit_alpha`` in
    older releases) passed as ``country_codes=``.
``comtrade``
    UN Comtrade: the Comtrade+ layout (bulk ``.txt.gz`` files are
    tab-separated, web downloads comma-separated; ``typeCode, freqCode,
    refYear, reporterCode, reporterISO, flowCode, partnerCode, partnerISO,
    partner2Code, classificationCode, cmdCode, aggrLevel, customsCode,
    motCode, cifvalue, fobvalue, primaryValue, ...``) or the legacy layout
    (``Year, Trade Flow Code, Reporter ISO, Partner ISO, Commodity Code,
    Trade Value (US$)``, ...; without ``Trade Flow Code`` the text column
    ``Trade Flow`` is used). Rows with the partner World (0, ``W00``/``WLD``),
    with a second partner, customs procedure or transport mode other than the
    total (where those columns exist), and commodity codes of another length
    than ``code_digits`` (``TOTAL``, chapters and headings that would double
    count the 6-digit lines) are left out.

    Flows: ``flow="X"`` keeps flow ``X`` (legacy code 2, ``Export``),
    ``flow="M"`` keeps ``M`` (legacy 1, ``Import``). Re-export and re-import
    rows (``RX``/``RM``, legacy codes 3/4, ``Re-Export``/``Re-Import``) are
    always left out. For reporters on the general trade system (e.g. the
    United States, Hong Kong SAR) Comtrade+ ``X`` already includes re-exports,
    for special-trade reporters it does not, so exports are not fully
    comparable across reporters; mirror imports (``flow="M"``) avoid this.

    Leading zeros: a CSV saved by a spreadsheet that read the codes as
    numbers has ``90111`` for HS ``090111``. With ``code_digits`` given, an
    all-digit code one digit short of ``code_digits`` (or shorter, when the
    row's ``aggrLevel``/``Aggregate Level`` equals ``code_digits``) is
    left-padded with zeros, with a :class:`~hitex.errors.DataCoverageWarning`;
    codes two or more digits short are headings or chapters and are left out.
    With ``code_digits=None`` codes are kept as written, and a file whose
    codes look stripped of leading zeros (some one digit shorter than the
    longest, none starting with 0) raises a warning.

Duplicates: a record is identified by exporter, importer, year, period
(Comtrade, where the column exists) and product code, for the chosen flow.
Rows repeated with the same value, in one file or across the files read
(overlapping files, a file passed twice), are counted once, with a
:class:`~hitex.errors.DataCoverageWarning`; rows repeated with different values
raise :class:`~hitex.errors.DuplicateKeyError` naming the files and a record.

Every loader normalises to ``exporter, importer, year, product, value``
(``product`` is text with its leading zeros, ``value`` in US$).

Aggregation. :func:`aggregate_trade` streams the files through DuckDB
(``read_csv`` with explicit column types), so files larger than memory work:
DuckDB runs with a memory limit and spills to a temporary folder. A record
with product :math:`k` gets the category of the longest code :math:`l` of the
category table that is a prefix of :math:`k` (an entry with an empty category
is an exclusion), the rule of :mod:`hitex.indicators.products`, and

.. math::

    V_{ijt,c} = \sum_{k:\ \operatorname{cat}(k) = c} v_{ijtk}.

When the category table is coded in another nomenclature than the file
(study 001's SITC Rev.3 list against HS-coded BACI), a concordance maps each
traded code to the category table's codes first; a traded code whose targets
fall in different categories is left unclassified, with a warning.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.categories import (  # noqa: F401 - re-exported
    _categorised_sql,
    _category_table,
    _clean_codes,
    _countries,
    _diagnose,
    _keyed_sql,
    _lit,
    _lost_zero_check,
    _prefix_category,
    _q,
    _system,
    _warn_restored_zeros,
    category_lookup,
    read_country_codes,
)
from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    EmptySampleError,
    SpecificationError,
)

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
#: Normalised columns of :func:`read_trade`.
TRADE_COLUMNS: tuple[str, ...] = ("exporter", "importer", "year", "product", "value")
#: Columns of :func:`aggregate_trade`.
AGGREGATE_COLUMNS: tuple[str, ...] = ("exporter", "importer", "year", "category", "value")

_LEGACY_FLOW = {"X": 2, "M": 1}
_LEGACY_FLOW_TEXT = {"export": "X", "import": "M", "re-export": "RX", "re-import": "RM"}
_NUMERIC_PAIR = ("reporterCode", "partnerCode")

__all__ = [
    "AGGREGATE_COLUMNS",
    "BACI_COLUMNS",
    "COMTRADE_LEGACY_FLOW",
    "COMTRADE_LEGACY_REQUIRED",
    "COMTRADE_REQUIRED",
    "TRADE_COLUMNS",
    "aggregate_trade",
    "category_lookup",
    "read_country_codes",
    "read_trade",
]


# --------------------------------------------------------------------------- file headers
def _header(path: Path) -> tuple[list[str], str]:
    """Return the column names and the delimiter of a CSV or tab-separated file."""
    if path.suffix.lower() in (".zip", ".7z"):
        raise DataFormatError(
            f"{path.name} is an archive; unzip it and pass the CSV file(s) inside "
            "(DuckDB reads .csv, .txt and .gz files directly)."
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


def _paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
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
    columns = ", ".join(f"{_lit(n)}: {_lit(types.get(n, 'VARCHAR'))}" for n in names)
    files = ", ".join(_lit(str(p)) for p in paths)
    return (
        f"read_csv([{files}], header = true, delim = {_lit(delim)}, quote = '\"', "
        f"auto_detect = false, columns = {{{columns}}}, compression = 'auto', "
        "filename = '_hitex_file')"
    )


def _source_sql(
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
    headers = [(_header(p), p) for p in paths]
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
        flow_test = f'trim("flowCode") = {_lit(flow)}'
        filters = []
        if "partnerCode" in found:
            filters.append('TRY_CAST(trim("partnerCode") AS INTEGER) IS DISTINCT FROM 0')
        if "partnerISO" in found:
            filters.append("coalesce(trim(\"partnerISO\"), '') NOT IN ('W00', 'WLD')")
        for col, total in (("partner2Code", "0"), ("motCode", "0")):
            if col in found:
                filters.append(f"coalesce(TRY_CAST(trim({_q(col)}) AS INTEGER), 0) = {total}")
        if "customsCode" in found:
            filters.append("coalesce(trim(\"customsCode\"), 'C00') = 'C00'")
    else:
        value = value_col or "Trade Value (US$)"
        rep, par, numeric = "Reporter ISO", "Partner ISO", False
        year, code, period, level = "Year", "Commodity Code", "Period", "Aggregate Level"
        if "Trade Flow Code" in found:
            flow_test = f'trim("Trade Flow Code") = {_lit(str(_LEGACY_FLOW[flow]))}'
        else:  # text only: Export, Import, Re-Export, Re-Import
            whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in _LEGACY_FLOW_TEXT.items())
            flow_test = f'(CASE lower(trim("Trade Flow")) {whens} END) = {_lit(flow)}'
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
    clean_code = f"replace(replace(trim({_q(code)}), '.', ''), ' ', '')"
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
                f"length({clean_code}) < {digits} AND coalesce(TRY_CAST(trim({_q(level)}) "
                f"AS INTEGER) = {digits}, {short})"
            )
        padded = f"({short})"
        product = f"CASE WHEN {padded} THEN lpad({clean_code}, {digits}, '0') ELSE {clean_code} END"
        filters.append(f"length({product}) = {digits}")
    period_sql = f"CAST(trim({_q(period)}) AS VARCHAR)" if period in found else "NULL::VARCHAR"
    exp, imp = (rep, par) if flow == "X" else (par, rep)
    sql = (
        f"SELECT CAST(trim({_q(exp)}) AS VARCHAR) AS exp, CAST(trim({_q(imp)}) AS VARCHAR) AS imp, "
        f"{_q(year)} AS year, {period_sql} AS period, {product} AS product, "
        f"{_q(value)} AS value, _hitex_file AS file, {padded} AS padded, {clean_code} AS raw "
        f"FROM {src} WHERE {' AND '.join(filters)}"
    )
    return sql, value, numeric


# --------------------------------------------------------------------------- DuckDB
def _connect(memory_limit: str, temp_directory: PathLike | None, threads: int | None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    temp = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "hitex-duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    con.execute(f"SET temp_directory = {_lit(str(temp))}")
    con.execute("SET preserve_insertion_order = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _run(con: Any, sql: str, paths: list[Path], value_col: str) -> None:
    import duckdb

    try:
        con.execute(sql)
    except duckdb.Error as err:
        raise DataFormatError(
            f"DuckDB could not read {', '.join(p.name for p in paths)} in the expected layout: "
            f"{str(err).splitlines()[0]}. Check that the value column {value_col!r} and the year "
            "column hold numbers only (no text such as 'NA' or thousands separators)."
        ) from err


def _checks(con: Any, table: str, value_col: str, paths: list[Path]) -> None:
    n, negatives, missing = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE vmin < 0), coalesce(sum(nmissing), 0) FROM {table}"
    ).fetchall()[0]
    if n == 0:
        raise EmptySampleError(
            f"no trade record is left in {', '.join(p.name for p in paths)} after the filters "
            "(flow, partner World, code_digits); check flow= ('X' or 'M') and code_digits=."
        )
    if negatives:
        exp, imp, year, vmin = con.execute(
            f"SELECT exp, imp, year, vmin FROM {table} WHERE vmin < 0 ORDER BY vmin LIMIT 1"
        ).fetchall()[0]
        raise DataFormatError(
            f"column {value_col!r} has negative trade values (e.g. {vmin:g} for exporter {exp}, "
            f"importer {imp}, year {year}); trade flows must be >= 0. Correct or drop those rows."
        )
    if missing:
        warnings.warn(
            f"{int(missing)} record(s) have no value in column {value_col!r}; they were skipped.",
            DataCoverageWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------- public API
def _typed(df: pd.DataFrame, text_col: str) -> pd.DataFrame:
    df = df.astype({"exporter": "string", "importer": "string", text_col: "string"})
    return df.astype({"year": "int64", "value": "float64"}).reset_index(drop=True)


def read_trade(
    paths: PathLike | Iterable[PathLike],
    *,
    fmt: str = "baci",
    country_codes: PathLike | pd.DataFrame | None = None,
    flow: str = "X",
    code_digits: int | None = 6,
    value_col: str | None = None,
    memory_limit: str = "1GB",
) -> pd.DataFrame:
    """Read product-level trade files into ``exporter, importer, year, product, value``.

    The records are returned in memory; for files larger than memory use
    :func:`aggregate_trade`. The parameters are those of :func:`aggregate_trade`.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, year, product, value``: ``product`` is text with its
        leading zeros, ``value`` in US$; records without a value are dropped.

    Raises
    ------
    DataFormatError
        For a header of another layout, text or negative numbers in the value
        column.
    DuplicateKeyError
        If a record appears more than once with different values.
    EmptySampleError
        If no record is left after the filters.

    Warns
    -----
    DataCoverageWarning
        When duplicate records were dropped, leading zeros restored, codes look
        stripped of leading zeros or records have no value.
    """
    files = _paths(paths)
    source, value_name, numeric = _source_sql(
        files, fmt, flow=flow, code_digits=code_digits, value_col=value_col
    )
    con = _connect(memory_limit, None, None)
    try:
        if code_digits is None and fmt == "comtrade":
            _lost_zero_check(con, source)
        _run(con, f"CREATE TEMP TABLE rows AS {_keyed_sql(source)}", files, value_name)
        _diagnose(con, "rows", files, code_digits, source)
        _run(
            con,
            "CREATE TEMP VIEW checks AS SELECT exp, imp, year, min(value) AS vmin, "
            "count(*) - count(value) AS nmissing FROM rows GROUP BY ALL",
            files,
            value_name,
        )
        _checks(con, "checks", value_name, files)
        exp, imp, joins = _countries(con, "rows", numeric, country_codes)
        df = con.execute(
            f"SELECT {exp} AS exporter, {imp} AS importer, a.year, a.product, a.value "
            f"FROM rows a{joins} WHERE a.value IS NOT NULL "
            "ORDER BY exporter, importer, a.year, a.product"
        ).df()
    finally:
        con.close()
    return _typed(df, "product")


def aggregate_trade(
    paths: PathLike | Iterable[PathLike],
    *,
    fmt: str = "baci",
    categories: pd.DataFrame,
    code_system: str | None = None,
    product_system: str = "HS",
    concordance: pd.DataFrame | None = None,
    concordance_cols: Sequence[str] | None = None,
    country_codes: PathLike | pd.DataFrame | None = None,
    flow: str = "X",
    code_digits: int | None = 6,
    value_col: str | None = None,
    other: str | None = None,
    out: PathLike | None = None,
    memory_limit: str = "1GB",
    temp_directory: PathLike | None = None,
    threads: int | None = None,
) -> pd.DataFrame | Path:
    """Sum product-level trade to exporter x importer x year x category, streaming.

    DuckDB reads the files in chunks, matches each product code against
    ``categories`` (longest prefix) and keeps only running sums, spilling to
    ``temp_directory`` beyond ``memory_limit``: files larger than memory work.

    Parameters
    ----------
    paths : path-like or iterable of path-like
        Trade files of one layout (``.csv``, ``.txt``, ``.gz``).
    fmt : {"baci", "comtrade"}
        Publisher's layout; ``"comtrade"`` accepts Comtrade+ and legacy files.
    categories : pandas.DataFrame
        ``code, category`` table, e.g.
        ``hitex.indicators.products.classification("study001_sitc3")`` or an
        HS-based list.
    code_system, product_system, concordance, concordance_cols
        Nomenclatures of ``categories`` and of the files (BACI is always HS) and
        the concordance between them; see :func:`category_lookup`.
    country_codes : path-like or pandas.DataFrame, optional
        Numeric code -> ISO3 table (see :func:`read_country_codes`); without it
        numeric codes (BACI) are kept as text.
    flow : {"X", "M"}
        Comtrade only: exports reported by the exporter (``"X"``) or imports
        reported by the importer (``"M"``, mirror data); re-exports and
        re-imports are always left out.
    code_digits : int or None, default 6
        Comtrade: keep commodity codes of exactly this many digits (5 for SITC
        files), after restoring lost leading zeros (see the module notes);
        BACI: drop codes longer than this. ``None`` keeps all codes as written.
    value_col : str, optional
        Comtrade value column (default ``primaryValue``, legacy
        ``Trade Value (US$)``), e.g. ``"fobvalue"``.
    other : str, optional
        Label for trade in no category (left out by default); ``other="other"``
        keeps the rest of trade so that high-tech shares can be computed.
    out : path-like, optional
        Write the result to this ``.parquet`` or ``.csv`` file straight from
        DuckDB and return its path.
    memory_limit : str, default "1GB"
        DuckDB memory limit.
    temp_directory : path-like, optional
        Where DuckDB spills (default ``<tmp>/hitex-duckdb``).
    threads : int, optional
        DuckDB threads (default: all cores).

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        ``exporter, importer, year, category, value`` (US$), sorted; or ``out``.

    Raises
    ------
    DataFormatError
        For files of another layout, text in numeric columns, negative values.
    SpecificationError
        For a category table in another nomenclature without a concordance.
    DuplicateKeyError
        If a record appears more than once with different values.
    EmptySampleError
        If no record is left after the filters.

    Warns
    -----
    DataCoverageWarning
        As :func:`read_trade`, and when no product matched the category table.
    """
    files = _paths(paths)
    lookup = category_lookup(
        categories,
        code_system=code_system,
        product_system="HS" if fmt == "baci" else product_system,
        concordance=concordance,
        concordance_cols=concordance_cols,
    )
    source, value_name, numeric = _source_sql(
        files, fmt, flow=flow, code_digits=code_digits, value_col=value_col
    )
    con = _connect(memory_limit, temp_directory, threads)
    try:
        if code_digits is None and fmt == "comtrade":
            _lost_zero_check(con, source)
        _run(
            con,
            "CREATE TEMP TABLE agg AS SELECT exp, imp, year, category, sum(value) AS value, "
            "min(value) AS vmin, count(*) - count(value) AS nmissing, sum(ndup) AS ndup, "
            "sum(nconflict) AS nconflict, sum(npadded) AS npadded "
            f"FROM ({_categorised_sql(con, _keyed_sql(source), lookup, other)}) "
            "GROUP BY exp, imp, year, category",
            files,
            value_name,
        )
        _diagnose(con, "agg", files, code_digits, source)
        _checks(con, "agg", value_name, files)
        exp, imp, joins = _countries(con, "agg", numeric, country_codes)
        final = (
            f"SELECT {exp} AS exporter, {imp} AS importer, a.year, a.category, a.value "
            f"FROM agg a{joins} WHERE a.category IS NOT NULL AND a.value IS NOT NULL "
            "ORDER BY exporter, importer, a.year, a.category"
        )
        if out is not None:
            target = Path(out).expanduser()
            kind = "CSV, HEADER" if target.suffix.lower() == ".csv" else "PARQUET"
            con.execute(f"COPY ({final}) TO {_lit(str(target))} (FORMAT {kind})")
            return target
        df = con.execute(final).df()
    finally:
        con.close()
    if df.empty:
        warnings.warn(
            "no traded product matched the category table; the result is empty. Check that the "
            "category codes and the traded codes use the same nomenclature.",
            DataCoverageWarning,
            stacklevel=2,
        )
    return _typed(df, "category")
