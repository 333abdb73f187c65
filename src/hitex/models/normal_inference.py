"""Normal-theory inference shared by the treatment-effect results.

:class:`NormalInference` gives a result that has ``params`` and
``std_errors`` (pandas Series by term) the rest of the result contract:
two-sided normal p-values, normal confidence intervals and the tidy table, as
Stata's ``teffects`` and MatchIt's summaries report them (z statistics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hitex.errors import SpecificationError


class NormalInference:
    """``pvalues``, ``conf_int`` and ``tidy`` from ``params`` and ``std_errors`` (z based)."""

    params: pd.Series
    std_errors: pd.Series

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values."""
        from scipy import stats

        z = (self.params / self.std_errors).to_numpy()
        return pd.Series(2 * stats.norm.sf(np.abs(z)), index=self.params.index, name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Normal confidence intervals ``estimate +/- z se``."""
        from scipy import stats

        if not 0 < level < 1:
            raise SpecificationError(f"conf_int level must be between 0 and 1, got {level}")
        q = stats.norm.ppf((1 + level) / 2)
        return pd.DataFrame({"conf_low": self.params - q * self.std_errors,
                             "conf_high": self.params + q * self.std_errors})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term: estimate, std_error, statistic, p_value, conf_low, conf_high."""
        ci = self.conf_int(level)
        out = pd.DataFrame({"estimate": self.params, "std_error": self.std_errors,
                            "statistic": self.params / self.std_errors, "p_value": self.pvalues,
                            "conf_low": ci["conf_low"], "conf_high": ci["conf_high"]})
        out.index.name = "term"
        return out


__all__ = ["NormalInference"]
