"""Tests of the local Parquet store: round trip, index, atomic writes."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from hitex import _paths, fileio
from hitex.data import store as store_mod
from hitex.data.store import Store
from hitex.errors import DataCoverageWarning, DataFormatError, HitexError


@pytest.fixture
def old_df() -> pd.DataFrame:
    return pd.DataFrame({"iso3": ["CHN", "USA"], "year": [2010, 2010], "value": [1.5, 2.5]})


@pytest.fixture
def new_df() -> pd.DataFrame:
    return pd.DataFrame({"iso3": ["CHN"] * 3, "year": [2011, 2012, 2013], "value": [9.0, 8.0, 7.0]})


def _visible_files(root):
    return sorted(p.name for p in root.iterdir())


def test_round_trip_and_index(tmp_path, old_df):
    store = Store(tmp_path / "s")
    entry = store.put(
        "wdi/demo", old_df, {"source": "test", "parameters": {"years": range(2010, 2012)}}
    )
    pd.testing.assert_frame_equal(store.get("wdi/demo"), old_df)
    info = store.info("wdi/demo")
    assert info == entry
    assert info["source"] == "test"
    assert info["parameters"] == {"years": [2010, 2011]}
    assert info["rows"] == 2 and info["columns"] == ["iso3", "year", "value"]
    raw = (tmp_path / "s" / info["file"]).read_bytes()
    assert info["sha256"] == hashlib.sha256(raw).hexdigest()
    assert info["fetched_at"].startswith("20")
    assert store.keys() == ["wdi/demo"] and "wdi/demo" in store and len(store) == 1
    index = json.loads((tmp_path / "s" / "index.json").read_text())
    assert index["entries"]["wdi/demo"]["sha256"] == info["sha256"]
    # a second Store on the same folder sees the same data
    pd.testing.assert_frame_equal(Store(tmp_path / "s").get("wdi/demo"), old_df)


def test_missing_key_and_delete(tmp_path, old_df):
    store = Store(tmp_path)
    assert store.get("nope") is None and store.info("nope") is None
    store.put("a", old_df)
    file = tmp_path / store.info("a")["file"]
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert store.keys() == [] and not file.exists()


def test_default_root_is_under_cache_dir(old_df):
    store = Store()
    assert store.root == _paths.cache_dir() / "store"
    store.put("k", old_df)
    assert (store.root / "index.json").exists()


def test_replace_removes_old_file(tmp_path, old_df, new_df):
    store = Store(tmp_path)
    first = store.put("k", old_df)["file"]
    second = store.put("k", new_df)["file"]
    assert first != second
    assert not (tmp_path / first).exists()
    pd.testing.assert_frame_equal(store.get("k"), new_df)


def test_crash_mid_write_keeps_old_value(tmp_path, monkeypatch, old_df, new_df):
    store = Store(tmp_path)
    store.put("k", old_df)
    before = _visible_files(tmp_path)

    def write_half_then_fail(fh, data):
        fh.write(data[: len(data) // 2])
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(fileio, "write_chunks", write_half_then_fail)
    with pytest.raises(OSError, match="simulated"):
        store.put("k", new_df)
    monkeypatch.undo()

    pd.testing.assert_frame_equal(store.get("k"), old_df)
    assert _visible_files(tmp_path) == before  # temp file removed, nothing new
    assert not any(n.startswith(store_mod.TMP_PREFIX) for n in _visible_files(tmp_path))


def test_crash_while_writing_index_keeps_old_value(tmp_path, monkeypatch, old_df, new_df):
    store = Store(tmp_path)
    store.put("k", old_df)
    real = fileio.write_chunks
    calls = {"n": 0}

    def fail_on_second_file(fh, data):  # 1st: the Parquet file, 2nd: the index
        calls["n"] += 1
        if calls["n"] == 2:
            fh.write(data[:10])
            raise OSError("power cut (simulated)")
        real(fh, data)

    monkeypatch.setattr(fileio, "write_chunks", fail_on_second_file)
    with pytest.raises(OSError, match="power cut"):
        store.put("k", new_df)
    monkeypatch.undo()

    pd.testing.assert_frame_equal(store.get("k"), old_df)
    # the complete but unindexed new Parquet file is not picked up, and clean() removes it
    orphans = [p for p in tmp_path.glob("*.parquet") if p.name != store.info("k")["file"]]
    assert len(orphans) == 1
    assert store.clean() == orphans
    pd.testing.assert_frame_equal(store.get("k"), old_df)


def test_leftover_partial_files_are_ignored(tmp_path, old_df, new_df):
    """A hard crash (no cleanup) leaves a partial temp file; readers never see it."""
    store = Store(tmp_path)
    store.put("k", old_df)
    buf = new_df.to_parquet()
    partial = tmp_path / f"{store_mod.TMP_PREFIX}abc.part"
    partial.write_bytes(buf[: len(buf) // 3])
    (tmp_path / "k-000000000000-deadbeefdeadbeef.parquet").write_bytes(buf[:20])
    assert store.keys() == ["k"]
    pd.testing.assert_frame_equal(store.get("k"), old_df)
    removed = {p.name for p in store.clean()}
    assert partial.name in removed and "k-000000000000-deadbeefdeadbeef.parquet" in removed
    pd.testing.assert_frame_equal(store.get("k"), old_df)


def test_corrupted_file_is_treated_as_missing(tmp_path, old_df):
    store = Store(tmp_path)
    store.put("k", old_df)
    path = tmp_path / store.info("k")["file"]
    path.write_bytes(path.read_bytes()[:-5] + b"xxxxx")
    with pytest.warns(DataCoverageWarning, match="sha256"):
        assert store.get("k") is None
    path.unlink()
    with pytest.warns(DataCoverageWarning, match="missing"):
        assert store.get("k") is None


def test_bad_input_raises_hitex_errors(tmp_path, old_df):
    store = Store(tmp_path)
    with pytest.raises(HitexError, match="DataFrame"):
        store.put("k", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(HitexError, match="non-empty string"):
        store.put("", old_df)
    with pytest.raises(HitexError, match="JSON"):
        store.put("k", old_df, {"parameters": {"f": object()}})
    assert store.keys() == []


def test_unreadable_index_names_the_file(tmp_path, old_df):
    store = Store(tmp_path)
    store.put("k", old_df)
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(DataFormatError, match="index.json"):
        store.get("k")
