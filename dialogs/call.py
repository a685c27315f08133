"""The whole call: connect and start recording, then the menu (docs/call-flow.md, sections 1, 8 and 9).

Global words are handled here, before the active step sees the input: the
recording policy's opt-out (`*`, "stop recording") stops the recording, and
the main menu's agent and goodbye words transfer or hang up, from anywhere
except a step that refuses interruptions (card entry, a transfer in progress,
hanging up).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telephony import (
    Goal,
    Menu,
    RecordingStepDialog,
    RecordingStepOptions,
    RecordingStepResult,
    StepOutcome,
    TransferOptions,
    TransferReason,
    find_phrase,
    pressed_key,
)
from telephony.sdk import (
    ActivityTypes,
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)

from .dependencies import CallDependencies
from .goodbye import GoodbyeDialog
from .main_menu import MAIN_MENU, MAIN_MENU_DIALOG, MainMenuDialog, MenuOptions, global_options
from .transfer import TRANSFER_DIALOG, transfer_step

CALL_DIALOG = "call"
RECORDING_STEP_DIALOG = "recording-step"
_CONNECT = "call.connect"


class CallEntry(str, Enum):
    """Where a call's dialog begins."""

    WELCOME = "welcome"  # a new call: recording and the consent notice, then the menu
    MENU = "menu"  # back at the menu ("Is there anything else?")
    AFTER_ERROR = "after-error"  # the bot failed: apologise and transfer, then the menu if no agent answers


@dataclass(frozen=True)
class CallOptions:
    entry: CallEntry = CallEntry.WELCOME
    #: With `MENU`: a main menu row to act on at once (a global word said mid-task).
    choice: str | None = None


#: How the bot begins the call again after an unhandled error.
AFTER_ERROR = CallOptions(CallEntry.AFTER_ERROR)


class CallDialog(ComponentDialog):
    """The call, around the main menu `menu` (the sample's `MAIN_MENU` unless a fork passes its own)."""

    def __init__(self, deps: CallDependencies, menu: Menu = MAIN_MENU):
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
        self.add_dialog(MainMenuDialog(deps, menu))
        self.add_dialog(transfer_step(deps))
        self.add_dialog(GoodbyeDialog(deps))
        self.add_dialog(WaterfallDialog(_CONNECT, [self._connect, self._open_menu, self._finish]))
        self.initial_dialog_id = _CONNECT
        self.global_options = global_options(menu)

    async def _connect(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: CallOptions = step.options or CallOptions()
        if options.entry is CallEntry.MENU:
            return await step.next(None)
        if options.entry is CallEntry.AFTER_ERROR:
            return await step.begin_dialog(TRANSFER_DIALOG, TransferOptions(TransferReason.ERROR))
        welcome = self.deps.prompts.welcome()
        if not self.deps.policy.starts_recording(step.context):
            await step.context.send_activity(welcome)
            return await step.next(None)
        return await step.begin_dialog(RECORDING_STEP_DIALOG, RecordingStepOptions(Goal.RECORDING, then_say=welcome))

    async def _open_menu(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is StepOutcome.CALL_ENDED:
            return await step.end_dialog(StepOutcome.CALL_ENDED)
        if isinstance(step.result, RecordingStepResult) and not step.result.reached:
            recording = await self.deps.recorder.get(step.context)
            if not recording.opted_out:
                await step.context.send_activity(self.deps.prompts.recording_failed())
        options: CallOptions = step.options or CallOptions()
        again = options.entry is not CallEntry.WELCOME
        return await step.begin_dialog(MAIN_MENU_DIALOG, MenuOptions(again=again, choice=options.choice))

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
        if self.deps.policy.is_opt_out(activity):
            await self.deps.policy.opt_out(inner_dc.context)
            await inner_dc.context.send_activity(self.deps.prompts.recording_stopped())
            await inner_dc.reprompt_dialog()
            return DialogTurnResult(DialogTurnStatus.Waiting)
        if pressed_key(activity) is not None:
            return None  # keys belong to the step that asked for them
        for option in self.global_options:
            if find_phrase(activity.text, option.synonyms):
                await inner_dc.cancel_all_dialogs()
                return await inner_dc.begin_dialog(_CONNECT, CallOptions(CallEntry.MENU, choice=option.name))
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
