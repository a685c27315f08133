"""Names and values the Telephony channel puts on the wire.

One place for every string the channel and the bot exchange, so the bot, the
simulator and the tests cannot drift apart.
"""

from __future__ import annotations

from enum import Enum

TELEPHONY_CHANNEL = "telephony"

DTMF_ENTITY_TYPE = "DTMF"
DTMF_KEYS = frozenset("0123456789*#")

COMMAND_ACTIVITY = "command"
COMMAND_RESULT_ACTIVITY = "commandResult"

HANDOFF_INITIATE = "handoff.initiate"
HANDOFF_STATUS = "handoff.status"
HANDOFF_TARGET_KEY = "TargetPhoneNumber"
HANDOFF_FAILED = "failed"

BREAK_LIMIT_MS = 5000


class RecordingCommand(str, Enum):
    """The recording commands, by their activity `name`."""

    START = "channel/vnd.microsoft.telephony.recording.start"
    PAUSE = "channel/vnd.microsoft.telephony.recording.pause"
    RESUME = "channel/vnd.microsoft.telephony.recording.resume"
    STOP = "channel/vnd.microsoft.telephony.recording.stop"


class ChannelError(str, Enum):
    """Error messages the channel documents for refused recording commands."""

    ALREADY_IN_PROGRESS = "Recording is already in progress"
    NOT_STARTED = "Recording has not started"


class InputHint(str, Enum):
    """Barge-in control per message, including the two telephony-only hints."""

    ACCEPTING = "acceptingInput"
    EXPECTING = "expectingInput"
    IGNORING = "ignoringInput"
    IGNORING_NON_SPEECH = "ignoringNonSpeechInput"
    IGNORING_SPEECH = "ignoringSpeechInput"
