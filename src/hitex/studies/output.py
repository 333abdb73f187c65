"""A study's output folder: written whole or not at all, and only where hitex owns it.

:func:`publish` gives the study's writer a fresh staging folder beside the
output folder, then puts the finished set of files in place:

* **Atomic.** When the output folder holds only hitex's files, the staging
  folder and the output folder are exchanged in one step (Linux
  ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, and a run that is
  killed between them is completed by the next run). A run that is killed,
  interrupted or fails leaves the previous outputs as they were.
* **Owned files only.** A folder is hitex's when its ``manifest.json`` has the
  format marker :data:`MANIFEST_FORMAT` and the checksum of every file it
  wrote. Files the manifest does not list, or that changed since (another
  checksum), are the user's: a folder holding such files is refused unless
  ``force=True``, and then hitex writes beside them, file by file (each file
  whole), and never replaces or deletes them.
* **One run at a time.** A lock beside the folder (``.NAME.hitex.lock``)
  makes a second run into the same folder stop with a message naming the
  first.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from hitex.errors import OutputFolderError
from hitex.fileio import open_lock

#: The format marker of hitex's manifest.
MANIFEST_FORMAT = "hitex-study-output/1"
MANIFEST = "manifest.json"

__all__ = ["MANIFEST", "MANIFEST_FORMAT", "OutputFolderError", "owned_files", "publish", "sha256"]


def sha256(path: Path) -> str:
    """The SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    """Every entry below ``folder`` that is not a folder, as relative POSIX paths (links too)."""
    out = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        base = Path(root)
        out += [(base / n).relative_to(folder).as_posix() for n in names]
        out += [(base / d).relative_to(folder).as_posix() for d in dirs
                if (base / d).is_symlink()]
    return sorted(out)


def owned_files(folder: Path) -> tuple[dict[str, str], list[str]]:
    """The files hitex wrote into ``folder`` (unchanged since) and the others.

    Returns
    -------
    (dict, list)
        ``{relative path: sha256}`` of the files that a hitex manifest lists
        with the checksum they still have, and the relative paths of every
        other file (the manifest itself counts as owned when it is hitex's).
    """
    if not folder.is_dir():
        return {}, []
    present = _files(folder)
    listed: dict[str, str] = {}
    manifest = folder / MANIFEST
    if manifest.is_file() and not manifest.is_symlink():
        try:
            content = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            content = None
        sums = content.get("output_checksums") if isinstance(content, dict) else None
        if (isinstance(content, dict) and content.get("format") == MANIFEST_FORMAT
                and isinstance(sums, dict)):
            listed = {str(k): str(v) for k, v in sums.items()}
    owned: dict[str, str] = {}
    for rel in present:
        path = folder / rel
        if rel in listed and path.is_file() and not path.is_symlink() and sha256(path) == listed[rel]:
            owned[rel] = listed[rel]
    if listed:
        owned[MANIFEST] = ""
    others = [rel for rel in present if rel not in owned]
    return owned, others


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where that is not available."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    res = renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange)
    return res == 0


@contextlib.contextmanager
def _locked(out: Path, describe: str) -> Iterator[None]:
    """Hold the folder's lock; stop with a message naming the run that holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock = out.parent / f".{out.name}.hitex.lock"
    with open_lock(lock) as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another run"
            raise OutputFolderError(
                f"another hitex run is writing to {out} ({holder}). Wait until it has finished, "
                "or write to another folder with --out.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"pid {os.getpid()}, {describe}, started "
                       f"{datetime.now(UTC).isoformat(timespec='seconds')}").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)


def _recover(out: Path) -> None:
    """Finish or undo what a killed run left: a moved-away folder, staging folders."""
    old = out.parent / f".{out.name}.hitex-old"
    if old.is_dir() and not old.is_symlink():
        if not out.exists():
            os.replace(old, out)  # killed between the two renames: the previous outputs return
        else:
            shutil.rmtree(old)
    pattern = re.compile(rf"\.{re.escape(out.name)}\.hitex-new-[0-9a-f]{{12}}")
    for path in out.parent.glob(f".{out.name}.hitex-new-*"):  # staging folders (held lock: ours)
        if pattern.fullmatch(path.name) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)


def publish(out: Path, build: Callable[[Path], list[Path]], *, force: bool = False,
            describe: str = "a study") -> list[Path]:
    """Write a study's outputs into ``out`` through a staging folder.

    Parameters
    ----------
    out : Path
        The output folder (created when needed; a link to a folder is followed
        once, to the folder it names).
    build : callable
        ``build(staging) -> files``: writes every output into the empty folder
        ``staging`` (the manifest last) and returns the files written.
    force : bool, default False
        Write into a folder that holds files hitex did not write (they are
        kept, never replaced).
    describe : str
        What runs, for the lock's message ("study trade-facilitation").

    Returns
    -------
    list of Path
        The outputs in ``out``.

    Raises
    ------
    OutputFolderError
        When ``out`` is a file, holds foreign files (without ``force``), would
        have a foreign file replaced, or another run writes to it.
    """
    if out.is_symlink() and out.is_dir():
        out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"the output folder {out} is a file; give a folder name with "
                                "--out (it is created if needed).")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputFolderError(f"cannot create the folder {out.parent} ({err.strerror}); choose "
                                "another --out.") from None
    if not os.access(out.parent, os.W_OK):
        raise OutputFolderError(f"no permission to write in {out.parent}; choose another --out.")
    with _locked(out, describe):
        _recover(out)
        owned, foreign = owned_files(out)
        if foreign and not force:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise OutputFolderError(
                f"the output folder {out} holds {len(foreign)} file(s) that hitex did not write "
                f"or that were changed since ({shown}). Choose an empty or new folder with --out, "
                "or pass --force to write beside them (hitex never replaces them).")
        staging = out.parent / f".{out.name}.hitex-new-{uuid.uuid4().hex[:12]}"
        staging.mkdir()
        try:
            files = [Path(f).relative_to(staging).as_posix() for f in build(staging)]
            if not foreign:
                _swap(out, staging)
            else:
                _beside(out, staging, files, owned, foreign)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return [out / f for f in files]


def _swap(out: Path, staging: Path) -> None:
    """Put the staging folder in the place of ``out`` (which holds only hitex's files)."""
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now the previous outputs
        return
    old = out.parent / f".{out.name}.hitex-old"
    os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old)


def _beside(out: Path, staging: Path, files: list[str], owned: dict[str, str],
            foreign: list[str]) -> None:
    """Move the new files into a folder that also holds the user's files, file by file."""
    clash = [f for f in files if f in foreign]
    if clash:
        raise OutputFolderError(
            f"the output folder {out} holds file(s) that hitex did not write under the names of "
            f"its outputs ({', '.join(clash[:5])}); hitex does not replace them. Move them, or "
            "choose another --out.")
    manifest = [f for f in files if f == MANIFEST]
    for rel in [f for f in files if f != MANIFEST] + manifest:  # the manifest last
        target = out / rel
        for parent in reversed(target.relative_to(out).parents[:-1]):
            folder = out / parent
            if folder.is_symlink():
                raise OutputFolderError(f"{folder} is a link; hitex does not write through "
                                        "links. Remove it or choose another --out.")
            folder.mkdir(exist_ok=True)
        os.replace(staging / rel, target)
    for rel in owned:  # the previous run's outputs that this run did not write
        if rel not in files and rel != MANIFEST:
            with contextlib.suppress(OSError):
                (out / rel).unlink()
