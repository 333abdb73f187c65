"""Data of dyadic (exporter-importer-year) studies: trade panel, distances, TBT depth.

* :func:`agtpa_path` and :func:`read_agtpa`: the manufacturing trade panel of
  Yotov, Piermartini, Monteiro and Larch (2016), *An Advanced Guide to Trade
  Policy Analysis* (the rows of the ``trade_panel`` source);
* :func:`cepii_distance`: CEPII GeoDist distances (``distance`` source);
* :func:`tbt_pairs`: the DESTA FTA dummy and TBT depth by exporter-importer-year
  (``tbt_depth`` source);
* :data:`OLD_CODES`: old ISO3 codes of CEPII and the Advanced Guide.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hitex import _paths
from hitex.errors import ColumnNotFoundError, DataNotFoundError

#: Old ISO3 codes used by CEPII and the Advanced Guide, and today's codes.
OLD_CODES: dict[str, str] = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "YUG": "SRB", "PAL": "PSE"}

AGTPA_FOLDER = "yotov2016_agtpa_gravity"
AGTPA_FILE = "agtpa_4yr_1986_2006.csv"
_AGTPA_COLUMNS = ("exporter", "importer", "pair_id", "year", "trade", "dist")


def agtpa_path(path: str | Path | None = None) -> Path:
    """Locate the Advanced Guide's 4-year manufacturing trade panel.

    Parameters
    ----------
    path : path-like, optional
        An explicit file; default ``<reference dir>/yotov2016_agtpa_gravity/
        agtpa_4yr_1986_2006.csv`` with the reference dir from
        :func:`hitex._paths.reference_dir` (``HITEX_REFERENCE_DIR``).

    Raises
    ------
    DataNotFoundError
        If the file cannot be found; the message names ``HITEX_REFERENCE_DIR``.
    """
    if path is not None:
        file = Path(path).expanduser()
        if not file.is_file():
            raise DataNotFoundError(f"trade panel file {file} does not exist; fix 'path' of the "
                                    "study's trade_panel source.")
        return file
    ref = _paths.reference_dir()
    file = ref / AGTPA_FOLDER / AGTPA_FILE if ref is not None else None
    if file is None or not file.is_file():
        where = f"{ref}" if ref is not None else "no reference folder was found"
        raise DataNotFoundError(
            f"the Advanced Guide trade panel {AGTPA_FOLDER}/{AGTPA_FILE} is not available "
            f"({where}). Set the {_paths.ENV_REFERENCE_DIR} environment variable to the folder "
            f"of reference data sets that holds '{AGTPA_FOLDER}/', or give the file's 'path' "
            "in the study's trade_panel source."
        )
    return file


def read_agtpa(path: str | Path | None = None) -> pd.DataFrame:
    """Read the Advanced Guide panel with today's ISO3 codes (ROM -> ROU).

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, pair_id, year, trade, dist, ...`` as in the file,
        plus ``intl`` (1 for international flows, 0 for intra-national ones).
    """
    file = agtpa_path(path)
    frame = pd.read_csv(file)
    missing = [c for c in _AGTPA_COLUMNS if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(f"{file} lacks column(s) {missing}; it is not the Advanced "
                                  "Guide panel (see its SOURCE.md).")
    for col in ("exporter", "importer"):
        frame[col] = frame[col].replace(OLD_CODES)
    frame["intl"] = (frame["exporter"] != frame["importer"]).astype(int)
    return frame


def cepii_distance(bundle: Path, measure: str = "distw") -> pd.DataFrame:
    """CEPII GeoDist distances: ``exporter, importer, <measure>`` with today's ISO3 codes."""
    file = bundle / "cepii_geodist" / "dist_cepii.csv.gz"
    if not file.is_file():
        raise DataNotFoundError(f"{file} is missing; the data bundle needs 'cepii_geodist/' for "
                                "the study's distance source.")
    dist = pd.read_csv(file, usecols=["iso_o", "iso_d", measure])
    dist = dist.rename(columns={"iso_o": "exporter", "iso_d": "importer"})
    dist[measure] = pd.to_numeric(dist[measure], errors="coerce")  # "." is Stata's missing
    for col in ("exporter", "importer"):
        dist[col] = dist[col].replace(OLD_CODES)
    return dist.drop_duplicates(["exporter", "importer"])


def tbt_pairs(bundle: Path, countries: list[str], years: list[int],
              missing: str = "zero_if_no_provision") -> pd.DataFrame:
    """FTA and Depth x FTA by exporter-importer-year from DESTA (all coded agreements).

    Coverage gaps (agreements without TBT codes or without a coding, dyads
    without an entry-into-force year) are reported as
    :class:`~hitex.errors.DataCoverageWarning`.
    """
    from hitex.data import desta
    from hitex.indicators.tbt import pair_year_panel, tbt_depth

    depth = tbt_depth(desta.read_coding(bundle), missing=missing)  # type: ignore[arg-type]
    panel = pair_year_panel(depth, desta.read_dyads(bundle), desta.read_withdrawals(bundle),
                            years, countries=countries, data_dir=bundle)
    out = panel[["exporter", "importer", "year", "fta", "depth", "depth_x_fta"]].copy()
    for col in ("exporter", "importer"):
        out[col] = out[col].astype(str)
    out["fta"] = out["fta"].astype(float)
    return out
