"""The embedded DuckDB engine of the trade pipeline (the default).

DuckDB runs in the calling process with a memory limit and spills to a
temporary folder beyond it, so files larger than memory work on one machine.
Files are read with DuckDB's ``read_csv`` (every column as text, explicit
delimiter, gzip recognised from the extension) and ``read_parquet`` with hive
partitioning.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hitex.data.pipeline.engine import Engine, EngineOptions, sql_function

__all__ = ["DuckDBEngine", "open_duckdb"]


@dataclass(frozen=True)
class DuckDBEngine(Engine):
    """DuckDB behind the :class:`~hitex.data.pipeline.engine.Engine` interface."""

    def read_text_csv(self, paths: Sequence[Path], columns: Sequence[str], delim: str,
                      types: Mapping[str, str] | None = None) -> Any:
        sql_types = {"int64": "BIGINT", "float64": "DOUBLE"}
        given = dict(types or {})
        return self.backend.read_csv(
            [str(p) for p in paths],
            columns={c: sql_types[given[c]] if c in given else "VARCHAR" for c in columns},
            header=True,
            delim=delim,
            quote='"',
            auto_detect=False,
            compression="auto",
        )

    def key_hash(self, *columns: Any) -> Any:
        return sql_function("hash", len(columns), "uint64")(*columns)

    def read_parquet_dataset(self, root: Path) -> Any:
        where = Path(root)
        pattern = str(where / "**" / "*.parquet") if where.is_dir() else str(where)
        return self.backend.read_parquet(pattern, hive_partitioning=True, union_by_name=True)

    def write_partitioned(self, expr: Any, root: Path, partition: str = "year") -> None:
        self.backend.to_parquet(expr, str(root), partition_by=partition)

    def close(self) -> None:
        self.backend.disconnect()


def open_duckdb(options: EngineOptions) -> DuckDBEngine:
    """Open an in-memory DuckDB engine.

    Parameters
    ----------
    options : EngineOptions
        ``memory_limit`` (beyond it DuckDB spills to ``temp_directory``,
        default ``<tmp>/hitex-duckdb``) and ``threads`` (default: all cores)
        are used; the Spark options are ignored.

    Returns
    -------
    DuckDBEngine
    """
    import ibis

    temp_directory = options.temp_directory
    temp = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "hitex-duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "memory_limit": options.memory_limit,
        "temp_directory": str(temp),
        "preserve_insertion_order": False,
    }
    if options.threads is not None:
        config["threads"] = int(options.threads)
    backend = ibis.duckdb.connect(":memory:", **config)
    if options.progress:  # session settings: DuckDB refuses them at connection
        backend.raw_sql("SET enable_progress_bar = true")
        backend.raw_sql("SET enable_progress_bar_print = true")
    return DuckDBEngine(name="duckdb", backend=backend)
