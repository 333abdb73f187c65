"""Product categories for trade files: code tables, prefixes and concordances.

:func:`category_lookup` turns a category table (``code, category``; an empty
category excludes a code) and, when the table's nomenclature differs from the
trade file's, a concordance into the table of product codes and categories
that :func:`hitex.data.tradeflows.aggregate_trade` joins the trade rows with.
Each product gets the category of its longest matching code prefix.
:func:`read_country_codes` reads the numeric country code -> ISO3 table of
BACI (and of Comtrade files without ISO3 columns). The private helpers at the
end build the DuckDB SQL that attaches categories and ISO3 codes to the trade
rows and check the traded records for duplicates and lost leading zeros.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    SpecificationError,
)

PathLike = str | os.PathLike[str]


def _clean_codes(col: pd.Series, what: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        raise DataFormatError(
            f"column 'code' of {what} holds numbers, so leading zeros (HS 0101, SITC 054) are lost; "
            "read it as text (dtype=str)."
        )
    text = col.astype("string").str.strip().str.replace(r"[.\s]", "", regex=True)
    text = text.mask(text == "")
    bad = text.notna() & ~text.str.fullmatch(r"\d+").fillna(False)
    if bad.any() or text.isna().any():
        raise DataFormatError(
            f"column 'code' of {what} has empty or non-digit codes such as "
            f"{list(dict.fromkeys(text[bad | text.isna()].astype(str).tolist()))[:5]}; keep "
            "numeric product codes only."
        )
    return text


def _category_table(categories: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(categories, pd.DataFrame):
        raise SpecificationError(
            "categories must be a DataFrame with columns 'code' and 'category', e.g. "
            "hitex.indicators.products.classification('study001_sitc3')."
        )
    for col in ("code", "category"):
        if col not in categories.columns:
            raise DataFormatError(
                f"the category table has no column {col!r} (found {list(categories.columns)}); "
                "it needs 'code' and 'category'."
            )
    table = pd.DataFrame(
        {
            "code": _clean_codes(categories["code"], "the category table"),
            "category": categories["category"].astype("string"),
        }
    )
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        raise DataFormatError(
            "the category table lists the codes "
            f"{sorted(set(table.loc[dup, 'code']))[:10]} more than once in column 'code'; keep "
            "one row per code."
        )
    return table.reset_index(drop=True)


def _prefix_category(codes: Iterable[str], table: pd.DataFrame) -> dict[str, Any]:
    """Longest-prefix category of each code (None when none or excluded)."""
    listed = dict(zip(table["code"], table["category"], strict=True))
    lengths = sorted({len(c) for c in listed}, reverse=True)
    out: dict[str, Any] = {}
    for code in codes:
        cat = None
        for n in lengths:
            if len(code) >= n and code[:n] in listed:
                value = listed[code[:n]]
                cat = None if pd.isna(value) else str(value)
                break
        out[code] = cat
    return out


def _system(name: str) -> str:
    word = str(name).strip().upper()
    for system in ("HS", "SITC", "ISIC", "BEC"):
        if word.startswith(system):
            return system
    return word


def category_lookup(
    categories: pd.DataFrame,
    *,
    code_system: str | None = None,
    product_system: str = "HS",
    concordance: pd.DataFrame | None = None,
    concordance_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the code -> category table matched against the traded codes.

    Parameters
    ----------
    categories : pandas.DataFrame
        Columns ``code`` (text) and ``category`` (empty = exclusion).
    code_system : str, optional
        Nomenclature of ``categories`` (``"HS"``, ``"SITC"``). Default: read
        from ``categories.attrs["nomenclature"]`` (set by
        :func:`hitex.indicators.products.classification`).
    product_system : str, default "HS"
        Nomenclature of the traded codes (BACI is HS).
    concordance : pandas.DataFrame, optional
        Needed when the two nomenclatures differ: traded code -> category-table
        code, e.g. :func:`hitex.indicators.products.load_concordance` of an
        HS -> SITC table.
    concordance_cols : pair of str, optional
        Source and target columns of ``concordance`` (default: its first two).

    Returns
    -------
    pandas.DataFrame
        ``code, category``: ``categories`` itself when the nomenclatures agree,
        else one row per traded code of the concordance.

    Raises
    ------
    SpecificationError
        If the nomenclatures differ and no concordance is given, or the
        nomenclature of ``categories`` is unknown.

    Warns
    -----
    DataCoverageWarning
        For traded codes whose concordance targets fall in different
        categories; they are left unclassified.
    """
    table = _category_table(categories)
    system = code_system or categories.attrs.get("nomenclature")
    if not system:
        raise SpecificationError(
            "the nomenclature of the category table is unknown; pass code_system='HS' or 'SITC'."
        )
    if _system(system) == _system(product_system):
        return table
    if concordance is None:
        raise SpecificationError(
            f"the category table is coded in {system} but the trade file in {product_system}; "
            f"pass a {product_system} -> {system} concordance as concordance= (see "
            "hitex.indicators.products.load_concordance) or an HS-coded category table."
        )
    cols = list(concordance_cols or concordance.columns[:2])
    for col in cols:
        if col not in concordance.columns:
            raise DataFormatError(
                f"the concordance has no column {col!r} (found {list(concordance.columns)}); "
                "pass concordance_cols=(source, target)."
            )
    pairs = pd.DataFrame(
        {
            "src": _clean_codes(concordance[cols[0]].rename("code"), "the concordance"),
            "dst": _clean_codes(concordance[cols[1]].rename("code"), "the concordance"),
        }
    ).drop_duplicates()
    target_cat = _prefix_category(pairs["dst"].unique(), table)
    pairs["category"] = pairs["dst"].map(target_cat)
    rows, conflicts = [], []
    for src, group in pairs.groupby("src", sort=True):
        cats = set(group["category"].where(group["category"].notna(), None))
        if len(cats) == 1:
            rows.append((src, cats.pop()))
        else:
            conflicts.append(src)
            rows.append((src, None))
    if conflicts:
        warnings.warn(
            f"{len(conflicts)} {product_system} code(s) map to {system} codes in different "
            f"categories, e.g. {conflicts[:5]}; they are left unclassified. Pass a concordance "
            "that assigns each of them one target to classify them.",
            DataCoverageWarning,
            stacklevel=3,
        )
    out = pd.DataFrame(rows, columns=["code", "category"])
    out["category"] = out["category"].astype("string")
    return out


