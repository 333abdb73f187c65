"""``kind: placebo``: permutation test of a TWFE DiD (study 003, Figure 1).

``draws`` times, the treatment goes to as many randomly drawn units as are
truly treated, keeping the true adoption years; the TWFE estimate of each draw
(:func:`hitex.placebo`) gives a summary table and a density figure.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from hitex.studies.kinds import TABLES
from hitex.studies.tables.base import (
    PolicyKind,
    PolicyTableBase,
    TableContext,
    TableOutput,
    complete,
    twfe_formula,
)


class PlaceboTable(PolicyTableBase):
    """A placebo (permutation) test of ``outcome`` on ``treatment``."""

    kind: Literal["placebo"]
    draws: int = Field(500, ge=1)


class Placebo(PolicyKind):
    schema = PlaceboTable

    def run(self, tspec: PlaceboTable, ctx: TableContext) -> TableOutput:
        from hitex.models.placebo import placebo
        from hitex.report.tables import frame_table

        data = ctx.table_sample(tspec)
        out = TableOutput()
        outcome, treat = str(tspec.outcome), tspec.treatment
        sub = complete(data, [outcome, treat, *tspec.controls])
        formula = twfe_formula(outcome, treat, tspec.controls, ctx.unit, ctx.time)
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
        out.tables[tspec.name] = dataclasses.replace(table, notes=tuple(tspec.notes) + (
            f"Formula: {formula}. Each draw gives the treatment to as many randomly drawn cities as "
            "are truly treated, keeping the true adoption years; TWFE re-estimated by demeaning "
            "once (Frisch-Waugh-Lovell).",))
        out.frames[tspec.name] = pd.DataFrame({"draw": np.arange(len(est)), "estimate": est})
        out.figures[tspec.name] = res.plot(label="Placebo estimates (kernel density)",
                                           labels=ctx.labels)
        out.notes.append(f"{tspec.name}: placebo p-value {res.pvalue:.4f} over {res.n_draws} draws "
                         f"(seed {res.seed}).")
        return out


TABLES.register("placebo")(Placebo())
