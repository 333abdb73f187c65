"""Publication tables: one format-independent table model and its builders.

A :class:`Table` holds every cell as a plain string, so a writer only decides
how to lay strings out (:mod:`hitex.report.writers` has text and Markdown).
Builders: :func:`regression_table` (models side by side, like Stata's
``esttab`` or R's ``modelsummary``), :func:`descriptive_table` (Stata's
``summarize``), :func:`comparison_table` (published estimates beside hitex's)
and :func:`frame_table` (any DataFrame).

Examples
--------
>>> import pandas as pd
>>> from hitex.report.tables import descriptive_table
>>> print(descriptive_table(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})), end="")
========================================
Variable  N  Mean  Std. dev.  Min   Max
----------------------------------------
x         4  2.50    1.29     1.00  4.00
========================================
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any, Literal

import numpy as np
import pandas as pd

from hitex.errors import ColumnNotFoundError, HitexError, NonNumericError, SpecificationError
from hitex.report.columns import Column, as_column, iv_rows
from hitex.report.formatting import (
    check_digits,
    fmt,
    fmt_sci,
    fmt_threshold,
    is_whole_column,
    row_decimals,
)
from hitex.report.labels import (
    check_lang,
    depvar_heading,
    fe_row_label,
    is_time_effect,
    star_note,
    translate_note,
    under_note,
    vcov_words,
    word,
)
from hitex.report.model import Align, Cell, Row, Section, Table  # noqa: F401


def _suggest(name: str, candidates: Sequence[str]) -> str:
    """A ' Did you mean ...?' hint, or the list of what is available."""
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    close += [c for c in candidates if c.lower() == name.lower() and c not in close]
    if close:
        return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
    more = ", ..." if len(candidates) > 12 else ""
    shown = ", ".join(repr(c) for c in list(candidates)[:12])
    return f" Available: {shown}{more}." if candidates else ""


def _star_levels(stars: Sequence[float] | None) -> list[tuple[float, str]]:
    """``(threshold, symbol)`` pairs, the largest threshold (one star) first."""
    thresholds = sorted((float(t) for t in stars or ()), reverse=True)
    if any(not 0 < t < 1 for t in thresholds):
        raise SpecificationError(f"star thresholds must lie between 0 and 1, got {stars}")
    return [(t, "*" * (i + 1)) for i, t in enumerate(thresholds)]


def _stars(p: float | None, levels: list[tuple[float, str]]) -> str:
    """Symbol of the smallest threshold that ``p`` is strictly below."""
    if p is None or math.isnan(p):
        return ""
    return ([""] + [sym for threshold, sym in levels if p < threshold])[-1]


def _by_model(items: Sequence[Sequence[str]]) -> dict[str, str]:
    """Map each text to the columns that have it, '' when every model has it."""
    groups: dict[str, list[int]] = {}
    for i, texts in enumerate(items):
        for text in dict.fromkeys(texts):
            groups.setdefault(text, []).append(i)
    every = len(items)
    return {
        t: "" if len(ix) == every else ", ".join(f"({i + 1})" for i in ix)
        for t, ix in groups.items()
    }


def _as_notes(notes: str | Sequence[str] | None) -> tuple[str, ...]:
    return () if notes is None else (notes,) if isinstance(notes, str) else tuple(notes)


def _require_columns(df: pd.DataFrame, names: Iterable[Any], what: str = "the data") -> None:
    for name in names:
        if name not in df.columns:
            hint = _suggest(str(name), [str(c) for c in df.columns])
            raise ColumnNotFoundError(f"column {name!r} is not in {what}.{hint}")


# ----------------------------------------------------------------------------- regression
_SE_BRACKETS = {"parentheses": "()", "brackets": "[]", "none": ""}
STATS = ("nobs", "rsquared", "rsquared_adj", "rsquared_within", "n_clusters", "fstat",
         "depvar_mean", "first_stage_f", "pseudo_r2")
"""The statistics a regression table can show below the coefficients (``stats=``)."""
UNDER = ("se", "t", "ci", "none")
"""What can stand under each coefficient (``under=``)."""
INTERCEPT = "Intercept"
"""The name of the constant term in hitex's results."""


