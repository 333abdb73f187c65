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
=======================================
Variable  N  Mean  Std. dev.  Min   Max
---------------------------------------
x         4  2.50    1.29     1.00  4.00
=======================================
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

import numpy as np
import pandas as pd

from hitex.errors import ColumnNotFoundError, NonNumericError, SpecificationError

Align = Literal["left", "center", "right"]
_ALIGNS = ("left", "center", "right")


# ----------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Cell:
    """One cell: formatted ``text``, an optional ``align`` overriding the column's,
    and the number of columns it covers (``span``)."""

    text: str = ""
    align: Align | None = None
    span: int = 1

    def __post_init__(self) -> None:
        if self.span < 1 or (self.align is not None and self.align not in _ALIGNS):
            raise ValueError(f"invalid cell: span={self.span}, align={self.align!r}")


@dataclass(frozen=True)
class Row:
    """One row of cells, the row label (stub) included as the first cell.

    Parameters
    ----------
    cells : tuple of Cell
        The cells from left to right; their spans add up to the table's width.
    role : str
        What the row holds: ``"header"``, ``"title"``, ``"depvar"``, ``"coef"``,
        ``"se"``, ``"fe"``, ``"stat"`` or ``"body"``, for writers and label
        translators (e.g. to keep a coefficient and its standard error together).
    key : str
        The name behind the row (term, fixed effect or statistic), "" if none.
    """

    cells: tuple[Cell, ...]
    role: str = "body"
    key: str = ""

    @classmethod
    def of(cls, texts: Iterable[str], role: str = "body", key: str = "") -> Row:
        """Build a row of one-column cells from strings."""
        return cls(tuple(Cell(str(t)) for t in texts), role=role, key=key)

    @property
    def width(self) -> int:
        """Number of table columns the row covers."""
        return sum(c.span for c in self.cells)

    def positions(self) -> list[tuple[int, Cell]]:
        """``(first column, cell)`` for every cell of the row."""
        starts = np.cumsum([0, *(c.span for c in self.cells)])[:-1]
        return [(int(s), c) for s, c in zip(starts, self.cells, strict=True)]

    def texts(self) -> tuple[str, ...]:
        """Cell texts with spanning cells expanded (text first, then "")."""
        return tuple(t for c in self.cells for t in (c.text, *[""] * (c.span - 1)))


@dataclass(frozen=True)
class Section:
    """A named block of body rows (coefficients, fixed effects, statistics, ...)."""

    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Table:
    """A publication table, independent of any output format.

    Parameters
    ----------
    column_labels : tuple of str
        The first header row, the stub column's label included (often "").
    sections : tuple of Section
        The body, block by block.
    header_rows : tuple of Row
        Further header rows below ``column_labels`` (model titles, dependent
        variable); writers put all header rows between the top and middle rules.
    title : str or None
        The caption.
    notes : tuple of str
        Notes below the table, one paragraph each.
    align : tuple of {"left", "center", "right"} or None
        Alignment of each column; None means the stub left and the rest centred.

    Notes
    -----
    A table is immutable; :func:`dataclasses.replace` makes a changed copy, e.g.
    ``replace(table, notes=("Source: WDI.",))`` replaces the notes.
    """

    column_labels: tuple[str, ...]
    sections: tuple[Section, ...]
    header_rows: tuple[Row, ...] = ()
    title: str | None = None
    notes: tuple[str, ...] = ()
    align: tuple[Align, ...] | None = None

    def __post_init__(self) -> None:
        # Accept lists for convenience but store tuples, so the table stays immutable.
        object.__setattr__(self, "column_labels", tuple(str(c) for c in self.column_labels))
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "header_rows", tuple(self.header_rows))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        n = self.ncols
        if self.align is not None:
            object.__setattr__(self, "align", tuple(self.align))
            if len(self.align) != n or any(a not in _ALIGNS for a in self.align):
                raise ValueError(f"align needs {n} entries from {_ALIGNS}, got {self.align!r}")
        for row in (*self.header_rows, *self.body_rows):
            if row.width != n:
                text = " | ".join(row.texts())
                raise ValueError(f"row '{text}' covers {row.width} columns, the table has {n}")

    @property
    def ncols(self) -> int:
        """Number of columns, the stub column included."""
        return len(self.column_labels)

    @property
    def body_rows(self) -> tuple[Row, ...]:
        """All body rows, section after section."""
        return tuple(row for section in self.sections for row in section.rows)

    @property
    def column_align(self) -> tuple[Align, ...]:
        """The alignment of each column, the default filled in."""
        return self.align or ("left",) + ("center",) * (self.ncols - 1)

    def to_frame(self, header: bool = True) -> pd.DataFrame:
        """Return the cells as a DataFrame of strings.

        Parameters
        ----------
        header : bool
            Include ``header_rows`` as the first rows.

        Returns
        -------
        pandas.DataFrame
            Columns named by ``column_labels``; a spanning cell's text is in the
            first column it covers.
        """
        rows = [*(self.header_rows if header else ()), *self.body_rows]
        return pd.DataFrame([r.texts() for r in rows], columns=list(self.column_labels))

    def __str__(self) -> str:
        from hitex.report.writers import to_text

        return to_text(self)

    def __repr__(self) -> str:
        title = f"{self.title!r}, " if self.title else ""
        return f"Table({title}{len(self.body_rows)} rows x {self.ncols} columns)"


