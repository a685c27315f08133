"""Recording commands and the channel's answers to them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ._wire import COMMAND_ACTIVITY, COMMAND_RESULT_ACTIVITY, RecordingCommand
from .sdk import Activity


def command_activity(command: RecordingCommand, command_id: str | None = None) -> Activity:
    """A recording command with a fresh `commandId` and no `data`."""
    return Activity(
        type=COMMAND_ACTIVITY,
        name=command.value,
        value={"commandId": command_id or str(uuid.uuid4())},
    )


@dataclass(frozen=True)
class CommandResult:
    """The channel's answer to a command. No `error` means success."""

    command: RecordingCommand
    command_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error_code is None and self.error_message is None

    def describe(self) -> str:
        """For logs: the command and, on failure, the channel's code and message."""
        outcome = "succeeded" if self.succeeded else f"failed ({self.error_code}: {self.error_message})"
        return f"{self.command.name.lower()} {outcome}"


def parse_command_result(activity: Activity) -> CommandResult | None:
    """Read a `commandResult` activity; None when it is not one we know.

    A result with no `value` at all counts as success, as the channel documents.
    """
    if activity.type != COMMAND_RESULT_ACTIVITY:
        return None
    try:
        command = RecordingCommand(activity.name)
    except ValueError:
        return None
    value = activity.value if isinstance(activity.value, dict) else {}
    error: Any = value.get("error")
    if error in (None, {}, ""):
        return CommandResult(command, _as_text(value.get("commandId")))
    if not isinstance(error, dict):
        error = {"message": error}
    return CommandResult(
        command,
        _as_text(value.get("commandId")),
        error_code=_as_text(error.get("code")) or "unknown",
        error_message=_as_text(error.get("message")) or "",
    )


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)
