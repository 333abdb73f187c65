"""Small-sample conventions and the degrees of freedom absorbed by fixed effects.

The pieces that the variance code (:mod:`hitex.models.inference`), the 2SLS
first stage (:mod:`hitex.models.iv`) and the IV diagnostics
(:mod:`hitex.models.iv_diagnostics`) share. This module imports none of them.

* :data:`SSC_CONVENTIONS` names hitex's small-sample conventions as pyfixest
  settings, and :func:`engine_ssc` says which settings the engine is given;
* :func:`absorbed_dof` counts the degrees of freedom absorbed by fixed effects
  as Stata reghdfe does (its ``e(df_a)``): the levels of every fixed effect,
  less the redundant ones (:func:`redundant_levels`) and less the levels of
  fixed effects nested in a cluster variable (:func:`is_nested`);
* :func:`cluster_adjustment` is the clustered-variance multiplier
  ``G/(G-1) * (N-1)/(N-K)`` of reghdfe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError

#: pyfixest small-sample settings for each named convention.
SSC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "reghdfe": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "fixest": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "none": {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"},
}


def engine_ssc(vcov: Any, ssc: str) -> dict[str, Any]:
    """Small-sample settings handed to pyfixest.

    For clustered errors hitex asks pyfixest for the *unadjusted* sandwich and
    applies the convention itself (:func:`cluster_adjustment`): pyfixest
    0.60's detection of fixed effects nested in the clusters compares rows of
    two differently ordered arrays in some runs, so the same model could get
    ``K`` = 3 in one process and 10 in the next.
    """
    if isinstance(vcov, Mapping):
        return {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"}
    return SSC_CONVENTIONS[ssc]


def is_nested(data: pd.DataFrame, fe: str, cluster: Sequence[str]) -> bool:
    """True if every level of fixed effect ``fe`` lies within one cluster."""
    cols = fe.split("^")
    for col in cluster:
        if col == fe:
            return True
        counts = data.groupby(cols, observed=True, sort=False)[col].nunique(dropna=False)
        if int(counts.max()) <= 1:
            return True
    return False


def redundant_levels(sample: pd.DataFrame, fixed_effects: Sequence[str]) -> int:
    """Fixed-effect levels that are not identified (collinear with the others).

    Between the first two fixed effects the count is exact: the number of
    connected components ("mobility groups") of the bipartite graph linking
    their levels, as reghdfe computes it. With ``exporter^year +
    importer^year`` that is one per year, not one in all. Each further fixed
    effect adds one (at least one of its levels is collinear with the others);
    more redundancy there is possible and then ``K`` is conservative, as in
    reghdfe.
    """
    if len(fixed_effects) < 2:
        return 0
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    codes = [sample.groupby(fe.split("^"), observed=True, sort=False).ngroup().to_numpy()
             for fe in fixed_effects[:2]]
    n_a, n_b = int(codes[0].max()) + 1, int(codes[1].max()) + 1
    graph = coo_matrix((np.ones(len(codes[0])), (codes[0], codes[1] + n_a)),
                       shape=(n_a + n_b, n_a + n_b))
    n_components, _ = connected_components(graph, directed=False)
    return int(n_components) + len(fixed_effects) - 2


def fe_levels(sample: pd.DataFrame, fixed_effects: Sequence[str]) -> dict[str, int]:
    """Number of levels of each fixed effect in ``sample``."""
    return {fe: int(sample.groupby(fe.split("^"), observed=True, sort=False).ngroups)
            for fe in fixed_effects}


def absorbed_dof(sample: pd.DataFrame, fixed_effects: Sequence[str],
                 cluster: Sequence[str] = ()) -> tuple[int, int]:
    """Degrees of freedom absorbed by the fixed effects, as Stata reghdfe counts them.

    Parameters
    ----------
    sample : pandas.DataFrame
        The estimation sample (fixed-effect and cluster columns).
    fixed_effects : sequence of str
        The absorbed fixed effects (``"a^b"`` for an interaction).
    cluster : sequence of str, default ()
        Cluster variables: the levels of a fixed effect nested in one of them
        are not counted (reghdfe treats them as redundant).

    Returns
    -------
    (int, int)
        ``df_a``, the levels of all fixed effects less the redundant ones
        (:func:`redundant_levels`) and less the levels of nested fixed effects
        (reghdfe's ``e(df_a)``), and the number of nested fixed effects.
    """
    if not fixed_effects:
        return 0, 0
    levels = fe_levels(sample, fixed_effects)
    nested = [fe for fe in fixed_effects if cluster and is_nested(sample, fe, cluster)]
    df_a = (sum(levels.values()) - redundant_levels(sample, fixed_effects)
            - sum(levels[fe] for fe in nested))
    return int(df_a), len(nested)


def cluster_adjustment(fit: Any, spec: Any, sample: pd.DataFrame) -> tuple[float, int]:
    """Return (variance multiplier, K) for clustered errors under ``spec.ssc``.

    ``G/(G-1) * (N-1)/(N-K)`` with ``G`` the smallest number of clusters and
    ``K`` = coefficients + fixed-effect levels - redundant levels (see
    :func:`redundant_levels`) - levels of fixed effects nested in a cluster +
    one per nested fixed effect: Stata reghdfe's count (fixest's
    ``fixef.K = "nested"`` for two connected fixed effects).

    ``fit`` is a pyfixest fit (``_N``, ``_G``, ``_coefnames``) and ``spec`` a
    :class:`~hitex.models.results.ModelSpec` (``ssc``, ``fixed_effects``,
    ``cluster``).
    """
    conv = SSC_CONVENTIONS[spec.ssc]
    n = int(fit._N)
    g = int(np.min(np.atleast_1d(np.asarray(fit._G))))
    k = len(fit._coefnames)
    if spec.fixed_effects:
        df_a, n_nested = absorbed_dof(sample, spec.fixed_effects, spec.cluster)
        k += df_a + n_nested
    if conv["k_adj"] and n <= k:
        raise EstimationError(
            f"{n} observations for {k} parameters (coefficients and fixed effects): the "
            "small-sample adjustment (N-1)/(N-K) is undefined. Use fewer regressors or fixed "
            "effects, or more data."
        )
    if g < 2:
        raise SpecificationError(
            f"only {g} cluster(s): clustered standard errors need at least 2 clusters."
        )
    factor = 1.0
    if conv["k_adj"]:
        factor *= (n - 1) / (n - k)
    if conv["G_adj"]:
        factor *= g / (g - 1)
    return factor, k


__all__ = ["SSC_CONVENTIONS", "absorbed_dof", "cluster_adjustment", "engine_ssc", "fe_levels",
           "is_nested", "redundant_levels"]
