"""A dialog step that changes the recording and waits for the channel's answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ._bot import command_result_of
from ._observer import observe
from ._recorder import CallRecorder
from ._recording import Goal, RecordingState
from ._timers import CallTimers, timer_token
from .sdk import (
    Activity,
    ActivityTypes,
    Dialog,
    DialogContext,
    DialogInstance,
    DialogReason,
    DialogTurnResult,
    TurnContext,
)

_TIMER = "timer"
_GOAL = "goal"

REACHED = {
    Goal.RECORDING: {RecordingState.RECORDING},
    Goal.PAUSED: {RecordingState.PAUSED},
    Goal.STOPPED: {RecordingState.STOPPED, RecordingState.OPTED_OUT},
}


@dataclass(frozen=True)
class RecordingStepOptions:
    goal: Goal
    #: Said right after the command is sent (e.g. the consent notice after start).
    then_say: Activity | None = None


@dataclass(frozen=True)
class RecordingStepResult:
    state: RecordingState
    reached: bool
    timed_out: bool = False
    #: False when no command was needed or possible, so nothing was waited for.
    waited: bool = True


class RecordingStepDialog(Dialog):
    """Sends the command towards a goal and waits for the result, or a timeout.

    Input that arrives meanwhile gets the hold prompt (if any) and is dropped.
    """

    def __init__(
        self,
        dialog_id: str,
        recorder: CallRecorder,
        timers: CallTimers,
        result_timeout_s: float,
        hold_prompt: Callable[[], Activity] | None = None,
    ):
        super().__init__(dialog_id)
        self.recorder = recorder
        self.timers = timers
        self.result_timeout_s = result_timeout_s
        self.hold_prompt = hold_prompt

    async def begin_dialog(self, dc: DialogContext, options: RecordingStepOptions | None = None) -> DialogTurnResult:
        if options is None:
            raise TypeError("RecordingStepDialog needs RecordingStepOptions")
        await self.recorder.request(dc.context, options.goal)
        if options.then_say is not None:
            await dc.context.send_activity(options.then_say)
        recording = await self.recorder.get(dc.context)
        if recording.in_flight is None:
            return await dc.end_dialog(self._result(options.goal, recording.state, waited=False))
        dc.active_dialog.state[_GOAL] = options.goal.value
        dc.active_dialog.state[_TIMER] = self.timers.arm(dc.context, self.result_timeout_s)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        goal = Goal(state[_GOAL])
        if command_result_of(dc.context) is not None:
            recording = await self.recorder.get(dc.context)
            if recording.in_flight is not None:
                return Dialog.end_of_turn  # a follow-up command is on its way
            return await dc.end_dialog(self._result(goal, recording.state))
        token = timer_token(dc.context)
        if token is not None:
            if token != state.get(_TIMER):
                return Dialog.end_of_turn
            state.pop(_TIMER)
            recording = await self.recorder.get(dc.context)
            waited_for = recording.in_flight
            if waited_for is not None:
                observe(dc.context, lambda observer: observer.recording_command_timed_out(dc.context, waited_for))
            return await dc.end_dialog(RecordingStepResult(recording.state, reached=False, timed_out=True))
        activity = dc.context.activity
        if activity.type == ActivityTypes.message and (activity.text or "").strip() and self.hold_prompt:
            await dc.context.send_activity(self.hold_prompt())
        return Dialog.end_of_turn

    async def end_dialog(self, context: TurnContext, instance: DialogInstance, reason: DialogReason) -> None:
        if instance.state.get(_TIMER):
            self.timers.cancel(context.activity.conversation.id)

    @staticmethod
    def _result(goal: Goal, state: RecordingState, waited: bool = True) -> RecordingStepResult:
        return RecordingStepResult(state, reached=state in REACHED[goal], waited=waited)