# ----------------------------------------------------------------------------- helpers
def _fmt(value: Any, digits: int) -> str:
    """``digits`` decimals; None and NaN give ""."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.{digits}f}"


def _fmt_threshold(p: float) -> str:
    """0.1 -> '0.10', 0.05 -> '0.05', 0.001 -> '0.001'."""
    decimals = f"{p:.10f}".rstrip("0").split(".")[1]
    return f"{p:.{max(2, len(decimals))}f}"


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
_STAT_LABELS = {"nobs": "N", "rsquared": "R-squared", "rsquared_within": "Within R-squared"}


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
    models: Sequence[Any],
    labels: Mapping[str, str],
    keep: Sequence[str] | None,
    drop: Sequence[str] | None,
    order: Sequence[str] | None,
) -> dict[str, list[str]]:
    """Map each coefficient row's label to the raw terms shown in it, in display order."""
    model_terms = [[str(t) for t in m.params.index] for m in models]
    terms = list(dict.fromkeys(t for ts in model_terms for t in ts))
    if keep is not None:
        kept = _match(keep, terms, "keep")
        terms = [t for t in terms if t in kept]
    if drop is not None:
        dropped = _match(drop, terms, "drop")
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


def _coefficient_rows(
    models: Sequence[Any],
    rows: Mapping[str, list[str]],
    digits: int,
    levels: list[tuple[float, str]],
    brackets: str,
) -> list[Row]:
    """A coefficient row (with stars) and, unless ``brackets`` is "", an SE row per label."""
    out = []
    for label, raw in rows.items():
        coefs, ses = [], []
        for m in models:
            term = next((t for t in raw if t in m.params.index), None)
            est = _fmt(m.params[term], digits) if term is not None else ""
            p = float(m.pvalues[term]) if est and term in m.pvalues.index else None
            se = _fmt(m.std_errors[term], digits) if est and term in m.std_errors.index else ""
            coefs.append(est + _stars(p, levels) if est else "")
            ses.append(f"{brackets[0]}{se}{brackets[1]}" if se else "")
        out.append(Row.of([label, *coefs], role="coef", key=raw[0]))
        if brackets:
            out.append(Row.of(["", *ses], role="se", key=raw[0]))
    return out


