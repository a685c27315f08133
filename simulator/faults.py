"""Faults a test can inject into one call's channel behaviour.

The real channel has been seen to fail commands, answer late, never answer,
answer twice and answer with the wrong `commandId`; a transfer can fail or
never report back. Each fault applies to the next matching command only, so
a test states exactly which step goes wrong.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from enum import Enum

from telephony import RecordingCommand

from .rules import Refusal

INJECTED_FAILURE = Refusal("InternalServerError", "Recording could not be carried out")
DEFAULT_TRANSFER_FAILURE = "The call could not be transferred"


class FaultKind(str, Enum):
    FAIL = "fail"
    DELAY = "delay"
    NEVER_ANSWER = "never_answer"
    ANSWER_TWICE = "answer_twice"
    WRONG_COMMAND_ID = "wrong_command_id"


@dataclass(frozen=True)
class CommandFault:
    kind: FaultKind
    delay_s: float = 0.0
    refusal: Refusal = INJECTED_FAILURE


class TransferFault(str, Enum):
    FAIL = "fail"
    NO_STATUS = "no_status"


@dataclass(frozen=True)
class PlannedTransferFault:
    kind: TransferFault
    message: str = DEFAULT_TRANSFER_FAILURE


class FaultPlan:
    """Faults queued for one call, consumed in order per command."""

    def __init__(self) -> None:
        self._commands: dict[RecordingCommand, deque[CommandFault]] = defaultdict(deque)
        self._transfers: deque[PlannedTransferFault] = deque()

    def fail_next(self, command: RecordingCommand, refusal: Refusal = INJECTED_FAILURE) -> "FaultPlan":
        """Answer the next `command` with an error; the recording does not change."""
        return self._add(command, CommandFault(FaultKind.FAIL, refusal=refusal))

    def delay_next(self, command: RecordingCommand, seconds: float) -> "FaultPlan":
        """Answer the next `command` `seconds` late; it takes effect when answered."""
        return self._add(command, CommandFault(FaultKind.DELAY, delay_s=seconds))

    def never_answer_next(self, command: RecordingCommand) -> "FaultPlan":
        """Drop the next `command`: no result, and the recording does not change."""
        return self._add(command, CommandFault(FaultKind.NEVER_ANSWER))

    def answer_twice_next(self, command: RecordingCommand) -> "FaultPlan":
        """Carry out the next `command` once but send its result twice."""
        return self._add(command, CommandFault(FaultKind.ANSWER_TWICE))

    def wrong_id_next(self, command: RecordingCommand) -> "FaultPlan":
        """Answer the next `command` with a `commandId` that matches nothing."""
        return self._add(command, CommandFault(FaultKind.WRONG_COMMAND_ID))

    def fail_next_transfer(self, message: str = DEFAULT_TRANSFER_FAILURE) -> "FaultPlan":
        """Answer the next `handoff.initiate` with `handoff.status` failed."""
        self._transfers.append(PlannedTransferFault(TransferFault.FAIL, message))
        return self

    def no_status_next_transfer(self) -> "FaultPlan":
        """Let the next transfer neither happen nor report back."""
        self._transfers.append(PlannedTransferFault(TransferFault.NO_STATUS))
        return self

    def armed(self) -> list[tuple[RecordingCommand, CommandFault]]:
        """The command faults still waiting for their command, in the order they were queued."""
        return [(command, fault) for command, queue in self._commands.items() for fault in queue]

    def armed_transfers(self) -> list[PlannedTransferFault]:
        """The transfer faults still waiting for a transfer."""
        return list(self._transfers)

    def disarm(self) -> "FaultPlan":
        """Drop every fault not yet used, so the channel behaves normally again."""
        self._commands.clear()
        self._transfers.clear()
        return self

    def take(self, command: RecordingCommand) -> CommandFault | None:
        queue = self._commands[command]
        return queue.popleft() if queue else None

    def take_transfer(self) -> PlannedTransferFault | None:
        return self._transfers.popleft() if self._transfers else None

    def _add(self, command: RecordingCommand, fault: CommandFault) -> "FaultPlan":
        self._commands[RecordingCommand(command)].append(fault)
        return self