def _match(patterns: Iterable[str], names: Sequence[str], what: str) -> list[str]:
    """Names matched by the patterns (exact or glob such as 'year_*'), in pattern order."""
    out: list[str] = []
    for pattern in patterns:
        hits = [t for t in names if t == pattern or fnmatchcase(t, pattern)]
        if not hits:
            hint = _suggest(pattern, names)
            raise SpecificationError(f"{what}: {pattern!r} matches no term of the models.{hint}")
        out += [h for h in hits if h not in out]
    return out


def _row_terms(
    models: Sequence[Column],
    labels: Mapping[str, str],
    keep: Sequence[str] | None,
    drop: Sequence[str] | None,
    order: Sequence[str] | None,
) -> dict[str, list[str]]:
    """Map each coefficient row's label to the raw terms shown in it, in display order.

    Without ``order``, terms come in order of first appearance, column by column,
    and the constant (``Intercept``) last, as in esttab; ``keep``, ``drop`` and
    ``order`` take raw names, globs, or the labels shown.
    """
    model_terms = [[str(t) for t in m.params.index] for m in models]
    terms = list(dict.fromkeys(t for ts in model_terms for t in ts))
    terms = [t for t in terms if t != INTERCEPT] + [t for t in terms if t == INTERCEPT]

    def by_label(patterns: Sequence[str], what: str) -> list[str]:
        names = [*terms, *(labels[t] for t in terms if t in labels and labels[t] not in terms)]
        back = {labels[t]: t for t in terms if t in labels}
        hits = _match(patterns, names, what)
        return list(dict.fromkeys(h if h in terms else back[h] for h in hits))

    if keep is not None:
        kept = by_label(keep, "keep")
        terms = [t for t in terms if t in kept]
    if drop is not None:
        dropped = by_label(drop, "drop")
        terms = [t for t in terms if t not in dropped]
    rows: dict[str, list[str]] = {}
    for term in terms:  # terms given one label share a row, like esttab's rename()
        rows.setdefault(labels.get(term, term), []).append(term)
    for i, ts in enumerate(model_terms):
        for label, raw in rows.items():
            if len(both := [t for t in raw if t in ts]) > 1:
                raise SpecificationError(
                    f"model ({i + 1}) has terms {both} that all map to the label {label!r}"
                )
    if order is not None:
        by_term = {t: label for label, raw in rows.items() for t in raw}
        names = [*by_term, *(lab for lab in rows if lab not in by_term)]
        first = [by_term.get(n, n) for n in _match(order, names, "order")]
        rows = {lab: rows[lab] for lab in [*first, *rows]}
    return rows


def _critical(df_resid: float | None, level: float) -> float:
    """The two-sided critical value: t with ``df_resid`` degrees of freedom, else normal."""
    from scipy import stats

    if df_resid is not None and math.isfinite(df_resid) and df_resid > 0:
        return float(stats.t.ppf((1 + level) / 2, df_resid))
    return float(stats.norm.ppf((1 + level) / 2))


def _under_values(m: Column, term: str, under: str, level: float) -> tuple[float, ...]:
    """The numbers under a coefficient: (se,), (t,) or (low, high); () when unknown."""
    if under == "none" or term not in m.std_errors.index:
        return ()
    b, se = float(m.params[term]), float(m.std_errors[term])
    if under == "se":
        return (se,)
    if under == "t":
        return (b / se,) if se > 0 else ()
    q = _critical(m.df_resid, level)
    return (b - q * se, b + q * se)


def _coefficient_rows(
    models: Sequence[Column],
    rows: Mapping[str, list[str]],
    digits: int,
    levels: list[tuple[float, str]],
    brackets: str,
    under: str,
    level: float,
) -> tuple[list[Row], list[str], list[str]]:
    """A coefficient row (with stars) and, unless ``under`` is "none", the row under it.

    Returns the rows and the labels of rows printed with more decimals and of
    rows printed in scientific notation (:func:`hitex.report.formatting.row_decimals`).
    """
    out, wider, scientific = [], [], []
    for label, raw in rows.items():
        terms = [next((t for t in raw if t in m.params.index), None) for m in models]
        ests = [None if t is None else float(m.params[t]) for m, t in zip(models, terms, strict=True)]
        unders = [() if t is None else _under_values(m, t, under, level)
                  for m, t in zip(models, terms, strict=True)]
        decimals = row_decimals([*ests, *(v for u in unders for v in u)], digits)
        if decimals is None:
            scientific.append(label)
        elif decimals != digits:
            wider.append(label)

        def show(x: float | None, decimals: int | None = decimals) -> str:
            return fmt_sci(x) if decimals is None else fmt(x, decimals)

        coefs, below = [], []
        for m, t, est, vals in zip(models, terms, ests, unders, strict=True):
            if t is None or est is None or pd.isna(est):
                coefs.append("")
                below.append("")
                continue
            p = float(m.pvalues[t]) if t in m.pvalues.index else None
            coefs.append(show(est) + _stars(p, levels))
            if under == "ci" and len(vals) == 2:
                below.append(f"[{show(vals[0])}, {show(vals[1])}]")
            elif vals and not pd.isna(vals[0]):
                below.append(f"{brackets[0]}{show(vals[0])}{brackets[1]}")
            else:
                below.append("")
        out.append(Row.of([label, *coefs], role="coef", key=raw[0]))
        if under != "none":
            out.append(Row.of(["", *below], role="se", key=raw[0]))  # whatever stands under
    return out, wider, scientific


