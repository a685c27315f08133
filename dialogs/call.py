"""The whole call: connect and start recording, then the menu (sections 1 and 8).

Global words are handled here, before the active step sees the input: `*` or
"stop recording" opts out of recording, "agent" transfers and "goodbye" hangs
up, from anywhere except a step that refuses interruptions (card entry, a
transfer in progress, hanging up).
"""

from __future__ import annotations

from botbuilder.dialogs import (
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import ActivityTypes

from telephony.caller_input import find_phrase
from telephony.dtmf import pressed_key
from telephony.recording import Goal
from telephony.recording_step import RecordingStepDialog, RecordingStepOptions, RecordingStepResult
from telephony.wire import TELEPHONY_CHANNEL

from .dependencies import CallDependencies
from .goodbye import GoodbyeDialog
from .main_menu import AGENT_WORDS, GOODBYE_WORDS, MAIN_MENU_DIALOG, MainMenuDialog, MenuChoiceValue, TaskDialogs
from .outcomes import StepOutcome
from .transfer import TransferDialog

CALL_DIALOG = "call"
RECORDING_STEP_DIALOG = "recording-step"
_CONNECT = "call.connect"

OPT_OUT_KEY = "*"
OPT_OUT_WORDS = ("stop recording", "do not record", "dont record")


class CallDialog(ComponentDialog):
    """Options: `{"menu": True}` skips the welcome and opens at the menu again."""

    def __init__(self, deps: CallDependencies, task_dialogs: TaskDialogs):
        super().__init__(CALL_DIALOG)
        self.deps = deps
        self.add_dialog(
            RecordingStepDialog(
                RECORDING_STEP_DIALOG,
                deps.recorder,
                deps.timers,
                deps.config.RECORDING_RESULT_TIMEOUT_S,
                hold_prompt=deps.prompts.one_moment,
            )
        )
        self.add_dialog(MainMenuDialog(deps, task_dialogs))
        self.add_dialog(TransferDialog(deps))
        self.add_dialog(GoodbyeDialog(deps))
        self.add_dialog(WaterfallDialog(_CONNECT, [self._start_recording, self._open_menu, self._finish]))
        self.initial_dialog_id = _CONNECT

    async def _start_recording(self, step: WaterfallStepContext) -> DialogTurnResult:
        if (step.options or {}).get("menu"):
            return await step.next(None)
        welcome = self.deps.prompts.welcome()
        if step.context.activity.channel_id != TELEPHONY_CHANNEL:
            await step.context.send_activity(welcome)
            return await step.next(None)
        return await step.begin_dialog(RECORDING_STEP_DIALOG, RecordingStepOptions(Goal.RECORDING, then_say=welcome))

    async def _open_menu(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: RecordingStepResult | None = step.result
        if result is not None and not result.reached:
            recording = await self.deps.recorder.get(step.context)
            if not recording.opted_out:
                await step.context.send_activity(self.deps.prompts.recording_failed())
        options = step.options or {}
        return await step.begin_dialog(MAIN_MENU_DIALOG, {"again": bool(options.get("menu")), "choice": options.get("choice")})

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(step.result or StepOutcome.CALL_ENDED)

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        interrupted = await self._interrupt(inner_dc)
        if interrupted is not None:
            return interrupted
        return await super().on_continue_dialog(inner_dc)

    async def _interrupt(self, inner_dc: DialogContext) -> DialogTurnResult | None:
        activity = inner_dc.context.activity
        if activity.type != ActivityTypes.message or not (activity.text or "").strip():
            return None
        if not _allows_interruptions(inner_dc):
            return None
        key = pressed_key(activity)
        if key == OPT_OUT_KEY or (key is None and find_phrase(activity.text, OPT_OUT_WORDS)):
            await self.deps.recorder.opt_out(inner_dc.context)
            await inner_dc.context.send_activity(self.deps.prompts.recording_stopped())
            await inner_dc.reprompt_dialog()
            return DialogTurnResult(DialogTurnStatus.Waiting)
        if key is not None:
            return None
        for words, choice in ((AGENT_WORDS, MenuChoiceValue.AGENT), (GOODBYE_WORDS, MenuChoiceValue.GOODBYE)):
            if find_phrase(activity.text, words):
                await inner_dc.cancel_all_dialogs()
                return await inner_dc.begin_dialog(_CONNECT, {"menu": True, "choice": choice.value})
        return None


def _allows_interruptions(dc: DialogContext) -> bool:
    """Whether the innermost active dialog lets global words through.

    botbuilder-python's `DialogContext.child` does not enter component dialogs,
    so the walk reads each component's own stack.
    """
    if dc.active_dialog is None:
        return True
    instance = dc.active_dialog
    scopes = [dc.find_dialog_sync]
    dialog = dc.find_dialog_sync(instance.id)
    while isinstance(dialog, ComponentDialog):
        inner = instance.state.get(ComponentDialog.persisted_dialog_state)
        if inner is None or not inner.dialog_stack:
            break
        scopes.insert(0, dialog._dialogs.find_dialog)  # noqa: SLF001 - no public sync lookup
        instance = inner.dialog_stack[0]
        dialog = next((d for d in (find(instance.id) for find in scopes) if d is not None), None)
    return getattr(dialog, "allows_interruptions", True)
