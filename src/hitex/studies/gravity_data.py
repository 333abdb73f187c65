"""Dyadic (exporter-importer-year) study panels and study 001's Table 11.

:func:`build_dyadic` builds the panel of a ``data.kind: dyadic`` study: the
rows come from the ``trade_panel`` source (the Advanced Guide's manufacturing
trade panel, Yotov, Piermartini, Monteiro and Larch 2016), and the other
sources add columns:

* ``tbt_depth``: ``fta`` and ``depth_x_fta`` from DESTA
  (:func:`hitex.indicators.tbt.pair_year_panel` over the panel's countries and
  years, every DESTA agreement with a coding; intra-national rows get 0);
* ``distance``: CEPII GeoDist distance (km) for the pair;
* ``wdi`` and ``groups``: country-year columns, added for the exporter
  (suffix ``_o``) and the importer (suffix ``_d``);
* ``file``: a user file merged on the keys it has among exporter, importer
  and year; an ``optional`` file that is absent is recorded in
  :attr:`~hitex.studies.build.BuiltPanel.missing` instead.

:func:`before_after` is study 001's Table 11: an exporter's flows to each
partner before and after their agreement entered into force.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hitex import _paths
from hitex.errors import ColumnNotFoundError, DataNotFoundError, DuplicateKeyError, StudySpecError

if TYPE_CHECKING:
    from hitex.studies.build import BuiltPanel
    from hitex.studies.spec import CsvSource, DataSpec, IndicatorSource

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


def _sides(frame: pd.DataFrame, country_year: pd.DataFrame, value_cols: list[str],
           exporter: str, importer: str, time: str) -> pd.DataFrame:
    """Merge country-year columns for the exporter (``_o``) and the importer (``_d``)."""
    for side, suffix in ((exporter, "_o"), (importer, "_d")):
        part = country_year[["iso3", "year", *value_cols]].rename(
            columns={"iso3": side, "year": time, **{c: f"{c}{suffix}" for c in value_cols}})
        frame = frame.merge(part, on=[side, time], how="left")
    return frame


def _fill_income_years(groups: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Give years outside the income-class data the nearest year's class."""
    groups = groups.sort_values(["iso3", "year"])
    for col in cols:
        by = groups.groupby("iso3")[col]
        groups[col] = by.transform(lambda s: s.bfill().ffill())
    return groups


