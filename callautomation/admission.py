"""How many calls one instance answers: past its limits, an incoming call is rejected as busy.

Event Grid delivers every `IncomingCall` for the number, and each call answered
costs the instance CPU on every turn until it hangs up. Answering all of them
let one overloaded instance slow every call it held (and one delivery of 1,000
events start 1,000 answers at once). Here an instance answers at most
`ACS_MAX_CONCURRENT_CALLS` calls at a time, and at most
`ACS_MAX_CALLS_PER_DELIVERY` from one delivery; the others are rejected with
the busy reason, so the caller hears a busy tone at once rather than a bot
that answers late, and each rejection is counted (`ivr.calls.rejected`).

An instance counts the calls it answered and that have not ended. A call that
ends here (its `CallDisconnected`, or an answer ACS refused) frees its place
at once. With `STORAGE=blob` a call's callbacks may reach another instance,
which then sees it end: the instance that answered it looks in the call book
for the calls it still counts when its count is at the limit, at most every
`RECOUNT_EVERY_S`, and frees the places of those whose record is gone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Generic, TypeVar

from .calls import CallBook

RECOUNT_EVERY_S = 10.0

C = TypeVar("C")


class Rejection(str, Enum):
    """Why an incoming call was rejected: the value of `ivr.call.rejection`."""

    INSTANCE_FULL = "instance-full"
    DELIVERY_FULL = "delivery-full"


@dataclass(frozen=True)
class Admitted(Generic[C]):
    """One delivery's calls: those to answer, and those to reject as busy with the reason."""

    answer: list[C]
    reject: list[tuple[C, Rejection]] = field(default_factory=list)


class CallAdmission:
    """The places of one instance: taken when a call is admitted, given back when it ends."""

    def __init__(
        self, book: CallBook, max_calls: int, max_per_delivery: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._book = book
        self._max_calls = max_calls
        self._max_per_delivery = max_per_delivery
        self._clock = clock
        self._answering = 0  # admitted, the answer not yet settled
        self._live: set[str] = set()  # answered here and not known to have ended
        self._recounted_at: float | None = None

    @property
    def in_progress(self) -> int:
        return self._answering + len(self._live)

    async def admit(self, calls: list[C]) -> Admitted[C]:
        """Take a place for as many of `calls` as the limits allow, in order; `settle` each one answered."""
        if self.in_progress + len(calls) > self._max_calls:
            await self._recount()
        free = max(0, self._max_calls - self.in_progress)
        taken = min(len(calls), free, self._max_per_delivery)
        self._answering += taken
        reason = Rejection.DELIVERY_FULL if taken == self._max_per_delivery and free > taken else Rejection.INSTANCE_FULL
        return Admitted(calls[:taken], [(call, reason) for call in calls[taken:]])

    def settle(self, key: str, answered: bool) -> None:
        """An admitted call's answer is done: it holds its place until it ends, if it was answered."""
        self._answering -= 1
        if answered:
            self._live.add(key)

    def ended(self, key: str) -> None:
        """A call this instance may have answered ended here."""
        self._live.discard(key)

    async def _recount(self) -> None:
        """Free the places of calls that ended on other instances (their record is gone from the book)."""
        now = self._clock()
        if not self._live or (self._recounted_at is not None and now - self._recounted_at < RECOUNT_EVERY_S):
            return
        self._recounted_at = now
        counted = set(self._live)
        still_live = await self._book.present(counted)
        self._live -= counted - still_live
