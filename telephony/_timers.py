"""Timers that continue a call when nothing else will.

The channel sends nothing while a caller is silent, and a command result may
never come. A timer continues the conversation proactively: the bot receives an
event named `TIMER_EVENT` carrying the token it armed the timer with. Dialogs
keep that token in conversation state and ignore any other, so a timer that
fires after the caller answered, after the call ended, or on another instance
than the one that now holds the call, does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Awaitable, Callable

from ._delivery import send_failure
from .sdk import ActivityTypes, BotAdapter, ConversationReference, TurnContext, continue_conversation, conversation_reference

log = logging.getLogger(__name__)

TIMER_EVENT = "telephony/timer"

Turn = Callable[[TurnContext], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Pending:
    token: str
    reference: ConversationReference
    task: asyncio.Task


class CallTimers:
    """At most one pending timer per call; arming a new one replaces it."""

    def __init__(self, adapter: BotAdapter, run_turn: Turn, bot_app_id: str = "", sleep: Sleep = asyncio.sleep):
        """`sleep` waits out a delay; tests pass a fake clock's so no test waits for real."""
        self._adapter = adapter
        self._run_turn = run_turn
        self._bot_app_id = bot_app_id
        self._sleep = sleep
        self._pending: dict[str, _Pending] = {}

    def arm(self, context: TurnContext, delay_s: float) -> str:
        """Fire a timer event in `delay_s` seconds; returns its token."""
        reference = conversation_reference(context.activity)
        conversation_id = reference.conversation.id
        self.cancel(conversation_id)
        token = uuid.uuid4().hex
        task = asyncio.get_running_loop().create_task(self._wait_and_fire(reference, token, delay_s))
        self._pending[conversation_id] = _Pending(token, reference, task)
        return token

    def cancel(self, conversation_id: str) -> None:
        pending = self._pending.pop(conversation_id, None)
        if pending is not None and pending.task is not asyncio.current_task():
            pending.task.cancel()

    async def fire_now(self, conversation_id: str) -> bool:
        """Fire the call's pending timer at once (for tests and tools); False if none."""
        pending = self._pending.get(conversation_id)
        if pending is None:
            return False
        del self._pending[conversation_id]
        pending.task.cancel()
        await self._fire(pending.reference, pending.token)
        return True

    def __len__(self) -> int:
        return len(self._pending)

    async def close(self) -> None:
        """Cancel every pending timer (at shutdown)."""
        tasks = [p.task for p in self._pending.values()]
        self._pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _wait_and_fire(self, reference: ConversationReference, token: str, delay_s: float) -> None:
        await self._sleep(delay_s)
        pending = self._pending.get(reference.conversation.id)
        if pending is None or pending.token != token:
            return
        del self._pending[reference.conversation.id]
        await self._fire(reference, token)

    async def _fire(self, reference: ConversationReference, token: str) -> None:
        async def turn(context: TurnContext) -> None:
            context.activity.type = ActivityTypes.event
            context.activity.name = TIMER_EVENT
            context.activity.value = {"token": token}
            await self._run_turn(context)

        try:
            await continue_conversation(self._adapter, reference, turn, self._bot_app_id)
        except Exception as error:  # a timer must never take the process down
            failure = send_failure(error)
            if failure is None:
                log.exception("Timer turn failed for a call")
            else:  # the channel, or what the bot needs to reach it, is down: nothing to see in a traceback
                log.warning("A timer's turn for a call was not sent: the channel %s", failure.describe())


def timer_token(context: TurnContext) -> str | None:
    """The token of the timer event this turn is, or None."""
    activity = context.activity
    if activity.type == ActivityTypes.event and activity.name == TIMER_EVENT and isinstance(activity.value, dict):
        return activity.value.get("token")
    return None
