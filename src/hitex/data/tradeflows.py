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

import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.categories import category_lookup, read_country_codes
from hitex.data.sql_text import quote_text
from hitex.data.tradeflows_checks import (
    categorised_sql,
    check_lost_zeros,
    country_columns,
    diagnose,
    keyed_sql,
)
from hitex.data.tradeflows_sql import (  # noqa: F401 - re-exported
    BACI_COLUMNS,
    COMTRADE_LEGACY_FLOW,
    COMTRADE_LEGACY_REQUIRED,
    COMTRADE_REQUIRED,
    PathLike,
    source_sql,
    trade_paths,
)
from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
)

#: Normalised columns of :func:`read_trade`.
TRADE_COLUMNS: tuple[str, ...] = ("exporter", "importer", "year", "product", "value")
#: Columns of :func:`aggregate_trade`.
AGGREGATE_COLUMNS: tuple[str, ...] = ("exporter", "importer", "year", "category", "value")

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


# --------------------------------------------------------------------------- DuckDB
def _connect(memory_limit: str, temp_directory: PathLike | None, threads: int | None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    temp = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "hitex-duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = {quote_text(memory_limit)}")
    con.execute(f"SET temp_directory = {quote_text(str(temp))}")
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
    files = trade_paths(paths)
    source, value_name, numeric = source_sql(
        files, fmt, flow=flow, code_digits=code_digits, value_col=value_col
    )
    con = _connect(memory_limit, None, None)
    try:
        if code_digits is None and fmt == "comtrade":
            check_lost_zeros(con, source)
        _run(con, f"CREATE TEMP TABLE rows AS {keyed_sql(source)}", files, value_name)
        diagnose(con, "rows", files, code_digits, source)
        _run(
            con,
            "CREATE TEMP VIEW checks AS SELECT exp, imp, year, min(value) AS vmin, "
            "count(*) - count(value) AS nmissing FROM rows GROUP BY ALL",
            files,
            value_name,
        )
        _checks(con, "checks", value_name, files)
        exp, imp, joins = country_columns(con, "rows", numeric, country_codes)
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
    files = trade_paths(paths)
    lookup = category_lookup(
        categories,
        code_system=code_system,
        product_system="HS" if fmt == "baci" else product_system,
        concordance=concordance,
        concordance_cols=concordance_cols,
    )
    source, value_name, numeric = source_sql(
        files, fmt, flow=flow, code_digits=code_digits, value_col=value_col
    )
    con = _connect(memory_limit, temp_directory, threads)
    try:
        if code_digits is None and fmt == "comtrade":
            check_lost_zeros(con, source)
        _run(
            con,
            "CREATE TEMP TABLE agg AS SELECT exp, imp, year, category, sum(value) AS value, "
            "min(value) AS vmin, count(*) - count(value) AS nmissing, sum(ndup) AS ndup, "
            "sum(nconflict) AS nconflict, sum(npadded) AS npadded "
            f"FROM ({categorised_sql(con, keyed_sql(source), lookup, other)}) "
            "GROUP BY exp, imp, year, category",
            files,
            value_name,
        )
        diagnose(con, "agg", files, code_digits, source)
        _checks(con, "agg", value_name, files)
        exp, imp, joins = country_columns(con, "agg", numeric, country_codes)
        final = (
            f"SELECT {exp} AS exporter, {imp} AS importer, a.year, a.category, a.value "
            f"FROM agg a{joins} WHERE a.category IS NOT NULL AND a.value IS NOT NULL "
            "ORDER BY exporter, importer, a.year, a.category"
        )
        if out is not None:
            target = Path(out).expanduser()
            kind = "CSV, HEADER" if target.suffix.lower() == ".csv" else "PARQUET"
            con.execute(f"COPY ({final}) TO {quote_text(str(target))} (FORMAT {kind})")
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
