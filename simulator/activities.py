"""Activities the Telephony channel sends to a bot, as JSON dicts.

Field names and values follow the Bot Framework activity schema; every
channel-specific name comes from `telephony`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from telephony import (
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_FAILED,
    HANDOFF_STATUS,
    TELEPHONY_CHANNEL,
    RecordingCommand,
)

from .rules import Refusal

Activity = dict[str, Any]


@dataclass(frozen=True)
class CallAddress:
    """Who is on the call and where the bot must send its replies."""

    conversation_id: str
    caller: str
    called: str
    service_url: str
    bot_id: str = "telephony-bot"
    locale: str = "en-US"


def _base(address: CallAddress, activity_type: str, **fields: Any) -> Activity:
    now = datetime.now(timezone.utc)
    return {
        "type": activity_type,
        "id": str(uuid.uuid4()),
        "timestamp": now.isoformat(),
        "localTimestamp": now.isoformat(),
        "channelId": TELEPHONY_CHANNEL,
        "serviceUrl": address.service_url,
        "from": {"id": address.caller, "name": address.caller, "role": "user"},
        "recipient": {"id": address.bot_id, "name": address.called, "role": "bot"},
        "conversation": {"id": address.conversation_id},
        "locale": address.locale,
        **fields,
    }


def call_placed(address: CallAddress) -> Activity:
    """The `conversationUpdate` that starts a call, with the caller added."""
    return _base(
        address, "conversationUpdate", membersAdded=[{"id": address.caller, "name": address.caller}]
    )


def key_press(address: CallAddress, key: str) -> Activity:
    """One DTMF key: its own message, `text` the key, a DTMF entity."""
    return _base(address, "message", text=key, entities=[{"type": DTMF_ENTITY_TYPE}])


def speech(address: CallAddress, text: str) -> Activity:
    """What the caller said, as recognised text."""
    return _base(address, "message", text=text)


def command_result(
    address: CallAddress, command: RecordingCommand, command_id: str, refusal: Refusal | None
) -> Activity:
    """The channel's answer to a recording command; `error` only on failure."""
    value: dict[str, Any] = {"commandId": command_id, "data": None}
    if refusal is not None:
        value["error"] = refusal.to_json()
    return _base(address, COMMAND_RESULT_ACTIVITY, name=command.value, value=value)


def handoff_failed(address: CallAddress, message: str) -> Activity:
    return _base(address, "event", name=HANDOFF_STATUS, value={"state": HANDOFF_FAILED, "message": message})


def end_of_conversation(address: CallAddress, code: str) -> Activity:
    return _base(address, "endOfConversation", code=code)
