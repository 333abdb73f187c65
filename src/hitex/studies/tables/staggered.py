"""``kind: staggered``: Callaway-Sant'Anna beside TWFE, with an event-study figure.

``group`` names the column of each unit's first treated year (0 for never
treated); Callaway-Sant'Anna runs on the units observed in every year.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    complete,
)


class StaggeredTable(PolicyTableBase):
    """Staggered adoption: TWFE and Callaway-Sant'Anna (``group``: first treated year)."""

    kind: Literal["staggered"]
    group: str = "first_treat"


def _norm_cdf(x: Any) -> Any:
    from scipy.stats import norm

    return norm.cdf(x)


class Staggered(PolicyKind):
    schema = StaggeredTable

    def columns(self, tspec: StaggeredTable) -> dict[str, list[str]]:
        named = super().columns(tspec)
        return {"outcome": named["outcome"], "treatment": named["treatment"],
                "group": [tspec.group], "controls": named["controls"]}

    def run(self, tspec: StaggeredTable, ctx: TableContext) -> TableOutput:
        import matplotlib.pyplot as plt

        from hitex.models.did import att_gt, twfe_did
        from hitex.models.event import event_study, plot_event_study
        from hitex.report.tables import frame_table

        data = ctx.table_sample(tspec)
        out = TableOutput()
        outcome, treat = str(tspec.outcome), tspec.treatment
        sub = complete(data, [outcome, treat, tspec.group, *tspec.controls])
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
        plot_event_study(es, ax=axes[0], title="TWFE event study",
                         ylabel=f"Effect on {ctx.labels.get(outcome, outcome)}")
        plot_event_study(aggs["dynamic"], ax=axes[1], title="Callaway-Sant'Anna dynamic ATT",
                         ylabel=f"Effect on {ctx.labels.get(outcome, outcome)}")
        fig.tight_layout()
        out.figures[f"{tspec.name}_event_study"] = fig
        out.notes.append(f"{tspec.name}: TWFE {twfe.params[treat]:.4f}; Callaway-Sant'Anna overall "
                         f"(simple) {aggs['simple'].overall:.4f} (SE {aggs['simple'].overall_se:.4f}).")
        return out


TABLES.register("staggered")(Staggered())
