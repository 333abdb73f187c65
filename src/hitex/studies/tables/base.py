"""What the table kinds of a study share: the schema's common keys, the interface, the context.

A table kind (``tables[].kind``) is a :class:`TableKind` registered in
:data:`hitex.studies.kinds.TABLES` with its own schema (a subclass of
:class:`TableBase` with ``kind: Literal[name]``). The runner looks each table
up by kind, checks the columns it names, and calls :meth:`TableKind.run` with
a :class:`TableContext`; the kind returns a :class:`TableOutput`.

This module imports no table kind.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from pydantic import Field, field_validator, model_validator

from hitex.errors import EmptySampleError, StudySpecError
from hitex.studies.common import BuiltPanel
from hitex.studies.expr import evaluate
from hitex.studies.kinds import StrictModel, check_expression

VcovSpec = str | dict[str, str]


class TableBase(StrictModel):
    """Keys every table has.

    ``name`` names its output files; ``title`` heads it; ``sample`` is a filter
    on the study panel (``"oecd == 1"``); ``notes`` go under the table;
    ``requires`` lists columns a table needs: when one is not in the panel (an
    optional input is absent) the table is written as a note that says so,
    instead of failing.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=80)
    title: str | None = None
    sample: str | None = None
    notes: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @field_validator("sample")
    @classmethod
    def _sample(cls, v: str | None) -> str | None:
        if v is not None:
            check_expression(v, "sample")
        return v


