"""Hearing the balance (call flow section 4)."""

from __future__ import annotations

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from telephony.caller_input import InputResult, InputStatus

from .account import ACCOUNT_NUMBER_PROMPT, account_number_prompt
from .dependencies import CallDependencies
from .outcomes import StepOutcome
from .transfer import TRANSFER_DIALOG

BALANCE_DIALOG = "balance"
_STEPS = "balance.steps"


class BalanceDialog(ComponentDialog):
    """Account number, then the balance and due date. A caller who cannot give one is transferred."""

    def __init__(self, deps: CallDependencies):
        super().__init__(BALANCE_DIALOG)
        self.deps = deps
        self.add_dialog(account_number_prompt(deps))
        self.add_dialog(WaterfallDialog(_STEPS, [self._ask_account, self._tell_balance, self._finish]))
        self.initial_dialog_id = _STEPS

    async def _ask_account(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(ACCOUNT_NUMBER_PROMPT)

    async def _tell_balance(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is not InputStatus.RECOGNIZED:
            return await step.begin_dialog(TRANSFER_DIALOG)
        account = await self.deps.accounts.find(result.value)
        if account is None:  # the directory changed since the number was checked
            return await step.begin_dialog(TRANSFER_DIALOG)
        await step.context.send_activity(self.deps.prompts.balance(account.balance, account.due_date, account.currency))
        return await step.end_dialog(StepOutcome.DONE)

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(step.result)
