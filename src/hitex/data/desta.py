r"""DESTA, the Design of Trade Agreements database (version 2.03).

Dür, Baccini and Elsig (2014), "The Design of International Trade Agreements:
Introducing a New Dataset", *Review of International Organizations* 9(3),
https://www.designoftradeagreements.org. Cite them when you use these data.

This module reads the five DESTA files of the data bundle folder ``desta/``
(see :func:`hitex._paths.data_dir`) into tidy tables:

==========================  ===================================================================
function                    file and content
==========================  ===================================================================
:func:`read_coding`         ``desta_version_02_03.csv.gz``: one row per *coded* entry (base
                            treaties, protocols, consolidated versions) with the TBT items
                            :data:`TBT_COLUMNS` (and any other coded column on request)
:func:`read_agreements`     ``desta_list_of_treaties_02_03.csv.gz``: every entry (also
                            accessions, withdrawals, negotiations) with its members
:func:`read_dyads`          ``desta_list_of_treaties_02_03_dyads.csv.gz``: one row per country
                            pair and entry (base treaty, accession, consolidated version)
:func:`read_withdrawals`    ``desta_dyadic_withdrawal_02_03.csv.gz``: the pairs whose
                            membership a withdrawal ends
:func:`read_indices`        ``desta_indices_version_02_03.csv.gz``: DESTA's own design indices
==========================  ===================================================================

Identifiers
-----------
``agreement_id`` is DESTA's entry ``number`` as text (``"909"``, ``"68a"`` for a
consolidated version, ``"324+1"`` for an accession, ``"8_1"`` for a withdrawal);
``base_treaty`` is the number of the treaty the entry belongs to, also as text.
In :func:`read_dyads` an accession's pairs carry the ``agreement_id`` of the
treaty they accede to (its coding describes their rights) and keep their own
number in ``entry_id``; their ``entry_into_force`` is the accession's.

Country codes
-------------
DESTA identifies countries by ISO 3166 numeric codes plus codes of its own
(900 = Kosovo). :func:`country_codes` maps each code to ISO3, first through the
ISO numeric codes of the bundle's ``country_groups/country_groups_country_converter.csv``,
then, for codes that have none, through DESTA's English country name and
:func:`hitex.data.countries.resolve`. Codes left unmapped keep a missing
``iso3`` and are reported with a :class:`~hitex.errors.DataCoverageWarning` by
every reader whose output holds them.

Years
-----
``signature_year`` is DESTA's ``year`` and ``entry_into_force`` its
``entryforceyear`` (missing when DESTA records none, e.g. for agreements not yet
in force). A withdrawal takes effect in its ``entryforceyear``, or in its
``year`` when DESTA gives no entry-into-force year (470 of the 1,650 pair rows
of version 2.03); ``year_source`` says which.

Examples
--------
>>> from hitex.data import desta
>>> coding = desta.read_coding()
>>> china_korea = coding.loc[coding["agreement_id"] == "909"]  # China-Korea FTA, in force 2015
>>> dyads, withdrawals = desta.read_dyads(), desta.read_withdrawals()
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hitex import _paths
from hitex.data import countries
from hitex.data.bundle_files import read_bundle_csv
from hitex.errors import (
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    HitexError,
)

__all__ = [
    "TBT_COLUMNS",
    "FILES",
    "country_codes",
    "read_coding",
    "read_agreements",
    "read_dyads",
    "read_withdrawals",
    "read_indices",
]

PathLike = str | os.PathLike[str] | None

TBT_COLUMNS: tuple[str, ...] = (
    "tbt_prov", "tbt_wto", "tbt_coop", "tbt_distort", "tbt_dispute", "tbt_intstand", "tbt_harmon",
)
"""DESTA's TBT items: provisions present, WTO TBT reference, cooperation, minimise distortion,
dispute settlement, international standards (all 0/1) and harmonisation (0-3)."""

FILES: dict[str, str] = {
    "coding": "desta_version_02_03.csv.gz",
    "treaties": "desta_list_of_treaties_02_03.csv.gz",
    "dyads": "desta_list_of_treaties_02_03_dyads.csv.gz",
    "withdrawals": "desta_dyadic_withdrawal_02_03.csv.gz",
    "indices": "desta_indices_version_02_03.csv.gz",
}
"""Dataset key -> file name inside the bundle's ``desta/`` folder."""

