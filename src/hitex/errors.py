"""Errors and warnings raised by hitex.

Every problem hitex detects in its input is reported with a :class:`HitexError`
(or a :class:`HitexWarning` when the computation can go on) whose message names
what is wrong (the column, key or file) and how to fix it. Users can therefore
catch one exception type for every input problem::

    try:
        hitex.panel("y ~ x | country + year", df)
    except hitex.HitexError as err:
        print(err)
"""

from __future__ import annotations


class HitexError(Exception):
    """Base class of every error hitex raises on purpose."""


class DataNotFoundError(HitexError):
    """A data file or data directory could not be found."""


class DataFormatError(HitexError):
    """A data file exists but does not have the expected layout."""


class ColumnNotFoundError(HitexError, KeyError):
    """A column named in a formula, filter or step is not in the data."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DuplicateKeyError(HitexError):
    """Rows that should be unique on a key (unit x time) are duplicated."""


class NonNumericError(HitexError, TypeError):
    """A column that must be numeric holds text."""


class EmptySampleError(HitexError):
    """No observations are left after filters and missing values are removed."""


class SpecificationError(HitexError):
    """A model specification (formula, vcov, fixed effects) is invalid."""


class StudySpecError(HitexError):
    """A study YAML file does not satisfy the study schema."""


class OutputFolderError(HitexError):
    """An output folder cannot be written safely (a file, foreign files, another run, a link)."""


class EstimationError(HitexError):
    """The estimator could not produce a result for the given data."""


class HitexWarning(UserWarning):
    """Base class of every warning hitex emits on purpose."""


class AbsorbedRegressorWarning(HitexWarning):
    """A regressor is collinear with the fixed effects or other regressors and was dropped."""


class DataCoverageWarning(HitexWarning):
    """Data are incomplete (missing years, members, or a fallback source was used)."""


class SeparationWarning(HitexWarning):
    """Observations were dropped because a Poisson (PPML) estimate is separated there."""


class FewClustersWarning(HitexWarning):
    """A clustering variable has too few clusters for reliable cluster-robust standard errors."""


__all__ = [
    "HitexError",
    "DataNotFoundError",
    "DataFormatError",
    "ColumnNotFoundError",
    "DuplicateKeyError",
    "NonNumericError",
    "EmptySampleError",
    "SpecificationError",
    "OutputFolderError",
    "StudySpecError",
    "EstimationError",
    "HitexWarning",
    "AbsorbedRegressorWarning",
    "DataCoverageWarning",
    "SeparationWarning",
    "FewClustersWarning",
]
