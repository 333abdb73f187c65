"""A local store for data that live connectors fetch.

Each stored item is a :class:`pandas.DataFrame` saved as one Parquet file, plus
one entry in a small JSON index (``index.json``) that records what is stored::

    key          the caller's name for the item (any string)
    file         the Parquet file that holds it (inside the store folder)
    source       where the data came from, e.g. ``"wbgapi"``
    fetched_at   when it was fetched (UTC, ISO 8601)
    parameters   the request that produced it (JSON)
    sha256       checksum of the Parquet file
    rows, columns

The store lives under :func:`hitex._paths.cache_dir` (``HITEX_CACHE_DIR`` or the
user cache folder) unless another ``root`` is given.

Writes are atomic. Data files are written to a temporary file in the store
folder, flushed and ``fsync``-ed, then moved into place with :func:`os.replace`;
the index is replaced the same way, and only after the new data file is
complete. Data file names carry their checksum, so the index always points at
a complete file: after a crash at any point a reader sees either the old value
or the new one, never a half-written file. Temporary files (``.tmp-*``) left by
a crash are never read and are removed by :meth:`Store.clean`.

Examples
--------
>>> import pandas as pd
>>> from hitex.data.store import Store
>>> store = Store(tmp_path)  # doctest: +SKIP
>>> store.put("wdi/demo", pd.DataFrame({"x": [1, 2]}), {"source": "demo"})  # doctest: +SKIP
>>> store.get("wdi/demo")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hitex import _paths
from hitex.errors import DataCoverageWarning, DataFormatError, HitexError
from hitex.fileio import TMP_PREFIX, atomic_write_bytes, inside, open_lock

INDEX_NAME = "index.json"
_INDEX_VERSION = 1
#: The names of the data files the store writes (``<slug>-<key hash>-<sha256>.parquet``).
_OWN_FILE = re.compile(r"[A-Za-z0-9._-]+-[0-9a-f]{12}-[0-9a-f]{16}\.parquet")

__all__ = ["Store", "default_store"]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (no-op where unsupported)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open_lock(path) as fd:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _slug(key: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")
    return slug[:60] or "item"


def _json_ready(value: Any, where: str) -> Any:
    try:
        return json.loads(json.dumps(value, default=_json_default))
    except (TypeError, ValueError) as err:
        raise HitexError(
            f"Store metadata {where} is not JSON-serialisable ({err}). Pass plain strings, "
            "numbers, lists and dicts in meta['parameters']."
        ) from err


def _json_default(value: Any) -> Any:
    if isinstance(value, range):
        return list(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} object is not JSON-serialisable")


class Store:
    """Parquet files plus a JSON index, kept in one folder.

    Parameters
    ----------
    root : path-like, optional
        Folder of the store. Default: ``<cache_dir>/store`` where ``cache_dir``
        is :func:`hitex._paths.cache_dir` (``HITEX_CACHE_DIR`` wins).

    Notes
    -----
    Several processes may share a store: :meth:`put` and :meth:`delete` take an
    advisory file lock while they update the index (POSIX only).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else _paths.cache_dir() / "store"
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # ------------------------------------------------------------------ index
    @property
    def index_path(self) -> Path:
        """Path of the JSON index file."""
        return self.root / INDEX_NAME

    def _read_index(self) -> dict[str, dict[str, Any]]:
        path = self.index_path
        if not path.exists():
            return {}
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            entries = payload["entries"]
            if not isinstance(entries, dict):
                raise TypeError("'entries' is not an object")
        except (ValueError, KeyError, TypeError) as err:
            raise DataFormatError(
                f"Store index {path} is unreadable ({err}). Delete it (and the Parquet files "
                "beside it) to empty the cache; live data will be fetched again."
            ) from err
        return entries

    def _write_index(self, entries: dict[str, dict[str, Any]]) -> None:
        payload = {"version": _INDEX_VERSION, "entries": entries}
        text = json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False)
        atomic_write_bytes(self.index_path, text.encode("utf-8"))

    # ------------------------------------------------------------------- API
    def keys(self) -> list[str]:
        """Return the stored keys, sorted."""
        return sorted(self._read_index())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._read_index()

    def __len__(self) -> int:
        return len(self._read_index())

    def info(self, key: str) -> dict[str, Any] | None:
        """Return the index entry of ``key`` or ``None`` if it is not stored.

        Parameters
        ----------
        key : str
            Name of the item.

        Returns
        -------
        dict or None
            ``key, file, source, fetched_at, parameters, sha256, rows,
            columns`` and any extra metadata given to :meth:`put`.
        """
        entry = self._read_index().get(key)
        return None if entry is None else {"key": key, **entry}

    def put(
        self, key: str, df: pd.DataFrame, meta: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Store ``df`` under ``key``, replacing any earlier value atomically.

        Parameters
        ----------
        key : str
            Name of the item (any non-empty string).
        df : pandas.DataFrame
            Data to store (saved as Parquet with pyarrow).
        meta : mapping, optional
            ``source`` (str), ``parameters`` (JSON-serialisable), ``fetched_at``
            (ISO 8601 text or datetime; default: now, UTC); other keys are kept
            under ``extra``.

        Returns
        -------
        dict
            The new index entry (as :meth:`info` returns it).
        """
        if not isinstance(key, str) or not key:
            raise HitexError(f"Store key must be a non-empty string, got {key!r}.")
        if not isinstance(df, pd.DataFrame):
            raise HitexError(
                f"Store.put({key!r}) needs a pandas DataFrame, got {type(df).__name__}."
            )
        meta = dict(meta or {})
        fetched_at = meta.pop("fetched_at", None) or datetime.now(UTC)
        if isinstance(fetched_at, datetime):
            fetched_at = fetched_at.isoformat(timespec="seconds")
        source = str(meta.pop("source", ""))
        parameters = _json_ready(meta.pop("parameters", {}), "'parameters'")
        extra = _json_ready(meta, "extra keys") if meta else {}

        buffer = io.BytesIO()
        try:
            df.to_parquet(buffer, engine="pyarrow")
        except (ValueError, TypeError, ImportError) as err:
            raise HitexError(
                f"Store.put({key!r}): the DataFrame cannot be written as Parquet ({err}). "
                "Give mixed-type object columns one type (e.g. df[col].astype(str))."
            ) from err
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        key_hash = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
        filename = f"{_slug(key)}-{key_hash}-{digest[:16]}.parquet"

        entry: dict[str, Any] = {
            "file": filename,
            "source": source,
            "fetched_at": str(fetched_at),
            "parameters": parameters,
            "sha256": digest,
            "rows": int(len(df)),
            "columns": [str(c) for c in df.columns],
        }
        if extra:
            entry["extra"] = extra

        with _locked(self.root / ".lock"):
            atomic_write_bytes(self.root / filename, data)
            entries = self._read_index()
            old = entries.get(key)
            entries[key] = entry
            self._write_index(entries)
            if old is not None and old.get("file") != filename:
                self._remove_unreferenced(old.get("file"), entries)
        return {"key": key, **entry}

    def get(self, key: str) -> pd.DataFrame | None:
        """Return the DataFrame stored under ``key``, or ``None`` if absent.

        The file's checksum is verified; a file that is missing or does not
        match the index is treated as absent and a
        :class:`~hitex.errors.DataCoverageWarning` names it.
        """
        entry = self._read_index().get(key)
        if entry is None:
            return None
        path = self._entry_path(key, entry)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            warnings.warn(
                f"Store entry {key!r} points at {path}, which is missing; treating it as not "
                "cached. Store.delete(key) removes the entry.",
                DataCoverageWarning,
                stacklevel=2,
            )
            return None
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            warnings.warn(
                f"Store file {path} (key {key!r}) does not match its sha256 in {INDEX_NAME}; "
                "treating it as not cached. Store.delete(key) removes it.",
                DataCoverageWarning,
                stacklevel=2,
            )
            return None
        return pd.read_parquet(io.BytesIO(data), engine="pyarrow")

    def delete(self, key: str) -> bool:
        """Remove ``key`` and its file; return whether it was stored."""
        with _locked(self.root / ".lock"):
            entries = self._read_index()
            old = entries.pop(key, None)
            if old is None:
                return False
            self._write_index(entries)
            self._remove_unreferenced(old.get("file"), entries)
        return True

    def clean(self) -> list[Path]:
        """Remove temporary files left by interrupted writes and unindexed Parquet files.

        Returns
        -------
        list of pathlib.Path
            The files removed.
        """
        removed: list[Path] = []
        with _locked(self.root / ".lock"):
            referenced = {e.get("file") for e in self._read_index().values()}
            for path in self.root.iterdir():
                stray_tmp = path.name.startswith(TMP_PREFIX)
                stray_parquet = path.suffix == ".parquet" and path.name not in referenced
                if not path.is_symlink() and path.is_file() and (stray_tmp or stray_parquet):
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(path)
        return removed

    def _entry_path(self, key: str, entry: Any) -> Path | None:
        """The data file of an index entry, or ``None`` (with a warning) if it is not the store's.

        Only a plain file name of the store's own form, in the store folder and
        not a link, is accepted: a tampered index (``"../x"``, an absolute path,
        a link) is reported and ignored, never read, replaced or deleted.
        """
        name = entry.get("file") if isinstance(entry, dict) else None
        path = inside(self.root, name) if _OWN_FILE.fullmatch(str(name)) else None
        if path is None or path.parent != self.root:
            warnings.warn(
                f"Store entry {key!r} in {self.index_path} names the file {name!r}, which is not "
                "a data file of this store (a path outside it, or a link); it is ignored and "
                "left alone. Store.delete(key) removes the entry.",
                DataCoverageWarning,
                stacklevel=3,
            )
            return None
        return path

    def _remove_unreferenced(self, filename: str | None, entries: Mapping[str, Any]) -> None:
        if not filename or any(e.get("file") == filename for e in entries.values()):
            return
        path = inside(self.root, filename) if _OWN_FILE.fullmatch(str(filename)) else None
        if path is None or path.parent != self.root or not path.is_file():
            return  # not a file of this store: never deleted
        with contextlib.suppress(OSError):
            path.unlink()


def default_store() -> Store:
    """Return the store in hitex's cache folder (``<cache_dir>/store``)."""
    return Store()
