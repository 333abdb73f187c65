"""hitex writes only what it owns: never through a link, never outside its folders.

A link planted in an output folder under an output's name must not change the
file it points to; a manifest or store index that names paths outside its
folder (``../x``, an absolute path, a link) is never acted on.
"""

from __future__ import annotations

import json
import os
import warnings

import pandas as pd
import pytest

from hitex.data.files import write_table_file
from hitex.data.store import Store
from hitex.errors import DataCoverageWarning, HitexError, OutputFolderError
from hitex.fileio import atomic_path, atomic_write_text, inside, plain_relative
from hitex.report.tables import frame_table
from hitex.report.writers import write_table
from hitex.studies.runner import run_study
from hitex.studies.spec import parse_study

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links as on POSIX")


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_text("the user's own file\n", encoding="utf-8")
    return path


def _unchanged(victim) -> bool:
    return victim.read_text(encoding="utf-8") == "the user's own file\n"


def _study(tmp_path):
    data = tmp_path / "study" / "panel.csv"
    data.parent.mkdir(exist_ok=True)
    pd.DataFrame({"iso3": ["A", "A", "B", "B"], "year": [2000, 2001, 2000, 2001],
                  "y": [1.0, 2.0, 3.0, 5.0]}).to_csv(data, index=False)
    doc = {"name": "tiny", "title": "Tiny",
           "data": {"years": [2000, 2001], "sources": [{"kind": "file", "path": str(data)}]},
           "tables": [{"name": "t1", "kind": "descriptive", "variables": ["y"]}]}
    return parse_study(doc)


@pytest.mark.parametrize("name", ["t1.txt", "t1.md", "sample.csv", "results.json", "summary.md",
                                  "manifest.json"])
def test_a_link_under_an_output_name_is_never_followed(tmp_path, victim, data_dir, name):
    out = tmp_path / "out"
    run_study(_study(tmp_path), out, data_dir=data_dir)  # a folder of hitex's own
    (out / name).unlink()
    (out / name).symlink_to(victim)  # planted under an output's name
    for force in (False, True):
        with pytest.raises(OutputFolderError, match="did not write"):
            run_study(_study(tmp_path), out, data_dir=data_dir, force=force)
    assert _unchanged(victim) and (out / name).is_symlink()


def test_a_foreign_manifest_is_never_acted_on(tmp_path, victim, data_dir):
    out = tmp_path / "out"
    out.mkdir()
    (out / "link.txt").symlink_to(victim)
    (out / "manifest.json").write_text(json.dumps(
        {"outputs": ["../elsewhere/precious.txt", str(victim), "link.txt", "t1.txt"],
         "output_checksums": {"link.txt": "0"}}), encoding="utf-8")
    with pytest.raises(OutputFolderError, match="did not write"):
        run_study(_study(tmp_path), out, data_dir=data_dir)
    with pytest.raises(OutputFolderError, match=r"under the names of its outputs \(manifest"):
        run_study(_study(tmp_path), out, data_dir=data_dir, force=True)
    assert _unchanged(victim)
    assert (out / "link.txt").is_symlink() and sorted(p.name for p in out.iterdir()) == [
        "link.txt", "manifest.json"]


def test_force_writes_beside_the_users_files_and_keeps_them(tmp_path, data_dir):
    out = tmp_path / "out"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    run_study(_study(tmp_path), out, data_dir=data_dir, force=True)
    run_study(_study(tmp_path), out, data_dir=data_dir, force=True)
    assert keep.read_text(encoding="utf-8") == "mine" and (out / "t1.txt").is_file()


def test_an_output_the_user_changed_is_kept_and_reported(tmp_path, data_dir):
    out = tmp_path / "out"
    run_study(_study(tmp_path), out, data_dir=data_dir)
    (out / "t1.txt").write_text("edited by hand", encoding="utf-8")
    with pytest.raises(OutputFolderError, match=r"t1\.txt"):
        run_study(_study(tmp_path), out, data_dir=data_dir)
    assert (out / "t1.txt").read_text(encoding="utf-8") == "edited by hand"


def test_a_linked_figures_folder_is_refused(tmp_path):
    from hitex.fileio import refuse_link

    (tmp_path / "figures").symlink_to(tmp_path)
    with pytest.raises(HitexError, match="symbolic link"):
        refuse_link(tmp_path / "figures", "the figures folder")


def test_table_and_file_writers_replace_links(tmp_path, victim):
    table = frame_table(pd.DataFrame({"a": [1]}), title="T")
    (tmp_path / "t.txt").symlink_to(victim)
    write_table(table, tmp_path / "t", formats=("txt",))
    (tmp_path / "f.csv").symlink_to(victim)
    write_table_file(pd.DataFrame({"a": [1]}), tmp_path / "f.csv")
    assert _unchanged(victim)
    assert pd.read_csv(tmp_path / "f.csv")["a"].tolist() == [1]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.csv"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("killed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "..", "", "C:\\x", None, 3])
def test_paths_from_files_stay_inside_their_root(tmp_path, name):
    assert inside(tmp_path, name) is None
    assert plain_relative(name) is None


def test_inside_refuses_a_link_on_the_way(tmp_path, victim):
    (tmp_path / "sub").symlink_to(victim.parent)
    assert inside(tmp_path, "sub/precious.txt") is None
    (tmp_path / "ok").mkdir()
    assert inside(tmp_path, "ok/a.txt") == tmp_path / "ok" / "a.txt"


def _tamper(store: Store, key: str, file: str) -> None:
    index = json.loads(store.index_path.read_text(encoding="utf-8"))
    index["entries"][key]["file"] = file
    store.index_path.write_text(json.dumps(index), encoding="utf-8")


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "link"])
def test_a_tampered_store_index_is_reported_and_never_acted_on(tmp_path, victim, kind):
    store = Store(tmp_path / "store")
    store.put("k", pd.DataFrame({"x": [1]}))
    store.put("other", pd.DataFrame({"x": [2]}))
    if kind == "dotdot":
        file = os.path.relpath(victim, store.root)
    elif kind == "absolute":
        file = str(victim)
    else:
        link = store.root / "evil-0123456789ab-0123456789abcdef.parquet"
        link.symlink_to(victim)
        file = link.name
    _tamper(store, "k", file)
    with pytest.warns(DataCoverageWarning, match="not a data file of this store"):
        assert store.get("k") is None
    store.put("k", pd.DataFrame({"x": [3]}))  # replacing the entry never deletes its old "file"
    _tamper(store, "k", file)
    assert store.delete("k")
    store.clean()
    assert _unchanged(victim)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert store.get("other")["x"].tolist() == [2]


def test_a_linked_store_lock_is_not_followed(tmp_path, victim):
    store = Store(tmp_path / "store")
    (store.root / ".lock").symlink_to(victim)
    with pytest.raises(HitexError, match="lock file"):
        store.put("k", pd.DataFrame({"x": [1]}))
    assert _unchanged(victim)
