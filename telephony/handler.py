"""An `ActivityHandler` that understands the Telephony channel.

botbuilder-python 4.17 routes `commandResult` activities to
`on_unrecognized_activity_type` and knows nothing of `handoff.status`. This
handler turns them into hooks, keeps the recording state machine up to date
before any hook runs, and makes the end of a call safe to receive twice or
never.
"""

from __future__ import annotations

from botbuilder.core import ActivityHandler, TurnContext

from .call_control import HandoffStatus, parse_handoff_status
from .commands import CommandResult, parse_command_result
from .recorder import CallRecorder
from .timers import timer_token
from .wire import COMMAND_RESULT_ACTIVITY, RecordingCommand

COMMAND_RESULT_KEY = "telephony.commandResult"


class TelephonyActivityHandler(ActivityHandler):
    def __init__(self, recorder: CallRecorder):
        self.recorder = recorder

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        if turn_context.activity.type == COMMAND_RESULT_ACTIVITY:
            await self.on_command_result_activity(turn_context)

    async def on_command_result_activity(self, turn_context: TurnContext) -> None:
        """Apply the result to the recording, then call the matching hook.

        Results for commands that are not pending (wrong name, duplicates, late
        repeats) change nothing and call no hook.
        """
        result = parse_command_result(turn_context.activity)
        if result is None:
            return
        outcome = await self.recorder.apply(turn_context, result)
        if not outcome.matched:
            return
        turn_context.turn_state[COMMAND_RESULT_KEY] = result
        hooks = {
            RecordingCommand.START: self.on_recording_started,
            RecordingCommand.PAUSE: self.on_recording_paused,
            RecordingCommand.RESUME: self.on_recording_resumed,
            RecordingCommand.STOP: self.on_recording_stopped,
        }
        await hooks[result.command](turn_context, result)

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        status = parse_handoff_status(turn_context.activity)
        if status is not None:
            await self.on_handoff_status(turn_context, status)
            return
        token = timer_token(turn_context)
        if token is not None:
            await self.on_timer(turn_context, token)
            return
        await super().on_event_activity(turn_context)

    async def on_end_of_conversation_activity(self, turn_context: TurnContext) -> None:
        await self.on_call_ended(turn_context)

    # ---- hooks: each gets the channel's answer; check `result.succeeded` ------
    async def on_recording_started(self, turn_context: TurnContext, result: CommandResult) -> None:
        """The answer to `recording.start`."""

    async def on_recording_paused(self, turn_context: TurnContext, result: CommandResult) -> None:
        """The answer to `recording.pause`."""

    async def on_recording_resumed(self, turn_context: TurnContext, result: CommandResult) -> None:
        """The answer to `recording.resume`."""

    async def on_recording_stopped(self, turn_context: TurnContext, result: CommandResult) -> None:
        """The answer to `recording.stop`."""

    async def on_handoff_status(self, turn_context: TurnContext, status: HandoffStatus) -> None:
        """A transfer's outcome; `status.failed` means the caller is still with the bot."""

    async def on_timer(self, turn_context: TurnContext, token: str) -> None:
        """A timer armed with `CallTimers.arm` fired; compare `token` with the one kept."""

    async def on_call_ended(self, turn_context: TurnContext) -> None:
        """The call is over (may arrive twice, or never). Release what the call holds."""


def command_result_of(turn_context: TurnContext) -> CommandResult | None:
    """The recording result this turn delivered, once applied."""
    return turn_context.turn_state.get(COMMAND_RESULT_KEY)
