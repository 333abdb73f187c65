"""The trade pipeline on Apache Spark equals the same pipeline on DuckDB.

The same files run through :func:`hitex.data.pipeline.trade.run_trade_pipeline`
on DuckDB (whose agreement with hitex's pandas and SQL code is tested in
``test_pipeline.py``), on Spark in local mode and on a Spark standalone cluster
that the test starts on the loopback address (one master, two workers, from the
``spark-class`` launcher shipped with pyspark) and stops. Keys must be equal and
values equal to 1e-9 relative. Skipped, with the reason, without pyspark or a
Java 17 runtime.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hitex.data.categories import category_lookup
from hitex.data.pipeline.convert import convert_trade
from hitex.data.pipeline.customs import province_mode_ownership_year, read_customs
from hitex.data.pipeline.engine import EngineOptions
from hitex.data.pipeline.engines import connect
from hitex.data.pipeline.spark_engine import spark_available, stop_spark
from hitex.data.pipeline.synthetic import synthetic_customs_records
from hitex.data.pipeline.trade import TradePipelineResult, run_trade_pipeline
from hitex.errors import HitexError, SpecificationError

SPARK_OK, SPARK_WHY = spark_available()
pytestmark = pytest.mark.skipif(not SPARK_OK, reason=f"Spark tests need pyspark and Java 17: "
                                f"{SPARK_WHY}")

REL = 1e-9
CATEGORIES = pd.DataFrame(
    {"code": ["30", "3006", "8471", "8517", "8542", "88"],
     "category": ["pharma", None, "computers", "telecom", "chips", "aerospace"]}
)
TABLES = {
    "exporter_year": ["exporter", "year"],
    "exporter_product_year": ["exporter", "year", "product"],
    "exporter_importer_sector_year": ["exporter", "importer", "year", "category"],
    "rca": ["exporter", "year", "product"],
    "complexity": ["exporter", "year", "product"],
    "prody": ["year", "product"],
    "expy": ["exporter", "year"],
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two BACI-format files (one gzip) with 1,200 distinct records, and GDP per capita."""
    rng = np.random.default_rng(5)
    folder = tmp_path_factory.mktemp("spark")
    countries = np.array([4, 156, 251, 276, 392, 410, 842, 699])
    products = np.array(["300490", "300610", "847130", "851712", "854231", "880240", "090111",
                         "010121", "847330", "300220"])
    space = 2 * len(countries) ** 2 * len(products)
    keys = rng.choice(space, size=1200, replace=False)
    rest, k = np.divmod(keys, len(products))
    rest, j = np.divmod(rest, len(countries))
    t, i = np.divmod(rest, len(countries))
    df = pd.DataFrame({"t": 2018 + t, "i": countries[i], "j": countries[j], "k": products[k],
                       "v": np.round(rng.lognormal(3, 2, size=len(keys)), 3), "q": 1.0})
    first = folder / "y1.csv"
    df.iloc[:600].to_csv(first, index=False)
    second = folder / "y2.csv.gz"
    second.write_bytes(gzip.compress(df.iloc[600:].to_csv(index=False).encode()))
    gdp = pd.DataFrame([(str(c), y, 500.0 + 97.0 * n ** 2 + y % 7) for n, c in
                        enumerate(countries) for y in (2018, 2019)],
                       columns=["exporter", "year", "gdp_pc"])
    return [first, second], gdp


def _run(inputs, **kwargs) -> TradePipelineResult:
    paths, gdp = inputs
    return run_trade_pipeline(paths, categories=CATEGORIES, code_system="HS", gdp_pc=gdp,
                              **kwargs)


@pytest.fixture(scope="module")
def on_duckdb(inputs) -> TradePipelineResult:
    return _run(inputs)


def _same(got: TradePipelineResult, want: TradePipelineResult) -> None:
    for name, keys in TABLES.items():
        a, b = getattr(got, name), getattr(want, name)
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b) > 0, name
        for k in keys:
            assert a[k].astype(str).tolist() == b[k].astype(str).tolist(), (name, k)
        for c in a.columns.difference(keys):
            x, y = a[c].astype(float), b[c].astype(float)
            assert (x.isna() == y.isna()).all(), (name, c)
            assert x[x.notna()].to_numpy() == pytest.approx(y[y.notna()].to_numpy(), rel=REL), (
                name, c)


