"""The main menu: keys, spoken synonyms, misses and silence (docs/call-flow.md, section 2)."""

import re
from dataclasses import replace

import pytest

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU, MenuAction
from dialogs.transfer import TRANSFER_DIALOG
from telephony import InputHint, KeyWords, Menu, MenuError, MenuOption, RecordingCommand, StepOutcome
from telephony.sdk import Dialog, DialogContext, DialogTurnResult
from telephony.testing import FakeChannel

from ..call_harness import OFF_MENU_KEY, call_at_menu, key, kinds, phone_call

MENU = MAIN_MENU.spoken
AGAIN = f"{prompts.ANYTHING_ELSE} {MENU}"
NO_MATCH = f"{prompts.NO_MATCH} {MENU}"
NO_INPUT = f"{prompts.NO_INPUT} {MENU}"
HOLD = prompts.TRANSFER_HOLD


async def test_the_repeat_key_repeats_the_menu():
    call = await call_at_menu()
    assert kinds(await call.press(key(MenuAction.REPEAT))) == [MENU]


@pytest.mark.parametrize("words", ["repeat", "Menu please", "Repeat."])
async def test_spoken_repeat(words):
    call = await call_at_menu()
    assert kinds(await call.say(words)) == [MENU]


@pytest.mark.parametrize("words", [None, "agent", "Operator.", "a representative please", "HUMAN"])
async def test_the_agent_key_and_agent_words_transfer(words):
    call = await call_at_menu()
    sent = await (call.press(key(MenuAction.TRANSFER)) if words is None else call.say(words))
    assert kinds(sent) == [HOLD, "pause"]


@pytest.mark.parametrize("words", ["goodbye", "bye", "Please hang up", "Good bye!"])
async def test_goodbye_words_hang_up(words):
    call = await call_at_menu()
    assert kinds(await call.say(words)) == [prompts.GOODBYE, "endOfConversation"]


async def test_the_menu_expects_input_and_speaks_ssml():
    call = phone_call()
    await call.connect()
    (menu,) = await call.answer(RecordingCommand.START)
    assert menu.input_hint == InputHint.EXPECTING.value
    first = next(option for option in MAIN_MENU if option.words)
    assert menu.speak.startswith("<speak") and first.words in menu.speak


async def test_a_key_off_the_menu_is_a_miss():
    call = await call_at_menu()
    assert kinds(await call.press(OFF_MENU_KEY)) == [NO_MATCH]
    assert kinds(await call.say("what's the weather")) == [NO_MATCH]


async def test_silence_asks_are_you_still_there():
    call = await call_at_menu()
    assert kinds(await call.silence()) == [NO_INPUT]


async def test_three_misses_of_either_kind_transfer_to_an_agent():
    call = await call_at_menu()
    assert kinds(await call.press(OFF_MENU_KEY)) == [NO_MATCH]
    assert kinds(await call.silence()) == [NO_INPUT]
    assert kinds(await call.say("banana")) == [HOLD, "pause"]


async def test_max_retries_is_a_setting():
    call = await call_at_menu(MAX_RETRIES=1)
    assert kinds(await call.press(OFF_MENU_KEY)) == [HOLD, "pause"]


async def test_empty_and_blank_messages_are_ignored():
    call = await call_at_menu()
    assert kinds(await call.say("")) == []
    assert kinds(await call.say("   ")) == []
    assert kinds(await call.press(OFF_MENU_KEY)) == [NO_MATCH], "still at the menu, no miss counted for the blanks"
    assert kinds(await call.press(OFF_MENU_KEY)) == [NO_MATCH]


async def test_a_stale_timer_does_nothing_after_the_caller_answered():
    call = await call_at_menu()
    stale = call.timers._pending[call.conversation_id].token  # the menu's no-input timer
    await call.press(OFF_MENU_KEY)  # answered: the menu re-arms a new timer
    assert kinds(await call.late_timer(stale)) == []


async def test_a_spoken_menu_word_on_the_phone_is_not_mistaken_for_a_key():
    call = await call_at_menu()
    # speech-to-text may give "1." for "one": on the phone only DTMF counts as a key
    assert kinds(await call.say(key(MenuAction.TRANSFER))) == [NO_MATCH]


# In a chat the agent's row gives the agent's number instead (test_text_channels.py).
@pytest.mark.parametrize(
    "option", [option for option in MAIN_MENU if option.key and option.step is not MenuAction.TRANSFER],
    ids=lambda option: option.name,
)
async def test_in_the_emulator_a_typed_key_works(option):
    menu, started = noting_starts(MAIN_MENU)
    call = phone_call(channel="emulator", menu=menu)
    await call.connect()
    assert await step_started(call, await call.say(option.key), started) == option.step


# ---- the table ------------------------------------------------------------------


def test_the_sample_menu_says_the_words_and_keys_callers_are_promised():
    """The one test that pins the sample's own menu (docs/call-flow.md, section 2): a fork changes it with its rows."""
    assert {option.name: option.key for option in MAIN_MENU} == {
        "payment": "1", "balance": "2", "agent": "0", "repeat": "9", "goodbye": None
    }
    assert MENU == (
        "For billing and payments, press 1. To hear your balance, press 2. "
        "To speak with an agent, press 0. To hear these options again, press 9."
    )


