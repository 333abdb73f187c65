"""Convert BACI or UN Comtrade CSV files into a year-partitioned Parquet dataset.

``convert_trade`` reads the files once (:func:`hitex.data.pipeline.read.read_trade`),
runs every check of :func:`hitex.data.pipeline.read.checked_records` -- text,
negative or missing values, repeated records (dropped when identical,
rejected when they disagree) -- and writes the normalised records
``exporter, importer, product, value`` partitioned by ``year`` in hive layout::

    out/
      _hitex_dataset.json        manifest: source files, layout, flow, years, rows
      year=2018/*.parquet
      year=2019/*.parquet

so that later runs (``fmt="parquet"`` in
:func:`hitex.data.pipeline.trade.run_trade_pipeline`) read only the years and
columns they need and skip the duplicate check, which was done here once. The
dataset is written to a temporary folder beside ``out`` and renamed into
place when complete; an existing ``out`` is replaced only with
``overwrite=True`` and only if it holds a hitex manifest (a folder hitex did
not write is never deleted).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hitex.data.pipeline.engine import Engine, EngineOptions, PathLike, is_remote
from hitex.data.pipeline.engines import connect
from hitex.data.pipeline.read import DATASET_MANIFEST, checked_records, read_trade, with_iso3
from hitex.errors import DataFormatError, OutputFolderError, SpecificationError

__all__ = ["ConvertedDataset", "convert_trade"]


@dataclass(frozen=True)
class ConvertedDataset:
    """A Parquet dataset written by :func:`convert_trade`.

    Attributes
    ----------
    path : pathlib.Path or str
        Dataset folder (``year=YYYY`` sub-folders and the manifest), or its cluster URL.
    rows_by_year : dict of int to int
        Records written per year.
    fmt : str
        Layout of the source files.
    sources : tuple of str
        Names of the source files.
    """

    path: Path | str
    rows_by_year: dict[int, int]
    fmt: str
    sources: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Records written."""
        return sum(self.rows_by_year.values())


def convert_trade(
    paths: PathLike | Iterable[PathLike],
    out: PathLike,
    *,
    fmt: str = "baci",
    engine: str | Engine = "duckdb",
    spark_master: str | None = None,
    engine_options: EngineOptions | None = None,
    country_codes: PathLike | pd.DataFrame | None = None,
    flow: str = "X",
    code_digits: int | None = 6,
    value_col: str | None = None,
    overwrite: bool = False,
) -> ConvertedDataset:
    """Write trade files as a Parquet dataset partitioned by year (hive layout).

    Parameters
    ----------
    paths : path-like or iterable of path-like
        BACI or Comtrade CSV files (plain or gzip) of one layout.
    out : path-like
        Dataset folder to create, or a cluster URL (``hdfs://namenode:8020/trade/baci``,
        ``s3a://bucket/baci``, ``file:///shared/baci``) that Spark writes through the
        cluster's file system (``engine="spark"``); the manifest, the temporary
        folder and the final rename are done there too.
    fmt : {"baci", "comtrade"}
    engine, spark_master, engine_options
        Engine that converts (see :func:`hitex.data.pipeline.engines.connect`).
    country_codes : path-like or pandas.DataFrame, optional
        Numeric code -> ISO3 table; without it numeric codes are kept as text.
    flow, code_digits, value_col
        As in :func:`hitex.data.tradeflows.aggregate_trade`.
    overwrite : bool, default False
        Replace an existing dataset written by hitex.

    Returns
    -------
    ConvertedDataset

    Raises
    ------
    OutputFolderError
        If ``out`` exists (without ``overwrite=True``) or is not a hitex dataset.
    HitexError
        The reading errors of :func:`hitex.data.pipeline.read.checked_records`.
    """
    remote = is_remote(str(out))
    target: Any = str(out).rstrip("/") if remote else Path(out).expanduser()
    if not remote:
        _check_target(target, overwrite, target.exists(), (target / DATASET_MANIFEST).is_file())
    eng = connect(engine, spark_master=spark_master, options=engine_options)
    items = [paths] if isinstance(paths, str | Path) else list(paths)  # type: ignore[arg-type]
    tmp = _beside(target, f"hitex-tmp-{uuid.uuid4().hex[:8]}")
    try:
        if remote:
            if eng.name != "spark":
                raise SpecificationError(
                    f"{target} is a cluster URL: only engine='spark' writes there (through the "
                    "cluster's file system). Use --engine spark with --spark-master, or write "
                    "to a local folder and copy it to the cluster.")
            _check_target(target, overwrite, eng.path_exists(target),
                          eng.path_exists(_inside(target, DATASET_MANIFEST)))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        what = ", ".join(Path(str(p)).name for p in items)
        try:  # number columns read as numbers (fast); as text when that fails, to say why
            raw = read_trade(eng, items, fmt=fmt, flow=flow, code_digits=code_digits,
                             value_col=value_col, typed=True)
            records = checked_records(eng, raw, duplicates="check", what=what)
        except DataFormatError:
            raw = read_trade(eng, items, fmt=fmt, flow=flow, code_digits=code_digits,
                             value_col=value_col)
            records = checked_records(eng, raw, duplicates="check", what=what)
        if country_codes is not None:
            records = with_iso3(eng, records, country_codes)
        eng.write_partitioned(records, tmp, partition="year")
        written = eng.read_parquet_dataset(tmp)
        counts = eng.execute(written.group_by("year").aggregate(n=written.count()))
        rows = {int(y): int(n) for y, n in zip(counts["year"], counts["n"], strict=True)}
        manifest = {
            "format": "hitex trade dataset 1",
            "columns": ["exporter", "importer", "year", "product", "value"],
            "partitioning": "hive, by year",
            "unique_records": True,
            "source_format": fmt,
            "flow": flow,
            "code_digits": code_digits,
            "sources": [Path(str(p)).name for p in items],
            "rows_by_year": {str(k): v for k, v in sorted(rows.items())},
        }
        eng.write_small_text(_inside(tmp, DATASET_MANIFEST), json.dumps(manifest, indent=2))
        if eng.path_exists(target):
            old = _beside(target, f"hitex-old-{uuid.uuid4().hex[:8]}")
            eng.rename(target, old)
            eng.rename(tmp, target)
            eng.remove_tree(old)
        else:
            eng.rename(tmp, target)
    finally:
        try:
            if eng.path_exists(tmp):
                eng.remove_tree(tmp)
        except OutputFolderError:  # the file system went away: nothing more to clean
            pass
        if eng is not engine:
            eng.close()
    return ConvertedDataset(path=target, rows_by_year=rows, fmt=fmt,
                            sources=tuple(Path(str(p)).name for p in items))


def _check_target(target: Any, overwrite: bool, exists: bool, is_hitex: bool) -> None:
    """Refuse an existing ``out`` unless ``overwrite`` and hitex wrote it."""
    if not exists:
        return
    if not overwrite:
        raise OutputFolderError(
            f"{target} exists; pass overwrite=True to replace the dataset, or another folder."
        )
    if not is_hitex:
        raise OutputFolderError(
            f"{target} exists and was not written by hitex (no {DATASET_MANIFEST}); it is "
            "left as it is. Choose another folder."
        )


def _beside(target: Any, suffix: str) -> Any:
    """A sibling of ``target`` (a folder path, or a cluster URL as text) named ``target.suffix``."""
    if isinstance(target, Path):
        return target.parent / f"{target.name}.{suffix}"
    return f"{target}.{suffix}"


def _inside(folder: Any, name: str) -> Any:
    return folder / name if isinstance(folder, Path) else f"{folder}/{name}"
