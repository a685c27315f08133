"""The main menu: keys, spoken synonyms, misses and silence (section 2)."""

import pytest

from dialogs import prompts
from telephony.wire import InputHint

from ..call_harness import Call, call_at_menu, kinds

MENU = prompts.MENU
AGAIN = f"{prompts.ANYTHING_ELSE} {MENU}"
NO_MATCH = f"{prompts.NO_MATCH} {MENU}"
NO_INPUT = f"{prompts.NO_INPUT} {MENU}"
HOLD = prompts.TRANSFER_HOLD



async def test_nine_repeats_the_menu():
    call = await call_at_menu()
    assert kinds(await call.press("9")) == [MENU]


@pytest.mark.parametrize("words", ["repeat", "Menu please", "Repeat."])
async def test_spoken_repeat(words):
    call = await call_at_menu()
    assert kinds(await call.say(words)) == [MENU]


@pytest.mark.parametrize("key_or_words", ["0", "agent", "Operator.", "a representative please", "HUMAN"])
async def test_zero_and_agent_words_transfer(key_or_words):
    call = await call_at_menu()
    sent = await (call.press(key_or_words) if key_or_words == "0" else call.say(key_or_words))
    assert kinds(sent) == [HOLD, "pause"]


@pytest.mark.parametrize("words", ["goodbye", "bye", "Please hang up", "Good bye!"])
async def test_goodbye_words_hang_up(words):
    call = await call_at_menu()
    assert kinds(await call.say(words)) == [prompts.GOODBYE, "endOfConversation"]


@pytest.mark.parametrize("key_or_words", ["1", "pay", "I want to make a payment", "my bill"])
async def test_one_and_payment_words_choose_payment(key_or_words):
    call = await call_at_menu()
    sent = await (call.press(key_or_words) if key_or_words == "1" else call.say(key_or_words))
    assert prompts.MENU not in kinds(sent)[:1]
    assert sent, "the payment step says something"


@pytest.mark.parametrize("key_or_words", ["2", "balance", "What's my balance?"])
async def test_two_and_balance_choose_balance(key_or_words):
    call = await call_at_menu()
    sent = await (call.press(key_or_words) if key_or_words == "2" else call.say(key_or_words))
    assert sent and kinds(sent)[0] != NO_MATCH


async def test_the_menu_expects_input_and_speaks_ssml():
    call = await call_at_menu()
    menu = (await call.press("9"))[0]
    assert menu.input_hint == InputHint.EXPECTING.value
    assert menu.speak.startswith("<speak") and "press 1" in menu.speak


async def test_a_key_off_the_menu_is_a_miss():
    call = await call_at_menu()
    assert kinds(await call.press("5")) == [NO_MATCH]
    assert kinds(await call.say("what's the weather")) == [NO_MATCH]


async def test_silence_asks_are_you_still_there():
    call = await call_at_menu()
    assert kinds(await call.silence()) == [NO_INPUT]


async def test_three_misses_of_either_kind_transfer_to_an_agent():
    call = await call_at_menu()
    assert kinds(await call.press("5")) == [NO_MATCH]
    assert kinds(await call.silence()) == [NO_INPUT]
    assert kinds(await call.say("banana")) == [HOLD, "pause"]


async def test_max_retries_is_a_setting():
    call = await call_at_menu(MAX_RETRIES=1)
    assert kinds(await call.press("5")) == [HOLD, "pause"]


async def test_empty_and_blank_messages_are_ignored():
    call = await call_at_menu()
    assert kinds(await call.say("")) == []
    assert kinds(await call.say("   ")) == []
    assert kinds(await call.press("9")) == [MENU]


async def test_a_stale_timer_does_nothing_after_the_caller_answered():
    call = await call_at_menu()
    stale = call.timers._pending[call.conversation_id].token  # the menu's no-input timer
    await call.press("9")  # answered: the menu re-arms a new timer
    from botbuilder.schema import Activity, ActivityTypes

    from telephony.timers import TIMER_EVENT

    assert kinds(await call._receive(Activity(type=ActivityTypes.event, name=TIMER_EVENT, value={"token": stale}))) == []


async def test_a_spoken_menu_word_on_the_phone_is_not_mistaken_for_a_key():
    call = await call_at_menu()
    # speech-to-text may give "1." for "one": on the phone only DTMF counts as a key
    assert kinds(await call.say("0")) == [NO_MATCH]


async def test_in_the_emulator_a_typed_key_works():
    call = Call(channel="emulator")
    await call.connect()
    assert kinds(await call.say("9")) == [MENU]