def test_spark_local_mode_equals_duckdb(inputs, on_duckdb):
    got = _run(inputs, engine="spark", spark_master="local[2]")
    assert got.engine == "spark" and got.master == "local[2]"
    _same(got, on_duckdb)


def test_spark_converts_to_a_dataset_duckdb_reads(inputs, on_duckdb, tmp_path):
    paths, gdp = inputs
    done = convert_trade(paths, tmp_path / "ds", engine="spark", spark_master="local[2]")
    assert done.rows == 1200
    got = run_trade_pipeline(done.path, fmt="parquet", categories=CATEGORIES, code_system="HS",
                             gdp_pc=gdp)
    _same(got, on_duckdb)


def test_customs_aggregates_on_spark_equal_duckdb():
    records = synthetic_customs_records(5_000, seed=8)
    lookup = category_lookup(CATEGORIES, code_system="HS")
    keys = ["province", "trade_mode_label", "ownership_label", "year"]
    out = {}
    for name, master in (("duckdb", None), ("spark", "local[2]")):
        eng = connect(name, spark_master=master)
        rec = read_customs(eng, records)
        out[name] = eng.execute(province_mode_ownership_year(eng, rec, lookup)).sort_values(
            keys).reset_index(drop=True)
        if name == "duckdb":
            eng.close()
    a, b = out["spark"], out["duckdb"]
    assert a[keys].astype(str).equals(b[keys].astype(str))
    for c in ("value", "hightech", "hightech_share"):
        assert a[c].to_numpy(float) == pytest.approx(b[c].to_numpy(float), rel=REL)


def test_unreachable_master_is_a_hitex_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    with pytest.raises(SpecificationError, match="did not answer"):
        connect("spark", spark_master=f"spark://127.0.0.1:{port}", connect_timeout=1.0)


