"""Deadlines for the live-data clients: every call ends within a stated time.

* :func:`call_with_deadline` runs a call in a daemon thread and gives up after
  ``seconds`` (for clients such as ``wbgapi`` that take no timeout of their own);
* :func:`retry_after_seconds` reads an HTTP ``Retry-After`` value (seconds or an
  HTTP date; ``nan``, negative or unreadable values are ignored) and caps it;
* :class:`WaitBudget` bounds the total time spent waiting between retries.

Defaults: 30 s per call (:data:`DEFAULT_TIMEOUT`), at most 60 s for one
``Retry-After`` (:data:`MAX_RETRY_AFTER`) and 120 s of waiting in all
(:data:`DEFAULT_WAIT_BUDGET`).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
MAX_RETRY_AFTER = 60.0
DEFAULT_WAIT_BUDGET = 120.0

__all__ = ["DEFAULT_TIMEOUT", "DEFAULT_WAIT_BUDGET", "MAX_RETRY_AFTER", "WaitBudget",
           "call_with_deadline", "retry_after_seconds"]


def call_with_deadline(fn: Callable[[], T], seconds: float, what: str) -> T:
    """``fn()``, or a :class:`TimeoutError` after ``seconds`` (the call is left to end alone).

    Raises
    ------
    TimeoutError
        When ``fn`` has not returned in time; the message names ``what``.
    """
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, fn()))
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box.put((False, err))

    thread = threading.Thread(target=run, name=f"hitex-call: {what}", daemon=True)
    thread.start()
    try:
        ok, value = box.get(timeout=seconds)
    except queue.Empty:
        raise TimeoutError(f"{what} gave no answer within {seconds:g} s") from None
    if ok:
        return value
    raise value


def retry_after_seconds(value: object, *, cap: float = MAX_RETRY_AFTER,
                        now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, at most ``cap``; None when unusable."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), cap)


class WaitBudget:
    """The waiting left for retries; :meth:`take` refuses a wait that would exceed it."""

    def __init__(self, seconds: float = DEFAULT_WAIT_BUDGET) -> None:
        self.left = max(float(seconds), 0.0)

    def take(self, seconds: float) -> bool:
        """Spend ``seconds`` of the budget; False (nothing spent) when too little is left."""
        if seconds > self.left:
            return False
        self.left -= seconds
        return True
