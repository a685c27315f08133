"""Paying by card with the recording paused (docs/call-flow.md, section 5)."""

from decimal import Decimal

import pytest

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU
from dialogs.payment import CONFIRM_CARD, PAY_OFFER, PaymentDialog
from telephony import COMMAND_ACTIVITY, InputHint, RecordingCommand

from telephony.sdk import ActivityTypes
from telephony.testing import FakeChannel

from ..call_harness import OFF_MENU_KEY, key, kinds, phone_call

CARD, DECLINED_CARD, BAD_LUHN = "4111111111111111", "4000000000000002", "4111111111111112"
EXPIRY, EXPIRED, CODE = "1299", "0120", "123"
AMOUNT = prompts.money_words(Decimal("42.17"))
AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"
OFFER = prompts.BALANCE.format(amount=AMOUNT, due_date="March 3rd") + " " + PAY_OFFER.spoken
CARD_PROMPTS = (prompts.CARD_NUMBER, prompts.CARD_EXPIRY, prompts.SECURITY_CODE)
HOLD = prompts.TRANSFER_HOLD


def confirm(card: str = CARD) -> str:
    return prompts.CARD_ENDING.format(last_four=" ".join(card[-4:])) + " " + CONFIRM_CARD.spoken


def approved(sent) -> bool:
    head = prompts.PAYMENT_APPROVED.split("{confirmation}")[0].format(amount=AMOUNT)
    return any(a.type == ActivityTypes.message and a.text.startswith(head) for a in sent)


