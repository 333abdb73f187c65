r"""Trade facilitation index (TFI) from WEF Global Competitiveness Report scores.

The index follows Wilson, Mann and Otsuki (2003, 2005) as set out in study 000
(Table 1): eleven Executive Opinion Survey questions (scores 1-7, 7 = best)
grouped into four primary indicators.

======================== ===== ===========================================================
primary                   code  secondaries (WEF GLOBAL ID)
======================== ===== ===========================================================
port efficiency           PE    roads EOSQ057, railroad EOSQrailroad, port EOSQ353,
                                air transport EOSQ061
regulatory environment    RE    judicial independence EOSQ144, burden of government
                                regulation EOSQ048, transparency of policymaking EOSQ049
customs environment       CE    prevalence of trade barriers EOSQ096, burden of customs
                                procedures EOSQ050
e-business                EB    availability of latest technologies EOSQ067,
                                firm-level technology absorption EOSQ068
======================== ===== ===========================================================

For economy :math:`i` and year :math:`t`, with :math:`A_{kit}` the secondaries
of primary :math:`k` that are observed,

.. math::

    P_{kit} = \frac{100}{7} \cdot \frac{1}{|A_{kit}|} \sum_{j \in A_{kit}} x_{jit},
    \qquad
    \mathrm{TFI}_{it} = \frac{1}{4} \sum_{k \in \{PE, RE, CE, EB\}} P_{kit}
                      = \frac{100}{7} \cdot \frac{1}{4} \sum_k \bar x_{kit}.

A primary needs at least ``min_count`` observed secondaries (default 1: the
mean of those present, as in the study); the TFI needs all four primaries
unless ``index_min_count`` says otherwise, because a mean over fewer primaries
is not comparable with the full index. Missing secondaries are reported in
every row (``missing_secondaries``) and summarised by :func:`tfi_coverage_by_year`.

Scale of the primaries. The study multiplies the mean of the primaries by
100/7. Its Table 4 enters PE, RE, CE and EB as regressors with coefficients of
the same size as the TFI's (about 0.19-0.27), which fits primaries on the same
0-100 scale, not on the 1-7 scale (that would give coefficients about 14 times
larger). hitex therefore reports the primaries multiplied by 100/7 as well
(``scale_primaries=True``); pass ``scale_primaries=False`` for the 1-7 means.
The TFI is the same either way.

Years follow the GCR edition -> year rule of :mod:`hitex.data.gcr`: edition
``'Y-(Y+1)'`` is year :math:`Y` by default (``year_rule='start'``), or
:math:`Y+1` with ``year_rule='end'``.
"""

from __future__ import annotations

import pandas as pd

from hitex.data.gcr import (
    YearRule,
    check_score_range,
    edition_to_year,
    format_edition,
    parse_edition,
)
from hitex.errors import ColumnNotFoundError
from hitex.indicators.composite import CompositeSpec, composite_index

TFI_PRIMARIES: dict[str, tuple[str, ...]] = {
    "PE": ("EOSQ057", "EOSQrailroad", "EOSQ353", "EOSQ061"),
    "RE": ("EOSQ144", "EOSQ048", "EOSQ049"),
    "CE": ("EOSQ096", "EOSQ050"),
    "EB": ("EOSQ067", "EOSQ068"),
}
"""Primary indicator -> WEF GLOBAL IDs of its secondary indicators (study 000, Table 1)."""

TFI_LABELS: dict[str, str] = {
    "PE": "Port efficiency",
    "RE": "Regulatory environment",
    "CE": "Customs environment",
    "EB": "E-business",
    "TFI": "Trade facilitation index",
}

TFI_SECONDARIES: tuple[str, ...] = tuple(c for cs in TFI_PRIMARIES.values() for c in cs)
"""The eleven secondary indicators, in the order of :data:`TFI_PRIMARIES`."""

TFI_SCALE = 100 / 7

COLUMNS = [
    "iso3",
    "year",
    "PE",
    "RE",
    "CE",
    "EB",
    "TFI",
    "n_secondary_present",
    "missing_secondaries",
]
"""Columns returned by :func:`trade_facilitation_index`."""


def tfi_spec(
    *,
    min_count: int = 1,
    index_min_count: int = 4,
    scale: float = TFI_SCALE,
    scale_primaries: bool = True,
) -> CompositeSpec:
    """The TFI as a :class:`~hitex.indicators.composite.CompositeSpec` (arithmetic means)."""
    return CompositeSpec(
        primaries=TFI_PRIMARIES,
        name="TFI",
        min_count=min_count,
        index_min_count=index_min_count,
        scale=scale,
        scale_primaries=scale_primaries,
        labels=TFI_LABELS,
    )


