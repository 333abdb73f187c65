"""hitex: empirical analysis of high-tech exports.

The public API is imported lazily so that ``import hitex`` (and the CLI's
``--help``) stay fast; the estimation engine (pyfixest) loads on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hitex.errors import (
    AbsorbedRegressorWarning,
    ColumnNotFoundError,
    DataCoverageWarning,
    DataFormatError,
    DataNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    EstimationError,
    HitexError,
    HitexWarning,
    NonNumericError,
    OutputFolderError,
    SeparationWarning,
    SpecificationError,
    StudySpecError,
)

__version__ = "0.1.0"

_LAZY = {
    "panel": ("hitex.models.panel", "panel"),
    "panel_columns": ("hitex.models.panel_columns", "panel_columns"),
    "gravity": ("hitex.models.gravity", "gravity"),
    "psm": ("hitex.models.matching", "psm"),
    "ipw": ("hitex.models.teffects", "ipw"),
    "aipw": ("hitex.models.teffects", "aipw"),
    "nnmatch": ("hitex.models.teffects", "nnmatch"),
    "TreatmentEffectResult": ("hitex.models.teffects", "TreatmentEffectResult"),
    "cem": ("hitex.models.cem", "cem"),
    "CEMResult": ("hitex.models.cem", "CEMResult"),
    "fixest_ssc": ("hitex.models.small_sample", "fixest_ssc"),
    "placebo": ("hitex.models.placebo", "placebo"),
    "att_gt": ("hitex.models.did", "att_gt"),
    "multiplier_bootstrap": ("hitex.models.did_bootstrap", "multiplier_bootstrap"),
    "MultiplierBootstrap": ("hitex.models.did_bootstrap", "MultiplierBootstrap"),
    "etwfe": ("hitex.models.etwfe", "etwfe"),
    "emfx": ("hitex.models.etwfe", "emfx"),
    "ETWFEResult": ("hitex.models.etwfe", "ETWFEResult"),
    "MarginalEffects": ("hitex.models.etwfe", "MarginalEffects"),
    "psm_did": ("hitex.models.psm_did", "psm_did"),
    "twfe_did": ("hitex.models.did", "twfe_did"),
    "event_study": ("hitex.models.event", "event_study"),
    "sun_abraham": ("hitex.models.event", "sun_abraham"),
    "iv_diagnostics": ("hitex.models.iv_diagnostics", "iv_diagnostics"),
    "liml": ("hitex.models.iv_liml", "liml"),
    "iv_diagnostics_formula": ("hitex.models.iv_diagnostics", "iv_diagnostics_formula"),
    "mediation": ("hitex.models.mediation", "mediation"),
    "moderation": ("hitex.models.moderation", "moderation"),
    "by_group": ("hitex.models.heterogeneity", "by_group"),
    "group_difference": ("hitex.models.heterogeneity", "group_difference"),
    "monitor": ("hitex.indicators.monitoring", "monitor"),
    "reconcile": ("hitex.indicators.conflicts", "reconcile"),
    "RegressionResult": ("hitex.models.results", "RegressionResult"),
    "regression_table": ("hitex.report.tables", "regression_table"),
    "descriptive_table": ("hitex.report.tables", "descriptive_table"),
    "coefficient_plot": ("hitex.report.figures", "coefficient_plot"),
    "run_study": ("hitex.studies.runner", "run_study"),
    "load_study": ("hitex.studies.spec", "load_study"),
    "load_wdi": ("hitex.data.wdi", "load_wdi"),
    "fetch_wdi": ("hitex.data.wdi_live", "fetch_wdi"),
    "load_gcr": ("hitex.data.gcr", "load_gcr"),
    "trade_facilitation_index": ("hitex.indicators.facilitation", "trade_facilitation_index"),
    "countries": ("hitex.data.countries", None),
    "run_trade_pipeline": ("hitex.data.pipeline.trade", "run_trade_pipeline"),
    "TradePipelineResult": ("hitex.data.pipeline.trade", "TradePipelineResult"),
    "convert_trade": ("hitex.data.pipeline.convert", "convert_trade"),
    "EngineOptions": ("hitex.data.pipeline.engine", "EngineOptions"),
    "read_customs": ("hitex.data.pipeline.customs", "read_customs"),
    "synthetic_customs_records": ("hitex.data.pipeline.synthetic", "synthetic_customs_records"),
    "economic_complexity": ("hitex.indicators.complexity", "economic_complexity"),
}

if TYPE_CHECKING:  # pragma: no cover
    from hitex.models.panel import panel  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        if attr is not None:
            from hitex.arguments import checked  # argument types named in hitex errors

            value = checked(value)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hitex' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "__version__",
    *_LAZY,
    "HitexError",
    "HitexWarning",
    "AbsorbedRegressorWarning",
    "ColumnNotFoundError",
    "DataCoverageWarning",
    "DataFormatError",
    "DataNotFoundError",
    "DuplicateKeyError",
    "EmptySampleError",
    "EstimationError",
    "NonNumericError",
    "SeparationWarning",
    "OutputFolderError",
    "SpecificationError",
    "StudySpecError",
]
