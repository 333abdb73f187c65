"""The study schema: one YAML file declares a whole study.

A study file has four parts (see ``studies/builtin/trade-facilitation.yaml``)::

    name: trade-facilitation
    title: ...
    data:                       # how to build the country-year panel
      unit: iso3
      time: year
      countries: {group: study000}
      years: [2009, 2017]
      sources:
        - {kind: wdi, indicators: {TX.VAL.TECH.MF.ZS: tech_export}}
        - {kind: tfi}
        - {kind: groups, groups: [oecd]}
      transforms: {gdpp: log(gdppc)}
    tables:                     # what to estimate and print
      - name: table3
        kind: regression
        models:
          - {formula: "tech_export ~ tfi | iso3 + year"}
    comparisons: [...]          # printed numbers of the source study, to compare

Every ``kind`` names a registered kind (:mod:`hitex.studies.kinds`): the panel
kinds of :mod:`hitex.studies.panels`, the source kinds of
:mod:`hitex.studies.sources` and the table kinds of :mod:`hitex.studies.tables`,
each module holding its kind's schema and documenting its keys. An unknown kind
is an error that lists the known ones.

YAML is loaded with ``yaml.safe_load``; the schema (pydantic) rejects unknown
keys, and errors name the offending key (``tables.1.models.0.formula``).
Formulas, transforms and filters may only use a fixed set of functions
(:mod:`hitex.models.formula`, :mod:`hitex.studies.expr`), so a study file
cannot run arbitrary code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import Discriminator, Field, Tag, ValidationError, model_validator

from hitex.errors import StudySpecError
from hitex.studies.data_spec import CountrySelection, DataSpec
from hitex.studies.kinds import SOURCES, TABLES, StrictModel
from hitex.studies.registry import builtin_studies
from hitex.studies.tables import schemas as table_schemas
from hitex.studies.tables.base import TableBase
from hitex.studies.tables.regression import ModelColumn

__all__ = ["ComparisonSpec", "CountrySelection", "DataSpec", "ModelColumn", "PrintedColumn",
           "PrintedEstimate", "StudySpec", "TableBase", "TableSpec", "load_study", "parse_study"]


def _table_kind(value: Any) -> str:
    """The kind of a table entry (``regression`` when the file names none)."""
    if isinstance(value, dict):
        return str(value.get("kind", "regression"))
    return str(getattr(value, "kind", "regression"))


#: One entry of ``tables``: the schema of its kind (:data:`hitex.studies.kinds.TABLES`).
TableSpec = Annotated[
    Union[tuple(Annotated[schema, Tag(name)]  # type: ignore[valid-type]  # noqa: UP007
                for name, schema in table_schemas().items())],
    Discriminator(_table_kind),
]


class PrintedEstimate(StrictModel):
    """A number printed in the source study (a target, never used in computation)."""

    coef: float
    se: float | None = None


class PrintedColumn(StrictModel):
    """One printed column of the source study's table.

    ``r2_kind``: ``within`` (the within R-squared of a fixed-effects table, the
    default) or ``overall`` (the R-squared with the effects as dummies).
    """

    column: int = Field(ge=1)
    nobs: int | None = None
    r2: float | None = None
    r2_kind: Literal["within", "overall"] = "within"
    estimates: dict[str, PrintedEstimate] = Field(default_factory=dict)


class PrintedSummary(StrictModel):
    """The descriptive statistics the source study printed for one variable."""

    nobs: int | None = None
    mean: float | None = None
    sd: float | None = None
    variance: float | None = None
    min: float | None = None
    max: float | None = None


class ComparisonSpec(StrictModel):
    """Compare a hitex table with the numbers the source study printed.

    ``columns`` for a regression table, ``variables`` for a descriptive one
    (:mod:`hitex.studies.comparisons`).
    """

    table: str
    source: str
    columns: tuple[PrintedColumn, ...] = ()
    variables: dict[str, PrintedSummary] = Field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _what(self) -> ComparisonSpec:
        if bool(self.columns) == bool(self.variables):
            raise ValueError(f"comparison of '{self.table}': give either 'columns' (printed "
                             "regression columns) or 'variables' (printed descriptive "
                             "statistics)")
        return self


class StudySpec(StrictModel):
    """A complete study.

    ``labels_zh`` gives Chinese variable labels and ``text_zh`` the Chinese
    wording of the study's own English texts (table titles, column titles):
    ``{"Table 2. Baseline": "表2 基准回归"}``; both are used with
    ``--lang zh`` (texts without a translation stay as written).
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title: str
    description: str = ""
    source: str = ""
    seed: int = Field(20240101, ge=0, le=2**32 - 1)
    data: DataSpec
    labels: dict[str, str] = Field(default_factory=dict)
    labels_zh: dict[str, str] = Field(default_factory=dict)
    text_zh: dict[str, str] = Field(default_factory=dict)
    tables: tuple[TableSpec, ...]  # type: ignore[valid-type]
    comparisons: tuple[ComparisonSpec, ...] = ()
    notes: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _engine_on_top(cls, raw: Any) -> Any:
        """``engine:`` and ``spark_master:`` at the top of the file belong to ``data``."""
        if not isinstance(raw, dict) or not ({"engine", "spark_master"} & set(raw)):
            return raw
        raw = dict(raw)
        data = dict(raw.get("data") or {})
        for key in ("engine", "spark_master"):
            if key in raw:
                value = raw.pop(key)
                if key in data and data[key] != value:
                    raise ValueError(f"'{key}' is given twice, as {value!r} at the top and as "
                                     f"{data[key]!r} under 'data'; keep one")
                data[key] = value
        raw["data"] = data
        return raw

    @model_validator(mode="after")
    def _refs(self) -> StudySpec:
        if not self.tables:
            raise ValueError("a study needs at least one table under 'tables' (a regression, "
                             "descriptive or policy table); see the built-in studies")
        names = [t.name for t in self.tables]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"table names must be unique; repeated: {', '.join(sorted(dup))}")
        for comp in self.comparisons:
            if comp.table not in names:
                raise ValueError(f"comparison refers to unknown table '{comp.table}'")
        return self

    def untranslated_keys(self) -> list[str]:
        """Keys of ``text_zh`` that no table title, column title or comparison source reads
        (a misspelling, or a table removed from a copied study)."""
        if not self.text_zh:
            return []
        texts = _strings([t.model_dump() for t in self.tables]
                         + [c.source for c in self.comparisons])
        return [k for k in self.text_zh if k not in texts]


