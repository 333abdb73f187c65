"""The multiplier bootstrap of R ``did`` (``mboot``): standard errors and uniform bands.

Used by :func:`hitex.models.did.att_gt` (``bootstrap=True``) and its
aggregations, and by itself on any set of influence functions
(:func:`multiplier_bootstrap`). Mammen weights, draws in blocks so that
memory stays bounded, R's ``type = 1`` quantiles; see
:func:`multiplier_bootstrap` for the formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hitex.errors import EstimationError, SpecificationError

_MAMMEN_LOW = (1 - math.sqrt(5)) / 2
_MAMMEN_HIGH = (1 + math.sqrt(5)) / 2
_MAMMEN_P = (math.sqrt(5) + 1) / (2 * math.sqrt(5))


def z_value(level: float) -> float:
    """The two-sided normal critical value of ``level`` (a hitex error outside (0, 1))."""
    from scipy import stats

    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1, got {level}")
    return float(stats.norm.ppf((1 + level) / 2))


@dataclass(frozen=True)
class MultiplierBootstrap:
    """Multiplier-bootstrap inference on estimates with known influence functions.

    Attributes
    ----------
    std_errors : numpy.ndarray
        ``IQR(b_j) / (z_.75 - z_.25)`` per estimate (NaN where the draws are
        degenerate), R ``did``'s ``mboot`` standard error.
    critical_value : float
        ``level`` quantile of ``max_j |b_j| / se_j`` over the draws: the
        critical value of the simultaneous (uniform) confidence band.
    n_boot : int
        Number of draws.
    seed : int or None
        Seed of the draws.
    level : float
        Confidence level of the band.
    """

    std_errors: np.ndarray
    critical_value: float
    n_boot: int
    seed: int | None
    level: float


def _mammen(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    return np.where(rng.random(size) < _MAMMEN_P, _MAMMEN_LOW, _MAMMEN_HIGH)


def bootstrap_draws(influence: np.ndarray, n_boot: int, seed: int | None) -> np.ndarray:
    """Bootstrap draws ``b = V psi / n`` (n_boot x k), Mammen weights drawn in blocks."""
    n = influence.shape[0]
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    out = np.empty((n_boot, influence.shape[1]))
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        out[start:stop] = _mammen(rng, (stop - start, n)) @ influence / n
    return out


def summarise_draws(draws: np.ndarray, level: float) -> tuple[np.ndarray, float]:
    """Standard errors (IQR / (z_.75 - z_.25)) and the uniform-band critical value of draws."""
    from scipy import stats

    iqr_norm = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / iqr_norm
    n = draws.shape[0]
    # did's mboot: columns whose draws are (numerically) all zero are degenerate
    ok = (np.sum((draws * math.sqrt(n)) ** 2, axis=0) > math.sqrt(np.finfo(float).eps) * 10) \
        & (se > 0)
    se = np.where(ok, se, np.nan)
    if not ok.any():
        return se, float("nan")
    t_max = np.max(np.abs(draws[:, ok]) / se[ok], axis=1)
    crit = float(np.quantile(t_max, level, method="inverted_cdf"))
    return se, crit


def multiplier_bootstrap(influence: np.ndarray, *, n_boot: int = 1000, seed: int | None = None,
                         level: float = 0.95) -> MultiplierBootstrap:
    """Multiplier bootstrap of R ``did`` (``mboot``) with Mammen weights.

    Parameters
    ----------
    influence : numpy.ndarray
        ``n x k`` influence functions ``psi`` of ``k`` estimates on ``n``
        units, scaled so that their covariance is ``psi'psi / n^2`` (as
        :attr:`ATTgtResult.influence`).
    n_boot : int, default 1000
        Number of draws (``did``'s ``biters``).
    seed : int, optional
        Seed of numpy's default generator; ``None`` draws fresh weights.
    level : float, default 0.95
        Level of the simultaneous band (``1 - alp``).

    Returns
    -------
    MultiplierBootstrap
        Bootstrap standard errors and the uniform-band critical value.

    Notes
    -----
    Each draw multiplies every unit's influence function by an independent
    Mammen weight ``V`` (``(1 - sqrt 5)/2`` with probability
    ``(sqrt 5 + 1)/(2 sqrt 5)``, else ``(1 + sqrt 5)/2``; mean 0, variance 1)
    and averages, ``b = n^{-1} sum_i V_i psi_i``, in blocks of draws so that
    memory stays bounded. Standard errors are the interquartile range of the
    draws over ``z_.75 - z_.25`` and quantiles are R's ``type = 1``
    (inverse empirical distribution), as ``did``'s ``mboot`` computes them.
    """
    try:
        psi = np.asarray(influence, dtype=float)
    except (TypeError, ValueError):
        raise SpecificationError(
            f"influence must be a numeric n x k array (e.g. att_gt(...).influence); got "
            f"{type(influence).__name__}.") from None
    if psi.ndim == 1:
        psi = psi[:, None]
    if psi.ndim != 2 or psi.shape[0] == 0 or psi.shape[1] == 0:
        raise SpecificationError("influence must be an n x k array with n >= 1 units and k >= 1 "
                                 "estimates (e.g. att_gt(...).influence).")
    if not np.all(np.isfinite(psi)):
        raise EstimationError("influence holds missing or infinite values; the bootstrap needs "
                              "finite influence functions for every unit.")
    if int(n_boot) != n_boot or n_boot < 2:
        raise SpecificationError(f"n_boot={n_boot!r}: use an integer of at least 2 (did uses "
                                 "1000).")
    z_value(level)
    se, crit = summarise_draws(bootstrap_draws(psi, int(n_boot), seed), level)
    return MultiplierBootstrap(std_errors=se, critical_value=crit, n_boot=int(n_boot), seed=seed,
                               level=level)


def band_critical(crit: float, level: float) -> float:
    """did's fall-backs: a NaN or sub-pointwise simultaneous critical value becomes pointwise."""
    z = z_value(level)
    if not np.isfinite(crit) or crit < z:
        return z
    return crit


__all__ = ["MultiplierBootstrap", "band_critical", "bootstrap_draws", "multiplier_bootstrap",
           "summarise_draws", "z_value"]
