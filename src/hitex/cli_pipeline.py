"""``hitex data aggregate``: the trade pipeline from the command line, on DuckDB or Spark.

Runs :func:`hitex.data.pipeline.trade.run_trade_pipeline` on BACI or Comtrade
files (or a Parquet dataset from ``hitex data convert``) and writes each table
it returns into one folder, as Parquet (default) or CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hitex.cli_common import fail, plain_warnings
from hitex.errors import HitexError, SpecificationError

__all__ = ["aggregate"]

_TABLES = ("exporter_year", "exporter_product_year", "exporter_importer_sector_year", "rca",
           "complexity", "prody", "expy")


def _categories(classification: str, categories: Path | None, code_system: str | None):  # noqa: ANN202
    import pandas as pd

    from hitex.data.files import read_table
    from hitex.indicators.products import classification as builtin

    if categories is None:
        return builtin(classification), code_system
    table = read_table(categories, text_columns=["code"])
    missing = [c for c in ("code", "category") if c not in table.columns]
    if missing:
        raise SpecificationError(f"--categories {categories} lacks the column(s) {missing}; it "
                                 "needs code and category (an empty category excludes a code).")
    if code_system is None:
        raise SpecificationError("--categories needs --code-system (HS or SITC): the "
                                 "nomenclature of its codes.")
    out = table[["code", "category"]].copy()
    out["category"] = out["category"].where(out["category"].notna(), None)
    return pd.DataFrame(out), code_system


def aggregate(
    files: Annotated[list[str], typer.Argument(help="BACI or Comtrade CSV files (plain or "
                                               "gzip), or one Parquet dataset folder (with "
                                               "--engine spark also a cluster URL: "
                                               "hdfs://..., s3a://...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the tables (created).")],
    fmt: Annotated[str, typer.Option("--fmt", help="baci, comtrade or parquet.")] = "baci",
    classification: Annotated[str, typer.Option(help="Built-in high-tech list "
                                                "(study001_sitc3, oecd_hightech_sitc3).")]
    = "study001_sitc3",
    categories: Annotated[Path | None, typer.Option(help="Your own list: a table with code "
                                                    "and category.")] = None,
    code_system: Annotated[str | None, typer.Option(help="Nomenclature of --categories: HS "
                                                    "or SITC.")] = None,
    concordance: Annotated[Path | None, typer.Option(help="Traded code -> list code table "
                                                     "when the nomenclatures differ (e.g. "
                                                     "HS -> SITC).")] = None,
    concordance_cols: Annotated[str | None, typer.Option(help="FROM,TO columns of "
                                                         "--concordance.")] = None,
    product_digits: Annotated[int | None, typer.Option(help="Digits of the product in the "
                                                       "product tables (4 for HS4).")] = None,
    gdp: Annotated[Path | None, typer.Option(help="GDP per capita (exporter, year, gdp_pc) "
                                             "for PRODY and EXPY.")] = None,
    country_codes: Annotated[Path | None, typer.Option(help="Numeric code -> ISO3 table "
                                                      "(BACI's country_codes file).")] = None,
    years: Annotated[str | None, typer.Option(help="Years to keep: 2015-2019 or "
                                              "2015,2017.")] = None,
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    spark_master: Annotated[str | None, typer.Option(help="local[*] or a cluster URL "
                                                     "(spark://host:7077, yarn, "
                                                     "k8s://...).")] = None,
    memory_limit: Annotated[str, typer.Option(help="DuckDB's memory limit; beyond it, it "
                                              "spills to disk.")] = "1GB",
    table_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    overwrite: Annotated[bool, typer.Option(help="Replace tables written before.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Aggregate trade files by exporter, product and partner, with RCA, PRODY and EXPY.

    Writes exporter-year totals and high-tech shares, exporter-product-year,
    exporter-importer-category-year, RCA, the complexity inputs and (with
    --gdp) PRODY and EXPY, one file per table.
    """
    try:
        from hitex.data.files import read_table
        from hitex.data.pipeline.engine import EngineOptions
        from hitex.data.pipeline.trade import run_trade_pipeline
        from hitex.indicators.concordance import load_concordance

        if table_format not in ("parquet", "csv"):
            raise SpecificationError(f"--format {table_format}: use parquet or csv.")
        if spark_master is not None and engine == "duckdb":
            engine = "spark"
        targets = {name: out / f"{name}.{table_format}" for name in _TABLES}
        if not overwrite:
            there = [p.name for p in targets.values() if p.exists()]
            if there:
                raise SpecificationError(f"{out} already holds {there}; pass --overwrite to "
                                         "replace them, or another --out folder.")
        cats, system = _categories(classification, categories, code_system)
        conc, cols = None, None
        if concordance is not None:
            if not concordance_cols:
                raise SpecificationError("--concordance needs --concordance-cols FROM,TO.")
            cols = [c.strip() for c in concordance_cols.split(",")]
            if len(cols) != 2:
                raise SpecificationError(f"--concordance-cols {concordance_cols}: give two "
                                         "columns, FROM,TO.")
            conc = load_concordance(concordance, cols[0], cols[1])
        keep = _years(years)
        if not quiet:
            size = sum(Path(f).stat().st_size for f in files
                       if "://" not in f and Path(f).is_file()) / 1e6
            typer.echo(f"Aggregating {len(files)} input(s)"
                       + (f", {size:,.0f} MB" if size else "") + f", on {engine} (progress "
                       "below after two seconds) ...", err=True)
        paths = [f if "://" in f else str(Path(f).expanduser()) for f in files]
        with plain_warnings():
            result = run_trade_pipeline(
                paths[0] if fmt == "parquet" and len(paths) == 1 else paths, categories=cats,
                fmt=fmt, engine=engine, spark_master=spark_master,
                engine_options=EngineOptions(memory_limit=memory_limit, progress=not quiet,
                                             spark_master=spark_master or "local[*]"),
                code_system=system, concordance=conc, concordance_cols=cols,
                country_codes=country_codes, years=keep, product_digits=product_digits,
                gdp_pc=None if gdp is None else read_table(gdp))
        out.mkdir(parents=True, exist_ok=True)
        for name, path in targets.items():
            frame = getattr(result, name)
            if frame is None:
                continue
            if table_format == "parquet":
                frame.to_parquet(path, index=False)
            else:
                frame.to_csv(path, index=False)
            typer.echo(f"wrote {len(frame):,} rows to {path}")
    except HitexError as err:
        fail(err)


def _years(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        if "-" in text:
            first, last = (int(p) for p in text.split("-", 1))
            return list(range(first, last + 1))
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise SpecificationError(f"--years {text}: write 2015-2019 or 2015,2017.") from None