_FOLDER = "desta"
_CONVERTER = "country_groups/country_groups_country_converter.csv"
_KEYS = ("number", "base_treaty", "name", "entry_type", "year", "entryforceyear")
_REQUIRED = {
    "coding": (*_KEYS, "consolidated", "typememb", *TBT_COLUMNS),
    "treaties": (*_KEYS, "consolidated", "typememb", "c1", "c2"),
    "dyads": ("country1", "country2", "iso1", "iso2", *_KEYS),
    "withdrawals": ("country1", "country2", "iso1", "iso2", *_KEYS),
    "indices": ("number", "base_treaty", "name", "year", "entry_type"),
}
_ENCODING = "latin-1"  # DESTA's CSV files are Latin-1


# ----------------------------------------------------------------------------- reading


def _bundle(data_dir: PathLike) -> Path:
    return _paths.data_dir(data_dir).resolve()


@functools.lru_cache(maxsize=16)
def _raw(bundle: Path, key: str) -> pd.DataFrame:
    path = bundle / _FOLDER / FILES[key]
    if not path.is_file():
        raise DataNotFoundError(
            f"DESTA file {_FOLDER}/{FILES[key]} is missing from the data bundle {bundle}. "
            "Point data_dir (or HITEX_DATA_DIR) at a bundle that holds DESTA version 2.03."
        )
    frame = read_bundle_csv(pd.read_csv, path, encoding=_ENCODING, dtype={"number": str},
                            low_memory=False)
    missing = [c for c in _REQUIRED[key] if c not in frame.columns]
    if missing:
        raise DataFormatError(
            f"{path} lacks the column(s) {', '.join(missing)}. Restore the file from DESTA "
            "version 2.03 (the bundle stores it unchanged, gzip-compressed)."
        )
    return frame


def _text_id(values: pd.Series) -> pd.Series:
    """Numbers such as 909 or 909.0 -> '909'; text ids unchanged; missing stays missing."""
    out = values.astype("string")
    return out.str.replace(r"\.0$", "", regex=True)


