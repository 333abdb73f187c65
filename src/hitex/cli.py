"""The ``hitex`` command line: a thin layer over the library.

Heavy libraries (pyfixest, pandas) are imported inside the commands that need
them, so ``hitex --help`` and ``hitex studies`` answer at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hitex.cli_advice import cli_advice, current_options, enter_command
from hitex.cli_common import fail as _fail
from hitex.cli_index import csv_encoding, index_app
from hitex.cli_pipeline import aggregate
from hitex.errors import HitexError

app = typer.Typer(
    name="hitex",
    help="Empirical analysis of high-tech exports: indicators, panel models, publication tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="The embedded data bundle: list and describe datasets; convert "
                       "trade files to Parquet and aggregate them (DuckDB or Spark).",
                       no_args_is_help=True)


@data_app.callback()
def _data(ctx: typer.Context) -> None:
    """The data bundle and trade files."""
    enter_command(ctx)  # errors then name this command's options

app.add_typer(data_app, name="data")
app.add_typer(index_app, name="index")

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data bundle folder (default: $HITEX_DATA_DIR or the "
                 "shared/data/raw folder found next to the working directory)."),
]


def _version_callback(value: bool) -> None:
    if value:
        from hitex import __version__

        typer.echo(f"hitex {__version__}")
        raise typer.Exit()


def _formats(text: str) -> tuple[str, ...]:
    """``--format txt,md,html`` (or ``all``) as writer names; an unknown one is an error."""
    from hitex.report.writers import WRITERS

    known = (*WRITERS, "docx", "xlsx")
    asked = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    if asked == ["all"]:
        return known
    unknown = [f for f in asked if f not in known]
    if unknown or not asked:
        raise HitexError(f"--format {text!r}: unknown format(s) {unknown}; use any of "
                         f"{', '.join(known)} or all.")
    return tuple(dict.fromkeys(asked))


def _lang(text: str) -> str:
    if text not in ("en", "zh"):
        raise HitexError(f"--lang {text!r}: use en or zh.")
    return text


def _shown(text: object, limit: int = 2_000) -> str:
    """User text for the terminal: printed literally (never as markup) and shortened."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]} ... ({len(text):,} characters)"


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version_callback,
                                          is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """hitex: high-tech export studies from public data to publication tables."""
    enter_command(ctx)


@app.command()
def studies(
    kinds: Annotated[bool, typer.Option("--kinds", help="List the panel, source, indicator and "
                                        "table kinds a study file can use.")] = False,
) -> None:
    """List the built-in studies (or, with --kinds, what a study file can use)."""
    import yaml

    from hitex.studies.registry import builtin_studies

    if kinds:
        from hitex.studies.kinds import kinds_markdown

        typer.echo(kinds_markdown(), nl=False)
        return

    for name, path in builtin_studies().items():
        with path.open(encoding="utf-8") as fh:
            head = yaml.safe_load(fh)
        typer.echo(f"{name:<22} {head.get('title', '')}")


