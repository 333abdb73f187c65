"""``kind: psm_did``: PSM-DiD of ``outcome`` on ``treatment`` (study 003, Table 3).

Propensity-score matching on ``covariates`` (logit, nearest neighbour 1:1 with
replacement, common support by min-max trimming, unless ``matching`` says
otherwise), matched once in the first panel year and matched by year, each
without and with ``controls`` and, with ``exclude``, without that filter's rows;
the covariate balance of the first column as a second table.

``matching`` takes psmatch2's options by the names of
:func:`hitex.models.matching.psm`: ``model`` (logit, probit), ``method``
(nearest, radius, kernel), ``k`` (neighbours), ``caliper`` with
``caliper_scale`` (sd of the score, as MatchIt, or score units, as psmatch2),
``replace``, ``bandwidth`` (kernel), ``common_support`` (minmax, none).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from hitex.report.labels import word
from hitex.report.model import Cell, Row
from hitex.studies.kinds import TABLES, StrictModel, check_expression
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    VcovSpec,
    complete,
)


class Matching(StrictModel):
    """Matching options of a PSM-DiD table (psmatch2's, as :func:`hitex.models.matching.psm`)."""

    model: Literal["logit", "probit"] = "logit"
    method: Literal["nearest", "radius", "kernel"] = "nearest"
    k: int = Field(1, ge=1)
    caliper: float | None = Field(None, gt=0)
    caliper_scale: Literal["sd", "score"] = "sd"
    replace: bool = True
    bandwidth: float = Field(0.06, gt=0)
    common_support: Literal["minmax", "none"] = "minmax"

    def describe(self) -> str:
        """The matching in words, for the table note."""
        if self.method == "nearest":
            how = (f"nearest-neighbour 1:{self.k} matching "
                   f"{'with' if self.replace else 'without'} replacement")
        elif self.method == "radius":
            how = "radius matching"
        else:
            how = f"kernel matching (Epanechnikov, bandwidth {self.bandwidth:g})"
        if self.caliper is not None:
            unit = "standard deviations of the score" if self.caliper_scale == "sd" else "score"
            how += f", caliper {self.caliper:g} ({unit})"
        support = ("common support by min-max trimming" if self.common_support == "minmax"
                   else "no trimming to common support")
        return f"{how}; {support}"


class PsmDidTable(PolicyTableBase):
    """A PSM-DiD table (see the module docstring)."""

    kind: Literal["psm_did"]
    covariates: tuple[str, ...] = ()
    matching: Matching = Field(default_factory=Matching)
    exclude: str | None = None
    exclude_title: str = "Excluding"
    vcov: VcovSpec | None = None

    @field_validator("exclude")
    @classmethod
    def _exclude(cls, v: str | None) -> str | None:
        if v is not None:
            check_expression(v, "exclude")
        return v

    @model_validator(mode="after")
    def _covariates(self) -> PsmDidTable:
        if not self.covariates:
            raise ValueError(f"psm_did table '{self.name}' needs 'covariates' (matching variables)")
        return self


class PsmDid(PolicyKind):
    schema = PsmDidTable

    def columns(self, tspec: PsmDidTable) -> dict[str, list[str]]:
        return {**super().columns(tspec), "covariates": list(tspec.covariates)}

    def run(self, tspec: PsmDidTable, ctx: TableContext) -> TableOutput:
        from hitex.models.psm_did import psm_did
        from hitex.report.tables import frame_table, regression_table
        from hitex.studies.expr import evaluate

        data = ctx.table_sample(tspec)
        out = TableOutput()
        outcome, treat = str(tspec.outcome), tspec.treatment
        base = complete(data, [outcome, treat, *tspec.covariates, *tspec.controls])
        keep = None
        if tspec.exclude:
            keep = ~evaluate(tspec.exclude, base, where=f"tables.{tspec.name}.exclude",
                             unit=ctx.unit, time=ctx.time).fillna(False).astype(bool)
        results, titles = [], []
        vcov = tspec.vcov or {"CRV1": ctx.unit}
        for how in ("once", "by_period"):
            columns = [((), word("no_controls"), base),
                       (tspec.controls, word("with_controls"), base)]
            if keep is not None:
                columns.append((tspec.controls, tspec.exclude_title, base.loc[keep]))
            for controls, col_title, sub in columns:
                res = psm_did(sub, outcome, treat, ctx.unit, ctx.time, list(tspec.covariates),
                              how=how, controls=list(controls), vcov=vcov,
                              **tspec.matching.model_dump())
                results.append(res.regression)
                shown = col_title[:1].upper() + col_title[1:]
                titles.append(ctx.translate(col_title) if col_title in ctx.text
                              else ctx.translate(shown))
                if how == "once" and not controls:
                    out.tables[f"{tspec.name}_balance"] = frame_table(
                        res.balance(), title=f"{ctx.title}: covariate balance, matched once")
                out.usage[f"in_{tspec.name}_{len(results)}"] = pd.Series(
                    data.index.isin(res.sample.index), index=data.index).astype(int)
        default = tspec.matching == Matching()
        how_words = ("nearest-neighbour 1:1 matching with replacement" if default
                     else tspec.matching.describe())
        notes = list(tspec.notes) + [
            f"Propensity score: {tspec.matching.model} of ever-treated on the covariates "
            f"({', '.join(tspec.covariates)}); {how_words}. "
            "'matched once': units matched in the first panel year (before any treatment), every "
            "year of the matched units kept, DiD weighted by the matching weights. 'matched by "
            "year': treated and control cities matched separately in each year (study 003's "
            "workflow; the comparison group changes from year to year and matches on "
            "post-treatment covariates, so read it as a robustness check).",
            f"Standard errors clustered by {ctx.unit}; city and year fixed effects.",
        ]
        if tspec.exclude:
            notes.append(f"{tspec.exclude_title[:1].upper() + tspec.exclude_title[1:]}: "
                         f"without the rows where {tspec.exclude}.")
        out.results[tspec.name] = results
        table = regression_table(results, titles=titles, labels=ctx.labels, lang=ctx.lang,
                                 title=ctx.title, notes=notes)
        per = len(results) // 2  # the same columns matched once, then matched by year
        groups = Row((Cell(""), Cell(word("matched_once", ctx.lang), span=per),
                      Cell(word("matched_by_year", ctx.lang), span=len(results) - per)),
                     role="title")
        out.tables[tspec.name] = dataclasses.replace(
            table, header_rows=(groups, *table.header_rows))
        return out


TABLES.register("psm_did")(PsmDid())
