"""The channel's recording rules, as a table: how the channel answers each command.

Each (state, command) pair either moves the recording to a new state or is
refused with the error the channel answers. The documented messages come from
`ChannelError`; the channel refuses pause-when-paused and resume-when-recording
too but documents no wording, so those two messages are this library's own.
The local channel simulator and `telephony.testing.FakeChannel` both answer
by this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ._wire import ChannelError, RecordingCommand


class ChannelRecordingState(str, Enum):
    """Where the call's recording is, as the channel sees it. STOPPED also covers "never started"."""

    STOPPED = "stopped"
    RECORDING = "recording"
    PAUSED = "paused"


class UndocumentedError(str, Enum):
    """Refusals the channel makes without documenting their wording."""

    ALREADY_PAUSED = "Recording is already paused"
    NOT_PAUSED = "Recording is not paused"


@dataclass(frozen=True)
class Refusal:
    """An error the channel puts in a failed `commandResult`."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


ALREADY_IN_PROGRESS = Refusal("RecordingAlreadyInProgress", ChannelError.ALREADY_IN_PROGRESS.value)
NOT_STARTED = Refusal("RecordingNotStarted", ChannelError.NOT_STARTED.value)
ALREADY_PAUSED = Refusal("RecordingAlreadyPaused", UndocumentedError.ALREADY_PAUSED.value)
NOT_PAUSED = Refusal("RecordingNotPaused", UndocumentedError.NOT_PAUSED.value)

_S = ChannelRecordingState
_C = RecordingCommand

CHANNEL_RULES: dict[tuple[ChannelRecordingState, RecordingCommand], ChannelRecordingState | Refusal] = {
    (_S.STOPPED, _C.START): _S.RECORDING,
    (_S.STOPPED, _C.PAUSE): NOT_STARTED,
    (_S.STOPPED, _C.RESUME): NOT_STARTED,
    (_S.STOPPED, _C.STOP): NOT_STARTED,
    (_S.RECORDING, _C.START): ALREADY_IN_PROGRESS,
    (_S.RECORDING, _C.PAUSE): _S.PAUSED,
    (_S.RECORDING, _C.RESUME): NOT_PAUSED,
    (_S.RECORDING, _C.STOP): _S.STOPPED,
    (_S.PAUSED, _C.START): ALREADY_IN_PROGRESS,
    (_S.PAUSED, _C.PAUSE): ALREADY_PAUSED,
    (_S.PAUSED, _C.RESUME): _S.RECORDING,
    (_S.PAUSED, _C.STOP): _S.STOPPED,
}


def channel_answer(state: ChannelRecordingState, command: RecordingCommand) -> ChannelRecordingState | Refusal:
    """The state after `command`, or the channel's refusal."""
    return CHANNEL_RULES[(state, command)]
