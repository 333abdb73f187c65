r"""Hierarchical composite indices (secondary -> primary -> index).

A composite index groups *secondary* indicators :math:`x_{j}` (for example
survey scores) into *primary* indicators :math:`P_k`, and the primaries into
one index :math:`I`. For a unit :math:`i` (a country) and period :math:`t`,
with :math:`S_k` the members of primary :math:`k` and
:math:`A_{kit} \subseteq S_k` those observed,

.. math::

    P_{kit} = \begin{cases}
        \dfrac{\sum_{j \in A_{kit}} w_j \, \tilde x_{jit}}{\sum_{j \in A_{kit}} w_j}
            & |A_{kit}| \ge m_k \\
        \text{missing} & \text{otherwise}
    \end{cases}
    \qquad
    I_{it} = c \cdot \frac{\sum_{k \in B_{it}} v_k P_{kit}}{\sum_{k \in B_{it}} v_k}
    \quad \text{if } |B_{it}| \ge m_I,

where :math:`\tilde x` is the secondary after optional normalisation
(none, min-max :math:`(x - \min)/(\max - \min)` or z-score
:math:`(x - \bar x)/s`, computed over the pooled sample or within each period),
:math:`w_j, v_k` are weights (equal weights give the arithmetic mean of the
members present), :math:`m_k` is ``min_count``, :math:`B_{it}` the primaries
present, :math:`m_I` ``index_min_count`` and :math:`c` the final ``scale``
(for example :math:`100/7` to map 1-7 scores to 0-100). Weights are
renormalised over the members present, so a missing member never counts as 0.

Weighting is a pluggable strategy (:class:`WeightingStrategy`): it receives the
members and their values over the whole sample, so data-driven schemes (entropy
weights, principal components) can be added without touching the aggregation.

Everything here is a pure function of a DataFrame: :func:`composite_index`
returns the wide scores, :func:`composite_coverage` which members were present.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DataFormatError,
    DuplicateKeyError,
    NonNumericError,
    SpecificationError,
)
from hitex.indicators._keys import plain_index

Normalization = Literal["none", "minmax", "zscore"]
Layout = Literal["auto", "long", "wide"]


# ----------------------------------------------------------------------------- weighting


@runtime_checkable
class WeightingStrategy(Protocol):
    """How the members of a group are weighted.

    ``weights(members, values)`` returns one non-negative weight per member
    (a :class:`pandas.Series` indexed by member, not necessarily summing to 1).
    ``values`` holds the (normalised) member values of every unit and period,
    one column per member, for schemes that derive weights from the data.
    """

    name: str

    def weights(self, members: Sequence[str], values: pd.DataFrame) -> pd.Series: ...


@dataclass(frozen=True)
class EqualWeights:
    """Equal weights: the arithmetic mean of the members present."""

    name: str = "mean"

    def weights(self, members: Sequence[str], values: pd.DataFrame) -> pd.Series:
        return pd.Series(1.0, index=list(members))


@dataclass(frozen=True)
class FixedWeights:
    """User-given weights, one per member (renormalised over the members present)."""

    weights_by_member: Mapping[str, float]
    name: str = "fixed"

    def weights(self, members: Sequence[str], values: pd.DataFrame) -> pd.Series:
        missing = [m for m in members if m not in self.weights_by_member]
        if missing:
            raise SpecificationError(
                f"No weight given for {', '.join(missing)}; give a weight for every member "
                "or use weights='mean'."
            )
        w = pd.Series({m: float(self.weights_by_member[m]) for m in members})
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise SpecificationError(
                f"Weights must be finite, non-negative and not all zero; got {w.to_dict()}."
            )
        return w


WeightsLike = str | Mapping[str, Any] | WeightingStrategy


def _strategy_from_mapping(spec: dict[str, Any]) -> WeightingStrategy:
    """``{method: entropy, shift: 0.01, negative: [x]}`` or ``{method: pca, components: 2}``.

    The form a study file or a CLI spec file uses for a data-driven scheme with options.
    """
    from hitex.indicators.weights import EntropyWeights, PCAWeights

    method = spec.pop("method")
    allowed = {"entropy": ("shift", "negative"), "pca": ("components",), "mean": (),
               "equal": ()}
    if method not in allowed:
        raise SpecificationError(
            f"weights method {method!r} is not known; use 'mean', 'entropy' or 'pca'."
        )
    unknown = sorted(set(spec) - set(allowed[method]))
    if unknown:
        raise SpecificationError(
            f"weights method {method!r} has no option(s) {unknown}; its options are "
            f"{list(allowed[method]) or 'none'}."
        )
    if method == "entropy":
        negative = spec.get("negative", ())
        negative = (negative,) if isinstance(negative, str) else tuple(negative)
        return EntropyWeights(shift=float(spec.get("shift", 0.0)), negative=negative)
    if method == "pca":
        return PCAWeights(components=spec.get("components", "kaiser"))
    return EqualWeights()


def resolve_weighting(weights: WeightsLike | None) -> WeightingStrategy:
    """Turn ``'mean'``/``'equal'``, a mapping of weights, or a strategy into a strategy."""
    if weights is None or (isinstance(weights, str) and weights in ("mean", "equal")):
        return EqualWeights()
    if isinstance(weights, str) and weights in ("entropy", "pca"):
        from hitex.indicators.weights import EntropyWeights, PCAWeights

        return EntropyWeights() if weights == "entropy" else PCAWeights()
    if isinstance(weights, str):
        raise SpecificationError(
            f"weights={weights!r} is not known; use 'mean' (equal weights), 'entropy', 'pca', "
            "a mapping {indicator: weight}, or a WeightingStrategy."
        )
    if isinstance(weights, WeightingStrategy):
        return weights
    if isinstance(weights, Mapping) and isinstance(weights.get("method"), str):
        return _strategy_from_mapping(dict(weights))
    if isinstance(weights, Mapping):
        return FixedWeights(dict(weights))
    raise SpecificationError(f"weights={weights!r} is not a weighting scheme.")


# ----------------------------------------------------------------------------- spec


@dataclass(frozen=True, eq=False)
class CompositeSpec:
    """Structure and aggregation rules of a hierarchical composite index.

    Parameters
    ----------
    primaries : mapping of str to sequence of str
        Primary indicator -> its secondary indicators (order kept in output).
        A secondary belongs to one primary only.
    name : str, default 'index'
        Name of the index column.
    secondary_weights, primary_weights : 'mean', mapping or WeightingStrategy
        Weights of the secondaries within their primary and of the primaries in
        the index; default equal weights (arithmetic mean of those present).
    min_count : int or mapping, default 1
        Members that must be present for a primary to be computed, for all
        primaries or per primary.
    index_min_count : int, optional
        Primaries that must be present for the index; default all of them.
    normalize : {'none', 'minmax', 'zscore'}, default 'none'
        Normalisation of each secondary before aggregation.
    normalize_within : {'pooled', 'period'}, default 'pooled'
        Compute the normalisation over the whole sample or period by period.
    scale : float, default 1.0
        Factor :math:`c` applied to the index (e.g. ``100/7``).
    scale_primaries : bool, default False
        Report the primaries multiplied by ``scale`` too (same units as the
        index); the index is the same either way.
    """

    primaries: Mapping[str, Sequence[str]]
    name: str = "index"
    secondary_weights: WeightsLike = "mean"
    primary_weights: WeightsLike = "mean"
    min_count: int | Mapping[str, int] = 1
    index_min_count: int | None = None
    normalize: Normalization = "none"
    normalize_within: Literal["pooled", "period"] = "pooled"
    scale: float = 1.0
    scale_primaries: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        groups = {str(k): tuple(str(m) for m in v) for k, v in dict(self.primaries).items()}
        if not groups:
            raise SpecificationError("A composite needs at least one primary indicator.")
        empty = [k for k, v in groups.items() if not v]
        if empty:
            raise SpecificationError(f"Primary indicator(s) {', '.join(empty)} have no members.")
        seen: dict[str, str] = {}
        for primary, members in groups.items():
            for m in members:
                if m in seen:
                    raise SpecificationError(
                        f"Secondary indicator '{m}' is listed under both '{seen[m]}' and "
                        f"'{primary}'; list it under one primary only."
                    )
                seen[m] = primary
        clash = set(groups) & set(seen) | ({self.name} & (set(groups) | set(seen)))
        if clash:
            raise SpecificationError(
                f"Names {sorted(clash)} are used twice (index, primary and secondary names "
                "must differ)."
            )
        object.__setattr__(self, "primaries", groups)
        for primary, members in groups.items():
            m = self.min_count_of(primary)
            if not 1 <= m <= len(members):
                raise SpecificationError(
                    f"min_count={m} for '{primary}' must be between 1 and its {len(members)} "
                    "members."
                )
        if self.index_min_count is not None and not 1 <= self.index_min_count <= len(groups):
            raise SpecificationError(
                f"index_min_count={self.index_min_count} must be between 1 and the "
                f"{len(groups)} primaries."
            )
        if self.normalize not in ("none", "minmax", "zscore"):
            raise SpecificationError(
                f"normalize={self.normalize!r}; use 'none', 'minmax' or 'zscore'."
            )
        if self.normalize_within not in ("pooled", "period"):
            raise SpecificationError(
                f"normalize_within={self.normalize_within!r}; use 'pooled' or 'period'."
            )
        if not (isinstance(self.scale, int | float) and math.isfinite(self.scale) and self.scale):
            raise SpecificationError(f"scale={self.scale!r} must be a finite non-zero number.")
        resolve_weighting(self.secondary_weights)
        resolve_weighting(self.primary_weights)

    @property
    def secondaries(self) -> tuple[str, ...]:
        """All secondary indicators, primary by primary."""
        return tuple(m for members in self.primaries.values() for m in members)

    def min_count_of(self, primary: str) -> int:
        """The ``min_count`` that applies to ``primary``."""
        if isinstance(self.min_count, Mapping):
            return int(self.min_count.get(primary, 1))
        return int(self.min_count)

    @property
    def required_primaries(self) -> int:
        """Primaries needed for the index (``index_min_count``, default all)."""
        return self.index_min_count or len(self.primaries)


# ----------------------------------------------------------------------------- input


def _numeric(col: pd.Series, what: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        raise NonNumericError(f"Column '{what}' holds True/False values; scores must be numbers.")
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    conv = pd.to_numeric(col, errors="coerce")
    bad = col.notna() & conv.isna()
    if bad.any():
        examples = ", ".join(repr(v) for v in col[bad].drop_duplicates().head(3))
        raise NonNumericError(
            f"Column '{what}' holds text that is not a number ({int(bad.sum())} cells, e.g. "
            f"{examples}). Convert it with pandas.to_numeric or set such cells to missing."
        )
    return conv.astype("float64")


def _require(data: pd.DataFrame, columns: Sequence[str], context: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{context}: column '{missing[0]}' not found"
            f"{' (also missing: ' + ', '.join(missing[1:]) + ')' if missing[1:] else ''}. "
            f"Available columns: {', '.join(map(str, data.columns))}. Rename the column or "
            "pass its name (unit=, period=, indicator=, value=)."
        )


def _duplicate_error(keys: pd.DataFrame, cols: list[str]) -> DuplicateKeyError:
    dup = keys[keys.duplicated(cols, keep=False)].drop_duplicates().head(3)
    shown = "; ".join(", ".join(f"{c}={r[c]!r}" for c in cols) for _, r in dup.iterrows())
    return DuplicateKeyError(
        f"Rows are duplicated on {' x '.join(cols)}, e.g. {shown}. Keep one value per key "
        "(aggregate or drop the duplicates first)."
    )


def _to_wide(
    data: pd.DataFrame,
    spec: CompositeSpec,
    unit: str,
    period: str,
    indicator: str,
    value: str,
    layout: Layout,
) -> pd.DataFrame:
    """Secondary values indexed by (unit, period), one float column per secondary."""
    data = plain_index(data)
    if layout == "auto":
        is_long = indicator in data.columns and value in data.columns
        is_wide = any(s in data.columns for s in spec.secondaries)
        layout = "long" if is_long or not is_wide else "wide"
    if layout not in ("long", "wide"):
        raise SpecificationError(f"layout={layout!r}; use 'auto', 'long' or 'wide'.")
    context = f"composite '{spec.name}' ({layout} input)"
    if layout == "long":
        _require(data, [unit, period, indicator, value], context)
        keys = [unit, period]
    else:
        _require(data, [unit, period, *spec.secondaries], context)
        keys = [unit, period]
    missing_key = data[keys].isna().any(axis=1)
    if missing_key.any():
        raise DataFormatError(
            f"{int(missing_key.sum())} rows have a missing {unit} or {period}; drop or fill them."
        )
    index = pd.MultiIndex.from_frame(data[keys].drop_duplicates().sort_values(keys))
    if layout == "long":
        absent = [m for m in spec.secondaries if not (data[indicator] == m).any()]
        if absent:
            have = sorted(map(str, data[indicator].dropna().unique()))
            raise ColumnNotFoundError(
                f"{context}: indicator(s) {absent} have no rows in column '{indicator}' (it holds "
                f"{have[:12]}{' ...' if len(have) > 12 else ''}). Fix the names in the spec or "
                "add the data."
            )
        rows = data.loc[data[indicator].isin(spec.secondaries), [unit, period, indicator, value]]
        if rows.duplicated([unit, period, indicator]).any():
            raise _duplicate_error(rows[[unit, period, indicator]], [unit, period, indicator])
        rows = rows.assign(**{value: _numeric(rows[value], value)})
        wide = rows.pivot(index=keys, columns=indicator, values=value)
    else:
        if data.duplicated(keys).any():
            raise _duplicate_error(data[keys], keys)
        wide = pd.DataFrame({s: _numeric(data[s], s) for s in spec.secondaries})
        wide.index = pd.MultiIndex.from_frame(data[keys])
    wide = wide.reindex(index=index, columns=list(spec.secondaries)).astype("float64")
    wide.columns.name = None
    return wide


def _normalize(wide: pd.DataFrame, spec: CompositeSpec, period: str) -> pd.DataFrame:
    if spec.normalize == "none":
        return wide
    groups = (
        [wide]
        if spec.normalize_within == "pooled"
        else [g for _, g in wide.groupby(level=period, sort=False)]
    )
    out = []
    for g in groups:
        if spec.normalize == "minmax":
            lo, hi = g.min(), g.max()
            spread = hi - lo
        else:
            lo, spread = g.mean(), g.std(ddof=1)
        flat = [c for c in g.columns if g[c].notna().any() and not (spread[c] > 0)]
        if flat:
            where = "" if spec.normalize_within == "pooled" else f" in {period} {g.index[0][1]}"
            raise SpecificationError(
                f"normalize='{spec.normalize}' is undefined for {', '.join(flat)}{where}: "
                "the values do not vary. Use normalize='none' or drop the indicator."
            )
        out.append((g - lo) / spread)
    return pd.concat(out).reindex(wide.index)


def _aggregate(
    values: pd.DataFrame, strategy: WeightingStrategy, min_count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean over the members present; returns (result, count present)."""
    members = list(values.columns)
    w = strategy.weights(members, values).reindex(members).to_numpy(dtype="float64")
    if np.isnan(w).any() or (w < 0).any():
        raise SpecificationError(
            f"Weighting '{strategy.name}' returned missing or negative weights for {members}."
        )
    x = values.to_numpy(dtype="float64")
    present = ~np.isnan(x)
    count = present.sum(axis=1)
    den = (present * w).sum(axis=1)
    num = np.where(present, x * w, 0.0).sum(axis=1)
    ok = (count >= min_count) & (den > 0)
    result = np.full(len(x), np.nan)
    result[ok] = num[ok] / den[ok]
    return result, count


