"""Read and normalise trade files as engine-neutral Ibis expressions.

:func:`read_trade` returns a lazy Ibis table of the records of BACI or
UN Comtrade CSV files (plain or gzip) or of a Parquet dataset partitioned by
year (hive layout, as :func:`hitex.data.pipeline.convert.convert_trade`
writes), normalised to

``exporter, importer, year, period, product, value, bad_value``

(``product`` is text with its leading zeros, ``value`` in US$, ``period`` the
Comtrade period or null, ``bad_value`` true where the value column held text
that is not a number). Files are read with every column as text and cast by
the expressions, so that both engines see the same values; the layouts,
filters and leading-zero rule are those of :mod:`hitex.data.tradeflows`.
:func:`checked_records` then runs the checks of :mod:`hitex.data.tradeflows`
(text or negative values, missing values, repeated records) and returns
``exporter, importer, year, product, value``.

Duplicates are found more cheaply than by grouping every record with its
value: one pass counts the records per key (no values carried), and only when
some key repeats are the records grouped to drop or reject them. A Parquet
dataset written by ``convert_trade`` was checked once, when it was written;
``duplicates="trust"`` (its default) skips the pass.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import ibis
import pandas as pd

from hitex.data.categories import read_country_codes
from hitex.data.pipeline.engine import Engine, PathLike, is_remote
from hitex.data.pipeline.layouts import FileLayout, file_layout
from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    HitexError,
    SpecificationError,
)

__all__ = [
    "DATASET_MANIFEST",
    "RECORD_COLUMNS",
    "checked_records",
    "dataset_is_checked",
    "read_errors",
    "read_trade",
    "with_iso3",
]

#: Columns of the normalised records.
RECORD_COLUMNS: tuple[str, ...] = ("exporter", "importer", "year", "product", "value")
#: Manifest file of a Parquet dataset written by ``convert_trade``.
DATASET_MANIFEST = "_hitex_dataset.json"

Duplicates = Literal["check", "trust"]
_LEGACY_FLOW = {"X": "2", "M": "1"}
_LEGACY_FLOW_TEXT = {"export": "X", "import": "M", "re-export": "RX", "re-import": "RM"}


def _int_text(col: Any) -> Any:
    """An integer code held as text, without leading zeros or decimals ("004" -> "4")."""
    return col.strip().try_cast("int64").cast("string")


def _pad6(code: Any, code_digits: int | None) -> Any:
    """HS codes to six digits with leading zeros ("10121" -> "010121").

    When every code has at most six digits (``code_digits`` <= 6 filtered the
    rest), ``right('000000' || code, 6)``: one concatenation, which engines run
    faster than the ``lpad`` that Ibis spells to keep longer codes whole.
    """
    if code_digits is not None and int(code_digits) <= 6:
        return ibis.literal("000000").concat(code).right(6)
    return code.lpad(6, "0")


# --------------------------------------------------------------------------- layouts
#: Number columns of a BACI file, read as numbers by the typed (fast) read.
BACI_TYPES: dict[str, str] = {"t": "int64", "i": "int64", "j": "int64", "k": "int64",
                              "v": "float64"}


def _baci_typed(raw: Any, layout: FileLayout, flow: str, code_digits: int | None,
                value_col: str | None) -> Any:
    # BACI's product codes are HS numbers whose leading zero the files drop: read as
    # integers (no text trimming per record); a code that is not a number fails this
    # read and the files are read as text instead
    if code_digits is not None:
        raw = raw.filter(raw.k < 10 ** int(code_digits))
    k = raw.k.cast("string")
    return raw.select(
        exporter=raw.i.cast("string"),
        importer=raw.j.cast("string"),
        year=raw.t,
        period=ibis.null("string"),
        product=_pad6(k, code_digits),
        value=raw.v * 1000.0,
        bad_value=ibis.literal(False),
    )


def _baci(raw: Any, layout: FileLayout, flow: str, code_digits: int | None,
          value_col: str | None) -> Any:
    k = raw.k.strip()
    if code_digits is not None:
        raw = raw.filter(k.length() <= int(code_digits))
        k = raw.k.strip()
    v = raw.v.strip()
    value = v.try_cast("float64") * 1000.0
    return raw.select(
        exporter=_int_text(raw.i),
        importer=_int_text(raw.j),
        year=raw.t.strip().try_cast("int64"),
        period=ibis.null("string"),
        product=_pad6(k, code_digits),
        value=value,
        bad_value=v.notnull() & (v != "") & value.isnull(),
    )


def _comtrade_columns(layout: FileLayout, value_col: str | None) -> dict[str, Any]:
    found = set(layout.columns)
    if layout.kind == "comtrade":
        if {"reporterISO", "partnerISO"} <= found:
            rep, par = "reporterISO", "partnerISO"
        elif {"reporterCode", "partnerCode"} <= found:
            rep, par = "reporterCode", "partnerCode"
        else:
            raise DataFormatError(
                f"{layout.paths[0].name} has neither reporterISO/partnerISO nor "
                "reporterCode/partnerCode; download the file with the country columns."
            )
        names = {"rep": rep, "par": par, "year": "refYear", "code": "cmdCode",
                 "period": "period", "level": "aggrLevel", "value": value_col or "primaryValue"}
    else:
        names = {"rep": "Reporter ISO", "par": "Partner ISO", "year": "Year",
                 "code": "Commodity Code", "period": "Period", "level": "Aggregate Level",
                 "value": value_col or "Trade Value (US$)"}
    if names["value"] not in found:
        raise DataFormatError(
            f"{layout.paths[0].name} has no value column {names['value']!r} (found "
            f"{list(layout.columns)}); pass the column with the trade value in US$ as value_col=."
        )
    return names


def _comtrade(raw: Any, layout: FileLayout, flow: str, code_digits: int | None,
              value_col: str | None) -> Any:
    found = set(layout.columns)
    n = _comtrade_columns(layout, value_col)
    conds = []
    if layout.kind == "comtrade":
        conds.append(raw["flowCode"].strip() == flow)
        if "partnerCode" in found:
            conds.append(raw["partnerCode"].strip().try_cast("int64").fill_null(-1) != 0)
        if "partnerISO" in found:
            conds.append(raw["partnerISO"].strip().fill_null("").notin(["W00", "WLD"]))
        for col in ("partner2Code", "motCode"):
            if col in found:
                conds.append(raw[col].strip().try_cast("int64").fill_null(0) == 0)
        if "customsCode" in found:
            conds.append(raw["customsCode"].strip().fill_null("C00") == "C00")
    else:
        if "Trade Flow Code" in found:
            conds.append(raw["Trade Flow Code"].strip() == _LEGACY_FLOW[flow])
        else:
            text = raw["Trade Flow"].strip().lower()
            conds.append(text.isin([k for k, v in _LEGACY_FLOW_TEXT.items() if v == flow]))
        conds.append(raw["Partner ISO"].strip().fill_null("").notin(["W00", "WLD"]))
        if "Partner Code" in found:
            conds.append(raw["Partner Code"].strip().try_cast("int64").fill_null(-1) != 0)
    clean = raw[n["code"]].strip().replace(".", "").replace(" ", "")
    conds.append(clean.re_search("^[0-9]+$"))
    product = clean
    if code_digits is not None:
        digits = int(code_digits)
        short = clean.length() == digits - 1
        if n["level"] in found:
            level = raw[n["level"]].strip().try_cast("int64")
            short = ibis.ifelse(level.isnull(), short,
                                (clean.length() < digits) & (level == digits))
        product = ibis.ifelse(short, clean.lpad(digits, "0"), clean)
        conds.append(product.length() == digits)
    numeric = n["rep"] in ("reporterCode",)
    rep = _int_text(raw[n["rep"]]) if numeric else raw[n["rep"]].strip()
    par = _int_text(raw[n["par"]]) if numeric else raw[n["par"]].strip()
    exp, imp = (rep, par) if flow == "X" else (par, rep)
    v = raw[n["value"]].strip()
    value = v.try_cast("float64")
    period = raw[n["period"]].strip() if n["period"] in found else ibis.null("string")
    return raw.filter(*conds).select(
        exporter=exp,
        importer=imp,
        year=raw[n["year"]].strip().try_cast("int64"),
        period=period,
        product=product,
        value=value,
        bad_value=v.notnull() & (v != "") & value.isnull(),
    )


_LAYOUTS: dict[str, Callable[..., Any]] = {
    "baci": _baci,
    "comtrade": _comtrade,
    "comtrade_legacy": _comtrade,
}


def _check_partition_types(root: Path) -> None:
    """Raise when the year partitions of a dataset store a column with different types."""
    import pyarrow.parquet as pq

    seen: dict[str, tuple[str, str]] = {}
    for folder in sorted(root.glob("year=*")):
        first = next(iter(sorted(folder.glob("*.parquet"))), None)
        if first is None:
            continue
        try:
            schema = pq.read_schema(first)
        except (OSError, ValueError) as err:
            raise DataFormatError(f"{first} is not a readable Parquet file ({err}).") from err
        for field in schema:
            kind = str(field.type).replace("large_", "")
            if field.name in seen and seen[field.name][0] != kind:
                other_type, other_folder = seen[field.name]
                raise DataFormatError(
                    f"the partitions of {root} disagree on the type of column {field.name!r}: "
                    f"{other_type} in {other_folder}, {kind} in {folder.name}. Write the whole "
                    "dataset again with convert_trade (or cast the column to one type in "
                    "every partition)."
                )
            seen.setdefault(field.name, (kind, folder.name))


def _dataset(engine: Engine, root: Path | str, years: Sequence[int] | None) -> Any:
    if isinstance(root, str):  # a cluster URL: the engine's file system checks it
        if engine.name != "spark":
            raise SpecificationError(
                f"{root} is a cluster location; the {engine.name} engine reads datasets on this "
                "machine: use engine='spark' (--engine spark), or copy the dataset to a local "
                "folder.")
        try:
            t = engine.read_parquet_dataset(root)  # type: ignore[arg-type]
        except Exception as err:  # Spark's AnalysisException: path, scheme or credentials
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise DataNotFoundError(
                f"Spark cannot read the Parquet dataset at {root}: {first[:300]}. Check the URL "
                "(the folder convert_trade wrote, with year=YYYY sub-folders) and that the "
                "cluster can reach it (file system connector and credentials).") from err
        return _typed_dataset(t, root, years)
    if not root.is_dir():
        raise DataNotFoundError(
            f"Parquet dataset {str(root)!r} not found; pass the folder written by convert_trade "
            "(it holds year=YYYY sub-folders)."
        )
    if not any(root.glob("year=*")):
        raise DataFormatError(
            f"{root} has no year=YYYY sub-folder; a trade dataset is partitioned by year in hive "
            "layout (write it with convert_trade)."
        )
    _check_partition_types(root)
    return _typed_dataset(engine.read_parquet_dataset(root), root, years)


def _typed_dataset(t: Any, root: Path | str, years: Sequence[int] | None) -> Any:
    missing = [c for c in RECORD_COLUMNS if c not in t.columns]
    if missing:
        raise DataFormatError(
            f"the Parquet dataset {root} lacks the columns {missing} (found {list(t.columns)}); "
            "write it with convert_trade."
        )
    t = t.select(
        exporter=t.exporter.cast("string"),
        importer=t.importer.cast("string"),
        year=t.year.cast("int64"),
        period=ibis.null("string"),
        product=t["product"].cast("string"),
        value=t.value.cast("float64"),
        bad_value=ibis.literal(False),
    )
    if years is not None:
        t = t.filter(t.year.isin([int(y) for y in years]))
    return t


def read_trade(
    engine: Engine,
    paths: PathLike | Iterable[PathLike],
    *,
    fmt: str = "baci",
    flow: str = "X",
    code_digits: int | None = 6,
    value_col: str | None = None,
    years: Sequence[int] | None = None,
    typed: bool = False,
) -> Any:
    """Lazy Ibis table of normalised trade records.

    Parameters
    ----------
    engine : Engine
        From :func:`hitex.data.pipeline.engines.connect`.
    paths : path-like or iterable of path-like
        CSV / gzip CSV files of one layout, or (``fmt="parquet"``) the folder of
        a year-partitioned Parquet dataset.
    fmt : {"baci", "comtrade", "parquet"}
        Layout; as in :func:`hitex.data.tradeflows.aggregate_trade`.
    flow : {"X", "M"}
        Comtrade: exports reported by the exporter or imports by the importer.
    code_digits : int or None, default 6
        As in :func:`hitex.data.tradeflows.aggregate_trade`.
    value_col : str, optional
        Comtrade value column (default ``primaryValue``).
    years : sequence of int, optional
        Keep these years only (a Parquet dataset then reads only their folders).
    typed : bool, default False
        BACI: let the engine read the number columns as numbers (faster); a
        field that is not a number then fails the whole read, without saying
        which (read again with ``typed=False`` for the precise message).

    Returns
    -------
    ibis.Table
        ``exporter, importer, year, period, product, value, bad_value``.

    Raises
    ------
    SpecificationError, DataNotFoundError, DataFormatError
        For an unknown layout or flow, missing files, or headers of another layout.
    """
    if flow not in ("X", "M"):
        raise SpecificationError(
            f"flow={flow!r}: use 'X' (exports reported by the exporter) or 'M' (imports reported "
            "by the importer)."
        )
    if code_digits is not None and (not isinstance(code_digits, int) or code_digits < 1):
        raise SpecificationError(
            f"code_digits must be a positive integer or None, not {code_digits!r}."
        )
    if fmt == "parquet":
        items = [paths] if isinstance(paths, str | Path) else list(paths)  # type: ignore[arg-type]
        if len(items) != 1:
            raise SpecificationError("fmt='parquet' takes one dataset folder as paths=.")
        root = items[0] if is_remote(items[0]) else Path(items[0]).expanduser()
        return _dataset(engine, root, years)
    layout = file_layout(paths, fmt)
    if typed and layout.kind == "baci":
        raw = engine.read_text_csv(layout.paths, layout.columns, layout.delim, BACI_TYPES)
        out = _baci_typed(raw, layout, flow, code_digits, value_col)
    else:
        raw = engine.read_text_csv(layout.paths, layout.columns, layout.delim)
        out = _LAYOUTS[layout.kind](raw, layout, flow, code_digits, value_col)
    if years is not None:
        out = out.filter(out.year.isin([int(y) for y in years]))
    return out


# --------------------------------------------------------------------------- checks
@contextmanager
def read_errors(engine: Engine, what: str = "the trade files") -> Iterator[None]:
    """Turn the engine's own error while reading files into a :class:`DataFormatError`."""
    try:
        yield
    except HitexError:
        raise
    except Exception as err:  # DuckDB's or Spark's read error, reworded
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataFormatError(
            f"{what} could not be read in the expected layout by the {engine.name} engine: "
            f"{first[:300]}. Check that every line has the columns of the header (no extra "
            "delimiters, quotes closed) and that the file is complete."
        ) from err


