"""Least squares on a design already demeaned, computed as pyfixest computes it.

A table's columns that share their sample and fixed effects share one demeaned
design (:mod:`hitex.models.panel_columns`). What is left per column is small:
the cross-products of its columns, the solve, the residuals and the variance.
pyfixest's ``Feols`` does these with several copies of the whole design per
column (its model matrix, its weighted copy, the scores and their float copy),
which on a large panel costs more than the demeaning that was shared.

:func:`demeaned_ols` does the same arithmetic, in the same order and with
pyfixest's own small-sample function (``get_ssc``) and cluster kernel
(``crv1_meat_loop``, as one pass of cluster sums), on views of the shared design, and returns a
:class:`DemeanedFit` carrying the attributes of a pyfixest fit that hitex's
result builder reads (:func:`hitex.models.inference.build_result`). It covers
unweighted OLS with conventional, heteroskedasticity-robust (HC1) and one-way
clustered (CRV1) variances; other cases return None and are estimated by
pyfixest itself. Tested against :func:`hitex.panel` to 1e-10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


class DemeanedFit:
    """The attributes of a pyfixest ``Feols`` fit that hitex reads, for one column.

    Built only by :func:`demeaned_ols`. It cannot recompute its variance
    (the result of a column estimated together is re-estimated alone for
    :meth:`~hitex.models.results.RegressionResult.with_vcov`).
    """

    _method = "feols"
    _is_iv = False
    _has_weights = False
    _has_fixef = True
    _collin_vars: list[str] = []

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)

    def coef(self) -> pd.Series:
        """The coefficients, named as pyfixest names them."""
        return pd.Series(self._beta_hat, index=list(self._coefnames), name="Estimate")


@dataclass(frozen=True)
class Clusters:
    """A cluster variable as pyfixest's one-way CRV1 reads it, computed once per sample."""

    codes: np.ndarray
    ids: np.ndarray
    order: np.ndarray | None
    starts: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> Clusters:
        """Codes in order of appearance (``pandas.factorize``), the distinct codes, and
        the rows sorted by cluster (None when they already are) with each cluster's start."""
        codes = pd.factorize(column)[0]
        order = np.argsort(codes, kind="stable")
        is_sorted = bool(np.all(np.diff(codes) >= 0))
        sorted_codes = codes if is_sorted else codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        return cls(codes=codes.astype(np.uintp), ids=np.unique(codes).astype(np.uintp),
                   order=None if is_sorted else order, starts=starts)

    def meat(self, scores: np.ndarray) -> np.ndarray:
        """``sum_g s_g s_g'`` with ``s_g`` the sum of the scores of cluster ``g``.

        pyfixest's ``crv1_meat_loop``, computed as one pass of cluster sums
        (``numpy.add.reduceat`` in row order within each cluster).
        """
        rows = scores if self.order is None else scores[self.order]
        sums = np.add.reduceat(rows, self.starts, axis=0)
        return sums.T @ sums


def supported(pf_vcov: Any, ssc_dict: Mapping[str, Any]) -> bool:
    """Whether :func:`demeaned_ols` computes this variance (else pyfixest does)."""
    if pf_vcov in ("iid", "hetero"):
        return True
    if isinstance(pf_vcov, Mapping) and list(pf_vcov) == ["CRV1"]:
        return "+" not in str(pf_vcov["CRV1"]) and ssc_dict.get("k_fixef") != "nonnested"
    return False


