"""Where hitex finds the embedded data bundle and keeps its cache.

Resolution order for the raw-data bundle (the folder that holds ``wdi/``,
``wef_gcr/`` ...):

1. an explicit ``data_dir`` argument (the CLI's ``--data-dir``);
2. the ``HITEX_DATA_DIR`` environment variable;
3. a folder ``shared/data/raw`` next to the working directory or next to the
   installed package, found by walking up their parent folders.

When none exists, :class:`~hitex.errors.DataNotFoundError` names both ways to
point hitex at the data.
"""

from __future__ import annotations

import os
from pathlib import Path

from hitex.errors import DataNotFoundError

ENV_DATA_DIR = "HITEX_DATA_DIR"
ENV_REFERENCE_DIR = "HITEX_REFERENCE_DIR"
ENV_CACHE_DIR = "HITEX_CACHE_DIR"

_MARKERS = ("wdi", "wef_gcr")


def _ancestors(start: Path) -> list[Path]:
    start = start.resolve()
    return [start, *start.parents]


def _search(relative: str) -> Path | None:
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    seen: set[Path] = set()
    for start in starts:
        for folder in _ancestors(start):
            if folder in seen:
                continue
            seen.add(folder)
            candidate = folder / relative
            if candidate.is_dir():
                return candidate
    return None


def _is_bundle(path: Path) -> bool:
    return path.is_dir() and any((path / m).is_dir() for m in _MARKERS)


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the raw-data bundle folder.

    Parameters
    ----------
    explicit : path-like, optional
        A folder given by the caller; it wins over everything else.

    Returns
    -------
    pathlib.Path
        The folder holding the dataset sub-folders.

    Raises
    ------
    DataNotFoundError
        If no bundle is found; the message names ``--data-dir`` and
        ``HITEX_DATA_DIR``.
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not _is_bundle(path):
            raise DataNotFoundError(
                f"--data-dir {path} is not a hitex data bundle (expected sub-folders such as "
                f"'wdi/' and 'wef_gcr/'). Point --data-dir or the {ENV_DATA_DIR} environment "
                "variable at the folder that holds them."
            )
        return path
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        path = Path(env).expanduser()
        if not _is_bundle(path):
            raise DataNotFoundError(
                f"{ENV_DATA_DIR}={env} is not a hitex data bundle (expected sub-folders such as "
                "'wdi/' and 'wef_gcr/'). Fix the variable or pass --data-dir."
            )
        return path
    found = _search("shared/data/raw")
    if found is not None and _is_bundle(found):
        return found
    raise DataNotFoundError(
        "No hitex data bundle found. Pass --data-dir PATH (Python: data_dir=PATH) or set the "
        f"{ENV_DATA_DIR} environment variable to the folder that holds 'wdi/', 'wef_gcr/', ..."
    )


def reference_dir() -> Path | None:
    """Return the folder of public reference data sets, or ``None`` if absent.

    ``HITEX_REFERENCE_DIR`` wins; otherwise ``shared/data/reference`` is searched
    like the raw bundle.
    """
    env = os.environ.get(ENV_REFERENCE_DIR)
    if env:
        path = Path(env).expanduser()
        return path if path.is_dir() else None
    return _search("shared/data/reference")


def cache_dir() -> Path:
    """Return (and create) hitex's cache folder.

    ``HITEX_CACHE_DIR`` wins; otherwise the platform's user cache directory
    (``~/.cache/hitex`` on Linux).
    """
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("hitex", appauthor=False))
    where = f"{ENV_CACHE_DIR}={env}" if env else "the user cache folder"
    if path.exists() and not path.is_dir():
        raise DataNotFoundError(f"the cache folder {path} ({where}) is a file; point "
                                f"{ENV_CACHE_DIR} at a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataNotFoundError(f"cannot create the cache folder {path} ({where}): "
                                f"{err.strerror}; point {ENV_CACHE_DIR} at a writable folder.") from None
    return path
