"""Running a step with the recording paused: card details, and anything like them.

The order is the point:

1. if the recording may be capturing, say so (`pausing_prompt`), send
   `recording.pause` and wait for the channel's answer;
2. if the recording may still be capturing (refused, no answer), the inner
   step never runs: the result says `secured=False` and the parent decides
   (usually "I can't secure this call" and a transfer);
3. the inner step runs, begun with the options this step was begun with;
4. `recording.resume` and the wait for its answer, whatever it is, so what
   the parent says next (the payment's outcome) is on the recording. An inner
   step that ended EXHAUSTED is the exception: the caller is about to be
   transferred, and the transfer's own rules decide about the recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from botbuilder.dialogs import ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.schema import Activity

from ._observer import observe
from ._recorder import CallRecorder
from ._recording import Goal
from ._recording_step import RecordingStepDialog, RecordingStepOptions, RecordingStepResult
from ._status import InputResult, InputStatus
from ._timers import CallTimers


@dataclass(frozen=True)
class SecureResult:
    """`secured` is False when the inner step did not run; `result` is what it ended with."""

    secured: bool
    result: Any = field(default=None, repr=False)


class SecureStep(ComponentDialog):
    """Runs `inner` only while the bot knows nothing is being recorded."""

    def __init__(
        self,
        dialog_id: str,
        inner: Dialog,
        *,
        recorder: CallRecorder,
        timers: CallTimers,
        result_timeout_s: float,
        pausing_prompt: Callable[[], Activity],
        hold_prompt: Callable[[], Activity] | None = None,
    ):
        super().__init__(dialog_id)
        self.recorder = recorder
        self.inner_id = inner.id
        self.pausing_prompt = pausing_prompt
        self._recording_id = f"{dialog_id}.recording"
        self.add_dialog(inner)
        self.add_dialog(RecordingStepDialog(self._recording_id, recorder, timers, result_timeout_s, hold_prompt))
        steps = f"{dialog_id}.steps"
        self.add_dialog(WaterfallDialog(steps, [self._pause, self._run, self._resume, self._finish]))
        self.initial_dialog_id = steps

    async def _pause(self, step: WaterfallStepContext) -> DialogTurnResult:
        recording = await self.recorder.get(step.context)
        if not recording.may_be_capturing:
            return await step.next(None)  # not recording (opted out, failed, not a phone): nothing to pause
        await step.context.send_activity(self.pausing_prompt())
        return await step.begin_dialog(self._recording_id, RecordingStepOptions(Goal.PAUSED))

    async def _run(self, step: WaterfallStepContext) -> DialogTurnResult:
        paused: RecordingStepResult | None = step.result
        recording = await self.recorder.get(step.context)
        secured = not recording.may_be_capturing
        observe(step.context, lambda observer: observer.secure_step(step.context, self.id, secured))
        if not secured:
            return await step.end_dialog(SecureResult(secured=False))
        step.values["paused"] = paused is not None and paused.reached
        return await step.begin_dialog(self.inner_id, step.options)

    async def _resume(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["result"] = step.result
        transferring = isinstance(step.result, InputResult) and step.result.status is InputStatus.EXHAUSTED
        if not step.values["paused"] or transferring:
            return await step.next(None)
        return await step.begin_dialog(self._recording_id, RecordingStepOptions(Goal.RECORDING))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(SecureResult(secured=True, result=step.values.pop("result")))