def _years(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


# ----------------------------------------------------------------------------- country codes


@functools.lru_cache(maxsize=8)
def _code_table(bundle: Path) -> pd.DataFrame:
    converter = bundle / _CONVERTER
    if not converter.is_file():
        raise DataNotFoundError(
            f"{_CONVERTER} is missing from the data bundle {bundle}; hitex needs it to map "
            "DESTA's numeric country codes to ISO3. Point data_dir at a complete bundle."
        )
    conv = pd.read_csv(converter, dtype=str, keep_default_na=False, na_values=[""])
    conv = conv.dropna(subset=["ISOnumeric", "ISO3"])
    by_number = dict(zip(conv["ISOnumeric"].astype(float).astype(int), conv["ISO3"], strict=True))

    names: dict[int, str] = {}
    for key in ("dyads", "withdrawals"):
        raw = _raw(bundle, key)
        for name_col, code_col in (("country1", "iso1"), ("country2", "iso2")):
            pairs = raw[[code_col, name_col]].dropna().drop_duplicates(code_col)
            for code, name in zip(pairs[code_col].astype(int), pairs[name_col], strict=True):
                names.setdefault(int(code), str(name))
    treaties = _raw(bundle, "treaties")
    member_cols = [c for c in treaties.columns if c[:1] == "c" and c[1:].isdigit()]
    listed = pd.unique(treaties[member_cols].to_numpy().ravel())
    codes = sorted(set(names) | {int(c) for c in listed if pd.notna(c)})

    rows = []
    for code in codes:
        name = names.get(code)
        iso3, method = by_number.get(code), "iso_numeric"
        if iso3 is None and name is not None:
            try:
                iso3, method = countries.resolve([name], data_dir=bundle)[0], "name"
            except HitexError:
                iso3 = None
        rows.append((code, name, iso3, method if iso3 is not None else None))
    table = pd.DataFrame(rows, columns=["desta_code", "desta_name", "iso3", "method"])
    table["desta_code"] = table["desta_code"].astype("int64")
    for col in ("desta_name", "iso3", "method"):
        table[col] = table[col].astype("string")
    return table


def country_codes(data_dir: PathLike = None) -> pd.DataFrame:
    """Return how every DESTA country code maps to ISO3.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder; default: see :func:`hitex._paths.data_dir`.

    Returns
    -------
    pandas.DataFrame
        One row per code found in the treaty, dyad and withdrawal files, with
        ``desta_code`` (int), ``desta_name`` (DESTA's English name; missing for a
        code that appears in no dyad), ``iso3`` (missing when unmapped) and
        ``method`` (``'iso_numeric'`` or ``'name'``). Unmapped codes are the rows
        with a missing ``iso3``.
    """
    return _code_table(_bundle(data_dir)).copy()


def _warn_unmapped(codes: pd.Series, what: str) -> None:
    unmapped = sorted({int(c) for c in codes.dropna()})
    if unmapped:
        warnings.warn(
            f"DESTA {what}: {len(unmapped)} country code(s) have no ISO3 code and are kept with a "
            f"missing iso3: {unmapped}. country_codes() lists the mapping; drop or recode them "
            "before merging with ISO3-keyed data.",
            DataCoverageWarning,
            stacklevel=3,
        )


def _pair_columns(raw: pd.DataFrame, bundle: Path, what: str) -> pd.DataFrame:
    codes = _code_table(bundle).set_index("desta_code")["iso3"]
    out = pd.DataFrame(index=raw.index)
    for k in ("1", "2"):
        code = raw[f"iso{k}"].astype("int64")
        out[f"iso3_{k}"] = code.map(codes).astype("string")
        out[f"code_{k}"] = code
    bad = pd.concat([out.loc[out["iso3_1"].isna(), "code_1"], out.loc[out["iso3_2"].isna(), "code_2"]])
    _warn_unmapped(bad, what)
    return out


def _members(raw: pd.DataFrame, bundle: Path) -> tuple[pd.Series, pd.Series]:
    """Member codes of each treaty row -> (tuple of ISO3, tuple of unmapped codes)."""
    codes = _code_table(bundle).set_index("desta_code")["iso3"].to_dict()
    member_cols = sorted((c for c in raw.columns if c[:1] == "c" and c[1:].isdigit()),
                         key=lambda c: int(c[1:]))
    values = raw[member_cols].to_numpy(dtype=float)
    members, unmapped = [], []
    for row in values:
        present = [int(v) for v in row if not np.isnan(v)]
        iso = [codes.get(c) for c in present]
        members.append(tuple(i for i in iso if isinstance(i, str)))
        unmapped.append(tuple(c for c, i in zip(present, iso, strict=True) if not isinstance(i, str)))
    return (pd.Series(members, index=raw.index, dtype=object),
            pd.Series(unmapped, index=raw.index, dtype=object))


def _entry_columns(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "agreement_id": _text_id(raw["number"]),
        "base_treaty": _text_id(raw["base_treaty"]),
        "name": raw["name"].astype("string"),
        "entry_type": raw["entry_type"].astype("string"),
        "signature_year": _years(raw["year"]),
        "entry_into_force": _years(raw["entryforceyear"]),
    })


# ----------------------------------------------------------------------------- public readers