def noting_starts(menu: Menu) -> tuple[Menu, list]:
    """`menu` with each task row's dialog noting, as it begins, the step its row names."""
    started: list = []

    def noting(option: MenuOption) -> MenuOption:
        if not isinstance(option.step, type):
            return option
        step = option.step

        class Noted(step):
            async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
                started.append(step)
                return await super().begin_dialog(dc, options)

        return replace(option, step=Noted)

    return Menu(*map(noting, menu)), started


async def at_noting_menu() -> tuple[FakeChannel, list]:
    menu, started = noting_starts(MAIN_MENU)
    call = phone_call(menu=menu)
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call, started


async def step_started(call: FakeChannel, sent: list, started: list) -> object:
    """The step a choice started: a task's dialog as it noted itself, an action by what the call did."""
    if started:
        (step,) = started
        return step
    running = await call.dialog_stack()
    if TRANSFER_DIALOG in running:
        return MenuAction.TRANSFER
    if not running and kinds(sent)[-1:] == ["endOfConversation"]:
        return MenuAction.GOODBYE
    if kinds(sent) == [MENU]:
        return MenuAction.REPEAT
    return f"nothing a row starts: {kinds(sent)} in {running}"


@pytest.mark.parametrize("option", [option for option in MAIN_MENU if option.key], ids=lambda option: option.name)
async def test_each_key_starts_its_rows_step(option):
    call, started = await at_noting_menu()
    assert await step_started(call, await call.press(option.key), started) == option.step


@pytest.mark.parametrize(
    ("option", "words"),
    [(option, words) for option in MAIN_MENU for words in option.synonyms],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
async def test_each_synonym_starts_its_rows_step(option, words):
    call, started = await at_noting_menu()
    assert await step_started(call, await call.say(f"um, {words.upper()} please"), started) == option.step


# ---- making it yours: README's "3 = report an outage" is one row and one dialog ----------
# In a table of its own, so a fork that adds this very row to MAIN_MENU breaks nothing here.

OUTAGE_LOGGED = "Thank you. We have logged the outage."


class OutageDialog(Dialog):
    """A fork's new step: takes the call's dependencies, like every task the menu starts."""

    def __init__(self, deps):
        super().__init__("outage")
        self.deps = deps

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        await dc.context.send_activity(self.deps.prompts.say(OUTAGE_LOGGED))
        return await dc.end_dialog(StepOutcome.DONE)


OUTAGE = MenuOption("outage", "3", "To report an outage, press 3.", ("outage", "power cut"), step=OutageDialog)
BALANCE_ROW = MenuOption("balance", "2", "To hear your balance, press 2.", ("balance",), step=MenuAction.REPEAT)
REPEAT_ROW = MenuOption("repeat", "9", "To hear these options again, press 9.", ("repeat",), step=MenuAction.REPEAT)


def outage_menu(*rows: MenuOption) -> Menu:
    return Menu(BALANCE_ROW, *rows, REPEAT_ROW)


async def test_a_new_row_is_offered_in_the_menu_and_its_key_and_words_start_its_dialog():
    call = phone_call(menu=outage_menu(OUTAGE))
    await call.connect()
    (menu,) = kinds(await call.answer(RecordingCommand.START))
    assert menu == "To hear your balance, press 2. To report an outage, press 3. To hear these options again, press 9."
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
    with pytest.raises(MenuError, match=re.escape(message)):
        outage_menu(bad_row)


def test_a_row_that_starts_nothing_stops_the_bot_at_start_up():
    with pytest.raises(MenuError, match="option 'outage' starts None"):
        phone_call(menu=outage_menu(replace(OUTAGE, step=None)))


# ---- the menu in another language: the table passes its own key words ---------------

FRENCH_KEYS = KeyWords(
    r"\bappuyez sur (?:la touche )?(\w+)",
    {**{digit: digit for digit in "0123456789"}, "zéro": "0", "un": "1", "étoile": "*", "dièse": "#"},
)
FRENCH_MENU = Menu(
    MenuOption("panne", "1", "Pour signaler une panne, appuyez sur 1.", ("panne",), step=OutageDialog),
    MenuOption(
        "conseiller", "0", "Pour parler à un conseiller, appuyez sur zéro.", ("conseiller",), step=MenuAction.TRANSFER
    ),
    MenuOption("répéter", "#", "Pour réécouter, appuyez sur la touche dièse.", ("répéter",), step=MenuAction.REPEAT),
    key_words=FRENCH_KEYS,
)


async def test_a_french_table_is_offered_and_its_keys_and_words_start_its_steps():
    call = phone_call(menu=FRENCH_MENU)
    await call.connect()
    (menu,) = kinds(await call.answer(RecordingCommand.START))
    assert menu == (
        "Pour signaler une panne, appuyez sur 1. Pour parler à un conseiller, appuyez sur zéro. "
        "Pour réécouter, appuyez sur la touche dièse."
    )
    assert kinds(await call.press("1"))[0] == OUTAGE_LOGGED
    assert kinds(await call.say("Une panne de courant"))[0] == OUTAGE_LOGGED
    assert kinds(await call.press("#")) == [menu]
    assert kinds(await call.say("Un conseiller, s'il vous plaît")) == [HOLD, "pause"]