def _strings(value: Any) -> set[str]:
    """Every text held in a nested structure of dicts, lists and tuples."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _location(loc: tuple[Any, ...]) -> str:
    """``tables.1.models.0.formula``: pydantic's path without the kind tags it inserts."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        text = str(part)
        if text.startswith("function-"):
            continue
        tagged = i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] in ("sources", "tables")
        if tagged and text in (SOURCES if loc[i - 2] == "sources" else TABLES):
            continue
        parts.append(text)
    return ".".join(parts)


def _keys_of_kind(loc: tuple[Any, ...]) -> str:
    """For a key a source or table kind does not have: the kind and the keys it has."""
    for i in range(2, len(loc) - 1):
        if isinstance(loc[i - 1], int) and loc[i - 2] in ("sources", "tables"):
            registry = SOURCES if loc[i - 2] == "sources" else TABLES
            if loc[i] in registry:
                keys = [k for k in registry.get(str(loc[i])).schema.model_fields if k != "kind"]
                what = "source" if registry is SOURCES else "table"
                return f"; a '{loc[i]}' {what} has the keys {', '.join(keys)}"
    return ""


def _format_errors(err: ValidationError, origin: str) -> str:
    lines = [f"{origin} does not satisfy the study schema:"]
    for e in err.errors():
        loc = _location(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "union_tag_invalid":  # an unknown source or table kind
            registry = TABLES if e["loc"][:1] == ("tables",) else SOURCES
            msg = registry.unknown(e.get("ctx", {}).get("tag", ""))
        elif e["type"] == "union_tag_not_found":
            msg = "give its 'kind' (" + ", ".join(SOURCES.names()) + ")"
        elif e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling and indentation)" + _keys_of_kind(e["loc"])
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] in ("tuple_type", "list_type") and not loc.endswith("years"):
            msg = (f"write a list here (one '- item' per line, or [a, b]), not "
                   f"{type(e.get('input')).__name__}")
        elif e["type"] == "dict_type":
            msg = f"write a mapping here (key: value lines), not {type(e.get('input')).__name__}"
        elif loc.endswith("years") and e["type"] in ("tuple_type", "too_short", "too_long"):
            msg = "write the first and last year as a list, e.g. years: [2008, 2019]"
        elif e["type"] == "string_pattern_mismatch":
            given = str(e.get("input", ""))
            if loc == "name":
                msg = ("a study name uses lower-case letters, digits and '-' only (it names the "
                       "output folder), e.g. "
                       f"{re.sub(r'[^a-z0-9]+', '-', given.lower()).strip('-') or 'my-study'}")
            else:
                msg = ("use letters, digits, '_' and '-' only (it names output files), e.g. "
                       f"{re.sub(r'[^A-Za-z0-9_-]+', '_', given).strip('_') or 'table1'}")
        lines.append(f"  - {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def parse_study(content: dict[str, Any], origin: str = "study") -> StudySpec:
    """Validate a study given as a mapping."""
    if not isinstance(content, dict):
        raise StudySpecError(f"{origin}: a study file must be a YAML mapping (key: value).")
    try:
        return StudySpec.model_validate(content)
    except ValidationError as err:
        raise StudySpecError(_format_errors(err, origin)) from None


def load_study(name_or_path: str | Path) -> StudySpec:
    """Load a study from a YAML file or a built-in name.

    Parameters
    ----------
    name_or_path : str or path
        A path to a ``.yaml`` file, or the name of a built-in study
        (``hitex studies`` lists them).

    Raises
    ------
    StudySpecError
        If the file does not exist, is not valid YAML, or violates the
        schema; the message names the offending key.
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise StudySpecError(
            f"load_study needs a built-in study name or the path of a study file, not "
            f"{type(name_or_path).__name__} ({name_or_path!r}); e.g. "
            "load_study('trade-facilitation').")
    path = Path(name_or_path)
    builtins = builtin_studies()
    if not path.is_file():
        if str(name_or_path) in builtins:
            path = builtins[str(name_or_path)]
        else:
            raise StudySpecError(
                f"no study file or built-in study called {str(name_or_path)!r}. Built-in studies: "
                f"{', '.join(builtins) or '(none)'}; or give the path to a .yaml file."
            )
    try:
        content = yaml.load(_study_text(path), Loader=_UniqueKeyLoader)  # noqa: S506
    except RecursionError:
        raise StudySpecError(f"{path} is nested too deeply to read; a study file needs a few "
                             "levels of keys and lists (see the built-in studies).") from None
    except yaml.YAMLError as err:
        raise StudySpecError(f"{path} is not valid YAML: {err}") from None
    return parse_study(content, origin=str(path))


def _study_text(path: Path) -> str:
    """The study file's text (UTF-8); another encoding is named, never guessed silently."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StudySpecError(f"cannot read {path} ({err.strerror}).") from None
    if len(data) > MAX_STUDY_BYTES:
        raise StudySpecError(f"{path} is {len(data):,} bytes; a study file is limited to "
                             f"{MAX_STUDY_BYTES:,} bytes (data belong in data files).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise StudySpecError(
            f"{path} is not UTF-8 (byte 0x{data[err.start]:02x} on line {line}); it was probably "
            "saved as GBK/GB18030 (Chinese Windows) or Latin-1/Windows-1252. Save it as UTF-8 (in "
            "most editors: Save As, encoding UTF-8; or iconv -f GB18030 -t UTF-8 study.yaml).") \
            from None


#: Largest study file read (a study is a few kilobytes of YAML).
MAX_STUDY_BYTES = 2_000_000


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (YAML keeps the last)."""


def _mapping_without_repeats(loader: yaml.SafeLoader, node: yaml.MappingNode,
                             deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"key '{key}' is written twice in this mapping (lines {seen[key] + 1} and "
                f"{key_node.start_mark.line + 1}); YAML would silently keep only the last one. "
                "Keep one (to combine sample filters write them with '&').",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)  # type: ignore[no-untyped-call]


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _mapping_without_repeats)