@app.command()
def run(
    study: Annotated[str, typer.Argument(help="Built-in study name or path to a study YAML file.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder "
                                             "(default: hitex-output/<study>).")] = None,
    data_dir: DataDirOption = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that holds files "
                                        "hitex did not write (they are kept, never "
                                        "replaced).")] = False,
    formats: Annotated[str, typer.Option("--format", help="Table formats, comma-separated: "
                                         "txt, md, html, tex, docx, xlsx (or 'all').")] = "txt,md",
    report: Annotated[bool, typer.Option("--report", help="Also write report.html: the whole "
                                         "study in one file.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or zh.")] = "en",
    encoding: Annotated[str, typer.Option("--encoding", help="Encoding of the CSV outputs "
                                          "(sample.csv): utf-8, utf-8-sig (with a byte-order "
                                          "mark, so that Excel opens Chinese text correctly) "
                                          "or gb18030.")] = "utf-8",
    engine: Annotated[str | None, typer.Option(
        "--engine", help="Where trade records are aggregated: duckdb (default) or spark "
        "(pip install 'hitex[spark]'); overrides the study file's engine.")] = None,
    spark_master: Annotated[str | None, typer.Option(
        "--spark-master", help="Spark master: local[*] (default) or a cluster URL "
        "(spark://host:7077, yarn, k8s://...); implies --engine spark.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display; print "
                                        "warnings and the output folder only.")] = False,
) -> None:
    """Run a study: build its data, estimate its models, write its tables."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    try:
        from hitex.studies.runner import run_study
        from hitex.studies.spec import load_study

        kinds, language, csv_enc = _formats(formats), _lang(lang), csv_encoding(encoding)
        spec = load_study(study)
        if not quiet:
            console.print(_shown(spec.title), style="bold", markup=False, highlight=False)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False,
                      disable=quiet) as bar:
            chosen = engine or ("spark" if spark_master else spec.data.engine)
            on_spark = str(chosen).strip().lower() == "spark"
            task = bar.add_task("building data" + (" (trade records on Spark)" if on_spark
                                                   else ""), total=None)

            def progress(label: str, done: int, total: int) -> None:
                bar.update(task, description=f"estimating {label}", completed=done, total=total)

            result = run_study(study, out, data_dir=data_dir, progress=progress, force=force,
                               formats=kinds, report=report, lang=language,
                               encoding=csv_enc, engine=engine, spark_master=spark_master)
            bar.update(task, description="done")
    except HitexError as err:
        _fail(err)
        return
    options = current_options()[1]
    for warning in result.warnings:
        console.print("warning:", _shown(cli_advice(warning, options)), style="yellow",
                      markup=False, highlight=False)
    if not quiet:
        for note in result.notes:
            console.print("note:", _shown(cli_advice(note, options)), markup=False,
                          highlight=False)
    typer.echo(f"Results written to {result.out_dir}")
    if not quiet:
        for path in result.files:
            typer.echo(f"  {path.name}")


@app.command("report")
def report_command(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of an earlier hitex run.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="The HTML file (default: "
                                             "beside the folder, FOLDER.html).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or zh.")] = "en",
) -> None:
    """Write one self-contained HTML report of an earlier run's output folder."""
    try:
        from hitex.report.html_report import write_report

        path = write_report(out_dir, path=out, lang=_lang(lang))
    except HitexError as err:
        _fail(err)
        return
    typer.echo(f"Report written to {path}")


@app.command()
def monitor(
    region: Annotated[str, typer.Argument(help="A Chinese province (37, Shandong, 山东) or a "
                                          "country (CHN, China).")],
    peers: Annotated[str | None, typer.Option("--peers", help="Comma-separated units ranked "
                                              "against each other (default: all).")] = None,
    years: Annotated[str | None, typer.Option("--years", help="Year range A-B (default: the "
                                              "years of the bundle's series).")] = None,
    source: Annotated[Path | None, typer.Option("--source", help="Your own values as a second "
                                                "source (columns: unit, year, value); conflicts "
                                                "with the bundle are reported.")] = None,
    source_unit: Annotated[str | None, typer.Option("--source-unit", help="Unit of --source "
                                                    "(default: the bundle's).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: "
                                             "hitex-output/monitor-REGION).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the tables: en or zh.")] = "en",
    data_dir: DataDirOption = None,
) -> None:
    """One page on a province's or a country's high-tech exports: level, growth, rank, gaps."""
    from rich.console import Console

    console = Console(stderr=True)
    try:
        if lang not in ("en", "zh"):
            raise HitexError(f"--lang {lang!r}: use en or zh.")
        from hitex.studies.monitor_study import monitor_study
        from hitex.studies.runner import run_study
        from hitex.studies.spec import parse_study

        doc = monitor_study(region, peers=[p.strip() for p in peers.split(",") if p.strip()]
                            if peers else None, years=years, source=source,
                            source_unit=source_unit, lang=lang, data_dir=data_dir)
        slug = "".join(ch if ch.isalnum() else "-" for ch in region).strip("-") or "region"
        result = run_study(parse_study(doc, origin="hitex monitor"),
                           out or Path("hitex-output") / f"monitor-{slug}", data_dir=data_dir)
    except HitexError as err:
        _fail(err)
        return
    from hitex.report.writers import to_text

    typer.echo(to_text(result.tables["monitor"]))
    for name in result.tables:
        if name.endswith("_conflicts"):
            typer.echo(to_text(result.tables[name]))
    for warning in result.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)
    typer.echo(f"Results written to {result.out_dir}")


