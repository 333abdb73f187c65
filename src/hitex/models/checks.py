"""Input checks shared by the estimators.

Each check raises a :class:`~hitex.errors.HitexError` subclass whose message
names the offending column (or key) and says how to fix it, so that bad input
never reaches the estimation engine as a traceback or a silent wrong number.
"""

from __future__ import annotations

import difflib
import keyword
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from hitex.errors import (
    ColumnNotFoundError,
    DuplicateKeyError,
    EmptySampleError,
    EstimationError,
    HitexError,
    NonNumericError,
    SpecificationError,
)
from hitex.models.formula import is_formula_name, name_problem, split_top


def require_dataframe(data: object, what: str = "data") -> pd.DataFrame:
    """Return ``data`` if it is a pandas DataFrame, else raise a HitexError.

    A frame indexed on its own columns (``df.set_index(["firm", "year"],
    drop=False)``) is returned with the index *names* removed (the index
    values are kept), so that grouping by those columns is not ambiguous.
    """
    if not isinstance(data, pd.DataFrame):
        raise HitexError(
            f"{what} must be a pandas DataFrame, got {type(data).__name__}. Convert it with "
            "pandas.DataFrame(...) or read it with pandas.read_csv(...)."
        )
    repeated = data.columns[data.columns.duplicated()].unique().tolist()
    if repeated:
        raise HitexError(
            f"{what} has repeated column names: {', '.join(map(str, repeated))}. Give every "
            "column its own name (e.g. data.columns = [...] or data.loc[:, "
            "~data.columns.duplicated()] to keep the first).")
    names = [n for n in data.index.names if n is not None]
    if any(n in data.columns for n in names):
        data = data.rename_axis(index=[None] * data.index.nlevels)
    return data


def require_formula_names(data: pd.DataFrame, formula: str, others: Iterable[str] = (),
                          where: str = "the formula") -> None:
    """Raise :class:`SpecificationError` for column names a formula cannot express.

    Checks the data columns named in ``formula`` for a space (``'firm id'``)
    or a Python keyword (``lambda``, ``if``, ``True``), and the names in
    ``others`` (weights or cluster columns, used in ``where``) for anything
    that is not a plain name. The message names every such column and the
    new name to use.
    """
    bad = [n for n in others if isinstance(n, str) and not is_formula_name(n)]
    text = formula if isinstance(formula, str) else ""
    found: list[tuple[int, str]] = []
    for col in data.columns:
        if isinstance(col, str) and (keyword.iskeyword(col) or re.search(r"\w\s+\w", col)):
            hit = re.search(rf"(?<![\w.]){re.escape(col)}(?![\w.])", text)
            if hit and col not in bad:
                found.append((hit.start(), col))
    bad += [col for _, col in sorted(found)]
    if bad:
        problems = [name_problem(n, where) for n in bad]
        prefix = f"formula {formula!r}: " if text else ""
        raise SpecificationError(prefix + " ".join([problems[0]] + [p[0].upper() + p[1:]
                                                                    for p in problems[1:]]))


