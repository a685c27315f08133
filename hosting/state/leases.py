"""Leases: which instance may run a call's turn right now.

A lease is held under a name (one per call) by one holder at a time, for `period_s`
seconds unless renewed. The holder that dies simply stops renewing, so its lease
ends by itself: no instance ever has to notice another one's death. Beside each lease
is a queue of tickets, so that turns waiting for it get it in the order they came.

Two stores keep them: `BlobLeases` (blob leases in the state container, shared by every
instance) and `MemoryLeases` (this process only), chosen with the state store so that
memory and blob state serialize turns the same way. The bot takes leases only from a
store other instances share (`shared_by_instances`): within one process
`SerialTurnsMiddleware` already runs a call's turns one at a time, and a lease only
this process sees would add its work to every turn and change nothing.
"""

from __future__ import annotations

from typing import Protocol


class Leases(Protocol):
    """Where leases are kept. Every method is one round trip at most."""

    @property
    def period_s(self) -> float:
        """How long a lease lasts unless its holder renews it."""
        ...

    @property
    def shared_by_instances(self) -> bool:
        """True when other processes see these leases too (False: this process's memory)."""
        ...

    async def acquire(self, name: str, lease_id: str) -> bool:
        """Take the lease `name` as `lease_id`; False if another holder has it."""
        ...

    async def renew(self, name: str, lease_id: str) -> bool:
        """Extend `lease_id`'s lease by another period; False if it was lost to another holder."""
        ...

    async def release(self, name: str, lease_id: str, *, forget: bool = False) -> None:
        """Let the next holder in. `forget`: the call is over, remove what kept the lease too.

        Releasing a lease that was lost meanwhile does nothing.
        """
        ...

    async def waiting(self, name: str) -> list[str]:
        """The tickets of the turns queued for the lease `name`, in no particular order."""
        ...

    async def join(self, name: str, ticket: str) -> None:
        """Queue `ticket` for the lease `name`."""
        ...

    async def leave(self, name: str, ticket: str) -> None:
        """Take `ticket` out of the queue (whether or not it is in it)."""
        ...
