"""Hearing the balance (docs/call-flow.md, section 4)."""

from __future__ import annotations

from telephony import InputResult, StepOutcome, TransferReason
from telephony.sdk import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from .account import ACCOUNT_NUMBER_PROMPT, account_number_prompt
from .dependencies import CallDependencies
from .transfer import transfer

BALANCE_DIALOG = "balance"
_STEPS = "balance.steps"


class BalanceDialog(ComponentDialog):
    """Account number, then the balance and due date. A caller who cannot give one is transferred."""

    def __init__(self, deps: CallDependencies):
        super().__init__(BALANCE_DIALOG)
        self.deps = deps
        self.add_dialog(account_number_prompt(deps))
        self.add_dialog(WaterfallDialog(_STEPS, [self._ask_account, self._tell_balance]))
        self.initial_dialog_id = _STEPS

    async def _ask_account(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(ACCOUNT_NUMBER_PROMPT)

    async def _tell_balance(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        account = await self.deps.accounts.find(result.value) if result.recognized else None
        if account is None:  # out of tries, or the directory changed since the number was checked
            return await transfer(step, TransferReason.MISSES)
        await step.context.send_activity(self.deps.prompts.balance(account.balance, account.due_date, account.currency))
        return await step.end_dialog(StepOutcome.DONE)