def require_columns(data: pd.DataFrame, columns: Iterable[str], context: str = "") -> None:
    """Raise :class:`ColumnNotFoundError` for columns absent from ``data``.

    The message lists close matches among the existing columns.
    """
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if not missing:
        return
    hints = []
    existing = [str(c) for c in data.columns]
    for col in missing:
        close = difflib.get_close_matches(col, existing, n=3, cutoff=0.6)
        hints.append(f"'{col}'" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
    where = f" used in {context}" if context else ""
    raise ColumnNotFoundError(
        f"column {', '.join(hints)}{where} not found in the data. Available columns: "
        f"{', '.join(existing[:30])}{' ...' if len(existing) > 30 else ''}. Rename the column or "
        "fix the name."
    )


def require_numeric(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`NonNumericError` if a column holds text.

    Booleans are accepted. The message shows up to three offending values and
    the fix (``pandas.to_numeric(..., errors="coerce")`` or cleaning the file).
    """
    for col in dict.fromkeys(columns):
        series = data[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise NonNumericError(
            f"column '{col}' must be numeric but holds text"
            + (f" ({len(bad)} value(s) such as {examples})" if len(bad) else f" (dtype {series.dtype})")
            + f". Clean those values or convert with df['{col}'] = pandas.to_numeric(df['{col}'], "
            "errors='coerce') to treat them as missing."
        )


def require_unique(data: pd.DataFrame, key: Sequence[str]) -> None:
    """Raise :class:`DuplicateKeyError` if rows repeat on ``key``."""
    key = list(key)
    dup = data.duplicated(subset=key, keep=False)
    if dup.any():
        example = data.loc[dup, key].drop_duplicates().head(3)
        shown = "; ".join(
            ", ".join(f"{k}={v!r}" for k, v in zip(key, row, strict=True))
            for row in example.itertuples(index=False)
        )
        raise DuplicateKeyError(
            f"{int(dup.sum())} rows share the same ({', '.join(key)}) key, e.g. {shown}. Each "
            f"({', '.join(key)}) must appear once: drop or aggregate the duplicates "
            f"(df.drop_duplicates({key!r}) or df.groupby({key!r}).mean())."
        )


def require_nonempty(n: int, context: str, missing_by_column: dict[str, int] | None = None) -> None:
    """Raise :class:`EmptySampleError` when ``n`` is zero."""
    if n > 0:
        return
    detail = ""
    if missing_by_column:
        worst = sorted(missing_by_column.items(), key=lambda kv: -kv[1])[:5]
        detail = " Missing values by column: " + ", ".join(f"{k}: {v}" for k, v in worst) + "."
    raise EmptySampleError(
        f"no observations left for {context} after removing rows with missing values and "
        f"applying filters.{detail} Check the sample filter, the years and the variables' coverage."
    )


def require_variation(series: pd.Series, name: str) -> None:
    """Raise :class:`EstimationError` if the outcome is constant (e.g. all zero)."""
    values = series.dropna()
    if len(values) and values.nunique() <= 1:
        value = values.iloc[0]
        kind = "all zero" if value == 0 else f"constant (= {value!r})"
        raise EstimationError(
            f"outcome '{name}' is {kind} in the estimation sample, so no coefficient is "
            "identified. Check the outcome column and the sample filter."
        )


def missing_counts(data: pd.DataFrame, columns: Iterable[str]) -> dict[str, int]:
    """Number of missing values per column (only columns with any)."""
    counts = {c: int(data[c].isna().sum()) for c in dict.fromkeys(columns)}
    return {c: n for c, n in counts.items() if n}


def drop_missing(work: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, int, str]],
                                               dict[str, int]]:
    """Drop rows with infinite or missing values, counting each row once.

    Returns the remaining rows, ``(reason, count, detail)`` drop records
    (``"non_finite"`` for rows with +/-inf, as Stata treats them as missing;
    ``"missing"`` for the other rows with missing values) and the number of
    missing or infinite values per column.
    """
    inf = pd.DataFrame(False, index=work.index, columns=work.columns)
    for col in work.columns:
        if pd.api.types.is_float_dtype(work[col]):
            inf[col] = np.isinf(work[col].to_numpy(dtype="float64", na_value=np.nan))
    nan = work.isna()
    inf_rows = inf.any(axis=1)
    nan_rows = nan.any(axis=1) & ~inf_rows
    records: list[tuple[str, int, str]] = []
    if inf_rows.any():
        detail = ", ".join(f"{c}: {int(n)}" for c, n in inf.sum().items() if n)
        records.append(("non_finite", int(inf_rows.sum()),
                        f"infinite values treated as missing, as Stata does ({detail})"))
    if nan_rows.any():
        detail = ", ".join(f"{c}: {int(n)}" for c, n in nan.sum().items() if n)
        records.append(("missing", int(nan_rows.sum()), f"rows with missing values ({detail})"))
    by_column = {str(c): int(n) for c, n in (inf | nan).sum().items() if n}
    return work.loc[~(inf_rows | nan_rows)], records, by_column


_FUNCTION_HINTS = {
    "log": "log of 0 or of a negative number",
    "log1p": "log1p of -1 or less",
    "sqrt": "square root of a negative number",
    "exp": "exp of a value above about 709 overflows",
}


def _evaluable_parts(terms: Iterable[str], columns: pd.Index) -> list[str]:
    """The pieces of ``terms`` that can be undefined: not plain columns, not factors.

    Interactions are split (``C(k):np.log(z)`` gives ``np.log(z)``) so that
    transformed numeric parts are checked without building factor dummies.
    """
    out: list[str] = []
    for term in terms:
        for part in split_top(term, ":"):
            for piece in split_top(part, "*"):
                piece = piece.strip()
                if (piece and piece not in columns and piece not in ("0", "1")
                        and not re.search(r"(?<![\w.])(?:C|i)\(", piece)
                        and piece not in out):
                    out.append(piece)
    return out


def nonfinite_terms(frame: pd.DataFrame, terms: Iterable[str]) -> tuple[np.ndarray, list[str]]:
    """Rows where a transformed formula term is infinite or missing.

    Each term (or part of an interaction) that is not a plain column and not
    a factor (``C()``/``i()``) is evaluated as the estimation engine does
    (formulaic); ``log(trade)`` is ``-inf`` where ``trade`` is 0. Returns a
    boolean row mask and one message per offending term, e.g. ``"log(inv) is
    -inf or missing for 10 rows (log of 0 or of a negative number)"``. Terms
    that cannot be evaluated here are skipped (the engine reports them).
    """
    bad = np.zeros(len(frame), dtype=bool)
    notes: list[str] = []
    if not len(frame):
        return bad, notes
    from formulaic import model_matrix

    for term in _evaluable_parts(terms, frame.columns):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mm = model_matrix(f"{term} - 1", frame, na_action="ignore", output="pandas")
            values = np.asarray(mm, dtype="float64").reshape(len(frame), -1)
        except Exception:  # noqa: BLE001 - the engine reports terms it cannot evaluate
            continue
        rows = ~np.isfinite(values).all(axis=1)
        if rows.any():
            bad |= rows
            kind = "-inf or missing" if "log" in term else "infinite or missing"
            funcs = [f for f in _FUNCTION_HINTS if re.search(rf"(?<![\w]){f}\(", term)]
            why = _FUNCTION_HINTS[funcs[0]] if funcs else "the transformation is undefined there"
            notes.append(f"{term} is {kind} for {int(rows.sum())} rows ({why})")
    return bad, notes


def singleton_rows(frame: pd.DataFrame, fixed_effects: Sequence[str]) -> np.ndarray:
    """Rows alone in a fixed-effect group, removed iteratively as reghdfe does.

    Dropping a singleton of one fixed effect can leave another observation
    alone in a group of a second fixed effect, so the rule is repeated until
    no group of any fixed effect (``a^b`` interactions included) has a single
    observation. Returns a boolean mask of the rows to drop.
    """
    n = len(frame)
    keep = np.ones(n, dtype=bool)
    if not n or not fixed_effects:
        return ~keep
    codes = [frame.groupby(fe.split("^"), observed=True, sort=False, dropna=False).ngroup()
             .to_numpy() for fe in fixed_effects]
    changed = True
    while changed:
        changed = False
        for code in codes:
            counts = np.bincount(code[keep], minlength=int(code.max()) + 1)
            single = keep & (counts[code] == 1)
            if single.any():
                keep &= ~single
                changed = True
    return ~keep


def require_not_all_singletons(n_left: int, n_dropped: int, fixed_effects: Sequence[str],
                               context: str) -> None:
    """Raise :class:`EmptySampleError` when removing singletons leaves no rows."""
    if n_left:
        return
    fes = " and ".join(f"'{fe}'" for fe in fixed_effects)
    raise EmptySampleError(
        f"no observations left for {context}: all {n_dropped} observations are singletons in "
        f"the fixed effects ({fes}). Each is alone in its group (directly or once other "
        "singletons are removed), so the fixed effects fit it exactly and it says nothing about "
        "the coefficients. Use data with several observations per group (e.g. more than one "
        "period per unit and several units per period) or fewer fixed effects."
    )


def unit_scales(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, float]:
    """Standard deviations of numeric ``columns`` that can serve as scale factors.

    Columns with a zero, missing or infinite spread, and boolean columns, are
    left out (they are not rescaled).
    """
    out: dict[str, float] = {}
    for col in dict.fromkeys(columns):
        series = frame[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        sd = float(np.std(series.to_numpy(dtype="float64"), ddof=0)) if len(series) else 0.0
        if np.isfinite(sd) and sd > 0:
            out[str(col)] = sd
    return out


def engine_hint(err: BaseException, formula: str = "") -> str:
    """The likely cause of an estimation-engine failure and what to do about it.

    ``formula`` (the formula as run) lets the hint tell an unknown function
    (``sqrt(x)``) from an unreadable column name.
    """
    text = f"{type(err).__name__}: {err}"
    unknown = re.search(r"name '([^']+)' is not defined", text)
    if unknown and re.search(rf"(?<![\w.]){re.escape(unknown.group(1))}\s*\(", formula):
        func = unknown.group(1)
        return (
            f"The formula engine does not know the function '{func}'. Write np.{func}(...) "
            f"if numpy has it, or add the transformed column to the data and use its name."
        )
    if re.search(r"[Dd]emean|converge", text):
        return (
            "The fixed effects could not be removed to the required precision (the demeaning "
            "did not converge). This happens with very large values, e.g. trade in US dollars "
            "(1e9 and more), computed inside a formula function such as I(...) (plain columns "
            "are rescaled automatically), or with very weakly connected fixed effects. Rescale "
            "large columns (e.g. divide by 1e6, trade in millions) and check for extreme values."
        )
    if re.search(r"NameError|not present in the dataset|Unable to evaluate|Missing operator|"
                 r"[Ss]yntax|unexpected", text):
        return (
            "A name in the formula could not be read as a column. Column names used in formulas "
            "must be identifiers (letters, digits and underscores, not starting with a digit) "
            "and not Python keywords such as lambda, if or True; rename such columns (e.g. "
            "'lambda' -> 'lambda_', 'firm id' -> 'firm_id')."
        )
    if re.search(r"collinear|[Ss]ingular", text):
        return (
            "Every regressor is collinear with the fixed effects or with the other regressors, "
            "so none can be estimated. Use regressors that vary within the fixed-effect groups."
        )
    return ("Check that the regressors vary within the fixed-effect groups and that the sample "
            "is not too small.")


#: Fewest clusters for which hitex reports clustered standard errors without a warning.
#:
#: Cluster-robust variances are consistent as the number of clusters grows;
#: with few clusters they are biased downward and t tests over-reject, even
#: with the ``G/(G-1)`` factor and ``t(G-1)`` inference (Cameron, Gelbach and
#: Miller 2008; Cameron and Miller 2015 put the danger zone below roughly 20 to
#: 50 clusters). Stata and fixest report such errors without complaint, so
#: hitex does too, but warns below this threshold and notes it in the result.
MIN_CLUSTERS = 10

#: Start of the note a result carries when a clustering has few clusters.
FEW_CLUSTERS_PREFIX = "Few clusters: "


def few_clusters_message(clusters: Mapping[str, int],
                         threshold: int = MIN_CLUSTERS) -> str | None:
    """A warning text when a clustering variable has fewer than ``threshold`` clusters.

    Cluster-robust standard errors need many clusters; Stata and fixest
    report them for any number of clusters of at least two, so hitex warns
    (see :data:`MIN_CLUSTERS`) rather than refusing.

    Parameters
    ----------
    clusters : mapping of str to int
        Number of clusters of each clustering variable in the estimation sample.
    threshold : int, default :data:`MIN_CLUSTERS`
        Fewest clusters accepted without a warning.

    Returns
    -------
    str or None
        None when every clustering has at least ``threshold`` clusters.
    """
    few = {name: int(g) for name, g in clusters.items() if int(g) < threshold}
    if not few:
        return None
    listed = ", ".join(f"'{name}' has {g}" for name, g in few.items())
    return (
        f"{FEW_CLUSTERS_PREFIX}{listed} cluster(s), fewer than {threshold}; with so few "
        "clusters cluster-robust standard errors are usually too small and p-values too low. "
        "Cluster by a variable with more groups (in Python vcov={'CRV1': 'column'}, "
        "in a study file vcov: {CRV1: column}; e.g. the panel unit or the country pair), or "
        "treat these standard errors with caution."
    )


def require_cluster_columns(data: pd.DataFrame, columns: Iterable[str], vcov: object = None,
                            where: str = "vcov", in_model: bool = False) -> None:
    """Raise :class:`ColumnNotFoundError` for a clustering variable absent from ``data``.

    The message says that the cluster variable (``vcov=`` or ``pair=``), not
    the formula, names a missing column, lists close matches, and for a name
    with a space (``'iso3 year'``) explains that two-way clustering is
    written ``'iso3+year'``. ``in_model`` says the columns were looked for in
    a fitted model's data (:meth:`RegressionResult.with_vcov`).
    """
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if not missing:
        return
    existing = [str(c) for c in data.columns]
    given = f"{where}={vcov!r}" if vcov is not None else f"{where}="
    owner = "model's " if in_model else ""
    parts = []
    for col in missing:
        pieces = col.split()
        if len(pieces) > 1:
            joined = "+".join(pieces)
            absent = [p for p in pieces if p not in data.columns]
            parts.append(
                f"cluster variable '{col}' in {given} is not a column of the data. Two-way "
                f"clustering is written with '+', not a space: in Python vcov={{'CRV1': "
                f"'{joined}'}}, in a study file vcov: {{CRV1: {joined}}}."
                + (f" Note that {_with_hints(absent, existing)} "
                   f"{'is' if len(absent) == 1 else 'are'} not in the data either."
                   if absent else "")
            )
            continue
        parts.append(
            f"cluster variable {_with_hints([col], existing)} in {given} is not a column of "
            f"the {owner}data."
        )
    if in_model:
        fix = ("Cluster columns must be in the data the model was fitted on; pass them to the "
               "estimator with the data and re-estimate.")
    elif where == "pair":
        fix = "Name the column that identifies country pairs (e.g. pair='pair_id')."
    else:
        fix = ("Name an existing column (in Python vcov={'CRV1': 'column'}, in a study file "
               "vcov: {CRV1: column}) or add the column to the data.")
    shown = f"{', '.join(existing[:30])}{' ...' if len(existing) > 30 else ''}"
    raise ColumnNotFoundError(" ".join(parts) + f" {fix} Available columns: {shown}.")


def _with_hints(names: Sequence[str], existing: Sequence[str]) -> str:
    """``'x' (did you mean 'y'?)`` for each name, joined by commas."""
    out = []
    for name in names:
        close = difflib.get_close_matches(name, existing, n=3, cutoff=0.6)
        out.append(f"'{name}'" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
    return ", ".join(out)