async def at_offer(**settings) -> FakeChannel:
    call = phone_call(**settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    assert kinds(await call.press(key(PaymentDialog))) == [prompts.ACCOUNT_NUMBER]
    assert kinds(await call.press("123456")) == [OFFER]
    return call


async def at_card_number(**settings) -> FakeChannel:
    call = await at_offer(**settings)
    assert kinds(await call.press("1")) == [prompts.PAUSING_FOR_CARD, "pause"]
    assert kinds(await call.answer(RecordingCommand.PAUSE)) == [prompts.CARD_NUMBER]
    return call


async def entered(card: str = CARD, expiry: str = EXPIRY, code: str = CODE, **settings) -> FakeChannel:
    call = await at_card_number(**settings)
    assert kinds(await call.press(card + "#")) == [prompts.CARD_EXPIRY]
    assert kinds(await call.press(expiry)) == [prompts.SECURITY_CODE]
    assert kinds(await call.press(code + "#")) == [confirm(card)]
    return call


# ---- the happy path and its order ------------------------------------------


async def test_an_approved_payment_resumes_recording_before_the_outcome():
    call = await entered()
    assert kinds(await call.press("1")) == ["resume"]
    sent = await call.answer(RecordingCommand.RESUME)
    assert approved(sent) and kinds(sent)[-1] == AGAIN
    confirmation = sent[0].text.rsplit(" ", 1)[-1].rstrip(".")
    assert f'<say-as interpret-as="characters">{confirmation}</say-as>' in sent[0].speak


async def test_no_card_prompt_before_the_pause_succeeded_and_the_outcome_after_the_resume_result():
    call = await entered()
    await call.press("1")
    await call.answer(RecordingCommand.RESUME)
    names = [("command" if a.type == COMMAND_ACTIVITY else a.text) for a in call.sent]
    pause_sent = call.sent.index(call.last_command(RecordingCommand.PAUSE))
    first_card_prompt = next(i for i, a in enumerate(call.sent) if a.text in CARD_PROMPTS)
    resume_sent = call.sent.index(call.last_command(RecordingCommand.RESUME))
    outcome = next(i for i, a in enumerate(call.sent) if a.text and a.text.startswith("Your payment"))
    assert pause_sent < first_card_prompt < resume_sent < outcome, names
    # the card prompt went out in the turn of the pause result, the outcome in that of the resume result
    assert kinds(await call.press(OFF_MENU_KEY)) == [f"{prompts.NO_MATCH} {MAIN_MENU.spoken}"], "back at the menu"


async def test_card_prompts_ignore_speech_and_read_back_only_the_last_four():
    call = await at_card_number()
    card_prompts = [a for a in call.sent if a.text in CARD_PROMPTS]
    await call.press(CARD + "#")
    await call.press(EXPIRY)
    (read_back,) = await call.press(CODE + "#")
    card_prompts += [a for a in call.sent if a.text in CARD_PROMPTS]
    assert {a.input_hint for a in card_prompts + [read_back]} == {InputHint.IGNORING_SPEECH.value}
    assert read_back.text == "You entered a card ending in 1 1 1 1. To confirm, press 1. To re-enter, press 2."
    assert CARD not in read_back.speak and '"characters">1111</say-as>' in read_back.speak


async def test_a_declined_card():
    call = await entered(DECLINED_CARD)
    await call.press("1")
    assert kinds(await call.answer(RecordingCommand.RESUME)) == [prompts.PAYMENT_DECLINED, AGAIN]


async def test_an_invalid_card_number_is_asked_again_then_a_valid_one_is_charged():
    call = await at_card_number()
    assert kinds(await call.press(BAD_LUHN + "#")) == [f"{prompts.CARD_NUMBER_INVALID} {prompts.CARD_NUMBER}"]
    assert kinds(await call.press("41111#")) == [f"{prompts.CARD_NUMBER_INVALID} {prompts.CARD_NUMBER}"]
    assert kinds(await call.press(CARD + "#")) == [prompts.CARD_EXPIRY]
    await call.press(EXPIRY)
    await call.press(CODE + "#")
    await call.press("1")
    assert approved(await call.answer(RecordingCommand.RESUME))


@pytest.mark.parametrize("expiry", [EXPIRED, "1399", "0099"])
async def test_an_expired_or_impossible_expiry_is_asked_again(expiry):
    call = await at_card_number()
    await call.press(CARD + "#")
    assert kinds(await call.press(expiry)) == [f"{prompts.CARD_EXPIRY_INVALID} {prompts.CARD_EXPIRY}"]
    assert kinds(await call.press(EXPIRY)) == [prompts.SECURITY_CODE]


async def test_a_short_security_code_is_asked_again():
    call = await at_card_number()
    await call.press(CARD + "#")
    await call.press(EXPIRY)
    assert kinds(await call.press("12#")) == [f"{prompts.SECURITY_CODE_INVALID} {prompts.SECURITY_CODE}"]
    assert kinds(await call.press("1234#")) == [confirm()]


async def test_two_re_enters_the_card():
    call = await entered()
    assert kinds(await call.press("2")) == [prompts.CARD_NUMBER]
    await call.press(DECLINED_CARD + "#")
    await call.press(EXPIRY)
    assert kinds(await call.press(CODE + "#")) == [confirm(DECLINED_CARD)]
    await call.press("1")
    assert kinds(await call.answer(RecordingCommand.RESUME)) == [prompts.PAYMENT_DECLINED, AGAIN]


async def test_going_back_from_the_offer():
    call = await at_offer()
    assert kinds(await call.press("2")) == [AGAIN]
    assert RecordingCommand.PAUSE not in call.commands()


async def test_nothing_to_pay_on_a_zero_balance():
    call = phone_call()
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press("1")
    sent = await call.press("654321")
    assert kinds(sent)[1:] == [prompts.NOTHING_TO_PAY, AGAIN]


# ---- cancelling and refusing -------------------------------------------------


@pytest.mark.parametrize("before_star", ["", "4111", CARD + "#", CARD + "#" + EXPIRY, CARD + "#" + EXPIRY + CODE + "#"])
async def test_star_cancels_card_entry_resuming_recording_first(before_star):
    call = await at_card_number()
    await call.press(before_star)
    assert kinds(await call.press("*")) == ["resume"]
    assert kinds(await call.answer(RecordingCommand.RESUME)) == [AGAIN]
    assert RecordingCommand.STOP not in call.commands()


async def test_global_words_and_speech_are_refused_during_card_entry():
    call = await at_card_number()
    await call.press("4111")
    assert kinds(await call.say("agent")) == [prompts.USE_KEYPAD]
    assert kinds(await call.say("goodbye")) == [prompts.USE_KEYPAD]
    assert kinds(await call.say("four one one one")) == [prompts.USE_KEYPAD]
    assert kinds(await call.press("111111111111#")) == [prompts.CARD_EXPIRY]
    assert not call.transfers()


async def test_an_opted_out_caller_is_not_paused_again():
    call = await at_offer()
    await call.say("stop recording")
    await call.answer(RecordingCommand.STOP)
    assert kinds(await call.press("1")) == [prompts.CARD_NUMBER]
    await call.press(CARD + "#")
    await call.press(EXPIRY)
    await call.press(CODE + "#")
    assert approved(await call.press("1"))
    assert call.commands() == [RecordingCommand.START, RecordingCommand.STOP]


# ---- the recording misbehaves --------------------------------------------------


async def test_a_failed_pause_transfers_without_a_card_prompt():
    call = await at_offer()
    await call.press("1")
    sent = await call.answer(RecordingCommand.PAUSE, error="Internal error")
    assert kinds(sent) == [prompts.CANNOT_SECURE, HOLD, "pause"]
    await call.answer(RecordingCommand.PAUSE, error="Internal error")
    assert kinds(await call.silence()) == ["handoff.initiate"]
    assert not any(a.text in CARD_PROMPTS for a in call.sent)


async def test_no_pause_result_in_time_transfers_without_a_card_prompt():
    call = await at_offer()
    await call.press("1")
    assert kinds(await call.press("4")) == [prompts.ONE_MOMENT]  # early keys are not card digits
    assert kinds(await call.silence()) == [prompts.CANNOT_SECURE, HOLD]
    assert kinds(await call.answer(RecordingCommand.PAUSE)) == []  # late: changes nothing said
    assert kinds(await call.silence()) == ["handoff.initiate"]
    assert not any(a.text in CARD_PROMPTS for a in call.sent)


async def test_a_failed_resume_is_not_announced_and_the_call_continues():
    call = await entered()
    await call.press("1")
    sent = await call.answer(RecordingCommand.RESUME, error="Internal error")
    assert approved(sent) and kinds(sent)[-1] == AGAIN


async def test_no_resume_result_in_time_the_outcome_is_said_anyway():
    call = await entered()
    await call.press("1")
    assert approved(await call.silence())


async def test_a_failed_transfer_after_a_failed_pause_returns_to_the_menu():
    call = await at_offer()
    await call.press("1")
    await call.answer(RecordingCommand.PAUSE, error="Internal error")
    await call.answer(RecordingCommand.PAUSE)
    await call.silence()
    assert kinds(await call.handoff_failed()) == ["resume", prompts.NO_AGENT, AGAIN]


# ---- silence -----------------------------------------------------------------


def still_there(prompt: str) -> str:
    return f"{prompts.NO_INPUT} {prompt}"


async def exhaust(call: FakeChannel, prompt: str) -> list[str]:
    assert kinds(await call.silence()) == [still_there(prompt)]
    assert kinds(await call.silence()) == [still_there(prompt)]
    return kinds(await call.silence())


async def test_silence_at_the_account_number_transfers():
    call = phone_call()
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press("1")
    assert await exhaust(call, prompts.ACCOUNT_NUMBER) == [HOLD, "pause"]


async def test_silence_at_the_offer_transfers():
    call = await at_offer()
    assert await exhaust(call, PAY_OFFER.spoken) == [HOLD, "pause"]


@pytest.mark.parametrize(
    ("keys", "prompt"),
    [
        ("", prompts.CARD_NUMBER),
        (CARD + "#", prompts.CARD_EXPIRY),
        (CARD + "#" + EXPIRY, prompts.SECURITY_CODE),
    ],
)
async def test_silence_at_each_card_prompt_transfers_and_forgets_the_card(keys, prompt):
    call = await at_card_number()
    await call.press(keys)
    assert await exhaust(call, prompt) == [HOLD]  # already paused: nothing more to pause
    assert kinds(await call.silence()) == ["handoff.initiate"]
    assert kinds(await call.handoff_failed()) == ["resume", prompts.NO_AGENT, AGAIN]


async def test_silence_at_the_confirmation_transfers():
    call = await entered()
    assert kinds(await call.silence()) == [still_there(confirm())]
    assert kinds(await call.silence()) == [still_there(confirm())]
    assert kinds(await call.silence()) == [HOLD]


# ---- the end of the call -----------------------------------------------------


async def test_hanging_up_during_card_entry_forgets_the_call_and_its_timers():
    call = await at_card_number()
    await call.press(CARD + "#")
    await call.press("12")
    await call.hang_up()
    assert len(call.timers) == 0
    assert call.storage.snapshot() == {}


async def test_no_timer_outlives_many_calls():
    first = phone_call()
    calls = [first.next_call(f"call-{number}") for number in range(12)]
    for number, call in enumerate(calls):
        await call.connect()
        await call.answer(RecordingCommand.START)
        await call.press("1")
        await call.press("123456")
        await call.press("1")
        await call.answer(RecordingCommand.PAUSE)
        if number % 3 == 0:
            await call.press(CARD + "#")
        elif number % 3 == 1:
            await call.silence()
    assert len(first.timers) == len(calls)  # one wait per call in progress, never more
    for call in calls:
        await call.hang_up()
    assert len(first.timers) == 0
    assert first.storage.snapshot() == {}
