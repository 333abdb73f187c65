"""``kind: city_panel``: China's prefecture-city panel with a city-level policy.

The rows of a ``city_year`` study: :func:`hitex.data.china.read_city_panel`
with the treatment of the national big-data comprehensive pilot zones
(:func:`hitex.data.pilot_zones.pilot_zone_cities`: ``treat``, ``post``, ``treat_post``,
``first_treat``) and ``minority4`` (cities of the four minority autonomous
regions study 003 drops).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from hitex.data.pilot_zones import pilot_zone_cities, zones_path
from hitex.errors import DuplicateKeyError, StudySpecError
from hitex.studies.common import BuiltPanel, PanelBuilder, SourceKind, read_user_file
from hitex.studies.kinds import SOURCES, StrictModel


class CityPanelSource(StrictModel):
    """China's prefecture-city panel with a city-level policy (``data.kind: city_year``).

    Rows and columns come from :func:`hitex.data.china.read_city_panel`;
    ``zones: bigdata_pilot_zones`` adds ``treat`` (pilot-zone city), ``post``
    (from the first policy year of any pilot zone in the panel for controls,
    the city's own policy year for treated cities), ``treat_post`` (the DiD
    regressor, 1 from the city's policy year on) and ``first_treat`` (policy
    year, 0 for never treated); see :func:`hitex.data.pilot_zones.pilot_zone_cities`. ``expy_path``
    optionally names a file of provincial export sophistication
    (``province_code``, ``year``, ``expy``): with it the study outcome
    ``ln_esf = ln(tertiary share x EXPY)`` of study 003 is built.
    """

    kind: Literal["city_panel"]
    zones: Literal["bigdata_pilot_zones"] = "bigdata_pilot_zones"
    expy_path: str | None = None


#: The four minority autonomous regions study 003 drops in Table 3, column 3 (Inner
#: Mongolia, Guangxi, Ningxia, Xinjiang; Tibet is not among them in the study).
MINORITY_PROVINCES: dict[int, str] = {15: "Inner Mongolia", 45: "Guangxi", 64: "Ningxia",
                                      65: "Xinjiang"}

STAND_IN_NOTICE = (
    "STAND-IN OUTCOME: study 003's outcome, ln city export technical complexity = ln(tertiary "
    "share of GDP x provincial EXPY), needs provincial product-level exports, which the data "
    "bundle does not have. The tables use ln_tertiary = ln(tertiary-industry share of GDP), one "
    "factor of that outcome, so their numbers are not comparable with study 003's. Give "
    "'expy_path' in the city_panel source (province_code, year, expy; e.g. from "
    "hitex.indicators.sophistication.expy) to build the full outcome ln_esf."
)


def _city_esf(panel: pd.DataFrame, expy: pd.DataFrame, time: str, path: Path,
              built: BuiltPanel) -> pd.DataFrame:
    """Study 003's outcome ln_esf = ln(tertiary share x provincial EXPY), with a coverage note."""
    from hitex.indicators.sophistication import city_export_complexity

    expy = expy[["province_code", time, "expy"]].copy()
    expy["province_code"] = expy["province_code"].astype(str)
    panel = panel.assign(_prov=panel["province_code"].astype(str))
    keys = expy.rename(columns={"province_code": "_prov"})[["_prov", time]].drop_duplicates()
    covered = panel[["_prov", time]].merge(keys.assign(_has=True), how="left",
                                           on=["_prov", time])["_has"].fillna(False)
    covered = covered.to_numpy(dtype=bool)
    done = city_export_complexity(
        panel.loc[covered], expy.rename(columns={"province_code": "_prov"}), city="city_code",
        province="_prov", tertiary_share="tertiary_share_pct", year=time, share_unit="percent",
        name="esf")
    panel = panel.merge(done[["city_code", time, "expy", "esf", "ln_esf"]], how="left",
                        on=["city_code", time]).drop(columns="_prov")
    built.notes.append(f"Full outcome ln_esf = ln(tertiary share x provincial EXPY) built from "
                       f"{path}.")
    if not covered.all():
        gaps = panel.loc[~covered, ["province_code", time]].drop_duplicates()
        listed = ", ".join(f"{p} {t}" for p, t in gaps.head(8).itertuples(index=False))
        built.notes.append(
            f"The EXPY file has no value for {len(gaps)} province-year(s) of the city panel "
            f"({listed}{' ...' if len(gaps) > 8 else ''}): ln_esf is missing for those "
            f"{int((~covered).sum())} city-year rows, which drop out of the models.")
    return panel


