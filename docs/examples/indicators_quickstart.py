"""Quick start: composite indices and export sophistication with hitex.indicators.

Run with ``python docs/examples/indicators_quickstart.py``; the test suite runs it too.
"""

import pandas as pd

from hitex.indicators import CompositeSpec, composite_index, expy, prody, rca

# A two-level index: secondaries -> primaries -> index, entropy weights inside each primary.
scores = pd.DataFrame({
    "unit": ["A", "B", "C", "D"],
    "period": 2020,
    "roads": [4.1, 5.2, 3.3, 6.0], "ports": [4.5, 5.0, 3.9, 6.2],
    "customs": [3.8, 4.9, 4.2, 5.5], "barriers": [4.0, 4.4, 3.6, 5.1],
})
spec = CompositeSpec(
    {"infrastructure": ["roads", "ports"], "border": ["customs", "barriers"]},
    name="facilitation", secondary_weights="entropy", scale=100 / 7,
)
index = composite_index(scores, spec, unit="unit", period="period", layout="wide")
print(index[["unit", "infrastructure", "border", "facilitation"]].round(2).to_string(index=False))

# Revealed comparative advantage, PRODY and EXPY (Hausmann, Hwang and Rodrik 2007).
exports = pd.DataFrame({"country": ["A", "A", "B", "B", "C"],
                        "product": ["chips", "toys", "chips", "toys", "toys"],
                        "value": [80.0, 20.0, 10.0, 90.0, 50.0]})
gdp = pd.DataFrame({"country": ["A", "B", "C"], "gdp_pc": [40_000.0, 8_000.0, 3_000.0]})
print(rca(exports).round(3))
table = prody(exports, gdp)
print(table.round(0))
print(expy(exports, table).round(0))

# High-tech exports by exporter and year: study 001's SITC Rev.3 list, share of all exports, RCA.
from hitex.indicators import hightech_exports  # noqa: E402

trade = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "year": 2020,
                      "code": ["7921", "0111", "5413", "0111"],
                      "value": [30.0, 70.0, 10.0, 90.0]})
ht = hightech_exports(trade, rca=True)
print(ht[["exporter", "ht_aerospace", "ht_pharmaceuticals", "ht_share", "ht_rca"]].round(2))