def read_agreements(data_dir: PathLike = None, *, include_negotiations: bool = False) -> pd.DataFrame:
    """Return DESTA's list of treaties with members as ISO3 codes.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder.
    include_negotiations : bool, default False
        Keep the entries of agreements still under negotiation (no signature).

    Returns
    -------
    pandas.DataFrame
        One row per entry: ``agreement_id``, ``base_treaty``, ``name``, ``entry_type``
        (``base_treaty``, ``accession``, ``protocol or amendment``, ``consolidated``,
        ``withdrawal``, ``negotiation``), ``signature_year``, ``entry_into_force``,
        ``typememb`` (DESTA's membership type; 1 = two countries), ``members`` (tuple
        of ISO3 codes, DESTA's order), ``n_members`` (number of member codes),
        ``unmapped_members`` (tuple of DESTA codes without ISO3) and ``coded`` (True
        when :func:`read_coding` holds the entry).
    """
    bundle = _bundle(data_dir)
    raw = _raw(bundle, "treaties")
    if not include_negotiations:
        raw = raw.loc[raw["entry_type"] != "negotiation"]
    out = _entry_columns(raw)
    out["typememb"] = pd.to_numeric(raw["typememb"], errors="coerce").astype("Int64")
    out["members"], out["unmapped_members"] = _members(raw, bundle)
    out["n_members"] = (out["members"].map(len) + out["unmapped_members"].map(len)).astype("int64")
    coded = set(_text_id(_raw(bundle, "coding")["number"]))
    out["coded"] = out["agreement_id"].isin(coded).astype(bool)
    _warn_unmapped(pd.Series([c for t in out["unmapped_members"] for c in t], dtype="float"),
                   "list of treaties")
    cols = ["agreement_id", "base_treaty", "name", "entry_type", "signature_year",
            "entry_into_force", "typememb", "members", "n_members", "unmapped_members", "coded"]
    return out[cols].reset_index(drop=True)


