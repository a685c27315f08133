"""The bot's adapter for calls answered through Call Automation.

Every turn of such a call runs through this adapter's middleware (one turn per
call at a time, across instances: `hosting/state/turn_lease.py`), whether it is the
bridge applying an ACS event to the call, the bot answering the caller, or one
of the bot's timers. The bridge's own turns come first and never reach the bot;
the activities they produce are then run as the bot's turns, in order, each with
the time of the event behind it, so turns queue the way the caller acted.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Awaitable, Callable

from azure.communication.callautomation.aio import CallAutomationClient

from telephony import TELEPHONY_CHANNEL, Sealer
from telephony.sdk import (
    Activity,
    ActivityTypes,
    BotAdapter,
    ConversationAccount,
    ConversationReference,
    ResourceResponse,
    TurnContext,
    continuation_activity,
)

from . import dtmf
from .actions import CallActions
from .calls import BridgeCall, CallBook
from .events import CallEvent, CallEventType
from .reactions import Reactions
from .settings import BridgeSettings

log = logging.getLogger(__name__)

Turn = Callable[[TurnContext], Awaitable[None]]

BRIDGE_EVENT = "callautomation/event"  # the name of the bridge's own turns
_CALL = "callautomation.call"
_ANSWERS = "callautomation.answers"


class CallAutomationAdapter(BotAdapter):
    def __init__(
        self, book: CallBook, settings: BridgeSettings, sealer: Sealer, on_call_ended: Callable[[str], None] = lambda _key: None
    ) -> None:
        super().__init__()
        self._book = book
        self._on_call_ended = on_call_ended
        self._settings = settings
        self._sealer = sealer
        self._actions: CallActions | None = None
        self._reactions: Reactions | None = None
        self._waits: dict[str, asyncio.Task] = {}
        self.bot_turn: Turn | None = None

    def connect(self, client: CallAutomationClient) -> None:
        """Act on calls through `client` (made once the app's event loop runs)."""
        self._actions = CallActions(client, self._settings, self._sealer)
        self._reactions = Reactions(self._actions, self._settings, self._sealer)

    async def close(self) -> None:
        tasks = list(self._waits.values())
        self._waits.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # The bot acts on the call.

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        assert self._actions is not None, "the bridge has not connected to ACS"
        call = await self._call_of(context)
        for activity in activities:
            if call is not None:
                await self._actions.perform(call, activity, self._answers(context))
        if call is not None:
            await self._book.save(call)
        return [ResourceResponse(id=activity.id or str(uuid.uuid4())) for activity in activities]

    async def update_activity(self, context: TurnContext, activity: Activity):
        raise NotImplementedError("a prompt the caller has heard cannot be changed")

    async def delete_activity(self, context: TurnContext, reference: ConversationReference):
        raise NotImplementedError("a prompt the caller has heard cannot be taken back")

    async def continue_conversation(
        self, reference: ConversationReference, callback: Turn, bot_id=None, claims_identity=None, audience=None
    ) -> None:
        """A turn the bot starts itself (its timers): its sends act on the call. botbuilder's name for it."""
        await self._run(continuation_activity(reference), callback)

    async def continue_conversation_with_claims(
        self, claims_identity: object, continuation: Activity, callback: Turn, audience: str | None = None
    ) -> None:
        """The Agents SDK's name for the same (`telephony.sdk.continue_conversation`); no claims are needed here."""
        await self._run(continuation, callback)

    # The call reaches the bot.

    async def on_event(self, key: str, event: CallEvent) -> None:
        async def apply(context: TurnContext) -> None:
            call = await self._call_of(context)
            if call is None:
                return
            call.call_connection_id = call.call_connection_id or event.call_connection_id
            call.server_call_id = call.server_call_id or event.server_call_id
            assert self._reactions is not None, "the bridge has not connected to ACS"
            await self._reactions.react(call, event, self._answers(context))
            await self._keep(call, ended=event.type is CallEventType.CALL_DISCONNECTED)

        await self._run(self._bridge_activity(key, event), self._guarded(apply))

    async def _release_waiting_keys(self, key: str) -> None:
        """The keys that waited for a missing one go on without it."""

        async def release(context: TurnContext) -> None:
            call = await self._call_of(context)
            if call is None or self._reactions is None:
                return
            keys = dtmf.release(call, self._sealer, time.time())
            await self._reactions.keys_pressed(call, keys, None, self._answers(context))
            await self._keep(call, ended=False)

        await self._run(self._bridge_activity(key, None), self._guarded(release))

    async def _keep(self, call: BridgeCall, *, ended: bool) -> None:
        if ended:
            await self._book.forget(call.key)
            self._on_call_ended(call.key)
            return
        await self._book.save(call)
        if dtmf.waiting(call) and call.key not in self._waits:
            self._waits[call.key] = asyncio.get_running_loop().create_task(self._wait_for_missing_keys(call.key))

    async def _wait_for_missing_keys(self, key: str) -> None:
        try:
            await asyncio.sleep(dtmf.WAIT_FOR_MISSING_S)
        finally:
            self._waits.pop(key, None)
        await self._release_waiting_keys(key)

    async def _run(self, activity: Activity, logic: Turn) -> None:
        """One turn through the middleware; then, as turns of their own, what it produced for the bot."""
        context = TurnContext(self, activity)
        await self.run_pipeline(context, logic)
        for answer in context.turn_state.get(_ANSWERS, []):
            assert self.bot_turn is not None, "no bot on the bridge"
            await self._run(answer, self.bot_turn)

    def _guarded(self, logic: Turn) -> Turn:
        """The bridge's own turns log their failures: the bot's error handling is for the bot's turns."""

        async def turn(context: TurnContext) -> None:
            try:
                await logic(context)
            except Exception:
                log.exception("Could not apply a Call Automation event to its call")

        return turn

    def _bridge_activity(self, key: str, event: CallEvent | None) -> Activity:
        return Activity(
            type=ActivityTypes.event,
            name=BRIDGE_EVENT,
            channel_id=TELEPHONY_CHANNEL,
            conversation=ConversationAccount(id=key),
            timestamp=event.time if event is not None else None,
        )

    async def _call_of(self, context: TurnContext) -> BridgeCall | None:
        if _CALL not in context.turn_state:
            conversation = context.activity.conversation
            context.turn_state[_CALL] = await self._book.get(conversation.id) if conversation else None
        return context.turn_state[_CALL]

    @staticmethod
    def _answers(context: TurnContext) -> list[Activity]:
        return context.turn_state.setdefault(_ANSWERS, [])