# --------------------------------------------------------------------------- cluster
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return int(json.load(r).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


@pytest.fixture
def standalone_cluster(tmp_path):
    """A Spark standalone cluster on 127.0.0.1: one master and two one-core workers."""
    import pyspark

    home = Path(pyspark.__file__).parent
    launcher = home / "bin" / "spark-class"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_LOG_DIR": str(tmp_path), "SPARK_WORKER_DIR": str(tmp_path / "work")}
    port, ui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    stop_spark()  # free the local-mode session's cores and memory for the cluster

    def start(*args: str, log: str) -> None:
        out = open(tmp_path / log, "wb")  # noqa: SIM115 - closed with the process below
        procs.append(subprocess.Popen([str(launcher), *args], env=env, stdout=out,
                                      stderr=subprocess.STDOUT))

    try:
        start("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
              str(port), "--webui-port", str(ui), log="master.log")
        for n in range(2):
            start("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores",
                  "1", "--memory", "768m", "--webui-port", str(_free_port()), master,
                  log=f"worker{n}.log")
        deadline = time.monotonic() + 90
        while _alive_workers(ui) < 2:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "\n".join(p.read_text(errors="replace")[-800:]
                                 for p in sorted(tmp_path.glob("*.log")))
                pytest.fail(f"the Spark standalone cluster did not start:\n{logs}")
            time.sleep(0.5)
        yield master
    finally:
        stop_spark()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


def test_spark_standalone_cluster_equals_duckdb(inputs, on_duckdb, standalone_cluster):
    # a few shuffle partitions suit 1,200 records on two one-core workers
    options = EngineOptions(spark_conf=(("spark.sql.shuffle.partitions", "4"),
                                        ("spark.executor.memory", "512m")))
    got = _run(inputs, engine="spark", spark_master=standalone_cluster, engine_options=options)
    assert got.master == standalone_cluster
    _same(got, on_duckdb)


def test_spark_reads_a_dataset_by_cluster_url(inputs, on_duckdb, tmp_path):
    """A dataset named by a URL (here file://, as hdfs:// or s3a:// on a cluster) is read by
    Spark's file system, its manifest too (no second duplicate check), with equal tables."""
    paths, gdp = inputs
    done = convert_trade(paths, tmp_path / "ds")
    url = (tmp_path / "ds").resolve().as_uri()
    eng = connect("spark", spark_master="local[2]")
    from hitex.data.pipeline.read import dataset_is_checked

    assert url.startswith("file:///") and dataset_is_checked(url, eng)
    assert done.rows == 1200
    got = run_trade_pipeline(url, fmt="parquet", categories=CATEGORIES, code_system="HS",
                             gdp_pc=gdp, engine=eng)
    _same(got, on_duckdb)
    with pytest.raises(HitexError, match="Spark cannot read the Parquet dataset"):
        run_trade_pipeline(url + "-missing", fmt="parquet", categories=CATEGORIES,
                           code_system="HS", engine=eng)
    with pytest.raises(SpecificationError, match="use engine='spark'"):
        run_trade_pipeline(url, fmt="parquet", categories=CATEGORIES, code_system="HS")


def test_spark_writes_a_converted_dataset_to_a_cluster_url(inputs, on_duckdb, tmp_path):
    """convert_trade writes to a URL (file:// here, hdfs:// or s3a:// on a cluster) through
    Spark's file system: partitions, manifest, rename into place; the tables equal DuckDB's."""
    paths, gdp = inputs
    eng = connect("spark", spark_master="local[2]")
    url = (tmp_path / "remote" / "ds").resolve().as_uri()
    done = convert_trade(paths, url, engine=eng)
    assert done.path == url and done.rows == 1200
    assert (tmp_path / "remote" / "ds" / "_hitex_dataset.json").is_file()
    assert sorted(p.name for p in (tmp_path / "remote").iterdir()) == ["ds"]  # no temporary left
    local = convert_trade(paths, tmp_path / "local")
    assert done.rows_by_year == local.rows_by_year
    got = run_trade_pipeline(url, fmt="parquet", categories=CATEGORIES, code_system="HS",
                             gdp_pc=gdp, engine=eng)
    _same(got, on_duckdb)
    from hitex.errors import OutputFolderError

    with pytest.raises(OutputFolderError, match="exists; pass overwrite=True"):
        convert_trade(paths, url, engine=eng)
    again = convert_trade(paths, url, engine=eng, overwrite=True)
    assert again.rows == 1200
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="not written by hitex"):
        convert_trade(paths, stranger.resolve().as_uri(), engine=eng, overwrite=True)
    assert (stranger / "notes.txt").read_text() == "mine"
    with pytest.raises(SpecificationError, match="only engine='spark' writes there"):
        convert_trade(paths, url + "-duck")
    with pytest.raises(OutputFolderError, match="Spark cannot reach"):
        convert_trade(paths, "nosuchfs://somewhere/ds", engine=eng)


def test_an_hdfs_name_node_that_does_not_answer_fails_within_the_timeout(inputs):
    """Hadoop's client would retry a silent name node for minutes; hitex waits connect_timeout."""
    from hitex.errors import OutputFolderError

    paths, _ = inputs
    eng = connect("spark", spark_master="local[2]",
                  options=EngineOptions(connect_timeout=1.0))
    # a non-routable address: silent, or answered by something that is not a name node
    silent = "hdfs://10.255.255.1:8020/trade/baci"
    started = time.monotonic()
    with pytest.raises(OutputFolderError, match="could not be reached|Spark cannot reach"):
        convert_trade(paths, silent, engine=eng)
    with pytest.raises(HitexError, match="could not be reached|Spark cannot read"):
        run_trade_pipeline(silent, fmt="parquet", categories=CATEGORIES, code_system="HS",
                           engine=eng)
    assert time.monotonic() - started < 20
    closed = _free_port()  # nothing listens there: refused at once, named by hitex
    with pytest.raises(OutputFolderError, match="could not be reached"):
        convert_trade(paths, f"hdfs://127.0.0.1:{closed}/baci", engine=eng)
