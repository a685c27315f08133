"""The demo gateway charges valid cards, and card details never show in text."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import pytest

from services.payments import (
    CardDetails,
    DeclineReason,
    DemoPaymentGateway,
    PaymentGateway,
    PaymentOutcome,
)

TODAY = date(2026, 6, 15)


def card(number: str = "4111111111111111", expiry: str = "1228", code: str = "737") -> CardDetails:
    return CardDetails(number=number, expiry=expiry, security_code=code)


@pytest.fixture
def gateway() -> PaymentGateway:
    return DemoPaymentGateway(today=lambda: TODAY)


async def test_approves_a_valid_card_with_a_confirmation_number(gateway: PaymentGateway) -> None:
    outcome = await gateway.charge(card(), Decimal("42.17"), "123456")
    assert outcome.approved and outcome.decline_reason is None
    assert outcome.confirmation_number is not None and len(outcome.confirmation_number) == 8


async def test_confirmation_numbers_are_random_not_derived_from_the_card(gateway: PaymentGateway) -> None:
    numbers = [(await gateway.charge(card(), Decimal("1.00"), "123456")).confirmation_number for _ in range(20)]
    assert len(set(numbers)) == 20
    for number in numbers:
        assert number is not None and "1111" not in number and "737" not in number


async def test_declines_the_demo_declined_card(gateway: PaymentGateway) -> None:
    outcome = await gateway.charge(card("4000000000000002"), Decimal("42.17"), "123456")
    assert outcome == PaymentOutcome.decline(DeclineReason.DECLINED)
    assert outcome.confirmation_number is None


@pytest.mark.parametrize(
    ("details", "reason"),
    [
        (card(number="4111111111111112"), DeclineReason.INVALID_CARD),
        (card(code="12"), DeclineReason.INVALID_CARD),
        (card(expiry="1328"), DeclineReason.INVALID_CARD),
        (card(expiry="0526"), DeclineReason.EXPIRED),
    ],
)
async def test_declines_invalid_or_expired_cards(
    gateway: PaymentGateway, details: CardDetails, reason: DeclineReason
) -> None:
    assert await gateway.charge(details, Decimal("42.17"), "123456") == PaymentOutcome.decline(reason)


@pytest.mark.parametrize("amount", ["0.00", "-5", "1.001", "NaN", "Infinity"])
async def test_declines_amounts_that_are_not_whole_positive_cents(gateway: PaymentGateway, amount: str) -> None:
    outcome = await gateway.charge(card(), Decimal(amount), "123456")
    assert outcome == PaymentOutcome.decline(DeclineReason.INVALID_AMOUNT)


async def test_accepts_cents_written_with_trailing_zeros(gateway: PaymentGateway) -> None:
    assert (await gateway.charge(card(), Decimal("42.170"), "123456")).approved


def test_card_text_shows_only_the_last_four(caplog: pytest.LogCaptureFixture) -> None:
    details = card("5555555555554444", "1228", "737")
    with caplog.at_level(logging.INFO):
        logging.getLogger("tests.payments").info("charging %s / %r / %s", details, details, [details])
    for text in (repr(details), str(details), f"{details}", caplog.text):
        assert "4444" in text
        assert "555555" not in text and "1228" not in text and "737" not in text


def test_wipe_forgets_everything() -> None:
    details = card()
    details.wipe()
    assert details.wiped
    assert (details.number, details.expiry, details.security_code, details.last_four) == ("", "", "", "")
    assert repr(details) == "CardDetails(wiped)"


def test_a_malformed_card_still_has_a_safe_repr() -> None:
    assert repr(card(number="12")) == "CardDetails(malformed)"


def test_outcome_is_either_approved_with_a_number_or_declined_with_a_reason() -> None:
    with pytest.raises(ValueError):
        PaymentOutcome(approved=True)
    with pytest.raises(ValueError):
        PaymentOutcome(approved=False)
    with pytest.raises(ValueError):
        PaymentOutcome(approved=True, confirmation_number="X", decline_reason=DeclineReason.DECLINED)
    with pytest.raises(ValueError):
        PaymentOutcome(approved=False, confirmation_number="X", decline_reason=DeclineReason.DECLINED)
