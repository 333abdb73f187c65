"""What every command-line module shares: failing with advice, warnings as plain lines."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import typer

from hitex.cli_advice import cli_advice, current_options

__all__ = ["fail", "plain_warnings"]


def fail(err: Exception) -> None:
    """Print the error, its Python advice told as this command's options; exit with 2."""
    typer.secho(f"error: {cli_advice(str(err), current_options()[1])}", fg=typer.colors.RED,
                err=True)
    raise typer.Exit(code=2)


@contextlib.contextmanager
def plain_warnings() -> Iterator[None]:
    """Show warnings as one 'warning:' line each, without source locations."""
    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        text = cli_advice(str(message), current_options()[1])
        typer.secho(f"warning: {text}", fg=typer.colors.YELLOW, err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        # the libraries' notices to their own developers are not the user's business
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        warnings.showwarning = show
        yield
