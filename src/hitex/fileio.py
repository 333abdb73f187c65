"""Writing files safely: whole or not at all, never through a link, only inside a root.

Every file hitex writes goes through :func:`atomic_write_bytes`,
:func:`atomic_write_text` or :func:`atomic_path`: the content goes to a fresh
temporary file beside the target, is flushed to disk and then renamed over the
target. A reader therefore sees the old file or the new one, never half of
one; and because a rename replaces a symbolic link instead of following it, a
link planted under an output's name (``out/t1.txt -> /somewhere/else``) is
replaced by hitex's file while the file it pointed to stays as it was.

Paths read from files (a store index, a manifest) go through :func:`inside`,
which accepts only a plain name below a root, never an absolute path, ``..``
or a link.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from hitex.errors import HitexError

#: Prefix of the temporary files of an unfinished write (never read; safe to delete).
TMP_PREFIX = ".tmp-"
_CHUNK = 1 << 16

__all__ = ["TMP_PREFIX", "atomic_path", "atomic_write_bytes", "atomic_write_text", "inside",
           "open_lock", "plain_relative", "refuse_link"]


def write_chunks(fh: io.BufferedWriter, data: bytes) -> None:
    """Write ``data`` to ``fh`` in chunks (a function of its own so tests can make it fail)."""
    for start in range(0, len(data), _CHUNK):
        fh.write(data[start : start + _CHUNK])


def fsync_dir(folder: Path) -> None:
    """Flush a directory entry to disk where the platform allows it."""
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_mode() -> int:
    """The mode a new file gets (0666 less the umask), as ``open()`` would give it."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers never see a partial file.

    The bytes go to a temporary file in the same folder, which is flushed,
    ``fsync``-ed and then moved over ``target`` with :func:`os.replace` (a link
    at ``target`` is replaced, never followed). If anything fails, the
    temporary file is removed and ``target`` is unchanged.

    Parameters
    ----------
    target : path-like
        Final path of the file.
    data : bytes
        Full content of the file.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.name == "posix":  # mkstemp's files are private; outputs are not
                os.fchmod(fh.fileno(), _file_mode())
            write_chunks(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` for text."""
    atomic_write_bytes(target, text.encode(encoding))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """A temporary path to write ``target``'s content to; moved over ``target`` on success.

    For writers that want a file name (pandas, matplotlib)::

        with atomic_path(out / "sample.csv") as tmp:
            frame.to_csv(tmp, index=False)

    Parameters
    ----------
    target : path-like
        Final path of the file.
    suffix : str, optional
        Extension of the temporary file (default: ``target``'s), for writers
        that choose the format by it (``.csv.gz``, ``.png``).
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX,
                                    suffix=suffix if suffix is not None else target.suffix,
                                    dir=target.parent)
    if os.name == "posix":
        os.fchmod(fd, _file_mode())
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def plain_relative(name: object) -> PurePosixPath | None:
    """``name`` as a relative path with no ``..``, no drive and no root, else ``None``."""
    if not isinstance(name, str) or not name or "\x00" in name:
        return None
    if PureWindowsPath(name).drive or PureWindowsPath(name).root:
        return None
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or not path.parts:
        return None
    return path


def inside(root: Path, name: object) -> Path | None:
    """The path of ``name`` below ``root``, or ``None`` when it could leave ``root``.

    ``name`` comes from a file hitex reads (an index, a manifest): it must be a
    plain relative path, and neither it nor any folder on the way may be a
    symbolic link, so that resolving it cannot lead out of ``root``.
    """
    rel = plain_relative(name)
    if rel is None:
        return None
    path = root
    for part in rel.parts:
        path = path / part
        if path.is_symlink():
            return None
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return path


def refuse_link(path: Path, what: str) -> None:
    """Raise a :class:`~hitex.errors.HitexError` when ``path`` is a symbolic link."""
    if path.is_symlink():
        raise HitexError(f"{what} {path} is a symbolic link (to {os.readlink(path)}); hitex does "
                         "not write through links. Remove the link or choose another folder.")


@contextlib.contextmanager
def open_lock(path: Path) -> Iterator[int]:
    """Open (creating it) a lock file without following a link; yield its descriptor."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as err:
        raise HitexError(f"cannot open the lock file {path} ({err.strerror}); if it is a link, "
                         "remove it.") from err
    try:
        yield fd
    finally:
        os.close(fd)