def _fe_label(name: str, fe_labels: Mapping[str, str]) -> str:
    if name in fe_labels:
        return fe_labels[name]
    text = name.replace("^", " x ")
    return f"{text[:1].upper()}{text[1:]} FE"


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
) -> Table:
    """Put estimation results side by side, one column per model.

    Parameters
    ----------
    results : result, sequence of results, or mapping of title to result
        Objects with hitex's result contract (``params``, ``std_errors``,
        ``pvalues``, ``nobs``, ``rsquared``, ``rsquared_within``, ``spec``).
        A mapping's keys are the model titles.
    titles : sequence of str, optional
        One title per model (e.g. ``["OECD", "Non-OECD"]``), shown under (1), (2).
    labels : mapping, optional
        Display names of terms and dependent variables, e.g. ``{"tfi": "Tfi"}``.
        Terms given the same label share a row (esttab's ``rename()``), e.g.
        ``{"tfi_lag": "Tfi", "tfi": "Tfi"}``.
    keep, drop : sequence of str, optional
        Terms to show / to leave out, by name or glob pattern (``"year_*"``).
    order : sequence of str, optional
        Terms (names, patterns or labels) shown first, in this order; the rest
        follow in order of first appearance. A ``keep``, ``drop`` or ``order``
        entry that matches no term is an error, so a typo cannot pass unseen.
    digits : int
        Decimals of coefficients, standard errors and R-squared.
    stars : sequence of float, optional
        Significance thresholds, strictly below: the default gives * p<0.10,
        ** p<0.05, *** p<0.01. None or ``()`` shows no stars.
    se_in : {"parentheses", "brackets", "none"} or None
        How the standard error under each coefficient is enclosed; "none" or
        None leaves standard errors out.
    stats : sequence
        Statistic rows from ``"nobs"`` (N, with a thousands separator),
        ``"rsquared"`` and ``"rsquared_within"``; an item may be a ``(name,
        label)`` pair. A row no model has a value for is left out.
    fe_labels : mapping, optional
        Fixed-effect row labels; by default ``"country"`` gives ``"Country FE"``.
    title : str, optional
        The caption.
    notes : str or sequence of str, optional
        Notes after the standard ones (standard-error type from each model's
        ``spec.vcov_label``, star levels, each model's ``spec.notes``).
    depvar_row : bool
        Show the dependent variable under the column headers.

    Returns
    -------
    Table
        Sections ``"coefficients"``, ``"fixed_effects"`` (Yes/No per fixed
        effect of any model) and ``"statistics"``; an empty cell where a model
        lacks a term.

    Raises
    ------
    SpecificationError
        If an option is invalid or ``keep``/``drop``/``order`` matches no term.
    """
    if hasattr(results, "params"):
        models, keys = [results], None
    elif isinstance(results, Mapping):
        models, keys = list(results.values()), [str(k) for k in results]
    else:
        models, keys = list(results), None
    n = len(models)
    titles = keys if titles is None else [str(t) for t in titles]
    if n == 0 or (titles is not None and len(titles) != n):
        raise SpecificationError(
            f"need at least one result and one title per model; got {n} "
            f"results and titles={titles!r}"
        )
    if (se_in or "none") not in _SE_BRACKETS:
        raise SpecificationError(f"se_in must be one of {list(_SE_BRACKETS)}, got {se_in!r}")
    brackets = _SE_BRACKETS[se_in or "none"]
    levels = _star_levels(stars)
    labels = dict(labels or {})

    rows = _row_terms(models, labels, keep, drop, order)
    coef_rows = _coefficient_rows(models, rows, digits, levels, brackets)

    model_fes = [[str(f) for f in (m.spec.fixed_effects or ())] for m in models]
    fe_rows = [
        Row.of(
            [_fe_label(fe, fe_labels or {}), *("Yes" if fe in fes else "No" for fes in model_fes)],
            role="fe",
            key=fe,
        )
        for fe in dict.fromkeys(f for fes in model_fes for f in fes)
    ]

    stat_rows = []
    for item in stats:
        name, label = (item, _STAT_LABELS.get(item)) if isinstance(item, str) else item
        if name not in _STAT_LABELS:
            raise SpecificationError(
                f"unknown statistic {name!r}; choose from {list(_STAT_LABELS)}"
            )
        values = [getattr(m, name) for m in models]
        if name == "nobs":
            cells = ["" if v is None or pd.isna(v) else f"{int(v):,}" for v in values]
        else:
            cells = [_fmt(v, digits) for v in values]
        if any(cells):
            stat_rows.append(Row.of([label, *cells], role="stat", key=name))

    header_rows = [Row.of(["", *titles], role="title")] if titles is not None else []
    if depvar_row:
        depvars = [labels.get(m.spec.depvar, m.spec.depvar) for m in models]
        if n > 1 and len(set(depvars)) == 1:
            cells = (Cell(""), Cell(f"Dependent variable: {depvars[0]}", span=n))
            header_rows.append(Row(cells, role="depvar"))
        else:
            header_rows.append(Row.of(["Dependent variable", *depvars], role="depvar"))

    all_notes = []
    if brackets:
        words = "parentheses" if brackets == "()" else "brackets"
        vcovs = _by_model([[str(m.spec.vcov_label)] for m in models])
        kinds = "; ".join(f"{v} in {cols}" if cols else v for v, cols in vcovs.items())
        all_notes.append(f"Standard errors in {words}: {kinds}.")
    if levels:
        all_notes.append(", ".join(f"{s} p<{_fmt_threshold(t)}" for t, s in levels) + ".")
    model_notes = _by_model([[str(x) for x in (m.spec.notes or ())] for m in models])
    all_notes += [f"{cols}: {t}" if cols else t for t, cols in model_notes.items()]

    blocks = (("coefficients", coef_rows), ("fixed_effects", fe_rows), ("statistics", stat_rows))
    return Table(
        column_labels=("", *(f"({i + 1})" for i in range(n))),
        sections=tuple(Section(name, tuple(rs)) for name, rs in blocks if rs),
        header_rows=tuple(header_rows),
        title=title,
        notes=(*all_notes, *_as_notes(notes)),
    )