def demeaned_ols(design: np.ndarray, y_col: int, x_cols: Sequence[int], names: Sequence[str],
                 *, y_raw: pd.DataFrame, pf_vcov: Any, ssc_dict: Mapping[str, Any],
                 k_fe: pd.Series, clusters: Clusters | None, collin_tol: float,
                 attributes: Mapping[str, Any]) -> tuple[DemeanedFit | None, np.ndarray]:
    """pyfixest's OLS fit of one column of a demeaned design.

    Parameters
    ----------
    design : numpy.ndarray
        The demeaned variables of the group, one column each (Fortran order).
    y_col, x_cols : int, sequence of int
        Positions of the outcome and the regressors in ``design``.
    names : sequence of str
        The regressors' names.
    y_raw : pandas.DataFrame
        The outcome before demeaning (one column), for the R-squared.
    pf_vcov : str or dict
        pyfixest's variance (``"iid"``, ``"hetero"``, ``{"CRV1": col}``).
    ssc_dict : mapping
        pyfixest's small-sample settings (``pyfixest.ssc(...)``).
    k_fe : pandas.Series
        Levels of each fixed effect (pyfixest's ``_k_fe``).
    clusters : Clusters or None
        The cluster variable, when clustered.
    collin_tol : float
        pyfixest's collinearity tolerance.
    attributes : mapping
        Further attributes to carry (``_data``, ``_model_spec``, ``_context``, ...).

    Returns
    -------
    (DemeanedFit or None, numpy.ndarray)
        The fit (None if pyfixest would drop a collinear regressor: the column
        is then estimated by pyfixest, which says which) and ``X'X``.
    """
    from pyfixest.core.collinear import find_collinear_variables
    from pyfixest.utils.utils import get_ssc

    x = _columns(design, x_cols)
    y = design[:, y_col:y_col + 1]
    n, k = x.shape
    tzx = x.T @ x
    _, n_excl, _ = find_collinear_variables(np.ascontiguousarray(tzx, dtype=np.float64),
                                            collin_tol)
    if n_excl > 0:
        return None, tzx
    tzy = x.T @ y
    beta = np.linalg.solve(tzx, tzy).flatten()
    u = y.flatten() - (x @ beta).flatten()
    bread = np.linalg.inv(tzx.copy())
    base = {"ssc_dict": ssc_dict, "N": n, "k": k, "k_fe": k_fe.sum(), "n_fe": len(k_fe),
            "k_fe_nested": 0, "n_fe_fully_nested": 0, "vcov_sign": 1}
    g_count: Any = None
    if pf_vcov == "iid":
        ssc, df_k, df_t = get_ssc(**base, vcov_type="iid", G=1)
        vcov = ssc * (bread * (np.sum(u ** 2) / (n - 1)))
    elif pf_vcov == "hetero":
        ssc, df_k, df_t = get_ssc(**base, vcov_type="hetero", G=n)
        scores = x * u[:, None]
        vcov = ssc * (bread @ (scores.T @ scores) @ bread)
    else:
        if clusters is None:
            raise ValueError("a clustered variance needs the cluster variable")
        g = len(clusters.ids)
        g_count = [g] * 3 if ssc_dict["G_df"] == "min" else [g]
        ssc, df_k, df_t = get_ssc(**base, vcov_type="CRV", G=g_count[0])
        meat = clusters.meat(x * u[:, None])
        vcov = np.zeros((k, k)) + ssc * (bread @ meat @ bread)
        ssc = np.array([ssc])
    y_values = y_raw.to_numpy()
    weights = np.ones((n, 1))
    k_fe_all = np.sum(k_fe - 1) + 1
    adj_factor = (n - 1) / (n - k - k_fe_all)
    ssu = np.sum(u ** 2)
    ssy = np.sum(weights * (y_values - np.average(y_values, weights=weights)) ** 2)
    ssy_within = np.sum(y ** 2)
    fit = DemeanedFit(
        _coefnames=list(names), _beta_hat=beta, _u_hat=u, _X=x, _Y=y, _Y_untransformed=y_raw,
        _weights=weights, _N=n, _N_rows=n, _k=k, _k_fe=k_fe, _n_fe=len(k_fe), _vcov=vcov,
        _ssc=ssc, _df_k=df_k, _df_t=df_t, _G=g_count, _tZX=tzx, _bread=bread,
        _rmse=np.sqrt(ssu / n), _r2=1 - (ssu / ssy), _adj_r2=1 - (ssu / ssy) * adj_factor,
        _r2_within=1 - (ssu / ssy_within),
        **attributes)
    return fit, tzx


def _columns(design: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Columns of ``design``: a view when they are adjacent and in order (``csw()``)."""
    positions = list(positions)
    first = positions[0]
    if positions == list(range(first, first + len(positions))):
        return design[:, first:first + len(positions)]
    return design[:, positions]
