"""``data.kind: province_year``: one row per Chinese province (31) and year.

The rows are the 31 mainland provinces (unit ``province_code``, GB/T 2260
two-digit codes) x the study's years, with their time-invariant groups as
columns that ``sample:`` filters and models can use: ``province_en``,
``province_zh``, ``region`` (East, Central, West, Northeast: the NBS
four-region division), the 0/1 columns ``east``, ``central``, ``west``,
``northeast``, ``municipality`` (Beijing, Tianjin, Shanghai, Chongqing) and
``belt_road`` (the 18 key provinces of the 2015 "Vision and Actions"
document, :func:`hitex.data.china_provincial.belt_road_provinces`), and
``dist_hangzhou_km`` (great-circle km from the provincial capital to Hangzhou,
0 for Zhejiang; :func:`hitex.indicators.distances.capital_distances`). Sources
add columns: ``china_provincial`` (the bundle's province-year variables),
``file`` and ``indicator`` (merged on province_code and year), and ``wdi``
(China's national series, merged on the year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hitex.studies.common import BuiltPanel, PanelBuilder, PanelKind
from hitex.studies.kinds import PANELS, SOURCES


class ProvinceBuilder(PanelBuilder):
    """A province-year panel: country-year data are China's, merged on the year."""

    def add_country_year(self, frame: pd.DataFrame, columns: list[str]) -> None:
        part = frame.loc[frame["iso3"] == "CHN", ["year", *columns]].rename(
            columns={"year": self.time})
        self.merge(part, [self.time])

    def add_file(self, frame: pd.DataFrame, where: str, path: Path) -> None:
        """Merge a user's province-year frame; provinces may be codes or names (11, "11", 北京)."""
        from hitex.data.china import resolve_provinces
        from hitex.errors import HitexError, StudySpecError

        if self.unit in frame.columns and frame[self.unit].notna().any():
            rows = frame[self.unit].notna()
            try:
                codes = resolve_provinces(frame.loc[rows, self.unit].tolist())
            except HitexError as err:
                raise StudySpecError(f"{where}, column '{self.unit}': {err}") from None
            frame = frame.assign(**{self.unit: pd.Series(codes, index=frame.index[rows],
                                                         dtype="Int64")})
            frame = frame.astype({self.unit: "int64"}) if rows.all() else frame
        super().add_file(frame, where, path)


class ProvinceYear(PanelKind):
    name = "province_year"
    builder = ProvinceBuilder

    def check(self, spec: Any) -> None:
        if spec.unit != "province_code":
            raise ValueError("a province_year study needs 'unit: province_code' (got "
                             f"{spec.unit!r}); its rows are the 31 provinces' GB/T 2260 codes")

    def build(self, spec: Any, bundle: Path, base_dir: Path | None) -> BuiltPanel:
        from hitex.data.china_provincial import BELT_ROAD_FILE, province_groups

        years = list(range(spec.years[0], spec.years[1] + 1))
        builder = self.builder(spec, bundle, base_dir, ["CHN"], years)
        from hitex.indicators.distances import capital_distances

        groups = province_groups().merge(
            capital_distances("Hangzhou")[["province_code", "distance_km"]].rename(
                columns={"distance_km": "dist_hangzhou_km"}), on="province_code", how="left")
        rows = groups.merge(pd.DataFrame({spec.time: years}), how="cross")
        builder.built.data = rows[["province_code", spec.time,
                                   *[c for c in groups.columns if c != "province_code"]]]
        builder.built.notes.append(
            "Panel: the 31 mainland provinces (GB/T 2260 codes) x "
            f"{years[0]}-{years[-1]}; groups: region (NBS four regions), municipality, "
            "belt_road (the 18 key provinces of the 2015 'Vision and Actions' document); "
            "dist_hangzhou_km: great-circle distance from the provincial capital to Hangzhou "
            "(0 for Zhejiang, whose capital it is).")
        from importlib import resources

        with resources.as_file(resources.files("hitex.data") / "resources" / BELT_ROAD_FILE
                               ) as file:
            builder.built.files.append(Path(file))
        for source in spec.sources:
            SOURCES.get(source.kind).add(source, builder)
        return builder.built


PANELS.register("province_year")(ProvinceYear())
