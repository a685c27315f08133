"""The account number and the balance (docs/call-flow.md, sections 3 and 4)."""

from decimal import Decimal

import pytest

from dialogs import prompts
from dialogs.balance import BalanceDialog
from dialogs.main_menu import MAIN_MENU
from telephony import InputHint, RecordingCommand

from telephony.testing import FakeChannel

from ..call_harness import OFF_MENU_KEY, key, kinds, phone_call

AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"
BALANCE = prompts.BALANCE.format(amount=prompts.money_words(Decimal("42.17")), due_date="March 3rd")
NOT_FOUND = f"{prompts.ACCOUNT_NOT_FOUND} {prompts.ACCOUNT_NUMBER}"
STILL_THERE = f"{prompts.NO_INPUT} {prompts.ACCOUNT_NUMBER}"


async def asked_for_account(**settings) -> FakeChannel:
    call = phone_call(**settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    assert kinds(await call.press(key(BalanceDialog))) == [prompts.ACCOUNT_NUMBER]
    return call


async def test_the_balance_is_read_out_then_anything_else():
    call = await asked_for_account()
    assert kinds(await call.press("12345")) == []
    sent = await call.press("6")
    assert kinds(sent) == [BALANCE, AGAIN]
    assert sent[0].text == "Your balance is 42 dollars and 17 cents, due on March 3rd."


async def test_the_balance_is_spoken_as_currency():
    call = await asked_for_account()
    balance, _ = await call.press("123456")
    assert "<say-as interpret-as=\"currency\">42.17 USD</say-as>" in balance.speak
    assert "March 3rd" in balance.speak


async def test_the_account_number_prompt_expects_input():
    call = phone_call()
    await call.connect()
    await call.answer(RecordingCommand.START)
    (prompt,) = await call.press(key(BalanceDialog))
    assert prompt.input_hint == InputHint.EXPECTING.value and prompt.speak.startswith("<speak")


async def test_a_zero_balance():
    call = await asked_for_account()
    sent = await call.press("654321")
    assert kinds(sent) == ["Your balance is 0 dollars, due on April 1st.", AGAIN]


@pytest.mark.parametrize("words", ["one two three four five six", "1 2 3, 4 5 6", "one to three for five six"])
async def test_spoken_account_numbers(words):
    call = await asked_for_account()
    assert kinds(await call.say(words)) == [BALANCE, AGAIN]


async def test_typed_account_number_in_the_emulator():
    call = phone_call(channel="emulator")
    await call.connect()
    await call.say(key(BalanceDialog))
    assert kinds(await call.say("123456")) == [BALANCE, AGAIN]


async def test_pound_is_not_part_of_the_number():
    call = await asked_for_account()
    assert kinds(await call.say("123456#")) == [BALANCE, AGAIN]


async def test_pound_ends_a_short_number_early_and_it_is_not_found():
    call = await asked_for_account()
    assert kinds(await call.press("123#")) == [NOT_FOUND]
    assert kinds(await call.press("123456")) == [BALANCE, AGAIN]


async def test_an_unknown_account_is_asked_again():
    call = await asked_for_account()
    assert kinds(await call.press("999999")) == [NOT_FOUND]
    assert kinds(await call.press("123456")) == [BALANCE, AGAIN]


async def test_unknown_accounts_up_to_the_limit_transfer_to_an_agent():
    call = await asked_for_account()
    assert kinds(await call.press("999999")) == [NOT_FOUND]
    assert kinds(await call.press("888888")) == [NOT_FOUND]
    assert kinds(await call.press("777777")) == [prompts.TRANSFER_HOLD, "pause"]


async def test_silence_reprompts_then_transfers():
    call = await asked_for_account()
    assert kinds(await call.silence()) == [STILL_THERE]
    assert kinds(await call.silence()) == [STILL_THERE]
    assert kinds(await call.silence()) == [prompts.TRANSFER_HOLD, "pause"]


async def test_a_slow_caller_is_not_cut_off_between_keys():
    call = await asked_for_account()
    await call.press("123")
    # the inter-digit wait runs out: the three digits are judged as they stand
    assert kinds(await call.silence()) == [NOT_FOUND]


async def test_global_words_still_work_while_entering_the_account():
    call = await asked_for_account()
    await call.press("12")
    assert kinds(await call.say("agent")) == [prompts.TRANSFER_HOLD, "pause"]


async def test_star_while_entering_the_account_stops_recording_and_asks_again():
    call = await asked_for_account()
    await call.press("12")
    assert kinds(await call.press("*")) == ["stop", prompts.RECORDING_STOPPED, prompts.ACCOUNT_NUMBER]
    assert kinds(await call.press("123456")) == [BALANCE, AGAIN]


async def test_a_late_timer_after_the_caller_answered_does_nothing():
    call = await asked_for_account()
    prompt_wait = call.timer_tokens[-1]
    await call.press("123456")
    assert kinds(await call.late_timer(prompt_wait)) == []
    assert kinds(await call.press(OFF_MENU_KEY)) == [f"{prompts.NO_MATCH} {MAIN_MENU.spoken}"], "back at the menu"


async def test_a_late_timer_after_the_call_ended_does_nothing():
    call = await asked_for_account()
    prompt_wait = call.timer_tokens[-1]
    await call.hang_up()
    assert kinds(await call.late_timer(prompt_wait)) == []
    assert len(call.timers) == 0
