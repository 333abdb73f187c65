"""The statistics of Stata ``ivreg2`` for a linear IV model, from its data matrices.

Pure numpy functions; :mod:`hitex.models.iv_diagnostics` assembles them into a
result. Notation of ``ivreg2`` (Baum, Schaffer and Stillman 2007): ``N``
observations, ``K1`` endogenous regressors ``X1``, ``K2`` included exogenous
regressors ``X2`` (with the constant, unless fixed effects are absorbed),
``L1`` excluded instruments ``Z1``; ``Z = [Z1, X2]``, ``X = [X1, X2]``. The
arrays are the fixed-effect-demeaned, square-root-weighted data of
:class:`hitex.models.iv_design.IVDesign`. A ``"⊥"`` quantity has ``X2``
partialled out (Frisch-Waugh-Lovell), which leaves every OLS-based Wald
statistic unchanged.

Large-sample conventions (``ivreg2`` without ``small``, ``dofminus(0)``):

* the moment covariance ("omega", ``ivreg2``'s ``m_omega``) is
  ``sigma^2 Z'Z/N`` with ``sigma^2 = e'e/N`` (``iid``), ``sum e_i^2 z_i z_i'/N``
  (``robust``) or ``sum_g s_g s_g'/N`` with ``s_g`` the cluster sums of
  ``z_i e_i`` (``cluster``; two-way clustering adds the two one-way sums and
  subtracts the sum over their intersection, Cameron-Gelbach-Miller);
* a Wald statistic ``W`` of ``q`` restrictions is reported as ``W`` (chi2) and
  as ``F = W/N * (N-L-s)/q`` on ``(q, N-L-s)`` degrees of freedom, or, with
  clusters, ``F = W/(N-1) * (N-L-s) * (M-1)/M / q`` on ``(q, M-1)``, where
  ``L = L1 + K2`` counts the instruments, ``s`` the degrees of freedom absorbed
  by partialled-out fixed effects (``ivreg2``'s ``sdofminus``, which Stata
  ``ivreghdfe`` sets to reghdfe's ``e(df_a)``) and ``M`` the number of clusters
  (the smaller one with two-way clustering).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, stats


@dataclass(frozen=True)
class Dof:
    """Sample size and degrees of freedom of the ``ivreg2`` statistics.

    Attributes
    ----------
    nobs : int
        ``N``.
    n_instruments : int
        ``L = L1 + K2``, the instruments of the (fixed-effect-demeaned) model,
        the constant among them when it is not absorbed.
    absorbed : int
        ``sdofminus``: degrees of freedom absorbed by partialled-out fixed
        effects (0 without fixed effects).
    n_clusters : int or None
        ``M``, the (smallest) number of clusters; None without clustering.
    """

    nobs: int
    n_instruments: int
    absorbed: int = 0
    n_clusters: int | None = None

    @property
    def resid(self) -> int:
        """``N - L - sdofminus``, the denominator degrees of freedom without clusters."""
        return self.nobs - self.n_instruments - self.absorbed

    def f_from_wald(self, wald: float, q: int) -> tuple[float, float]:
        """``ivreg2``'s F form of a Wald statistic of ``q`` restrictions: (F, df_r)."""
        n = self.nobs
        if self.n_clusters is None:
            return wald / n * self.resid / q, float(self.resid)
        m = self.n_clusters
        return wald / (n - 1) * self.resid * (m - 1) / m / q, float(m - 1)


@dataclass(frozen=True)
class Vce:
    """Which moment covariance to use: ``"iid"``, ``"robust"`` or ``"cluster"``.

    ``clusters`` holds one integer code array per clustering variable (one or
    two) when ``kind == "cluster"``, with codes ``0..G-1`` (``pandas.factorize``).
    """

    kind: str
    clusters: tuple[np.ndarray, ...] = ()

    @property
    def n_clusters(self) -> int | None:
        """The smallest number of clusters, or None."""
        if self.kind != "cluster":
            return None
        return int(min(int(c.max()) + 1 for c in self.clusters))