def read_country_codes(source: PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read a table of numeric country codes and ISO3 codes.

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        BACI's country file (``country_codes_V202401.csv``: ``country_code``
        and ``country_iso3``; older releases: ``iso_3digit_alpha``), or a
        DataFrame with columns ``code`` and ``iso3``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (text, no leading zeros: ``"4"`` for Afghanistan) and
        ``iso3``; one row per code.

    Raises
    ------
    DataNotFoundError, DataFormatError
        If the file is missing, lacks the columns, or lists a code twice with
        different ISO3 codes.
    """
    if isinstance(source, pd.DataFrame):
        raw, name = source, "the country-code table"
        code_col, iso_col = "code", "iso3"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise DataNotFoundError(
                f"country-code file {str(path)!r} not found; pass BACI's country_codes_V*.csv."
            )
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except UnicodeDecodeError:
            raw = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], encoding="latin-1"
            )
        name = path.name
        raw.columns = [str(c).strip() for c in raw.columns]
        code_col = "country_code" if "country_code" in raw.columns else "code"
        iso_col = next(
            (c for c in ("country_iso3", "iso_3digit_alpha", "iso3") if c in raw.columns), "iso3"
        )
    for col in (code_col, iso_col):
        if col not in raw.columns:
            raise DataFormatError(
                f"{name} has no column {col!r} (found {list(raw.columns)}); expected BACI's "
                "country file (country_code, country_iso3) or a table with 'code' and 'iso3'."
            )
    codes = pd.to_numeric(raw[code_col], errors="coerce")
    if codes.isna().any() or (codes % 1 != 0).any():
        bad = raw.loc[codes.isna() | (codes % 1 != 0), code_col].tolist()[:5]
        raise DataFormatError(f"column {code_col!r} of {name} holds non-integer codes: {bad}.")
    table = pd.DataFrame(
        {
            "code": codes.astype("int64").astype(str),
            "iso3": raw[iso_col].astype("string").str.strip(),
        }
    ).dropna()
    table = table.drop_duplicates()
    dup = table["code"].duplicated(keep=False)
    if dup.any():
        raise DataFormatError(
            f"{name} gives several ISO3 codes for the codes {sorted(set(table.loc[dup, 'code']))[:5]}"
            f" (column {iso_col!r}); keep one row per code."
        )
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- DuckDB helpers
def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _categorised_sql(con: Any, source: str, lookup: pd.DataFrame, other: str | None) -> str:
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
    other_sql = _lit(other) if other is not None else "NULL"
    case = f"CASE {' '.join(cases)} ELSE NULL END" if cases else "NULL"
    return (
        f"SELECT s.*, coalesce({case}, {other_sql}) AS category "
        f"FROM ({source}) AS s {' '.join(joins)}"
    )


def _keyed_sql(source: str) -> str:
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


def _diagnose(con: Any, table: str, paths: list[Path], code_digits: int | None,
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


def _lost_zero_check(con: Any, source: str) -> None:
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


def _countries(con: Any, table: str, numeric: bool, codes: Any) -> tuple[str, str, str]:
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
