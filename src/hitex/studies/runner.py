"""Run a study: build its panel, estimate its tables, write every output.

:func:`run_study` is the one place (with the CLI) that knows every layer:
data -> indicators -> models -> results -> tables. It writes, into the output
folder:

* each table as ``NAME.txt`` (three-line plain text) and ``NAME.md``;
* ``comparison.txt/.md``: the source study's printed numbers beside hitex's;
* ``sample.csv``: the study panel with one 0/1 column per model marking the
  observations it used;
* ``results.json``: every coefficient, SE, N, R-squared and specification;
* ``manifest.json``: hitex and dependency versions, data files with SHA-256
  checksums, seed, start time and run time;
* ``summary.md``: what was run, data coverage and caveats;
* ``figures/NAME.png``: figures of the policy tables (placebo density,
  event studies), listed in the manifest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
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

from hitex.errors import EmptySampleError, HitexWarning
from hitex.studies.build import BuiltPanel, build_panel
from hitex.studies.expr import evaluate
from hitex.studies.spec import ComparisonSpec, StudySpec, TableSpec, load_study

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


_BEFORE_AFTER_NOTE = (
    "Entry year: first panel year with the agreement in force. Means over the panel years "
    "before and from that year; change = after/before - 1 (%); growth = average annual growth "
    "between the first and last year of each window (%).",
)


def _without_missing(formula: str, missing: set[str]) -> tuple[str | None, list[str]]:
    """Drop right-hand terms that use missing optional inputs.

    Returns ``(None, names)`` when the outcome itself is missing, else the
    formula without those terms and the names of the terms left out.
    """
    if not missing:
        return formula, []
    from hitex.studies.expr import Expression

    def uses(text: str) -> list[str]:
        try:
            names = Expression(text.strip()).names
        except Exception:  # noqa: BLE001 - fixest-only syntax: fall back to a token match
            names = text.replace("(", " ").replace(")", " ").split()
        return [n for n in names if n in missing]

    lhs, rest = formula.split("~", 1)
    if uses(lhs):
        return None, uses(lhs)
    rhs, sep, fes = rest.partition("|")
    terms = [t.strip() for t in rhs.split("+") if t.strip()]
    kept = [t for t in terms if not uses(t)]
    left = [t for t in terms if uses(t)]
    if not left:
        return formula, []
    return f"{lhs.strip()} ~ {' + '.join(kept)}{' | ' + fes.strip() if sep else ''}", left


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def _filter(panel: pd.DataFrame, text: str | None, where: str, unit: str, tcol: str) -> pd.DataFrame:
    if not text:
        return panel
    mask = evaluate(text, panel, where=where, unit=unit, time=tcol).fillna(False).astype(bool)
    out = panel.loc[mask]
    if out.empty:
        raise EmptySampleError(f"{where}: the sample filter {text!r} keeps no observations.")
    return out


def _check_columns(tspec: TableSpec, data: pd.DataFrame, missing: set[str]) -> None:
    """Every column a policy table names exists, or is a declared optional input."""
    import difflib

    from hitex.errors import StudySpecError

    fields: dict[str, list[str]] = {
        "outcome": [tspec.outcome] if tspec.outcome else [],
        "treatment": [tspec.treatment] if tspec.kind in ("psm_did", "placebo", "staggered",
                                                         "mechanism") else [],
        "group": [tspec.group] if tspec.kind == "staggered" else [],
        "controls": list(tspec.controls), "covariates": list(tspec.covariates),
        "variables": list(tspec.variables), "mediators": list(tspec.mediators),
    }
    declared = set(missing) | set(tspec.requires)
    for key, names in fields.items():
        for name in names:
            if name in data.columns or name in declared:
                continue
            close = difflib.get_close_matches(name, [str(c) for c in data.columns], n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise StudySpecError(
                f"tables.{tspec.name}.{key}: column '{name}' is not in the study data.{hint} "
                "Columns come from the sources and transforms of the 'data' section.")


def _both(table: str | None, model: str | None) -> str | None:
    """A model's sample filter applies within its table's filter."""
    if table and model:
        return f"({table}) & ({model})"
    return table or model


def _sample_notes(tspec: TableSpec, positions: list[int]) -> list[str]:
    """Say which sample filters the columns of a table use."""
    notes = [f"Sample: {tspec.sample}."] if tspec.sample else []
    own = [(k, tspec.models[k - 1].sample) for k in positions if tspec.models[k - 1].sample]
    notes += [f"Column ({k}) also: {text}." for k, text in own]
    return notes


POLICY_KINDS = ("correlation", "psm_did", "placebo", "staggered", "mechanism")


def _column_count(spec: TableSpec) -> int:
    return len(spec.models) if spec.kind == "regression" else 1


def run_study(
    study: str | Path | StudySpec,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    write: bool = True,
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

    Returns
    -------
    StudyRun
    """
    from hitex.models.gravity import gravity
    from hitex.models.panel import panel as estimate
    from hitex.report.tables import descriptive_table, frame_table, regression_table

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    base_dir = None
    if isinstance(study, StudySpec):
        spec = study
    else:
        path = Path(study)
        base_dir = path.parent if path.is_file() else None
        spec = load_study(study)
    np.random.seed(spec.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built: BuiltPanel = build_panel(spec.data, data_dir, base_dir=base_dir)
    data = built.data
    unit, tcol = spec.data.unit, spec.data.time
    if spec.data.kind == "dyadic":
        unit = spec.data.pair
    run = StudyRun(spec=spec, panel=data, notes=list(spec.notes) + built.notes)
    for w in caught:  # warnings of the data and indicator steps go to the study's warnings
        if issubclass(w.category, HitexWarning):
            msg = f"data: {w.message}"
            if msg not in run.warnings:
                run.warnings.append(msg)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    run.warnings += [f"data: {w}" for w in built.warnings]
    labels = dict(spec.labels)
    total = sum(_column_count(t) for t in spec.tables)
    done = 0
    usage = pd.DataFrame(index=data.index)
    for tspec in spec.tables:
        title = tspec.title or tspec.name
        if tspec.kind in POLICY_KINDS or (tspec.requires and any(
                c not in data.columns or data[c].isna().all() for c in tspec.requires)):
            from hitex.studies.policy_steps import Context, run_policy_table

            _check_columns(tspec, data, built.missing)
            sub = _filter(data, tspec.sample, f"tables.{tspec.name}.sample", unit, tcol)
            ctx = Context(unit=unit, time=tcol, labels=labels, seed=spec.seed, title=title)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                step = run_policy_table(tspec, sub, ctx)
            for w in caught:
                msg = f"{tspec.name}: {w.message}"
                if msg not in run.warnings:
                    run.warnings.append(msg)
            run.tables.update(step.tables)
            run.results.update(step.results)
            run.figures.update(step.figures)
            run.frames.update(step.frames)
            run.notes += step.notes
            for col, flags in step.usage.items():
                usage[col] = flags.reindex(data.index, fill_value=0).astype(int)
            done += _column_count(tspec)
            if progress:
                progress(tspec.name, done, total)
            continue
        if tspec.kind == "descriptive":
            sub = _filter(data, tspec.sample, f"tables.{tspec.name}.sample", unit, tcol)
            run.tables[tspec.name] = descriptive_table(
                sub, list(tspec.variables), labels=labels, title=title
            )
        elif tspec.kind == "before_after":
            from hitex.studies.gravity_data import before_after

            sub = _filter(data, tspec.sample, f"tables.{tspec.name}.sample", unit, tcol)
            frame = before_after(sub, tspec.exporter, value=tspec.value, policy=tspec.policy,
                                 exporter_col=spec.data.exporter, importer_col=spec.data.importer,
                                 time=tcol)
            run.tables[tspec.name] = dataclasses.replace(
                frame_table(frame, title=title), notes=tuple(tspec.notes) + _BEFORE_AFTER_NOTE)
            run.frames[tspec.name] = frame
        elif tspec.kind == "coverage":
            for key, frame in built.coverage.items():
                run.tables[f"{tspec.name}" if len(built.coverage) == 1 else f"{tspec.name}_{key}"] = (
                    frame_table(frame, title=title)
                )
        else:
            results = []
            models = []
            positions: list[int] = []
            table_notes = list(tspec.notes)
            for i, model in enumerate(tspec.models, start=1):
                where = f"tables.{tspec.name}.models.{i}"
                formula, left_out = _without_missing(model.formula, built.missing)
                label = model.title or f"({i})"
                if formula is None:
                    run.notes.append(f"{tspec.name}: column {label} left out (its outcome needs "
                                     f"the missing input(s) {', '.join(left_out)}).")
                    done += 1
                    continue
                if left_out:
                    table_notes.append(f"Left out for lack of input data: {', '.join(left_out)}.")
                filt = _both(tspec.sample, model.sample)
                sub = _filter(data, tspec.sample, f"tables.{tspec.name}.sample", unit, tcol)
                sub = _filter(sub, model.sample, where + ".sample", unit, tcol)
                vcov = model.vcov if model.vcov is not None else tspec.vcov
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    if tspec.estimator == "gravity":
                        res = gravity(formula, sub, method=model.method or tspec.method,
                                      vcov=vcov, sample=filt)
                    else:
                        res = estimate(formula, sub, vcov=vcov, sample=filt)
                for w in caught:
                    msg = f"{tspec.name} ({i}): {w.message}"
                    if msg not in run.warnings:
                        run.warnings.append(msg)
                results.append(res)
                models.append(model)
                positions.append(i)
                usage[f"in_{tspec.name}_{i}"] = data.index.isin(res.sample_index).astype(int)
                done += 1
                if progress:
                    progress(f"{tspec.name} ({i})", done, total)
            if not results:
                continue
            run.results[tspec.name] = results
            run.positions[tspec.name] = positions
            table_notes += [n for n in _sample_notes(tspec, positions) if n not in table_notes]
            if len(results) < len(tspec.models):  # keep the study's column numbers visible
                titles = [m.title or f"model ({i})" for m, i in zip(models, positions, strict=True)]
            else:
                titles = [m.title or "" for m in models] if any(m.title for m in models) else None
            fe_labels = {k: v for k, v in labels.items()
                         if any(k in r.spec.fixed_effects for r in results)}
            run.tables[tspec.name] = regression_table(
                results, titles=titles, labels=labels, fe_labels=fe_labels or None, title=title,
                notes=table_notes or None,
            )
            for extra in tspec.also_vcov:
                alt = [r.with_vcov(extra) for r in results]
                label = _vcov_slug(extra)
                run.results[f"{tspec.name}_{label}"] = alt
                run.tables[f"{tspec.name}_{label}"] = regression_table(
                    alt, titles=titles, labels=labels, fe_labels=fe_labels or None,
                    title=f"{title} [{alt[0].spec.vcov_label} SE]",
                    notes=table_notes or None,
                )
            continue
        done += 1
        if progress:
            progress(tspec.name, done, total)
    for comp in spec.comparisons:
        table = frame_table(comparison_frame(comp, run, labels),
                            title=f"{comp.source} (paper) vs hitex")
        notes = (
            "paper: coefficient (standard error) as printed. hitex: coefficient (standard error "
            "clustered by unit) and, in the next column, the conventional fixed-effects standard "
            "error (Stata xtreg/areg default), the one comparable with the paper's.",
            *comp.reasons,
        )
        run.tables[f"comparison_{comp.table}"] = dataclasses.replace(table, notes=notes)
    run.panel = pd.concat([data, usage], axis=1)
    if write:
        out = Path(out_dir) if out_dir else Path.cwd() / "hitex-output" / spec.name
        _write(run, out, built, started, time.perf_counter() - t0)
    return run


def _positions(run: StudyRun, name: str, n: int) -> list[int]:
    """The study's column numbers of a table's results (models left out skipped)."""
    for base, pos in run.positions.items():
        if (name == base or name.startswith(f"{base}_")) and len(pos) == n:
            return pos
    return list(range(1, n + 1))


def _vcov_slug(vcov: Any) -> str:
    if isinstance(vcov, str):
        return vcov
    kind, by = next(iter(vcov.items()))
    return f"{kind.lower()}_{by.replace('+', '_')}"


def _cell(coef: float | None, se: float | None, digits: int = 3) -> str:
    if coef is None or (isinstance(coef, float) and np.isnan(coef)):
        return ""
    from hitex.report.formatting import fmt

    text = fmt(coef, digits, readable=True)  # -6.67e-05, not -0.000
    if se is not None and not (isinstance(se, float) and np.isnan(se)):
        text += f" ({fmt(se, digits, readable=True)})"
    return text


def comparison_frame(comp: ComparisonSpec, run: StudyRun,
                     labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The source study's printed numbers beside hitex's, one row per statistic.

    Columns: model column, statistic, paper ``coef (se)``, hitex ``coef
    (clustered se)``, hitex conventional se, and the difference hitex - paper.
    """
    labels = labels or {}
    results = run.results.get(comp.table, [])
    conventional = run.results.get(f"{comp.table}_iid", [])
    rows: list[dict[str, str]] = []
    positions = run.positions.get(comp.table, list(range(1, len(results) + 1)))
    for col in comp.columns:
        if col.column not in positions:
            continue  # that model was left out (see the run's notes)
        at = positions.index(col.column)
        res = results[at]
        conv = conventional[at] if conventional else None
        for term, printed in col.estimates.items():
            has = term in res.params.index
            coef = float(res.params[term]) if has else None
            rows.append({
                "model": f"({col.column})",
                "statistic": labels.get(term, term),
                "paper": _cell(printed.coef, printed.se),
                "hitex": _cell(coef, float(res.std_errors[term]) if has else None),
                "hitex conventional SE": f"({float(conv.std_errors[term]):.3f})"
                if conv is not None and has else "",
                "difference": f"{coef - printed.coef:+.3f}" if coef is not None else "",
            })
        if col.nobs is not None:
            rows.append({"model": f"({col.column})", "statistic": "N", "paper": f"{col.nobs:,}",
                         "hitex": f"{res.nobs:,}", "hitex conventional SE": "",
                         "difference": f"{res.nobs - col.nobs:+d}"})
        if col.r2 is not None and res.rsquared_within is not None:
            rows.append({"model": f"({col.column})", "statistic": "R-squared (within)",
                         "paper": f"{col.r2:.3f}", "hitex": f"{res.rsquared_within:.3f}",
                         "hitex conventional SE": "",
                         "difference": f"{res.rsquared_within - col.r2:+.3f}"})
    return pd.DataFrame(rows)


def _remove_previous_outputs(out: Path) -> None:
    """Delete the files an earlier run listed in its manifest, so no stale table survives.

    Only files named in ``manifest.json`` are removed; anything else in the
    folder is left alone.
    """
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return
    root = out.resolve()
    for name in listed:
        path = (out / str(name)).resolve()
        if path.is_file() and root in path.parents:
            path.unlink()
    manifest.unlink()


def _write(run: StudyRun, out: Path, built: BuiltPanel, started: datetime, seconds: float) -> None:
    from hitex.report.writers import write_table

    if out.exists() and not out.is_dir():
        from hitex.errors import StudySpecError

        raise StudySpecError(f"the output folder {out} is a file; give a folder name with "
                             "--out (it is created if needed).")
    out.mkdir(parents=True, exist_ok=True)
    _remove_previous_outputs(out)
    files: list[Path] = []
    for name, table in run.tables.items():
        files += write_table(table, out / name, formats=("txt", "md"))
    if run.figures:
        import matplotlib.pyplot as plt

        (out / "figures").mkdir(exist_ok=True)
        for name, fig in run.figures.items():
            path = out / "figures" / f"{name}.png"
            fig.savefig(path, dpi=150)
            plt.close(fig)
            files.append(path)
    sample = out / "sample.csv"
    run.panel.to_csv(sample, index=False)
    files.append(sample)
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
    res_path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    files.append(res_path)
    summary = out / "summary.md"
    summary.write_text(_summary(run, built), encoding="utf-8")
    files.append(summary)
    manifest = {
        "study": run.spec.name,
        "title": run.spec.title,
        "started_utc": started.isoformat(timespec="seconds"),
        "run_seconds": round(seconds, 3),
        "seed": run.spec.seed,
        "command": " ".join(sys.argv),
        "platform": platform.platform(),
        "versions": _versions(),
        "data_files": [
            {"path": str(p), "sha256": _sha256(p), "bytes": p.stat().st_size}
            for p in built.files if p.is_file()
        ],
        "outputs": [p.relative_to(out).as_posix() for p in files],
    }
    man_path = out / "manifest.json"
    man_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    files.append(man_path)
    run.out_dir = out
    run.files = files


def _summary(run: StudyRun, built: BuiltPanel) -> str:
    spec = run.spec
    lines = [f"# {spec.title}", ""]
    if spec.source:
        lines += [f"Source study: {spec.source}", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    d = spec.data
    if d.kind == "dyadic":
        size = (f"- Panel: {run.panel[d.pair].nunique()} exporter-importer pairs x years "
                f"{d.years[0]}-{d.years[1]} ({len(run.panel)} rows).")
    else:
        size = (f"- Panel: {run.panel[d.unit].nunique()} units x years {d.years[0]}-{d.years[1]} "
                f"({len(run.panel)} rows).")
    lines += ["## Data", "", size]
    for note in run.notes:
        lines.append(f"- {note}")
    lines.append("")
    for key, frame in built.coverage.items():
        lines += [f"## Coverage: {key}", "", _frame_md(frame), ""]
    if run.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in run.warnings] + [""]
    lines += ["## Outputs", ""] + [f"- {name}.txt / {name}.md" for name in run.tables] + [
        f"- figures/{name}.png" for name in run.figures] + [
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
