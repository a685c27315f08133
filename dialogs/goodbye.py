"""Goodbye and hang up (call flow section 7)."""

from __future__ import annotations

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from telephony.call_control import hang_up_activity
from telephony.recording import Goal

from .dependencies import CallDependencies
from .outcomes import StepOutcome

GOODBYE_DIALOG = "goodbye"


class GoodbyeDialog(Dialog):
    allows_interruptions = False

    def __init__(self, deps: CallDependencies):
        super().__init__(GOODBYE_DIALOG)
        self.deps = deps

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        await dc.context.send_activity(self.deps.prompts.goodbye())
        if self.deps.config.STOP_RECORDING_ON_HANGUP:
            await self.deps.recorder.request(dc.context, Goal.STOPPED)
        await dc.context.send_activity(hang_up_activity())
        return await dc.end_dialog(StepOutcome.CALL_ENDED)
