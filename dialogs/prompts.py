"""Everything the caller hears, in one place, but for the words that offer a key.

Forks change the words here. Each prompt has its display text as a constant
(tests and the simulator import them) and a method that builds the message
with SSML and the right barge-in hint. The words that offer a key ("To hear
your balance, press 2.") live in the row of their menu table, beside the key
(`main_menu.MAIN_MENU`, `payment.PAY_OFFER`, `payment.CONFIRM_CARD`,
`recording_policy.OPT_OUT`), so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from telephony import InputHint, Menu, PromptFor, Reprompt, Ssml, TransferReason, Voice, say_as, spoken
from telephony.sdk import Activity

from .recording_policy import OPT_OUT

COMPANY = "Contoso Energy"

WELCOME = f"Welcome to {COMPANY}. This call may be recorded for quality assurance. {OPT_OUT.words}"
ONE_MOMENT = "One moment please."
RECORDING_FAILED = "Recording has failed, but your call will continue."
RECORDING_STOPPED = "Recording stopped for this call."

NO_MATCH = "Sorry, I didn't catch that."
NO_INPUT = "Are you still there?"
ANYTHING_ELSE = "Is there anything else?"

TRANSFER_HOLD = "Please hold while I transfer you to an agent."
NO_AGENT = "Sorry, no agent is available right now."
GOODBYE = f"Thank you for calling {COMPANY}. Goodbye."
SORRY_ERROR = "Sorry, something went wrong."
SOMETHING_WENT_WRONG = f"{SORRY_ERROR} Let me transfer you to an agent."
# In a chat nobody can be put on hold or transferred: how to reach a person instead.
# "{number}" is the agent's number (AGENT_PHONE_NUMBER), read as a telephone number.
CALL_AN_AGENT = "To speak with an agent, call {number}."

ACCOUNT_NUMBER = "Please enter your 6-digit account number."
ACCOUNT_NOT_FOUND = "I couldn't find that account."
# "{amount}" and "{due_date}" are filled with `money_words` and `date_words`.
BALANCE = "Your balance is {amount}, due on {due_date}."
NOTHING_TO_PAY = "There is nothing to pay on this account."
# In a chat, in place of the offer to pay by card: a transcript is no place for card details.
PAY_BY_PHONE = (
    "For your security, card payments are taken only on a phone call, never in a chat. To pay, call {number}."
)

# A secure step's words, for any details: "{details}" is what the caller is about to enter.
PAUSING_FOR = "For your security, I'm pausing the recording while you enter {details}."
CANNOT_SECURE_FOR = "I can't secure this call right now, so I won't take {details}. Let me transfer you to an agent."
PAUSING_FOR_CARD = PAUSING_FOR.format(details="your card details")
CANNOT_SECURE = CANNOT_SECURE_FOR.format(details="card details")
USE_KEYPAD = "For your security, please use your keypad."
CARD_NUMBER = "Please enter your card number, then press pound."
CARD_NUMBER_INVALID = "That card number isn't valid."
CARD_EXPIRY = "Enter the expiry date as four digits, month then year."
CARD_EXPIRY_INVALID = "That expiry date isn't valid."
SECURITY_CODE = "Enter the 3 or 4 digit security code, then press pound."
SECURITY_CODE_INVALID = "That security code isn't valid."
# "{last_four}" is the last four digits, spaced out ("1 2 3 4"); the confirmation keys follow.
CARD_ENDING = "You entered a card ending in {last_four}."
PAYMENT_APPROVED = "Your payment of {amount} was approved. Your confirmation number is {confirmation}."
PAYMENT_DECLINED = "Your card was declined."

REPROMPT_PREFIX = {Reprompt.NO_MATCH: NO_MATCH, Reprompt.NO_INPUT: NO_INPUT}


class Prompts:
    """Builds the messages; one voice for the whole call."""

    def __init__(self, voice: Voice):
        self.voice = voice

    def say(self, *parts: Ssml | str, hint: InputHint = InputHint.ACCEPTING) -> Activity:
        return spoken(self.voice, *parts, hint=hint)

    def welcome(self) -> Activity:
        # Played whole: the consent notice must not be cut short by a key press.
        return self.say(WELCOME, hint=InputHint.IGNORING)

    def one_moment(self) -> Activity:
        return self.say(ONE_MOMENT)

    def recording_failed(self) -> Activity:
        return self.say(RECORDING_FAILED)

    def recording_stopped(self) -> Activity:
        return self.say(RECORDING_STOPPED)

    def menu(self, reason: Reprompt, menu: Menu, again: bool = False) -> Activity:
        prefix = REPROMPT_PREFIX.get(reason) or (ANYTHING_ELSE if again else "")
        return self.say(f"{prefix} {menu.spoken}".strip(), hint=InputHint.EXPECTING)

    def transfer_hold(self, reason: TransferReason = TransferReason.ASKED) -> Activity:
        """"Please hold…", or after an error the apology, which says the transfer is coming."""
        words = SOMETHING_WENT_WRONG if reason is TransferReason.ERROR else TRANSFER_HOLD
        return self.say(words, hint=InputHint.IGNORING)

    def no_agent(self) -> Activity:
        return self.say(NO_AGENT)

    def call_an_agent(self, number: str, reason: TransferReason = TransferReason.ASKED) -> Activity:
        """In a chat, in place of the hold prompt: the agent's number (after an error, the apology first)."""
        prefix = SORRY_ERROR if reason is TransferReason.ERROR else ""
        return self._with_number(f"{prefix} {CALL_AN_AGENT}".strip(), number)

    def goodbye(self) -> Activity:
        return self.say(GOODBYE, hint=InputHint.IGNORING)

    # ---- account and balance ---------------------------------------------
    def account_number(self, reason: Reprompt, options: None) -> Activity:
        prefix = {Reprompt.NO_MATCH: ACCOUNT_NOT_FOUND, Reprompt.NO_INPUT: NO_INPUT}.get(reason, "")
        return self.say(f"{prefix} {ACCOUNT_NUMBER}".strip(), hint=InputHint.EXPECTING)

    def balance(
        self,
        amount: Decimal,
        due_date: date,
        currency: str = "USD",
        then: str = "",
        hint: InputHint = InputHint.ACCEPTING,
    ) -> Activity:
        """The balance and due date, optionally followed by `then` in the same message."""
        before, middle, after = _split(BALANCE, "{amount}", "{due_date}")
        text = BALANCE.format(amount=money_words(amount), due_date=date_words(due_date))
        return spoken(
            self.voice,
            before,
            _money_ssml(amount, currency),
            middle,
            date_words(due_date),
            f"{after} {then}".rstrip(),
            hint=hint,
            text=f"{text} {then}".rstrip(),
        )

    def nothing_to_pay(self) -> Activity:
        return self.say(NOTHING_TO_PAY)

    def pay_by_phone(self, number: str) -> Activity:
        return self._with_number(PAY_BY_PHONE, number)

    def pay_offer(self, reason: Reprompt, amount: Decimal, due_date: date, currency: str, keys: Menu) -> Activity:
        """The balance, then the offer's keys; a reprompt repeats the keys only."""
        prefix = REPROMPT_PREFIX.get(reason)
        if prefix:
            return self.say(f"{prefix} {keys.spoken}", hint=InputHint.EXPECTING)
        return self.balance(amount, due_date, currency, then=keys.spoken, hint=InputHint.EXPECTING)

    # ---- a secure step: the card payment's, or one of your own -------------
    def pausing_for(self, details: str) -> Activity:
        """Said before `recording.pause`: "… while you enter {details}" ("your account number")."""
        return self.say(PAUSING_FOR.format(details=details), hint=InputHint.IGNORING)

    def cannot_secure(self, details: str) -> Activity:
        """Said when the recording could not be paused, before the transfer: "… I won't take {details}"."""
        return self.say(CANNOT_SECURE_FOR.format(details=details), hint=InputHint.IGNORING)

    def pausing_for_card(self) -> Activity:
        return self.say(PAUSING_FOR_CARD, hint=InputHint.IGNORING)

    def cannot_secure_card(self) -> Activity:
        return self.say(CANNOT_SECURE, hint=InputHint.IGNORING)

    def use_keypad(self) -> Activity:
        return self.say(USE_KEYPAD, hint=InputHint.IGNORING_SPEECH)

    def keypad_only(self, prompt: str, invalid: str) -> PromptFor:
        """The prompt of a keypad-only entry (a `DigitsPrompt` with `keypad_only=True`), for any secure step.

        `prompt` first; after an entry that is refused, `invalid` then `prompt`; after a
        silence, "Are you still there?" then `prompt`. Speech must not barge in, nor be
        transcribed: the hint says so.
        """

        def prompt_for(reason: Reprompt, options: object) -> Activity:
            prefix = {Reprompt.NO_MATCH: invalid, Reprompt.NO_INPUT: NO_INPUT}.get(reason, "")
            return self.say(f"{prefix} {prompt}".strip(), hint=InputHint.IGNORING_SPEECH)

        return prompt_for

    def card_number(self, reason: Reprompt, options: None) -> Activity:
        return self.keypad_only(CARD_NUMBER, CARD_NUMBER_INVALID)(reason, options)

    def card_expiry(self, reason: Reprompt, options: None) -> Activity:
        return self.keypad_only(CARD_EXPIRY, CARD_EXPIRY_INVALID)(reason, options)

    def security_code(self, reason: Reprompt, options: None) -> Activity:
        return self.keypad_only(SECURITY_CODE, SECURITY_CODE_INVALID)(reason, options)

    def card_confirm(self, reason: Reprompt, last_four: str, keys: Menu) -> Activity:
        """The card's last four digits, the only ones that may be read back, then the confirmation keys."""
        prefix = REPROMPT_PREFIX.get(reason, "")
        before, after = CARD_ENDING.split("{last_four}")
        text = f"{CARD_ENDING.format(last_four=' '.join(last_four))} {keys.spoken}"
        return spoken(
            self.voice,
            f"{prefix} {before}".lstrip(),
            say_as(last_four, "characters"),
            f"{after} {keys.spoken}",
            hint=InputHint.IGNORING_SPEECH,
            text=f"{prefix} {text}".lstrip(),
        )

    def payment_approved(self, amount: Decimal, confirmation: str, currency: str = "USD") -> Activity:
        before, middle, after = _split(PAYMENT_APPROVED, "{amount}", "{confirmation}")
        return spoken(
            self.voice,
            before,
            _money_ssml(amount, currency),
            middle,
            say_as(confirmation, "characters"),
            after,
            hint=InputHint.ACCEPTING,
            text=PAYMENT_APPROVED.format(amount=money_words(amount), confirmation=confirmation),
        )

    def payment_declined(self) -> Activity:
        return self.say(PAYMENT_DECLINED)

    # ---- internals ---------------------------------------------------------
    def _with_number(self, template: str, number: str) -> Activity:
        """`template` with its "{number}" read as a telephone number, shown as written."""
        before, after = _split(template, "{number}")
        return spoken(
            self.voice,
            before,
            say_as(number, "telephone"),
            after,
            hint=InputHint.ACCEPTING,
            text=template.format(number=number),
        )


def money_words(amount: Decimal) -> str:
    """An amount as the display text says it: "42 dollars and 17 cents", "1 dollar", "5 cents"."""
    cents_total = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    sign = "minus " if cents_total < 0 else ""
    dollars, cents = divmod(abs(cents_total), 100)
    parts = []
    if dollars or not cents:
        parts.append(f"{dollars} dollar{'' if dollars == 1 else 's'}")
    if cents:
        parts.append(f"{cents} cent{'' if cents == 1 else 's'}")
    return sign + " and ".join(parts)


def date_words(day: date) -> str:
    """A due date as it is said: "March 3rd"."""
    suffix = "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day:%B} {day.day}{suffix}"


def _money_ssml(amount: Decimal, currency: str) -> Ssml:
    return say_as(f"{amount.quantize(Decimal('0.01'))} {currency}", "currency")


def _split(template: str, *fields: str) -> list[str]:
    """The literal text around each of `fields`, in order."""
    parts, rest = [], template
    for name in fields:
        before, rest = rest.split(name, 1)
        parts.append(before)
    return parts + [rest]
