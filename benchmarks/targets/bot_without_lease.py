"""This bot with no lease on a call's turns: blob state as it was before turns were serialized across instances.

The benchmark runs it beside the bot itself, so the lease's cost per turn is the
difference between two rows of one run. Nothing else differs: the same `app.py`, with
`TurnLeaseMiddleware` swapped for a pass-through before the app is built.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext

import app
from hosting.state.leases import Leases


class NoLease(Middleware):
    def __init__(self, leases: Leases) -> None:
        pass

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        await logic()


if __name__ == "__main__":
    app.TurnLeaseMiddleware = NoLease
    app.main()