def _fe_rows(models: Sequence[Column], labels: Mapping[str, str],
             fe_labels: Mapping[str, str], lang: str) -> list[Row]:
    """One Yes/No row per fixed effect of any model (blank where a model records none)."""
    model_fes = [m.fixed_effects for m in models]
    two_way = {
        fe
        for fes in model_fes
        if fes and len(fes) == 2 and sum(is_time_effect(f) for f in fes) == 1
        for fe in fes
        if "^" not in fe and not is_time_effect(fe)
    }
    yes, no = word("yes", lang), word("no", lang)
    out = []
    for fe in dict.fromkeys(f for fes in model_fes for f in fes or ()):
        if fe in fe_labels:
            label = fe_labels[fe]
        else:  # English keeps the name as written; Chinese uses the variable's label
            own = labels.get(fe) if lang == "zh" else None
            if own is not None:
                own = own.removesuffix(" FE").removesuffix("固定效应").strip()
            label = fe_row_label(fe, lang, label=own, unit=fe in two_way,
                                 time=is_time_effect(fe))
        cells = ("" if fes is None else yes if fe in fes else no for fes in model_fes)
        out.append(Row.of([label, *cells], role="fe", key=fe))
    return out


def _stat_cells(name: str, models: Sequence[Column], digits: int) -> list[str]:
    """The formatted value of statistic ``name`` in each column ("" where unknown)."""
    if name == "nobs":
        return ["" if m.nobs is None or pd.isna(m.nobs) else f"{int(m.nobs):,}" for m in models]
    if name == "n_clusters":
        return [" / ".join(f"{g:,}" for g in m.n_clusters) for m in models]
    return [fmt(getattr(m, name), digits) for m in models]


def _stat_rows(stats: Sequence[str | tuple[str, str]], models: Sequence[Column],
               digits: int, lang: str) -> list[Row]:
    rows = []
    for item in stats:
        if isinstance(item, str):
            name, label = item, None
        else:
            name, label = item
        if name not in STATS:
            hint = _suggest(str(name), STATS)
            raise SpecificationError(
                f"unknown statistic {name!r} in stats=; choose from {list(STATS)}.{hint}"
            )
        cells = _stat_cells(name, models, digits)
        if any(cells):
            rows.append(Row.of([label or word(name, lang), *cells], role="stat", key=name))
    return rows


def _dedupe(notes: Iterable[str]) -> tuple[str, ...]:
    """The notes with repeats left out, in order of first appearance."""
    return tuple(dict.fromkeys(n for n in notes if n))


def _cluster_labels(vcov_label: str, labels: Mapping[str, str], lang: str) -> str:
    """In Chinese, the clustering variables of "Clustered (a & b)" by their labels."""
    if lang == "en" or not (vcov_label.startswith("Clustered (") and vcov_label.endswith(")")):
        return vcov_label
    names = vcov_label[len("Clustered ("):-1].split(" & ")
    return "Clustered (" + " & ".join(labels.get(v, v) for v in names) + ")"


