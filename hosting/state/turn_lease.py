"""One turn at a time per call, across every instance that shares the call's state.

A channel answers fast: a command result, a `handoff.status` or a Call Automation
callback can reach another instance while the turn that caused it is still running
(a timer's turn included). Without this, the second turn loads the call's state from
before the first one saved, and one of the two saves fails its ETag check.

Why a lease, and not buffering a turn's sends and re-running it when its save loses:
a turn's sends are the call (prompts, recording commands, the transfer); holding them
back until the save would change what the caller hears and when, and re-running a turn
means every step must be free of side effects (a charge, a recording command) until
then. A lease changes nothing in the bot: a turn waits until the previous one of its
call has saved, on whichever instance, then reads fresh state. It costs three storage
requests per turn in two round trips (acquire beside a look at the queue; release),
and a wait only when two turns of one call overlap.

The lease is taken before the turn reads state and released after its save:

- renewed every third of its period while the turn runs, so a long turn keeps it;
- waited for in the order the channel sent the turns' activities: a turn that finds the
  lease taken, or older turns waiting, queues a ticket beside the lease and polls with
  backoff (5 ms doubling to 50 ms) until its ticket is the oldest and the lease is free.
  Without the queue, the next turn queued in the holder's own process would always win
  over a turn waiting on another instance, and a channel's answers (a command result,
  the caller's next key) could overtake each other;
- waited for at most two periods: an instance that dies holding the lease stops
  renewing, so the lease ends within one period and the call continues on another
  instance (a ticket older than a period is ignored too: it may be a dead waiter's);
- lost when a renewal fails (the process stalled for a whole period and another turn
  took the lease): logged, and the turn's save then succeeds only if no other turn
  saved first (the ETag check); otherwise its changes are dropped (`hosting/state/conversation_state.py`),
  so the call's state stays what the other turn made of it. The caller hears no error.

Turns of one call are also queued in each process before they reach here, so within a
process only one turn per call ever waits on the lease.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable

from hosting.state.leases import Leases
from telephony.sdk import Activity, Middleware, TurnContext, call_next

log = logging.getLogger(__name__)

_TURN_LEASE = "hosting.turn_lease"
_CALL_FORGOTTEN = "hosting.call_forgotten"
FIRST_BACKOFF_S = 0.005
LONGEST_BACKOFF_S = 0.05


@dataclass
class TurnLease:
    """The lease a turn holds on its call; `lost` once another turn may have taken it."""

    name: str
    lease_id: str
    lost: bool = False


def call_lease_name(activity: Activity) -> str | None:
    """The call's lease: named like its conversation state (`<channel>/conversations/<id>`)."""
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    return f"{activity.channel_id}/conversations/{conversation.id}"


def turn_lease(context: TurnContext) -> TurnLease | None:
    return context.turn_state.get(_TURN_LEASE)


def forget_call_lease(context: TurnContext) -> None:
    """The turn deleted the call's state: remove the call's lease with it when the turn ends."""
    context.turn_state[_CALL_FORGOTTEN] = True


def _ticket(activity: Activity) -> str:
    """A turn's place in its call's queue: when the channel sent its activity, then a tie-breaker.

    The channel's `timestamp` orders a call's posts on one clock, whichever instance each
    lands on and however busy that instance is; a turn without one (a timer's) counts
    from now.
    """
    sent = activity.timestamp
    moment_s = sent.timestamp() if isinstance(sent, datetime) else time.time()
    return f"{_ticket_at(moment_s)}-{uuid.uuid4().hex[:8]}"


def _ticket_at(moment_s: float) -> str:
    return f"{int(moment_s * 1_000_000):017d}"


class TurnLeaseMiddleware(Middleware):
    """Holds the call's lease in `leases` around the rest of the turn."""

    def __init__(
        self,
        leases: Leases,
        *,
        max_wait_s: float | None = None,
        backoff_s: tuple[float, float] = (FIRST_BACKOFF_S, LONGEST_BACKOFF_S),
    ) -> None:
        self._leases = leases
        self._renew_every_s = leases.period_s / 3
        self._max_wait_s = 2 * leases.period_s if max_wait_s is None else max_wait_s
        self._backoff_s = backoff_s

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        name = call_lease_name(context.activity)
        if name is None:
            await call_next(logic, context)
            return
        lease = TurnLease(name, uuid.uuid4().hex)
        context.turn_state[_TURN_LEASE] = lease
        if not await self._wait_for(lease, _ticket(context.activity)):
            lease.lost = True
            log.warning("A call's lease stayed taken for %g s: running its turn without it", self._max_wait_s)
            await call_next(logic, context)
            return
        keeper = asyncio.create_task(self._keep(lease))
        try:
            await call_next(logic, context)
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            await self._release(lease, forget=bool(context.turn_state.get(_CALL_FORGOTTEN)))

    async def _wait_for(self, lease: TurnLease, ticket: str) -> bool:
        """Take the lease, after every turn of the call that came before this one and waits for it."""
        acquired, waiting = await asyncio.gather(
            self._leases.acquire(lease.name, lease.lease_id), self._leases.waiting(lease.name)
        )
        if acquired and min(self._current(waiting), default=ticket) >= ticket:
            return True
        if acquired:  # free for a moment, but others came first
            await self._leases.release(lease.name, lease.lease_id)
        await self._leases.join(lease.name, ticket)
        try:
            return await self._wait_in_turn(lease, ticket)
        finally:
            await self._leases.leave(lease.name, ticket)

    async def _wait_in_turn(self, lease: TurnLease, ticket: str) -> bool:
        deadline = time.monotonic() + self._max_wait_s
        delay_s, longest_s = self._backoff_s
        while time.monotonic() < deadline:
            await asyncio.sleep(delay_s * random.uniform(0.5, 1.0))  # jitter: waiters do not poll in step
            delay_s = min(delay_s * 2, longest_s)
            first = min(self._current(await self._leases.waiting(lease.name)), default=ticket)
            if first >= ticket and await self._leases.acquire(lease.name, lease.lease_id):
                return True
        return False

    def _current(self, tickets: list[str]) -> list[str]:
        """Tickets that hold their place: one older than a period may be a dead instance's, and
        would hold the call up longer than a dead holder's lease; its turn, if alive, just
        loses its place."""
        oldest = _ticket_at(time.time() - self._leases.period_s)
        return [ticket for ticket in tickets if ticket >= oldest]

    async def _keep(self, lease: TurnLease) -> None:
        while True:
            await asyncio.sleep(self._renew_every_s)
            try:
                kept = await self._leases.renew(lease.name, lease.lease_id)
            except Exception as error:  # a blip: the lease lasts two more renewals
                log.warning("Could not renew a call's lease (%s); trying again", type(error).__name__)
                continue
            if not kept:
                lease.lost = True
                log.warning("A call's lease was lost mid-turn: another turn of the call may run alongside")
                return

    async def _release(self, lease: TurnLease, *, forget: bool) -> None:
        try:
            await self._leases.release(lease.name, lease.lease_id, forget=forget)
        except Exception as error:  # the lease then ends by itself within a period
            log.warning("Could not release a call's lease (%s)", type(error).__name__)
