"""The main menu: keys, spoken synonyms, misses and silence (docs/call-flow.md, section 2)."""

import re
from dataclasses import replace

import pytest

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU
from telephony import InputHint, Menu, MenuError, MenuOption, RecordingCommand, StepOutcome
from telephony.sdk import Dialog, DialogContext, DialogTurnResult
from telephony.testing import FakeChannel

from ..call_harness import call_at_menu, kinds, phone_call

MENU = MAIN_MENU.spoken
AGAIN = f"{prompts.ANYTHING_ELSE} {MENU}"
NO_MATCH = f"{prompts.NO_MATCH} {MENU}"
NO_INPUT = f"{prompts.NO_INPUT} {MENU}"
HOLD = prompts.TRANSFER_HOLD
BALANCE = prompts.BALANCE.format(amount="42 dollars and 17 cents", due_date="March 3rd")


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
    assert kinds(await call.late_timer(stale)) == []


async def test_a_spoken_menu_word_on_the_phone_is_not_mistaken_for_a_key():
    call = await call_at_menu()
    # speech-to-text may give "1." for "one": on the phone only DTMF counts as a key
    assert kinds(await call.say("0")) == [NO_MATCH]


async def test_in_the_emulator_a_typed_key_works():
    call = phone_call(channel="emulator")
    await call.connect()
    assert kinds(await call.say("9")) == [MENU]


# ---- the table ------------------------------------------------------------------

#: The keys docs/call-flow.md promises callers, by the row they choose.
PROMISED_KEYS = {"payment": "1", "balance": "2", "agent": "0", "repeat": "9", "goodbye": None}


async def reaches(call: FakeChannel, sent: list) -> str:
    """Which step the caller reached, told apart by what it says (payment and balance both ask for the account)."""
    said = kinds(sent)
    if said == [prompts.ACCOUNT_NUMBER]:
        after_account = kinds(await call.press("123456"))
        return "payment" if after_account[0].startswith(f"{BALANCE} To pay it now") else "balance"
    return {
        (HOLD, "pause"): "agent",
        (MENU,): "repeat",
        (prompts.GOODBYE, "endOfConversation"): "goodbye",
    }.get(tuple(said), f"nothing known: {said}")


def test_the_menu_has_the_keys_callers_are_promised():
    assert {option.name: option.key for option in MAIN_MENU} == PROMISED_KEYS
    assert MENU == (
        "For billing and payments, press 1. To hear your balance, press 2. "
        "To speak with an agent, press 0. To hear these options again, press 9."
    )


@pytest.mark.parametrize("option", [option for option in MAIN_MENU if option.key], ids=lambda option: option.name)
async def test_each_key_reaches_its_step(option):
    call = await call_at_menu()
    assert await reaches(call, await call.press(option.key)) == option.name


@pytest.mark.parametrize(
    ("option", "words"),
    [(option, words) for option in MAIN_MENU for words in option.synonyms],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
async def test_each_synonym_reaches_its_step(option, words):
    call = await call_at_menu()
    assert await reaches(call, await call.say(f"um, {words.upper()} please")) == option.name


# ---- making it yours: "3 = report an outage" is one row and one dialog --------------

OUTAGE_LOGGED = "Thank you. We have logged the outage at your address."


class OutageDialog(Dialog):
    """A fork's new step: takes the call's dependencies, like every task the menu starts."""

    def __init__(self, deps):
        super().__init__("outage")
        self.deps = deps

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        await dc.context.send_activity(self.deps.prompts.say(OUTAGE_LOGGED))
        return await dc.end_dialog(StepOutcome.DONE)


OUTAGE = MenuOption("outage", "3", "To report an outage, press 3.", ("outage", "power cut"), step=OutageDialog)


def with_outage() -> Menu:
    *tasks, agent, repeat, goodbye = MAIN_MENU
    return Menu(*tasks, OUTAGE, agent, repeat, goodbye)


async def test_a_new_row_is_offered_in_the_menu_and_its_key_and_words_start_its_dialog():
    call = phone_call(menu=with_outage())
    await call.connect()
    (menu,) = kinds(await call.answer(RecordingCommand.START))
    assert "To hear your balance, press 2. To report an outage, press 3. To speak with an agent" in menu
    assert kinds(await call.press("3")) == [OUTAGE_LOGGED, f"{prompts.ANYTHING_ELSE} {menu}"]
    assert kinds(await call.say("there is a power cut")) == [OUTAGE_LOGGED, f"{prompts.ANYTHING_ELSE} {menu}"]


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (replace(OUTAGE, key="9"), "options 'outage' and 'repeat' are both on key '9'"),
        (replace(OUTAGE, words="To report an outage, press 4."), "says 'press 4', but no option is on that key"),
        (replace(OUTAGE, words="To report an outage, press 2."), "says 'press 2', but that key is 'balance''s"),
        (replace(OUTAGE, words="To report an outage."), "'outage' is on key '3' but its words never say which"),
        (replace(OUTAGE, key=None, synonyms=()), "'outage' has neither a key nor words"),
    ],
)
def test_a_table_whose_words_and_keys_disagree_is_refused_naming_the_row(bad_row, message):
    *tasks, agent, repeat, goodbye = MAIN_MENU
    with pytest.raises(MenuError, match=re.escape(message)):
        Menu(*tasks, bad_row, agent, repeat, goodbye)


def test_a_row_that_starts_nothing_stops_the_bot_at_start_up():
    *tasks, agent, repeat, goodbye = MAIN_MENU
    menu = Menu(*tasks, replace(OUTAGE, step=None), agent, repeat, goodbye)
    with pytest.raises(MenuError, match="option 'outage' starts None"):
        phone_call(menu=menu)