def trade_facilitation_index(
    scores_long: pd.DataFrame,
    *,
    year_rule: YearRule = "start",
    min_count: int = 1,
    scale: float = TFI_SCALE,
    scale_primaries: bool = True,
    index_min_count: int = 4,
) -> pd.DataFrame:
    """Compute the trade facilitation index of study 000 from GCR scores.

    Parameters
    ----------
    scores_long : DataFrame
        Long GCR scores as returned by :func:`hitex.data.gcr.load_gcr`:
        columns ``iso3``, ``indicator_code``, ``value`` and ``edition`` (or
        ``edition_start_year``, or an already mapped ``year``). Other
        indicators are ignored.
    year_rule : {'start', 'end'}, default 'start'
        Edition ``'Y-(Y+1)'`` -> year :math:`Y` or :math:`Y+1`. Used when an
        ``edition`` or ``edition_start_year`` column is present; a bare
        ``year`` column is taken as it is.
    min_count : int, default 1
        Secondaries needed for a primary (1: mean of those present).
    scale : float, default 100/7
        Factor applied to the TFI (and to the primaries, see below).
    scale_primaries : bool, default True
        Report PE, RE, CE, EB multiplied by ``scale`` (0-100 scale, as the
        study's Table 4 implies); ``False`` reports the 1-7 means.
    index_min_count : int, default 4
        Primaries needed for the TFI.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: one row per economy and year with at least
        one of the eleven scores; ``n_secondary_present`` counts the observed
        secondaries (of 11), ``missing_secondaries`` lists the others joined
        by ``';'`` (empty when complete).

    Raises
    ------
    ColumnNotFoundError
        A required column is missing.
    DuplicateKeyError
        An economy has two scores for one indicator and year.
    HitexError
        A score lies outside 1-7.
    """
    panel = _scores_by_year(scores_long, year_rule)
    spec = tfi_spec(
        min_count=min_count,
        index_min_count=index_min_count,
        scale=scale,
        scale_primaries=scale_primaries,
    )
    wide = composite_index(
        panel,
        spec,
        unit="iso3",
        period="year",
        indicator="indicator_code",
        value="value",
        layout="long",
    )
    present = panel.pivot(index=["iso3", "year"], columns="indicator_code", values="value")
    present = present.reindex(columns=list(TFI_SECONDARIES)).notna()
    present = present.reindex(pd.MultiIndex.from_frame(wide[["iso3", "year"]]), fill_value=False)
    wide["n_secondary_present"] = wide["n_present"]
    wide["missing_secondaries"] = [
        ";".join(c for c, ok in zip(TFI_SECONDARIES, row, strict=True) if not ok)
        for row in present.to_numpy()
    ]
    return wide[COLUMNS].reset_index(drop=True)


def _scores_by_year(scores: pd.DataFrame, year_rule: YearRule) -> pd.DataFrame:
    """Rows of the eleven TFI indicators with a ``year`` column set by the edition rule."""
    edition_to_year(2000, year_rule)  # validates year_rule
    for col in ("iso3", "indicator_code", "value"):
        if col not in scores.columns:
            raise ColumnNotFoundError(
                f"trade_facilitation_index: column '{col}' not found in the scores. Pass the "
                "long table of hitex.data.gcr.load_gcr (iso3, edition, indicator_code, value)."
            )
    df = scores.loc[scores["indicator_code"].isin(TFI_SECONDARIES)].copy()
    if "edition" in df.columns:
        starts = pd.Series([parse_edition(e) for e in df["edition"]], index=df.index)
    elif "edition_start_year" in df.columns:
        starts = df["edition_start_year"].astype("int64")
    elif "year" in scores.columns:
        starts = None
    else:
        raise ColumnNotFoundError(
            "trade_facilitation_index: column 'edition' not found (nor 'edition_start_year' "
            "or 'year'). Add the GCR edition, e.g. '2012-2013'."
        )
    if starts is not None:
        df["year"] = [edition_to_year(s, year_rule) for s in starts]
        df["edition"] = [format_edition(s) for s in starts]
    else:
        df["edition"] = df["year"].astype(str)
    check_score_range(df)
    return df[["iso3", "year", "indicator_code", "value"]]


def tfi_coverage_by_year(tfi: pd.DataFrame) -> pd.DataFrame:
    """Summarise, year by year, how complete the TFI's inputs are.

    Parameters
    ----------
    tfi : DataFrame
        Output of :func:`trade_facilitation_index` (possibly filtered to a
        sample of economies).

    Returns
    -------
    DataFrame
        One row per year: ``economies`` (rows), ``mean_secondaries_present``
        (of 11), ``share_complete`` (share with all 11), ``tfi_available``
        (economies with a TFI value) and ``missing_for_all`` (the secondaries
        missing for every economy that year, ``';'``-joined).
    """
    for col in ("year", "n_secondary_present", "missing_secondaries", "TFI"):
        if col not in tfi.columns:
            raise ColumnNotFoundError(
                f"tfi_coverage_by_year: column '{col}' not found; pass the output of "
                "trade_facilitation_index."
            )
    rows = []
    for year, g in tfi.groupby("year", sort=True):
        missing_sets = [set(filter(None, str(m).split(";"))) for m in g["missing_secondaries"]]
        common = set.intersection(*missing_sets) if missing_sets else set()
        rows.append(
            {
                "year": year,
                "economies": len(g),
                "mean_secondaries_present": float(g["n_secondary_present"].mean()),
                "share_complete": float((g["n_secondary_present"] == len(TFI_SECONDARIES)).mean()),
                "tfi_available": int(g["TFI"].notna().sum()),
                "missing_for_all": ";".join(c for c in TFI_SECONDARIES if c in common),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "COLUMNS",
    "TFI_LABELS",
    "TFI_PRIMARIES",
    "TFI_SCALE",
    "TFI_SECONDARIES",
    "tfi_coverage_by_year",
    "tfi_spec",
    "trade_facilitation_index",
]
