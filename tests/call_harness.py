"""A phone call against the real bot on botbuilder's TestAdapter.

The harness plays the Telephony channel's part: it connects the call, presses
keys, speaks, answers recording commands and transfers, stays silent (by firing
the call's pending timer at once) and hangs up. Everything the bot sends is
collected so tests can assert on exactly what the channel would receive.
"""

from __future__ import annotations

import copy
import dataclasses

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from app import create_bot
from config import DefaultConfig
from hosting.memory_storage import MemoryStorage
from telephony.timers import TIMER_EVENT
from telephony.wire import (
    COMMAND_ACTIVITY,
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_INITIATE,
    HANDOFF_STATUS,
    TELEPHONY_CHANNEL,
    RecordingCommand,
)

CALLER = "+14255550123"
CALLED = "+14255550199"
# Long enough never to fire by themselves: tests fire timers with `silence()`.
SLOW_TIMERS = {"NO_INPUT_TIMEOUT_S": 600.0, "RECORDING_RESULT_TIMEOUT_S": 600.0, "TRANSFER_DELAY_S": 600.0}


class Call:
    def __init__(self, channel: str = TELEPHONY_CHANNEL, conversation_id: str = "call-1", **settings):
        self.config = dataclasses.replace(DefaultConfig(), **{**SLOW_TIMERS, **settings})
        self.channel = channel
        self.conversation_id = conversation_id
        self.storage = MemoryStorage()
        self.adapter = TestAdapter(
            template_or_conversation=Activity(
                channel_id=channel,
                service_url="https://channel.invalid/",
                from_property=ChannelAccount(id=CALLER, name=CALLER),
                recipient=ChannelAccount(id="bot-id", name=CALLED),
                conversation=ConversationAccount(id=conversation_id),
            )
        )
        self.bot, self.timers = create_bot(self.config, self.adapter, self.storage)
        self.adapter.logic = self.bot.on_turn
        self.sent: list[Activity] = []  # everything the bot ever sent, in order
        self.timer_tokens: list[str] = []  # every timer the bot armed, oldest first
        arm = self.timers.arm

        def arm_and_note(context, delay_s):
            token = arm(context, delay_s)
            self.timer_tokens.append(token)
            return token

        self.timers.arm = arm_and_note

    def next_call(self, conversation_id: str) -> "Call":
        """Another call to the same bot (same timers, storage and adapter)."""
        other = copy.copy(self)
        other.conversation_id = conversation_id
        other.sent = []
        return other

    # ---- the caller and the channel ------------------------------------------
    async def connect(self) -> list[Activity]:
        return await self._receive(
            Activity(
                type=ActivityTypes.conversation_update,
                members_added=[ChannelAccount(id=CALLER, name=CALLER)],
            )
        )

    async def press(self, keys: str) -> list[Activity]:
        replies: list[Activity] = []
        for key in keys:
            entities = [Entity(type=DTMF_ENTITY_TYPE)] if self.channel == TELEPHONY_CHANNEL else None
            replies += await self._receive(Activity(type=ActivityTypes.message, text=key, entities=entities))
        return replies

    async def say(self, text: str) -> list[Activity]:
        return await self._receive(Activity(type=ActivityTypes.message, text=text))

    async def answer(
        self, command: RecordingCommand, *, error: str | None = None, command_id: str | None = None, no_value=False
    ) -> list[Activity]:
        """Answer the last `command` the bot sent (success unless `error`)."""
        sent = self.last_command(command)
        value = None
        if not no_value:
            value = {"commandId": command_id or (sent.value["commandId"] if sent else "none")}
            if error is not None:
                value["error"] = {"code": "RecordingError", "message": error}
        return await self._receive(Activity(type=COMMAND_RESULT_ACTIVITY, name=command.value, value=value))

    async def handoff_failed(self, message: str = "No answer") -> list[Activity]:
        return await self._receive(
            Activity(type=ActivityTypes.event, name=HANDOFF_STATUS, value={"state": "failed", "message": message})
        )

    async def hang_up(self) -> list[Activity]:
        return await self._receive(Activity(type=ActivityTypes.end_of_conversation))

    async def late_timer(self, token: str) -> list[Activity]:
        """A timer event carrying `token` arrives now, as one that fired late would."""
        return await self._receive(Activity(type=ActivityTypes.event, name=TIMER_EVENT, value={"token": token}))

    async def silence(self) -> list[Activity]:
        """The caller says nothing until the pending timer runs out."""
        before = len(self.adapter.activity_buffer)
        fired = await self.timers.fire_now(self.conversation_id)
        assert fired, "no timer was pending"
        return self._collect(before)

    # ---- what the bot sent ---------------------------------------------------
    def commands(self) -> list[RecordingCommand]:
        return [RecordingCommand(a.name) for a in self.sent if a.type == COMMAND_ACTIVITY]

    def last_command(self, command: RecordingCommand) -> Activity | None:
        matching = [a for a in self.sent if a.type == COMMAND_ACTIVITY and a.name == command.value]
        return matching[-1] if matching else None

    def transfers(self) -> list[Activity]:
        return [a for a in self.sent if a.type == ActivityTypes.event and a.name == HANDOFF_INITIATE]

    def texts(self) -> list[str]:
        return [a.text for a in self.sent if a.type == ActivityTypes.message]

    async def _receive(self, activity: Activity) -> list[Activity]:
        activity.conversation = activity.conversation or ConversationAccount(id=self.conversation_id)
        before = len(self.adapter.activity_buffer)
        await self.adapter.receive_activity(activity)
        return self._collect(before)

    def _collect(self, before: int) -> list[Activity]:
        new = self.adapter.activity_buffer[before:]
        self.sent += new
        return list(new)


def texts(activities: list[Activity]) -> list[str]:
    return [a.text for a in activities if a.type == ActivityTypes.message]


def kinds(activities: list[Activity]) -> list[str]:
    """A compact picture of a turn: message texts, command names, event names."""
    out = []
    for a in activities:
        if a.type == ActivityTypes.message:
            out.append(a.text)
        elif a.type == COMMAND_ACTIVITY:
            out.append(RecordingCommand(a.name).name.lower())
        else:
            out.append(a.name or a.type)
    return out


async def call_at_menu(**settings) -> Call:
    """A telephony call whose recording started and whose menu is up."""
    call = Call(**settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call
