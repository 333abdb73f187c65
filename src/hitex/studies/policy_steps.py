"""Policy-evaluation steps of the study runner (study 003, big-data pilot zones).

Two parts:

* the ``city_year`` study panel: :func:`build_city_panel` reads China's
  prefecture-city panel (:func:`hitex.data.china.read_city_panel`) and adds the
  pilot-zone treatment of :func:`pilot_zone_cities` (``treat``, ``post``,
  ``treat_post``, ``first_treat``) and ``minority4`` (cities of the four
  minority autonomous regions study 003 drops);
* table kinds run by :func:`run_policy_table`: ``correlation``, ``psm_did``,
  ``placebo``, ``staggered`` and ``mechanism``, each returning tables,
  regression results and figures for the runner to write.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hitex.errors import DuplicateKeyError, StudySpecError

if TYPE_CHECKING:
    from hitex.report.tables import Table
    from hitex.studies.build import BuiltPanel
    from hitex.studies.spec import DataSpec, TableSpec

ZONES_FILE = "china_bigdata_pilot_zones.csv"

#: The four minority autonomous regions study 003 drops in Table 3, column 3 (Inner
#: Mongolia, Guangxi, Ningxia, Xinjiang; Tibet is not among them in the study).
MINORITY_PROVINCES: dict[int, str] = {15: "Inner Mongolia", 45: "Guangxi", 64: "Ningxia",
                                      65: "Xinjiang"}

STAND_IN_NOTICE = (
    "STAND-IN OUTCOME: study 003's outcome, ln city export technical complexity = ln(tertiary "
    "share of GDP x provincial EXPY), needs provincial product-level exports, which the data "
    "bundle does not have. The tables use ln_tertiary = ln(tertiary-industry share of GDP), one "
    "factor of that outcome, so their numbers are not comparable with study 003's. Give "
    "'expy_path' in the city_panel source (province_code, year, expy; e.g. from "
    "hitex.indicators.sophistication.expy) to build the full outcome ln_esf."
)


def pilot_zone_cities() -> pd.DataFrame:
    """The prefecture cities of the national big-data comprehensive pilot zones.

    Returns
    -------
    pandas.DataFrame
        One row per city: ``city_code`` (GB/T 2260, as in
        :func:`hitex.data.china.read_city_panel`), ``city_en``, ``zone``,
        ``zone_zh``, ``batch`` (1: Guizhou; 2: the seven zones of October 2016)
        and ``policy_year``. Sources and the city rule are in the file header
        (``hitex/data/resources/china_bigdata_pilot_zones.csv``).
    """
    path = resources.files("hitex.data") / "resources" / ZONES_FILE
    with resources.as_file(path) as file:
        return pd.read_csv(file, comment="#")


def _zones_path() -> Path:
    with resources.as_file(resources.files("hitex.data") / "resources" / ZONES_FILE) as file:
        return Path(file)


def _city_esf(panel: pd.DataFrame, expy: pd.DataFrame, time: str, path: Path,
              built: BuiltPanel) -> pd.DataFrame:
    """Study 003's outcome ln_esf = ln(tertiary share x provincial EXPY), with a coverage note."""
    from hitex.indicators.sophistication import city_export_complexity

    expy = expy[["province_code", time, "expy"]].copy()
    expy["province_code"] = expy["province_code"].astype(str)
    panel = panel.assign(_prov=panel["province_code"].astype(str))
    keys = expy.rename(columns={"province_code": "_prov"})[["_prov", time]].drop_duplicates()
    covered = panel[["_prov", time]].merge(keys.assign(_has=True), how="left",
                                           on=["_prov", time])["_has"].fillna(False)
    covered = covered.to_numpy(dtype=bool)
    done = city_export_complexity(
        panel.loc[covered], expy.rename(columns={"province_code": "_prov"}), city="city_code",
        province="_prov", tertiary_share="tertiary_share_pct", year=time, share_unit="percent",
        name="esf")
    panel = panel.merge(done[["city_code", time, "expy", "esf", "ln_esf"]], how="left",
                        on=["city_code", time]).drop(columns="_prov")
    built.notes.append(f"Full outcome ln_esf = ln(tertiary share x provincial EXPY) built from "
                       f"{path}.")
    if not covered.all():
        gaps = panel.loc[~covered, ["province_code", time]].drop_duplicates()
        listed = ", ".join(f"{p} {t}" for p, t in gaps.head(8).itertuples(index=False))
        built.notes.append(
            f"The EXPY file has no value for {len(gaps)} province-year(s) of the city panel "
            f"({listed}{' ...' if len(gaps) > 8 else ''}): ln_esf is missing for those "
            f"{int((~covered).sum())} city-year rows, which drop out of the models.")
    return panel


