"""Running a step with the recording paused: card details, and anything like them.

The order is the point:

1. on a chat (anything not known to be a phone) the inner step never runs: a
   transcript cannot be paused, so the result says `secured=False`;
2. if the recording may be capturing, say so (`pausing_prompt`), send
   `recording.pause` and wait for the channel's answer;
3. if the recording may still be capturing (refused, no answer), the inner
   step never runs: the result says `secured=False` and the parent decides
   (usually "I can't secure this call" and a transfer);
4. the inner step runs, begun with the options this step was begun with;
5. `recording.resume` and the wait for its answer, whatever it is, so what
   the parent says next (the payment's outcome) is on the recording. An inner
   step that ended EXHAUSTED is the exception: the caller is about to be
   transferred, and the transfer's own rules decide about the recording.

Nothing the caller enters is kept in clear between turns. Every
`DigitsPrompt` inside without a `Sealer` of its own seals its held keys with
this step's, and the inner step's result waits for the resume sealed, as its
`ResultSeal` writes it: a step whose result has no `ResultSeal` is refused
when the bot is built. What a custom inner step keeps in its own state
between turns, it seals itself (as the payment's card entry does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ._channels import is_phone
from ._digits import DigitsPrompt
from ._observer import observe
from ._recorder import CallRecorder
from ._recording import Goal
from ._recording_step import RecordingStepDialog, RecordingStepOptions, RecordingStepResult
from ._result_seal import ResultSeal
from ._sealed import Sealer
from ._status import InputResult, InputStatus
from ._timers import CallTimers
from .sdk import Activity, ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

_RESULT = "result"  # the inner step's result, sealed, while the recording resumes


@dataclass(frozen=True)
class SecureResult:
    """`secured` is False when the inner step did not run; `result` is what it ended with."""

    secured: bool
    result: Any = field(default=None, repr=False)


class SecureStep(ComponentDialog):
    """Runs `inner` only on a phone, and only while the bot knows nothing is being recorded.

    `sealer` seals what crosses turns; `result_seal` says how `inner`'s result
    is written for it (default: the one `inner` declares as `result_seal`).
    Raises TypeError without a `Sealer`, ValueError when `inner`'s result
    cannot be sealed: both at start-up, not in a call.
    """

    def __init__(
        self,
        dialog_id: str,
        inner: Dialog,
        *,
        recorder: CallRecorder,
        timers: CallTimers,
        result_timeout_s: float,
        pausing_prompt: Callable[[], Activity],
        sealer: Sealer,
        hold_prompt: Callable[[], Activity] | None = None,
        result_seal: ResultSeal | None = None,
    ):
        super().__init__(dialog_id)
        if not isinstance(sealer, Sealer):
            raise TypeError(f"SecureStep {dialog_id!r} needs a Sealer: what the caller enters crosses turns sealed")
        self.result_seal = result_seal or getattr(inner, "result_seal", None)
        if not isinstance(self.result_seal, ResultSeal):
            raise ValueError(
                f"SecureStep {dialog_id!r} cannot seal what {inner.id!r} returns: pass result_seal=ResultSeal(...) "
                "saying how that result becomes text and back, or declare `result_seal` on its dialog class"
            )
        self.sealer = sealer
        for prompt in _digits_prompts(inner):
            prompt.sealer = prompt.sealer or sealer
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
        if not is_phone(step.context):
            return await self._refuse(step)
        recording = await self.recorder.get(step.context)
        if not recording.may_be_capturing:
            return await step.next(None)  # not recording (opted out, failed): nothing to pause
        await step.context.send_activity(self.pausing_prompt())
        return await step.begin_dialog(self._recording_id, RecordingStepOptions(Goal.PAUSED))

    async def _run(self, step: WaterfallStepContext) -> DialogTurnResult:
        paused: RecordingStepResult | None = step.result
        recording = await self.recorder.get(step.context)
        if recording.may_be_capturing:
            return await self._refuse(step)
        observe(step.context, lambda observer: observer.secure_step(step.context, self.id, True))
        step.values["paused"] = paused is not None and paused.reached
        return await step.begin_dialog(self.inner_id, step.options)

    async def _resume(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values[_RESULT] = self.sealer.seal(self.result_seal.to_text(step.result), _context(step))
        transferring = isinstance(step.result, InputResult) and step.result.status is InputStatus.EXHAUSTED
        if not step.values["paused"] or transferring:
            return await step.next(None)
        return await step.begin_dialog(self._recording_id, RecordingStepOptions(Goal.RECORDING))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        result = self.result_seal.from_text(self.sealer.open(step.values.pop(_RESULT), _context(step)))
        return await step.end_dialog(SecureResult(secured=True, result=result))

    async def _refuse(self, step: WaterfallStepContext) -> DialogTurnResult:
        observe(step.context, lambda observer: observer.secure_step(step.context, self.id, False))
        return await step.end_dialog(SecureResult(secured=False))


def _digits_prompts(dialog: Dialog) -> Iterator[DigitsPrompt]:
    """`dialog` and every dialog inside it, through component dialogs, that is a `DigitsPrompt`."""
    if isinstance(dialog, DigitsPrompt):
        yield dialog
    if isinstance(dialog, ComponentDialog):
        for inner in dialog._dialogs._dialogs.values():  # noqa: SLF001 - botbuilder offers no way to list them
            yield from _digits_prompts(inner)


def _context(step: WaterfallStepContext) -> str:
    return step.context.activity.conversation.id