# ----------------------------------------------------------------------------- descriptive
_DESC_STATS = {
    "n": "N",
    "mean": "Mean",
    "sd": "Std. dev.",
    "min": "Min",
    "max": "Max",
    "median": "Median",
}


def _describe(s: pd.Series, digits: int) -> dict[str, str]:
    """Every statistic of one numeric column, formatted."""
    x = s.dropna().astype("float64")
    whole = pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s)

    def level(v: float) -> str:  # min, max and median of integers without decimals
        return f"{v:.0f}" if whole and not math.isnan(v) else _fmt(v, digits)

    if x.empty:
        return {"n": "0", **dict.fromkeys(("mean", "sd", "min", "max", "median"), "")}
    return {
        "n": f"{len(x):,}",
        "mean": _fmt(x.mean(), digits),
        "sd": _fmt(x.std(ddof=1), digits),  # NaN (empty cell) for one observation
        "min": level(x.min()),
        "max": level(x.max()),
        "median": level(x.median()),
    }


def descriptive_table(
    df: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    stats: Sequence[str] = ("N", "mean", "sd", "min", "max"),
    digits: int = 2,
    title: str | None = None,
) -> Table:
    """Summary statistics, one row per variable (Stata's ``summarize``).

    Parameters
    ----------
    df : pandas.DataFrame
        The data.
    variables : sequence of str, optional
        Columns to describe, in this order; by default every numeric column.
    labels : mapping, optional
        Display names of the variables.
    descriptions : mapping, optional
        A description per variable (e.g. "GDP per capita (log)"); when given,
        a "Description" column follows the variable.
    stats : sequence of str
        From ``"N"`` (non-missing count), ``"mean"``, ``"sd"``, ``"min"``,
        ``"max"`` and ``"median"``, case-insensitive.
    digits : int
        Decimals of every statistic but N; min, max and median of an integer
        column are shown without decimals.
    title : str, optional
        The caption.

    Returns
    -------
    Table
        Columns Variable, [Description], N, Mean, Std. dev., Min, Max.

    Raises
    ------
    ColumnNotFoundError
        If a variable is not a column of ``df`` (close matches are suggested).
    NonNumericError
        If a variable is not numeric.

    Notes
    -----
    Missing values are left out variable by variable. The standard deviation is
    the sample one, :math:`\\sqrt{\\sum_i (x_i-\\bar x)^2/(N-1)}` (``ddof=1``), as
    Stata's ``summarize`` prints it; it is empty for a single observation.
    """
    names = [s.lower() for s in stats]
    if unknown := [s for s in names if s not in _DESC_STATS]:
        raise SpecificationError(f"unknown statistic(s) {unknown}; choose from {list(_DESC_STATS)}")
    if variables is None:
        variables = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        if not variables:
            raise NonNumericError("the data have no numeric column to describe")
    _require_columns(df, variables)
    labels = dict(labels or {})
    rows = []
    for var in variables:
        s = df[var]
        if isinstance(s, pd.DataFrame):
            raise SpecificationError(f"column name {var!r} appears more than once in the data")
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_complex_dtype(s):
            raise NonNumericError(
                f"column {var!r} is not numeric (dtype {s.dtype}); convert it with "
                f"pd.to_numeric(df[{var!r}], errors='coerce') or leave it out of variables"
            )
        values = _describe(s, digits)
        stub = [labels.get(var, str(var))]
        if descriptions is not None:
            stub.append(descriptions.get(var, ""))
        rows.append(Row.of([*stub, *(values[k] for k in names)], key=str(var)))
    head = ["Variable", *(["Description"] if descriptions is not None else [])]
    return Table(
        column_labels=(*head, *(_DESC_STATS[k] for k in names)),
        sections=(Section("variables", tuple(rows)),),
        title=title,
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
        Decimals of every number.
    title : str, optional
        The caption.
    notes : str or sequence of str, optional
        Notes after the standard one (e.g. where the published numbers come from).

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
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    _require_columns(frame, ("term", "paper", "hitex"), "the comparison rows")
    labels = dict(labels or {})

    def pair(est: float | None, se: Any) -> str:
        text, se_text = _fmt(est, digits), _fmt(_num(se), digits)
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
            _fmt(diff, digits),
        ]
        out.append(Row.of(cells, key=term))
    return Table(
        column_labels=("Term", *names, "Difference"),
        sections=(Section("estimates", tuple(out)),),
        title=title,
        notes=("Standard errors in parentheses. Difference: hitex minus paper.", *_as_notes(notes)),
    )