def read_coding(data_dir: PathLike = None, *, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Return DESTA's coded entries with the TBT items and the members.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder.
    columns : sequence of str, optional
        Further coded columns of ``desta_version_02_03.csv`` to keep (e.g.
        ``'mar_typedepth'``), unchanged.

    Returns
    -------
    pandas.DataFrame
        One row per coded entry (781 in version 2.03): ``agreement_id``,
        ``base_treaty``, ``name``, ``entry_type``, ``signature_year``,
        ``entry_into_force``, ``typememb``, ``members`` (tuple of ISO3), ``n_members``,
        the seven :data:`TBT_COLUMNS` as nullable integers (missing where DESTA left
        the cell blank: 37 entries of version 2.03, mostly recent treaties) and the
        requested ``columns``.

    Raises
    ------
    ColumnNotFoundError
        A requested column is not in the coding file.
    """
    bundle = _bundle(data_dir)
    raw = _raw(bundle, "coding")
    columns = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in columns if c not in raw.columns]
    if unknown:
        raise ColumnNotFoundError(
            f"DESTA's coding file has no column(s) {', '.join(map(repr, unknown))}. Check the "
            "spelling against the DESTA codebook (e.g. 'mar_typedepth', 'ipr_general')."
        )
    out = _entry_columns(raw)
    out["typememb"] = pd.to_numeric(raw["typememb"], errors="coerce").astype("Int64")
    treaties = read_agreements(bundle, include_negotiations=False).drop_duplicates("agreement_id")
    members = dict(zip(treaties["agreement_id"], treaties["members"], strict=True))
    n_members = dict(zip(treaties["agreement_id"], treaties["n_members"], strict=True))
    out["members"] = pd.Series([members.get(a) for a in out["agreement_id"]], index=out.index,
                               dtype=object)
    out["n_members"] = pd.array([n_members.get(a) for a in out["agreement_id"]], dtype="Int64")
    for col in TBT_COLUMNS:
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = (values.isna() & raw[col].notna()) | (values.notna() & (values % 1 != 0))
        if bad.any():
            where = ", ".join(f"{a}={v!r}" for a, v in zip(out.loc[bad, "agreement_id"],
                                                           raw.loc[bad, col], strict=True))
            raise DataFormatError(
                f"DESTA coding column {col!r} holds values that are not whole numbers ({where}). "
                "Restore desta_version_02_03.csv.gz from DESTA version 2.03."
            )
        out[col] = values.astype("Int64")
    for col in columns:
        if col not in out.columns:
            out[col] = raw[col]
    return out.reset_index(drop=True)


def read_dyads(data_dir: PathLike = None) -> pd.DataFrame:
    """Return DESTA's country pairs per agreement (the dyadic list of treaties).

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    pandas.DataFrame
        One row per unordered country pair and entry: ``agreement_id`` (the coded
        entry that governs the pair: the entry itself, or for an accession the
        treaty acceded to), ``entry_id`` (DESTA's number of the row's entry),
        ``base_treaty``, ``name``, ``entry_type`` (``base_treaty``, ``accession``,
        ``consolidated``), ``iso3_1``, ``iso3_2``, ``code_1``, ``code_2`` (DESTA
        codes), ``signature_year`` and ``entry_into_force`` (the year the pair's
        membership starts; missing when DESTA records no entry into force).
    """
    bundle = _bundle(data_dir)
    raw = _raw(bundle, "dyads")
    entries = _entry_columns(raw)
    accession = entries["entry_type"] == "accession"
    out = pd.DataFrame({
        "agreement_id": entries["agreement_id"].where(~accession, entries["base_treaty"]),
        "entry_id": entries["agreement_id"],
    })
    out = out.join(entries.drop(columns="agreement_id"))
    out = out.join(_pair_columns(raw, bundle, "dyads"))
    cols = ["agreement_id", "entry_id", "base_treaty", "name", "entry_type", "iso3_1", "iso3_2",
            "code_1", "code_2", "signature_year", "entry_into_force"]
    return out[cols].reset_index(drop=True)


def read_withdrawals(data_dir: PathLike = None) -> pd.DataFrame:
    """Return DESTA's dyadic withdrawals: the pairs whose membership ends.

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair and withdrawal: ``withdrawal_id`` (e.g. ``'8_1'``),
        ``base_treaty`` (the treaty left), ``name``, ``iso3_1``, ``iso3_2``,
        ``code_1``, ``code_2``, ``year`` (first year without the agreement: DESTA's
        ``entryforceyear``, else its ``year``) and ``year_source``
        (``'entryforceyear'`` or ``'year'``).
    """
    bundle = _bundle(data_dir)
    raw = _raw(bundle, "withdrawals")
    entries = _entry_columns(raw)
    has_eif = entries["entry_into_force"].notna()
    out = pd.DataFrame({
        "withdrawal_id": entries["agreement_id"],
        "base_treaty": entries["base_treaty"],
        "name": entries["name"],
    }).join(_pair_columns(raw, bundle, "withdrawals"))
    out["year"] = entries["entry_into_force"].where(has_eif, entries["signature_year"])
    out["year_source"] = pd.Series(np.where(has_eif, "entryforceyear", "year"),
                                   index=raw.index, dtype="string")
    if out["year"].isna().any():
        bad = sorted(out.loc[out["year"].isna(), "withdrawal_id"].unique())
        raise DataFormatError(
            f"DESTA withdrawal(s) {bad} have neither an entry-into-force year nor a year; "
            "restore desta_dyadic_withdrawal_02_03.csv.gz from DESTA version 2.03."
        )
    return out.reset_index(drop=True)


def read_indices(data_dir: PathLike = None) -> pd.DataFrame:
    """Return DESTA's treaty-level design indices (``depth_index``, ``depth_rasch``, ...).

    Parameters
    ----------
    data_dir : path-like, optional
        Data bundle folder.

    Returns
    -------
    pandas.DataFrame
        ``agreement_id``, ``base_treaty``, ``name``, ``signature_year``,
        ``entry_type`` and DESTA's index columns unchanged (``full_fta``,
        ``standards``, ..., ``depth_index``, ``depth_rasch``, ``flexrigid``,
        ``flexescape``, ``enforce``, ``enforce01``).
    """
    raw = _raw(_bundle(data_dir), "indices")
    out = pd.DataFrame({
        "agreement_id": _text_id(raw["number"]),
        "base_treaty": _text_id(raw["base_treaty"]),
        "name": raw["name"].astype("string"),
        "signature_year": _years(raw["year"]),
        "entry_type": raw["entry_type"].astype("string"),
    })
    rest = [c for c in raw.columns if c not in ("number", "base_treaty", "name", "year", "entry_type")]
    return pd.concat([out, raw[rest]], axis=1).reset_index(drop=True)
