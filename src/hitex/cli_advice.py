"""Library error messages told as command-line advice.

hitex's library errors name the fix in Python terms (``pass code_col=``,
``missing_gdp='drop'``, ``df.groupby(...)``), which is right for a user of
the Python API and useless on the command line. :func:`cli_advice` rewrites
such a message for one command: an argument ``name=value`` becomes the
command's option (``--code-col value``), a Python snippet becomes what to do
with the file, and advice for Python only is left out.

The options of a command are found from its own parameters
(:func:`command_options`), so a new option needs no entry here; only library
arguments that a command names differently are listed in :data:`RENAMED`.

Examples
--------
>>> cli_advice("column 'code' is not in the trade table; pass the product-code column "
...            "as code_col=", {"code_col": "--code-col"})
"column 'code' is not in the trade table; give the product-code column as --code-col"
>>> cli_advice("some exporters lack GDP; or pass missing_gdp='drop'",
...            {"missing_gdp": "--missing-gdp"})
'some exporters lack GDP; or use --missing-gdp drop'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

__all__ = ["RENAMED", "SPEC_FILE_OPTIONS", "cli_advice", "command_options", "current_options",
           "enter_command"]

RENAMED: Mapping[str, Mapping[str, str]] = {
    "prody": {"gdp": "--gdp-col", "gdp_pc": "--gdp"},
    "dti-iv": {"province": "--province-col", "frequency_col": "--keywords"},
    "composite": {"weights": "secondary_weights/primary_weights"},
}
"""Per command: library arguments whose option (or key of the file of
:data:`SPEC_FILE_OPTIONS`) has another name than the argument."""

SPEC_FILE_OPTIONS: Mapping[str, str] = {"composite": "--spec"}
"""Commands whose library arguments are keys of a YAML file given by an option."""

_ARGUMENT = re.compile(
    r"(?<![\w.\-])([A-Za-z_][A-Za-z0-9_]*)="
    r"(?:'([^']*)'|\"([^\"]*)\"|(\.\.\.)|([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?))?"
)
_PASS = re.compile(r"\b(?:pass|passing)\s+(?=--)")
_PYTHON_ASIDE = re.compile(r"\s*\(in Python: (?:[^()]|\([^()]*(?:\([^()]*\))*[^()]*\))*\)")
_STUDY_ASIDE = re.compile(r"\s*\(the study option [^()]*\)")


def _groupby(match: re.Match[str]) -> str:
    keys = ", ".join(re.findall(r"'([^']*)'", match.group(1)))
    return (f"so that the file has one row per {keys}: sum {match.group(2)} over its duplicate "
            f"rows first (Excel: a pivot table; Stata: collapse (sum) "
            f"{match.group(2).strip(chr(39))}, by({keys.replace(',', '')}))")


_SNIPPETS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"e\.g\. df\.groupby\((\[[^\]]*\]), as_index=False\)\[('[^']*')\]\.sum\(\)"),
     _groupby),
    (re.compile(r"convert it with pd\.to_numeric\(df\[('[^']*')\]\)"),
     r"save the column \1 as numbers in the file"),
    (re.compile(r"pd\.to_numeric\(df\[('[^']*')\], errors='coerce'\)"),
     r"empty the entries of \1 that are not numbers"),
    (re.compile(r"\s*\(pd\.[A-Za-z_]+\)"), ""),  # "Convert it to numbers (pd.to_numeric)"
    # "(in Python vcov={...}, in a study file vcov: {...})": the study file's part only
    (re.compile(r"in Python [^;()]*?(?:\{[^{}]*\}[^;()]*?)?, (?=in a study file)"), ""),
)


_COMMAND: ContextVar[tuple[str | None, dict[str, str]]] = ContextVar("hitex_command",
                                                                    default=(None, {}))


def command_options(command: Any) -> dict[str, str]:
    """``{parameter name: option}`` of a (Typer/Click) command, e.g. ``{"code_col": "--code-col"}``."""
    out: dict[str, str] = {}
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") == "option" and param.name:
            longs = [o for o in param.opts if o.startswith("--")]
            out[param.name] = max(longs, key=len) if longs else param.opts[0]
    return out


def enter_command(ctx: Any) -> None:
    """Record the subcommand a group's callback is about to run (``ctx.invoked_subcommand``),
    so that :func:`current_options` knows its options."""
    name = getattr(ctx, "invoked_subcommand", None)
    command = getattr(ctx.command, "commands", {}).get(name) if name else None
    if command is None:
        return
    options = command_options(command)
    options.update(RENAMED.get(name, {}))
    spec = SPEC_FILE_OPTIONS.get(name)
    if spec is not None:
        options = {**{k: v for k, v in options.items() if v != spec}, "*": spec}
    _COMMAND.set((name, options))


def current_options() -> tuple[str | None, dict[str, str]]:
    """The running command's name and options (:func:`command_options`, with
    :data:`RENAMED`), as recorded by :func:`enter_command`; ``(None, {})`` before."""
    return _COMMAND.get()


def _argument(options: Mapping[str, str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = next((g for g in match.groups()[1:] if g is not None), None)
        if value == "...":
            value = None
        spec = options.get("*")
        if name in options and options[name].startswith("-"):
            return options[name] + (f" {value}" if value else "")
        if spec is not None:  # a key of the YAML file the option names
            return f"{options.get(name, name)}: {value if value else '...'} (in the {spec} file)"
        return match.group(0)

    return replace


def cli_advice(message: str, options: Mapping[str, str]) -> str:
    """``message`` with its Python advice told as command-line advice.

    Parameters
    ----------
    message : str
        A hitex error or warning message written for the Python API.
    options : mapping
        The command's options by library argument name (``{"code_col":
        "--code-col"}``); a ``"*"`` entry names the option of a YAML file whose
        keys are the library's arguments (``hitex index composite --spec``).

    Returns
    -------
    str
        The message with ``name=value`` of a known argument as ``--option
        value`` ("pass" becomes "use", "pass ... as" becomes "give ... as"),
        Python snippets (``df.groupby``, ``pd.to_numeric``) as what to do with
        the file, and asides "(in Python: ...)" left out. Arguments the command
        has no option for stay as they are.
    """
    text = _PYTHON_ASIDE.sub("", message)
    for pattern, repl in _SNIPPETS:
        text = pattern.sub(repl, text)
    text = _ARGUMENT.sub(_argument(options), text)
    text = re.sub(r"\bpass (the [^;,.]*? as --)", r"give \1", text)
    text = _PASS.sub("use ", text)
    if "--level" in text:
        text = _STUDY_ASIDE.sub("", text)
    return text
