"""``hitex index ...``: build indicators from the command line.

Each command reads a CSV, Excel or Parquet file (or the embedded bundle where
the indicator has a default source) and writes a table whose format follows
the output file's extension (.csv, .xlsx, .parquet, .dta).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from hitex.cli_advice import enter_command
from hitex.cli_common import fail as _fail
from hitex.cli_common import plain_warnings as _plain_warnings
from hitex.errors import DataFormatError, HitexError

if TYPE_CHECKING:
    import pandas as pd

index_app = typer.Typer(help="Build indicators (trade facilitation, composite indices, ...).",
                        no_args_is_help=True)


@index_app.callback()
def _index(ctx: typer.Context) -> None:
    """Build indicators from a file or the embedded data bundle."""
    enter_command(ctx)
    ctx.with_resource(_plain_warnings())

OutOption = Annotated[Path, typer.Option("--out", "-o", help="Output file (.csv, .xlsx, .parquet, "
                                         ".dta for Stata 14+).")]
DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Data bundle folder.")]
EncodingOption = Annotated[str, typer.Option(
    "--encoding", help="Encoding of a CSV or TSV output: utf-8, utf-8-sig (with a byte-order "
    "mark, so that Excel opens Chinese text correctly) or gb18030.")]

_ENCODING_ALIASES = {"utf8": "utf-8", "utf8-sig": "utf-8-sig", "bom": "utf-8-sig",
                     "gbk": "gb18030"}


def csv_encoding(text: str) -> str:
    """The CSV encoding ``--encoding`` names (:data:`hitex.data.files.CSV_ENCODINGS`; ``bom``
    for ``utf-8-sig``, ``gbk`` for ``gb18030``); another one is an error naming the option."""
    from hitex.data.files import CSV_ENCODINGS

    key = text.strip().lower().replace("_", "-")
    key = _ENCODING_ALIASES.get(key, key)
    if key not in CSV_ENCODINGS:
        raise HitexError(f"--encoding {text!r}: use " + "; ".join(
            f"{k} ({why})" for k, why in CSV_ENCODINGS.items()) + ".")
    return key


def _done(path: Path, rows: int) -> None:
    typer.echo(f"wrote {rows:,} rows to {path}")


_WRITABLE = (".csv", ".csv.gz", ".txt", ".tsv", ".xlsx", ".parquet", ".dta")


def _check_output(path: Path, option: str) -> None:
    """Fail before anything is written when ``path`` has an extension that cannot be written."""
    if not path.name.lower().endswith(_WRITABLE):
        kind = f"{path.suffix!r} files" if path.suffix else "a file without an extension"
        raise DataFormatError(f"{option} {path}: cannot write {kind}; name the file .csv, .tsv, "
                              ".xlsx, .parquet or .dta (Stata).")


def _year_range(years: str) -> range:
    """Parse ``--years FIRST-LAST`` (or a single year) into the years of the panel."""
    parts = years.split("-", 1)
    try:
        first, last = int(parts[0]), int(parts[-1])
    except ValueError:
        raise HitexError(f"--years {years!r} is not a year range; write it as FIRST-LAST, e.g. "
                         "2000-2020, or give one year, e.g. 2018.") from None
    if first > last:
        raise HitexError(f"--years {years!r}: the first year is after the last; write FIRST-LAST "
                         f"with FIRST <= LAST, e.g. {last}-{first}.")
    return range(first, last + 1)


def _gcr_scores(path: Path | None, sheet: str | None, data_dir: Path | None) -> pd.DataFrame:
    """GCR scores from the bundle, a tidy CSV/Parquet file, WEF's workbook or a tidy sheet."""
    from hitex.data.gcr import load_gcr, read_gci_workbook

    if path is not None and path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_gci_workbook(path, sheet=sheet)
    if sheet is not None:
        raise HitexError("--sheet applies to an Excel (.xlsx) --input only; drop it.")
    return load_gcr(data_dir=data_dir, path=path)