def _regression_notes(models: Sequence[Column], under: str, brackets: str, level: float,
                      levels: list[tuple[float, str]], lang: str,
                      wider: Sequence[str], scientific: Sequence[str], digits: int,
                      labels: Mapping[str, str]) -> list[str]:
    notes = []
    if under != "none":
        vcovs = _by_model([[vcov_words(_cluster_labels(m.vcov_label, labels, lang), lang)]
                           if m.vcov_label else [] for m in models])
        if lang == "zh":
            kinds = "；".join(f"{cols}列为{v}" if cols else v for v, cols in vcovs.items())
        else:
            kinds = "; ".join(f"{v} in {cols}" if cols else v for v, cols in vcovs.items())
        notes.append(under_note(under, "[]" if under == "ci" else brackets, lang, kinds, level))
    if levels:
        notes.append(star_note(levels, lang, fmt_threshold))
    if wider:
        names = ("、" if lang == "zh" else ", ").join(wider)
        notes.append(
            f"{names} 的数值在 {digits} 位小数下会显示为 0，故以更多小数位显示。" if lang == "zh"
            else f"{names}: shown with more decimals, as {digits} decimals would print them as 0."
        )
    if scientific:
        names = ("、" if lang == "zh" else ", ").join(scientific)
        notes.append(
            f"{names} 的数值过小，以科学计数法显示（e-05 表示 ×10⁻⁵）。" if lang == "zh"
            else f"{names}: shown in scientific notation (e-05 means x 10^-5), as "
            f"{digits} decimals would print them as 0."
        )
    model_notes = _by_model([[translate_note(n, lang) for n in m.notes] for m in models])
    if lang == "zh":
        notes += [f"{cols}：{t}" if cols else t for t, cols in model_notes.items()]
    else:
        notes += [f"{cols}: {t}" if cols else t for t, cols in model_notes.items()]
    return notes