# ----------------------------------------------------------------------------- generic
def frame_table(df: pd.DataFrame, title: str | None = None, digits: int = 3) -> Table:
    """Turn any DataFrame into a table.

    Parameters
    ----------
    df : pandas.DataFrame
        The data. An index other than 0, 1, 2, ... becomes the first column(s);
        the levels of MultiIndex column labels are joined with a space.
    title : str, optional
        The caption.
    digits : int
        Decimals of floating-point numbers; integers and text are shown as they
        are, missing values as empty cells.

    Returns
    -------
    Table
        Numeric columns centred, the others left-aligned.
    """
    columns: list[tuple[str, pd.Series]] = []
    if not df.index.equals(pd.RangeIndex(len(df))):
        for i, name in enumerate(df.index.names):
            columns.append(
                ("" if name is None else str(name), pd.Series(df.index.get_level_values(i)))
            )
    for j, col in enumerate(df.columns):
        parts = col if isinstance(col, tuple) else (col,)
        name = " ".join(str(p) for p in parts if p is not None and str(p) != "")
        columns.append((name, df.iloc[:, j].reset_index(drop=True)))

    def cell(value: Any) -> str:
        if pd.api.types.is_scalar(value) and pd.isna(value):
            return ""
        return _fmt(value, digits) if isinstance(value, float | np.floating) else str(value)

    def numeric(s: pd.Series) -> bool:
        return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)

    return Table(
        column_labels=tuple(name for name, _ in columns),
        sections=(
            Section(
                "body", tuple(Row.of([cell(s.iloc[r]) for _, s in columns]) for r in range(len(df)))
            ),
        ),
        title=title,
        align=tuple("center" if numeric(s) else "left" for _, s in columns),
    )


__all__ = [
    "Align",
    "Cell",
    "Row",
    "Section",
    "Table",
    "regression_table",
    "descriptive_table",
    "comparison_table",
    "frame_table",
]