@index_app.command("tfi")
def tfi(
    out: OutOption,
    input_file: Annotated[Path | None, typer.Option(
        "--input", "-i", help="GCR scores: the WEF GCI workbook or a tidy long file (.csv, "
        ".parquet or .xlsx with columns iso3, edition or year, indicator_code, value; default: "
        "the bundle's scores).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Worksheet of an .xlsx --input (default: "
                                              "WEF's 'Data' sheet, else the first sheet in "
                                              "either layout).")] = None,
    year_rule: Annotated[str, typer.Option(help="Edition Y-(Y+1) -> year Y ('start') or Y+1 "
                                           "('end').")] = "start",
    min_count: Annotated[int, typer.Option(help="Secondaries needed for a primary.")] = 1,
    index_min_count: Annotated[int, typer.Option(help="Primaries needed for the index.")] = 4,
    coverage: Annotated[Path | None, typer.Option(help="Also write coverage by year here.")] = None,
    data_dir: DataDirOption = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Trade facilitation index of study 000 (4 primaries, 11 WEF scores, x 100/7)."""
    try:
        from hitex.data.files import write_table_file
        from hitex.indicators.facilitation import tfi_coverage_by_year, trade_facilitation_index

        scores = _gcr_scores(input_file, sheet, data_dir)
        frame = trade_facilitation_index(scores, year_rule=year_rule, min_count=min_count,
                                         index_min_count=index_min_count)
        _done(write_table_file(frame, out, encoding=csv_encoding(encoding)), len(frame))
        filled = frame.groupby("year")["TFI"].count()
        empty = [int(y) for y, n in filled.items() if n == 0]
        if empty:
            typer.secho(
                f"warning: no economy has the index in {', '.join(map(str, empty))}: fewer than "
                f"--index-min-count {index_min_count} primary indicators have scores there (see "
                "--coverage). A lower --index-min-count uses the mean of the primaries present, "
                "as the built-in trade-facilitation study does with 2.",
                fg=typer.colors.YELLOW, err=True)
        if coverage:
            cov = tfi_coverage_by_year(frame)
            _done(write_table_file(cov, coverage, encoding=csv_encoding(encoding)), len(cov))
    except HitexError as err:
        _fail(err)


@index_app.command("composite")
def composite(
    input_file: Annotated[Path, typer.Argument(help="Indicator values, long (unit, period, "
                                               "indicator, value) or wide.")],
    spec: Annotated[Path, typer.Option("--spec", help="YAML file with the keys name, primaries "
                                       "(each primary: a list of its secondaries), "
                                       "secondary_weights and primary_weights (mean, entropy, "
                                       "pca, a weight per member, or {method: entropy, shift: "
                                       "0.01}), min_count, index_min_count, normalize, scale.")],
    out: OutOption,
    unit: Annotated[str, typer.Option(help="Unit column.")] = "unit",
    period: Annotated[str, typer.Option(help="Period column.")] = "period",
    indicator: Annotated[str, typer.Option(help="Indicator-name column (long layout).")]
    = "indicator",
    value: Annotated[str, typer.Option(help="Value column (long layout).")] = "value",
    encoding: EncodingOption = "utf-8",
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
        _done(write_table_file(frame, out, encoding=csv_encoding(encoding)), len(frame))
    except HitexError as err:
        _fail(err)


def _hightech_on_engine(path: Path, code_col: str, classification: str, by: str | None,
                        value: str, level: int | None, other: str | None, wide: bool, rca: bool,
                        engine: str, spark_master: str | None, quiet: bool) -> pd.DataFrame:
    from hitex.data.tradeflows_sql import csv_header
    from hitex.indicators.hightech_files import hightech_exports_from_files

    if not wide or other is not None:
        raise HitexError("--engine gives the wide table: add --wide (and leave out --other).")
    if by is None:
        first = next(iter(sorted(path.rglob("*.parquet"))), path) if path.is_dir() else path
        if first.suffix == ".parquet":
            import pyarrow.parquet as pq

            names = pq.read_schema(first).names
        else:
            names = csv_header(first)[0] if first.is_file() else []
        by = "exporter,importer,year" if "importer" in names else "exporter,year"
    groups = tuple(c.strip() for c in by.split(",") if c.strip())
    if not quiet:
        typer.echo(f"Aggregating {path} on {engine} ...", err=True)
    with _plain_warnings():
        return hightech_exports_from_files(
            path, by=groups, value=value, code_col=code_col, classification=classification,
            level=level, rca=rca, engine=engine.strip().lower(), spark_master=spark_master,
            progress=not quiet)


@index_app.command("hightech")
def hightech(
    input_file: Annotated[Path, typer.Argument(help="Product-level trade table.")],
    out: OutOption,
    code_col: Annotated[str, typer.Option(help="Product code column (SITC).")] = "code",
    classification: Annotated[str, typer.Option(help="Classification name (study001_sitc3, "
                                                "oecd_hightech_sitc3).")] = "study001_sitc3",
    by: Annotated[str | None, typer.Option(help="Comma-separated grouping columns (default: "
                                           "exporter,importer,year if the file has an importer "
                                           "column, else exporter,year).")] = None,
    value: Annotated[str, typer.Option(help="Trade value column.")] = "value",
    level: Annotated[int | None, typer.Option(help="Digits of numeric codes (left-padded "
                                              "with zeros).")] = None,
    other: Annotated[str | None, typer.Option(help="Keep non-high-tech trade under this "
                                              "category name (long layout).")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="One row per group: a column per "
                                       "category, the total, all exports and the high-tech "
                                       "share (%).")] = False,
    rca: Annotated[bool, typer.Option("--rca", help="With --wide: Balassa RCA of the first "
                                      "--by column against the others in the same group.")]
    = False,
    encoding: EncodingOption = "utf-8",
    engine: Annotated[str | None, typer.Option(
        "--engine", help="With --wide: aggregate the file(s) on duckdb or spark instead of "
        "reading them into memory (CSV UTF-8 or Parquet; a folder of Parquet files).")] = None,
    spark_master: Annotated[str | None, typer.Option(
        "--spark-master", help="Spark master: local[*] (default) or a cluster URL; implies "
        "--engine spark.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Classify products as high-tech and total trade by group and category."""
    try:
        from hitex.data.files import read_table, write_table_file

        if rca and not wide:
            raise HitexError("--rca needs --wide (RCA is a column of the wide table).")
        if engine is not None or spark_master is not None:
            frame = _hightech_on_engine(input_file, code_col, classification, by, value, level,
                                        other, wide, rca, engine or "spark", spark_master, quiet)
            _done(write_table_file(frame, out, encoding=csv_encoding(encoding)), len(frame))
            return
        trade = read_table(input_file, text_columns=[code_col])
        if by is None:
            by = "exporter,importer,year" if "importer" in trade.columns else "exporter,year"
        groups = tuple(c.strip() for c in by.split(",") if c.strip())
        if wide:
            from hitex.indicators.hightech import hightech_exports

            if other is not None:
                raise HitexError("--other applies to the long layout; --wide always gives "
                                 "all_exports and the share.")
            with _plain_warnings():
                frame = hightech_exports(trade, by=groups, value=value, code_col=code_col,
                                         classification=classification, level=level, rca=rca)
        else:
            from hitex.indicators.products import aggregate_by_category

            with _plain_warnings():
                frame = aggregate_by_category(
                    trade, by=groups, value=value, code_col=code_col,
                    classification=classification, level=level, other=other,
                )
        _done(write_table_file(frame, out, encoding=csv_encoding(encoding)), len(frame))
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
    missing_gdp: Annotated[Literal["raise", "drop"], typer.Option(
        help="Exporters without GDP per capita: 'raise' stops with their names, 'drop' leaves "
        "them out of PRODY (with a warning).")] = "raise",
    encoding: EncodingOption = "utf-8",
) -> None:
    """PRODY by product and EXPY by exporter (Hausmann, Hwang and Rodrik 2007)."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.sophistication import expy, prody

        trade = read_table(input_file, text_columns=[product])  # codes keep leading zeros
        table = prody(trade, read_table(gdp), country=country, product=product, value=value,
                      year=year, gdp=gdp_col, missing_gdp=missing_gdp)
        _done(write_table_file(table, out, encoding=csv_encoding(encoding)), len(table))
        if expy_out:
            e = expy(trade, table, country=country, product=product, value=value, year=year)
            _done(write_table_file(e, expy_out, encoding=csv_encoding(encoding)), len(e))
    except HitexError as err:
        _fail(err)


@index_app.command("rca")
def rca_cmd(
    input_file: Annotated[Path, typer.Argument(help="Exports by country (or province) and "
                                               "product.")],
    out: OutOption,
    country: Annotated[str, typer.Option(help="Exporter column.")] = "country",
    product: Annotated[str, typer.Option(help="Product column.")] = "product",
    value: Annotated[str, typer.Option(help="Export value column.")] = "value",
    year: Annotated[str | None, typer.Option(help="Year column, if any (RCA year by "
                                             "year).")] = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Balassa revealed comparative advantage by exporter and product."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.sophistication import rca

        trade = read_table(input_file, text_columns=[product])  # codes keep leading zeros
        with _plain_warnings():
            table = rca(trade, country=country, product=product, value=value, year=year)
        _done(write_table_file(table, out, encoding=csv_encoding(encoding)), len(table))
    except HitexError as err:
        _fail(err)


@index_app.command("complexity")
def complexity_cmd(
    input_file: Annotated[Path, typer.Argument(help="Exports by exporter and product (CSV, "
                                               "Excel, Parquet or Stata).")],
    out: OutOption,
    products_out: Annotated[Path | None, typer.Option(help="Also write PCI and ubiquity by "
                                                      "product here.")] = None,
    cells_out: Annotated[Path | None, typer.Option(help="Also write RCA, Mcp, density and "
                                                   "COG by exporter and product here.")] = None,
    country: Annotated[str, typer.Option(help="Exporter column.")] = "country",
    product: Annotated[str, typer.Option(help="Product column.")] = "product",
    value: Annotated[str, typer.Option(help="Export value column.")] = "value",
    year: Annotated[str | None, typer.Option(help="Year column, if any (measures year by "
                                             "year).")] = None,
    threshold: Annotated[float, typer.Option(help="RCA at or above which Mcp = 1 "
                                             "(ecomplexity's rca()).")] = 1.0,
    empty: Annotated[str, typer.Option(help="Exporters without exports and products nobody "
                                       "exports: 'raise' (default) or 'drop' (as "
                                       "ecomplexity).")] = "raise",
) -> None:
    """ECI, PCI, density, COI and COG as the Growth Lab's Stata ecomplexity computes them."""
    try:
        from hitex.indicators.complexity import write_complexity

        for path, option in ((out, "--out"), (products_out, "--products-out"),
                             (cells_out, "--cells-out")):
            if path is not None:
                _check_output(path, option)
        with _plain_warnings():
            result = write_complexity(input_file, out, products_out=products_out,
                                      cells_out=cells_out, country=country, product=product,
                                      value=value, year=year, threshold=threshold,
                                      empty=empty)  # type: ignore[arg-type]
        _done(out, len(result.countries))
        if products_out is not None:
            _done(products_out, len(result.products))
        if cells_out is not None:
            _done(cells_out, len(result.cells))
    except HitexError as err:
        _fail(err)


