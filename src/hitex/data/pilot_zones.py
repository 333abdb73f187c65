"""China's national big-data comprehensive pilot zones and their prefecture cities."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

ZONES_FILE = "china_bigdata_pilot_zones.csv"


def pilot_zone_cities() -> pd.DataFrame:
    """The prefecture cities of the national big-data comprehensive pilot zones.

    Returns
    -------
    pandas.DataFrame
        One row per city: ``city_code`` (GB/T 2260, as in
        :func:`hitex.data.china.read_city_panel`), ``city_en``, ``zone``,
        ``zone_zh``, ``batch`` (1: Guizhou; 2: the seven zones of October 2016)
        and ``policy_year``. Sources and the city rule are in the file header
        (``hitex/data/resources/china_bigdata_pilot_zones.csv``).
    """
    with resources.as_file(zones_path()) as file:
        return pd.read_csv(file, comment="#")


def zones_path() -> Path:
    """The package file of the pilot zones' cities (for the manifest's checksums)."""
    with resources.as_file(resources.files("hitex.data") / "resources" / ZONES_FILE) as file:
        return Path(file)
