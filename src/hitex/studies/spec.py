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

YAML is loaded with ``yaml.safe_load``; the schema (pydantic) rejects unknown
keys, and errors name the offending key (``tables.1.models.0.formula``).
Formulas, transforms and filters may only use a fixed set of functions
(:mod:`hitex.models.formula`, :mod:`hitex.studies.expr`), so a study file
cannot run arbitrary code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hitex.errors import HitexError, StudySpecError
from hitex.models.formula import check_functions
from hitex.studies.expr import Expression
from hitex.studies.registry import builtin_studies

VcovSpec = str | dict[str, str]


def _check_expression(text: str, where: str) -> None:
    try:
        Expression(text, where=where)
    except HitexError as err:
        raise ValueError(str(err)) from err


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CountrySelection(_Strict):
    """Countries of the study: an explicit ISO3 list and/or a named group."""

    group: str | None = None
    iso3: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one(self) -> CountrySelection:
        if not self.group and not self.iso3:
            raise ValueError("give a 'group' (e.g. study000, oecd) or an 'iso3' list")
        return self


class WdiSource(_Strict):
    """World Bank WDI indicators from the bundle: {code: column name}."""

    kind: Literal["wdi"]
    indicators: dict[str, str]


class TfiSource(_Strict):
    """The trade facilitation index of study 000 from WEF GCR scores."""

    kind: Literal["tfi"]
    year_rule: Literal["start", "end"] = "start"
    min_count: int = Field(1, ge=1)
    index_min_count: int = Field(4, ge=1, le=4)
    columns: dict[str, str] = Field(
        default_factory=lambda: {"TFI": "tfi", "PE": "pe", "RE": "re", "CE": "ce", "EB": "eb"}
    )
    path: str | None = None


class GroupsSource(_Strict):
    """0/1 membership columns by year (oecd, eu, wto, income:H, study000_emerging ...)."""

    kind: Literal["groups"]
    groups: tuple[str, ...]