@index_app.command("tbt-depth")
def tbt_depth_cmd(
    out: OutOption,
    panel_out: Annotated[Path | None, typer.Option(help="Also write the pair-year panel "
                                                   "(FTA, Depth) here.")] = None,
    years: Annotated[str, typer.Option(help="Years of the panel, FIRST-LAST (e.g. 2000-2020) "
                                       "or one year.")] = "2000-2020",
    countries: Annotated[str | None, typer.Option(help="Comma-separated economies of the panel: "
                                                  "ISO3 codes (any case) or names (default: "
                                                  "all in DESTA).")] = None,
    missing: Annotated[Literal["report", "zero_if_no_provision"], typer.Option(
        help="Agreements with missing TBT item codes: 'report' leaves their depth missing; "
        "'zero_if_no_provision' first sets the items of agreements without TBT provisions "
        "(tbt_prov = 0) to 0. The built-in study tbt-gravity uses zero_if_no_provision.")]
    = "report",
    check_study001: Annotated[bool, typer.Option(help="Print the check of study 001's "
                                                 "Table 6 against DESTA.")] = False,
    data_dir: DataDirOption = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """TBT depth of every DESTA agreement (0-8, tiers) and the pair-year FTA/Depth panel."""
    try:
        from hitex.data import desta
        from hitex.data.files import write_table_file
        from hitex.indicators.tbt import (
            check_study001_table6,
            pair_year_panel,
            tbt_depth,
        )

        # check every option and build every table before writing anything
        span = _year_range(years)
        codes = [c.strip() for c in countries.split(",") if c.strip()] if countries else None
        if countries is not None and (not codes or panel_out is None):
            raise HitexError(f"--countries {countries!r} needs --panel-out and at least one "
                             "code, e.g. --countries CHN,KOR --panel-out panel.csv.")
        _check_output(out, "--out")
        if panel_out:
            _check_output(panel_out, "--panel-out")
        depth = tbt_depth(desta.read_coding(data_dir), missing=missing)
        panel = None
        if panel_out:
            panel = pair_year_panel(depth, desta.read_dyads(data_dir),
                                    desta.read_withdrawals(data_dir), span, countries=codes,
                                    data_dir=data_dir)
        _done(write_table_file(depth.drop(columns=["members"], errors="ignore").assign(
            members=depth["members"].map(" ".join) if "members" in depth else None), out,
            encoding=csv_encoding(encoding)), len(depth))
        if panel_out is not None and panel is not None:
            _done(write_table_file(panel, panel_out, encoding=csv_encoding(encoding)), len(panel))
        if check_study001:
            typer.echo(check_study001_table6(depth).summary())
    except HitexError as err:
        _fail(err)


@index_app.command("dti")
def dti_cmd(
    input_file: Annotated[Path, typer.Argument(help="Patent counts and population by unit "
                                               "and year.")],
    out: OutOption,
    population_unit: Annotated[str, typer.Option(help="persons, 10k_persons (万人) or "
                                                 "million_persons.")],
    unit: Annotated[str, typer.Option(help="Unit column.")] = "province_code",
    time: Annotated[str, typer.Option(help="Year column.")] = "year",
    patents_col: Annotated[str, typer.Option(help="Patent count column.")] = "patents",
    population_col: Annotated[str, typer.Option(help="Population column.")] = "population",
    kind: Annotated[str, typer.Option(help="applications (dti) or grants (dtig).")]
    = "applications",
    encoding: EncodingOption = "utf-8",
) -> None:
    """Digital technology innovation: ln(1 + patents per million inhabitants)."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.innovation import digital_innovation

        frame = read_table(input_file)
        result = digital_innovation(
            frame, frame, population_unit=population_unit, kind=kind, unit=unit, time=time,
            patents_col=patents_col, population_col=population_col,
        )
        _done(write_table_file(result, out, encoding=csv_encoding(encoding)), len(result))
    except HitexError as err:
        _fail(err)


@index_app.command("dti-iv")
def dti_iv_cmd(
    input_file: Annotated[Path, typer.Argument(help="Texts (e.g. government work reports) "
                                               "by province and year.")],
    out: OutOption,
    keywords: Annotated[str, typer.Option(help="Comma-separated keywords, or @FILE with one "
                                          "per line.")],
    province_col: Annotated[str, typer.Option(help="Province column (code or name).")]
    = "province",
    text_col: Annotated[str, typer.Option(help="Text column.")] = "text",
    language: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    segmenter: Annotated[str | None, typer.Option(help="zh: chars (Han characters) or "
                                                  "jieba (words).")] = None,
    reference: Annotated[str, typer.Option(help="Reference city.")] = "Hangzhou",
    min_distance_km: Annotated[float | None, typer.Option(help="Floor for the distance (the "
                                                         "reference province's own).")] = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Study 004's instrument: keyword frequency / distance of the capital to Hangzhou."""
    try:
        from hitex.data.files import read_table, write_table_file
        from hitex.indicators.innovation import keyword_frequency, policy_instrument

        if keywords.startswith("@"):
            words = [w.strip() for w in Path(keywords[1:]).read_text(encoding="utf-8").splitlines()]
        else:
            words = [w.strip() for w in keywords.split(",")]
        words = [w for w in words if w]
        if not words:
            raise HitexError("--keywords is empty; give keywords separated by commas or @FILE.")
        frame = read_table(input_file)
        if text_col not in frame.columns:
            raise HitexError(f"column '{text_col}' not in {input_file}; pass --text-col.")
        frame["keyword_frequency"] = keyword_frequency(
            frame[text_col], words, language=language, segmenter=segmenter)
        result = policy_instrument(frame.drop(columns=[text_col]), province_col,
                                   reference=reference, min_distance_km=min_distance_km)
        _done(write_table_file(result, out, encoding=csv_encoding(encoding)), len(result))
    except (HitexError, OSError) as err:
        _fail(err)