# ----------------------------------------------------------------------------- public API


def composite_index(
    data: pd.DataFrame,
    spec: CompositeSpec,
    *,
    unit: str = "unit",
    period: str = "period",
    indicator: str = "indicator",
    value: str = "value",
    layout: Layout = "auto",
) -> pd.DataFrame:
    """Compute a hierarchical composite index.

    Parameters
    ----------
    data : DataFrame
        Long (one row per ``unit, period, indicator`` with a ``value``) or wide
        (one row per ``unit, period``, one column per secondary indicator).
        Long rows of indicators not in ``spec`` are ignored.
    spec : CompositeSpec
        Structure and rules (see the module docstring for the formulas).
    unit, period, indicator, value : str
        Column names.
    layout : {'auto', 'long', 'wide'}, default 'auto'
        ``'auto'`` reads long input when ``indicator`` and ``value`` columns
        exist, else wide.

    Returns
    -------
    DataFrame
        One row per unit and period of the input, sorted: ``unit, period``, one
        column per primary, the index (``spec.name``), ``n_present_<primary>``
        (secondaries present), ``n_present`` (all secondaries present) and
        ``n_primaries`` (primaries computed).

    Raises
    ------
    ColumnNotFoundError
        A key column, or in wide input a secondary column, is missing.
    DuplicateKeyError
        A unit x period x indicator (wide: unit x period) occurs twice.
    NonNumericError
        Values hold text.
    """
    wide = _to_wide(data, spec, unit, period, indicator, value, layout)
    normed = _normalize(wide, spec, period)
    sec_strategy = resolve_weighting(spec.secondary_weights)
    prim_strategy = resolve_weighting(spec.primary_weights)
    prim = pd.DataFrame(index=wide.index)
    counts = {}
    for primary, members in spec.primaries.items():
        prim[primary], counts[primary] = _aggregate(
            normed[list(members)], sec_strategy, spec.min_count_of(primary)
        )
    index_values, n_prim = _aggregate(prim, prim_strategy, spec.required_primaries)

    out = wide.index.to_frame(index=False)
    factor = spec.scale if spec.scale_primaries else 1.0
    for primary in spec.primaries:
        out[primary] = prim[primary].to_numpy() * factor
    out[spec.name] = index_values * spec.scale
    for primary in spec.primaries:
        out[f"n_present_{primary}"] = counts[primary].astype("int64")
    out["n_present"] = wide.notna().sum(axis=1).to_numpy().astype("int64")
    out["n_primaries"] = n_prim.astype("int64")
    return out


