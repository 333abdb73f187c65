"""Cross-products partialled on fixed effects and controls, for many bootstrap draws at once.

A bootstrap sample drawn with replacement is the original sample with
*frequency weights*: observation (or cluster) ``i`` drawn ``f_i`` times. Least
squares on the resampled data is therefore weighted least squares on the
original data, and every coefficient of a linear model with the regressors
``Z = [key columns, nuisance columns]`` and absorbed fixed effects is a
function of one small matrix: the weighted cross-product of the key columns
after the fixed effects and the nuisance columns (controls) are partialled
out,

.. math::

    P_b = C^b_{zz} - C^b_{zn} (C^b_{nn})^{+} C^b_{nz}, \\qquad
    C^b = \\sum_i f_{bi} a_i a_i' - \\sum_g \\frac{S_{bg} S_{bg}'}{n_{bg}},

where ``a_i`` stacks the key columns, the controls and the dummies of every
fixed effect but the one with most levels (``g``), ``S_{bg}`` and ``n_{bg}``
are the weighted sums and counts of group ``g`` in draw ``b`` (the closed-form
within transformation of one fixed effect) and ``+`` is a pseudo-inverse
(collinear dummies and controls are dropped as a regression drops them). Every
``C^b`` is linear in the weights, so all draws are computed with a few matrix
products over *cells* (observations, or cluster x group pairs for a cluster
bootstrap) and batched small eigen-decompositions: exact, not an
approximation, and equal to re-estimating each resampled data set (tested
against plain re-estimation to 1e-10).

A duplicated cluster keeps its fixed-effect levels. For a fixed effect nested
in the clusters this equals giving each copy a level of its own (Stata's
``bootstrap, cluster() idcluster()``): the copies' within-group moments add up
the same way, and the slopes are unchanged.

Resampling indices come from :func:`index_blocks`: ``numpy.random.default_rng(seed)``
draws ``integers(0, n_units, size=(block, n_units))`` in blocks of
:data:`BLOCK` draws, so a seed gives the same indices whatever the data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

#: Draws generated (and processed) together; fixed so a seed always gives the same indices.
BLOCK = 256

#: Relative eigenvalue below which a nuisance direction counts as collinear and is dropped.
PINV_TOL = 1e-10


def index_blocks(n_units: int, draws: int, seed: int, block: int = BLOCK) -> Iterator[np.ndarray]:
    """Yield the resampling indices, ``block`` draws at a time.

    Parameters
    ----------
    n_units : int
        Number of resampling units (observations, or clusters).
    draws : int
        Number of bootstrap draws.
    seed : int
        Seed of ``numpy.random.default_rng``.
    block : int
        Draws per block; keep the default to reproduce hitex's draws.

    Yields
    ------
    numpy.ndarray
        Integer array of shape ``(draws in block, n_units)``: the units drawn,
        with replacement, for each draw.
    """
    rng = np.random.default_rng(seed)
    done = 0
    while done < draws:
        size = min(block, draws - done)
        yield rng.integers(0, n_units, size=(size, n_units))
        done += size


def resample_indices(n_units: int, draws: int, seed: int) -> np.ndarray:
    """All resampling indices of a seeded bootstrap, shape ``(draws, n_units)``.

    Row ``b`` lists the units drawn for draw ``b``, exactly as the vectorised
    bootstrap uses them: observations numbered in the order of the estimation
    sample, or clusters numbered in the sorted order of their labels
    (``numpy.unique``).
    """
    if draws <= 0:
        return np.empty((0, n_units), dtype=np.int64)
    return np.concatenate(list(index_blocks(n_units, draws, seed)))


def counts(indices: np.ndarray, n_units: int) -> np.ndarray:
    """Frequency weights ``(draws, n_units)``: how often each unit is drawn."""
    n_draws = indices.shape[0]
    flat = (np.arange(n_draws)[:, None] * n_units + indices).ravel()
    return np.bincount(flat, minlength=n_draws * n_units).reshape(n_draws, n_units).astype(float)


def _codes(values: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """Integer codes 0..G-1 of one factor, or of the combination of several."""
    arrays = [np.asarray(values)] if isinstance(values, np.ndarray) else list(values)
    stacked = np.column_stack([np.unique(a, return_inverse=True)[1] for a in arrays])
    return np.unique(stacked, axis=0, return_inverse=True)[1].ravel()


def _group_center(x: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract the (unweighted) group mean from each column of ``x``."""
    sums = np.zeros((n_groups, x.shape[1]))
    np.add.at(sums, codes, x)
    size = np.bincount(codes, minlength=n_groups).astype(float)
    return x - (sums / size[:, None])[codes]


