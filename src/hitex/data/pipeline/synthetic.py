"""Synthetic Chinese customs transaction records, for tests and benchmarks.

**These records are synthetic.** The real records (firm x HS 8-digit product x
partner x trade mode x month, from the customs administration) are not public;
the generator only imitates their shape, so that the customs aggregations can
be tested and timed:

* skewed firm sizes -- firm sizes are Pareto distributed (shape 1.1), so a few
  firms file most of the shipments;
* many small shipments -- shipment values are log-normal (median of the order
  of US$ 10,000, a long right tail);
* value concentrated in a few products -- product weights fall with the rank
  as :math:`r^{-1.3}` and the large-value products get larger shipments;
* codes that change between HS vintages -- the products in
  :data:`VINTAGE_CHANGES` are filed under their HS 2012 code before 2017 and
  under their HS 2017 code from 2017 on. The pairs are made up for the
  generator (they are *not* the WCO correlation tables); write them to a CSV
  file and read them with :func:`hitex.indicators.concordance.load_concordance`
  like a published concordance.

Codes follow the usual coding of the records: trade mode ``10`` ordinary trade,
``14`` processing with supplied materials, ``15`` processing with imported
materials, ``33``/``34`` bonded warehouse and bonded-zone logistics; firm
ownership ``1`` state-owned, ``2``/``3`` Sino-foreign joint ventures, ``4``
wholly foreign-owned, ``5`` collective, ``6`` private, ``7`` individual. City
codes are six-digit administrative division codes (the first two digits are
the province).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hitex.data.pipeline.engine import PathLike
from hitex.errors import SpecificationError

__all__ = ["CUSTOMS_FIELDS", "VINTAGE_CHANGES", "synthetic_customs_records",
           "write_synthetic_customs"]

#: Columns of :func:`synthetic_customs_records`.
CUSTOMS_FIELDS: tuple[str, ...] = (
    "firm", "city", "product", "partner", "trade_mode", "ownership", "value", "year", "month",
)

#: Synthetic HS 2012 -> HS 2017 code changes used by the generator (made up, see above).
VINTAGE_CHANGES = pd.DataFrame(
    {
        "hs2012": ["85171200", "85176290", "84714190", "30049090", "90181900", "85423900"],
        "hs2017": ["85171300", "85176299", "84714100", "30049099", "90181990", "85423990"],
    }
)

_CITIES = [
    "370100", "370200", "370600", "370700", "371300",  # Shandong
    "320100", "320500", "320200", "321000",  # Jiangsu
    "440100", "440300", "441900", "440600", "442000",  # Guangdong
    "330100", "330200", "331000",  # Zhejiang
    "310100", "110100", "120100",  # Shanghai, Beijing, Tianjin
    "510100", "500100", "420100", "610100", "340100", "350200", "410100", "430100",
]
_PARTNERS = ["USA", "HKG", "JPN", "KOR", "DEU", "VNM", "IND", "NLD", "GBR", "SGP", "TWN",
             "MYS", "RUS", "AUS", "THA", "MEX", "BRA", "FRA", "IDN", "CAN", "ITA", "ARE"]
_MODES = (["10", "14", "15", "33", "34"], [0.55, 0.06, 0.27, 0.07, 0.05])
_OWNERSHIP = (["1", "2", "3", "4", "5", "6", "7"], [0.08, 0.03, 0.12, 0.22, 0.03, 0.50, 0.02])
_HIGHTECH = ["84713000", "84715000", "84717000", "85171300", "85176299", "85285200",
             "85423100", "85423990", "85414020", "30049099", "30021500", "88024000",
             "90181990", "90189099", "90278099", "84714100"]


def _products(rng: np.random.Generator, n: int) -> np.ndarray:
    chapters = rng.integers(1, 97, size=n * 2)
    chapters = chapters[chapters != 77]
    body = rng.integers(0, 1_000_000, size=len(chapters))
    codes = np.array([f"{c:02d}{b:06d}" for c, b in zip(chapters, body, strict=True)])
    old_new = set(VINTAGE_CHANGES["hs2012"]) | set(VINTAGE_CHANGES["hs2017"])
    pool = [c for c in dict.fromkeys(codes) if c not in old_new][: n - len(_HIGHTECH)]
    mixed = np.array(_HIGHTECH + pool)
    return mixed[rng.permutation(len(mixed))]


def synthetic_customs_records(
    rows: int,
    *,
    years: tuple[int, ...] = (2016, 2017, 2018),
    seed: int = 0,
    n_products: int = 400,
) -> pd.DataFrame:
    """Synthetic customs export records (see the module notes: **not real data**).

    Parameters
    ----------
    rows : int
        Number of shipment records.
    years : tuple of int
        Years drawn uniformly; products in :data:`VINTAGE_CHANGES` use their
        HS 2012 code before 2017 and their HS 2017 code from 2017 on.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same records.
    n_products : int
        Number of distinct HS 8-digit products (besides the vintage changes).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CUSTOMS_FIELDS`: ``firm`` (text id), ``city`` (6-digit
        code), ``product`` (HS 8-digit text), ``partner`` (ISO3), ``trade_mode``
        and ``ownership`` (codes as text), ``value`` (US$), ``year``, ``month``.

    Raises
    ------
    SpecificationError
        For ``rows`` below 1 or no year.
    """
    if not isinstance(rows, int) or rows < 1:
        raise SpecificationError(f"rows must be a positive integer, not {rows!r}.")
    if not years:
        raise SpecificationError("years=() names no year; pass e.g. years=(2016, 2017).")
    rng = np.random.default_rng(seed)
    n_firms = max(20, rows // 150)
    size = rng.pareto(1.1, size=n_firms) + 1.0
    firm = rng.choice(n_firms, size=rows, p=size / size.sum())
    firm_city = rng.choice(len(_CITIES), size=n_firms)
    firm_owner = rng.choice(len(_OWNERSHIP[0]), size=n_firms, p=_OWNERSHIP[1])
    firm_mode = rng.choice(len(_MODES[0]), size=n_firms, p=_MODES[1])
    products = np.concatenate([_products(rng, n_products), VINTAGE_CHANGES["hs2017"].to_numpy()])
    rank = np.arange(1, len(products) + 1)
    weight = rank ** -1.3
    prod = rng.choice(len(products), size=rows, p=weight / weight.sum())
    year = rng.choice(np.asarray(years), size=rows)
    code = products[prod]
    old = dict(zip(VINTAGE_CHANGES["hs2017"], VINTAGE_CHANGES["hs2012"], strict=True))
    before = year < 2017
    code = np.where(before & np.isin(code, list(old)), pd.Series(code).map(old).fillna(
        pd.Series(code)).to_numpy(), code)
    # most shipments keep the firm's usual trade mode; some use another one
    mode = np.where(rng.random(rows) < 0.85, firm_mode[firm],
                    rng.choice(len(_MODES[0]), size=rows, p=_MODES[1]))
    scale = 1.0 + 4.0 / np.sqrt(rank[prod])
    value = np.round(rng.lognormal(8.0, 1.6, size=rows) * scale, 2)
    return pd.DataFrame(
        {
            "firm": pd.Series(firm).map("F{:07d}".format).to_numpy(),
            "city": np.asarray(_CITIES)[firm_city[firm]],
            "product": code,
            "partner": np.asarray(_PARTNERS)[rng.integers(0, len(_PARTNERS), size=rows)],
            "trade_mode": np.asarray(_MODES[0])[mode],
            "ownership": np.asarray(_OWNERSHIP[0])[firm_owner[firm]],
            "value": value,
            "year": year.astype("int64"),
            "month": rng.integers(1, 13, size=rows).astype("int64"),
        }
    )


def write_synthetic_customs(
    out: PathLike, rows: int, *, chunk: int = 1_000_000, seed: int = 0, **kwargs: object
) -> Path:
    """Write synthetic records to one Parquet file, ``chunk`` rows at a time.

    The chunks use seeds ``seed, seed + 1, ...``, so memory stays bounded for
    tens of millions of rows. Returns the path written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(out).expanduser()
    writer = None
    try:
        done, part = 0, 0
        while done < rows:
            n = min(chunk, rows - done)
            df = synthetic_customs_records(n, seed=seed + part, **kwargs)  # type: ignore[arg-type]
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table)
            done, part = done + n, part + 1
    finally:
        if writer is not None:
            writer.close()
    return target