def regression_table(
    results: Any,
    *,
    titles: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    keep: Sequence[str] | None = None,
    order: Sequence[str] | None = None,
    drop: Sequence[str] | None = None,
    digits: int = 3,
    stars: Sequence[float] | None = (0.10, 0.05, 0.01),
    se_in: Literal["parentheses", "brackets", "none"] | None = "parentheses",
    stats: Sequence[str | tuple[str, str]] = ("nobs", "rsquared", "rsquared_within"),
    fe_labels: Mapping[str, str] | None = None,
    title: str | None = None,
    notes: str | Sequence[str] | None = None,
    depvar_row: bool = True,
    lang: str = "en",
    under: Literal["se", "t", "ci", "none"] = "se",
    level: float = 0.95,
) -> Table:
    """Put estimation results side by side, one column per model (like esttab).

    Parameters
    ----------
    results : result, sequence of results, or mapping of title to result
        Objects with hitex's result contract (``params``, ``std_errors``,
        ``pvalues``, ``nobs``, ``rsquared``, ``rsquared_within``, ``spec``), as
        :func:`hitex.panel` and :func:`hitex.gravity` return, and also results of
        :func:`hitex.psm` (term ``ATT``), :func:`hitex.psm_did` (its DiD
        regression), :func:`hitex.event_study` and :func:`hitex.sun_abraham`
        (terms ``rel_mK``/``rel_pK``, K periods before/after treatment) and
        ``att_gt(...).aggregate(kind)``; see :mod:`hitex.report.columns`.
        Specification parts a result does not record are left blank.
    titles : sequence of str, optional
        One title per model (e.g. ``["OECD", "Non-OECD"]``), shown under (1),
        (2); by default a mapping's keys.
    labels : mapping, optional
        Display names of terms, dependent variables and fixed-effect variables;
        terms given the same label share a row (esttab's ``rename()``). The
        constant (``Intercept``) is labelled "Constant" (常数项) unless given here.
    keep, drop, order : sequence of str, optional
        Terms to show, to leave out, or to show first in this order, by name,
        glob (``"year_*"``) or label. The rest follow in order of first
        appearance (the first column's regressors first, then those new in the
        second ...), the constant last. An entry matching no term is an error.
    digits : int
        Decimals of coefficients, of the numbers under them and of statistics,
        from 0 to 10. A coefficient row with a non-zero number that would print
        as zero is printed with more decimals, the whole row alike, and a note
        names it (:func:`hitex.report.formatting.row_decimals`).
    stars : sequence of float, optional
        Thresholds that p must be strictly below: the default gives * p<0.10,
        ** p<0.05, *** p<0.01. None or ``()``: no stars.
    se_in : {"parentheses", "brackets", "none"} or None
        Enclosure of the standard error or t statistic under each coefficient;
        "none"/None: nothing under the coefficients.
    stats : sequence
        Names from :data:`STATS`: ``"nobs"`` (N, thousands separator),
        ``"rsquared"``, ``"rsquared_adj"``, ``"rsquared_within"``,
        ``"n_clusters"`` (per clustering variable, "G1 / G2" for two-way),
        ``"fstat"`` (model F where the result records it), ``"depvar_mean"``
        (mean of the dependent variable in the estimation sample, where the
        result records it), ``"first_stage_f"`` (2SLS), ``"pseudo_r2"``; or
        ``(name, label)`` pairs. Rows with no value are left out. A PPML column
        shows no R-squared (its squared correlation is no R-squared); when a model
        is 2SLS, "Estimator" and "First-stage F" rows are added
        (:func:`hitex.report.columns.iv_rows`).
    fe_labels : mapping, optional
        Fixed-effect row labels as shown. By default the variable's name as
        written and " FE": ``"iso3"`` gives ``"iso3 FE"``,
        ``"exporter^year"`` ``"exporter x year FE"``; in Chinese the variable's
        label from ``labels`` (a trailing " FE" left out) or name and " 固定效应",
        and 个体固定效应 / 年份固定效应 for the unit and year effects of a
        two-way panel (a time effect is named year, time, period ...:
        :data:`hitex.report.labels.TIME_NAMES`).
    title : str, optional
        The caption.
    notes : str or sequence of str, optional
        Notes after the standard ones (what stands under the coefficients and
        the SE type from ``spec.vcov_label``, star levels, rows with more
        decimals, each model's ``spec.notes`` prefixed by its column). A note
        given twice is shown once.
    depvar_row : bool
        Show the dependent variable under the column headers.
    lang : {"en", "zh"}
        Language of every fixed wording (:mod:`hitex.report.labels`): with "zh"
        the table has only the user's labels, numbers and Chinese words (the
        notes the models record, ``spec.notes``, in Chinese where
        :func:`hitex.report.labels.translate_note` knows them, else whole as
        recorded).
    under : {"se", "t", "ci", "none"}
        What stands under each coefficient: its standard error, its t statistic
        (z for PPML and matching results), its confidence interval
        ``[low, high]`` at ``level`` (t with the result's ``df_resid``, else
        normal, as :meth:`hitex.models.results.RegressionResult.conf_int`), or
        nothing. The first note says which.
    level : float
        Confidence level of the intervals of ``under="ci"``.

    Returns
    -------
    Table
        Sections "coefficients" (empty cell where a model lacks a term),
        "fixed_effects" (Yes/No per fixed effect of any model, blank for a
        result that records no fixed effects) and "statistics".

    Raises
    ------
    SpecificationError
        If an option is invalid (an unknown statistic lists the known ones),
        ``keep``/``drop``/``order`` matches no term, or a result has no estimates
        per term (the message says what to pass).
    """
    if isinstance(results, Mapping):
        given, keys = list(results.values()), [str(k) for k in results]
    elif isinstance(results, list | tuple | Iterator):
        given, keys = list(results), None
    else:
        given, keys = [results], None
    n = len(given)
    titles = keys if titles is None else [str(t) for t in titles]
    if n == 0 or (titles is not None and len(titles) != n):
        raise SpecificationError(
            f"need at least one result and one title per model; got {n} "
            f"results and titles={titles!r}"
        )
    digits = check_digits(digits)
    lang = check_lang(lang)
    if under not in UNDER:
        raise SpecificationError(f"under={under!r} is not known; choose one of {list(UNDER)}.")
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise SpecificationError(f"level={level!r} must lie strictly between 0 and 1, e.g. 0.95.")
    models = [as_column(m, j) for j, m in enumerate(given, start=1)]
    if (se_in or "none") not in _SE_BRACKETS:
        raise SpecificationError(f"se_in must be one of {list(_SE_BRACKETS)}, got {se_in!r}")
    brackets = _SE_BRACKETS[se_in or "none"]
    if not brackets:
        under = "none"
    levels = _star_levels(stars)
    labels = dict(labels or {})
    labels.setdefault(INTERCEPT, word("constant", lang))

    rows = _row_terms(models, labels, keep, drop, order)
    coef_rows, wider, scientific = _coefficient_rows(models, rows, digits, levels, brackets,
                                                     under, float(level))
    fe_rows = _fe_rows(models, labels, fe_labels or {}, lang)
    stat_rows = iv_rows(models, _stat_rows(stats, models, digits, lang), digits, lang)

    header_rows = [Row.of(["", *titles], role="title")] if titles is not None else []
    depvars = ["" if m.depvar is None else labels.get(m.depvar, m.depvar) for m in models]
    if depvar_row and any(depvars):
        head = word("depvar", lang)
        if n > 1 and len(set(depvars)) == 1:
            spanned = (Cell(""), Cell(depvar_heading(depvars[0], lang), span=n))
            header_rows.append(Row(spanned, role="depvar"))
        else:
            header_rows.append(Row.of([head, *depvars], role="depvar"))

    all_notes = _regression_notes(models, under, brackets, float(level), levels, lang,
                                  wider, scientific, digits, labels)
    blocks = (("coefficients", coef_rows), ("fixed_effects", fe_rows), ("statistics", stat_rows))
    return Table(
        column_labels=("", *(f"({i + 1})" for i in range(n))),
        sections=tuple(Section(name, tuple(rs)) for name, rs in blocks if rs),
        header_rows=tuple(header_rows),
        title=title,
        notes=_dedupe((*all_notes, *_as_notes(notes))),
    )