@dataclass
class TableOutput:
    """What one table step produced (tables, results and figures by output name)."""

    tables: dict[str, Any] = field(default_factory=dict)
    results: dict[str, list[Any]] = field(default_factory=dict)
    positions: dict[str, list[int]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    usage: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class TableContext:
    """What a table kind needs from the runner.

    Attributes
    ----------
    data : pandas.DataFrame
        The whole study panel (a kind applies the table's ``sample`` itself,
        e.g. with :meth:`table_sample`).
    built : BuiltPanel
        The panel's build record (missing optional inputs, coverage tables).
    spec : DataSpec
        The study's ``data`` section.
    unit, time : str
        The panel unit (the pair in a dyadic study) and time columns.
    labels : dict
        Variable labels of the study.
    seed : int
        The study's seed.
    title : str
        The table's title.
    progress : callable
        ``progress(label, n)``: ``n`` more model columns done.
    lang : {"en", "zh"}
        Language of the tables' fixed wording.
    text : dict
        The study's translations of its own texts (column titles) into
        ``lang`` (the study's ``text_zh`` in Chinese; empty in English).
    """

    data: pd.DataFrame
    built: BuiltPanel
    spec: Any
    unit: str
    time: str
    labels: dict[str, str]
    seed: int
    title: str
    progress: Callable[[str | None, int], None] = lambda label, n: None
    lang: str = "en"
    text: dict[str, str] = field(default_factory=dict)

    def translate(self, words: str | None) -> str | None:
        """``words`` in the table's language: the study's own translation (``text_zh``),
        else hitex's for its own default wording ("Baseline"), else as written."""
        from hitex.report.labels import word

        if words is None or self.lang == "en":
            return words
        if words in self.text:
            return self.text[words]
        for key in ("baseline", "no_controls", "with_controls"):  # hitex's default titles
            if words == word(key):
                return word(key, self.lang)
        return words

    def sample(self, data: pd.DataFrame, text: str | None, where: str) -> pd.DataFrame:
        """Rows of ``data`` where the filter ``text`` holds (all rows without one)."""
        if not text:
            return data
        mask = evaluate(text, data, where=where, unit=self.unit,
                        time=self.time).fillna(False).astype(bool)
        out = data.loc[mask]
        if out.empty:
            raise EmptySampleError(f"{where}: the sample filter {text!r} keeps no observations.")
        return out

    def table_sample(self, tspec: TableBase) -> pd.DataFrame:
        """The panel rows of the table's ``sample``."""
        return self.sample(self.data, tspec.sample, f"tables.{tspec.name}.sample")


class TableKind:
    """A kind of table (``tables[].kind``).

    Attributes
    ----------
    schema : type
        Its schema, a :class:`TableBase` with ``kind: Literal[name]``.
    checks_columns : bool
        The runner checks that every column :meth:`columns` names is in the
        panel before :meth:`run` (with a did-you-mean).
    """

    schema: ClassVar[type[TableBase]]
    checks_columns: ClassVar[bool] = False

    def count(self, tspec: Any) -> int:
        """Model columns it estimates (for the progress bar)."""
        return 1

    def columns(self, tspec: Any) -> dict[str, list[str]]:
        """The panel columns it names, by key of the study file."""
        return {}

    def required(self, tspec: Any) -> list[str]:
        """Columns without which the table is written as a note (``requires``)."""
        return list(tspec.requires)

    def run(self, tspec: Any, ctx: TableContext) -> TableOutput:
        """Estimate and tabulate."""
        raise NotImplementedError


def missing_requirements(columns: list[str], data: pd.DataFrame) -> list[str]:
    """The columns that the panel lacks or that are empty."""
    return [c for c in dict.fromkeys(columns) if c not in data.columns or data[c].isna().all()]


def check_columns(tspec: Any, named: dict[str, list[str]], data: pd.DataFrame,
                  missing: set[str]) -> None:
    """Every column a table names exists, or is a declared optional input."""
    declared = set(missing) | set(tspec.requires)
    for key, names in named.items():
        for name in names:
            if name in data.columns or name in declared:
                continue
            close = difflib.get_close_matches(name, [str(c) for c in data.columns], n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise StudySpecError(
                f"tables.{tspec.name}.{key}: column '{name}' is not in the study data.{hint} "
                "Columns come from the sources and transforms of the 'data' section.")


def note_table(title: str, text: str) -> Any:
    """A one-row table that says why a table could not be estimated."""
    from hitex.report.tables import frame_table

    return frame_table(pd.DataFrame({"note": [text]}), title=title)


def complete(data: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Rows complete in ``cols``."""
    return data.dropna(subset=list(dict.fromkeys(cols)))


def twfe_formula(outcome: str, treat: str, controls: tuple[str, ...], unit: str,
                 time: str) -> str:
    """``outcome ~ treat + controls | unit + time``."""
    return f"{outcome} ~ {' + '.join([treat, *controls])} | {unit} + {time}"


def with_rows(table: Any, name: str, rows: list[tuple[str, list[str]]]) -> Any:
    """``table`` with a section of statistic rows appended (label, one text per column)."""
    import dataclasses

    from hitex.report.model import Row, Section

    if not rows:
        return table
    body = tuple(Row.of([label, *texts], role="stat", key=label) for label, texts in rows)
    return dataclasses.replace(table, sections=(*table.sections, Section(name, body)))


@contextmanager
def collected(into: list[str], prefix: str) -> Iterator[None]:
    """Collect the warnings raised inside as ``"<prefix>: <message>"`` (each once)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        msg = f"{prefix}: {w.message}"
        if msg not in into:
            into.append(msg)


class PolicyTableBase(TableBase):
    """Keys of the policy-evaluation tables: ``outcome`` on ``treatment`` with ``controls``."""

    outcome: str | None = None
    treatment: str = "treat_post"
    controls: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _outcome(self) -> PolicyTableBase:
        if not self.outcome:
            raise ValueError(f"{self.kind} table '{self.name}' needs 'outcome'")  # type: ignore[attr-defined]
        return self


class PolicyKind(TableKind):
    """A policy-evaluation table kind: its columns are checked before it runs."""

    checks_columns = True

    def columns(self, tspec: Any) -> dict[str, list[str]]:
        return {"outcome": [tspec.outcome] if tspec.outcome else [],
                "treatment": [tspec.treatment], "controls": list(tspec.controls)}
