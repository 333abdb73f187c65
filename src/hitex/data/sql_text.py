"""Quoting of names and text in the DuckDB SQL that hitex builds.

:func:`quote_name` quotes an identifier (a column name from a user's file) and
:func:`quote_text` a string literal (a path, a code, a setting), doubling the
quote character inside, so that no name or text can end the quoted part.
"""

from __future__ import annotations

__all__ = ["quote_name", "quote_text"]


def quote_name(name: str) -> str:
    """Quote an SQL identifier: ``a"b`` -> ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    """Quote an SQL string literal: ``it's`` -> ``'it''s'`` (``text`` is turned into ``str``)."""
    return "'" + str(text).replace("'", "''") + "'"
