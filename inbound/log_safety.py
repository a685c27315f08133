"""Logging what strangers send: escaped, in bounded volume.

Text that came with a request (an event's type, a failure reason, an id) is
written into log lines. Left as it is, a newline in it starts a line of the
sender's choosing (a forged ERROR record) and an escape sequence rewrites the
terminal; `loggable` escapes it and cuts it short. And a request must not buy
log volume: a delivery of thousands of events is summarized in one line
(`summary`), and a refusal anyone can provoke without credentials is
warned of at most once per interval, with a count (`RateLimitedLog`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Callable, Iterable

MAX_LOGGED_CHARS = 80
MAX_LISTED = 5
REFUSALS_WARNED_EVERY_S = 60.0


def loggable(value: object, limit: int = MAX_LOGGED_CHARS) -> str:
    """`value` as text that stays on its line: unprintable characters and backslashes escaped, cut to `limit`."""
    text = str(value)
    shown = "".join(
        character if character.isprintable() and character != "\\" else character.encode("unicode_escape").decode("ascii")
        for character in text[:limit]
    )
    return shown + ("…" if len(text) > limit else "")


def summary(values: Iterable[object]) -> str:
    """The distinct values, most frequent first, each `loggable` and counted: at most `MAX_LISTED` of them."""
    counts = Counter(loggable(value) for value in values)
    listed = ", ".join(f"{value} x{count}" for value, count in counts.most_common(MAX_LISTED))
    more = len(counts) - MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


class RateLimitedLog:
    """A warning logged at most once per `interval_s`; the next one says how many were held back."""

    def __init__(
        self, logger: logging.Logger, interval_s: float = REFUSALS_WARNED_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._clock = clock
        self._next_at: float | None = None
        self._held_back = 0

    def warning(self, message: str, *args: object) -> None:
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            self._held_back += 1
            return
        if self._held_back:
            message += f" ({self._held_back} more like it in the last {self._interval_s:g} s)"
        self._logger.warning(message, *args)
        self._next_at, self._held_back = now + self._interval_s, 0