@data_app.command("list")
def data_list(data_dir: DataDirOption = None) -> None:
    """List the datasets of the bundle (files and licence: 'hitex data show NAME')."""
    try:
        from hitex.data.catalog import list_datasets

        frame = list_datasets(data_dir)
    except HitexError as err:
        _fail(err)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    names = [str(n) for n in frame["name"]]
    table = Table(pad_edge=False, box=None, header_style="bold", leading=1)
    # a name is what the user types next: never cut, never wrapped
    table.add_column("name", no_wrap=True, min_width=max(map(len, names), default=4))
    table.add_column("files", justify="right", no_wrap=True)
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("redistribution", ratio=2, overflow="fold")
    for row, name in zip(frame.itertuples(index=False), names, strict=True):
        files = str(row.files)
        count = "missing" if files == "(missing)" else str(len(files.split(", ")))
        table.add_row(name, count, str(row.title), str(row.redistribution))
    console.print(table, markup=False, highlight=False)
    console.print("Files, licence, provenance: hitex data show NAME", markup=False,
                  highlight=False, soft_wrap=True)


@data_app.command("show")
def data_show(name: Annotated[str, typer.Argument(help="Dataset name (see 'hitex data list').")],
              data_dir: DataDirOption = None) -> None:
    """Describe one dataset: files, columns, coverage and provenance."""
    try:
        from hitex.data.catalog import describe_dataset, format_dataset

        typer.echo(format_dataset(describe_dataset(name, data_dir)))
    except HitexError as err:
        _fail(err)


data_app.command("aggregate")(aggregate)


@data_app.command("convert")
def data_convert(
    files: Annotated[list[Path], typer.Argument(help="BACI or Comtrade CSV files (plain or "
                                                "gzip), one layout.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Dataset folder to create "
                                     "(year=YYYY/ Parquet partitions), or a cluster URL "
                                     "(hdfs://..., s3a://...; --engine spark).")],
    fmt: Annotated[str, typer.Option("--fmt", help="baci or comtrade.")] = "baci",
    country_codes: Annotated[Path | None, typer.Option(help="Numeric code -> ISO3 table "
                                                      "(BACI's country_codes file).")] = None,
    flow: Annotated[str, typer.Option(help="Comtrade flow: X (exports) or M.")] = "X",
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    spark_master: Annotated[str | None, typer.Option(help="local[*] or a cluster URL "
                                                     "(spark://host:7077).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a dataset hitex wrote "
                                            "before.")] = False,
    memory_limit: Annotated[str, typer.Option(help="DuckDB's memory limit; beyond it, it "
                                              "spills to disk.")] = "1GB",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Convert trade files once into year-partitioned Parquet, duplicates checked.

    Later runs then read only the years and columns they need.
    """
    try:
        from hitex.data.pipeline.convert import convert_trade
        from hitex.data.pipeline.engine import EngineOptions

        if not quiet:
            size = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
            typer.echo(f"Converting {len(files)} file(s), {size:,.0f} MB, on {engine} "
                       f"(progress below after two seconds) ...", err=True)
        done = convert_trade([str(f) for f in files], out, fmt=fmt, engine=engine,
                             spark_master=spark_master, country_codes=country_codes,
                             flow=flow, overwrite=overwrite,
                             engine_options=EngineOptions(memory_limit=memory_limit,
                                                          progress=not quiet))
        years = ", ".join(f"{y}: {n:,}" for y, n in sorted(done.rows_by_year.items()))
        typer.echo(f"Wrote {done.rows:,} rows to {done.path} ({years})")
    except HitexError as err:
        _fail(err)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except HitexError as err:  # pragma: no cover - commands catch their own
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(2)
