"""The registry of pipeline engines, found by name: ``"duckdb"`` (default) and ``"spark"``.

A new engine is a module defining an :class:`~hitex.data.pipeline.engine.Engine`
subclass and an opener taking :class:`~hitex.data.pipeline.engine.EngineOptions`,
added to :data:`ENGINES`; nothing else in the pipeline changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hitex.data.pipeline.duckdb_engine import open_duckdb
from hitex.data.pipeline.engine import Engine, EngineOptions
from hitex.data.pipeline.spark_engine import open_spark
from hitex.errors import SpecificationError

__all__ = ["ENGINES", "connect"]

#: Engine name -> opener.
ENGINES: dict[str, Callable[[EngineOptions], Engine]] = {
    "duckdb": open_duckdb,
    "spark": open_spark,
}


def connect(
    engine: str | Engine = "duckdb",
    *,
    spark_master: str | None = None,
    options: EngineOptions | None = None,
    **settings: Any,
) -> Engine:
    """Open the engine named ``engine`` (an :class:`Engine` is returned as given).

    Parameters
    ----------
    engine : {"duckdb", "spark"} or Engine
        ``"duckdb"`` (embedded, the default) or ``"spark"`` (Apache Spark through
        Ibis's PySpark backend; ``pip install 'hitex[spark]'`` and Java 17).
    spark_master : str, optional
        Spark master: ``local[*]`` (the default, from :class:`EngineOptions`) or a
        cluster URL (``spark://host:7077``, ``yarn``, ``k8s://...``).
    options : EngineOptions, optional
        All settings at once; ``spark_master`` and ``settings`` override it.
    **settings
        Fields of :class:`EngineOptions` (``memory_limit``, ``temp_directory``,
        ``threads``, ``spark_conf``, ``connect_timeout``).

    Returns
    -------
    Engine

    Raises
    ------
    SpecificationError
        For an unknown engine name or setting, or a Spark engine that cannot start.
    """
    if isinstance(engine, Engine):
        return engine
    opener = ENGINES.get(str(engine).strip().lower()) if isinstance(engine, str) else None
    if opener is None:
        raise SpecificationError(
            f"engine={engine!r} is not known; use one of {sorted(ENGINES)} (engine='spark' "
            "needs pip install 'hitex[spark]')."
        )
    known = set(EngineOptions.__dataclass_fields__)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise SpecificationError(
            f"unknown engine setting(s) {unknown}; the settings are {sorted(known)}."
        )
    base = options or EngineOptions()
    if spark_master is not None:
        settings["spark_master"] = spark_master
    return opener(replace(base, **settings))