def dataset_is_checked(root: PathLike, engine: Engine | None = None) -> bool:
    """Whether the Parquet dataset at ``root`` was checked for repeated records when written.

    ``root`` may be a cluster URL (``hdfs://``, ``s3a://``), whose manifest the
    ``engine`` (Spark) reads.
    """
    if is_remote(root):
        text = engine.read_small_text(f"{str(root).rstrip('/')}/{DATASET_MANIFEST}") \
            if engine is not None else None
    else:
        try:
            text = (Path(root).expanduser() / DATASET_MANIFEST).read_text(encoding="utf-8")
        except OSError:
            text = None
    try:
        return bool(json.loads(text).get("unique_records")) if text else False
    except ValueError:
        return False


def checked_records(
    engine: Engine,
    records: Any,
    *,
    duplicates: Duplicates = "check",
    what: str = "the trade files",
) -> Any:
    """Check normalised records and return ``exporter, importer, year, product, value``.

    Runs one pass for bad values (text, negative, missing) and, with
    ``duplicates="check"``, one pass counting the records of each key
    (exporter, importer, year, period, product). Repeated records with one
    value are dropped with a warning; with different values they raise.

    Parameters
    ----------
    engine : Engine
    records : ibis.Table
        From :func:`read_trade`.
    duplicates : {"check", "trust"}
        ``"trust"`` skips the duplicate pass (a dataset checked when converted).
    what : str
        Name of the input in messages.

    Returns
    -------
    ibis.Table
        ``exporter, importer, year, product, value`` without missing values, and
        any further columns of ``records`` (e.g. ``category``), which must be
        functions of the record key.

    Raises
    ------
    DataFormatError
        Text or negative numbers in the value column, or years that are not numbers.
    DuplicateKeyError
        Records repeated with different values.
    EmptySampleError
        No record left after the filters.
    """
    if duplicates not in ("check", "trust"):
        raise SpecificationError(f"duplicates must be 'check' or 'trust', not {duplicates!r}.")
    t = records
    keys = list(RECORD_KEY)
    query = t.aggregate(
        n=t.count(),
        nbad=t.bad_value.cast("int64").sum(),
        nneg=(t.value < 0).cast("int64").sum(),
        nmissing=(t.value.isnull() & ~t.bad_value).cast("int64").sum(),
        nyear=t.year.isnull().cast("int64").sum(),
    )
    with read_errors(engine, what):
        stats = engine.execute(query).iloc[0]
    if int(stats["n"]) == 0:
        raise EmptySampleError(
            f"no trade record is left in {what} after the filters (flow, partner World, "
            "code_digits, years); check flow= ('X' or 'M'), code_digits= and years=."
        )
    if int(stats["nbad"]) or int(stats["nyear"]):
        raise DataFormatError(
            f"{what}: {int(stats['nbad'])} value(s) and {int(stats['nyear'])} year(s) are text "
            "that is not a number; the value and year columns must hold numbers only (no 'NA' "
            "or thousands separators). Correct or drop those rows."
        )
    if int(stats["nneg"]):
        ex = engine.execute(t.filter(t.value < 0).order_by("value").limit(1)).iloc[0]
        raise DataFormatError(
            f"{what} has {int(stats['nneg'])} negative trade value(s) (e.g. {ex['value']:g} for "
            f"exporter {ex['exporter']}, importer {ex['importer']}, year {ex['year']}); trade "
            "flows must be >= 0. Correct or drop those rows."
        )
    if int(stats["nmissing"]):
        warnings.warn(
            f"{int(stats['nmissing'])} record(s) of {what} have no value; they were skipped.",
            DataCoverageWarning,
            stacklevel=2,
        )
    t = t.filter(t.value.notnull())
    if duplicates == "check":
        t = _without_repeats(engine, t, keys, what)
    extra = [c for c in t.columns
             if c not in (*RECORD_COLUMNS, "period", "bad_value", KEY_HASH)]
    return t.select(*RECORD_COLUMNS, *extra)


