"""Publishers' trade-file layouts recognised from the header line of each file.

``baci`` is CEPII BACI (``t, i, j, k, v, q``; value in thousand US$);
``comtrade`` is UN Comtrade+ (``refYear, flowCode, cmdCode, reporterISO`` ...);
``comtrade_legacy`` the legacy Comtrade layout (``Year, Trade Flow Code,
Reporter ISO`` ...). The layouts and their filters are those of
:mod:`hitex.data.tradeflows`; this module only reads headers, so that the
pipeline can build the same reading as Ibis expressions for any engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hitex.data.pipeline.engine import PathLike
from hitex.data.tradeflows_sql import (
    BACI_COLUMNS,
    COMTRADE_LEGACY_FLOW,
    COMTRADE_LEGACY_REQUIRED,
    COMTRADE_REQUIRED,
    csv_header,
    trade_paths,
)
from hitex.errors import DataFormatError, SpecificationError

__all__ = ["FileLayout", "file_layout"]


@dataclass(frozen=True)
class FileLayout:
    """Layout shared by a set of trade files.

    Attributes
    ----------
    kind : {"baci", "comtrade", "comtrade_legacy"}
    columns : tuple of str
        Header names, in order.
    delim : str
        Field delimiter (``","`` or tab).
    paths : tuple of pathlib.Path
    """

    kind: str
    columns: tuple[str, ...]
    delim: str
    paths: tuple[Path, ...]


def _kind(path: Path, fmt: str, names: list[str]) -> str:
    found = set(names)
    if fmt == "baci":
        if names != list(BACI_COLUMNS):
            raise DataFormatError(
                f"{path.name} is not a BACI file: expected the columns {list(BACI_COLUMNS)}, "
                f"found {names}. Pass the BACI_HS*_Y*.csv files, or fmt='comtrade'."
            )
        return "baci"
    if all(c in found for c in COMTRADE_REQUIRED):
        return "comtrade"
    if any(c in found for c in COMTRADE_LEGACY_FLOW) and all(
        c in found for c in COMTRADE_LEGACY_REQUIRED
    ):
        return "comtrade_legacy"
    raise DataFormatError(
        f"{path.name} is not a UN Comtrade file: expected the Comtrade+ columns "
        f"{list(COMTRADE_REQUIRED)} (with reporterISO/partnerISO and primaryValue) or the legacy "
        f"columns {list(COMTRADE_LEGACY_REQUIRED)} with 'Trade Flow Code'; found {names}. "
        "Download the file again with all columns, or fmt='baci' for BACI files."
    )


def file_layout(paths: PathLike | Iterable[PathLike], fmt: str) -> FileLayout:
    """Check the files and return their common layout.

    Raises
    ------
    SpecificationError
        For an unknown ``fmt`` or no path.
    DataNotFoundError
        For a missing file.
    DataFormatError
        For a header of another layout, or files with different headers.
    """
    if fmt not in ("baci", "comtrade"):
        raise SpecificationError(
            f"fmt={fmt!r} is not a CSV layout; use fmt='baci' or 'comtrade' (or 'parquet' for a "
            "dataset written by convert_trade)."
        )
    files = trade_paths(paths)
    headers = [(csv_header(p), p) for p in files]
    (names, delim), first = headers[0]
    kind = _kind(first, fmt, names)
    for (other, other_delim), path in headers[1:]:
        if other != names or other_delim != delim:
            raise DataFormatError(
                f"{path.name} has the columns {other}, unlike {first.name} ({names}); read files "
                "of one layout at a time."
            )
    return FileLayout(kind=kind, columns=tuple(names), delim=delim, paths=tuple(files))