def build_city_panel(spec: DataSpec, bundle: Path, base_dir: Path | None) -> BuiltPanel:
    """Build a ``city_year`` study panel (one row per prefecture city and year).

    Parameters
    ----------
    spec : DataSpec
        The study's ``data`` section: one ``city_panel`` source, optionally
        ``file`` sources merged on ``city_code`` (the unit) and year.
    bundle : path
        The data bundle.
    base_dir : path, optional
        Folder that relative file paths are resolved against.

    Returns
    -------
    BuiltPanel
    """
    from hitex.data.china import CITY_FILE, CITY_FOLDER, read_city_panel
    from hitex.studies.build import BuiltPanel, _read_user_file, _resolve
    from hitex.studies.spec import CityPanelSource, CsvSource

    unit, time = spec.unit, spec.time
    if unit != "city_code":
        raise StudySpecError(f"a city_year study needs 'unit: city_code' (got {unit!r}).")
    source = next(s for s in spec.sources if isinstance(s, CityPanelSource))
    panel = read_city_panel(bundle).rename(columns={"year": time})
    panel = panel.loc[panel[time].between(*spec.years)].reset_index(drop=True)
    zones = pilot_zone_cities()
    year = panel["city_code"].map(zones.set_index("city_code")["policy_year"])
    panel["treat"] = year.notna().astype(int)
    panel["first_treat"] = year.fillna(0).astype(int)
    panel["post"] = (panel[time] >= year.fillna(year.min())).astype(int)
    panel["treat_post"] = panel["treat"] * panel["post"]
    panel["minority4"] = panel["province_code"].isin(MINORITY_PROVINCES).astype(int)
    built = BuiltPanel(data=panel, files=[bundle / CITY_FOLDER / CITY_FILE, _zones_path()])
    treated = panel.loc[panel["treat"] == 1]
    cover = treated.groupby(time)[["tertiary_share_pct", "gdp_per_capita_yuan"]].count()
    cover.insert(0, "treated_cities", treated.groupby(time)["city_code"].nunique())
    built.coverage["treated_cities"] = cover.reset_index()
    present = zones["city_code"].isin(panel["city_code"])
    absent = ", ".join(zones.loc[~present, "city_en"])
    first = {int(y): int(n) for y, n in zones.loc[present, "policy_year"].value_counts().items()}
    built.notes.append(
        f"Treated: {len(zones)} pilot-zone cities (hitex.studies.policy_steps.pilot_zone_cities), "
        f"{int(present.sum())} of them in the city panel (absent: {absent or 'none'}); policy "
        f"year {', '.join(f'{y}: {n} cities' for y, n in sorted(first.items()))}. Rule: every "
        "prefecture city of Guizhou, Hebei, Henan and Inner Mongolia, the four municipalities, "
        "the nine Pearl River Delta cities and Shenyang (study 003 does not list its cities)."
    )
    built.notes.append(
        "minority4 = 1 for the cities of the four minority autonomous regions study 003 drops "
        f"in Table 3, column 3: {', '.join(MINORITY_PROVINCES.values())} (not Tibet)."
    )
    if source.expy_path:
        path = _resolve(source.expy_path, base_dir)
        expy = _read_user_file(path).rename(columns={"year": time})
        missing = [c for c in ("province_code", time, "expy") if c not in expy.columns]
        if missing:
            raise StudySpecError(f"EXPY file {path} lacks column(s) {missing}; it needs "
                                 "province_code, year and expy.")
        if expy.duplicated(["province_code", time]).any():
            raise DuplicateKeyError(f"EXPY file {path} has duplicate province-year rows.")
        panel = _city_esf(panel, expy, time, path, built)
        built.files.append(path)
    else:
        built.missing.add("ln_esf")
        built.notes.append(STAND_IN_NOTICE)
    for src in spec.sources:
        if not isinstance(src, CsvSource):
            continue
        path = _resolve(src.path, base_dir)
        if src.optional and not path.is_file():
            built.missing.update(src.provides)
            built.notes.append(f"Missing input: {src.description or src.path} (file not "
                               f"found); left out: {', '.join(src.provides)}.")
            continue
        frame = _read_user_file(path)
        frame = frame.rename(columns=src.columns) if src.columns else frame
        if frame.duplicated([unit, time]).any():
            raise DuplicateKeyError(f"file source {path} has duplicate ({unit}, {time}) rows.")
        panel = panel.merge(frame, on=[unit, time], how="left")
        built.files.append(path)
    built.data = panel
    return built