#: Column of a 64-bit hash of the record key, added while the files are read
#: (:func:`with_key_hash`), so that the duplicate pass counts one integer per record.
KEY_HASH = "_key_hash"
#: The record key: a trade flow is one exporter, importer, year, period and product.
RECORD_KEY: tuple[str, ...] = ("exporter", "importer", "year", "period", "product")


def with_key_hash(engine: Engine, records: Any) -> Any:
    """``records`` with a column :data:`KEY_HASH` when the engine has a hash function.

    Computed while the files are read and kept with the cached records (a few
    percent more reading time), it lets :func:`checked_records` find repeated
    keys by counting distinct integers, which costs about half of grouping by
    the five key columns. Equal keys have equal hashes, so no repeat is missed;
    the rare different keys that share a hash are told apart by an exact check.
    """
    hashed = engine.key_hash(*[records[k] for k in RECORD_KEY])
    return records if hashed is None else records.mutate(**{KEY_HASH: hashed})


def _without_repeats(engine: Engine, t: Any, keys: list[str], what: str) -> Any:
    """``t`` with repeated records (same key and value) dropped once; conflicting ones raise.

    The records are first told apart by a 64-bit hash of their key (the
    :data:`KEY_HASH` column, or the engine's hash computed on the way): one
    integer per record grouped in a table the engine spills to disk beyond its
    memory limit, where grouping by the five key columns of a hundred million
    records fails within one gigabyte. Only the records whose hash repeats (the
    repeats, and the rare different keys that share a hash) are then grouped by
    their key, so that finding, reporting and dropping repeats costs no
    grouping of all records.
    """
    hashed = t[KEY_HASH] if KEY_HASH in t.columns else engine.key_hash(*[t[k] for k in keys])
    if hashed is None:  # an engine without a hash function: group every record
        suspects, rest = t, None
    else:
        th = t.mutate(_hash=hashed)
        counts = th.group_by("_hash").aggregate(n_hash=th.count())
        shared = counts.filter(counts.n_hash > 1).select("_hash")
        if not int(engine.execute(shared.aggregate(n=shared.count()))["n"].iloc[0]):
            return t
        suspects = th.semi_join(shared, "_hash").drop("_hash")
        rest = th.anti_join(shared, "_hash").drop("_hash")
    extra = [c for c in t.columns if c not in (*keys, "value", "bad_value")]
    grouped = suspects.group_by([*keys, *extra]).aggregate(
        vmin=suspects.value.min(), vmax=suspects.value.max(), n=suspects.count()
    )
    rep = grouped.filter(grouped.n > 1)
    summary = engine.execute(
        rep.aggregate(
            nrep=rep.count(),
            ndup=(rep.n - 1).sum(),
            nconflict=(rep.vmax != rep.vmin).cast("int64").sum(),
        )
    ).iloc[0].fillna(0)
    if not int(summary["nrep"]):
        return t  # only different keys that share a hash
    example = engine.execute(
        rep.order_by([ibis.desc(rep.vmax - rep.vmin), *keys]).limit(1)
    ).iloc[0]
    named = (
        f"exporter {example['exporter']}, importer {example['importer']}, year "
        f"{example['year']}, code {example['product']}"
    )
    if int(summary["nconflict"]):
        raise DuplicateKeyError(
            f"{int(summary['nconflict'])} trade record(s) appear more than once with "
            f"different values in {what}, e.g. {named}; they are not added up. Pass files "
            "that do not overlap or remove the conflicting rows."
        )
    warnings.warn(
        f"{int(summary['ndup'])} duplicate trade record(s) (same exporter, importer, "
        f"year, code and value) were dropped, e.g. {named}: the files overlap or repeat "
        "rows. Pass each file once to avoid this warning.",
        DataCoverageWarning,
        stacklevel=3,
    )
    once = grouped.select(*keys, *extra, value=grouped.vmin, bad_value=ibis.literal(False))
    cols = list(t.columns)
    once = once.select(*cols)
    return once if rest is None else rest.select(*cols).union(once)


