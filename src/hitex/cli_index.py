"""``hitex index ...``: build indicators from the command line.

Each command reads a CSV, Excel or Parquet file (or the embedded bundle where
the indicator has a default source) and writes a table whose format follows
the output file's extension (.csv, .xlsx, .parquet).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hitex.errors import HitexError

index_app = typer.Typer(help="Build indicators (trade facilitation, composite indices, ...).",
                        no_args_is_help=True)

OutOption = Annotated[Path, typer.Option("--out", "-o", help="Output file (.csv, .xlsx, .parquet).")]
DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Data bundle folder.")]


def _fail(err: Exception) -> None:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _done(path: Path, rows: int) -> None:
    typer.echo(f"wrote {rows:,} rows to {path}")


@index_app.command("tfi")
def tfi(
    out: OutOption,
    input_file: Annotated[Path | None, typer.Option(
        "--input", "-i", help="GCR scores: the WEF GCI workbook or a tidy long file "
        "(default: the bundle's scores).")] = None,
    year_rule: Annotated[str, typer.Option(help="Edition Y-(Y+1) -> year Y ('start') or Y+1 "
                                           "('end').")] = "start",
    min_count: Annotated[int, typer.Option(help="Secondaries needed for a primary.")] = 1,
    index_min_count: Annotated[int, typer.Option(help="Primaries needed for the index.")] = 4,
    coverage: Annotated[Path | None, typer.Option(help="Also write coverage by year here.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Trade facilitation index of study 000 (4 primaries, 11 WEF scores, x 100/7)."""
    try:
        from hitex.data.files import write_table_file
        from hitex.data.gcr import load_gcr
        from hitex.indicators.facilitation import tfi_coverage_by_year, trade_facilitation_index

        scores = load_gcr(data_dir=data_dir, path=input_file)
        frame = trade_facilitation_index(scores, year_rule=year_rule, min_count=min_count,
                                         index_min_count=index_min_count)
        _done(write_table_file(frame, out), len(frame))
        if coverage:
            cov = tfi_coverage_by_year(frame)
            _done(write_table_file(cov, coverage), len(cov))
    except HitexError as err:
        _fail(err)


@index_app.command("composite")
def composite(
    input_file: Annotated[Path, typer.Argument(help="Indicator values, long (unit, period, "
                                               "indicator, value) or wide.")],
    spec: Annotated[Path, typer.Option("--spec", help="YAML file: name, primaries "
                                       "{primary: [secondaries]}, weights, min_count, "
                                       "normalize, scale.")],
    out: OutOption,
    unit: Annotated[str, typer.Option(help="Unit column.")] = "unit",
    period: Annotated[str, typer.Option(help="Period column.")] = "period",
    indicator: Annotated[str, typer.Option(help="Indicator-name column (long layout).")]
    = "indicator",
    value: Annotated[str, typer.Option(help="Value column (long layout).")] = "value",
) -> None:
    """A hierarchical composite index (mean, given, entropy or PCA weights)."""
    try:
        import yaml

        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.composite import CompositeSpec, composite_index

        try:
            options = yaml.safe_load(spec.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise HitexError(f"cannot read the composite spec {spec}: {err}") from err
        if not isinstance(options, dict) or "primaries" not in options:
            raise HitexError(f"{spec} must be a mapping with a 'primaries' key "
                             "({primary: [secondary, ...]}).")
        try:
            cspec = CompositeSpec(**options)
        except TypeError as err:
            raise HitexError(f"{spec}: {err}. Valid keys: name, primaries, secondary_weights, "
                             "primary_weights, min_count, index_min_count, normalize, "
                             "normalize_within, scale, scale_primaries, labels.") from err
        frame = composite_index(read_table(input_file), cspec, unit=unit, period=period,
                                indicator=indicator, value=value)
        _done(write_table_file(frame, out), len(frame))
    except HitexError as err:
        _fail(err)


@index_app.command("hightech")
def hightech(
    input_file: Annotated[Path, typer.Argument(help="Product-level trade table.")],
    out: OutOption,
    code_col: Annotated[str, typer.Option(help="Product code column (SITC).")] = "code",
    classification: Annotated[str, typer.Option(help="Classification name (study001_sitc3, "
                                                "oecd_hightech_sitc3).")] = "study001_sitc3",
    by: Annotated[str, typer.Option(help="Comma-separated grouping columns.")]
    = "exporter,importer,year",
    value: Annotated[str, typer.Option(help="Trade value column.")] = "value",
    level: Annotated[int | None, typer.Option(help="Digits of numeric codes (left-padded "
                                              "with zeros).")] = None,
    other: Annotated[str | None, typer.Option(help="Keep non-high-tech trade under this "
                                              "category name.")] = None,
) -> None:
    """Classify products as high-tech and total trade by group and category."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.products import aggregate_by_category

        frame = aggregate_by_category(
            read_table(input_file, text_columns=[code_col]), by=tuple(c.strip() for c in by.split(",") if c.strip()),
            value=value, code_col=code_col, classification=classification, level=level,
            other=other,
        )
        _done(write_table_file(frame, out), len(frame))
    except HitexError as err:
        _fail(err)


@index_app.command("prody")
def prody_cmd(
    input_file: Annotated[Path, typer.Argument(help="Exports by country (or province) and "
                                               "product.")],
    gdp: Annotated[Path, typer.Option(help="GDP per capita by country (and year).")],
    out: OutOption,
    expy_out: Annotated[Path | None, typer.Option(help="Also write EXPY by country here.")]
    = None,
    country: Annotated[str, typer.Option(help="Exporter column.")] = "country",
    product: Annotated[str, typer.Option(help="Product column.")] = "product",
    value: Annotated[str, typer.Option(help="Export value column.")] = "value",
    year: Annotated[str | None, typer.Option(help="Year column, if any.")] = None,
    gdp_col: Annotated[str, typer.Option(help="GDP per capita column.")] = "gdp_pc",
) -> None:
    """PRODY by product and EXPY by exporter (Hausmann, Hwang and Rodrik 2007)."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.sophistication import expy, prody

        trade = read_table(input_file)
        table = prody(trade, read_table(gdp), country=country, product=product, value=value,
                      year=year, gdp=gdp_col)
        _done(write_table_file(table, out), len(table))
        if expy_out:
            e = expy(trade, table, country=country, product=product, value=value, year=year)
            _done(write_table_file(e, expy_out), len(e))
    except HitexError as err:
        _fail(err)
