"""Montiel Olea and Pflueger (2013) critical values for the effective F statistic.

Montiel Olea, J. L. and C. Pflueger (2013), "A Robust Test for Weak
Instruments", *Journal of Business & Economic Statistics* 31(3), 358-369;
Stata ``weakivtest`` (Pflueger and Wang 2015, *Stata Journal* 15(1)). The
effective F (:attr:`hitex.models.iv_diagnostics.IVDiagnostics.effective_f`)
tests the null that the Nagar bias of 2SLS exceeds a fraction ``tau`` of a
worst-case benchmark, robustly to heteroskedasticity, autocorrelation and
clustering. Its critical value at level ``alpha`` is

    ``c(alpha, x) = ncx2.ppf(1 - alpha, K_eff, x K_eff) / K_eff``,

the quantile of a non-central chi-square with ``K_eff`` degrees of freedom
and non-centrality ``x K_eff``, divided by ``K_eff``, where

    ``K_eff = tr(S)^2 (1 + 2x) / (tr(S'S) + 2x tr(S) maxeig(S))``

and ``S`` is the variance of the first-stage coefficients in the metric of
the instruments (``Q V`` with ``Q = Z1'Z1`` and ``V`` the estimated variance;
only its eigenvalues matter, so any scale gives the same ``K_eff``).

The *simplified* (conservative) test for 2SLS takes ``x = 1/tau``, because
2SLS's Nagar bias never exceeds the benchmark (``weakivtest``'s "simplified"
critical values; the generalized test's smaller ``x``, which needs the
reduced-form variance, is not computed). With conditionally homoskedastic
errors ``S`` is proportional to the identity and ``K_eff`` is the number of
instruments; with one instrument the 5% critical value for ``tau = 10%`` is
23.109, the value MOP and Andrews, Stock and Sun (2019) quote.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

#: Worst-case bias thresholds ``tau`` reported (as ``weakivtest``).
TAUS = (0.05, 0.10, 0.20, 0.30)


def effective_dof(s: np.ndarray, x: float) -> float:
    """``K_eff`` of the matrix ``S`` (square; symmetric up to similarity) for ``x``."""
    s = np.atleast_2d(np.asarray(s, dtype=float))
    eig = np.linalg.eigvals(s).real
    tr = float(eig.sum())
    tr2 = float(np.trace(s @ s))
    return tr ** 2 * (1 + 2 * x) / (tr2 + 2 * x * tr * float(eig.max()))


def critical_value(s: np.ndarray, tau: float, alpha: float = 0.05) -> float:
    """Simplified 2SLS critical value of the effective F for bias threshold ``tau`` at level ``alpha``."""
    if not 0 < tau < 1 or not 0 < alpha < 1:
        raise ValueError(f"tau={tau} and alpha={alpha} must be in (0, 1)")
    x = 1.0 / tau
    k = effective_dof(s, x)
    if not math.isfinite(k) or k <= 0:
        return float("nan")
    return float(stats.ncx2.ppf(1 - alpha, k, x * k) / k)


def critical_values(s: np.ndarray, alpha: float = 0.05) -> dict[str, float]:
    """Critical values for every ``tau`` of :data:`TAUS`, keyed ``"tau=5%"``..."""
    return {f"tau={round(t * 100)}%": critical_value(s, t, alpha) for t in TAUS}


__all__ = ["TAUS", "critical_value", "critical_values", "effective_dof"]
