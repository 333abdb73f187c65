"""The engine interface of the trade pipeline: one Ibis backend behind a small frozen object.

An :class:`Engine` holds an Ibis backend (DuckDB or PySpark) and the few
operations whose spelling differs between engines: reading CSV files with every
column as text, reading a year-partitioned Parquet dataset, turning a pandas
table into an engine table, running an expression into pandas and writing an
expression as a year-partitioned Parquet dataset. Everything else in
:mod:`hitex.data.pipeline` is written once, as Ibis expressions, and runs
unchanged on either engine. The engines themselves live in
:mod:`hitex.data.pipeline.duckdb_engine` and
:mod:`hitex.data.pipeline.spark_engine` and are found by name in
:mod:`hitex.data.pipeline.engines`.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Engine", "EngineOptions", "PathLike", "is_remote", "sql_function"]

PathLike = str | os.PathLike[str]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_remote(path: PathLike) -> bool:
    """Whether ``path`` is a URL a cluster file system reads (``hdfs://``, ``s3a://``,
    ``gs://``, ``abfss://``, ``file://``) rather than a path on this machine."""
    return isinstance(path, str) and bool(_SCHEME.match(path))


@functools.cache
def sql_function(name: str, arity: int, returns: str) -> Any:
    """The engine's own SQL function ``name`` of ``arity`` arguments, as an Ibis expression builder.

    For functions Ibis does not wrap (DuckDB's ``hash(a, b, ...)``, Spark's
    ``xxhash64(a, b, ...)``); ``returns`` is the Ibis type of the result.
    """
    import ibis
    import ibis.expr.datatypes as dt

    def function(*args: Any) -> Any:
        """Compiled to ``name(args...)`` in the engine's SQL."""

    params = [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
              for i in range(arity)]
    result = dt.dtype(returns)
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        params, return_annotation=result)
    function.__annotations__ = {"return": result}
    function.__name__ = name
    return ibis.udf.scalar.builtin(name=name)(function)


@dataclass(frozen=True)
class EngineOptions:
    """Settings of an engine; each engine reads the ones that concern it.

    Attributes
    ----------
    memory_limit : str
        DuckDB's memory limit (it spills to ``temp_directory`` beyond it);
        Spark's driver memory in local mode when the session is first started.
    temp_directory : path-like or None
        Spill folder of DuckDB (default ``<tmp>/hitex-duckdb``).
    threads : int or None
        DuckDB threads (default: all cores).
    spark_master : str
        ``local[*]``, ``local[N]`` or a cluster URL Spark accepts
        (``spark://host:7077``, ``yarn``, ``k8s://https://host:443``).
    spark_conf : tuple of (str, str)
        Extra Spark settings, e.g. ``(("spark.executor.memory", "4g"),)``.
    connect_timeout : float
        Seconds to wait for a ``spark://`` master to answer before giving up.
    progress : bool
        Show the engine's own progress on the terminal while a long query runs
        (DuckDB's progress bar after two seconds; Spark's console progress of
        its stages), as the command line does unless ``--quiet``.
    """

    memory_limit: str = "1GB"
    temp_directory: PathLike | None = None
    threads: int | None = None
    spark_master: str = "local[*]"
    spark_conf: tuple[tuple[str, str], ...] = ()
    connect_timeout: float = 10.0
    progress: bool = False


@dataclass(frozen=True)
class Engine:
    """An Ibis backend with the engine-specific reads and writes of the pipeline.

    Attributes
    ----------
    name : str
        Registry name of the engine (``"duckdb"``, ``"spark"``).
    backend : ibis.backends.BaseBackend
        The connected Ibis backend.
    master : str or None
        Spark master URL (``local[*]``, ``spark://host:7077``); ``None`` for DuckDB.
    """

    name: str
    backend: Any
    master: str | None = None

    # ------------------------------------------------------------------ reads
    def read_text_csv(self, paths: Sequence[Path], columns: Sequence[str], delim: str,
                      types: Mapping[str, str] | None = None) -> Any:
        """Read CSV (or gzip CSV) files with a header, every column as text.

        ``types`` gives some columns a number type instead (``"int64"``,
        ``"float64"``); a field that is not a number then fails the read.
        """
        raise NotImplementedError

    def read_parquet_dataset(self, root: Path) -> Any:
        """Read a hive-partitioned Parquet dataset (``root/year=2019/*.parquet``)."""
        raise NotImplementedError

    def read_small_text(self, location: PathLike) -> str | None:
        """The text of a small file (a dataset's manifest), or None when it does not exist."""
        try:
            return Path(location).expanduser().read_text(encoding="utf-8")
        except OSError:
            return None

    def table(self, df: pd.DataFrame) -> Any:
        """An engine table holding a small pandas table (lookups, GDP per capita)."""
        import ibis

        return ibis.memtable(df)

    def key_hash(self, *columns: Any) -> Any:
        """A 64-bit hash of several columns (the engine's own function), or None.

        Used to find repeated record keys with one integer per record instead
        of grouping by every key column; equal keys give equal hashes, and the
        rare equal hashes of different keys are told apart by an exact check.
        """
        return None

    # ------------------------------------------------------------------ files
    def path_exists(self, location: PathLike) -> bool:
        """Whether a file or folder exists (on this machine; Spark also reads cluster URLs)."""
        return Path(location).expanduser().exists()

    def write_small_text(self, location: PathLike, text: str) -> None:
        """Write a small text file (a dataset's manifest), replacing it."""
        Path(location).expanduser().write_text(text, encoding="utf-8")

    def rename(self, source: PathLike, target: PathLike) -> None:
        """Move ``source`` to ``target`` (which must not exist)."""
        Path(source).expanduser().rename(Path(target).expanduser())

    def remove_tree(self, location: PathLike) -> None:
        """Delete a folder and everything in it."""
        shutil.rmtree(Path(location).expanduser(), ignore_errors=True)

    # ------------------------------------------------------------------ results
    def execute(self, expr: Any) -> pd.DataFrame:
        """Run an Ibis expression and return a pandas table (through Arrow)."""
        return self.backend.to_pyarrow(expr).to_pandas()

    def write_partitioned(self, expr: Any, root: Path, partition: str = "year") -> None:
        """Write ``expr`` as a Parquet dataset partitioned by ``partition`` (hive layout)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine (a DuckDB connection; a Spark session is kept for reuse)."""
