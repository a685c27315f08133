"""A menu task that is not offered yet: says so and returns to the menu."""

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from .outcomes import StepOutcome
from .prompts import Prompts


class NotYetAvailableDialog(Dialog):
    def __init__(self, dialog_id: str, prompts: Prompts):
        super().__init__(dialog_id)
        self.prompts = prompts

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        await dc.context.send_activity(self.prompts.not_yet_available())
        return await dc.end_dialog(StepOutcome.DONE)