def build_dyadic(spec: DataSpec, bundle: Path, base_dir: Path | None) -> BuiltPanel:
    """Build a dyadic study panel (see the module docstring).

    Parameters
    ----------
    spec : DataSpec
        The study's ``data`` section with ``kind: dyadic``.
    bundle : path
        The data bundle.
    base_dir : path, optional
        Folder that relative file paths are resolved against.

    Returns
    -------
    BuiltPanel
    """
    from hitex.studies.build import (
        BuiltPanel,
        _files_under,
        _indicator_frame,
        _read_user_file,
        _resolve,
    )
    from hitex.studies.spec import (
        CsvSource,
        DistanceSource,
        GroupsSource,
        IndicatorSource,
        TbtDepthSource,
        TradePanelSource,
        WdiSource,
    )

    ex, im, time = spec.exporter, spec.importer, spec.time
    source = next(s for s in spec.sources if isinstance(s, TradePanelSource))
    file = agtpa_path(_resolve(source.path, base_dir) if source.path else None)
    flows = read_agtpa(file).rename(columns={"exporter": ex, "importer": im, "year": time})
    flows = flows[flows[time].between(*spec.years)].reset_index(drop=True)
    if flows.duplicated([ex, im, time]).any():
        raise DuplicateKeyError(f"{file} has duplicate ({ex}, {im}, {time}) rows.")
    flows[spec.pair] = flows[ex].astype(str) + "_" + flows[im].astype(str)
    countries = sorted(set(flows[ex]) | set(flows[im]))
    years = sorted(int(y) for y in flows[time].unique())
    built = BuiltPanel(data=flows, files=[file])
    built.notes.append(
        f"Trade panel: {file.name} (Yotov et al. 2016, manufacturing trade in million current "
        f"US$), {len(countries)} countries, years {', '.join(map(str, years))}; "
        f"{int((flows['intl'] == 0).sum())} intra-national rows (intl == 0)."
    )
    for src in spec.sources:
        if isinstance(src, TbtDepthSource):
            from hitex.errors import DataCoverageWarning

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                pairs = tbt_pairs(bundle, countries, years, src.missing)
            for w in caught:
                if not issubclass(w.category, DataCoverageWarning):
                    warnings.warn(w.message, stacklevel=2)
            pairs = pairs.rename(columns={"exporter": ex, "importer": im, "year": time})
            flows = flows.merge(pairs, on=[ex, im, time], how="left")
            for col in ("fta", "depth_x_fta"):
                flows[col] = flows[col].fillna(0.0)  # intra-national rows: no agreement
            built.files += _files_under(bundle / "desta")
            built.notes.append(
                "FTA and Depth x FTA from DESTA: every coded agreement in force for the pair "
                "(bilateral and plurilateral), Depth = the deepest agreement's TBT depth 0-8 "
                f"(missing items: {src.missing}); intra-national rows have FTA = 0."
            )
            coverage = [str(w.message) for w in caught if issubclass(w.category, DataCoverageWarning)]
            built.notes += [f"DESTA coverage: {text}" for text in dict.fromkeys(coverage)]
        elif isinstance(src, DistanceSource):
            dist = cepii_distance(bundle, src.measure).rename(
                columns={"exporter": ex, "importer": im, src.measure: src.name})
            if src.name in flows.columns:
                flows = flows.drop(columns=src.name)
            flows = flows.merge(dist, on=[ex, im], how="left")
            built.files.append(bundle / "cepii_geodist" / "dist_cepii.csv.gz")
            built.notes.append(f"Distance '{src.name}': CEPII GeoDist {src.measure} (km).")
        elif isinstance(src, WdiSource):
            from hitex.data.wdi import load_wdi

            wdi = load_wdi(list(src.indicators), countries=countries, years=years,
                           data_dir=bundle).rename(columns=src.indicators)
            for code, col in src.indicators.items():
                have = set(wdi.loc[wdi[col].notna(), "year"]) if col in wdi else set()
                gaps = [y for y in years if y not in have]
                if gaps:
                    built.notes.append(f"WDI {code} ('{col}') has no values for "
                                       f"{', '.join(map(str, gaps))} in the bundle: rows of those "
                                       "years drop out of models that use it.")
            flows = _sides(flows, wdi, list(src.indicators.values()), ex, im, time)
            built.files += _files_under(bundle / "wdi")
        elif isinstance(src, GroupsSource):
            from hitex.data.countries import group_panel

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                groups = group_panel(countries, years, list(src.groups), data_dir=bundle)
            cols = [c for c in groups.columns if c not in ("iso3", "year")]
            income = [c for c in cols if c.startswith("income_")]
            if income and any(groups[c].isna().any() for c in income):
                groups = _fill_income_years(groups, income)
                built.notes.append(
                    "World Bank income classes start in 1987; earlier years take the "
                    "country's first known class." + (f" ({caught[0].message})" if caught else ""))
            flows = _sides(flows, groups, cols, ex, im, time)
            for folder in ("country_groups", "wb_income_groups"):
                if (bundle / folder).is_dir():
                    built.files += _files_under(bundle / folder)
        elif isinstance(src, IndicatorSource):  # hightech by exporter, importer and year
            if src.optional and not _resolve(src.path, base_dir).is_file():
                _note_missing(built, src, _resolve(src.path, base_dir))
                continue
            flows = _merge_hightech(flows, _indicator_frame(src, base_dir, ex, time, partner=im),
                                    src, built, ex, im, time)
            built.files.append(_resolve(src.path, base_dir))
        elif isinstance(src, CsvSource):
            path = _resolve(src.path, base_dir)
            if src.optional and not path.is_file():
                _note_missing(built, src, path)
                continue
            frame = _read_user_file(path)
            frame = frame.rename(columns=src.columns) if src.columns else frame
            keys = [k for k in (ex, im, time) if k in frame.columns]
            if ex not in keys and im not in keys:
                raise StudySpecError(
                    f"file source {path} has no '{ex}' or '{im}' column (it has "
                    f"{list(frame.columns)[:8]}); in a dyadic study a file is merged on the "
                    f"exporter and/or importer (and '{time}'): rename its country column with the "
                    f"source's 'columns', e.g. {{iso3: {im}}} for importer-year data.")
            for key in {ex, im} & set(keys):  # today's ISO3 codes, as in the panel
                frame[key] = frame[key].astype(str).replace(OLD_CODES)
            if frame.duplicated(keys).any():
                raise DuplicateKeyError(f"file source {path} has duplicate {tuple(keys)} rows; "
                                        "aggregate them first.")
            flows = flows.merge(frame, on=keys, how="left")
            built.files.append(path)
    built.data = flows
    return built


def _note_missing(built: BuiltPanel, src: CsvSource | IndicatorSource, path: Path) -> None:
    built.missing.update(src.provides)
    what = src.description or f"columns {', '.join(src.provides)}"
    built.notes.append(f"Missing input: {what} (file {path} not found); "
                       f"left out: {', '.join(src.provides)}.")


