"""Leases in this process's memory, for `STORAGE=memory`.

They follow the blob leases' rules (a period, renewal, expiry, a lost lease), so the
rules can be tested without a storage service. The bot itself takes none with memory
state: only this process sees it, and `SerialTurnsMiddleware` already runs a call's
turns one at a time here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

DEFAULT_PERIOD_S = 15.0


@dataclass(frozen=True)
class _Held:
    lease_id: str
    until: float


class MemoryLeases:
    """Lease name → holder and the moment its lease ends (on `clock`)."""

    def __init__(self, period_s: float = DEFAULT_PERIOD_S, clock: Callable[[], float] = time.monotonic):
        self._period_s = period_s
        self._clock = clock
        self._held: dict[str, _Held] = {}
        self._waiting: dict[str, set[str]] = {}

    @property
    def period_s(self) -> float:
        return self._period_s

    @property
    def shared_by_instances(self) -> bool:
        return False

    async def acquire(self, name: str, lease_id: str) -> bool:
        held = self._held.get(name)
        if held is not None and held.lease_id != lease_id and held.until > self._clock():
            return False
        self._held[name] = _Held(lease_id, self._clock() + self._period_s)
        return True

    async def renew(self, name: str, lease_id: str) -> bool:
        held = self._held.get(name)
        if held is None or held.lease_id != lease_id:
            return False  # expired and taken by another holder meanwhile
        self._held[name] = _Held(lease_id, self._clock() + self._period_s)
        return True

    async def release(self, name: str, lease_id: str, *, forget: bool = False) -> None:
        held = self._held.get(name)
        if held is not None and held.lease_id == lease_id:
            del self._held[name]

    async def waiting(self, name: str) -> list[str]:
        return list(self._waiting.get(name, ()))

    async def join(self, name: str, ticket: str) -> None:
        self._waiting.setdefault(name, set()).add(ticket)

    async def leave(self, name: str, ticket: str) -> None:
        tickets = self._waiting.get(name, set())
        tickets.discard(ticket)
        if not tickets:
            self._waiting.pop(name, None)

    def __len__(self) -> int:
        """Leases held or expired but not yet released."""
        return len(self._held)
