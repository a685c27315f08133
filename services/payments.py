"""Taking a card payment: the gateway interface the call uses, and a demo gateway.

A fork implements `PaymentGateway` for its payment provider; nothing else in
the call needs to change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Callable, Protocol

from .cards import card_number_valid, expiry_valid, last_four, security_code_valid

# A well-known test card number the demo gateway always declines.
DEMO_DECLINED_CARD = "4000000000000002"

# Confirmation numbers are read out to the caller: no 0/O or 1/I to confuse.
_CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CONFIRMATION_LENGTH = 8

# Every MMYY expiry is "not in the past" on this day, so checking against it
# tells a malformed expiry (invalid card) from an expired one.
_ANY_PAST_DAY = date(2000, 1, 1)


@dataclass(repr=False, eq=False)
class CardDetails:
    """A card as keyed in by the caller.

    Its repr and str show only the last four digits. `wipe()` drops the
    details once the charge is done; Python cannot overwrite string memory, so
    wiping means no object keeps a reference to them.
    """

    number: str
    expiry: str
    security_code: str

    @property
    def last_four(self) -> str:
        """The last four digits of the number, or "" once wiped."""
        return last_four(self.number) if self.number else ""

    @property
    def wiped(self) -> bool:
        """True once `wipe()` has run."""
        return not (self.number or self.expiry or self.security_code)

    def wipe(self) -> None:
        """Forget the number, expiry and security code."""
        self.number = self.expiry = self.security_code = ""

    def __repr__(self) -> str:
        if self.wiped:
            return "CardDetails(wiped)"
        try:
            return f"CardDetails(ending in {self.last_four})"
        except ValueError:
            return "CardDetails(malformed)"

    __str__ = __repr__


class DeclineReason(Enum):
    """Why a payment was not taken, in words a prompt can be chosen by."""

    DECLINED = "declined"
    INVALID_CARD = "invalid_card"
    EXPIRED = "expired"
    INVALID_AMOUNT = "invalid_amount"


@dataclass(frozen=True)
class PaymentOutcome:
    """The gateway's answer: a confirmation number when approved, a reason when not."""

    approved: bool
    confirmation_number: str | None = None
    decline_reason: DeclineReason | None = None

    def __post_init__(self) -> None:
        if self.approved != (self.confirmation_number is not None):
            raise ValueError("an approved payment has a confirmation number, and only then")
        if self.approved == (self.decline_reason is not None):
            raise ValueError("a declined payment has a reason, and only then")

    @classmethod
    def approve(cls, confirmation_number: str) -> "PaymentOutcome":
        return cls(approved=True, confirmation_number=confirmation_number)

    @classmethod
    def decline(cls, reason: DeclineReason) -> "PaymentOutcome":
        return cls(approved=False, decline_reason=reason)


class PaymentGateway(Protocol):
    """Charges a card. Implementations must not log or keep the card details."""

    async def charge(self, card: CardDetails, amount: Decimal, account_number: str) -> PaymentOutcome:
        """Charge `amount` to `card` for `account_number`. The caller wipes the card afterwards."""
        ...


class DemoPaymentGateway:
    """Approves any valid card except `DEMO_DECLINED_CARD`. Moves no money.

    `today` is injectable so expiry checks can be tested on a fixed date.
    """

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self._today = today

    async def charge(self, card: CardDetails, amount: Decimal, account_number: str) -> PaymentOutcome:
        if not _chargeable(amount):
            return PaymentOutcome.decline(DeclineReason.INVALID_AMOUNT)
        if not (
            card_number_valid(card.number)
            and expiry_valid(card.expiry, _ANY_PAST_DAY)
            and security_code_valid(card.security_code)
        ):
            return PaymentOutcome.decline(DeclineReason.INVALID_CARD)
        if not expiry_valid(card.expiry, self._today()):
            return PaymentOutcome.decline(DeclineReason.EXPIRED)
        if card.number == DEMO_DECLINED_CARD:
            return PaymentOutcome.decline(DeclineReason.DECLINED)
        return PaymentOutcome.approve(new_confirmation_number())


def _chargeable(amount: Decimal) -> bool:
    """A positive amount in whole cents."""
    return amount.is_finite() and amount > 0 and (amount * 100) % 1 == 0


def new_confirmation_number() -> str:
    """A random confirmation number, unrelated to anything the caller entered."""
    return "".join(secrets.choice(_CONFIRMATION_ALPHABET) for _ in range(_CONFIRMATION_LENGTH))
