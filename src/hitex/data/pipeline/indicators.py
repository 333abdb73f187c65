r"""Product-level indicators on an exporter-product-year aggregate, as Ibis expressions.

The input is ``exporter, year, product, value`` (:math:`x_{cpt}`, from
:func:`hitex.data.pipeline.aggregate.exporter_product_year`); every quantity is
computed within each year, with :math:`X_c = \sum_p x_{cp}`. The formulas are
those of :mod:`hitex.indicators.sophistication` (which runs on pandas tables
in memory); these run on the engine, next to the data:

* export shares :math:`x_{cp}/X_c` (:func:`export_shares`);
* Balassa (1965) RCA :math:`\frac{x_{cp}/X_c}{\sum_c x_{cp}/\sum_{c,p} x_{cp}}`
  (:func:`rca`), missing where :math:`X_c = 0` or :math:`\sum_c x_{cp} = 0`;
* Hausmann, Hwang and Rodrik (2007) PRODY
  :math:`\sum_c \frac{x_{cp}/X_c}{\sum_{c'} x_{c'p}/X_{c'}} Y_c` (:func:`prody`), over
  exporters with positive exports and GDP per capita :math:`Y_c`;
* EXPY :math:`\sum_p \frac{x_{cp}}{X_c}\mathrm{PRODY}_p` (:func:`expy`), over the
  exported products that have a PRODY;
* the inputs of economic-complexity measures (Hidalgo and Hausmann 2009):
  :math:`M_{cp} = 1[\mathrm{RCA}_{cp} \ge 1]`, diversity
  :math:`k_{c,0} = \sum_p M_{cp}` and ubiquity :math:`k_{p,0} = \sum_c M_{cp}`
  (:func:`complexity_inputs`).
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import pandas as pd

from hitex.data.pipeline.engine import Engine
from hitex.errors import ColumnNotFoundError, DataFormatError, SpecificationError

__all__ = ["complexity_inputs", "export_shares", "expy", "prody", "rca"]

Missing = Literal["raise", "drop"]
_NULL = ibis.null("float64")


def _sum_over(t: Any, col: str, keys: list[str]) -> Any:
    """Sum of ``col`` within ``keys``, on every row (a window, so no self-join)."""
    return t[col].sum().over(ibis.window(group_by=keys))


def export_shares(trade: Any) -> Any:
    """``exporter, year, product, value, share`` with ``share`` :math:`= x_{cp}/X_c`."""
    t = trade.mutate(xc=_sum_over(trade, "value", ["exporter", "year"]))
    return t.select(
        "exporter", "year", "product", "value",
        share=ibis.ifelse(t.xc > 0, t.value / t.xc, _NULL),
    )


def rca(trade: Any) -> Any:
    """Balassa RCA: ``exporter, year, product, value, rca``."""
    t = trade.mutate(
        xc=_sum_over(trade, "value", ["exporter", "year"]),
        xp=_sum_over(trade, "value", ["year", "product"]),
        xw=_sum_over(trade, "value", ["year"]),
    )
    ok = (t.xc > 0) & (t.xp > 0)
    return t.select(
        "exporter", "year", "product", "value",
        rca=ibis.ifelse(ok, (t.value / t.xc) / (t.xp / t.xw), _NULL),
    )


def complexity_inputs(trade: Any, threshold: float = 1.0) -> Any:
    """``exporter, year, product, value, rca, mcp, diversity, ubiquity``.

    ``mcp`` is 1 where RCA is at least ``threshold`` (0 where RCA is missing);
    ``diversity`` counts an exporter's products with ``mcp = 1`` in the year,
    ``ubiquity`` a product's exporters with ``mcp = 1``.
    """
    r = rca(trade)
    r = r.mutate(mcp=ibis.ifelse(r.rca.notnull() & (r.rca >= float(threshold)), 1, 0))
    r = r.mutate(
        diversity=_sum_over(r, "mcp", ["exporter", "year"]),
        ubiquity=_sum_over(r, "mcp", ["product", "year"]),
    )
    return r.select(
        "exporter", "year", "product", "value", "rca", "mcp", "diversity", "ubiquity"
    )


def _gdp_table(engine: Engine, gdp_pc: pd.DataFrame, country: str, gdp: str) -> Any:
    for col in (country, "year", gdp):
        if col not in gdp_pc.columns:
            raise ColumnNotFoundError(
                f"column {col!r} is not in the GDP-per-capita table (columns: "
                f"{list(gdp_pc.columns)}); it needs {country!r}, 'year' and {gdp!r} (pass "
                "country= and gdp=)."
            )
    values = pd.to_numeric(gdp_pc[gdp], errors="coerce")
    if values.isna().any() or (values <= 0).any():
        raise DataFormatError(
            f"column {gdp!r} of the GDP-per-capita table has missing, non-numeric or "
            "non-positive values; GDP per capita must be a positive number (in levels)."
        )
    table = pd.DataFrame(
        {
            "g_exporter": gdp_pc[country].astype(str).to_numpy(),
            "g_year": pd.to_numeric(gdp_pc["year"], errors="raise").astype("int64").to_numpy(),
            "gdp": values.astype("float64").to_numpy(),
        }
    )
    if table.duplicated(["g_exporter", "g_year"]).any():
        raise DataFormatError(
            "the GDP-per-capita table repeats a country-year; keep one row per "
            f"{country!r} and 'year'."
        )
    return engine.table(table)


def prody(
    engine: Engine,
    trade: Any,
    gdp_pc: pd.DataFrame,
    *,
    country: str = "exporter",
    gdp: str = "gdp_pc",
    missing_gdp: Missing = "raise",
) -> Any:
    """PRODY by year and product: ``year, product, prody``.

    Parameters
    ----------
    engine : Engine
    trade : ibis.Table
        ``exporter, year, product, value``.
    gdp_pc : pandas.DataFrame
        GDP per capita: columns ``country``, ``year`` and ``gdp``.
    country, gdp : str
        Column names of ``gdp_pc``.
    missing_gdp : {"raise", "drop"}
        Exporters with exports but no GDP per capita: raise (default) or leave out.

    Returns
    -------
    ibis.Table
        One row per year and product of ``trade``; PRODY is missing for a
        product that no included exporter exports.

    Raises
    ------
    DataFormatError
        For exporters without GDP per capita (``missing_gdp="raise"``) or bad GDP values.
    ColumnNotFoundError, SpecificationError
        For missing columns of ``gdp_pc`` or an unknown ``missing_gdp``.
    """
    if missing_gdp not in ("raise", "drop"):
        raise SpecificationError(f"missing_gdp must be 'raise' or 'drop', got {missing_gdp!r}")
    g = _gdp_table(engine, gdp_pc, country, gdp)
    xc = trade.group_by(["exporter", "year"]).aggregate(xc=trade.value.sum())
    xc = xc.filter(xc.xc > 0)
    if missing_gdp == "raise":
        lacking = xc.anti_join(g, [xc.exporter == g.g_exporter, xc.year == g.g_year])
        named = engine.execute(lacking.order_by(["year", "exporter"]).limit(20))
        if len(named):
            raise DataFormatError(
                f"exporters have exports but no GDP per capita in column {gdp!r}: "
                f"{list(zip(named['year'], named['exporter'], strict=True))}. Add them to the "
                "GDP-per-capita table, drop them from the trade table, or pass missing_gdp='drop'."
            )
    w = trade.mutate(xc=_sum_over(trade, "value", ["exporter", "year"]))
    w = w.inner_join(g, [w.exporter == g.g_exporter, w.year == g.g_year])
    w = w.filter(w.xc > 0).select("year", "product", "value", "xc", "gdp")
    w = w.mutate(s=w.value / w.xc)
    w = w.mutate(ssum=_sum_over(w, "s", ["year", "product"]))
    w = w.mutate(wy=ibis.ifelse(w.ssum > 0, w.s / w.ssum * w.gdp, _NULL))
    out = w.group_by(["year", "product"]).aggregate(prody=w.wy.sum())
    products = trade.select("year", "product").distinct()
    j = products.left_join(out, ["year", "product"])
    return j.select("year", "product", "prody")


def expy(
    engine: Engine,
    trade: Any,
    prody_table: Any,
    *,
    missing_prody: Missing = "raise",
) -> Any:
    """EXPY by exporter and year: ``exporter, year, expy``.

    Parameters
    ----------
    engine : Engine
    trade : ibis.Table
        ``exporter, year, product, value`` (countries or regions).
    prody_table : ibis.Table or pandas.DataFrame
        ``year, product, prody`` (from :func:`prody`).
    missing_prody : {"raise", "drop"}
        Exported products without PRODY: raise (default) or leave out, in which
        case :math:`X_c` is the total over the products with a PRODY.

    Returns
    -------
    ibis.Table
        One row per exporter and year of ``trade``; EXPY is missing for an
        exporter without exports of products with a PRODY.

    Raises
    ------
    DataFormatError
        For exported products without PRODY (``missing_prody="raise"``).
    SpecificationError
        For an unknown ``missing_prody``.
    """
    if missing_prody not in ("raise", "drop"):
        raise SpecificationError(
            f"missing_prody must be 'raise' or 'drop', got {missing_prody!r}"
        )
    p = engine.table(prody_table) if isinstance(prody_table, pd.DataFrame) else prody_table
    p = p.select(p_year=p.year.cast("int64"), p_product=p["product"].cast("string"),
                 prody=p.prody.cast("float64"))
    j = trade.left_join(p, [trade.year == p.p_year, trade["product"] == p.p_product])
    j = j.select("exporter", "year", "product", "value", "prody")
    lacking = j.filter((j.value > 0) & j.prody.isnull())
    if missing_prody == "raise":
        named = engine.execute(
            lacking.select("year", "product").distinct().order_by(["year", "product"]).limit(20)
        )
        if len(named):
            raise DataFormatError(
                f"exported products have no PRODY: "
                f"{list(zip(named['year'], named['product'], strict=True))}. Compute PRODY for "
                "them, drop them from the trade table, or pass missing_prody='drop'."
            )
    w = j.filter((j.value > 0) & j.prody.notnull())
    w = w.mutate(xc=_sum_over(w, "value", ["exporter", "year"]))
    out = w.group_by(["exporter", "year"]).aggregate(expy=(w.value / w.xc * w.prody).sum())
    keys = trade.select("exporter", "year").distinct()
    k = keys.left_join(out, ["exporter", "year"])
    return k.select("exporter", "year", "expy")
