"""Small-sample conventions and the degrees of freedom absorbed by fixed effects.

The pieces that the variance code (:mod:`hitex.models.inference`), the 2SLS
first stage (:mod:`hitex.models.iv`) and the IV diagnostics
(:mod:`hitex.models.iv_diagnostics`) share. This module imports none of them.

* :data:`SSC_CONVENTIONS` names hitex's small-sample conventions as pyfixest
  settings, :func:`fixest_ssc` builds any combination of fixest's ``ssc()``
  switches (``adj``, ``fixef.K``, ``cluster.adj``) as a convention name,
  :func:`check_ssc` validates a user's ``ssc=`` and :func:`ssc_settings`
  reads a convention; :func:`engine_ssc` says which settings the engine is given;
* :func:`absorbed_dof` counts the degrees of freedom absorbed by fixed effects
  as Stata reghdfe does (its ``e(df_a)``): the levels of every fixed effect,
  less the redundant ones (:func:`redundant_levels`) and less the levels of
  fixed effects nested in a cluster variable (:func:`is_nested`);
* :func:`cluster_adjustment` is the clustered-variance multiplier
  ``G/(G-1) * (N-1)/(N-K)`` of reghdfe (and of the other conventions), and
  :func:`hac_adjustment` the same for Newey-West and Driscoll-Kraay variances;
* :func:`convention_factor` the multipliers of the conventions pyfixest has
  no switch for (Stata's ML robust variance, ivreg2's ``RSS/N``).

The conventions by name
-----------------------
``"reghdfe"`` / ``"fixest"``
    Stata reghdfe and R fixest's default ``ssc(adj = TRUE, fixef.K = "nested",
    cluster.adj = TRUE)``: clustered ``G/(G-1) (N-1)/(N-K)``, ``K`` without the
    levels of fixed effects nested in a cluster; ``vcov="hetero"`` is HC1
    (``N/(N-K)``); ``iid`` uses ``RSS/(N-K)``; HC2/HC3 are multiplied by ``N/(N-K)``.
``"none"``
    No factor: HC0, plain HC2/HC3 (Stata ``regress, vce(hc3)``), clustered
    sandwich without ``G/(G-1)``; ``iid`` uses ``RSS/(N-1)`` (fixest's ``adj = FALSE``).
``"stata_ml"``
    Stata's maximum-likelihood commands (``poisson``, ``ppml``, ``logit`` ...
    ``, vce(robust)``): robust variance ``HC0 x N/(N-1)``; clustered ``G/(G-1)``
    only; no ``(N-1)/(N-K)``.
``"large_sample"``
    ivreg2 and ivregress without ``small``: ``iid`` with ``RSS/N``, robust HC0,
    clustered sandwich without any factor.
``fixest_ssc(adj=..., fixef_k=..., cluster_adj=...)``
    Any combination of fixest's switches, e.g. ``fixest_ssc(fixef_k="full")``
    (every fixed-effect level counted in ``K``, as ``lm`` with dummies and
    ``sandwich::vcovCL(type = "HC1")``), ``fixest_ssc(adj=False,
    cluster_adj=False)`` (no factor, as plm's ``vcovHC``/``vcovNW``/``vcovSCC``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hitex.errors import EstimationError, SpecificationError

#: pyfixest small-sample settings for each named convention.
SSC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "reghdfe": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "fixest": {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"},
    "none": {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"},
    "stata_ml": {"k_adj": False, "k_fixef": "none", "G_adj": True, "G_df": "min"},
    "large_sample": {"k_adj": False, "k_fixef": "none", "G_adj": False, "G_df": "min"},
}

#: fixest's ``fixef.K`` values and the pyfixest ``k_fixef`` each one is.
FIXEF_K: dict[str, str] = {"none": "none", "nested": "nonnested", "full": "full"}

_FIXEST_NAME = re.compile(
    r"^fixest\(adj=(True|False), fixef\.K=(none|nested|full), cluster\.adj=(True|False)"
    r"(?:, cluster\.df=(conventional))?\)$")
_ENGINE_KEYS = ("k_adj", "k_fixef", "G_adj", "G_df")


def fixest_ssc(adj: bool = True, fixef_k: str = "nested", cluster_adj: bool = True,
               cluster_df: str = "min") -> str:
    """The name of the convention with fixest's ``ssc(adj, fixef.K, cluster.adj, cluster.df)``.

    Parameters
    ----------
    adj : bool, default True
        Multiply by ``(N-1)/(N-K)`` (fixest ``adj``; for ``vcov="hetero"`` pyfixest
        and fixest then give HC1, ``N/(N-K)``).
    fixef_k : {"none", "nested", "full"}, default "nested"
        How fixed effects count in ``K`` (fixest ``fixef.K``): not at all; all
        levels less the redundant ones except those of effects nested in a
        cluster variable (reghdfe); all levels less the redundant ones.
    cluster_adj : bool, default True
        Multiply clustered (and HAC) variances by ``G/(G-1)`` (fixest ``cluster.adj``).
    cluster_df : {"min", "conventional"}, default "min"
        With multi-way clustering, one ``G/(G-1)`` with the smallest ``G`` for
        every term (fixest's default), or each term of ``V_a + V_b - V_ab`` with
        its own (fixest ``cluster.df = "conventional"``, R lfe's ``felm``).

    Returns
    -------
    str
        A name ``ssc=`` accepts, e.g. ``"fixest(adj=True, fixef.K=full, cluster.adj=True)"``.
    """
    if fixef_k not in FIXEF_K:
        raise SpecificationError(
            f"fixef_k={fixef_k!r} is not one of fixest's fixef.K values; use 'none', 'nested' "
            "or 'full'.")
    for name, value in (("adj", adj), ("cluster_adj", cluster_adj)):
        if not isinstance(value, bool | np.bool_):
            raise SpecificationError(f"{name}={value!r} must be True or False.")
    if cluster_df not in ("min", "conventional"):
        raise SpecificationError(
            f"cluster_df={cluster_df!r} is not one of fixest's cluster.df values; use 'min' or "
            "'conventional'.")
    tail = ", cluster.df=conventional" if cluster_df == "conventional" else ""
    return (f"fixest(adj={bool(adj)}, fixef.K={fixef_k}, cluster.adj={bool(cluster_adj)}"
            f"{tail})")


def ssc_settings(name: str) -> dict[str, Any]:
    """The settings of convention ``name`` (a key of :data:`SSC_CONVENTIONS` or a
    :func:`fixest_ssc` name): pyfixest's ``k_adj, k_fixef, G_adj, G_df`` and
    ``convention`` (the named convention, or ``"fixest"`` for a combination)."""
    if name in SSC_CONVENTIONS:
        return {**SSC_CONVENTIONS[name], "convention": name}
    match = _FIXEST_NAME.match(str(name))
    if match is None:
        raise SpecificationError(_unknown_ssc(name))
    adj, fixef_k, cluster_adj, cluster_df = match.groups()
    return {"k_adj": adj == "True", "k_fixef": FIXEF_K[fixef_k], "G_adj": cluster_adj == "True",
            "G_df": cluster_df or "min", "convention": "fixest"}


def _unknown_ssc(ssc: Any) -> str:
    return (f"ssc={ssc!r} is not a known small-sample convention; use one of "
            f"{', '.join(map(repr, SSC_CONVENTIONS))}, or fixest's switches as a mapping "
            "{'adj': True, 'fixef_k': 'nested', 'cluster_adj': True} (fixef_k one of 'none', "
            "'nested', 'full').")


def check_ssc(ssc: Any) -> str:
    """Validate a user's ``ssc=`` and return the convention's name.

    Accepts a name of :data:`SSC_CONVENTIONS`, a :func:`fixest_ssc` name, or a
    mapping with fixest's switches ``adj``, ``fixef_k`` (also ``"fixef.K"``)
    and ``cluster_adj`` (also ``"cluster.adj"``); missing switches take
    fixest's defaults. Raises :class:`~hitex.errors.SpecificationError` naming
    the known conventions otherwise.
    """
    if isinstance(ssc, Mapping):
        keys = {str(k).replace(".", "_").replace("fixef_K", "fixef_k"): v for k, v in ssc.items()}
        unknown = set(keys) - {"adj", "fixef_k", "cluster_adj", "cluster_df"}
        if unknown:
            raise SpecificationError(
                f"ssc={dict(ssc)!r} has unknown switch(es) {sorted(unknown)}; fixest's switches are "
                "'adj', 'fixef_k', 'cluster_adj' and 'cluster_df'.")
        return fixest_ssc(**keys)
    if isinstance(ssc, str):
        ssc_settings(ssc)
        return ssc
    raise SpecificationError(_unknown_ssc(ssc))


def convention_factor(ssc: str, kind: str, nobs: int) -> float:
    """The multiplier of the conventions pyfixest has no switch for.

    ``"stata_ml"`` multiplies the robust variance (HC0 from the engine) by
    ``N/(N-1)``, as Stata's ML commands print it; ``"large_sample"`` multiplies
    the conventional variance (``RSS/(N-1)`` from the engine) by ``(N-1)/N``,
    giving ivreg2's ``RSS/N``. Every other case: 1.
    """
    if ssc == "stata_ml" and kind in ("hetero", "HC1") and nobs > 1:
        return nobs / (nobs - 1)
    if ssc == "large_sample" and kind == "iid" and nobs > 1:
        return (nobs - 1) / nobs
    return 1.0


def engine_ssc(vcov: Any, ssc: str) -> dict[str, Any]:
    """Small-sample settings handed to pyfixest.

    For clustered errors hitex asks pyfixest for the *unadjusted* sandwich and
    applies the convention itself (:func:`cluster_adjustment`; for Newey-West
    and Driscoll-Kraay :func:`hac_adjustment`, which also counts the nesting
    pyfixest's HAC path ignores): pyfixest
    0.60's detection of fixed effects nested in the clusters compares rows of
    two differently ordered arrays in some runs, so the same model could get
    ``K`` = 3 in one process and 10 in the next.
    """
    if isinstance(vcov, Mapping) or vcov in ("NW", "DK"):
        conventional = (isinstance(vcov, Mapping) and ssc_settings(ssc)["G_df"] == "conventional"
                        and ssc_settings(ssc)["G_adj"])
        # fixest's cluster.df = "conventional" scales each multi-way term by its own G/(G-1):
        # only the engine can; the (N-1)/(N-K) factor is still hitex's
        return {"k_adj": False, "k_fixef": "none", "G_adj": conventional,
                "G_df": "conventional" if conventional else "min"}
    settings = ssc_settings(ssc)
    return {k: settings[k] for k in _ENGINE_KEYS}


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
    memo = _SAMPLE_COUNTS.get()
    if memo is not None:
        key = (id(sample), len(sample), tuple(fixed_effects), tuple(cluster))
        if key not in memo:
            memo[key] = (sample, _absorbed_dof(sample, fixed_effects, cluster))
        return memo[key][1]
    return _absorbed_dof(sample, fixed_effects, cluster)


def _absorbed_dof(sample: pd.DataFrame, fixed_effects: Sequence[str],
                  cluster: Sequence[str]) -> tuple[int, int]:
    levels = fe_levels(sample, fixed_effects)
    nested = [fe for fe in fixed_effects if cluster and is_nested(sample, fe, cluster)]
    df_a = (sum(levels.values()) - redundant_levels(sample, fixed_effects)
            - sum(levels[fe] for fe in nested))
    return int(df_a), len(nested)


#: While set (:func:`counts_shared`), :func:`absorbed_dof` remembers its answer per sample.
_SAMPLE_COUNTS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "hitex_sample_counts", default=None)


@contextlib.contextmanager
def counts_shared(memo: dict | None = None) -> Iterator[None]:
    """Count the absorbed degrees of freedom of each sample once while the block runs.

    Several columns estimated on one sample (:func:`hitex.models.panel_columns.panel_columns`)
    ask :func:`absorbed_dof` the same question about the same rows; inside
    this block the answer is computed once per sample object (kept alive by
    the memo, so its identity cannot be reused) and fixed effects. Pass the
    same ``memo`` dict to several blocks to share the answers between them.
    """
    token = _SAMPLE_COUNTS.set({} if memo is None else memo)
    try:
        yield
    finally:
        _SAMPLE_COUNTS.reset(token)


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
    conv = ssc_settings(spec.ssc)
    n = int(fit._N)
    g = int(np.min(np.atleast_1d(np.asarray(fit._G))))
    k = count_k(fit, spec, sample, spec.cluster)
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
    if conv["G_adj"] and conv["G_df"] != "conventional":  # else applied by the engine
        factor *= g / (g - 1)
    return factor, k


def count_k(fit: Any, spec: Any, sample: pd.DataFrame, cluster: Sequence[str]) -> int:
    """``K`` of the small-sample factor under ``spec.ssc``'s ``fixef.K``.

    Coefficients, plus: nothing (``"none"``); the fixed-effect levels less the
    redundant ones (``"full"``); or those levels less the levels of fixed
    effects nested in one of ``cluster``, plus one per nested effect
    (``"nested"``, reghdfe's count).
    """
    conv = ssc_settings(spec.ssc)
    k = len(fit._coefnames)
    if not spec.fixed_effects or conv["k_fixef"] == "none":
        return k
    nested_in = () if conv["k_fixef"] == "full" else tuple(cluster)
    df_a, n_nested = absorbed_dof(sample, spec.fixed_effects, nested_in)
    return k + df_a + n_nested


def redundancy_correction(fit: Any, spec: Any, sample: pd.DataFrame | None
                          ) -> tuple[float, int] | None:
    """Correct the engine's ``K`` of a conventional or robust (not clustered) variance.

    pyfixest counts one redundant level per additional fixed effect; reghdfe
    (and dummy-variable OLS) count one per connected component of the
    fixed effects' graph (:func:`redundant_levels`), which differs when the
    graph is disconnected (group-specific fixed effects, ``exporter^year +
    importer^year``). Returns (variance multiplier ``(N - K_engine)/(N - K)``,
    ``K``) when the counts differ under a convention with ``adj``, else None.
    """
    conv = ssc_settings(spec.ssc)
    if not spec.fixed_effects or not conv["k_adj"] or conv["k_fixef"] == "none" or sample is None:
        return None
    cols = {c for fe in spec.fixed_effects for c in fe.split("^")}
    if not cols <= set(sample.columns) or len(sample) != int(fit._N):
        return None
    engine_k = int(fit._df_k)
    k = count_k(fit, spec, sample, ())
    if k == engine_k:
        return None
    n = int(fit._N)
    if n <= k:
        raise EstimationError(
            f"{n} observations for {k} parameters (coefficients and fixed effects): the "
            "small-sample adjustment is undefined. Use fewer regressors or fixed effects, or "
            "more data.")
    return (n - engine_k) / (n - k), k


def hac_adjustment(fit: Any, spec: Any, sample: pd.DataFrame) -> tuple[float, int]:
    """Return (variance multiplier, K) for a Newey-West or Driscoll-Kraay variance.

    fixest's rule: ``T/(T-1) * (N-1)/(N-K)`` with ``T`` the number of time
    periods (``cluster.adj``) and ``K`` counted as for clustered errors, the
    "clusters" being the panel and time variables for Newey-West and the time
    variable for Driscoll-Kraay (fixed effects nested in them are not counted).
    The engine's HAC variance carries no factor (plm's ``vcovNW``/``vcovSCC``).
    """
    conv = ssc_settings(spec.ssc)
    n = int(fit._N)
    dims = (spec.hac_panel, spec.hac_time) if spec.vcov_type == "NW" else (spec.hac_time,)
    dims = tuple(d for d in dims if d)
    k = count_k(fit, spec, sample, dims)
    t = int(sample[spec.hac_time].nunique())
    factor = 1.0
    if conv["k_adj"]:
        if n <= k:
            raise EstimationError(
                f"{n} observations for {k} parameters: the small-sample adjustment (N-1)/(N-K) "
                "is undefined. Use fewer regressors or fixed effects, or ssc='none'.")
        factor *= (n - 1) / (n - k)
    if conv["G_adj"] and t > 1:
        factor *= t / (t - 1)
    return factor, k


def default_hac_lag(n_periods: int) -> int:
    """``floor(T^(1/4))``: plm's ``vcovNW``/``vcovSCC`` default lag (fixest's too on Grunfeld)."""
    return int(math.floor(n_periods ** 0.25))


__all__ = ["FIXEF_K", "SSC_CONVENTIONS", "absorbed_dof", "check_ssc", "cluster_adjustment",
           "convention_factor", "counts_shared", "count_k", "default_hac_lag", "engine_ssc", "fe_levels",
           "fixest_ssc", "hac_adjustment", "is_nested", "redundancy_correction", "redundant_levels",
           "ssc_settings"]
