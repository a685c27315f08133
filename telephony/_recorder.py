"""Sends recording commands for a call, keeping its `Recording` in conversation state.

A command the channel refuses to take (an HTTP error when it is sent) is
applied as the channel's refusal of it, so the step that wanted it goes on at
once as after any refused command, instead of waiting for a result that will
never come.
"""

from __future__ import annotations

import logging

from ._commands import CommandResult, command_activity
from ._delivery import Undelivered
from ._observer import observe
from ._recording import Command, Goal, Outcome, Recording, RecordingState
from ._wire import TELEPHONY_CHANNEL
from .sdk import ConversationState, TurnContext

log = logging.getLogger(__name__)


class CallRecorder:
    """The bot's one way to control recording. A no-op off the phone."""

    def __init__(self, conversation_state: ConversationState, property_name: str = "recording"):
        self._property = conversation_state.create_property(property_name)

    async def get(self, context: TurnContext) -> Recording:
        return Recording.from_dict(await self._property.get(context, dict))

    async def request(self, context: TurnContext, goal: Goal) -> Command | None:
        """Aim for `goal`; sends the command that gets there, if the channel would accept one now."""
        return await self._change(context, lambda recording: recording.request(goal))

    async def restore(self, context: TurnContext, recording: Recording) -> None:
        """Put back a recording read earlier in the turn (after the call's state was reset)."""
        await self._property.set(context, recording.to_dict())

    async def opt_out(self, context: TurnContext) -> Command | None:
        return await self._change(context, Recording.opt_out)

    async def apply(self, context: TurnContext, result: CommandResult) -> Outcome:
        """Apply a channel result, and send the follow-up command it makes possible."""
        recording = await self.get(context)
        before = recording.state
        outcome = recording.apply(result)
        if not outcome.matched:
            log.info("Ignoring a %s result: no such command is pending", result.command.name.lower())
            return outcome
        await self._property.set(context, recording.to_dict())
        _report(context, before, recording.state, result)
        if outcome.send:
            await self._send(context, outcome.send)
        return outcome

    async def _change(self, context: TurnContext, change) -> Command | None:
        if context.activity.channel_id != TELEPHONY_CHANNEL:
            return None
        recording = await self.get(context)
        before = recording.state
        command = change(recording)
        await self._property.set(context, recording.to_dict())
        _report(context, before, recording.state, None)
        if command:
            await self._send(context, command)
        return command

    async def _send(self, context: TurnContext, command: Command) -> None:
        observe(context, lambda observer: observer.recording_command_sent(context, command.command, command.command_id))
        try:
            await context.send_activity(command_activity(command.command, command.command_id))
        except Undelivered as undelivered:
            if undelivered.failure.lost:
                raise  # the channel is gone, not just this command
            refusal = CommandResult(
                command.command,
                command.command_id,
                error_code=f"HTTP {undelivered.failure.status}",
                error_message="refused when sent",
            )
            await self.apply(context, refusal)  # logs the refusal


def _report(
    context: TurnContext, before: RecordingState, after: RecordingState, result: CommandResult | None
) -> None:
    if before is not after or result is not None:
        observe(context, lambda observer: observer.recording_changed(context, before, after, result))
