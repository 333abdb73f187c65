"""The Apache Spark engine of the trade pipeline (``engine="spark"``).

Ibis compiles the pipeline's expressions to Spark SQL and runs them through a
:class:`pyspark.sql.SparkSession` on ``spark_master``: ``local[*]`` (every core
of this machine, nothing to start) or a cluster URL that Spark accepts
(``spark://host:7077`` for a standalone cluster, ``yarn``,
``k8s://https://host:443``). Spark is an optional dependency
(``pip install 'hitex[spark]'``) and needs a Java 17 (or later) runtime; when
either is missing, or a ``spark://`` master does not answer within
``connect_timeout`` seconds, :func:`open_spark` raises a
:class:`~hitex.errors.SpecificationError` that says what to install or check.

One Spark session lives per Python process (a JVM is started once, which
takes several seconds); it is reused by later calls with the same master and
replaced when another master is asked for. :func:`stop_spark` ends it.
On a cluster the executors read the input files themselves, so the paths must
be visible to every worker (a shared file system, HDFS or object storage).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import socket
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.pipeline.engine import Engine, EngineOptions, PathLike, is_remote, sql_function
from hitex.errors import DataNotFoundError, HitexError, OutputFolderError, SpecificationError

__all__ = ["SparkEngine", "java_version", "open_spark", "spark_available", "stop_spark"]

_INSTALL = "pip install 'hitex[spark]'"


@dataclass(frozen=True)
class SparkEngine(Engine):
    """Spark (through Ibis's PySpark backend) behind the engine interface.

    ``session`` is the :class:`pyspark.sql.SparkSession` the backend runs on.
    """

    session: Any = None
    connect_timeout: float = 10.0

    def table(self, df: pd.DataFrame) -> Any:
        """A temporary view of a small pandas table (lookups), sent to Spark through Arrow."""
        import pyarrow as pa

        fields = []
        for col in df.columns:
            kind = df[col].dtype.kind
            typ = {"i": pa.int64(), "u": pa.int64(), "f": pa.float64(), "b": pa.bool_()}.get(
                kind, pa.string()
            )
            fields.append(pa.field(str(col), typ))
        data = pa.Table.from_pandas(df, schema=pa.schema(fields), preserve_index=False)
        name = f"hitex_table_{uuid.uuid4().hex}"
        self.session.createDataFrame(data).createOrReplaceTempView(name)
        return self.backend.table(name)

    def read_text_csv(self, paths: Sequence[Path], columns: Sequence[str], delim: str,
                      types: Mapping[str, str] | None = None) -> Any:
        sql_types = {"int64": "BIGINT", "float64": "DOUBLE"}
        given = dict(types or {})
        schema = ", ".join(
            "`" + c.replace("`", "``") + "` " + (sql_types[given[c]] if c in given else "STRING")
            for c in columns
        )
        return self.backend.read_csv(
            [str(Path(p).resolve()) for p in paths],
            header=True,
            inferSchema=False,
            schema=schema,
            sep=delim,
            quote='"',
            encoding="UTF-8",
            # a field that does not fit its type fails the read instead of becoming null
            mode="FAILFAST" if given else "PERMISSIVE",
        )

    def key_hash(self, *columns: Any) -> Any:
        return sql_function("xxhash64", len(columns), "int64")(*columns)

    def read_parquet_dataset(self, root: Path) -> Any:
        _check_namenode(str(root), self.connect_timeout, DataNotFoundError)
        where = str(root) if is_remote(str(root)) else str(Path(root).resolve())
        return self.backend.read_parquet(where)

    def read_small_text(self, location: PathLike) -> str | None:
        if not is_remote(str(location)):
            return super().read_small_text(location)
        _check_namenode(str(location), self.connect_timeout, DataNotFoundError)
        # through the cluster's file system (HDFS, S3, ...) with Hadoop's own API: Spark's
        # readers skip files whose names start with "_", as a manifest's does
        context = self.session.sparkContext
        jvm = context._jvm  # noqa: SLF001 - pyspark's documented gateway to the JVM
        try:
            path = jvm.org.apache.hadoop.fs.Path(str(location))
            fs = path.getFileSystem(context._jsc.hadoopConfiguration())  # noqa: SLF001
            if not fs.exists(path):
                return None
            stream = fs.open(path)
            try:
                return str(jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
            finally:
                stream.close()
        except Exception:  # noqa: BLE001 - a file system Spark cannot reach
            return None

    def write_partitioned(self, expr: Any, root: PathLike, partition: str = "year") -> None:
        where = str(root) if is_remote(str(root)) else str(Path(root).resolve())
        self.backend.to_parquet(expr, where, partitionBy=partition, mode="overwrite")

    # a cluster URL (hdfs://, s3a://, gs://, abfss://, file://) through Hadoop's file system
    def _hadoop(self, location: PathLike) -> tuple[Any, Any]:
        _check_namenode(str(location), self.connect_timeout)
        context = self.session.sparkContext
        jvm = context._jvm  # noqa: SLF001 - pyspark's documented gateway to the JVM
        path = jvm.org.apache.hadoop.fs.Path(str(location))
        try:
            return path, path.getFileSystem(context._jsc.hadoopConfiguration())  # noqa: SLF001
        except Exception as err:  # noqa: BLE001 - a file system Spark cannot reach
            raise OutputFolderError(_unreachable(location, err)) from err

    def path_exists(self, location: PathLike) -> bool:
        if not is_remote(str(location)):
            return super().path_exists(location)
        path, fs = self._hadoop(location)
        try:
            return bool(fs.exists(path))
        except Exception as err:  # noqa: BLE001
            raise OutputFolderError(_unreachable(location, err)) from err

    def write_small_text(self, location: PathLike, text: str) -> None:
        if not is_remote(str(location)):
            return super().write_small_text(location, text)
        path, fs = self._hadoop(location)
        try:
            stream = fs.create(path, True)
            try:
                stream.write(bytearray(text.encode("utf-8")))
            finally:
                stream.close()
        except Exception as err:  # noqa: BLE001
            raise OutputFolderError(_unreachable(location, err)) from err

    def rename(self, source: PathLike, target: PathLike) -> None:
        if not is_remote(str(source)):
            return super().rename(source, target)
        path, fs = self._hadoop(source)
        try:
            moved = bool(fs.rename(path, self._hadoop(target)[0]))
        except Exception as err:  # noqa: BLE001
            raise OutputFolderError(_unreachable(source, err)) from err
        if not moved:
            raise OutputFolderError(
                f"could not rename {source} to {target} on the cluster's file system; check "
                "that you may write there and that the target does not exist.")

    def remove_tree(self, location: PathLike) -> None:
        if not is_remote(str(location)):
            return super().remove_tree(location)
        path, fs = self._hadoop(location)
        try:
            fs.delete(path, True)
        except Exception:  # noqa: BLE001 - a temporary folder left behind is not an error
            return


def _check_namenode(location: str, timeout: float,
                    error: type[HitexError] = OutputFolderError) -> None:
    """Fail within ``timeout`` seconds when an ``hdfs://host:port`` name node does not answer.

    Hadoop's client retries a silent host for minutes; a plain connection
    attempt first bounds the wait. Other schemes (object stores) answer or fail
    quickly through their own clients.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(location)
    if parts.scheme not in ("hdfs", "webhdfs") or not parts.hostname or not parts.port:
        return
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            return
    except OSError as err:
        raise error(
            f"the name node of {location} ({parts.hostname}:{parts.port}) could not be reached "
            f"({err}; waited at most {timeout:g} s). Check that HDFS is running and that host "
            "and port are those of fs.defaultFS (hdfs://namenode:8020/path), or write to a local "
            "folder and copy it.") from err


def _unreachable(location: PathLike, err: BaseException) -> str:
    java = getattr(err, "java_exception", None)  # py4j: the Java exception says what failed
    text = str(java) if java is not None else str(err)
    first = text.strip().splitlines()[0][:300] if text.strip() else type(err).__name__
    return (f"Spark cannot reach {location}: {first}. Check the URL (hdfs://namenode:8020/path, "
            "s3a://bucket/path), that the cluster's file system is up and that Spark has its "
            "connector and credentials (spark_conf), or write to a local folder and copy it.")


def java_version() -> int | None:
    """Major version of the Java runtime Spark would start (``JAVA_HOME`` or ``PATH``), or None."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def spark_available() -> tuple[bool, str]:
    """Whether the Spark engine can start here, and if not, what is missing."""
    if importlib.util.find_spec("pyspark") is None:
        return False, f"pyspark is not installed ({_INSTALL})"
    version = java_version()
    if version is None:
        return False, (
            "no Java runtime found (set JAVA_HOME or put java on PATH); Spark needs Java 17, "
            "e.g. apt-get install openjdk-17-jre-headless"
        )
    if version < 17:
        return False, f"Java {version} found; Spark 4 needs Java 17 or later"
    return True, ""


def _check_master(master: str, timeout: float) -> None:
    if not master.startswith("spark://"):
        return
    hosts = master[len("spark://"):].split(",")
    for item in hosts:
        host, _, port = item.rpartition(":")
        try:
            with socket.create_connection((host or item, int(port or 7077)), timeout=timeout):
                return
        except (OSError, ValueError):
            continue
    raise SpecificationError(
        f"the Spark master {master!r} did not answer within {timeout:g} s; check that the "
        "cluster is running (sbin/start-master.sh) and that host and port are right "
        "(spark_master='spark://host:7077'), or use spark_master='local[*]'."
    )


def _loopback(master: str) -> bool:
    return master.startswith("local") or any(
        h in master for h in ("//127.0.0.1", "//localhost")
    )


def open_spark(options: EngineOptions) -> SparkEngine:
    """Start (or reuse) a Spark session on ``options.spark_master``.

    Parameters
    ----------
    options : EngineOptions
        ``spark_master``, ``spark_conf`` and ``connect_timeout`` are used.

    Returns
    -------
    SparkEngine

    Raises
    ------
    SpecificationError
        When pyspark or Java 17 is missing (naming ``pip install 'hitex[spark]'``
        and a Java 17 runtime) or a ``spark://`` master does not answer.
    """
    ok, why = spark_available()
    if not ok:
        raise SpecificationError(
            f"engine='spark' cannot start: {why}. Install the Spark extra with {_INSTALL} and a "
            "Java 17 runtime, or use engine='duckdb'."
        )
    master = options.spark_master
    _check_master(master, options.connect_timeout)
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no gateway chatter on the terminal
    import ibis
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        active.stop()
    builder = (
        SparkSession.builder.master(master)
        .appName("hitex")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "true" if options.progress else "false")
    )
    if master.startswith("local"):
        # one machine: a few shuffle partitions instead of Spark's 200 per exchange
        builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
    if _loopback(master):
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    for key, value in options.spark_conf:
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return SparkEngine(
        name="spark", backend=ibis.pyspark.connect(session), master=master, session=session,
        connect_timeout=options.connect_timeout,
    )


def stop_spark() -> None:
    """Stop the Spark session of this process, if any (its JVM stays for a later start)."""
    if importlib.util.find_spec("pyspark") is None:
        return
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
