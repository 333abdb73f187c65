"""The small formula grammar shared by every hitex estimator.

hitex speaks fixest's grammar::

    y ~ x1 + x2 | fe1 + fe2 | endog ~ instrument

* the first part is a Wilkinson formula (``y ~ x1 + log(x2) + x1:x2``);
* the optional second part lists fixed effects to absorb, separated by ``+``;
  an interaction of fixed effects is written ``exporter^year``;
* the optional third part is an IV first stage.

:func:`parse_formula` splits a formula into those parts, lists the data
columns it uses, and returns a *normalised* formula string (single spaces
around ``~`` and ``+`` in the regression part and **no spaces** in the
fixed-effects part). Normalising matters: pyfixest 0.60's ``etable`` marks
fixed effects as absent when the fixed-effect part contains spaces, and its
fast ``ritest`` path fails on such formulas.

Study files may only use the functions in :data:`ALLOWED_FUNCTIONS`; the check
is :func:`check_functions`.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass

from hitex.errors import SpecificationError

#: Functions a formula in a study file may call (all are evaluated by formulaic).
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    {"log", "log1p", "exp", "sqrt", "abs", "I", "C", "i", "center", "scale", "np.log",
     "np.log1p", "np.exp", "np.sqrt", "np.abs"}
)

def formula_context() -> dict[str, object]:
    """Functions of :data:`ALLOWED_FUNCTIONS` the formula engine does not know by itself.

    Handed to pyfixest (``context=``) so that ``log1p(y)``, ``sqrt(x)`` and
    ``abs(x)`` work on both sides of a formula, as ``np.log1p(y)`` does.
    """
    import numpy as np

    return {"log1p": np.log1p, "sqrt": np.sqrt, "abs": np.abs, "exp": np.exp, "np": np}


#: Two names separated only by blanks: a column name with a space in it.
_SPACED_NAME = re.compile(r"(?<![\w.])([^\W\d][\w.]*(?:[ \t]+[^\W\d][\w.]*)+)(?![\w.(])")
_WORD = re.compile(r"(?<![\w.])([^\W\d]\w*)(?![\w])")


def is_formula_name(name: object) -> bool:
    """True if ``name`` can be written in a formula as a column name.

    Any Python identifier (letters of any script, digits, underscores; not
    starting with a digit) that is not a Python keyword (``lambda``, ``if``,
    ``True`` ...) qualifies; dotted names (``a.b``) too, part by part.
    """
    if not isinstance(name, str) or not name:
        return False
    return all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split("."))


def suggest_name(name: str) -> str:
    """A formula-safe replacement for a column name (``'firm id'`` -> ``'firm_id'``)."""
    new = re.sub(r"\W+", "_", name.strip()).strip("_") or "col"
    if new[0].isdigit():
        new = f"v_{new}"
    if keyword.iskeyword(new):
        new = f"{new}_"
    return new


def name_problem(name: str, where: str = "the formula") -> str:
    """Describe why ``name`` cannot be used in a formula and how to fix it."""
    new = suggest_name(name)
    if keyword.iskeyword(name):
        why = "is a Python keyword, and keywords cannot be used as names in formulas"
    elif re.search(r"\s", name):
        why = "contains a space, which a formula cannot express"
    else:
        why = "is not a valid name in a formula (use letters, digits and underscores)"
    return (
        f"column {name!r} {why}. Rename the column (e.g. {name!r} -> {new!r}: in Python "
        f"df.rename(columns={{{name!r}: {new!r}}}), or in the data file's header) and use "
        f"the new name in {where}."
    )


def _syntax_hint(expr: str) -> str | None:
    """Name a keyword or a spaced name that makes ``expr`` unparsable."""
    for word in _WORD.findall(expr):
        if keyword.iskeyword(word):
            return name_problem(word)
    spaced = _SPACED_NAME.search(expr)
    if spaced:
        return name_problem(spaced.group(1))
    return None


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into its parts.

    Attributes
    ----------
    depvar : str
        The outcome expression (usually a column name).
    rhs : str
        The regressors of the main equation, as written (normalised spacing).
    fixed_effects : tuple of str
        The fixed effects, e.g. ``("country", "year")`` or ``("exporter^year",)``.
    iv : str or None
        The IV part ``endog ~ instruments`` or ``None``.
    formula : str
        The normalised formula string handed to pyfixest.
    variables : tuple of str
        Every data column the formula refers to, in order of appearance.
    functions : tuple of str
        Every function called in the formula.
    """

    depvar: str
    rhs: str
    fixed_effects: tuple[str, ...]
    iv: str | None
    formula: str
    variables: tuple[str, ...]
    functions: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        """The outcome, each regressor term and each IV term, as written."""
        parts = [self.depvar, *_split_top(self.rhs, "+")]
        if self.iv:
            for side in self.iv.split("~"):
                parts += _split_top(side, "+")
        return tuple(t.strip() for t in parts if t.strip())

    def linear_columns(self, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Columns entering only as a term of their own (``x`` in ``y ~ x + log(z)``).

        Rescaling such a column by ``c`` divides its coefficient by ``c`` and
        changes nothing else, so the estimators may rescale them for numerical
        stability. The outcome is included when it is a plain column. Columns
        used anywhere else (in a function, an interaction, the IV part, the
        fixed effects or ``exclude``) are left out; IV formulas give none.
        """
        if self.iv:
            return ()
        terms = [self.depvar, *(t.strip() for t in _split_top(self.rhs, "+"))]
        uses: dict[str, int] = {}
        for term in terms:
            for name in names_in(term):
                uses[name] = uses.get(name, 0) + 1
        blocked = set(self.fe_columns) | set(exclude)
        return tuple(t for t in dict.fromkeys(terms)
                     if is_formula_name(t) and uses.get(t) == 1 and t not in blocked)

    @property
    def fe_columns(self) -> tuple[str, ...]:
        """Data columns used by the fixed effects (``a^b`` gives ``a`` and ``b``)."""
        out: list[str] = []
        for fe in self.fixed_effects:
            for part in fe.split("^"):
                if part not in out:
                    out.append(part)
        return tuple(out)


def _names_in(expr: str) -> tuple[list[str], list[str]]:
    """Return (variables, functions) used in a formula expression."""
    text = expr.strip()
    if not text:
        return [], []
    # formulaic-specific operators that Python cannot parse: turn them into '+'.
    py = re.sub(r"(?<![*])\*\*(?![*])", "**", text)
    py = py.replace("^", "+").replace(":", "*").replace("%in%", "+")
    try:
        tree = ast.parse(py, mode="eval")
    except SyntaxError as err:
        hint = _syntax_hint(py)
        if hint:
            raise SpecificationError(f"cannot read formula part {expr!r}: {hint}") from err
        raise SpecificationError(
            f"cannot parse formula part {expr!r}: {err.msg}. Write it as in fixest, "
            "e.g. 'y ~ x1 + log(x2) | country + year'."
        ) from err
    variables: list[str] = []
    functions: list[str] = []

    def dotted(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    class Visitor(ast.NodeVisitor):
        def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast API
            name = dotted(node.func)
            if name is None:
                raise SpecificationError(f"unsupported call in formula {expr!r}")
            functions.append(name)
            for arg in node.args:
                self.visit(arg)
            for kw in node.keywords:
                self.visit(kw.value)

        def visit_Constant(self, node: ast.Constant) -> None:  # noqa: N802 - ast API
            if isinstance(node.value, bool) or node.value is None:
                raise SpecificationError(
                    f"cannot read formula part {expr!r}: {name_problem(str(node.value))}")

        def visit_Name(self, node: ast.Name) -> None:  # noqa: N802 - ast API
            if node.id not in variables:
                variables.append(node.id)

        def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
            name = dotted(node)
            if name and name not in variables:
                variables.append(name)

    Visitor().visit(tree)
    return variables, functions


def _normalise_sum(part: str) -> str:
    return " + ".join(t.strip() for t in _split_top(part, "+") if t.strip())


def split_top(text: str, sep: str) -> list[str]:
    """Split ``text`` on the character ``sep`` outside parentheses."""
    return _split_top(text, sep)


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _fixed_effect(text: str, formula: str) -> str:
    """Validate one fixed effect (``country`` or ``exporter^year``); drop blanks around names."""
    pieces = [p.strip() for p in text.split("^")]
    for piece in pieces:
        if is_formula_name(piece):
            continue
        if re.fullmatch(r"[^\W\d][\w.]*(?:\s+[\w.]+)+", piece) or keyword.iskeyword(piece):
            raise SpecificationError(f"fixed effect {piece!r} in {formula!r}: {name_problem(piece)}")
        raise SpecificationError(
            f"fixed effect {text.strip()!r} in {formula!r} is not a column name; write fixed "
            "effects as columns ('country + year') or interactions ('exporter^year')."
        )
    return "^".join(pieces)


def _refuse_empty_terms(part: str, what: str, formula: str) -> None:
    """Refuse a ``+`` with nothing on one side (``y ~ x | id +``) instead of ignoring it."""
    if not part.strip() or part.strip() == "0":
        return
    pieces = [p.strip() for p in _split_top(part, "+")]
    if all(pieces):
        return
    kept = " + ".join(p for p in pieces if p)
    raise SpecificationError(
        f"the {what} part {part.strip()!r} of formula {formula!r} has a '+' with no term on one "
        f"side. Remove the stray '+' (write {kept!r}) or add the missing term."
    )


def names_in(expr: str) -> tuple[str, ...]:
    """Data columns referred to by one formula expression (e.g. ``'log(x1):x2'``)."""
    variables, _ = _names_in(expr)
    return tuple(v for v in variables if v not in {"np", "1", "0"})


def parse_formula(formula: str) -> ParsedFormula:
    """Split and normalise a fixest-style formula.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2 | fe1 + fe2"`` (fixed effects and the IV part optional).

    Returns
    -------
    ParsedFormula

    Raises
    ------
    SpecificationError
        If there is no ``~``, the outcome is missing, a fixed effect is an
        expression rather than a column name, or the formula cannot be parsed.

    Examples
    --------
    >>> p = parse_formula("y ~ x1 + x2 |  country +  year ")
    >>> p.formula
    'y ~ x1 + x2 | country+year'
    >>> p.fixed_effects
    ('country', 'year')
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise SpecificationError(
            f"formula {formula!r} has no '~'. Write it as 'outcome ~ regressors | fixed effects', "
            "e.g. 'y ~ x1 + x2 | country + year'."
        )
    parts = _split_top(formula, "|")
    if len(parts) > 3:
        raise SpecificationError(
            f"formula {formula!r} has more than three '|'-separated parts; fixest syntax is "
            "'y ~ x | fe | endog ~ instruments'."
        )
    main = parts[0]
    lhs, sep, rhs = main.partition("~")
    lhs, rhs = lhs.strip(), rhs.strip()
    if not lhs:
        raise SpecificationError(f"formula {formula!r} names no outcome left of '~'.")
    if not rhs:
        rhs = "1"
    fixed: tuple[str, ...] = ()
    iv: str | None = None
    _refuse_empty_terms(rhs, "regressors", formula)
    if len(parts) >= 2:
        fe_part = parts[1].strip()
        if "~" not in fe_part:
            _refuse_empty_terms(fe_part, "fixed effects", formula)
        if "~" in fe_part and len(parts) == 2:
            iv = fe_part
        elif fe_part and fe_part != "0":
            fixed = tuple(_fixed_effect(f, formula) for f in fe_part.split("+") if f.strip())
    if len(parts) == 3:
        iv = parts[2].strip()
    rhs_norm = _normalise_sum(rhs)
    variables: list[str] = []
    functions: list[str] = []
    for expr in (lhs, rhs_norm, *(iv.split("~") if iv else [])):
        v, f = _names_in(expr)
        variables += [x for x in v if x not in variables]
        functions += [x for x in f if x not in functions]
    for fe in fixed:
        for piece in fe.split("^"):
            if piece not in variables:
                variables.append(piece)
    norm = f"{lhs} ~ {rhs_norm}"
    if fixed:
        norm += " | " + "+".join(fixed)
    if iv:
        endog, _, inst = iv.partition("~")
        iv = f"{_normalise_sum(endog)} ~ {_normalise_sum(inst)}"
        norm += f" | {iv}"
    return ParsedFormula(
        depvar=lhs,
        rhs=rhs_norm,
        fixed_effects=fixed,
        iv=iv,
        formula=norm,
        variables=tuple(v for v in variables if v not in {"np", "1", "0"}),
        functions=tuple(functions),
    )


def normalise_formula(formula: str) -> str:
    """Return the normalised form of ``formula`` (see :func:`parse_formula`)."""
    return parse_formula(formula).formula


def check_functions(formula: str, allowed: frozenset[str] = ALLOWED_FUNCTIONS) -> None:
    """Raise if ``formula`` calls a function outside ``allowed``.

    Study files are data, not programs: this check keeps a formula from
    calling arbitrary Python.

    Raises
    ------
    SpecificationError
        Naming the function and listing the allowed ones.
    """
    parsed = parse_formula(formula)
    bad = [f for f in parsed.functions if f not in allowed]
    if bad:
        raise SpecificationError(
            f"formula {formula!r} calls {', '.join(bad)}, which study files may not use. "
            f"Allowed functions: {', '.join(sorted(allowed))}. Create transformed variables "
            "in the study's 'transforms' section instead."
        )