class CsvSource(_Strict):
    """A user file (CSV, Excel or Parquet) with the unit and time columns.

    In a dyadic study the file is merged on the keys it has among exporter,
    importer and year (e.g. importer-year TBT notification stocks, or
    exporter-importer-year high-tech exports). ``optional: true`` lets the
    study run without it: ``provides`` names the columns the file would add,
    and transforms and model terms that use them are left out with a note
    (``description`` says what the file is, for that note).
    """

    kind: Literal["file"]
    path: str
    columns: dict[str, str] | None = None
    optional: bool = False
    provides: tuple[str, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _provides(self) -> CsvSource:
        if self.optional and not self.provides:
            raise ValueError("an optional file source needs 'provides' (the columns it adds)")
        return self


class TradePanelSource(_Strict):
    """The bilateral trade panel of a dyadic study (defines its rows).

    ``dataset: agtpa_4yr`` is the manufacturing trade panel of Yotov,
    Piermartini, Monteiro and Larch (2016), *An Advanced Guide to Trade Policy
    Analysis* (69 countries, 1986-2006 every 4 years, intra-national flows
    included), read from the reference data folder (``HITEX_REFERENCE_DIR``,
    sub-folder ``yotov2016_agtpa_gravity``) unless ``path`` is given.
    """

    kind: Literal["trade_panel"]
    dataset: Literal["agtpa_4yr"] = "agtpa_4yr"
    path: str | None = None


class TbtDepthSource(_Strict):
    """DESTA FTA dummy and TBT depth by exporter-importer-year (study 001, Tables 4-5)."""

    kind: Literal["tbt_depth"]
    missing: Literal["report", "zero_if_no_provision"] = "zero_if_no_provision"


class DistanceSource(_Strict):
    """CEPII GeoDist bilateral distance (km) from the bundle, as column ``name``."""

    kind: Literal["distance"]
    measure: Literal["dist", "distw", "distcap", "distwces"] = "distw"
    name: str = "dist"


class IndicatorSource(_Strict):
    """An indicator computed from a user file and merged on unit and year.

    ``name`` is one of :data:`hitex.studies.build.INDICATOR_STEPS`; ``options``
    are the indicator's own parameters:

    - ``composite``: ``primaries``, ``secondary_weights``, ... (see
      :class:`hitex.indicators.CompositeSpec`);
    - ``dti``: ``population_unit``, ``patents_col``, ...;
    - ``expy``: ``gdp_path`` (GDP per capita by exporter and year, for
      PRODY), ``product``, ``value``, ``gdp``;
    - ``hightech``: ``classification`` (``study001_sitc3``,
      ``oecd_hightech_sitc3``), ``code``, ``value``, ``level``, ``prefix``,
      ``rca`` (see :func:`hitex.indicators.hightech_exports`); in a dyadic
      study ``partner_col`` names the file's importer column and
      ``fill_zero: true`` sets the high-tech columns of pairs absent from the
      file to 0 where the exporter has exports in the file that year;
    - ``dti_iv``: ``keywords`` (a list, or a file with one per line),
      ``text_col``, ``language``, ``segmenter``, ``reference``,
      ``min_distance_km`` (see :func:`hitex.indicators.policy_instrument`).

    ``unit_col``/``time_col`` name the file's unit and year columns;
    ``columns`` renames output columns (output name: study name) and selects
    them. ``optional``, ``provides`` and ``description`` work as for a
    ``file`` source: without the file the study runs and leaves out what uses
    the columns named in ``provides``, with a note.
    """

    kind: Literal["indicator"]
    name: Literal["composite", "dti", "expy", "hightech", "dti_iv"]
    path: str
    unit_col: str
    time_col: str = "year"
    partner_col: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    columns: dict[str, str] | None = None
    optional: bool = False
    provides: tuple[str, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _partner(self) -> IndicatorSource:
        if self.partner_col is not None and self.name != "hightech":
            raise ValueError(f"'partner_col' applies to the 'hightech' indicator, not '{self.name}'")
        if self.optional and not self.provides:
            raise ValueError("an optional indicator source needs 'provides' (the columns it adds)")
        return self


class CityPanelSource(_Strict):
    """China's prefecture-city panel with a city-level policy (``data.kind: city_year``).

    Rows and columns come from :func:`hitex.data.china.read_city_panel`;
    ``zones: bigdata_pilot_zones`` adds ``treat`` (pilot-zone city), ``post``
    (from the first policy year of any pilot zone in the panel for controls,
    the city's own policy year for treated cities), ``treat_post`` (the DiD
    regressor, 1 from the city's policy year on) and ``first_treat`` (policy
    year, 0 for never treated); see
    :func:`hitex.studies.policy_steps.pilot_zone_cities`. ``expy_path``
    optionally names a file of provincial export sophistication
    (``province_code``, ``year``, ``expy``): with it the study outcome
    ``ln_esf = ln(tertiary share x EXPY)`` of study 003 is built.
    """

    kind: Literal["city_panel"]
    zones: Literal["bigdata_pilot_zones"] = "bigdata_pilot_zones"
    expy_path: str | None = None


Source = Annotated[WdiSource | TfiSource | GroupsSource | CsvSource | IndicatorSource
                   | TradePanelSource | TbtDepthSource | DistanceSource | CityPanelSource,
                   Field(discriminator="kind")]
_DYADIC_ONLY = (TradePanelSource, TbtDepthSource, DistanceSource)


class DataSpec(_Strict):
    """How the study panel is built.

    ``kind: country_year`` (default) builds one row per unit and year;
    ``kind: city_year`` one row per Chinese prefecture city and year from a
    ``city_panel`` source (unit ``city_code``).
    ``kind: dyadic`` builds one row per exporter, importer and year from a
    ``trade_panel`` source; WDI and group sources then add each column twice,
    for the exporter (suffix ``_o``) and the importer (suffix ``_d``), and
    ``pair`` names a directed pair column (``EXP_IMP``) that ``lag()`` and
    ``lead()`` shift within.
    """

    kind: Literal["country_year", "dyadic", "city_year"] = "country_year"
    unit: str = "iso3"
    time: str = "year"
    exporter: str = "exporter"
    importer: str = "importer"
    pair: str = "pair"
    countries: CountrySelection | None = None
    years: tuple[int, int]
    sources: tuple[Source, ...]
    transforms: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _units(self) -> DataSpec:
        panels = [s for s in self.sources if isinstance(s, TradePanelSource)]
        cities = [s for s in self.sources if isinstance(s, CityPanelSource)]
        if self.kind == "city_year":
            others = [s for s in self.sources if not isinstance(s, CityPanelSource | CsvSource)]
            if len(cities) != 1 or others:
                raise ValueError("a city_year study needs exactly one 'city_panel' source and "
                                 "may add 'file' sources (merged on city_code and year)")
            return self
        if cities:
            raise ValueError("a 'city_panel' source needs 'kind: city_year' in the data section")
        if self.kind == "dyadic":
            if len(panels) != 1:
                raise ValueError("a dyadic study needs exactly one 'trade_panel' source")
            for src in self.sources:
                if isinstance(src, IndicatorSource) and (src.name != "hightech"
                                                         or src.partner_col is None):
                    raise ValueError(
                        "in a dyadic study an 'indicator' source must be 'hightech' with "
                        "'partner_col' (the file's importer column); merge other indicators "
                        "as a 'file' source on exporter, importer and/or year"
                    )
            return self
        partnered = [s for s in self.sources
                     if isinstance(s, IndicatorSource) and s.partner_col is not None]
        if partnered:
            raise ValueError("'partner_col' needs 'kind: dyadic' in the data section (a "
                             "country_year study has one row per unit and year)")
        if any(isinstance(s, _DYADIC_ONLY) for s in self.sources):
            raise ValueError("'trade_panel', 'tbt_depth' and 'distance' sources need "
                             "'kind: dyadic' in the data section")
        if self.countries is None and not any(
            isinstance(src, CsvSource | IndicatorSource) for src in self.sources
        ):
            raise ValueError(
                "give 'countries' (a group or an iso3 list), or a 'file' or 'indicator' source "
                "whose units (e.g. provinces) define the panel"
            )
        return self

    @field_validator("years")
    @classmethod
    def _years(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > v[1]:
            raise ValueError(f"first year {v[0]} is after last year {v[1]}")
        return v

    @field_validator("transforms")
    @classmethod
    def _transforms(cls, v: dict[str, str]) -> dict[str, str]:
        for name, text in v.items():
            _check_expression(text, f"data.transforms.{name}")
        return v


class ModelColumn(_Strict):
    """One column of a regression table."""

    formula: str
    title: str | None = None
    sample: str | None = None
    vcov: VcovSpec | None = None
    method: Literal["ppml", "ols"] | None = None

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str) -> str:
        try:
            check_functions(v)
        except HitexError as err:
            raise ValueError(str(err)) from err
        return v

    @field_validator("sample")
    @classmethod
    def _sample(cls, v: str | None) -> str | None:
        if v is not None:
            _check_expression(v, "sample")
        return v


class TableSpec(_Strict):
    """A named output table.

    ``estimator: gravity`` estimates the model columns with
    :func:`hitex.gravity` (``method: ols`` on log flows or ``ppml`` on levels;
    a column's own ``method`` wins), ``panel`` (default) with
    :func:`hitex.panel`. ``kind: before_after`` (dyadic studies) tabulates
    ``value`` of ``exporter`` to each partner before and after the ``policy``
    dummy switches on (study 001, Table 11).

    Policy-evaluation kinds (:mod:`hitex.studies.policy_steps`):
    ``correlation`` (Pearson matrix of ``variables`` with stars),
    ``psm_did`` (PSM-DiD of ``outcome`` on ``treatment``, matching on
    ``covariates``, columns without and with ``controls`` and with the
    ``exclude`` filter's rows dropped), ``placebo`` (``draws`` permutations,
    summary table and density figure), ``staggered`` (Callaway-Sant'Anna
    beside TWFE with an event-study figure; ``group`` names the first
    treated year), ``mechanism`` (each mediator on the treatment, then the
    outcome in the high and low median halves of each mediator). ``requires``
    lists columns a table needs: when one is not in the panel the table is
    written as a note that says so, instead of failing.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    title: str | None = None
    kind: Literal["regression", "descriptive", "coverage", "before_after", "correlation",
                  "psm_did", "placebo", "staggered", "mechanism"] = "regression"
    estimator: Literal["panel", "gravity"] = "panel"
    method: Literal["ppml", "ols"] = "ols"
    exporter: str = "CHN"
    value: str = "trade"
    policy: str = "fta"
    models: tuple[ModelColumn, ...] = ()
    variables: tuple[str, ...] = ()
    sample: str | None = None
    vcov: VcovSpec | None = None
    also_vcov: tuple[VcovSpec, ...] = ()
    notes: tuple[str, ...] = ()
    outcome: str | None = None
    treatment: str = "treat_post"
    controls: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    exclude: str | None = None
    exclude_title: str = "Excluding"
    group: str = "first_treat"
    draws: int = Field(500, ge=1)
    mediators: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @field_validator("exclude")
    @classmethod
    def _exclude(cls, v: str | None) -> str | None:
        if v is not None:
            _check_expression(v, "exclude")
        return v

    @model_validator(mode="after")
    def _content(self) -> TableSpec:
        policy = ("psm_did", "placebo", "staggered", "mechanism")
        if self.kind in policy and not self.outcome:
            raise ValueError(f"{self.kind} table '{self.name}' needs 'outcome'")
        if self.kind == "psm_did" and not self.covariates:
            raise ValueError(f"psm_did table '{self.name}' needs 'covariates' (matching variables)")
        if self.kind == "mechanism" and not self.mediators:
            raise ValueError(f"mechanism table '{self.name}' needs 'mediators'")
        if self.kind == "correlation" and len(self.variables) < 2:
            raise ValueError(f"correlation table '{self.name}' needs at least two 'variables'")
        if self.kind == "regression" and not self.models:
            raise ValueError(f"regression table '{self.name}' needs at least one entry in 'models'")
        if self.kind == "descriptive" and not self.variables:
            raise ValueError(f"descriptive table '{self.name}' needs 'variables'")
        return self


class PrintedEstimate(_Strict):
    """A number printed in the source study (a target, never used in computation)."""

    coef: float
    se: float | None = None


class PrintedColumn(_Strict):
    """One printed column of the source study's table."""

    column: int = Field(ge=1)
    nobs: int | None = None
    r2: float | None = None
    estimates: dict[str, PrintedEstimate] = Field(default_factory=dict)


class ComparisonSpec(_Strict):
    """Compare a hitex table with the numbers the source study printed."""

    table: str
    source: str
    columns: tuple[PrintedColumn, ...]
    reasons: tuple[str, ...] = ()


class StudySpec(_Strict):
    """A complete study."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title: str
    description: str = ""
    source: str = ""
    seed: int = 20240101
    data: DataSpec
    labels: dict[str, str] = Field(default_factory=dict)
    tables: tuple[TableSpec, ...]
    comparisons: tuple[ComparisonSpec, ...] = ()
    notes: tuple[str, ...] = ()

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


def _format_errors(err: ValidationError, origin: str) -> str:
    lines = [f"{origin} does not satisfy the study schema:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-"))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling and indentation)"
        elif e["type"] == "missing":
            msg = "required key is missing"
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
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as err:
        raise StudySpecError(f"{path} is not valid YAML: {err}") from None
    return parse_study(content, origin=str(path))


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
