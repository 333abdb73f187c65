"""Data-driven weighting schemes for composite indices: entropy and PCA weights.

Both are :class:`~hitex.indicators.composite.WeightingStrategy` objects, usable
as ``CompositeSpec(..., secondary_weights="entropy")`` or with parameters
(``EntropyWeights(shift=0.01)``). Weights are computed once from the complete
rows (units x periods with every member present) of the values handed to them
and then applied to every row; for a row with missing members the weights are
renormalised over the members present.

Entropy weights (the "entropy-weight method" common in Chinese empirical work)
-----------------------------------------------------------------------------
With ``n`` complete rows and member ``j``:

1. min-max standardise, ``z_ij = (x_ij - min_j) / (max_j - min_j) + shift``
   (``1 - ...`` for members listed in ``negative``, where less is better);
2. shares ``p_ij = z_ij / sum_i z_ij``;
3. entropy ``e_j = -(1 / ln n) sum_i p_ij ln p_ij`` (with ``0 ln 0 = 0``);
4. divergence ``d_j = 1 - e_j`` and weight ``w_j = d_j / sum_j d_j``.

PCA weights
-----------
The correlation matrix of the complete rows has eigenvalues
``lambda_1 >= ... >= lambda_m`` and unit eigenvectors ``u_k``. Components are
kept by the Kaiser rule (``lambda_k > 1``; at least one) or a given number.
The weight of member ``j`` is proportional to
``sum_k lambda_k |u_jk| / sum_k lambda_k`` over the kept components (the
"comprehensive score coefficient"; absolute values so that weights are
non-negative), normalised to sum to one. With ``components=1`` this is
``|u_j1| / sum_j |u_j1|``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError


def _complete(members: Sequence[str], values: pd.DataFrame, scheme: str) -> np.ndarray:
    frame = values.loc[:, list(members)].astype("float64")
    complete = frame.dropna()
    if len(complete) < 2:
        raise SpecificationError(
            f"{scheme} weights need at least two units/periods with every member of "
            f"{list(members)} present; found {len(complete)}. Use weights='mean' or fill gaps."
        )
    return complete.to_numpy()


@dataclass(frozen=True)
class EntropyWeights:
    """Entropy-weight method (see the module docstring for the formula).

    Parameters
    ----------
    shift : float, default 0.0
        Added after min-max standardisation; some authors use 0.0001 or 0.01
        so that the minimum does not get a zero share.
    negative : tuple of str
        Members for which a lower value is better (standardised as
        ``(max - x) / (max - min)``).
    """

    shift: float = 0.0
    negative: tuple[str, ...] = ()
    name: str = "entropy"

    def weights(self, members: Sequence[str], values: pd.DataFrame) -> pd.Series:
        x = _complete(members, values, "Entropy")
        n = x.shape[0]
        lo, hi = x.min(axis=0), x.max(axis=0)
        spread = hi - lo
        flat = [m for m, s in zip(members, spread, strict=True) if s == 0]
        if flat:
            raise SpecificationError(
                f"Entropy weights are undefined for {', '.join(flat)}: the values do not vary."
            )
        z = (x - lo) / spread
        for j, m in enumerate(members):
            if m in self.negative:
                z[:, j] = 1.0 - z[:, j]
        z = z + self.shift
        p = z / z.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -plogp.sum(axis=0) / np.log(n)
        d = 1.0 - e
        if d.sum() <= 0:
            raise SpecificationError("Entropy weights are undefined: every member has entropy 1.")
        return pd.Series(d / d.sum(), index=list(members))


@dataclass(frozen=True)
class PCAWeights:
    """Principal-component weights (see the module docstring for the formula).

    Parameters
    ----------
    components : "kaiser" or int, default "kaiser"
        Keep components with eigenvalue > 1, or this many.
    """

    components: str | int = "kaiser"
    name: str = "pca"

    def weights(self, members: Sequence[str], values: pd.DataFrame) -> pd.Series:
        x = _complete(members, values, "PCA")
        sd = x.std(axis=0, ddof=1)
        flat = [m for m, s in zip(members, sd, strict=True) if s == 0]
        if flat:
            raise SpecificationError(
                f"PCA weights are undefined for {', '.join(flat)}: the values do not vary."
            )
        corr = np.corrcoef(x, rowvar=False)
        eigval, eigvec = np.linalg.eigh(np.atleast_2d(corr))
        order = np.argsort(eigval)[::-1]
        eigval, eigvec = eigval[order], eigvec[:, order]
        if self.components == "kaiser":
            keep = max(1, int((eigval > 1).sum()))
        elif isinstance(self.components, int) and 1 <= self.components <= len(members):
            keep = self.components
        else:
            raise SpecificationError(
                f"components={self.components!r}; use 'kaiser' or an integer from 1 to "
                f"{len(members)}."
            )
        lam = eigval[:keep]
        coef = (np.abs(eigvec[:, :keep]) * lam).sum(axis=1) / lam.sum()
        return pd.Series(coef / coef.sum(), index=list(members))


__all__ = ["EntropyWeights", "PCAWeights"]