class CityPanel(SourceKind):
    schema = CityPanelSource
    panels = ("city_year",)

    def rows(self, source: CityPanelSource, builder: PanelBuilder) -> None:
        from hitex.data.china import CITY_FILE, CITY_FOLDER, read_city_panel

        spec, bundle, time = builder.spec, builder.bundle, builder.time
        panel = read_city_panel(bundle).rename(columns={"year": time})
        panel = panel.loc[panel[time].between(*spec.years)].reset_index(drop=True)
        zones = pilot_zone_cities()
        year = panel["city_code"].map(zones.set_index("city_code")["policy_year"])
        panel["treat"] = year.notna().astype(int)
        panel["first_treat"] = year.fillna(0).astype(int)
        panel["post"] = (panel[time] >= year.fillna(year.min())).astype(int)
        panel["treat_post"] = panel["treat"] * panel["post"]
        panel["minority4"] = panel["province_code"].isin(MINORITY_PROVINCES).astype(int)
        built = builder.built
        built.files += [bundle / CITY_FOLDER / CITY_FILE, zones_path()]
        treated = panel.loc[panel["treat"] == 1]
        cover = treated.groupby(time)[["tertiary_share_pct", "gdp_per_capita_yuan"]].count()
        cover.insert(0, "treated_cities", treated.groupby(time)["city_code"].nunique())
        built.coverage["treated_cities"] = cover.reset_index()
        present = zones["city_code"].isin(panel["city_code"])
        absent = ", ".join(zones.loc[~present, "city_en"])
        first = {int(y): int(n) for y, n in zones.loc[present, "policy_year"].value_counts().items()}
        built.notes.append(
            f"Treated: {len(zones)} pilot-zone cities (hitex.data.pilot_zones.pilot_zone_cities), "
            f"{int(present.sum())} of them in the city panel (absent: {absent or 'none'}); policy "
            f"year {', '.join(f'{y}: {n} cities' for y, n in sorted(first.items()))}. Rule: every "
            "prefecture city of Guizhou, Hebei, Henan and Inner Mongolia, the four municipalities, "
            "the nine Pearl River Delta cities and Shenyang (study 003 does not list its cities)."
        )
        built.notes.append(
            "minority4 = 1 for the cities of the four minority autonomous regions study 003 drops "
            f"in Table 3, column 3: {', '.join(MINORITY_PROVINCES.values())} (not Tibet)."
        )
        if source.expy_path:
            path = builder.resolve(source.expy_path)
            expy = read_user_file(path).rename(columns={"year": time})
            missing = [c for c in ("province_code", time, "expy") if c not in expy.columns]
            if missing:
                raise StudySpecError(f"EXPY file {path} lacks column(s) {missing}; it needs "
                                     "province_code, year and expy.")
            if expy.duplicated(["province_code", time]).any():
                raise DuplicateKeyError(f"EXPY file {path} has duplicate province-year rows.")
            panel = _city_esf(panel, expy, time, path, built)
            built.files.append(path)
        else:
            built.missing.add("ln_esf")
            built.notes.append(STAND_IN_NOTICE)
        built.data = panel

    def add(self, source: CityPanelSource, builder: PanelBuilder) -> None:
        """Nothing to add: the panel's rows come from this source."""


SOURCES.register("city_panel")(CityPanel())
