r"""Economic complexity: ECI, PCI, proximity, density, COI and COG.

The measures of Hidalgo and Hausmann (2009) and Hausmann, Hidalgo et al.
(*The Atlas of Economic Complexity*, 2014), computed as the Growth Lab's Stata
command ``ecomplexity`` (cid-harvard/ecomplexity) computes them with its
defaults (RCA presence test, threshold 1, discrete symmetric proximity,
density over the whole proximity matrix), year by year. Notation: exporter
(country, province) :math:`c`, product :math:`p`, exports :math:`x_{cp}`.

Presence
    :math:`\mathrm{RCA}_{cp}` is Balassa's index (:func:`hitex.indicators.
    sophistication.rca`, absent rows count as zero exports) and
    :math:`M_{cp} = 1` if :math:`\mathrm{RCA}_{cp} \ge 1` (``threshold``),
    else 0. The ado compares strictly (``RCA :> 1``) while its help text and
    the Growth Lab's Python port (py-ecomplexity) use :math:`\ge`; the two
    differ only for a cell whose RCA equals the threshold exactly.

Diversity and ubiquity
    :math:`k_{c,0} = \sum_p M_{cp}`, :math:`k_{p,0} = \sum_c M_{cp}`. With
    the default threshold every exporter with exports has a product with
    :math:`\mathrm{RCA} \ge 1` and every exported product an exporter (RCA
    averages to 1 both ways). A higher threshold can leave an exporter with
    no product or a product with no exporter: Stata's ``ecomplexity`` then
    reports every measure of that year as missing; here their ECI (PCI) is
    missing, the others are computed without them (as py-ecomplexity does),
    and a :class:`~hitex.errors.DataCoverageWarning` says so.

ECI and PCI (eigenvector method)
    :math:`\tilde M^{P} = D_p^{-1} M' D_c^{-1} M` with :math:`D_c, D_p` the
    diagonal matrices of diversity and ubiquity. :math:`K_p` is the
    eigenvector of :math:`\tilde M^{P}` of the second largest eigenvalue,
    :math:`K_c = D_c^{-1} M K_p`. The sign is fixed as ``ecomplexity`` fixes
    it: both are multiplied by -1 unless the correlation of :math:`K_c` with
    diversity is positive. Then, with :math:`\bar K` and :math:`s_K` the mean
    and standard deviation of :math:`K_c` *over the rows of the rectangular
    country x product data set* (each country counted once per product, the
    standard deviation with divisor :math:`N_c N_p - 1`, as Stata's
    ``summarize`` over the ``fillin``-ed data),

    .. math::

        \mathrm{ECI}_c = (K_c - \bar K)/s_K, \qquad
        \mathrm{PCI}_p = (K_p - \bar K)/s_K .

    PCI is standardised with ECI's moments, so that ECI is exactly the mean
    PCI of a country's products. The eigenvector is
    computed with :func:`numpy.linalg.eigh` from the smaller of the
    symmetric matrices :math:`A'A` and :math:`AA'`,
    :math:`A = D_c^{-1/2} M D_p^{-1/2}`: :math:`A'A` has the eigenvalues of
    :math:`\tilde M^{P}` and eigenvectors :math:`D_p^{1/2} K_p`, and
    :math:`AA'` the same non-zero eigenvalues with eigenvectors :math:`u`
    such that :math:`A'u` is one of :math:`A'A` (with 150 exporters and
    1,200 products a 150 x 150 problem instead of 1,200 x 1,200).

Proximity (discrete, symmetric)
    :math:`\phi_{pq} = \sum_c M_{cp} M_{cq} / \max(k_{p,0}, k_{q,0})` for
    :math:`p \ne q`, and :math:`\phi_{pp} = 0` (``ecomplexity`` subtracts the
    identity).

Density
    :math:`\omega_{cp} = \sum_q M_{cq}\phi_{qp} / \sum_q \phi_{qp}`.

Complexity outlook index and gain
    .. math::

        \mathrm{COI}_c = \sum_p \omega_{cp}(1 - M_{cp}) K_p, \qquad
        \mathrm{COG}_{cp} = (1 - M_{cp}) \sum_q (1 - M_{cq})
            \frac{\phi_{qp}}{\sum_r \phi_{qr}} K_q ,

    with :math:`K_p` the sign-fixed eigenvector before standardisation; COI
    is then standardised by its own mean and standard deviation over the
    rows of the data set, and COG divided by :math:`s_K` (``ecomplexity``
    does both).

Input problems raise :class:`~hitex.errors.HitexError` subclasses naming the
column and the fix: the problems :func:`~hitex.indicators.sophistication.rca`
refuses (negative, missing or non-numeric values, duplicate
exporter-product(-year) rows, missing columns, an empty table), exporters
with zero total exports and products nobody exports (refused unless
``empty="drop"``, which drops them with a warning as ``ecomplexity`` drops
them), a threshold that is not a positive number, and a year with fewer than
two exporters or products.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from hitex.errors import (
    DataCoverageWarning,
    DataFormatError,
    EmptySampleError,
    EstimationError,
    SpecificationError,
)
from hitex.indicators.sophistication import rca

Empty = Literal["raise", "drop"]

_WRITABLE = (".csv", ".csv.gz", ".txt", ".tsv", ".xlsx", ".parquet", ".dta")

__all__ = ["ComplexityResult", "economic_complexity", "write_complexity"]

_CONVENTION = (
    "Growth Lab Stata ecomplexity (defaults: RCA >= threshold, discrete symmetric proximity, "
    "full-matrix density); ECI/PCI standardised by ECI's mean and SD over the rectangular "
    "country x product rows"
)


@dataclass(frozen=True)
class ComplexityResult:
    """Economic complexity measures of one table of exports (one or more years).

    Attributes
    ----------
    countries : pandas.DataFrame
        One row per exporter (and year): the key columns, ``total`` (exports),
        ``diversity``, ``eci``, ``coi``.
    products : pandas.DataFrame
        One row per product (and year): the key columns, ``total`` (world
        exports), ``ubiquity``, ``pci``.
    cells : pandas.DataFrame
        One row per exporter x product (and year), the full rectangle (absent
        rows of the input count as zero exports): ``value``, ``rca``, ``mcp``
        (0/1), ``density``, ``cog``.
    proximity : Mapping
        Year (``None`` without a year column) -> square product x product
        proximity matrix (a DataFrame, zero diagonal).
    eigenvalues : pandas.DataFrame
        Per year: ``eigenvalue_1``, ``eigenvalue_2`` (the one whose
        eigenvector gives ECI and PCI) and ``eigenvalue_3``; a second and
        third eigenvalue that nearly coincide make the ranking fragile.
    threshold : float
        RCA threshold of :math:`M_{cp}`.
    dropped : pandas.DataFrame
        Exporters and products left out (``empty="drop"``): columns (year,)
        ``kind`` (``"country"``/``"product"``), ``code``, ``reason``.
    country, product, year : str or None
        Key column names of the input.
    convention : str
        The convention followed.
    """

    countries: pd.DataFrame
    products: pd.DataFrame
    cells: pd.DataFrame
    proximity: Mapping[Hashable, pd.DataFrame]
    eigenvalues: pd.DataFrame
    threshold: float
    dropped: pd.DataFrame
    country: str
    product: str
    year: str | None
    convention: str = field(default=_CONVENTION)

    def proximity_matrix(self, year: Hashable = None) -> pd.DataFrame:
        """The product proximity matrix of ``year`` (omit it for a table without years).

        Raises
        ------
        SpecificationError
            If ``year`` is not one of the years of the result.
        """
        if year is None and len(self.proximity) == 1:
            return next(iter(self.proximity.values())).copy()
        if year not in self.proximity:
            raise SpecificationError(
                f"no proximity matrix for year {year!r}; the years are {list(self.proximity)}"
            )
        return self.proximity[year].copy()

    def summary(self) -> str:
        """A few lines: sample size per year and the exporters of highest and lowest ECI."""
        lines = [f"Economic complexity ({self.convention})"]
        groups = (self.countries.groupby(self.year, sort=True) if self.year
                  else [(None, self.countries)])
        for yr, frame in groups:
            ranked = frame.dropna(subset=["eci"]).sort_values("eci", ascending=False)
            head = ", ".join(f"{c} {e:.2f}" for c, e in
                             zip(ranked[self.country].head(5), ranked["eci"].head(5), strict=True))
            tail = ", ".join(f"{c} {e:.2f}" for c, e in
                             zip(ranked[self.country].tail(3), ranked["eci"].tail(3), strict=True))
            n_p = (self.products[self.products[self.year] == yr] if self.year
                   else self.products)
            label = f"{yr}: " if self.year else ""
            lines.append(f"{label}{len(frame)} exporters, {len(n_p)} products; "
                         f"highest ECI: {head}; lowest: {tail}")
        if not self.dropped.empty:
            lines.append(f"left out (no exports): {len(self.dropped)} exporters/products")
        return "\n".join(lines)


# --------------------------------------------------------------------------- checks
def _check_threshold(threshold: float) -> float:
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(threshold, bool) or not math.isfinite(value) or value <= 0:
        raise SpecificationError(
            f"threshold must be a positive number (the RCA at or above which M_cp = 1; "
            f"ecomplexity's default is 1), got {threshold!r}"
        )
    return value


def _names(values: pd.Index, n: int = 10) -> str:
    shown = [str(v) for v in values[:n]]
    more = f" and {len(values) - n} more" if len(values) > n else ""
    return ", ".join(shown) + more


def _empty_rows(
    x: pd.DataFrame, empty: Empty, year_label: str, country: str, product: str
) -> tuple[pd.DataFrame, list[tuple[str, Hashable, str]]]:
    """Drop (or refuse) exporters with zero total exports and products nobody exports."""
    no_c = x.index[x.sum(axis=1) <= 0]
    no_p = x.columns[x.sum(axis=0) <= 0]
    if len(no_c) == 0 and len(no_p) == 0:
        return x, []
    parts = []
    if len(no_c):
        parts.append(f"{len(no_c)} exporter(s) in column {country!r} export nothing "
                     f"({_names(no_c)})")
    if len(no_p):
        parts.append(f"{len(no_p)} product(s) in column {product!r} are exported by nobody "
                     f"({_names(no_p)})")
    what = "; ".join(parts)
    if empty == "raise":
        raise DataFormatError(
            f"{year_label}{what}: their RCA, ECI and PCI are undefined. Remove these rows from "
            "the table, or pass empty='drop' to leave them out as Stata's ecomplexity does"
        )
    warnings.warn(f"{year_label}left out of the complexity measures: {what}",
                  DataCoverageWarning, stacklevel=3)
    dropped = ([("country", c, "zero total exports") for c in no_c]
               + [("product", p, "zero world exports") for p in no_p])
    return x.loc[x.index.difference(no_c, sort=False), x.columns.difference(no_p, sort=False)], \
        dropped


# --------------------------------------------------------------------------- computation
def _row_sd(values: np.ndarray, repeat: int) -> tuple[float, float]:
    """Mean and SD (divisor n - 1) of ``values`` each repeated ``repeat`` times (Stata ``sum``)."""
    v = values[np.isfinite(values)]
    n = v.size * repeat
    mean = float(v.mean())
    sd = math.sqrt(float(((v - mean) ** 2).sum()) * repeat / (n - 1)) if n > 1 else math.nan
    return mean, sd


def _proximity(m: np.ndarray, ubiquity: np.ndarray) -> np.ndarray:
    """Discrete symmetric proximity, zero diagonal (ecomplexity's ``proxdiscrete``)."""
    co = m.T @ m
    big = np.maximum(ubiquity[:, None], ubiquity[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(big > 0, co / big, 0.0)
    np.fill_diagonal(phi, 0.0)
    return phi


def _eigen(m: np.ndarray, diversity: np.ndarray, ubiquity: np.ndarray,
           year_label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sign-fixed K_c, K_p (NaN where diversity or ubiquity is 0) and the top three eigenvalues."""
    rows, cols = diversity > 0, ubiquity > 0
    if rows.sum() < 2 or cols.sum() < 2:
        raise EstimationError(
            f"{year_label}ECI needs at least two exporters and two products with M_cp = 1 "
            f"(found {int(rows.sum())} and {int(cols.sum())}); add exporters or products, or "
            "lower the threshold"
        )
    mv = m[np.ix_(rows, cols)]
    kc0, kp0 = diversity[rows], ubiquity[cols]
    # A = D_c^-1/2 M D_p^-1/2: A'A = D_p^-1/2 M' D_c^-1 M D_p^-1/2 has the eigenvalues of
    # M~P = D_p^-1 M' D_c^-1 M and eigenvectors D_p^1/2 K_p; A A' has the same non-zero
    # eigenvalues, with eigenvectors u such that A'u is one of A'A. The smaller of the two
    # symmetric matrices is decomposed.
    a = mv / np.sqrt(kc0)[:, None] / np.sqrt(kp0)[None, :]
    if a.shape[0] <= a.shape[1]:
        vals, vecs = np.linalg.eigh(a @ a.T)
        v2 = a.T @ vecs[:, -2]
    else:
        vals, vecs = np.linalg.eigh(a.T @ a)
        v2 = vecs[:, -2]
    if not vals[-2] > 1e-12 * vals[-1]:
        raise EstimationError(
            f"{year_label}ECI is undefined: the second eigenvalue of the country-product "
            f"matrix is zero (M_cp has rank one, e.g. every exporter has every product); "
            "use another threshold or more exporters and products"
        )
    kp_v = v2 / np.sqrt(kp0)
    kc_v = (mv @ kp_v) / kc0
    with np.errstate(invalid="ignore"):
        corr = np.corrcoef(kc0, kc_v)[0, 1]
    # ecomplexity: 2*(corr(diversity, kc) > 0) - 1, where a missing correlation (all
    # diversities equal) counts as positive (Mata's missing exceeds every number)
    sign = -1.0 if corr <= 0 else 1.0
    kc = np.full(diversity.shape, np.nan)
    kp = np.full(ubiquity.shape, np.nan)
    kc[rows], kp[cols] = sign * kc_v, sign * kp_v
    top = np.full(3, np.nan)
    top[: min(3, vals.size)] = vals[::-1][:3]
    return kc, kp, top


def _one_year(x: pd.DataFrame, r: pd.DataFrame, threshold: float, year_label: str
              ) -> dict[str, object]:
    """All measures for one year; ``x`` and ``r`` are exporter x product value and RCA matrices."""
    n_c, n_p = x.shape
    if n_c < 2 or n_p < 2:
        raise EmptySampleError(
            f"{year_label}economic complexity needs at least two exporters and two products "
            f"with exports (found {n_c} and {n_p}); check the year and the filters"
        )
    m = (r.to_numpy() >= threshold).astype(float)
    diversity, ubiquity = m.sum(axis=1), m.sum(axis=0)  # whole numbers, as floats
    kc, kp, top = _eigen(m, diversity, ubiquity, year_label)
    if (diversity == 0).any() or (ubiquity == 0).any():
        warnings.warn(
            f"{year_label}with threshold {threshold:g}, {int((diversity == 0).sum())} exporter(s) "
            f"have no product and {int((ubiquity == 0).sum())} product(s) no exporter with "
            "M_cp = 1: their ECI/PCI are missing and the others are computed without them "
            "(Stata's ecomplexity reports every measure of such a year as missing)",
            DataCoverageWarning, stacklevel=3,
        )
    phi = _proximity(m, ubiquity)
    col_sum = phi.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = (m @ phi) / col_sum[None, :]
        row_sum = phi.sum(axis=1)
        weight = np.where(row_sum[:, None] > 0, phi / row_sum[:, None], 0.0)
    absent = 1.0 - m
    kp0 = np.nan_to_num(kp)
    coi = np.nansum(density * absent * kp0[None, :], axis=1)
    cog = absent * (absent @ (weight * kp0[:, None])) + 0.0  # + 0.0: no -0.0 where M = 1
    mean_k, sd_k = _row_sd(kc, n_p)
    mean_o, sd_o = _row_sd(coi, n_p)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero SD gives missing values
        return {
            "m": m, "diversity": diversity, "ubiquity": ubiquity,
            "eci": (kc - mean_k) / sd_k, "pci": (kp - mean_k) / sd_k,
            "density": density, "coi": (coi - mean_o) / sd_o, "cog": cog / sd_k,
            "phi": phi, "eigenvalues": top,
        }


def economic_complexity(
    trade: pd.DataFrame,
    *,
    country: str = "country",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
    threshold: float = 1.0,
    empty: Empty = "raise",
) -> ComplexityResult:
    r"""Mcp, diversity, ubiquity, ECI, PCI, proximity, density, COI and COG.

    Follows the Growth Lab's Stata ``ecomplexity`` with its defaults
    (``ecomplexity value, i(country) p(product) t(year)``): see the module
    notes for every formula, the eigenvector sign and the standardisation.
    Every quantity is computed within each ``year`` when a year column is
    given; rows absent from the table count as zero exports.

    Parameters
    ----------
    trade : pandas.DataFrame
        One row per exporter x product (x year) with the export value.
    country, product, value : str
        Columns with the exporter (country or region), the product code and
        the export value.
    year : str, optional
        Year column; the measures are computed year by year.
    threshold : float, default 1.0
        :math:`M_{cp} = 1` when :math:`\mathrm{RCA}_{cp} \ge` ``threshold``
        (``ecomplexity``'s ``rca()`` option).
    empty : {"raise", "drop"}, default "raise"
        Exporters with zero total exports and products nobody exports have no
        RCA: refuse them with an error naming them (default), or leave them
        out with a :class:`~hitex.errors.DataCoverageWarning`, as
        ``ecomplexity`` does (listed in ``result.dropped``).

    Returns
    -------
    ComplexityResult
        Frozen result with ``countries``, ``products``, ``cells``,
        ``proximity`` and ``eigenvalues``.

    Raises
    ------
    ColumnNotFoundError, EmptySampleError, NonNumericError, DataFormatError, DuplicateKeyError
        For the input problems of :func:`~hitex.indicators.sophistication.rca`,
        and :class:`DataFormatError` for exporters or products without exports
        (``empty="raise"``).
    SpecificationError
        For a threshold that is not a positive number or an unknown ``empty``.
    EmptySampleError, EstimationError
        For a year with fewer than two exporters or products (with
        :math:`M_{cp} = 1`).
    """
    threshold = _check_threshold(threshold)
    if empty not in ("raise", "drop"):
        raise SpecificationError(f"empty must be 'raise' or 'drop', got {empty!r}")
    with warnings.catch_warnings():
        # exporters without exports are reported below, with the choice of empty=
        warnings.simplefilter("ignore", DataCoverageWarning)
        cells = rca(trade, country=country, product=product, value=value, year=year)
    years = [None] if year is None else list(pd.unique(cells[year]))
    if year is not None:
        years = sorted(years, key=lambda v: (str(type(v)), v))
    out_c, out_p, out_cells, out_e, dropped = [], [], [], [], []
    proximity: dict[Hashable, pd.DataFrame] = {}
    for yr in years:
        part = cells if yr is None else cells[cells[year] == yr]
        label = "" if yr is None else f"year {yr}: "
        x = part.pivot(index=country, columns=product, values=value).fillna(0.0)
        x, gone = _empty_rows(x, empty, label, country, product)
        dropped.extend((yr, *g) for g in gone)
        r = part.pivot(index=country, columns=product, values="rca")
        r = r.reindex(index=x.index, columns=x.columns).fillna(0.0)
        res = _one_year(x, r, threshold, label)
        tk = {} if yr is None else {year: yr}
        out_c.append(pd.DataFrame({**tk, country: x.index, "total": x.sum(axis=1).to_numpy(),
                                   "diversity": res["diversity"].astype(np.int64),
                                   "eci": res["eci"],
                                   "coi": res["coi"]}))
        out_p.append(pd.DataFrame({**tk, product: x.columns, "total": x.sum(axis=0).to_numpy(),
                                   "ubiquity": res["ubiquity"].astype(np.int64),
                                   "pci": res["pci"]}))
        n_c, n_p = x.shape
        out_cells.append(pd.DataFrame({
            **tk,
            country: np.repeat(x.index.to_numpy(), n_p),
            product: np.tile(x.columns.to_numpy(), n_c),
            "value": x.to_numpy().ravel(), "rca": r.to_numpy().ravel(),
            "mcp": res["m"].astype(np.int8).ravel(),
            "density": res["density"].ravel(), "cog": res["cog"].ravel(),
        }))
        ev = res["eigenvalues"]
        out_e.append(pd.DataFrame({**tk, "eigenvalue_1": [ev[0]], "eigenvalue_2": [ev[1]],
                                   "eigenvalue_3": [ev[2]]}))
        proximity[yr] = pd.DataFrame(res["phi"], index=x.columns.copy(),
                                     columns=x.columns.copy())
    tcols = [] if year is None else [year]
    drop_frame = pd.DataFrame(
        [((d[0],) if year else ()) + d[1:] for d in dropped],
        columns=[*tcols, "kind", "code", "reason"],
    )
    for frame in proximity.values():
        frame.index.name, frame.columns.name = product, product
    return ComplexityResult(
        countries=pd.concat(out_c, ignore_index=True),
        products=pd.concat(out_p, ignore_index=True),
        cells=pd.concat(out_cells, ignore_index=True),
        proximity=MappingProxyType(proximity),
        eigenvalues=pd.concat(out_e, ignore_index=True),
        threshold=threshold,
        dropped=drop_frame,
        country=country,
        product=product,
        year=year,
    )


# --------------------------------------------------------------------------- files
def write_complexity(
    input_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    products_out: str | os.PathLike[str] | None = None,
    cells_out: str | os.PathLike[str] | None = None,
    country: str = "country",
    product: str = "product",
    value: str = "value",
    year: str | None = None,
    threshold: float = 1.0,
    empty: Empty = "raise",
) -> ComplexityResult:
    """Read a table of exports, compute :func:`economic_complexity`, write its tables.

    What ``hitex index complexity FILE --out OUT`` runs. The input may be
    CSV (UTF-8 or GBK, also gzipped), Excel, Parquet or Stata; product codes
    are read as text so that they keep their leading zeros. The outputs'
    format follows their extension (.csv, .xlsx, .parquet, .dta), as
    :func:`hitex.data.files.write_table_file` writes them; every output name
    is checked before anything is computed or written.

    Parameters
    ----------
    input_file : path-like
        Exports by exporter x product (x year).
    out : path-like
        Where the exporter table (``total``, ``diversity``, ``eci``, ``coi``)
        is written.
    products_out, cells_out : path-like, optional
        Where to write the product table (``ubiquity``, ``pci``) and the
        exporter x product table (``rca``, ``mcp``, ``density``, ``cog``).
    country, product, value, year, threshold, empty
        As in :func:`economic_complexity`.

    Returns
    -------
    ComplexityResult
        The computed result.

    Raises
    ------
    DataNotFoundError, DataFormatError
        For a missing or unreadable file, or an output extension that cannot
        be written; and every error of :func:`economic_complexity`.
    """
    from hitex.data.files import read_table, write_table_file

    for option, path in (("out", out), ("products_out", products_out), ("cells_out", cells_out)):
        if path is not None and not str(path).lower().endswith(_WRITABLE):
            raise DataFormatError(
                f"{option}={str(path)!r}: cannot write this kind of file; name it .csv, "
                ".csv.gz, .tsv, .xlsx, .parquet or .dta (Stata)"
            )
    trade = read_table(input_file, text_columns=[country, product])
    result = economic_complexity(trade, country=country, product=product, value=value,
                                 year=year, threshold=threshold, empty=empty)
    write_table_file(result.countries, out)
    if products_out is not None:
        write_table_file(result.products, products_out)
    if cells_out is not None:
        write_table_file(result.cells, cells_out)
    return result