@dataclass
class PolicyOutput:
    """What one policy table step produced."""

    tables: dict[str, Table] = field(default_factory=dict)
    results: dict[str, list[Any]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    usage: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def missing_requirements(tspec: TableSpec, data: pd.DataFrame) -> list[str]:
    """Columns in ``tspec.requires`` (and mediators) that the panel lacks or that are empty."""
    need = list(tspec.requires) + list(tspec.mediators)
    return [c for c in dict.fromkeys(need) if c not in data.columns or data[c].isna().all()]


def note_table(title: str, text: str) -> Table:
    """A one-row table that says why a table could not be estimated."""
    from hitex.report.tables import frame_table

    return frame_table(pd.DataFrame({"note": [text]}), title=title)


def _stars(p: float) -> str:
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def correlation_frame(data: pd.DataFrame, variables: list[str],
                      labels: dict[str, str] | None = None) -> tuple[pd.DataFrame, int]:
    """Lower-triangular Pearson matrix ``r*** (p)`` on the rows complete in ``variables``."""
    from scipy.stats import pearsonr

    labels = labels or {}
    sub = data[variables].dropna().astype("float64")
    names = [f"({i}) {labels.get(v, v)}" for i, v in enumerate(variables, start=1)]
    rows = []
    for i, a in enumerate(variables):
        row = {"variable": names[i]}
        for j, b in enumerate(variables):
            if j > i:
                row[f"({j + 1})"] = ""
            elif j == i:
                row[f"({j + 1})"] = "1.000"
            else:
                r, p = pearsonr(sub[a], sub[b])
                row[f"({j + 1})"] = f"{r:.3f}{_stars(p)} ({p:.3f})"
        rows.append(row)
    return pd.DataFrame(rows), len(sub)


@dataclass
class Context:
    """What a policy step needs from the runner."""

    unit: str
    time: str
    labels: dict[str, str]
    seed: int
    title: str


def _complete(data: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return data.dropna(subset=list(dict.fromkeys(cols)))


def _psm_did(tspec: TableSpec, data: pd.DataFrame, ctx: Context) -> PolicyOutput:
    from hitex.models.psm_did import psm_did
    from hitex.report.tables import frame_table, regression_table
    from hitex.studies.expr import evaluate

    out = PolicyOutput()
    outcome, treat = str(tspec.outcome), tspec.treatment
    base = _complete(data, [outcome, treat, *tspec.covariates, *tspec.controls])
    keep = None
    if tspec.exclude:
        keep = ~evaluate(tspec.exclude, base, where=f"tables.{tspec.name}.exclude",
                         unit=ctx.unit, time=ctx.time).fillna(False).astype(bool)
    results, titles = [], []
    vcov = tspec.vcov or {"CRV1": ctx.unit}
    for how, how_title in (("once", "matched once"), ("by_period", "matched by year")):
        columns = [((), "no controls", base), (tspec.controls, "controls", base)]
        if keep is not None:
            columns.append((tspec.controls, tspec.exclude_title, base.loc[keep]))
        for controls, col_title, sub in columns:
            res = psm_did(sub, outcome, treat, ctx.unit, ctx.time, list(tspec.covariates),
                          how=how, controls=list(controls), vcov=vcov, method="nearest", k=1)
            results.append(res.regression)
            titles.append(f"{how_title}, {col_title}")
            if how == "once" and not controls:
                out.tables[f"{tspec.name}_balance"] = frame_table(
                    res.balance(), title=f"{ctx.title}: covariate balance, matched once")
            out.usage[f"in_{tspec.name}_{len(results)}"] = pd.Series(
                data.index.isin(res.sample.index), index=data.index).astype(int)
    notes = list(tspec.notes) + [
        "Propensity score: logit of ever-treated on the covariates "
        f"({', '.join(tspec.covariates)}); nearest-neighbour 1:1 matching with replacement. "
        "'matched once': units matched in the first panel year (before any treatment), every "
        "year of the matched units kept, DiD weighted by the matching weights. 'matched by "
        "year': treated and control cities matched separately in each year (study 003's "
        "workflow; the comparison group changes from year to year and matches on "
        "post-treatment covariates, so read it as a robustness check).",
        f"Standard errors clustered by {ctx.unit}; city and year fixed effects.",
    ]
    out.results[tspec.name] = results
    out.tables[tspec.name] = regression_table(results, titles=titles, labels=ctx.labels,
                                              title=ctx.title, notes=notes)
    return out


def _formula(outcome: str, treat: str, controls: tuple[str, ...], unit: str, time: str) -> str:
    return f"{outcome} ~ {' + '.join([treat, *controls])} | {unit} + {time}"


def _placebo(tspec: TableSpec, data: pd.DataFrame, ctx: Context) -> PolicyOutput:
    from hitex.models.placebo import placebo
    from hitex.report.tables import frame_table

    out = PolicyOutput()
    outcome, treat = str(tspec.outcome), tspec.treatment
    sub = _complete(data, [outcome, treat, *tspec.controls])
    formula = _formula(outcome, treat, tspec.controls, ctx.unit, ctx.time)
    res = placebo(formula, sub, treatment=treat, unit=ctx.unit, time=ctx.time, n=tspec.draws,
                  seed=ctx.seed)
    est = res.estimates
    q = np.quantile(est, [0.025, 0.5, 0.975])
    frame = pd.DataFrame({
        "statistic": ["True estimate", "Standard error (clustered by unit)", "Placebo draws",
                      "Seed", "Treated units re-drawn", "Placebo mean", "Placebo SD",
                      "Placebo 2.5%", "Placebo median", "Placebo 97.5%",
                      "p-value, two-sided (|placebo| >= |true|)", "p-value, placebo >= true",
                      "p-value, placebo <= true"],
        "value": [f"{res.estimate:.4f}", f"{res.std_error:.4f}" if res.std_error else "",
                  str(res.n_draws), str(res.seed), str(res.n_treated_units),
                  f"{est.mean():.4f}", f"{est.std(ddof=1):.4f}", f"{q[0]:.4f}", f"{q[1]:.4f}",
                  f"{q[2]:.4f}", f"{res.pvalue:.4f}", f"{res.pvalue_greater:.4f}",
                  f"{res.pvalue_less:.4f}"],
    })
    table = frame_table(frame, title=ctx.title)
    import dataclasses

    out.tables[tspec.name] = dataclasses.replace(table, notes=tuple(tspec.notes) + (
        f"Formula: {formula}. Each draw gives the treatment to as many randomly drawn cities as "
        "are truly treated, keeping the true adoption years; TWFE re-estimated by demeaning "
        "once (Frisch-Waugh-Lovell).",))
    out.frames[tspec.name] = pd.DataFrame({"draw": np.arange(len(est)), "estimate": est})
    out.figures[tspec.name] = res.plot(label="Placebo estimates (kernel density)")
    out.notes.append(f"{tspec.name}: placebo p-value {res.pvalue:.4f} over {res.n_draws} draws "
                     f"(seed {res.seed}).")
    return out


def _staggered(tspec: TableSpec, data: pd.DataFrame, ctx: Context) -> PolicyOutput:
    import matplotlib.pyplot as plt

    from hitex.models.did import att_gt, twfe_did
    from hitex.models.event import event_study, plot_event_study
    from hitex.report.tables import frame_table

    out = PolicyOutput()
    outcome, treat = str(tspec.outcome), tspec.treatment
    sub = _complete(data, [outcome, treat, tspec.group, *tspec.controls])
    periods = sub[ctx.time].nunique()
    full = sub.groupby(ctx.unit)[ctx.time].transform("size") == periods
    balanced = sub.loc[full]
    twfe = twfe_did(sub, outcome, treat, ctx.unit, ctx.time, covariates=list(tspec.controls))
    twfe_bal = twfe_did(balanced, outcome, treat, ctx.unit, ctx.time)
    gt = att_gt(balanced, outcome, ctx.unit, ctx.time, tspec.group)
    rows = [("TWFE DiD (controls, all city-years)", twfe.params[treat], twfe.std_errors[treat],
             twfe.nobs),
            ("TWFE DiD (no controls, balanced panel)", twfe_bal.params[treat],
             twfe_bal.std_errors[treat], twfe_bal.nobs)]
    aggs = {}
    for kind in ("simple", "group", "calendar", "dynamic"):
        agg = gt.aggregate(kind)
        aggs[kind] = agg
        rows.append((f"Callaway-Sant'Anna ATT, {kind} aggregation", agg.overall,
                     agg.overall_se, len(balanced)))
    frame = pd.DataFrame(rows, columns=["estimator", "estimate", "std_error", "N"])
    frame["p_value"] = 2 * (1 - _norm_cdf(np.abs(frame["estimate"] / frame["std_error"])))
    pre = aggs["dynamic"].pretrend_test()
    first = balanced.groupby(ctx.unit)[tspec.group].first()
    cohorts = int((first > 0).sum())
    groups = ", ".join(f"{int(g)}: {int(n)}" for g, n in first[first > 0].value_counts()
                       .sort_index().items())
    import dataclasses

    out.tables[tspec.name] = dataclasses.replace(
        frame_table(frame, title=ctx.title, digits=4),
        notes=tuple(tspec.notes) + (
            f"Callaway-Sant'Anna (no covariates, never-treated controls, varying base period) on "
            f"the {balanced[ctx.unit].nunique()} cities observed in all {periods} years, "
            f"{cohorts} of them treated (cohorts: {groups}); with one cohort the simple, group, "
            "calendar and dynamic overall ATTs coincide. "
            "TWFE clustered by city. Joint pre-trend test (CS dynamic, pre-periods = 0): "
            f"p = {pre.p_value:.4f}.",))
    dyn = aggs["dynamic"].event_table()
    out.frames[f"{tspec.name}_dynamic"] = dyn
    out.tables[f"{tspec.name}_dynamic"] = frame_table(
        dyn, title=f"{ctx.title}: Callaway-Sant'Anna dynamic (event-time) ATT", digits=4)
    out.results[tspec.name] = [twfe, twfe_bal]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = event_study(balanced, outcome, ctx.unit, ctx.time, tspec.group)
    plot_event_study(es, ax=axes[0], title="TWFE event study")
    plot_event_study(aggs["dynamic"], ax=axes[1], title="Callaway-Sant'Anna dynamic ATT")
    fig.tight_layout()
    out.figures[f"{tspec.name}_event_study"] = fig
    out.notes.append(f"{tspec.name}: TWFE {twfe.params[treat]:.4f}; Callaway-Sant'Anna overall "
                     f"(simple) {aggs['simple'].overall:.4f} (SE {aggs['simple'].overall_se:.4f}).")
    return out


def _norm_cdf(x: Any) -> Any:
    from scipy.stats import norm

    return norm.cdf(x)


def _mechanism(tspec: TableSpec, data: pd.DataFrame, ctx: Context) -> PolicyOutput:
    from hitex.models.panel import panel
    from hitex.report.tables import regression_table

    out = PolicyOutput()
    outcome, treat = str(tspec.outcome), tspec.treatment
    vcov = tspec.vcov or {"CRV1": ctx.unit}
    results, titles = [], []
    for m in tspec.mediators:
        sub = _complete(data, [m, treat, *tspec.controls])
        results.append(panel(_formula(m, treat, tspec.controls, ctx.unit, ctx.time), sub,
                             vcov=vcov))
        titles.append(f"Mediator {ctx.labels.get(m, m)}")
    for m in tspec.mediators:
        sub = _complete(data, [outcome, m, treat, *tspec.controls])
        level = sub.groupby(ctx.unit)[m].transform("mean")
        cut = sub.groupby(ctx.unit)[m].mean().median()
        for half, mask in (("high", level > cut), ("low", level <= cut)):
            results.append(panel(_formula(outcome, treat, tspec.controls, ctx.unit, ctx.time),
                                 sub.loc[mask], vcov=vcov))
            titles.append(f"{half.capitalize()} {ctx.labels.get(m, m)}")
    notes = list(tspec.notes) + [
        "Median split: a city is 'high' when its mean of the mediator over the panel years is "
        "above the median of the city means."]
    out.results[tspec.name] = results
    out.tables[tspec.name] = regression_table(results, titles=titles, labels=ctx.labels,
                                              title=ctx.title, notes=notes)
    return out


def run_policy_table(tspec: TableSpec, data: pd.DataFrame, ctx: Context) -> PolicyOutput:
    """Run one policy-evaluation table of a study.

    Parameters
    ----------
    tspec : TableSpec
        The table (``kind`` one of ``correlation``, ``psm_did``, ``placebo``,
        ``staggered``, ``mechanism``), its ``sample`` filter already applied.
    data : pandas.DataFrame
        The study panel.
    ctx : Context
        Unit and time columns, labels, seed and the table title.

    Returns
    -------
    PolicyOutput
    """
    from hitex.report.tables import frame_table

    absent = missing_requirements(tspec, data)
    if absent:
        text = (f"Not estimated: the data have no {', '.join(absent)} "
                f"({tspec.kind} table). Supply them with a 'file' source in the study.")
        out = PolicyOutput(tables={tspec.name: note_table(ctx.title, text)})
        out.notes.append(f"{tspec.name}: {text}")
        return out
    if tspec.kind == "correlation":
        frame, n = correlation_frame(data, list(tspec.variables), ctx.labels)
        import dataclasses

        table = dataclasses.replace(frame_table(frame, title=ctx.title), notes=tuple(tspec.notes)
                                    + (f"Pearson correlations on the {n} observations "
                                       "complete in every variable; p-values in parentheses. "
                                       "*** p<0.01, ** p<0.05, * p<0.1.",))
        return PolicyOutput(tables={tspec.name: table})
    steps = {"psm_did": _psm_did, "placebo": _placebo, "staggered": _staggered,
             "mechanism": _mechanism}
    if tspec.kind not in steps:
        raise StudySpecError(f"table '{tspec.name}': unknown policy table kind {tspec.kind!r}.")
    return steps[tspec.kind](tspec, data, ctx)