@dataclass(frozen=True, eq=False)
class MomentDesign:
    """The data of a linear model prepared once for many weighted draws.

    Build it with :func:`prepare`. Columns are centred within the groups of
    the main fixed effect (which changes no slope, as the fixed effect absorbs
    group constants, and keeps the sums of squares free of cancellation) and
    scaled to unit standard deviation.

    Attributes
    ----------
    n_key : int
        Number of key columns (the first columns of every moment matrix).
    scale : numpy.ndarray
        Standard deviation each key column was divided by.
    cell_unit : numpy.ndarray
        Resampling unit of each cell.
    n_units : int
        Number of resampling units.
    """

    n_key: int
    scale: np.ndarray
    cell_unit: np.ndarray
    n_units: int
    _cell_moments: np.ndarray  # cells x q(q+1)/2: upper triangles, row by row
    _cell_sums: np.ndarray  # cells x q
    _cell_counts: np.ndarray  # cells
    _cell_group: np.ndarray  # cells
    _n_groups: int
    _nested: bool  # every group lies in one cell: no within correction per draw
    _columns: np.ndarray  # observations x q (centred, scaled): for residuals
    _obs_unit: np.ndarray

    @property
    def n_columns(self) -> int:
        """Key plus nuisance columns."""
        return int(self._cell_sums.shape[1])

    def moments(self, unit_weights: np.ndarray) -> np.ndarray:
        """Partialled cross-products of the key columns for each row of weights.

        Parameters
        ----------
        unit_weights : numpy.ndarray
            Shape ``(draws, n_units)``: frequency weight of each resampling unit.

        Returns
        -------
        numpy.ndarray
            Shape ``(draws, n_key, n_key)``: ``P_b`` of the module docstring.
        """
        w = np.atleast_2d(np.asarray(unit_weights, dtype=float))[:, self.cell_unit]
        q = self.n_columns
        iu = np.triu_indices(q)
        packed = w @ self._cell_moments
        c = np.zeros((w.shape[0], q, q))
        c[:, iu[0], iu[1]] = packed
        c[:, iu[1], iu[0]] = packed
        if not self._nested:
            c -= self._within_correction(w)
        return schur(c, self.n_key)

    def _within_correction(self, w: np.ndarray) -> np.ndarray:
        """``sum_g S_bg S_bg' / n_bg`` for every draw (weights constant within a cell)."""
        from scipy import sparse

        n_cells, q = self._cell_sums.shape
        g = self._n_groups
        # sparse (cells x groups*q) holding each cell's sums in its group's block
        rows = np.repeat(np.arange(n_cells), q)
        cols = (self._cell_group[:, None] * q + np.arange(q)[None, :]).ravel()
        spread = sparse.csr_matrix((self._cell_sums.ravel(), (rows, cols)), shape=(n_cells, g * q))
        member = sparse.csr_matrix((self._cell_counts, (np.arange(n_cells), self._cell_group)),
                                   shape=(n_cells, g))
        s = np.asarray((spread.T @ w.T).T).reshape(w.shape[0], g, q)
        n = np.asarray((member.T @ w.T).T)
        inv = np.divide(1.0, n, out=np.zeros_like(n), where=n > 0)
        return np.matmul(np.swapaxes(s * inv[:, :, None], 1, 2), s)

    def residualised(self) -> np.ndarray:
        """Key columns (scaled) with the fixed effects and nuisance columns partialled out.

        Observation level, unweighted: the ``M_D`` projections of the
        original sample, for standard errors that need scores.
        """
        z = self._columns[:, : self.n_key]
        extra = self._columns[:, self.n_key:]
        if extra.shape[1] == 0:
            return z.copy()
        beta, *_ = np.linalg.lstsq(extra, z, rcond=None)
        return z - extra @ beta

    @property
    def obs_unit(self) -> np.ndarray:
        """Resampling unit of each observation."""
        return self._obs_unit.copy()


def schur(c: np.ndarray, k: int) -> np.ndarray:
    """``C_zz - C_zn C_nn^+ C_nz`` for a batch of symmetric matrices (key block first).

    The pseudo-inverse keeps the eigen-directions of ``C_nn`` above
    :data:`PINV_TOL` times the largest, so nuisance columns that are
    collinear (dummies of a second fixed effect with the first, a control
    absorbed by a fixed effect) are dropped as a regression drops them.
    """
    czz = c[:, :k, :k]
    if c.shape[1] == k:
        return czz.copy()
    czn = c[:, :k, k:]
    cnn = c[:, k:, k:]
    vals, vecs = np.linalg.eigh(cnn)
    top = np.max(np.abs(vals), axis=1, keepdims=True)
    keep = vals > PINV_TOL * np.where(top > 0, top, 1.0)
    inv = np.divide(1.0, vals, out=np.zeros_like(vals), where=keep)
    proj = np.matmul(czn, vecs)
    return czz - np.matmul(proj * inv[:, None, :], np.swapaxes(proj, 1, 2))


