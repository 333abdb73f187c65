"""Indicators: pure DataFrame -> DataFrame functions.

=================================  ==============================================================
function                           what
=================================  ==============================================================
``composite_index``                hierarchical composite index (mean, given, entropy, PCA weights)
``trade_facilitation_index``       study 000's TFI: 4 primaries of 11 WEF scores, x 100/7
``tbt_depth``                      TBT depth of trade agreements (DESTA items, 0-8) and tiers
``pair_year_panel``                exporter-importer-year FTA and Depth panel
``agreements_by_depth``            a group's bilateral agreements by TBT depth (study 001 Table 5)
``classify``                       high-tech product classes by code prefix
``aggregate_by_category``          trade totals by group and high-tech category
``hightech_exports``               high-tech exports by unit: categories, share, Balassa RCA
``hightech_exports_from_files``    the same from CSV/Parquet files, on DuckDB or Spark
``rca``, ``prody``, ``expy``       revealed comparative advantage, export sophistication
``economic_complexity``            Mcp, diversity, ubiquity, ECI, PCI, proximity, density, COI, COG
``city_export_complexity``         study 003's city export technical complexity
``digital_innovation``             study 004's DTI = ln(1 + patents per million inhabitants)
``keyword_frequency``              keyword occurrences per word of a text (Chinese or English)
``policy_instrument``              study 004's instrument: frequency / distance to Hangzhou
``monitor``                        level, growth, CAGR, share, rank, gaps, overtaking (monitoring)
``reconcile``                      conflicts between sources of one value, chosen by a stated rule
``convert``, ``harmonize``         amounts between units and currencies, each conversion stated
=================================  ==============================================================

Names are imported on first use, so ``import hitex.indicators`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "composite_index": "composite",
    "composite_coverage": "composite",
    "CompositeSpec": "composite",
    "EntropyWeights": "weights",
    "PCAWeights": "weights",
    "trade_facilitation_index": "facilitation",
    "tfi_coverage_by_year": "facilitation",
    "tbt_depth": "tbt",
    "depth_tier": "tbt",
    "pair_year_panel": "tbt",
    "check_study001_table6": "tbt_table6",
    "classification": "products",
    "classify": "products",
    "aggregate_by_category": "products",
    "load_concordance": "concordance",
    "hightech_exports": "hightech",
    "hightech_from_totals": "hightech",
    "hightech_exports_from_files": "hightech_files",
    "rca": "sophistication",
    "economic_complexity": "complexity",
    "agreements_by_depth": "tbt_agreements",
    "ComplexityResult": "complexity",
    "write_complexity": "complexity",
    "prody": "sophistication",
    "expy": "sophistication",
    "city_export_complexity": "sophistication",
    "digital_innovation": "innovation",
    "keyword_frequency": "innovation",
    "keyword_counts": "innovation",
    "great_circle_km": "innovation",
    "policy_instrument": "innovation",
    "monitor": "monitoring",
    "Monitoring": "monitoring",
    "reconcile": "conflicts",
    "Reconciled": "conflicts",
    "ConflictingSourcesError": "conflicts",
    "Unit": "units",
    "as_unit": "units",
    "convert": "units",
    "harmonize": "units",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"hitex.indicators.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hitex.indicators' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
