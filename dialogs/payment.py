"""Paying the balance by card, with the recording paused (docs/call-flow.md, section 5).

The order is the point of this module:

1. the account and the offer to pay; in a chat, where a transcript keeps
   everything typed, the offer is to pay by phone, and card entry never starts;
2. card entry inside the library's `SecureStep`: "I'm pausing the recording",
   `recording.pause` and the wait for its result; if the recording may still
   be capturing (refused, no answer), no card digit is asked for and the
   caller is transferred;
3. card number, expiry, security code and confirmation, keys only, with no
   global words and `*` to cancel; then the charge;
4. `recording.resume` and the wait for its result, whatever it is (the
   secure step again);
5. only then the outcome, so that it is on the recording.

Card details cross turns only sealed (`deps.sealer`, bound to the conversation
id) and are dropped from state the moment the charge is done, the caller
cancels, or the caller is transferred. Hanging up forgets the whole call. The
gateway's outcome waits for the resume sealed too (`OUTCOME_SEAL`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Callable

from services.accounts import Account
from services.cards import (
    CARD_NUMBER_MAX_DIGITS,
    CARD_NUMBER_MIN_DIGITS,
    card_number_valid,
    expiry_valid,
    last_four,
    security_code_valid,
)
from services.payments import CardDetails, DeclineReason, PaymentOutcome
from telephony import (
    DigitsPrompt,
    InputResult,
    InputStatus,
    KeypadMenu,
    Menu,
    MenuOption,
    PromptFor,
    ResultSeal,
    SecureResult,
    SecureStep,
    StepOutcome,
    TransferReason,
    Validator,
    is_phone,
    observe,
    recognized,
)
from telephony.sdk import (
    Activity,
    ComponentDialog,
    DialogTurnResult,
    TurnContext,
    WaterfallDialog,
    WaterfallStepContext,
)

from .account import ACCOUNT_NUMBER_PROMPT, account_number_prompt
from .dependencies import CallDependencies
from .transfer import transfer

PAYMENT_DIALOG = "payment"

#: The offer after the balance: pay now, or back to the menu.
PAY_OFFER = Menu(
    MenuOption("pay", "1", "To pay it now by card, press 1.", ("pay", "yes")),
    MenuOption("back", "2", "To go back, press 2.", ("back", "no")),
)
#: After the card is read back: charge it, or enter it again. Keys only.
CONFIRM_CARD = Menu(
    MenuOption("confirm", "1", "To confirm, press 1."),
    MenuOption("re-enter", "2", "To re-enter, press 2."),
)
#: Abandons card entry, back to the menu (the recording resumes first).
CANCEL_KEY = "*"

_PAY = "payment.steps"
_OFFER = "payment.offer"
_SECURE = "payment.secure"
_CARD = "payment.card"
_NUMBER = "payment.card-number"
_EXPIRY = "payment.card-expiry"
_CODE = "payment.security-code"
_CONFIRM = "payment.confirm"

# Where the card entry keeps its sealed values between turns.
_SEALED = ("number", "expiry", "code")


@dataclass(frozen=True)
class Offer:
    """What the offer reads out: the balance and due date. Nothing secret."""

    amount: Decimal
    due_date: date
    currency: str


@dataclass(frozen=True)
class Charge:
    """What card entry charges: the account and the amount. Nothing secret."""

    account_number: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class CardEnding:
    """The only digits of a card that may be read back."""

    last_four: str


def _outcome_to_json(outcome: PaymentOutcome) -> dict:
    reason = outcome.decline_reason.value if outcome.decline_reason else None
    return {"approved": outcome.approved, "confirmation": outcome.confirmation_number, "declined": reason}


def _outcome_from_json(data: dict) -> PaymentOutcome:
    reason = data["declined"]
    return PaymentOutcome(data["approved"], data["confirmation"], DeclineReason(reason) if reason else None)


#: How card entry's result (the gateway's outcome, or none) is sealed while the recording resumes.
OUTCOME_SEAL = ResultSeal.for_input(_outcome_to_json, _outcome_from_json)


class PaymentDialog(ComponentDialog):
    """`today` is injectable so expiry checks can be tested on a fixed date."""

    def __init__(self, deps: CallDependencies, today: Callable[[], date] = date.today):
        super().__init__(PAYMENT_DIALOG)
        self.deps = deps
        self.today = today
        prompts = deps.prompts
        self.add_dialog(account_number_prompt(deps))
        self.add_dialog(
            KeypadMenu(
                _OFFER,
                deps.timers,
                deps.input_policy,
                lambda reason, offer: prompts.pay_offer(
                    reason, offer.amount, offer.due_date, offer.currency, PAY_OFFER
                ),
                PAY_OFFER,
            )
        )
        card_entry = ComponentDialog(_CARD)
        for prompt in self._card_prompts():
            card_entry.add_dialog(prompt)
        steps = [self._card_number, self._card_expiry, self._security_code, self._confirm, self._charge]
        card_entry.add_dialog(WaterfallDialog(f"{_CARD}.steps", steps))
        card_entry.initial_dialog_id = f"{_CARD}.steps"
        self.add_dialog(
            SecureStep(
                _SECURE,
                card_entry,
                recorder=deps.recorder,
                timers=deps.timers,
                result_timeout_s=deps.config.RECORDING_RESULT_TIMEOUT_S,
                pausing_prompt=prompts.pausing_for_card,
                sealer=deps.sealer,
                hold_prompt=prompts.one_moment,
                result_seal=OUTCOME_SEAL,
            )
        )
        self.add_dialog(WaterfallDialog(_PAY, [self._ask_account, self._offer, self._take_card, self._outcome]))
        self.initial_dialog_id = _PAY

    def _card_prompts(self) -> list[DigitsPrompt]:
        prompts = self.deps.prompts
        return [
            self._card_prompt(
                _NUMBER,
                prompts.card_number,
                min_length=CARD_NUMBER_MIN_DIGITS,
                max_length=CARD_NUMBER_MAX_DIGITS,
                terminator="#",
                validator=card_number_valid,
            ),
            self._card_prompt(
                _EXPIRY, prompts.card_expiry, length=4, validator=lambda mmyy: expiry_valid(mmyy, self.today())
            ),
            self._card_prompt(
                _CODE, prompts.security_code, min_length=3, max_length=4, terminator="#", validator=security_code_valid
            ),
            self._card_prompt(
                _CONFIRM,
                lambda reason, ending: prompts.card_confirm(reason, ending.last_four, CONFIRM_CARD),
                length=1,
                pattern=f"[{CONFIRM_CARD.keys}]",
            ),
        ]

    def _card_prompt(
        self, dialog_id: str, prompt_for: PromptFor, validator: Validator | None = None, **rules
    ) -> DigitsPrompt:
        return DigitsPrompt(
            dialog_id,
            self.deps.timers,
            self.deps.input_policy,
            prompt_for,
            self.deps.digit_spec(cancel_key=CANCEL_KEY, **rules),
            validator=validator,
            keypad_only=True,
            use_keypad=self.deps.prompts.use_keypad,
            sealer=self.deps.sealer,
            allows_interruptions=False,  # card entry: no global words, `*` cancels
        )

    # ---- the payment -------------------------------------------------------
    async def _ask_account(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(ACCOUNT_NUMBER_PROMPT)

    async def _offer(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        account = await self.deps.accounts.find(result.value) if result.recognized else None
        if account is None:
            return await transfer(step, TransferReason.MISSES)
        instead = self._no_offer(step.context, account)
        if instead is not None:
            prompts = self.deps.prompts
            await step.context.send_activity(prompts.balance(account.balance, account.due_date, account.currency))
            await step.context.send_activity(instead)
            return await step.end_dialog(StepOutcome.DONE)
        step.values["charge"] = Charge(account.number, account.balance, account.currency)
        return await step.begin_dialog(_OFFER, Offer(account.balance, account.due_date, account.currency))

    def _no_offer(self, context: TurnContext, account: Account) -> Activity | None:
        """What is said instead of the offer to pay by card, when none is made."""
        if account.balance <= 0:
            return self.deps.prompts.nothing_to_pay()
        if not is_phone(context):  # a chat keeps a transcript of everything typed: no card details in it
            return self.deps.prompts.pay_by_phone(self.deps.config.AGENT_PHONE_NUMBER)
        return None

    async def _take_card(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if not result.recognized:
            return await transfer(step, TransferReason.MISSES)
        if result.value == "back":
            return await step.end_dialog(StepOutcome.DONE)
        return await step.begin_dialog(_SECURE, step.values["charge"])

    async def _outcome(self, step: WaterfallStepContext) -> DialogTurnResult:
        secure: SecureResult = step.result
        prompts = self.deps.prompts
        if not secure.secured:
            _report(step, PaymentResult.UNSECURED)
            await step.context.send_activity(prompts.cannot_secure_card())
            return await transfer(step, TransferReason.UNSECURED)
        entry: InputResult = secure.result
        if entry.status is InputStatus.EXHAUSTED:
            _report(step, PaymentResult.GAVE_UP)
            return await transfer(step, TransferReason.MISSES)
        # The resume has been answered (or timed out): the outcome goes on the recording.
        outcome: PaymentOutcome | None = entry.value
        charge: Charge = step.values["charge"]
        _report(step, PaymentResult.CANCELLED if outcome is None else PaymentResult.of(outcome.approved))
        if outcome is not None and outcome.approved:
            await step.context.send_activity(
                prompts.payment_approved(charge.amount, outcome.confirmation_number, charge.currency)
            )
        elif outcome is not None:
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
        return await step.begin_dialog(_CONFIRM, CardEnding(last_four(self._open(step, "number"))))

    async def _charge(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if not result.recognized:
            return await self._leave_card_entry(step)
        if CONFIRM_CARD.by_key(result.value).name == "re-enter":
            _wipe(step)
            return await step.replace_dialog(f"{_CARD}.steps", step.options)
        charge: Charge = step.options
        card = CardDetails(self._open(step, "number"), self._open(step, "expiry"), self._open(step, "code"))
        _wipe(step)
        try:
            outcome = await self.deps.payments.charge(card, charge.amount, charge.account_number)
        finally:
            card.wipe()
        return await step.end_dialog(recognized(outcome))

    def _keep(self, step: WaterfallStepContext, name: str) -> bool:
        """Seal the entry the last prompt returned; False when there is none."""
        result: InputResult = step.result
        if not result.recognized:
            return False
        step.values[name] = self.deps.sealer.seal(result.value, _context(step))
        return True

    def _open(self, step: WaterfallStepContext, name: str) -> str:
        return self.deps.sealer.open(step.values[name], _context(step))

    async def _leave_card_entry(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Cancelled or out of tries: forget everything entered so far."""
        _wipe(step)
        return await step.end_dialog(InputResult(step.result.status))


class PaymentResult(str, Enum):
    """How a payment attempt ended, as telemetry counts it (docs/observability.md)."""

    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # `*` during card entry
    GAVE_UP = "gave-up"  # too many misses during card entry: transferred
    UNSECURED = "unsecured"  # the recording could not be paused: no card digit asked for

    @classmethod
    def of(cls, approved: bool) -> "PaymentResult":
        return cls.APPROVED if approved else cls.DECLINED


def _report(step: WaterfallStepContext, result: PaymentResult) -> None:
    observe(step.context, lambda observer: observer.outcome(step.context, "payment", result.value))


def _wipe(step: WaterfallStepContext) -> None:
    for name in _SEALED:
        step.values.pop(name, None)


def _context(step: WaterfallStepContext) -> str:
    return step.context.activity.conversation.id