def prepare(key: np.ndarray, controls: np.ndarray | None, fixed_effects: Sequence[np.ndarray],
            units: np.ndarray | None = None) -> MomentDesign:
    """Prepare a design for :meth:`MomentDesign.moments`.

    Parameters
    ----------
    key : numpy.ndarray
        Observations x k: the columns whose partialled cross-products are
        wanted (treatment, mediators, outcome).
    controls : numpy.ndarray or None
        Observations x p: columns partialled out with the fixed effects.
    fixed_effects : sequence of numpy.ndarray
        One array of level labels per fixed effect (an interaction ``a^b``
        combined into one array beforehand); none for an intercept only.
    units : numpy.ndarray, optional
        Resampling unit of each observation (a cluster label); default: each
        observation is its own unit.

    Returns
    -------
    MomentDesign
    """
    key = np.asarray(key, dtype=float)
    n = key.shape[0]
    ctrl = np.zeros((n, 0)) if controls is None else np.asarray(controls, dtype=float).reshape(n, -1)
    obs_unit = np.arange(n) if units is None else _codes(np.asarray(units))
    n_units = int(obs_unit.max()) + 1 if n else 0
    fe_codes = [_codes(np.asarray(f)) for f in fixed_effects]
    if not fe_codes:
        fe_codes = [np.zeros(n, dtype=np.int64)]
    sizes = [int(c.max()) + 1 for c in fe_codes]
    # main fixed effect: the largest one nested in the resampling units, else the largest
    nested = [_nested_in(c, obs_unit) for c in fe_codes]
    order = sorted(range(len(fe_codes)), key=lambda i: (not nested[i], -sizes[i]))
    main = order[0]
    groups, n_groups = fe_codes[main], sizes[main]
    dummies = [np.eye(sizes[i])[fe_codes[i]] for i in order[1:]]
    columns = np.column_stack([key, ctrl, *dummies]) if dummies or ctrl.size else key.copy()
    columns = _group_center(columns, groups, n_groups)
    sd = columns.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    columns = columns / sd
    cells, cell_of = np.unique(np.column_stack([obs_unit, groups]), axis=0, return_inverse=True)
    cell_of = cell_of.ravel()
    n_cells = len(cells)
    iu = np.triu_indices(columns.shape[1])
    moments = _cell_sum(columns[:, iu[0]] * columns[:, iu[1]], cell_of, n_cells)
    sums = _cell_sum(columns, cell_of, n_cells)
    cell_counts = np.bincount(cell_of, minlength=n_cells).astype(float)
    cell_group = cells[:, 1]
    is_nested = bool((np.bincount(cell_group, minlength=n_groups) <= 1).all())
    if is_nested:  # weights constant within a group: the correction is linear in them
        moments -= sums[:, iu[0]] * sums[:, iu[1]] / cell_counts[:, None]
    return MomentDesign(
        n_key=key.shape[1], scale=sd[: key.shape[1]].copy(), cell_unit=cells[:, 0].copy(),
        n_units=n_units, _cell_moments=moments, _cell_sums=sums, _cell_counts=cell_counts,
        _cell_group=cell_group, _n_groups=n_groups, _nested=is_nested, _columns=columns,
        _obs_unit=obs_unit,
    )


def _cell_sum(x: np.ndarray, cell_of: np.ndarray, n_cells: int) -> np.ndarray:
    """Sum the rows of ``x`` by cell (cells numbered 0..n_cells-1, each non-empty)."""
    if n_cells == len(cell_of) and np.array_equal(cell_of, np.arange(n_cells)):
        return x.copy()
    order = np.argsort(cell_of, kind="stable")
    starts = np.searchsorted(cell_of[order], np.arange(n_cells))
    return np.add.reduceat(x[order], starts, axis=0)


def _nested_in(codes: np.ndarray, units: np.ndarray) -> bool:
    """True if every level of ``codes`` lies within one resampling unit."""
    pairs = np.unique(np.column_stack([codes, units]), axis=0)
    return len(pairs) == len(np.unique(codes))


__all__ = ["BLOCK", "MomentDesign", "PINV_TOL", "counts", "index_blocks", "prepare",
           "resample_indices", "schur"]
