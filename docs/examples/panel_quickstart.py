"""Quick start: a two-way fixed-effects panel with hitex.

Run with ``python docs/examples/panel_quickstart.py``; the test suite runs it too.
"""

import numpy as np
import pandas as pd

import hitex
from hitex.report.writers import to_text

rng = np.random.default_rng(1)
countries = [f"C{i:02d}" for i in range(20)]
years = range(2009, 2018)
df = pd.DataFrame([(c, y) for c in countries for y in years], columns=["iso3", "year"])
effect = dict(zip(countries, rng.normal(size=len(countries)), strict=True))
df["tfi"] = 60 + 10 * rng.normal(size=len(df))
df["gdpp"] = 9 + df["iso3"].map(effect) + 0.1 * rng.normal(size=len(df))
df["tech_export"] = 0.25 * df["tfi"] + 3 * df["gdpp"] + rng.normal(size=len(df)) * 2

clustered = hitex.panel("tech_export ~ tfi + gdpp | iso3 + year", df)  # clustered by iso3
conventional = clustered.with_vcov("iid")                            # xtreg-style SEs
print(clustered.tidy().round(3))

table = hitex.regression_table(
    [clustered, conventional],
    titles=["Clustered", "Conventional"],
    labels={"tfi": "Tfi", "gdpp": "Gdpp"},
    title="Trade facilitation and high-tech exports (simulated data)",
)
print(to_text(table))
assert abs(clustered.params["tfi"] - 0.25) < 0.05