# ----------------------------------------------------------------------------- descriptive
_DESC_STATS = ("n", "mean", "sd", "min", "max", "median")


def _describe(s: pd.Series, digits: int) -> tuple[dict[str, str], int]:
    """Every statistic of one numeric column, formatted ("" when undefined), and the
    number of infinite values, which are left out as missing."""
    x = s.dropna().astype("float64")
    finite = np.isfinite(x.to_numpy())
    n_inf = int((~finite).sum())
    x = x[finite]
    whole = pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s)
    out = {
        "n": f"{len(x):,}",
        "mean": fmt(x.mean(), digits, readable=True),
        "sd": fmt(x.std(ddof=1), digits, readable=True),
    }
    for name, value in (("min", x.min()), ("max", x.max()), ("median", x.median())):
        # min, max and median of an integer column without decimals
        exact = whole and not pd.isna(value)
        out[name] = f"{value:.0f}" if exact else fmt(value, digits, readable=True)
    return out, n_inf


def _duplicated_columns(df: pd.DataFrame, names: Iterable[Any]) -> None:
    """Raise if any of ``names`` is the name of more than one column of ``df``."""
    repeated = set(df.columns[df.columns.duplicated()])
    if dup := [n for n in dict.fromkeys(names) if n in repeated]:
        shown = ", ".join(repr(n) for n in dup)
        raise SpecificationError(
            f"the data have more than one column named {shown}; give every column a unique "
            "name (rename the copies, or keep the first with "
            "df.loc[:, ~df.columns.duplicated()]) before describing them."
        )


