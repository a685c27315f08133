"""Balance and payment calls against the real bot, over HTTP and streaming.

The heart of the recording rules: no card digit may fall inside a recorded
span, and the recording is resumed (and the outcome recorded) after payment.
Prompts are matched by the prompts module's constants.
"""

from __future__ import annotations

from decimal import Decimal

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from dialogs.payment import CONFIRM_CARD, PAY_OFFER
from simulator import (
    Call,
    CallStatus,
    ChannelSimulator,
    FaultPlan,
    RecordingCommand,
    RecordingState,
)

ACCOUNT = "123456"
CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
EXPIRY = "1299"
CODE = "123"
BALANCE = P.money_words(Decimal("42.17"))
APPROVED = P.PAYMENT_APPROVED.split("{confirmation}")[0].format(amount=BALANCE)
CARD_PROMPTS = (P.CARD_NUMBER, P.CARD_EXPIRY, P.SECURITY_CODE)


def card_ending(card: str) -> str:
    return P.CARD_ENDING.format(last_four=" ".join(card[-4:])) + " " + CONFIRM_CARD.spoken


async def at_menu(channel: ChannelSimulator, faults: FaultPlan | None = None) -> Call:
    call = await channel.place_call(faults=faults)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    return call


async def accept_payment_offer(call: Call) -> None:
    """From the main menu: choose to pay, give the account number and accept the offer."""
    await call.press("1")
    await call.wait_for_prompt(P.ACCOUNT_NUMBER)
    await call.press(ACCOUNT)
    await call.wait_for_prompt(PAY_OFFER.spoken)
    await call.press("1")


async def at_card_number(channel: ChannelSimulator) -> Call:
    """A call that has accepted the payment offer and been asked for the card number."""
    call = await at_menu(channel)
    await accept_payment_offer(call)
    await call.wait_for_prompt(P.CARD_NUMBER)
    return call


async def pay_by_card(call: Call, card: str = CARD) -> list:
    """From the main menu to the charge; returns the timeline entries of every card key."""
    await accept_payment_offer(call)
    await call.wait_for_prompt(P.PAUSING_FOR_CARD)
    await call.wait_for_prompt(P.CARD_NUMBER)
    keys = await call.press(card + "#")
    await call.wait_for_prompt(P.CARD_EXPIRY)
    keys += await call.press(EXPIRY)
    await call.wait_for_prompt(P.SECURITY_CODE)
    keys += await call.press(CODE + "#")
    await call.wait_for_prompt(card_ending(card))
    keys += await call.press("1")
    return keys


async def test_balance_is_read_out(channel):
    call = await at_menu(channel)
    await call.press("2")
    await call.wait_for_prompt(P.ACCOUNT_NUMBER)
    await call.press(ACCOUNT)
    await call.wait_for_prompt(BALANCE)
    await call.wait_for_prompt(P.ANYTHING_ELSE)
    await call.hang_up()
    assert call.violations == []


async def test_no_card_digit_is_recorded_and_recording_resumes_after_payment(channel):
    call = await at_menu(channel)
    card_keys = await pay_by_card(call)
    outcome = await call.wait_for_prompt(APPROVED)
    assert not call.recording.any_recorded(card_keys)
    assert outcome.recorded  # resumed before the outcome was said
    assert call.recording.state is RecordingState.RECORDING
    assert CARD not in " ".join(call.said)
    await call.hang_up()
    (metadata,) = call.recording.metadata()
    assert len(metadata["pauseResumeIntervals"]) == 1
    assert call.violations == []


async def test_no_card_prompt_is_sent_before_the_pause_succeeds(channel):
    call = await at_card_number(channel)
    card_prompts = [p for p in call.prompts if p.text in CARD_PROMPTS]
    assert card_prompts and not any(p.recorded for p in card_prompts)


async def test_a_declined_card_is_said_on_the_recording(channel):
    call = await at_menu(channel)
    card_keys = await pay_by_card(call, DECLINED_CARD)
    outcome = await call.wait_for_prompt(P.PAYMENT_DECLINED)
    assert outcome.recorded and not call.recording.any_recorded(card_keys)
    await call.hang_up()


async def test_a_failed_pause_takes_no_card_details_and_transfers(channel):
    call = await at_menu(channel, FaultPlan().fail_next(RecordingCommand.PAUSE))
    await accept_payment_offer(call)
    await call.wait_for_prompt(P.CANNOT_SECURE)
    assert await call.wait_for_end() is CallStatus.TRANSFERRED
    assert not any(text in CARD_PROMPTS for text in call.said)


async def test_speech_during_card_entry_is_refused(channel):
    call = await at_card_number(channel)
    await call.say("four one one one")
    await call.wait_for_prompt(P.USE_KEYPAD)
    await call.hang_up()


async def test_star_during_card_entry_resumes_recording_and_returns_to_the_menu(channel):
    call = await at_card_number(channel)
    await call.press("*")
    await call.wait_for_recording(RecordingState.RECORDING)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    await call.hang_up()
