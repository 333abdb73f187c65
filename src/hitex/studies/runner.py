"""Run a study: build its panel, estimate its tables, write every output.

:func:`run_study` is the one place (with the CLI) that knows every layer:
data -> indicators -> models -> results -> tables. It writes, into the output
folder:

* each table as ``NAME.txt`` (three-line plain text) and ``NAME.md``;
* ``comparison.txt/.md``: the source study's printed numbers beside hitex's;
* ``sample.csv``: the study panel with one 0/1 column per model marking the
  observations it used; ``sample.dta`` the same for Stata (format 118), with
  the study's labels as variable labels (columns Stata cannot name are
  renamed, and a note of the run says how);
* ``results.json``: every coefficient, SE, N, R-squared and specification;
* ``manifest.json``: hitex and dependency versions, data files with SHA-256
  checksums, seed, start time and run time;
* ``summary.md``: what was run, data coverage and caveats;
* ``figures/NAME.png`` and ``.svg``: figures of the tables (placebo density,
  event studies, monitoring charts, coefficient plots), listed in the manifest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hitex.data.files import CSV_ENCODINGS
from hitex.errors import HitexWarning, StudySpecError
from hitex.fileio import atomic_path, atomic_write_text
from hitex.report.labels import word
from hitex.studies.build import BuiltPanel, build_panel
from hitex.studies.comparisons import comparison_frame, comparison_notes
from hitex.studies.kinds import PANELS, TABLES
from hitex.studies.output import MANIFEST, MANIFEST_FORMAT, publish, sha256
from hitex.studies.spec import StudySpec, load_study
from hitex.studies.tables.base import (
    TableContext,
    TableKind,
    TableOutput,
    check_columns,
    collected,
    missing_requirements,
    note_table,
)

DEPENDENCIES = ("pyfixest", "pandas", "numpy", "scipy", "statsmodels", "pydantic", "duckdb",
                "pyarrow", "pyyaml", "typer", "rich", "openpyxl")

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class StudyRun:
    """Everything a study run produced."""

    spec: StudySpec
    panel: pd.DataFrame
    tables: dict[str, Any] = field(default_factory=dict)
    results: dict[str, list[Any]] = field(default_factory=dict)
    out_dir: Path | None = None
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def _versions() -> dict[str, str]:
    out = {"hitex": _version("hitex"), "python": platform.python_version()}
    for dep in DEPENDENCIES:
        out[dep] = _version(dep)
    return out


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_study(
    study: str | Path | StudySpec,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    write: bool = True,
    force: bool = False,
    formats: tuple[str, ...] = ("txt", "md"),
    report: bool = False,
    lang: str = "en",
    encoding: str = "utf-8",
    engine: str | None = None,
    spark_master: str | None = None,
) -> StudyRun:
    """Run a study and write its outputs.

    Parameters
    ----------
    study : str, path or StudySpec
        A built-in study name (``"trade-facilitation"``), a YAML path, or a
        parsed spec.
    out_dir : path-like, optional
        Output folder; default ``hitex-output/<study name>`` in the working
        directory.
    data_dir : path-like, optional
        The data bundle (else ``HITEX_DATA_DIR`` or the default search).
    progress : callable, optional
        ``progress(label, done, total)`` called after each model.
    write : bool, default True
        Write the files; ``False`` only computes.
    formats : tuple of str, default ("txt", "md")
        Formats of each table: keys of :data:`hitex.report.writers.WRITERS`
        (``txt``, ``md``, ``html``, ...).
    report : bool, default False
        Also write ``report.html``: the whole study in one self-contained file
        (:mod:`hitex.report.html_report`).
    lang : {"en", "zh"}, default "en"
        Language of the tables' fixed wording and of the report (variable labels
        from the study's ``labels_zh`` where it gives them).
    encoding : {"utf-8", "utf-8-sig", "gb18030"}, default "utf-8"
        Encoding of the CSV outputs (``sample.csv``): ``"utf-8-sig"`` (UTF-8
        with a byte-order mark) or ``"gb18030"`` (GBK) make Excel open Chinese
        text correctly; see :data:`hitex.data.files.CSV_ENCODINGS`.
    force : bool, default False
        Write into an output folder that holds files hitex did not write
        (they are kept and never replaced); without it such a folder is
        refused. See :mod:`hitex.studies.output`.
    engine : {"duckdb", "spark"}, optional
        Where sources that read trade records do their work; overrides the
        study file's ``engine`` (default ``duckdb``). See
        :class:`hitex.studies.data_spec.DataSpec`.
    spark_master : str, optional
        Spark master (``local[*]``, ``spark://host:7077``, ...); implies
        ``engine="spark"``.

    Returns
    -------
    StudyRun
    """
    from hitex.report.tables import frame_table, localised

    if encoding not in CSV_ENCODINGS:
        raise StudySpecError(f"encoding={encoding!r} is not a CSV encoding hitex writes; use one "
                             f"of {', '.join(CSV_ENCODINGS)} ('utf-8-sig' for Excel).")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    base_dir = None
    if isinstance(study, StudySpec):
        spec = study
    elif not isinstance(study, str | os.PathLike):
        raise StudySpecError(
            f"run_study needs a built-in study name, the path of a study file or a StudySpec "
            f"(load_study, parse_study), not {type(study).__name__} ({study!r}).")
    else:
        path = Path(study)
        base_dir = path.parent if path.is_file() else None
        spec = load_study(study)
    spec = with_engine(spec, engine, spark_master)
    np.random.seed(spec.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built: BuiltPanel = build_panel(spec.data, data_dir, base_dir=base_dir)
    data = built.data
    unit, tcol = PANELS.get(spec.data.kind).unit(spec.data), spec.data.time
    run = StudyRun(spec=spec, panel=data, notes=list(spec.notes) + built.notes)
    for w in caught:  # warnings of the data and indicator steps go to the study's warnings
        if issubclass(w.category, HitexWarning):
            msg = f"data: {w.message}"
            if msg not in run.warnings:
                run.warnings.append(msg)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    run.warnings += [f"data: {w}" for w in built.warnings]
    if lang not in ("en", "zh"):
        raise StudySpecError(f"lang={lang!r}: use 'en' or 'zh'.")
    labels = {**spec.labels, **(spec.labels_zh if lang == "zh" else {})}
    text = dict(spec.text_zh) if lang == "zh" else {}
    unused = spec.untranslated_keys() if lang == "zh" else []
    if unused:
        run.notes.append(f"text_zh: {unused} match no table title, column title or comparison "
                         "source of the study and were not used (check the spelling).")
    kinds = [TABLES.get(t.kind) for t in spec.tables]
    total = sum(kind.count(t) for kind, t in zip(kinds, spec.tables, strict=True))
    done = 0

    def advance(label: str | None, n: int) -> None:
        nonlocal done
        done += n
        if label is not None and progress:
            progress(label, done, total)

    usage = pd.DataFrame(index=data.index)
    for tspec, kind in zip(spec.tables, kinds, strict=True):
        title = tspec.title or tspec.name
        ctx = TableContext(data=data, built=built, spec=spec.data, unit=unit, time=tcol,
                           labels=labels, seed=spec.seed, title=text.get(title, title),
                           progress=advance, lang=lang, text=text)
        target = done + kind.count(tspec)
        out = _run_table(tspec, kind, ctx)
        run.tables.update(out.tables)
        run.results.update(out.results)
        run.positions.update(out.positions)
        run.figures.update(out.figures)
        run.frames.update(out.frames)
        run.notes += out.notes
        run.warnings += [w for w in out.warnings if w not in run.warnings]
        for col, flags in out.usage.items():
            usage[col] = flags.reindex(data.index, fill_value=0).astype(int)
        if done < target:
            advance(tspec.name, target - done)
    for comp in spec.comparisons:
        source = text.get(comp.source, comp.source)
        compared = comparison_frame(comp, run, labels, data)
        if lang == "zh":
            compared = compared.rename(columns={
                word(key): word(key, "zh") for key in ("cmp_model", "cmp_statistic",
                                                       "cmp_paper", "cmp_hitex",
                                                       "cmp_hitex_conventional",
                                                       "cmp_difference")})
        table = frame_table(compared,
                            title=f"{source}（原文）与 hitex 的对比" if lang == "zh"
                            else f"{comp.source} (paper) vs hitex")
        run.tables[f"comparison_{comp.table}"] = dataclasses.replace(
            table, notes=comparison_notes(comp))
    if lang != "en":  # hitex's own headers, row labels and notes of every table
        run.tables = {name: localised(table, lang) for name, table in run.tables.items()}
    run.panel = pd.concat([data, usage], axis=1)
    if write:
        out = Path(out_dir) if out_dir else Path.cwd() / "hitex-output" / spec.name
        _write(run, out, built, started, time.perf_counter() - t0, force=force,
               formats=formats, report=report, lang=lang, encoding=encoding)
    return run


def with_engine(spec: StudySpec, engine: str | None, spark_master: str | None) -> StudySpec:
    """The study with the engine the caller chose (``--engine``, ``--spark-master``)."""
    if engine is None and spark_master is None:
        return spec
    name = "spark" if engine is None else str(engine).strip().lower()
    if name not in ("duckdb", "spark"):
        raise StudySpecError(f"engine={engine!r} is not known; use duckdb (the default) or spark.")
    if spark_master is not None and name != "spark":
        raise StudySpecError(f"spark_master={spark_master!r} needs engine='spark'.")
    data = spec.data.model_copy(update={"engine": name, "spark_master": spark_master})
    return spec.model_copy(update={"data": data})


def _run_table(tspec: Any, kind: TableKind, ctx: TableContext) -> TableOutput:
    """Check a table's columns and run it, or write a note when a required column is absent."""
    absent = missing_requirements(kind.required(tspec), ctx.data)
    if kind.checks_columns or absent:
        check_columns(tspec, kind.columns(tspec), ctx.data, ctx.built.missing)
    if absent:
        ctx.table_sample(tspec)
        text = (f"Not estimated: the data have no {', '.join(absent)} "
                f"({tspec.kind} table). Supply them with a 'file' source in the study.")
        return TableOutput(tables={tspec.name: note_table(ctx.title, text)},
                           notes=[f"{tspec.name}: {text}"])
    caught: list[str] = []
    with collected(caught, tspec.name):
        out = kind.run(tspec, ctx)
    out.warnings += [w for w in caught if w not in out.warnings]
    return out


def _positions(run: StudyRun, name: str, n: int) -> list[int]:
    """The study's column numbers of a table's results (models left out skipped)."""
    for base, pos in run.positions.items():
        if (name == base or name.startswith(f"{base}_")) and len(pos) == n:
            return pos
    return list(range(1, n + 1))


def _write(run: StudyRun, out: Path, built: BuiltPanel, started: datetime, seconds: float,
           force: bool = False, formats: tuple[str, ...] = ("txt", "md"), report: bool = False,
           lang: str = "en", encoding: str = "utf-8") -> None:
    """Write every output through a staging folder (:func:`hitex.studies.output.publish`)."""

    def build(stage: Path) -> list[Path]:
        return write_outputs(stage, run, built, started, seconds, formats=formats,
                             report=report, lang=lang, encoding=encoding)

    run.files = publish(out, build, force=force, describe=f"study {run.spec.name}")
    run.out_dir = out.resolve() if out.is_symlink() else out


def write_outputs(out: Path, run: StudyRun, built: BuiltPanel, started: datetime,
                  seconds: float, *, formats: tuple[str, ...] = ("txt", "md"),
                  report: bool = False, lang: str = "en",
                  encoding: str = "utf-8") -> list[Path]:
    """Write a run's outputs into the folder ``out``, the manifest last; return the files.

    :func:`run_study` calls it on a staging folder (:func:`hitex.studies.output.publish`).
    """
    from hitex.report.writers import write_table

    files: list[Path] = []
    per_table = tuple(f for f in formats if f not in ("docx", "xlsx"))
    for name, table in run.tables.items():
        files += write_table(table, out / name, formats=per_table) if per_table else []
    if "docx" in formats:  # every table in one Word document, in order
        from hitex.report.docx_writer import write_docx

        write_docx(list(run.tables.values()), out / "tables.docx", lang=lang)
        files.append(out / "tables.docx")
    if "xlsx" in formats:  # one sheet per table and a sheet of tidy results
        from hitex.report.xlsx_writer import write_xlsx

        write_xlsx(list(run.tables.values()), out / "tables.xlsx", tidy=_tidy_results(run))
        files.append(out / "tables.xlsx")
    if run.figures:
        import matplotlib.pyplot as plt

        from hitex.report.figures import save_figure

        (out / "figures").mkdir(exist_ok=True)
        for name, fig in run.figures.items():
            files += save_figure(fig, out / "figures" / name, ("png", "svg"), dpi=150)
            plt.close(fig)
    sample = out / "sample.csv"
    with atomic_path(sample) as tmp:
        run.panel.to_csv(tmp, index=False, encoding=encoding)
    files.append(sample)
    files += _write_sample_dta(out / "sample.dta", run, lang)
    results = {
        "study": run.spec.name,
        "tables": {
            name: [{"column": i, **r.to_dict()} for i, r in zip(
                _positions(run, name, len(rs)), rs, strict=True)]
            for name, rs in run.results.items()
        },
        "warnings": run.warnings,
    }
    res_path = out / "results.json"
    atomic_write_text(res_path, json.dumps(results, indent=2, default=str))
    files.append(res_path)
    summary = out / "summary.md"
    atomic_write_text(summary, _summary(run, built))
    files.append(summary)
    names = [p.relative_to(out).as_posix() for p in files]
    manifest = {
        "format": MANIFEST_FORMAT,
        "study": run.spec.name,
        "title": run.spec.title,
        "started_utc": started.isoformat(timespec="seconds"),
        "run_seconds": round(seconds, 3),
        "seed": run.spec.seed,
        "command": " ".join(sys.argv),
        "platform": platform.platform(),
        "versions": _versions(),
        "data_files": [
            {"path": str(p), "sha256": sha256(p), "bytes": p.stat().st_size}
            for p in built.files if p.is_file()
        ],
        "outputs": names,
        "output_checksums": {n: sha256(p) for n, p in zip(names, files, strict=True)},
    }
    man_path = out / MANIFEST
    atomic_write_text(man_path, json.dumps(manifest, indent=2))
    if report:  # built from the finished folder, then listed in the manifest written again
        from hitex.report.html_report import report_html

        page = out / "report.html"
        atomic_write_text(page, report_html(dataclasses.replace(run, out_dir=out), lang=lang))
        files.append(page)
        manifest["outputs"].append("report.html")
        manifest["output_checksums"]["report.html"] = sha256(page)
        atomic_write_text(man_path, json.dumps(manifest, indent=2))
    files.append(man_path)
    return files


def sample_labels(run: StudyRun, lang: str = "en") -> dict[str, str]:
    """Variable labels of the estimation sample: the study's ``labels`` (``labels_zh`` in
    Chinese where it gives one; a fixed-effect row's "Country FE" gives "Country") and, for
    each ``in_<table>_<k>`` column, what it marks."""
    spec = run.spec
    labels = {**spec.labels, **(spec.labels_zh if lang == "zh" else {})}
    out = {str(c): _variable_label(labels[str(c)]) for c in run.panel.columns
           if str(c) in labels}
    for col in map(str, run.panel.columns):
        match = re.fullmatch(r"in_(.+?)(?:_(\d+))?", col)
        if match is None or col in out or match.group(1) not in run.tables:
            continue
        table, k = match.groups()
        if lang == "zh":
            out[col] = f"{table} 第({k})列的估计样本" if k else f"{table} 的估计样本"
        else:
            out[col] = f"In the estimation sample of {table}" + (f", column ({k})" if k else "")
    return out


def _variable_label(label: str) -> str:
    """A label written for a fixed-effect row ("Country FE", "省份固定效应") as the
    variable's label ("Country", "省份")."""
    for suffix in (" FE", " fixed effect", "固定效应"):
        if label.endswith(suffix) and len(label) > len(suffix):
            return label[: -len(suffix)].rstrip()
    return label


def _write_sample_dta(path: Path, run: StudyRun, lang: str) -> list[Path]:
    """``sample.dta``: the sample as a Stata file with the study's variable labels.

    A column renamed for Stata becomes a note of the run; a sample Stata cannot
    hold becomes a warning and no file.
    """
    from hitex.data.files import write_dta
    from hitex.errors import DataFormatError

    try:
        renamed = write_dta(run.panel, path, variable_labels=sample_labels(run, lang),
                            data_label=run.spec.title)
    except DataFormatError as err:
        run.warnings.append(f"sample.dta not written: {err}")
        return []
    if renamed:
        run.notes.append("sample.dta: " + "; ".join(renamed) + ".")
    return [path]


def _tidy_results(run: StudyRun) -> pd.DataFrame:
    """Every coefficient of the run: table, column, term, estimate, ... nobs (numbers as numbers)."""
    rows = []
    for name, results in run.results.items():
        for column, res in zip(_positions(run, name, len(results)), results, strict=True):
            tidy = getattr(res, "tidy", None)
            if tidy is None:
                continue
            frame = tidy().reset_index()
            frame = frame.rename(columns={frame.columns[0]: "term"})
            frame.insert(0, "column", column)
            frame.insert(0, "table", name)
            frame["nobs"] = getattr(res, "nobs", None)
            rows.append(frame)
    cols = ["table", "column", "term", "estimate", "std_error", "statistic", "p_value",
            "conf_low", "conf_high", "nobs"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    return out[[c for c in cols if c in out.columns]]


def _summary(run: StudyRun, built: BuiltPanel) -> str:
    spec = run.spec
    lines = [f"# {spec.title}", ""]
    if spec.source:
        lines += [f"Source study: {spec.source}", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    size = PANELS.get(spec.data.kind).size_line(spec.data, run.panel)
    lines += ["## Data", "", size]
    for note in run.notes:
        lines.append(f"- {note}")
    lines.append("")
    for key, frame in built.coverage.items():
        lines += [f"## Coverage: {key}", "", _frame_md(frame), ""]
    if run.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in run.warnings] + [""]
    lines += ["## Outputs", ""] + [f"- {name}.txt / {name}.md" for name in run.tables] + [
        f"- figures/{name}.png / .svg" for name in run.figures] + [
        "- sample.csv (panel; in_<table>_<k> marks each model's estimation sample)",
        "- results.json, manifest.json",
        "",
    ]
    return "\n".join(lines)


def _frame_md(frame: pd.DataFrame) -> str:
    cols = [str(c) for c in frame.columns]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
