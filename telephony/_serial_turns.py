"""One turn at a time per call.

Key presses arrive as separate requests, timers fire on their own, and the
streaming transport runs requests concurrently: two turns of one call running at
once would both load the call's state and the second save would fail on its
ETag. This middleware queues a call's turns in arrival order.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from .sdk import Middleware, TurnContext, call_next


class SerialTurnsMiddleware(Middleware):
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        conversation = context.activity.conversation
        key = conversation.id if conversation else ""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await call_next(logic, context)
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        """Calls with a turn running or queued."""
        return len(self._locks)