def with_iso3(engine: Engine, table: Any, country_codes: PathLike | pd.DataFrame) -> Any:
    """Replace numeric exporter and importer codes by ISO3 codes (unknown codes kept, with a
    warning that names them, as :func:`hitex.data.tradeflows.aggregate_trade` warns).

    ``country_codes`` is BACI's country file or a ``code, iso3`` table
    (:func:`hitex.data.categories.read_country_codes`).
    """
    codes = engine.table(read_country_codes(country_codes).astype(object))
    used = table.select(code=table.exporter).distinct().union(
        table.select(code=table.importer).distinct())
    unmapped = engine.execute(
        used.anti_join(codes, used.code == codes.code).order_by("code").limit(10))
    if len(unmapped):
        warnings.warn(
            f"country codes {unmapped['code'].tolist()} are not in the country-code table; "
            "they are kept as numeric codes. Use the country file of the same BACI release.",
            DataCoverageWarning,
            stacklevel=2,
        )
    ce = codes.rename(ce_code="code", ce_iso3="iso3")
    ci = codes.rename(ci_code="code", ci_iso3="iso3")
    j = table.left_join(ce, table.exporter == ce.ce_code)
    j = j.left_join(ci, j.importer == ci.ci_code)
    others = [c for c in table.columns if c not in ("exporter", "importer")]
    return j.select(
        exporter=j.ce_iso3.fill_null(j.exporter),
        importer=j.ci_iso3.fill_null(j.importer),
        **{c: j[c] for c in others},
    )
