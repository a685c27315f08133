"""A fork's own secure step, built only from public parts: a bank account number with the recording paused.

What README's "Make it yours" describes, as a fork writes it: a keypad-only
`DigitsPrompt` (its words from `Prompts.keypad_only`, no global words while it
waits) inside `SecureStep`, the step's own words for pausing and for "cannot
secure this", a transfer when the pause fails, and its outcome reported by name
for telemetry to count. Nothing in `telephony/`, `dialogs/prompts.py` or
`telemetry/` changes for it.
"""

from __future__ import annotations

from enum import Enum

from dialogs.main_menu import MenuAction
from dialogs.transfer import transfer
from telephony import (
    DigitsPrompt,
    InputResult,
    InputStatus,
    Menu,
    MenuOption,
    SecureResult,
    SecureStep,
    StepOutcome,
    TransferReason,
    observe,
)
from telephony.sdk import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

BANK_ACCOUNT = "bank-account"
DETAILS = "your bank account number"
ENTER_ACCOUNT = "Please enter your bank account number, then press pound."
ACCOUNT_INVALID = "That account number isn't valid."
THANKS = "Thank you. The payment will be taken from that account."
CANCEL_KEY = "*"


class BankAccountResult(str, Enum):
    """How the step ended, as it reports it (`ivr.step.outcomes`, `ivr.step` = "bank-account")."""

    TAKEN = "taken"
    CANCELLED = "cancelled"
    GAVE_UP = "gave-up"
    UNSECURED = "unsecured"


class BankAccountDialog(ComponentDialog):
    """The account number with the recording paused, then thanks; `*` cancels."""

    #: Keys only; a subclass may allow spoken digits (their text is sealed all the same).
    keypad_only = True

    def __init__(self, deps):
        super().__init__(BANK_ACCOUNT)
        self.deps = deps
        prompts = deps.prompts
        entry = DigitsPrompt(
            f"{BANK_ACCOUNT}.number",
            deps.timers,
            deps.input_policy,
            prompts.keypad_only(ENTER_ACCOUNT, ACCOUNT_INVALID),
            deps.digit_spec(min_length=8, max_length=12, terminator="#", cancel_key=CANCEL_KEY),
            keypad_only=self.keypad_only,
            use_keypad=prompts.use_keypad,
            allows_interruptions=False,
        )
        self.add_dialog(
            SecureStep(
                f"{BANK_ACCOUNT}.secure",
                entry,
                recorder=deps.recorder,
                timers=deps.timers,
                result_timeout_s=deps.config.RECORDING_RESULT_TIMEOUT_S,
                pausing_prompt=lambda: prompts.pausing_for(DETAILS),
                sealer=deps.sealer,
                hold_prompt=prompts.one_moment,
            )
        )
        self.add_dialog(WaterfallDialog(f"{BANK_ACCOUNT}.steps", [self._ask, self._thank]))
        self.initial_dialog_id = f"{BANK_ACCOUNT}.steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(f"{BANK_ACCOUNT}.secure")

    async def _thank(self, step: WaterfallStepContext) -> DialogTurnResult:
        secure: SecureResult = step.result
        if not secure.secured:
            _report(step, BankAccountResult.UNSECURED)
            await step.context.send_activity(self.deps.prompts.cannot_secure(DETAILS))
            return await transfer(step, TransferReason.UNSECURED)
        entry: InputResult = secure.result
        if entry.status is InputStatus.EXHAUSTED:
            _report(step, BankAccountResult.GAVE_UP)
            return await transfer(step, TransferReason.MISSES)
        if not entry.recognized:
            _report(step, BankAccountResult.CANCELLED)
            return await step.end_dialog(StepOutcome.DONE)
        _report(step, BankAccountResult.TAKEN)
        await step.context.send_activity(self.deps.prompts.say(THANKS))
        return await step.end_dialog(StepOutcome.DONE)


def _report(step: WaterfallStepContext, result: BankAccountResult) -> None:
    observe(step.context, lambda observer: observer.outcome(step.context, BANK_ACCOUNT, result.value))


def bank_menu(step: type = BankAccountDialog) -> Menu:
    """The fork's menu, in a table of its own: the sample's rows may be anything."""
    return Menu(
        MenuOption("bank", "3", "To pay from a bank account, press 3.", ("bank",), step=step),
        MenuOption("agent", "0", "To speak with an agent, press 0.", ("agent",), step=MenuAction.TRANSFER),
        MenuOption("goodbye", None, "", ("goodbye",), step=MenuAction.GOODBYE),
    )
