"""Garbage collection between turns, not in the middle of them.

Every Bot Framework turn leaves reference cycles behind (turn context, dialog
context, state manager and memory scopes point at one another), so only Python's
cycle collector frees them. Left to its defaults it runs every 700 allocations,
which is several times inside each turn: the objects of turns still running are
promoted to older generations, and the older generations, collected less often,
grow large enough to pause the process for tens of milliseconds. Every key press
that arrives during such a pause waits for it.

`TurnPacedCollector` makes the young collection happen when a turn has finished
and no other turn is running, when the finished turns' objects are all garbage and
nothing in flight gets promoted. Under constant load (never idle) it collects after
a turn once more has piled up. As CPython does, every tenth collection includes the
middle generation, and a full collection follows once the oldest generation has
grown by a quarter since the last one (what survives it is live calls' objects, so
its cost follows the number of calls). The automatic collector stays on with a high
threshold, as a backstop for allocations outside turns. Objects built at start-up
are frozen, so no collection walks them.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Awaitable, Callable

from telephony.sdk import Middleware, TurnContext, call_next

# Allocations (net new container objects) after which a collection is due:
# when idle, when busy, and for the automatic collector outside turns.
IDLE_LIMIT = 2_000
BUSY_LIMIT = 20_000
BACKSTOP_LIMIT = 100_000
# Every tenth young collection also collects the middle generation, as CPython does.
MIDDLE_EVERY = 10
# A full collection once the oldest generation has grown by this share (and past the floor).
OLD_GROWTH = 0.25
OLD_FLOOR = 10_000


class TurnPacedCollector(Middleware):
    """Bot middleware; `start()` takes over collection timing, `stop()` gives it back."""

    def __init__(self) -> None:
        self._running_turns = 0
        self._young_collections = 0
        self._collection_due = False
        self._old_after_full = 0
        self._saved_thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Freeze what exists now and raise the automatic collector's threshold to a backstop."""
        gc.collect()
        gc.freeze()
        self._old_after_full = 0
        if self._saved_thresholds is None:
            self._saved_thresholds = gc.get_threshold()
            gc.set_threshold(BACKSTOP_LIMIT, *self._saved_thresholds[1:])

    def stop(self) -> None:
        """Restore the thresholds and let the collector see the frozen objects again."""
        gc.unfreeze()
        if self._saved_thresholds is not None:
            gc.set_threshold(*self._saved_thresholds)
            self._saved_thresholds = None

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        self._running_turns += 1
        try:
            await call_next(logic, context)
        finally:
            self._running_turns -= 1
            limit = IDLE_LIMIT if self._running_turns == 0 else BUSY_LIMIT
            if gc.get_count()[0] >= limit and not self._collection_due:
                # After the turn's own code: its HTTP answer is written first.
                self._collection_due = True
                asyncio.get_running_loop().call_soon(self._collect)

    def _collect(self) -> None:
        self._collection_due = False
        self._young_collections += 1
        if self._young_collections % MIDDLE_EVERY:
            gc.collect(0)
            return
        gc.collect(1)
        if len(gc.get_objects(2)) > max(self._old_after_full, OLD_FLOOR) * (1 + OLD_GROWTH):
            gc.collect(2)
            self._old_after_full = len(gc.get_objects(2))