def composite_coverage(
    data: pd.DataFrame,
    spec: CompositeSpec,
    *,
    unit: str = "unit",
    period: str = "period",
    indicator: str = "indicator",
    value: str = "value",
    layout: Layout = "auto",
) -> pd.DataFrame:
    """Which members of each primary (and which primaries) were present.

    Takes the same arguments as :func:`composite_index`.

    Returns
    -------
    DataFrame
        One row per unit, period and component (each primary, then the index):
        ``unit, period, level`` (``'primary'`` or ``'index'``), ``component``,
        ``n_expected``, ``n_present``, ``n_required`` (``min_count``),
        ``present`` and ``missing`` (``';'``-joined member names) and
        ``computed`` (whether the component has a value).
    """
    scores = composite_index(
        data, spec, unit=unit, period=period, indicator=indicator, value=value, layout=layout
    )
    wide = _to_wide(data, spec, unit, period, indicator, value, layout)
    observed = wide.notna().to_numpy()
    col = {s: j for j, s in enumerate(wide.columns)}
    keys = wide.index.to_frame(index=False)
    frames = []
    for comp, members in spec.primaries.items():
        flags = observed[:, [col[m] for m in members]]
        required = spec.min_count_of(comp)
        frames.append(_coverage_rows(keys, "primary", comp, members, flags, required, scores))
    prim_flags = scores[list(spec.primaries)].notna().to_numpy()
    frames.append(
        _coverage_rows(
            keys,
            "index",
            spec.name,
            list(spec.primaries),
            prim_flags,
            spec.required_primaries,
            scores,
        )
    )
    out = pd.concat(frames, ignore_index=True)
    order = {c: i for i, c in enumerate([*spec.primaries, spec.name])}
    out["_o"] = out["component"].map(order)
    return out.sort_values([unit, period, "_o"]).drop(columns="_o").reset_index(drop=True)


def _coverage_rows(
    keys: pd.DataFrame,
    level: str,
    component: str,
    members: Sequence[str],
    flags: np.ndarray,
    required: int,
    scores: pd.DataFrame,
) -> pd.DataFrame:
    frame = keys.copy()
    frame["level"] = level
    frame["component"] = component
    frame["n_expected"] = len(members)
    frame["n_present"] = flags.sum(axis=1).astype("int64")
    frame["n_required"] = required
    frame["present"] = [";".join(m for m, f in zip(members, r, strict=True) if f) for r in flags]
    frame["missing"] = [
        ";".join(m for m, f in zip(members, r, strict=True) if not f) for r in flags
    ]
    frame["computed"] = scores[component].notna().to_numpy()
    return frame


__all__ = [
    "CompositeSpec",
    "EqualWeights",
    "FixedWeights",
    "Normalization",
    "WeightingStrategy",
    "composite_coverage",
    "composite_index",
    "resolve_weighting",
]
