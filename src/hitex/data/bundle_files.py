"""Reading a file of the data bundle: a damaged file is named, with how to restore it."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hitex.errors import DataFormatError

__all__ = ["read_bundle_csv"]


def read_bundle_csv(reader: Callable[..., Any], path: str | Path, **kwargs: Any) -> Any:
    """``reader(path, **kwargs)`` (e.g. ``pandas.read_csv``); a truncated or corrupted file
    (a gzip stream cut short, bytes that are not text) gives a :class:`DataFormatError`
    that names the file and says how to restore it."""
    try:
        return reader(path, **kwargs)
    except (EOFError, zlib.error, UnicodeDecodeError, OSError, ValueError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise DataFormatError(
            f"{path} cannot be read ({type(err).__name__}: {err}); the file is truncated or "
            "corrupted. Restore it from the data bundle (copy the file again from the bundle's "
            "source, or point HITEX_DATA_DIR at an intact bundle).") from err
