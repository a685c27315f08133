"""Goodbye and hang up (docs/call-flow.md, section 7)."""

from __future__ import annotations

from telephony import StepOutcome, hang_up_activity
from telephony.sdk import Dialog, DialogContext, DialogTurnResult

from .dependencies import CallDependencies

GOODBYE_DIALOG = "goodbye"


class GoodbyeDialog(Dialog):
    allows_interruptions = False

    def __init__(self, deps: CallDependencies):
        super().__init__(GOODBYE_DIALOG)
        self.deps = deps

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        await dc.context.send_activity(self.deps.prompts.goodbye())
        await self.deps.policy.before_hang_up(dc.context)
        await dc.context.send_activity(hang_up_activity())
        return await dc.end_dialog(StepOutcome.CALL_ENDED)
