"""Paying the balance by card, with the recording paused (call flow section 5).

The order is the point of this module:

1. the account and the offer to pay;
2. "I'm pausing the recording", `recording.pause`, and the wait for its result;
   if the recording may still be capturing (refused, no answer), no card digit
   is asked for: the caller is transferred;
3. card number, expiry, security code and confirmation, keys only, with no
   global words and `*` to cancel;
4. the charge;
5. `recording.resume` and the wait for its result, whatever it is;
6. only then the outcome, so that it is on the recording.

Card details cross turns only sealed (`deps.sealer`, bound to the conversation
id) and are dropped from state the moment the charge is done, the caller
cancels, or the caller is transferred. Hanging up forgets the whole call.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Callable

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from services.cards import (
    CARD_NUMBER_MAX_DIGITS,
    CARD_NUMBER_MIN_DIGITS,
    card_number_valid,
    expiry_valid,
    last_four,
    security_code_valid,
)
from services.payments import CardDetails, PaymentOutcome
from telephony.caller_input import InputResult, InputStatus, KeypadMenu, MenuChoice, PromptFor
from telephony.digits_prompt import DigitsPrompt, Validator
from telephony.recording import Goal
from telephony.recording_step import RecordingStepDialog, RecordingStepOptions, RecordingStepResult

from .account import ACCOUNT_NUMBER_PROMPT, account_number_prompt
from .dependencies import CallDependencies
from .outcomes import StepOutcome
from .transfer import TRANSFER_DIALOG

PAYMENT_DIALOG = "payment"

_PAY = "payment.steps"
_CARD = "payment.card"
_HANDOFF = "payment.handoff"
_OFFER = "payment.offer"
_RECORDING = "payment.recording"
_NUMBER = "payment.card-number"
_EXPIRY = "payment.card-expiry"
_CODE = "payment.security-code"
_CONFIRM = "payment.confirm"

_PAY_NOW, _GO_BACK = "pay", "back"
OFFER_CHOICES = (
    MenuChoice("1", _PAY_NOW, ("pay", "yes")),
    MenuChoice("2", _GO_BACK, ("back", "no")),
)
CANCEL_KEY = "*"
_CONFIRM_KEY, _REENTER_KEY = "1", "2"

# Where the card entry keeps its sealed values between turns.
_SEALED = ("number", "expiry", "code")


class PaymentDialog(ComponentDialog):
    """`today` is injectable so expiry checks can be tested on a fixed date."""

    def __init__(self, deps: CallDependencies, today: Callable[[], date] = date.today):
        super().__init__(PAYMENT_DIALOG)
        self.deps = deps
        self.today = today
        prompts = deps.prompts
        self.add_dialog(account_number_prompt(deps))
        self.add_dialog(KeypadMenu(_OFFER, deps.timers, deps.input_policy, prompts.pay_offer, OFFER_CHOICES))
        self.add_dialog(
            RecordingStepDialog(
                _RECORDING, deps.recorder, deps.timers, deps.config.RECORDING_RESULT_TIMEOUT_S, prompts.one_moment
            )
        )
        self.add_dialog(
            self._card_prompt(
                _NUMBER,
                prompts.card_number,
                min_length=CARD_NUMBER_MIN_DIGITS,
                max_length=CARD_NUMBER_MAX_DIGITS,
                terminator="#",
                validator=card_number_valid,
            )
        )
        self.add_dialog(
            self._card_prompt(
                _EXPIRY, prompts.card_expiry, length=4, validator=lambda mmyy: expiry_valid(mmyy, self.today())
            )
        )
        self.add_dialog(
            self._card_prompt(
                _CODE, prompts.security_code, min_length=3, max_length=4, terminator="#", validator=security_code_valid
            )
        )
        self.add_dialog(
            self._card_prompt(_CONFIRM, prompts.card_confirm, length=1, pattern=f"[{_CONFIRM_KEY}{_REENTER_KEY}]")
        )
        self.add_dialog(
            WaterfallDialog(
                _PAY,
                [self._ask_account, self._offer, self._pause_recording, self._take_card, self._resume, self._outcome],
            )
        )
        self.add_dialog(
            WaterfallDialog(
                _CARD, [self._card_number, self._card_expiry, self._security_code, self._confirm, self._charge]
            )
        )
        self.add_dialog(WaterfallDialog(_HANDOFF, [self._transfer, self._after_transfer]))
        self.initial_dialog_id = _PAY

    def _card_prompt(
        self, dialog_id: str, prompt_for: PromptFor, validator: Validator | None = None, **rules
    ) -> DigitsPrompt:
        prompt = DigitsPrompt(
            dialog_id,
            self.deps.timers,
            self.deps.input_policy,
            prompt_for,
            self.deps.digit_spec(cancel_key=CANCEL_KEY, **rules),
            validator=validator,
            keypad_only=True,
            use_keypad=self.deps.prompts.use_keypad,
            sealer=self.deps.sealer,
        )
        prompt.allows_interruptions = False  # card entry: no global words, `*` cancels
        return prompt

    # ---- the payment -------------------------------------------------------
    async def _ask_account(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(ACCOUNT_NUMBER_PROMPT)

    async def _offer(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        account = await self.deps.accounts.find(result.value) if result.status is InputStatus.RECOGNIZED else None
        if account is None:
            return await step.replace_dialog(_HANDOFF)
        if account.balance <= 0:
            await step.context.send_activity(
                self.deps.prompts.balance(account.balance, account.due_date, account.currency)
            )
            await step.context.send_activity(self.deps.prompts.nothing_to_pay())
            return await step.end_dialog(StepOutcome.DONE)
        step.values["charge"] = {"account_number": account.number, "amount": str(account.balance)}
        step.values["currency"] = account.currency
        offer = {"amount": str(account.balance), "due_date": account.due_date.isoformat(), "currency": account.currency}
        return await step.begin_dialog(_OFFER, offer)

    async def _pause_recording(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is not InputStatus.RECOGNIZED:
            return await step.replace_dialog(_HANDOFF)
        if result.value == _GO_BACK:
            return await step.end_dialog(StepOutcome.DONE)
        recording = await self.deps.recorder.get(step.context)
        if not recording.may_be_capturing:
            return await step.next(None)  # not recording (opted out, failed, not a phone): nothing to pause
        await step.context.send_activity(self.deps.prompts.pausing_for_card())
        return await step.begin_dialog(_RECORDING, RecordingStepOptions(Goal.PAUSED))

    async def _take_card(self, step: WaterfallStepContext) -> DialogTurnResult:
        paused: RecordingStepResult | None = step.result
        recording = await self.deps.recorder.get(step.context)
        if recording.may_be_capturing:
            await step.context.send_activity(self.deps.prompts.cannot_secure())
            return await step.replace_dialog(_HANDOFF)
        step.values["paused"] = paused is not None and paused.reached
        # The card entry's options: the account and amount to charge, nothing secret.
        return await step.begin_dialog(_CARD, dict(step.values["charge"]))

    async def _resume(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is InputStatus.EXHAUSTED:
            return await step.replace_dialog(_HANDOFF)
        outcome: PaymentOutcome | None = result.value
        if outcome is not None:
            step.values["approved"] = outcome.approved
            step.values["confirmation"] = outcome.confirmation_number
        if not step.values["paused"]:
            return await step.next(None)
        return await step.begin_dialog(_RECORDING, RecordingStepOptions(Goal.RECORDING))

    async def _outcome(self, step: WaterfallStepContext) -> DialogTurnResult:
        # The resume has been answered (or timed out): the outcome goes on the recording.
        prompts = self.deps.prompts
        if step.values.get("approved"):
            amount = Decimal(step.values["charge"]["amount"])
            activity = prompts.payment_approved(amount, step.values["confirmation"], step.values["currency"])
            await step.context.send_activity(activity)
        elif "approved" in step.values:
            await step.context.send_activity(prompts.payment_declined())
        return await step.end_dialog(StepOutcome.DONE)

    # ---- card entry: values hold sealed card details only ---------------------
    async def _card_number(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(_NUMBER)

    async def _card_expiry(self, step: WaterfallStepContext) -> DialogTurnResult:
        if not self._keep(step, "number"):
            return await self._leave_card_entry(step)
        return await step.begin_dialog(_EXPIRY)

    async def _security_code(self, step: WaterfallStepContext) -> DialogTurnResult:
        if not self._keep(step, "expiry"):
            return await self._leave_card_entry(step)
        return await step.begin_dialog(_CODE)

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        if not self._keep(step, "code"):
            return await self._leave_card_entry(step)
        number = self._open(step, "number")
        return await step.begin_dialog(_CONFIRM, {"last_four": last_four(number)})

    async def _charge(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is not InputStatus.RECOGNIZED:
            return await self._leave_card_entry(step)
        if result.value == _REENTER_KEY:
            _wipe(step)
            return await step.replace_dialog(_CARD, step.options)
        charge = step.options
        card = CardDetails(self._open(step, "number"), self._open(step, "expiry"), self._open(step, "code"))
        _wipe(step)
        try:
            outcome = await self.deps.payments.charge(card, Decimal(charge["amount"]), charge["account_number"])
        finally:
            card.wipe()
        return await step.end_dialog(InputResult(InputStatus.RECOGNIZED, outcome))

    def _keep(self, step: WaterfallStepContext, name: str) -> bool:
        """Seal the entry the last prompt returned; False when there is none."""
        result: InputResult = step.result
        if result.status is not InputStatus.RECOGNIZED:
            return False
        step.values[name] = self.deps.sealer.seal(result.value, _context(step))
        return True

    def _open(self, step: WaterfallStepContext, name: str) -> str:
        return self.deps.sealer.open(step.values[name], _context(step))

    async def _leave_card_entry(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Cancelled or out of tries: forget everything entered so far."""
        _wipe(step)
        return await step.end_dialog(InputResult(step.result.status))

    # ---- transfer --------------------------------------------------------
    async def _transfer(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(TRANSFER_DIALOG)

    async def _after_transfer(self, step: WaterfallStepContext) -> DialogTurnResult:
        # A failed transfer resumed the recording itself.
        return await step.end_dialog(step.result)


def _wipe(step: WaterfallStepContext) -> None:
    for name in _SEALED:
        step.values.pop(name, None)


def _context(step: WaterfallStepContext) -> str:
    return step.context.activity.conversation.id
