r"""Great-circle distances between Chinese provincial capitals (study 004's instrument).

The distances feed :func:`hitex.indicators.innovation.policy_instrument`; the
functions are also importable from :mod:`hitex.indicators.innovation`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from hitex.data import china
from hitex.errors import HitexError, NonNumericError, SpecificationError

__all__ = ["EARTH_RADIUS_KM", "capital_distances", "great_circle_km"]

#: Mean Earth radius R1 = (2a + b) / 3 of the GRS80/WGS84 ellipsoid, km (Moritz 2000,
#: "Geodetic Reference System 1980", Journal of Geodesy 74: 128-133).
EARTH_RADIUS_KM = 6371.0088

def _coordinate(value: Any, role: str, low: float, high: float) -> np.ndarray:
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as err:
        raise NonNumericError(f"{role} must be numeric degrees; got {value!r}.") from err
    outside = np.abs(array) > high if low == -high else (array < low) | (array > high)
    if np.any(outside):
        raise HitexError(f"{role} has values outside [{low:g}, {high:g}] degrees, e.g. "
                         f"{array[outside].ravel()[0]:g}. Give decimal degrees in the order "
                         "(lat1, lon1, lat2, lon2).")
    return array


def great_circle_km(
    lat1: Any, lon1: Any, lat2: Any, lon2: Any, *, radius_km: float = EARTH_RADIUS_KM
) -> Any:
    r"""Great-circle distance on a sphere by the haversine formula, in km.

    .. math::

        h = \sin^2\frac{\varphi_2-\varphi_1}{2}
            + \cos\varphi_1\cos\varphi_2\sin^2\frac{\lambda_2-\lambda_1}{2},
        \qquad d = 2R\arcsin\sqrt{h}

    with latitudes :math:`\varphi`, longitudes :math:`\lambda` in radians and
    :math:`R` = ``radius_km`` (mean Earth radius 6371.0088 km). Unlike the
    spherical law of cosines it keeps its digits for short distances.
    Ellipsoidal (geodesic) distances differ by up to about 0.5 %.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array-like
        Decimal degrees (north and east positive); arrays broadcast.
    radius_km : float, default :data:`EARTH_RADIUS_KM`
        Sphere radius.

    Returns
    -------
    float or numpy.ndarray
        Distance in km (NaN where a coordinate is missing).

    Raises
    ------
    NonNumericError, HitexError
        Non-numeric coordinates; latitudes outside [-90, 90] or longitudes
        outside [-180, 360] (the message gives the argument order).
    """
    phi1 = np.radians(_coordinate(lat1, "lat1", -90, 90))
    phi2 = np.radians(_coordinate(lat2, "lat2", -90, 90))
    lam1 = np.radians(_coordinate(lon1, "lon1", -180, 360))
    lam2 = np.radians(_coordinate(lon2, "lon2", -180, 360))
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    d = 2 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def reference_point(reference: str | tuple[float, float]) -> tuple[float, float, str]:
    """Return (lat, lon, label) of a provincial capital or of a (lat, lon) pair.

    ``reference`` is a provincial capital in English or Chinese (``"Hangzhou"``,
    ``"杭州"``, a trailing "city"/"市" ignored; coordinates from
    :func:`hitex.data.china.provinces`) or (lat, lon) in decimal degrees. The
    label is the capital's English name or the pair as text. Raises
    :class:`~hitex.errors.HitexError` for an unknown capital and
    :class:`~hitex.errors.SpecificationError` for a tuple that is not a pair.
    """
    if isinstance(reference, tuple):
        if len(reference) != 2:
            raise SpecificationError(f"reference={reference!r}; give a capital's name or (lat, lon).")
        return float(reference[0]), float(reference[1]), f"({reference[0]}, {reference[1]})"
    table = china.provinces()
    key = re.sub(r"(\s+city|市)$", "", str(reference).strip(), flags=re.IGNORECASE).casefold()
    match = table[(table["capital_en"].str.casefold() == key) | (table["capital_zh"] == key)]
    if match.empty:
        raise HitexError(f"reference={reference!r} is not a provincial capital known to hitex ("
                         f"{', '.join(table['capital_en'])}); give one of these or (lat, lon).")
    row = match.iloc[0]
    return float(row["capital_lat"]), float(row["capital_lon"]), str(row["capital_en"])


def capital_distances(reference: str | tuple[float, float] = "Hangzhou") -> pd.DataFrame:
    """Great-circle distance from each provincial capital to a reference city.

    ``reference`` is a provincial capital in English or Chinese (``"Hangzhou"``,
    ``"杭州"``) or (lat, lon) in decimal degrees. Returns 31 rows:
    ``province_code``, ``province_en``, ``capital_en``, ``distance_km``
    (:func:`great_circle_km`; coordinates from :func:`hitex.data.china.provinces`).
    """
    lat, lon, _ = reference_point(reference)
    table = china.provinces()
    out = table[["province_code", "province_en", "capital_en"]].copy()
    out["distance_km"] = great_circle_km(table["capital_lat"].to_numpy(), table["capital_lon"].to_numpy(), lat, lon)
    return out
