"""The call recording's life, as the bot knows it.

The bot never guesses: its state moves only on results the channel sent. The
bot says what it wants (`request`), and the machine sends a command only when
the channel would accept it, one at a time. A command still in flight blocks
the next one; the wish is kept and acted on when the result arrives.

Why every failure lands where it does:
- start refused "already in progress": it is recording after all.
- start refused otherwise: recording failed; nothing more is sent this call.
- pause/resume/stop refused "has not started": nothing is being recorded.
- any other refusal: the command did nothing, so the state it left is still true.
- no result at all: the state stays in flight (unknown) and nothing more is
  sent; a late result is still applied.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ._commands import CommandResult
from ._wire import ChannelError, RecordingCommand

log = logging.getLogger(__name__)


class RecordingState(str, Enum):
    IDLE = "idle"
    STARTING = "starting"
    RECORDING = "recording"
    PAUSING = "pausing"
    PAUSED = "paused"
    RESUMING = "resuming"
    STOPPING = "stopping"
    STOPPED = "stopped"
    OPTED_OUT = "opted-out"
    FAILED = "failed"


class Goal(str, Enum):
    """What the bot wants the recording to be doing."""

    RECORDING = "recording"
    PAUSED = "paused"
    STOPPED = "stopped"


S = RecordingState

# The command that moves a settled state towards a goal. Missing: nothing to send.
# A stopped recording is never restarted: stop then start would make a second file.
COMMAND_TOWARDS: dict[tuple[RecordingState, Goal], RecordingCommand] = {
    (S.IDLE, Goal.RECORDING): RecordingCommand.START,
    (S.RECORDING, Goal.PAUSED): RecordingCommand.PAUSE,
    (S.RECORDING, Goal.STOPPED): RecordingCommand.STOP,
    (S.PAUSED, Goal.RECORDING): RecordingCommand.RESUME,
    (S.PAUSED, Goal.STOPPED): RecordingCommand.STOP,
}

IN_FLIGHT: dict[RecordingCommand, RecordingState] = {
    RecordingCommand.START: S.STARTING,
    RecordingCommand.PAUSE: S.PAUSING,
    RecordingCommand.RESUME: S.RESUMING,
    RecordingCommand.STOP: S.STOPPING,
}
COMMAND_IN_FLIGHT = {state: command for command, state in IN_FLIGHT.items()}

ON_SUCCESS: dict[RecordingState, RecordingState] = {
    S.STARTING: S.RECORDING,
    S.PAUSING: S.PAUSED,
    S.RESUMING: S.RECORDING,
    S.STOPPING: S.STOPPED,
}

# States in which audio is, or may be, going into the recording.
MAY_BE_CAPTURING = frozenset({S.STARTING, S.RECORDING, S.PAUSING, S.RESUMING, S.STOPPING})


@dataclass(frozen=True)
class Outcome:
    """What applying a channel result did."""

    matched: bool
    result: CommandResult | None = None
    send: "Command | None" = None


@dataclass(frozen=True)
class Command:
    """A command to send now, with the id the machine expects back."""

    command: RecordingCommand
    command_id: str


@dataclass
class Recording:
    """The recording of one call. Lives in conversation state as a small dict."""

    state: RecordingState = S.IDLE
    goal: Goal | None = None
    opted_out: bool = False
    command_id: str | None = None
    settled_before: RecordingState | None = None  # where an in-flight command started from

    # ---- what the bot wants ------------------------------------------------
    def request(self, goal: Goal) -> Command | None:
        """Aim for `goal`; returns the command to send now, if any."""
        if self.opted_out and goal is not Goal.STOPPED:
            return None
        self.goal = goal
        return self._advance()

    def opt_out(self) -> Command | None:
        """The caller asked not to be recorded: stop, and never record again."""
        self.opted_out = True
        self.goal = Goal.STOPPED
        return self._advance()

    # ---- what the channel says ---------------------------------------------
    def apply(self, result: CommandResult) -> Outcome:
        """Apply a `commandResult`. Results for nothing in flight are ignored."""
        in_flight = COMMAND_IN_FLIGHT.get(self.state)
        if in_flight is not result.command:
            return Outcome(matched=False, result=result)
        if result.command_id and self.command_id and result.command_id != self.command_id:
            log.warning("Recording result for %s carries an unexpected commandId; matched by name", in_flight.name)
        if result.succeeded:
            self.state = ON_SUCCESS[self.state]
        else:
            log.warning("Recording %s", result.describe())
            self.state = self._after_failure(result)
            self.goal = None  # never retry what the channel just refused
        self.command_id = None
        self.settled_before = None
        return Outcome(matched=True, result=result, send=self._advance())

    # ---- questions -----------------------------------------------------------
    @property
    def in_flight(self) -> RecordingCommand | None:
        return COMMAND_IN_FLIGHT.get(self.state)

    @property
    def may_be_capturing(self) -> bool:
        """True unless the bot knows for sure nothing is being recorded."""
        return self.state in MAY_BE_CAPTURING

    # ---- storage -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "goal": self.goal.value if self.goal else None,
            "opted_out": self.opted_out,
            "command_id": self.command_id,
            "settled_before": self.settled_before.value if self.settled_before else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Recording":
        if not data:
            return cls()
        return cls(
            state=RecordingState(data["state"]),
            goal=Goal(data["goal"]) if data.get("goal") else None,
            opted_out=bool(data.get("opted_out")),
            command_id=data.get("command_id"),
            settled_before=RecordingState(data["settled_before"]) if data.get("settled_before") else None,
        )

    # ---- internals -----------------------------------------------------------
    def _advance(self) -> Command | None:
        if self.in_flight is not None:
            return None
        if self.opted_out and self.state in (S.IDLE, S.STOPPED, S.FAILED):
            self.state = S.OPTED_OUT
        command = COMMAND_TOWARDS.get((self.state, self.goal)) if self.goal else None
        if command is None:
            return None
        self.settled_before = self.state
        self.state = IN_FLIGHT[command]
        self.command_id = str(uuid.uuid4())
        return Command(command, self.command_id)

    def _after_failure(self, result: CommandResult) -> RecordingState:
        message = (result.error_message or "").strip().lower()
        if message.startswith(ChannelError.ALREADY_IN_PROGRESS.value.lower()):
            return S.RECORDING if self.state is S.STARTING else self.settled_before or S.FAILED
        if message.startswith(ChannelError.NOT_STARTED.value.lower()) and self.state is not S.STARTING:
            return S.STOPPED
        if self.state is S.STARTING:
            return S.FAILED
        return self.settled_before or S.FAILED


