"""What Call Automation and Event Grid post to the bridge, as typed values.

Mid-call events come to the call's callback URL as CloudEvents; an incoming call
comes through Event Grid. Both are read with `inbound.event_grid`; this module
checks the fields the bridge uses and nothing else. A field of the wrong type
raises `MalformedEvents` (the webhook answers 400); an event type the bridge has
no use for is counted as ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from inbound.event_grid import MalformedEvents, ReceivedEvent

INCOMING_CALL = "Microsoft.Communication.IncomingCall"

# DtmfTone names, as the caller's keys.
TONE_KEYS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "asterisk": "*", "pound": "#",
}  # fmt: skip
# Tones no phone keypad has: they count in the sequence but reach no bot.
SILENT_TONES = frozenset("abcd")


class CallEventType(str, Enum):
    """The mid-call events the bridge acts on."""

    CALL_CONNECTED = "Microsoft.Communication.CallConnected"
    CALL_DISCONNECTED = "Microsoft.Communication.CallDisconnected"
    PLAY_COMPLETED = "Microsoft.Communication.PlayCompleted"
    PLAY_FAILED = "Microsoft.Communication.PlayFailed"
    PLAY_CANCELED = "Microsoft.Communication.PlayCanceled"
    RECOGNIZE_COMPLETED = "Microsoft.Communication.RecognizeCompleted"
    RECOGNIZE_FAILED = "Microsoft.Communication.RecognizeFailed"
    RECOGNIZE_CANCELED = "Microsoft.Communication.RecognizeCanceled"
    TONE_RECEIVED = "Microsoft.Communication.ContinuousDtmfRecognitionToneReceived"
    TONE_FAILED = "Microsoft.Communication.ContinuousDtmfRecognitionToneFailed"
    TRANSFER_ACCEPTED = "Microsoft.Communication.CallTransferAccepted"
    TRANSFER_FAILED = "Microsoft.Communication.CallTransferFailed"
    RECORDING_STATE_CHANGED = "Microsoft.Communication.RecordingStateChanged"

    @property
    def ends_a_play(self) -> bool:
        return self in (CallEventType.PLAY_COMPLETED, CallEventType.PLAY_FAILED, CallEventType.PLAY_CANCELED)

    @property
    def ends_listening(self) -> bool:
        return self in (
            CallEventType.RECOGNIZE_COMPLETED, CallEventType.RECOGNIZE_FAILED, CallEventType.RECOGNIZE_CANCELED
        )


# Events ACS sends that the bridge has no use for: accepted without a log line.
QUIET_EVENTS = frozenset(
    "Microsoft.Communication." + name
    for name in ("ParticipantsUpdated", "PlayStarted", "ContinuousDtmfRecognitionStopped", "CallStateChanged")
)


@dataclass(frozen=True)
class ResultInformation:
    code: int | None
    sub_code: int | None
    message: str


@dataclass(frozen=True)
class CallEvent:
    """One mid-call event, with the fields its type carries."""

    type: CallEventType
    call_connection_id: str
    time: datetime
    server_call_id: str | None = None
    operation_context: str | None = None
    result: ResultInformation | None = None
    key: str | None = None  # TONE_RECEIVED; None for a tone no keypad has
    sequence_id: int | None = None  # TONE_RECEIVED
    speech: str | None = None  # RECOGNIZE_COMPLETED
    recording_id: str | None = None  # RECORDING_STATE_CHANGED
    recording_active: bool | None = None  # RECORDING_STATE_CHANGED

    @property
    def failure(self) -> str:
        """The event's result as a log-safe line: code, sub-code and message."""
        result = self.result or ResultInformation(None, None, "")
        return f"{result.code}/{result.sub_code} {result.message}".strip()


@dataclass(frozen=True)
class IncomingCall:
    """A call to one of the resource's numbers, waiting to be answered."""

    incoming_call_context: str
    caller: str  # E.164 for a phone caller, else the caller's raw id
    caller_raw_id: str
    called: str
    server_call_id: str | None
    correlation_id: str | None


def read_call_event(event: ReceivedEvent) -> CallEvent | None:
    """The event as a `CallEvent`, or None when the bridge does not act on its type."""
    try:
        event_type = CallEventType(event.type)
    except ValueError:
        return None
    data = _object(event.data, "data")
    fields: dict[str, Any] = {
        "type": event_type,
        "call_connection_id": _text(data, "callConnectionId"),
        "time": event.time,
        "server_call_id": _optional_text(data, "serverCallId"),
        "operation_context": _optional_text(data, "operationContext"),
        "result": _result(data.get("resultInformation")),
    }
    if event_type is CallEventType.TONE_RECEIVED:
        tone = _text(data, "tone").lower()
        if tone not in TONE_KEYS and tone not in SILENT_TONES:
            raise MalformedEvents(f"unknown DTMF tone {tone[:16]!r}")
        fields["key"] = TONE_KEYS.get(tone)
        fields["sequence_id"] = _whole_number(data, "sequenceId")
    elif event_type is CallEventType.RECOGNIZE_COMPLETED:
        speech = data.get("speechResult")
        fields["speech"] = _text(speech, "speech") if isinstance(speech, dict) else None
    elif event_type is CallEventType.RECORDING_STATE_CHANGED:
        fields["recording_id"] = _text(data, "recordingId")
        state = _text(data, "state")
        if state not in ("active", "inactive"):
            raise MalformedEvents(f"unknown recording state {state[:16]!r}")
        fields["recording_active"] = state == "active"
    return CallEvent(**fields)


def read_incoming_call(event: ReceivedEvent) -> IncomingCall:
    data = _object(event.data, "data")
    return IncomingCall(
        incoming_call_context=_text(data, "incomingCallContext"),
        caller=_party(data, "from"),
        caller_raw_id=_text(_object(data.get("from"), "from"), "rawId"),
        called=_party(data, "to"),
        server_call_id=_optional_text(data, "serverCallId"),
        correlation_id=_optional_text(data, "correlationId"),
    )


def _party(data: dict[str, Any], name: str) -> str:
    """A phone number (`phoneNumber.value`), else the identifier's `rawId`."""
    party = _object(data.get(name), name)
    phone = party.get("phoneNumber")
    if isinstance(phone, dict) and isinstance(phone.get("value"), str) and phone["value"]:
        return phone["value"]
    raw_id = _text(party, "rawId")
    return raw_id[2:] if raw_id.startswith("4:") else raw_id


def _result(value: Any) -> ResultInformation | None:
    if value is None:
        return None
    result = _object(value, "resultInformation")
    code, sub_code, message = result.get("code"), result.get("subCode"), result.get("message", "")
    if not all(isinstance(n, int) or n is None for n in (code, sub_code)) or not isinstance(message, str):
        raise MalformedEvents("resultInformation has fields of the wrong type")
    return ResultInformation(code, sub_code, message)


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedEvents(f"{name} must be an object")
    return value


def _text(data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise MalformedEvents(f"{name} must be a non-empty string")
    return value


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedEvents(f"{name} must be a string")
    return value or None


def _whole_number(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedEvents(f"{name} must be a whole number")
    return value
