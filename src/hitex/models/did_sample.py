"""Checks of a difference-in-differences sample shared by the DiD estimators.

The TWFE DiD (:func:`hitex.models.event.twfe_did`), the PSM-DiD
(:func:`hitex.models.psm_did.psm_did`) and the Callaway-Sant'Anna ATT(g,t)
(:func:`hitex.models.did.att_gt`) read their sample under the same rules:

* :class:`DiDDataWarning` is issued when rows or units are dropped from the
  sample (treated before the panel starts, a missing key, an unbalanced unit);
* :func:`treatment_with_arms` reads the 0/1 treatment (by the rule of
  :func:`hitex.models.balance.binary_treatment`) and requires both treated and
  untreated observations, since a DiD needs controls.

This module imports none of those estimators; :mod:`hitex.models.did`
re-exports :class:`DiDDataWarning`.
"""

from __future__ import annotations

import pandas as pd

from hitex.errors import EstimationError, HitexWarning
from hitex.models.balance import binary_treatment

__all__ = ["DiDDataWarning", "treatment_with_arms"]


class DiDDataWarning(HitexWarning):
    """Units were dropped from a DiD sample (treated before the panel, unbalanced)."""


def treatment_with_arms(data: pd.DataFrame, column: str) -> pd.Series:
    """Return the 0/1 treatment ``column`` as floats, requiring treated and untreated rows.

    Parameters
    ----------
    data : pandas.DataFrame
        The sample.
    column : str
        The treatment column, coded as :func:`hitex.models.balance.binary_treatment`
        accepts (missing values stay NaN).

    Returns
    -------
    pandas.Series
        1.0 treated, 0.0 untreated, NaN missing, with the index of ``data``.

    Raises
    ------
    SpecificationError
        The column is not 0/1 (from :func:`~hitex.models.balance.binary_treatment`).
    EstimationError
        No observation is treated (no 1s) or none is untreated (no 0s).
    """
    values = binary_treatment(data[column], column)
    if not (values == 1).any():
        raise EstimationError(f"treatment column '{column}' has no treated observations (no 1s).")
    if not (values == 0).any():
        raise EstimationError(f"treatment column '{column}' has no untreated observations (no 0s); "
                              "DiD needs controls.")
    return values