def _sum_by(codes: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Column sums of ``scores`` within each code (codes are ``0..G-1``; rows = codes)."""
    g = int(codes.max()) + 1
    return np.column_stack([np.bincount(codes, weights=scores[:, j], minlength=g)
                            for j in range(scores.shape[1])])


def meat(scores: np.ndarray, vce: Vce) -> np.ndarray:
    """Unscaled meat ``sum s_i s_i'`` (robust) or of the cluster sums (cluster).

    Two-way clustering: the sum over the first clustering, plus the second,
    minus their intersection (Cameron, Gelbach and Miller 2011).
    """
    scores = np.asarray(scores, dtype=float).reshape(scores.shape[0], -1)
    if vce.kind == "robust":
        out = scores.T @ scores
    elif vce.kind == "cluster":
        if len(vce.clusters) == 1:
            s = _sum_by(vce.clusters[0], scores)
            out = s.T @ s
        elif len(vce.clusters) == 2:
            a, b = vce.clusters
            _, inter = np.unique(np.column_stack([a, b]), axis=0, return_inverse=True)
            out = np.zeros((scores.shape[1], scores.shape[1]))
            for codes, sign in ((a, 1.0), (b, 1.0), (inter.reshape(-1), -1.0)):
                s = _sum_by(codes, scores)
                out += sign * (s.T @ s)
        else:  # pragma: no cover - guarded by the caller
            raise ValueError("at most two clustering variables")
    else:  # pragma: no cover - iid is handled by the callers
        raise ValueError(f"no meat for vce kind {vce.kind!r}")
    return (out + out.T) / 2


def omega(z: np.ndarray, e: np.ndarray, vce: Vce) -> np.ndarray:
    """``ivreg2``'s moment covariance of ``z_i e_i`` (divided by ``N``)."""
    n = z.shape[0]
    if vce.kind == "iid":
        return float(e @ e) / n * (z.T @ z) / n
    return meat(z * e[:, None], vce) / n


def partial_out(a: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Residuals of the columns of ``a`` on ``x2`` (``a`` itself when ``x2`` is empty)."""
    if x2.shape[1] == 0:
        return np.array(a, dtype=float)
    coef = np.linalg.lstsq(x2, a, rcond=None)[0]
    return a - x2 @ coef


def solve_psd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^{-1} b`` for a symmetric positive definite ``a`` (Cholesky; lstsq if singular)."""
    try:
        return linalg.cho_solve(linalg.cho_factor(a), b)
    except linalg.LinAlgError:
        return np.linalg.lstsq(a, b, rcond=None)[0]


def quad(b: np.ndarray, v: np.ndarray) -> float:
    """``b' v^{-1} b``."""
    return float(b @ solve_psd(v, b))


def wald_ols(z: np.ndarray, w: np.ndarray, vce: Vce) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Wald test that all coefficients of ``w`` on ``z`` are zero.

    Returns (Wald under ``vce``, classical Wald with ``sigma^2 = e'e/N``,
    coefficients, residuals). ``z`` is already partialled (``Z1⊥``).
    """
    ztz = z.T @ z
    coef = solve_psd(ztz, z.T @ w)
    e = w - z @ coef
    n = z.shape[0]
    classical = float(coef @ ztz @ coef) / (float(e @ e) / n)
    if vce.kind == "iid":
        return classical, classical, coef, e
    bread_h = ztz @ coef  # Wald = h' meat^{-1} h with h = Z'Z b
    return quad(bread_h, meat(z * e[:, None], vce)), classical, coef, e


# -- rank tests (Anderson, Cragg-Donald, Kleibergen-Paap) -----------------------------

@dataclass(frozen=True)
class CanonicalCorrelations:
    """Intermediates of the rank tests: ``theta = Qzz^{1/2} pi Qyy^{-1/2}`` and its SVD."""

    eigenvalues: np.ndarray  # squared canonical correlations, descending
    theta: np.ndarray
    u: np.ndarray
    v: np.ndarray
    pihat: np.ndarray
    ir_qyy: np.ndarray
    ir_qzz: np.ndarray


def canonical_correlations(x1p: np.ndarray, z1p: np.ndarray) -> CanonicalCorrelations:
    """Canonical correlations of ``X1⊥`` and ``Z1⊥`` as Stata ``ranktest`` computes them."""
    n = x1p.shape[0]
    qzz = z1p.T @ z1p / n
    qzy = z1p.T @ x1p / n
    qyy = x1p.T @ x1p / n
    r_zz = linalg.cholesky(qzz, lower=False)  # upper: R'R = Qzz
    r_yy = linalg.cholesky(qyy, lower=False)
    ir_qzz = linalg.solve_triangular(r_zz, np.eye(r_zz.shape[0]), lower=False)
    ir_qyy = linalg.solve_triangular(r_yy, np.eye(r_yy.shape[0]), lower=False)
    pihat = solve_psd(qzz, qzy)
    theta = r_zz @ pihat @ ir_qyy
    u, d, vt = np.linalg.svd(theta, full_matrices=True)
    k = min(theta.shape)
    return CanonicalCorrelations(eigenvalues=d[:k] ** 2, theta=theta, u=u, v=vt.T,
                                 pihat=pihat, ir_qyy=ir_qyy, ir_qzz=ir_qzz)


def _sym_sqrt(a: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((a + a.T) / 2)
    vals = np.clip(vals, 0.0, None)
    return (vecs * np.sqrt(vals)) @ vecs.T


def kp_scores(z1p: np.ndarray, vhat: np.ndarray) -> np.ndarray:
    """Scores ``vhat_i (x) z_i`` of the Kleibergen-Paap test, shape ``(N, K1*L1)``."""
    n, l1 = z1p.shape
    k1 = vhat.shape[1]
    out = np.empty((n, k1 * l1))
    for j in range(k1):
        out[:, j * l1:(j + 1) * l1] = vhat[:, [j]] * z1p
    return out


def kp_rank_stat(cc: CanonicalCorrelations, shat0: np.ndarray, n: int) -> tuple[float, int]:
    """Kleibergen-Paap (2006) rk statistic of the null ``rank = K1 - 1``.

    ``shat0`` is the ``(K1*L1, K1*L1)`` covariance of the scores divided by
    ``N`` (:func:`kp_scores`, :func:`meat`). Port of Stata ``ranktest``.
    Returns (chi2, degrees of freedom ``L1 - K1 + 1``).
    """
    l1, k1 = cc.theta.shape
    kron = np.kron(cc.ir_qyy.T, cc.ir_qzz.T)
    kpvar = kron @ shat0 @ kron.T
    kpvar = (kpvar + kpvar.T) / 2
    kk = k1 - 1
    u, v = cc.u, cc.v
    u12, u22 = u[:kk, kk:], u[kk:, kk:]
    v12, v22 = v[:kk, kk:], v[kk:, kk:]
    u22_half = _sym_sqrt(u22 @ u22.T)
    v22_half = _sym_sqrt(v22 @ v22.T)
    aq = np.vstack([u12, u22]) @ np.linalg.solve(u22, u22_half)
    bq = v22_half @ np.linalg.solve(v22.T, np.vstack([v12, v22]).T)
    vec_theta = cc.theta.reshape(-1, order="F")
    kba = np.kron(bq, aq.T)
    lab = kba @ vec_theta
    vlab = kba @ kpvar @ kba.T
    vlab = (vlab + vlab.T) / 2
    vals, vecs = np.linalg.eigh(vlab)
    tol = max(vals.max(), 0.0) * np.finfo(float).eps * max(vlab.shape)
    keep = vals > tol
    deficit = int((~keep).sum())
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    chi2 = float(n * lab @ inv @ lab)
    return chi2, (l1 - kk) - deficit


# -- GMM J statistics -------------------------------------------------------------------

def gmm_j(z: np.ndarray, x: np.ndarray, y: np.ndarray, omega_: np.ndarray) -> float:
    """Hansen's J at the efficient GMM estimator with moment covariance ``omega_``.

    ``beta = (X'Z W Z'X)^{-1} X'Z W Z'y`` with ``W = omega_^{-1}``, then
    ``J = N gbar' W gbar``, ``gbar = Z'(y - X beta)/N`` (``ivreg2``'s two-step
    J when ``omega_`` comes from the 2SLS residuals).
    """
    n = z.shape[0]
    vals = np.linalg.eigvalsh((omega_ + omega_.T) / 2)
    if not np.all(np.isfinite(vals)) or vals.min() <= 1e-12 * max(vals.max(), 0.0):
        return float("nan")  # singular moment covariance (e.g. fewer clusters than moments)
    qxz = x.T @ z / n
    qzy = z.T @ y / n
    a1 = solve_psd(omega_, qxz.T)
    a2 = solve_psd(omega_, qzy)
    hess = qxz @ a1
    beta = solve_psd((hess + hess.T) / 2, qxz @ a2)
    gbar = z.T @ (y - x @ beta) / n
    return float(n * gbar @ solve_psd(omega_, gbar))


def tsls(z: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2SLS coefficients and residuals of ``y`` on ``x`` with instruments ``z``."""
    xhat = z @ solve_psd(z.T @ z, z.T @ x)
    beta = np.linalg.solve(xhat.T @ x, xhat.T @ y)
    return beta, y - x @ beta


def overid_j(z: np.ndarray, x: np.ndarray, y: np.ndarray, vce: Vce) -> float:
    """Sargan (``iid``) or two-step Hansen J (robust, cluster) of the 2SLS model."""
    _, e = tsls(z, x, y)
    if vce.kind == "iid":
        pz_e = z @ solve_psd(z.T @ z, z.T @ e)
        return float(e @ pz_e) / (float(e @ e) / z.shape[0])
    return gmm_j(z, x, y, omega(z, e, vce))


def endogeneity_c(z: np.ndarray, x: np.ndarray, y: np.ndarray, tested: Sequence[int],
                  vce: Vce) -> float:
    """``ivreg2``'s ``endog()`` statistic: difference of two Sargan-Hansen statistics.

    The restricted model treats the columns ``tested`` of ``x`` as exogenous
    (they join the instruments); its moment covariance, from its own 2SLS
    (OLS when every endogenous regressor is tested) residuals, is used for
    both J statistics, the unrestricted one with the sub-matrix of the
    original instruments (Hayashi 2000, p. 220), so the statistic is never
    negative.
    """
    zb = np.column_stack([z, x[:, list(tested)]])
    _, eb = tsls(zb, x, y)
    om = omega(zb, eb, vce)
    n_inst = z.shape[1]
    return gmm_j(zb, x, y, om) - gmm_j(z, x, y, om[:n_inst, :n_inst])


# -- Anderson-Rubin -------------------------------------------------------------------

@dataclass(frozen=True)
class ArSystem:
    """The reduced form of ``y⊥`` and ``x⊥`` (one endogenous regressor) on ``Z1⊥``.

    ``wald(b0)`` is the Anderson-Rubin Wald statistic of ``H0: beta = b0``:
    ``h(b0)' M(b0)^{-1} h(b0)`` with ``h(b0) = Z1⊥'(y⊥ - b0 x⊥)`` and ``M(b0)``
    the meat of the reduced-form residuals ``e_y - b0 e_x`` (quadratic in
    ``b0``).
    """

    h_y: np.ndarray
    h_x: np.ndarray
    m_yy: np.ndarray
    m_xy: np.ndarray
    m_xx: np.ndarray

    def _parts(self, b0: complex) -> tuple[np.ndarray, np.ndarray]:
        h = self.h_y - b0 * self.h_x
        m = self.m_yy - b0 * (self.m_xy + self.m_xy.T) + b0 * b0 * self.m_xx
        return h, m

    def wald(self, b0: float) -> float:
        """Anderson-Rubin Wald statistic (chi2 form) at ``beta = b0``."""
        h, m = self._parts(b0)
        return quad(h, m)

    def poly(self, b0: complex, crit: float) -> complex:
        """``det M(b0) * (wald(b0) - crit)``, a polynomial of degree ``2 L1`` in ``b0``."""
        h, m = self._parts(b0)
        return complex(np.linalg.det(m) * (h @ np.linalg.solve(m, h) - crit))


def ar_system(y: np.ndarray, x: np.ndarray, z1p: np.ndarray, vce: Vce) -> ArSystem:
    """:class:`ArSystem` from ``y⊥``, one endogenous ``x⊥`` and ``Z1⊥``."""
    ztz = z1p.T @ z1p
    pi = solve_psd(ztz, z1p.T @ np.column_stack([y, x]))
    e = np.column_stack([y, x]) - z1p @ pi
    n = z1p.shape[0]
    if vce.kind == "iid":
        s = e.T @ e / n
        parts = (s[0, 0] * ztz, s[0, 1] * ztz, s[1, 1] * ztz)
    else:
        scores = np.column_stack([z1p * e[:, [0]], z1p * e[:, [1]]])
        full = meat(scores, vce)
        l1 = z1p.shape[1]
        parts = (full[:l1, :l1], full[l1:, :l1], full[l1:, l1:])
    return ArSystem(h_y=z1p.T @ y, h_x=z1p.T @ x, m_yy=parts[0], m_xy=parts[1], m_xx=parts[2])


def invert_ar(system: ArSystem, crit: float, center: float, scale: float
              ) -> tuple[tuple[float, float], ...]:
    """The set ``{b0 : wald(b0) <= crit}`` as a tuple of closed intervals (``inf`` allowed).

    The boundary points are the real roots of :meth:`ArSystem.poly`, whose
    coefficients are found exactly by evaluating it on the unit circle of
    ``t = (b0 - center)/scale`` and an inverse discrete Fourier transform;
    each root is then polished on the statistic itself, and which side of it
    is accepted is decided by evaluating the statistic.
    """
    l1 = system.h_y.shape[0]
    degree = 2 * l1
    npts = 2 * degree + 2
    ts = np.exp(2j * np.pi * np.arange(npts) / npts)
    vals = np.array([system.poly(center + scale * t, crit) for t in ts])
    coefs = np.fft.fft(vals) / npts  # coefs[k] multiplies t^k (k < npts)
    coefs = coefs[: degree + 1].real
    big = np.max(np.abs(coefs)) if np.any(coefs) else 0.0
    roots: list[float] = []
    if big > 0:
        c = coefs.copy()
        while len(c) > 1 and abs(c[-1]) <= 1e-12 * big:
            c = c[:-1]
        if len(c) > 1:
            for r in np.roots(c[::-1]):
                if abs(r.imag) <= 1e-6 * (1.0 + abs(r.real)):
                    roots.append(center + scale * float(r.real))

    def g(b: float) -> float:
        return system.wald(b) - crit

    polished = []
    for r in sorted(roots):
        step = 1e-6 * scale * (1.0 + abs(r - center) / scale)
        lo, hi = r - step, r + step
        try:
            if np.sign(g(lo)) != np.sign(g(hi)):
                r = optimize.brentq(g, lo, hi, xtol=1e-14 * (1 + abs(r)), maxiter=200)
        except (ValueError, RuntimeError):  # pragma: no cover - keep the unpolished root
            pass
        polished.append(r)
    points = sorted(set(polished))
    edges = [-np.inf, *points, np.inf]
    accepted: list[tuple[float, float]] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if np.isinf(lo) and np.isinf(hi):
            probe = center
        elif np.isinf(lo):
            probe = hi - scale * (1.0 + abs(hi - center) / scale)
        elif np.isinf(hi):
            probe = lo + scale * (1.0 + abs(lo - center) / scale)
        else:
            probe = (lo + hi) / 2
        if g(probe) <= 0:
            if accepted and accepted[-1][1] == lo:
                accepted[-1] = (accepted[-1][0], hi)
            else:
                accepted.append((lo, hi))
    # isolated tangency points (a double root where the statistic touches crit)
    for r in points:
        inside = any(lo <= r <= hi for lo, hi in accepted)
        if not inside and abs(g(r)) <= 1e-9 * max(1.0, crit):
            accepted.append((r, r))
    return tuple(sorted((float(a), float(b)) for a, b in accepted))


def chi2_sf(stat: float, df: float) -> float:
    """Upper tail of the chi2 distribution (NaN for an undefined statistic)."""
    if not np.isfinite(stat) or df <= 0:
        return float("nan")
    return float(stats.chi2.sf(stat, df))


def f_sf(stat: float, df1: float, df2: float) -> float:
    """Upper tail of the F distribution (NaN for an undefined statistic)."""
    if not np.isfinite(stat) or df1 <= 0 or df2 <= 0:
        return float("nan")
    return float(stats.f.sf(stat, df1, df2))


__all__ = ["ArSystem", "CanonicalCorrelations", "Dof", "Vce", "ar_system",
           "canonical_correlations", "chi2_sf", "endogeneity_c", "f_sf", "gmm_j", "invert_ar",
           "kp_rank_stat", "kp_scores", "meat", "omega", "overid_j", "partial_out", "quad",
           "solve_psd", "tsls", "wald_ols"]
