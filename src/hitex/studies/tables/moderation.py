"""``kind: moderation``: an interaction with the moderator, marginal effects and their plot.

The model is ``outcome`` on ``treatment``, the ``moderator`` (centred at its
mean with ``center: true``, the default, so that the treatment's coefficient is
its effect at the mean moderator) and their product, with ``controls``,
``fixed_effects`` and ``vcov`` (:func:`hitex.models.moderation.moderation`).
A second table gives the treatment's marginal effect at ``at`` values of the
moderator (``quantiles``, ``mean_sd`` or a list) with delta-method standard
errors, and a figure plots it over the moderator's range.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd
from pydantic import Field

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    VcovSpec,
    collected,
)


class ModerationTable(PolicyTableBase):
    """A moderation table (see the module docstring)."""

    kind: Literal["moderation"]
    moderator: str
    fixed_effects: tuple[str, ...] = ()
    vcov: VcovSpec | None = None
    center: bool = True
    at: str | tuple[float, ...] = "quantiles"
    level: float = Field(0.95, gt=0, lt=1)


class Moderation(PolicyKind):
    schema = ModerationTable

    def columns(self, tspec: ModerationTable) -> dict[str, list[str]]:
        return {**super().columns(tspec), "moderator": [tspec.moderator],
                "fixed_effects": list(tspec.fixed_effects)}

    def required(self, tspec: ModerationTable) -> list[str]:
        return [*tspec.requires, tspec.moderator]

    def run(self, tspec: ModerationTable, ctx: TableContext) -> TableOutput:
        from hitex.models.moderation import moderation
        from hitex.report.tables import frame_table, regression_table

        out = TableOutput()
        data = ctx.table_sample(tspec)
        with collected(out.warnings, tspec.name):
            res = moderation(data, str(tspec.outcome), tspec.treatment, tspec.moderator,
                             controls=list(tspec.controls),
                             fixed_effects=list(tspec.fixed_effects), vcov=tspec.vcov,
                             center=tspec.center)
        out.results[tspec.name] = [res]
        labels = dict(ctx.labels)
        labels.setdefault(res.interaction, f"{labels.get(tspec.treatment, tspec.treatment)} x "
                                           f"{labels.get(tspec.moderator, tspec.moderator)}")
        fe_labels = {k: v for k, v in ctx.labels.items() if k in tspec.fixed_effects}
        out.tables[tspec.name] = regression_table([res], labels=labels, title=ctx.title, lang=ctx.lang,
                                                  fe_labels=fe_labels or None,
                                                  notes=list(tspec.notes) or None)
        at = tspec.at if isinstance(tspec.at, str) else list(tspec.at)
        effects = res.marginal_effects(at=at, level=tspec.level)
        out.frames[f"{tspec.name}_marginal"] = effects
        out.tables[f"{tspec.name}_marginal"] = dataclasses.replace(
            frame_table(effects, title=f"{ctx.title}: marginal effect of "
                        f"{ctx.labels.get(tspec.treatment, tspec.treatment)}", digits=4),
            notes=(f"Effect of {tspec.treatment} at values of {tspec.moderator}: b1 + b3 m, "
                   "delta-method standard errors.",))
        out.figures[f"{tspec.name}_marginal"] = res.plot(labels=labels, level=tspec.level)
        out.usage[f"in_{tspec.name}"] = pd.Series(
            ctx.data.index.isin(res.regression.sample_index).astype(int), index=ctx.data.index)
        return out


TABLES.register("moderation")(Moderation())
