"""Call start: recording, consent, the hold prompt and the start result (docs/call-flow.md, section 1)."""

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU
from telephony import InputHint, RecordingCommand

from ..call_harness import OFF_MENU_KEY, kinds, phone_call

MENU = MAIN_MENU.spoken


async def test_sends_recording_start_then_the_consent_notice_played_whole():
    call = phone_call()
    sent = await call.connect()
    assert kinds(sent) == ["start", prompts.WELCOME]
    command, welcome = sent
    assert command.value["commandId"] and not getattr(command, "data", None)
    assert "recorded" in welcome.text and "press star" in welcome.text
    assert welcome.input_hint == InputHint.IGNORING.value
    assert welcome.speak.startswith("<speak version='1.0'") and "en-US-JennyNeural" in welcome.speak


async def test_menu_follows_a_successful_start():
    call = phone_call()
    await call.connect()
    sent = await call.answer(RecordingCommand.START)
    assert kinds(sent) == [MENU]
    assert sent[0].input_hint == InputHint.EXPECTING.value


async def test_failed_start_is_announced_and_the_call_continues():
    call = phone_call()
    await call.connect()
    sent = await call.answer(RecordingCommand.START, error="Internal error")
    assert kinds(sent) == [prompts.RECORDING_FAILED, MENU]


async def test_no_start_result_in_time_counts_as_failed():
    call = phone_call()
    await call.connect()
    sent = await call.silence()
    assert kinds(sent) == [prompts.RECORDING_FAILED, MENU]


async def test_a_late_start_result_after_the_timeout_changes_nothing_the_caller_hears():
    call = phone_call()
    await call.connect()
    await call.silence()
    assert kinds(await call.answer(RecordingCommand.START)) == []
    assert kinds(await call.press(OFF_MENU_KEY)) == [f"{prompts.NO_MATCH} {MENU}"], "at the menu"


async def test_input_while_waiting_for_the_start_result_gets_one_moment_please():
    call = phone_call()
    await call.connect()
    assert kinds(await call.press(MAIN_MENU.keys[0])) == [prompts.ONE_MOMENT]  # a key some row is on
    assert kinds(await call.say("hello")) == [prompts.ONE_MOMENT]
    # the key pressed early is not applied later: the menu is offered as usual
    assert kinds(await call.answer(RecordingCommand.START)) == [MENU]


async def test_a_result_without_value_counts_as_success():
    call = phone_call()
    await call.connect()
    assert kinds(await call.answer(RecordingCommand.START, no_value=True)) == [MENU]


async def test_a_result_with_a_wrong_name_is_ignored():
    call = phone_call()
    await call.connect()
    assert kinds(await call.answer(RecordingCommand.PAUSE)) == []
    assert kinds(await call.answer(RecordingCommand.START)) == [MENU]


async def test_a_result_with_a_wrong_command_id_is_matched_by_name():
    call = phone_call()
    await call.connect()
    assert kinds(await call.answer(RecordingCommand.START, command_id="not-the-one")) == [MENU]


async def test_duplicated_results_are_applied_once():
    call = phone_call()
    await call.connect()
    assert kinds(await call.answer(RecordingCommand.START)) == [MENU]
    assert kinds(await call.answer(RecordingCommand.START)) == []
    assert call.commands() == [RecordingCommand.START]


async def test_emulator_gets_no_commands_and_reaches_the_menu_at_once():
    call = phone_call(channel="emulator")
    sent = await call.connect()
    assert kinds(sent) == [prompts.WELCOME, MENU]
    assert call.commands() == []


async def test_a_repeated_conversation_update_does_not_restart_the_call():
    call = phone_call()
    await call.connect()
    assert kinds(await call.connect()) == []
    assert call.commands() == [RecordingCommand.START]
