"""The activities the bridge hands the bot, shaped as the Telephony channel shapes them.

`channelId` is "telephony": the bridge stands in for that channel, and the bot's
telephony library switches recording, transfers and keypad handling on for it. The
caller is `from` (id and name: the E.164 number), the called number is
`recipient.name`, and the conversation id is the call's key (`calls.call_key`), which
reveals nothing of the callback token it is derived from.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from telephony import (
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_FAILED,
    HANDOFF_STATUS,
    TELEPHONY_CHANNEL,
)
from telephony.sdk import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from .calls import BridgeCall


class CallAddress:
    """Who the activities of one call are from and to."""

    def __init__(self, call: BridgeCall, service_url: str, bot_id: str, locale: str) -> None:
        self._call = call
        self._service_url = service_url
        self._bot_id = bot_id
        self._locale = locale

    def activity(self, activity_type: str, at: datetime | None = None, **fields: Any) -> Activity:
        """`at` is when the event behind it happened: turns of a call queue in that order."""
        moment = at or datetime.now(timezone.utc)
        return Activity(
            type=activity_type,
            id=str(uuid.uuid4()),
            timestamp=moment,
            local_timestamp=moment,
            channel_id=TELEPHONY_CHANNEL,
            service_url=self._service_url,
            from_property=ChannelAccount(id=self._call.caller, name=self._call.caller, role="user"),
            recipient=ChannelAccount(id=self._bot_id, name=self._call.called, role="bot"),
            conversation=ConversationAccount(id=self._call.key),
            locale=self._locale,
            **fields,
        )

    def call_connected(self, at: datetime) -> Activity:
        caller = ChannelAccount(id=self._call.caller, name=self._call.caller)
        return self.activity(ActivityTypes.conversation_update, at, members_added=[caller])

    def key_press(self, key: str, at: datetime | None) -> Activity:
        return self.activity(ActivityTypes.message, at, text=key, entities=[Entity(type=DTMF_ENTITY_TYPE)])

    def speech(self, text: str, at: datetime) -> Activity:
        return self.activity(ActivityTypes.message, at, text=text)

    def command_result(self, name: str, command_id: str, error: dict[str, str] | None = None) -> Activity:
        value: dict[str, Any] = {"commandId": command_id, "data": None}
        if error is not None:
            value["error"] = error
        return self.activity(COMMAND_RESULT_ACTIVITY, name=name, value=value)

    def handoff_failed(self, message: str, at: datetime | None = None) -> Activity:
        return self.activity(
            ActivityTypes.event, at, name=HANDOFF_STATUS, value={"state": HANDOFF_FAILED, "message": message}
        )

    def call_ended(self, code: str, at: datetime) -> Activity:
        return self.activity(ActivityTypes.end_of_conversation, at, code=code)


def after(moment: datetime, step: int) -> datetime:
    """A moment a few microseconds after `moment`, to keep one event's activities in order."""
    return moment + timedelta(microseconds=step)