def descriptive_table(
    df: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    stats: Sequence[str] = ("N", "mean", "sd", "min", "max"),
    digits: int = 2,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Summary statistics, one row per variable (Stata's ``summarize``).

    Parameters
    ----------
    df : pandas.DataFrame
        The data.
    variables : sequence of str, optional
        Columns to describe, in this order; by default every numeric column.
    labels, descriptions : mapping, optional
        Display names, and descriptions (e.g. "GDP per capita (log)") shown in a
        "Description" column when given.
    stats : sequence of str
        From ``"N"`` (non-missing count), ``"mean"``, ``"sd"``, ``"min"``,
        ``"max"`` and ``"median"``, case-insensitive.
    digits : int
        Decimals of all but N, from 0 to 10; min, max and median of integer
        columns have none. A statistic that is not zero but would print as zero
        is shown in scientific notation (``1.00e-09``), as in
        :func:`regression_table`.
    title : str, optional
        The caption.
    lang : {"en", "zh"}
        Language of the headers and notes (:mod:`hitex.report.labels`): "zh"
        gives 变量, 变量说明, 观测值, 均值, 标准差, 最小值, 最大值, 中位数.

    Returns
    -------
    Table
        Columns Variable, [Description], N, Mean, Std. dev., Min, Max; a note
        counts the infinite values left out, by variable.

    Raises
    ------
    ColumnNotFoundError
        If a variable is not a column of ``df`` (close matches are suggested).
    NonNumericError
        If a variable is not numeric.
    SpecificationError
        If a column to describe shares its name with another column.

    Notes
    -----
    Missing values are left out variable by variable; so are infinite values
    (``inf``, ``-inf``, e.g. ``log(0)``), which estimation treats as missing
    too: N does not count them. The standard deviation is
    the sample one, :math:`\\sqrt{\\sum_i (x_i-\\bar x)^2/(N-1)}` (``ddof=1``), as
    Stata's ``summarize`` prints it; it is empty for a single observation.
    """
    if not isinstance(df, pd.DataFrame):
        raise HitexError(f"descriptive_table needs a pandas DataFrame, got {type(df).__name__}; "
                         "pass the data whose variables it describes.")
    names = [s.lower() for s in stats]
    if unknown := [s for s in names if s not in _DESC_STATS]:
        raise SpecificationError(f"unknown statistic(s) {unknown}; choose from {list(_DESC_STATS)}")
    digits = check_digits(digits)
    lang = check_lang(lang)
    if variables is None:
        _duplicated_columns(df, df.columns)
        variables = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        if not variables:
            raise NonNumericError("the data have no numeric column to describe")
    _require_columns(df, variables)
    _duplicated_columns(df, variables)
    labels = dict(labels or {})
    rows = []
    infinite: dict[str, int] = {}
    for var in variables:
        s = df[var]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_complex_dtype(s):
            raise NonNumericError(
                f"column {var!r} is not numeric (dtype {s.dtype}); convert it with "
                f"pd.to_numeric(df[{var!r}], errors='coerce') or leave it out of variables"
            )
        values, n_inf = _describe(s, digits)
        stub = [labels.get(var, str(var))]
        if n_inf:
            infinite[stub[0]] = n_inf
        if descriptions is not None:
            stub.append(descriptions.get(var, ""))
        rows.append(Row.of([*stub, *(values[k] for k in names)], key=str(var)))
    head = [word("variable", lang),
            *([word("description", lang)] if descriptions is not None else [])]
    notes = []
    if infinite:
        if lang == "zh":
            counts = "、".join(f"{name}（{k:,}）" for name, k in infinite.items())
            notes.append(f"无穷值按缺失值处理并剔除：{counts}。")
        else:
            counts = ", ".join(f"{name} ({k:,})" for name, k in infinite.items())
            notes.append(f"Infinite values are treated as missing and left out: {counts}.")
    return Table(
        column_labels=(*head, *(word(f"desc_{k}", lang) for k in names)),
        sections=(Section("variables", tuple(rows)),),
        title=title,
        notes=tuple(notes),
        align=("left",) * len(head) + ("center",) * len(names),
    )


# ----------------------------------------------------------------------------- comparison
def _num(value: Any) -> float | None:
    """A float, or None for a missing value."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise NonNumericError(f"expected a number in the comparison rows, got {value!r}") from None


def comparison_table(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    labels: Mapping[str, str] | None = None,
    names: tuple[str, str] = ("Paper", "hitex"),
    digits: int = 3,
    title: str | None = None,
    notes: str | Sequence[str] | None = None,
) -> Table:
    """Published estimates beside hitex's own: term, paper, hitex, difference.

    Parameters
    ----------
    rows : DataFrame or iterable of mappings
        One entry per estimate with keys ``term``, ``paper``, ``hitex`` and
        optionally ``paper_se`` and ``hitex_se``. Missing numbers give empty cells.
    labels : mapping, optional
        Display names of terms.
    names : tuple of two str
        Headers of the published and of the hitex column.
    digits : int
        Decimals of every number, from 0 to 10.
    title, notes : optional
        The caption; notes after the standard one (e.g. the source of the numbers).

    Returns
    -------
    Table
        Cells like ``0.224 (0.085)``; Difference is hitex minus paper.

    Raises
    ------
    ColumnNotFoundError
        If ``term``, ``paper`` or ``hitex`` is missing.
    NonNumericError
        If a number is text.
    """
    digits = check_digits(digits)
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    _require_columns(frame, ("term", "paper", "hitex"), "the comparison rows")
    labels = dict(labels or {})

    def pair(est: float | None, se: Any) -> str:
        text, se_text = fmt(est, digits), fmt(_num(se), digits)
        return f"{text} ({se_text})" if text and se_text else text

    out = []
    for rec in frame.to_dict("records"):
        paper, hitex = _num(rec["paper"]), _num(rec["hitex"])
        diff = None if paper is None or hitex is None else hitex - paper
        term = str(rec["term"])
        cells = [
            labels.get(term, term),
            pair(paper, rec.get("paper_se")),
            pair(hitex, rec.get("hitex_se")),
            fmt(diff, digits),
        ]
        out.append(Row.of(cells, key=term))
    return Table(
        column_labels=("Term", *names, "Difference"),
        sections=(Section("estimates", tuple(out)),),
        title=title,
        notes=("Standard errors in parentheses. Difference: hitex minus paper.", *_as_notes(notes)),
    )


# ----------------------------------------------------------------------------- generic
def _join(label: Any) -> str:
    parts = label if isinstance(label, tuple) else (label,)
    return " ".join(str(p) for p in parts if p is not None and str(p) != "")


def frame_table(df: pd.DataFrame, title: str | None = None, digits: int = 3) -> Table:
    """Turn any DataFrame into a table.

    Parameters
    ----------
    df : pandas.DataFrame
        The data; an index other than 0, 1, 2, ... becomes the first column(s)
        and MultiIndex column levels are joined with a space.
    title : str, optional
        The caption.
    digits : int
        Decimals of floats, from 0 to 10. Integers, and float columns whose
        values are all whole numbers (years with a missing value, counts), are
        printed without decimals; text as it is; missing values empty.

    Returns
    -------
    Table
        Numeric columns centred, the others left-aligned.
    """
    index = [] if df.index.equals(pd.RangeIndex(len(df))) else list(range(df.index.nlevels))
    columns = [(df.index.names[i], df.index.get_level_values(i).to_series()) for i in index]
    columns += [(c, df.iloc[:, j]) for j, c in enumerate(df.columns)]
    digits = check_digits(digits)
    columns = [(_join(c), s.reset_index(drop=True)) for c, s in columns]
    whole = {name: is_whole_column(s) for name, s in columns}

    def cell(value: Any, name: str) -> str:
        if pd.api.types.is_scalar(value) and pd.isna(value):
            return ""
        if not isinstance(value, float | np.floating):
            return str(value)
        if whole[name] and math.isfinite(value):
            return str(int(value))
        return fmt(value, digits)

    def numeric(s: pd.Series) -> bool:
        return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)

    return Table(
        column_labels=tuple(name for name, _ in columns),
        sections=(
            Section(
                "body",
                tuple(
                    Row.of([cell(s.iloc[r], name) for name, s in columns]) for r in range(len(df))
                ),
            ),
        ),
        title=title,
        align=tuple("center" if numeric(s) else "left" for _, s in columns),
    )


def localised(table: Table, lang: str) -> Table:
    """``table`` with hitex's own headers, row labels, title endings and notes in ``lang``.

    In Chinese, column headers of :data:`hitex.report.labels.HEADERS_ZH`, row
    labels of :data:`hitex.report.labels.ROWS_ZH`, the title endings of companion
    tables (":covariate balance, ...") and the notes
    :func:`hitex.report.labels.translate_note` knows are translated; everything
    else (variable labels, numbers, the study's own texts) is left as it is. In
    English the table is returned unchanged.
    """
    import re

    from hitex.report.labels import HEADERS_ZH, ROW_PATTERNS_ZH, ROWS_ZH, TITLE_ENDINGS_ZH

    if check_lang(lang) == "en":
        return table
    labels = tuple(HEADERS_ZH.get(c, c) for c in table.column_labels)

    def label(text: str) -> str:
        if text in ROWS_ZH:
            return ROWS_ZH[text]
        for pattern, repl in ROW_PATTERNS_ZH:
            if re.match(pattern, text):
                return re.sub(pattern, repl, text)
        return text

    def row(r: Row) -> Row:
        if not r.cells or label(r.cells[0].text) == r.cells[0].text:
            return r
        first = dataclasses.replace(r.cells[0], text=label(r.cells[0].text))
        return dataclasses.replace(r, cells=(first, *r.cells[1:]))

    sections = tuple(dataclasses.replace(sec, rows=tuple(row(r) for r in sec.rows))
                     for sec in table.sections)
    title = table.title
    if title:
        for pattern, repl in TITLE_ENDINGS_ZH:
            title = re.sub(pattern, repl, title)
    notes = tuple(translate_note(n, lang) for n in table.notes)
    return dataclasses.replace(table, column_labels=labels, sections=sections, title=title,
                               notes=notes)


__all__ = ["Align", "Cell", "Row", "Section", "Table", "comparison_table", "descriptive_table"]
__all__ += ["frame_table", "localised", "regression_table"]