def _merge_hightech(flows: pd.DataFrame, frame: pd.DataFrame, src: IndicatorSource,
                    built: BuiltPanel,
                    ex: str, im: str, time: str) -> pd.DataFrame:
    """Merge bilateral high-tech exports into the trade panel (``name: hightech``)."""
    keys = [ex, im, time]
    for key in (ex, im):  # the panel's codes are today's ISO3 codes, as text
        frame[key] = frame[key].astype(str).replace(OLD_CODES)
    frame[time] = pd.to_numeric(frame[time], errors="coerce")
    cols = [c for c in frame.columns if c not in keys]
    clash = [c for c in cols if c in flows.columns]
    if clash:
        raise StudySpecError(f"indicator 'hightech' ({src.path}) gives column(s) {clash} that the "
                             "study panel already has; rename them with the source's 'columns'.")
    matched = frame.merge(flows[keys], on=keys, how="inner")
    if frame.shape[0] and matched.empty:
        raise StudySpecError(
            f"indicator 'hightech' ({src.path}): none of its ({ex}, {im}, {time}) rows matches the "
            "trade panel; check the country codes (ISO3) and years of the file.")
    out = flows.merge(frame, on=keys, how="left")
    fill = bool(src.options.get("fill_zero", False))
    if fill:
        reported = frame[[ex, time]].drop_duplicates().assign(_reported=True)
        flag = out[[ex, time]].merge(reported, on=[ex, time], how="left")["_reported"]
        rows = flag.fillna(False).to_numpy(dtype=bool) & out[cols].isna().all(axis=1).to_numpy()
        out.loc[rows, cols] = 0.0
    built.notes.append(
        f"High-tech exports from {src.path}: classification "
        f"{src.options.get('classification', 'study001_sitc3')}, {len(matched):,} of "
        f"{len(flows):,} panel rows have a value"
        + ("; pairs absent from the file are 0 where the exporter reports exports that year."
           if fill else "; pairs absent from the file are missing (fill_zero: true sets them "
           "to 0 where the exporter reports that year).")
    )
    return out


def _cagr(frame: pd.DataFrame, value: str, time: str) -> float:
    """Average annual growth (%) between the first and last year of ``frame``."""
    frame = frame.dropna(subset=[value]).sort_values(time)
    if len(frame) < 2:
        return float("nan")
    first, last = frame.iloc[0], frame.iloc[-1]
    span = float(last[time] - first[time])
    if first[value] <= 0 or last[value] <= 0 or span <= 0:
        return float("nan")
    return float(((last[value] / first[value]) ** (1 / span) - 1) * 100)


def before_after(data: pd.DataFrame, exporter: str, *, value: str = "trade",
                 policy: str = "fta", exporter_col: str = "exporter",
                 importer_col: str = "importer", time: str = "year") -> pd.DataFrame:
    r"""An exporter's flows to each agreement partner before and after entry into force.

    For partner :math:`j` with entry year :math:`e_j` (the first panel year with
    ``policy == 1`` after at least one year with ``policy == 0``), over the panel
    years :math:`t`:

    .. math::

        \bar X^{before}_j = \mathrm{mean}_{t < e_j} X_{ij,t}, \quad
        \bar X^{after}_j = \mathrm{mean}_{t \ge e_j} X_{ij,t}, \quad
        \mathrm{change} = 100 (\bar X^{after}_j / \bar X^{before}_j - 1),

    and the average annual growth rate within each window,
    :math:`100 ((X_{last}/X_{first})^{1/(t_{last}-t_{first})} - 1)` (missing with
    fewer than two years).

    Returns
    -------
    pandas.DataFrame
        One row per partner: ``partner``, ``entry_year``, ``years_before``,
        ``years_after``, ``mean_before``, ``mean_after``, ``change_pct``,
        ``growth_before_pct``, ``growth_after_pct``. Partners whose agreement
        was in force in every panel year (no "before") are listed with
        ``entry_year`` missing and only ``mean_after``.
    """
    for col in (value, policy, exporter_col, importer_col, time):
        if col not in data.columns:
            raise ColumnNotFoundError(f"before_after needs column '{col}' in the study data.")
    sub = data[(data[exporter_col] == exporter) & (data[importer_col] != exporter)]
    if sub.empty:
        raise StudySpecError(f"exporter {exporter!r} has no flows in the study data; choose one "
                             f"of {', '.join(sorted(map(str, data[exporter_col].unique()))[:10])}...")
    rows = []
    for partner, grp in sub.groupby(importer_col, sort=True):
        grp = grp.sort_values(time)
        on = grp[policy].fillna(0).to_numpy() > 0
        if not on.any():
            continue
        if on[0]:  # in force from the first panel year: no "before"
            rows.append({"partner": partner, "entry_year": np.nan, "years_before": "",
                         "years_after": f"{int(grp[time].min())}-{int(grp[time].max())}",
                         "mean_before": np.nan, "mean_after": float(grp[value].mean()),
                         "change_pct": np.nan, "growth_before_pct": np.nan,
                         "growth_after_pct": _cagr(grp, value, time)})
            continue
        entry = int(grp[time].to_numpy()[int(np.argmax(on))])
        before, after = grp[grp[time] < entry], grp[grp[time] >= entry]
        mb, ma = float(before[value].mean()), float(after[value].mean())
        rows.append({"partner": partner, "entry_year": entry,
                     "years_before": f"{int(before[time].min())}-{int(before[time].max())}",
                     "years_after": f"{int(after[time].min())}-{int(after[time].max())}",
                     "mean_before": mb, "mean_after": ma,
                     "change_pct": (ma / mb - 1) * 100 if mb > 0 else np.nan,
                     "growth_before_pct": _cagr(before, value, time),
                     "growth_after_pct": _cagr(after, value, time)})
    return pd.DataFrame(rows, columns=["partner", "entry_year", "years_before", "years_after",
                                       "mean_before", "mean_after", "change_pct",
                                       "growth_before_pct", "growth_after_pct"])
