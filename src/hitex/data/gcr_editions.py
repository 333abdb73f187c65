r"""GCR edition labels and the rule that maps an edition to a data year.

A WEF Global Competitiveness Report edition is labelled by two years,
``'Y-(Y+1)'`` (for example ``'2012-2013'``). Its survey was run in year
:math:`Y`, and the World Bank (WDI, TCdata360) files the scores under year
:math:`Y`. :func:`parse_edition` reads a label into :math:`Y` (the
``edition_start_year``), :func:`format_edition` writes it back, and
:func:`edition_to_year` gives the analysis year

.. math:: \text{year} = Y + \delta, \qquad \delta = 0 \text{ for year\_rule='start' (default)},
          \quad \delta = 1 \text{ for year\_rule='end'},

with :math:`\delta` from :func:`year_offset`. Both the reader of WEF's workbook
(:mod:`hitex.data.gcr_workbook`) and the GCR tables (:mod:`hitex.data.gcr`)
use these; the names are re-exported by :mod:`hitex.data.gcr`.
"""

from __future__ import annotations

import re
from typing import Literal

from hitex.errors import HitexError

__all__ = ["YearRule", "edition_to_year", "format_edition", "parse_edition", "year_offset"]

YearRule = Literal["start", "end"]

_EDITION = re.compile(r"^\s*(\d{4})\s*(?:[-–—/]\s*(\d{2}|\d{4}))?\s*$")


def parse_edition(edition: object) -> int:
    """Return the first year :math:`Y` of a GCR edition (its ``edition_start_year``).

    Accepts ``'2012-2013'``, ``'2012-13'``, ``'2012/13'``, ``'2012–2013'`` and
    the start year itself (``2012`` or ``'2012'``). Raises
    :class:`~hitex.errors.HitexError` for anything else, including labels whose
    years are not consecutive.
    """
    if isinstance(edition, int | float) and not isinstance(edition, bool):
        if float(edition).is_integer():
            return int(edition)
    match = _EDITION.match(str(edition)) if not isinstance(edition, bool | float) else None
    if match is None:
        raise HitexError(
            f"GCR edition {edition!r} is not an edition label; write it as 'Y-(Y+1)', "
            "for example '2012-2013'."
        )
    start, end = int(match.group(1)), match.group(2)
    if end is not None:
        consecutive = int(end) == (start + 1 if len(end) == 4 else (start + 1) % 100)
        if not consecutive:
            raise HitexError(
                f"GCR edition {edition!r} does not span two consecutive years; GCR editions "
                "are labelled 'Y-(Y+1)', for example '2012-2013'."
            )
    return start


def format_edition(start_year: int) -> str:
    """Return the edition label ``'Y-(Y+1)'`` of the edition starting in ``start_year``."""
    return f"{int(start_year)}-{int(start_year) + 1}"


def edition_to_year(edition: object, year_rule: YearRule = "start") -> int:
    """Map a GCR edition ``'Y-(Y+1)'`` to its data year.

    ``year_rule='start'`` (default) gives :math:`Y`, the survey year, which is
    the year WDI and TCdata360 file these series under; ``'end'`` gives
    :math:`Y + 1`.
    """
    return parse_edition(edition) + year_offset(year_rule)


def year_offset(year_rule: str) -> int:
    """Return :math:`\\delta`, the years added to an edition's start year under ``year_rule``.

    ``'start'`` gives 0 (edition ``'Y-(Y+1)'`` -> year :math:`Y`, the
    WDI/TCdata360 convention) and ``'end'`` gives 1; anything else raises
    :class:`~hitex.errors.HitexError` naming both choices.
    """
    if year_rule in ("start", "end"):
        return 0 if year_rule == "start" else 1
    raise HitexError(
        f"year_rule={year_rule!r} is not valid; use 'start' (edition 'Y-(Y+1)' -> year Y, "
        "the WDI/TCdata360 convention) or 'end' (-> year Y+1)."
    )
