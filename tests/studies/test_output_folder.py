"""A run's outputs appear whole or not at all: kills, interruptions, two runs at once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from hitex.errors import OutputFolderError
from hitex.studies.output import MANIFEST_FORMAT, owned_files, publish, sha256

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and locks as on POSIX")

SCRIPT = """
import sys
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study
import json
doc = json.loads(sys.argv[1])
run_study(parse_study(doc), sys.argv[2], data_dir=sys.argv[3])
"""


def _doc(tmp_path: Path, tables: int, tag: str) -> dict:
    data = tmp_path / "panel.csv"
    if not data.exists():
        pd.DataFrame({"iso3": ["A", "A", "B", "B"], "year": [2000, 2001, 2000, 2001],
                      "y": [1.0, 2.0, 3.0, 5.0]}).to_csv(data, index=False)
    return {"name": "tiny", "title": f"Tiny {tag}",
            "data": {"years": [2000, 2001], "sources": [{"kind": "file", "path": str(data)}]},
            "tables": [{"name": f"{tag}{k}", "kind": "descriptive", "variables": ["y"]}
                       for k in range(tables)]}


def _whole(out: Path) -> str | None:
    """The tag of the run whose outputs fill ``out`` (None when absent); fails when mixed."""
    if not out.exists():
        return None
    owned, foreign = owned_files(out)
    assert not foreign, f"files of no complete run: {foreign}"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == MANIFEST_FORMAT
    assert set(manifest["outputs"]) == set(owned) - {"manifest.json"}
    tags = {re.sub(r"\d+\.txt$", "", name) for name in manifest["outputs"]
            if re.fullmatch(r"[ab]\d+\.txt", name)}
    assert len(tags) == 1
    return tags.pop()


def test_a_killed_run_leaves_the_previous_outputs_whole(tmp_path, data_dir):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    first = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(_doc(tmp_path, 40, "a")),
                            str(out), str(data_dir)], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert _whole(out) == "a"
    seen = set()
    for delay in (0.45, 0.55, 0.62, 0.68, 0.74, 0.8, 0.9):
        for sig in (signal.SIGKILL, signal.SIGINT):
            proc = subprocess.Popen([sys.executable, "-c", SCRIPT,
                                     json.dumps(_doc(tmp_path, 40, "b")), str(out),
                                     str(data_dir)], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(sig)
            proc.wait()
            seen.add(_whole(out))  # the previous run's outputs or the new run's, whole
    assert seen <= {"a", "b"}
    last = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(_doc(tmp_path, 40, "a")),
                           str(out), str(data_dir)], env=env, capture_output=True, text=True)
    assert last.returncode == 0, last.stderr
    assert _whole(out) == "a"
    assert not list(tmp_path.glob(".out.hitex-new-*"))  # what killed runs left is cleaned


def test_a_failing_build_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "out"

    def good(stage: Path) -> list[Path]:
        (stage / "t.txt").write_text("old", encoding="utf-8")
        manifest = {"format": MANIFEST_FORMAT, "outputs": ["t.txt"],
                    "output_checksums": {"t.txt": sha256(stage / "t.txt")}}
        (stage / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return [stage / "t.txt", stage / "manifest.json"]

    def bad(stage: Path) -> list[Path]:
        (stage / "t.txt").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    publish(out, good)
    with pytest.raises(KeyboardInterrupt):
        publish(out, bad)
    assert (out / "t.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.hitex.lock", "out"]


def test_two_runs_into_one_folder(tmp_path):
    out = tmp_path / "out"
    started = threading.Event()

    def slow(stage: Path) -> list[Path]:
        started.set()
        time.sleep(1.0)
        return []

    first = threading.Thread(target=publish, args=(out, slow), kwargs={"describe": "study one"})
    first.start()
    started.wait(5)
    with pytest.raises(OutputFolderError, match=r"another hitex run is writing to .*study one"):
        publish(out, lambda stage: [], describe="study two")
    first.join()
    publish(out, lambda stage: [])  # the lock is free again


def test_an_interrupted_exchange_is_undone_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / ".out.hitex-old"
    old.mkdir()
    (old / "t.txt").write_text("previous", encoding="utf-8")
    stale = tmp_path / ".out.hitex-new-0123456789ab"
    stale.mkdir()
    (stale / "t.txt").write_text("half", encoding="utf-8")
    other = tmp_path / ".out.hitex-new-mine"  # not a name hitex gives: left alone
    other.mkdir()
    seen: list[str] = []

    def build(stage: Path) -> list[Path]:
        seen.append((out / "t.txt").read_text(encoding="utf-8"))
        return []

    with pytest.raises(OutputFolderError, match="did not write"):  # restored, and not hitex's
        publish(out, build)
    assert (out / "t.txt").read_text(encoding="utf-8") == "previous"
    assert not stale.exists() and not old.exists() and other.is_dir()
