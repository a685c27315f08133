"""Goodbye, opt-out and global words, hang-up (docs/call-flow.md, sections 7 and 8)."""

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU, MenuAction
from telephony import InputHint, RecordingCommand

from ..call_harness import OFF_MENU_KEY, call_at_menu, key, kinds, phone_call

MENU = MAIN_MENU.spoken



async def test_goodbye_thanks_the_caller_and_hangs_up_without_stopping_the_recording():
    call = await call_at_menu()
    sent = await call.say("goodbye")
    assert kinds(sent) == [prompts.GOODBYE, "endOfConversation"]
    assert sent[0].input_hint == InputHint.IGNORING.value
    assert call.commands() == [RecordingCommand.START]


async def test_stop_recording_on_hangup_sends_a_stop_first():
    call = await call_at_menu(STOP_RECORDING_ON_HANGUP=True)
    assert kinds(await call.say("bye")) == [prompts.GOODBYE, "stop", "endOfConversation"]


async def test_star_stops_the_recording_for_the_rest_of_the_call():
    call = await call_at_menu()
    assert kinds(await call.press("*")) == ["stop", prompts.RECORDING_STOPPED, MENU]
    assert kinds(await call.answer(RecordingCommand.STOP)) == []
    await call.press(key(MenuAction.TRANSFER))  # a transfer would pause a running recording
    assert call.commands() == [RecordingCommand.START, RecordingCommand.STOP]


async def test_spoken_opt_out():
    call = await call_at_menu()
    assert kinds(await call.say("Please do not record this call")) == ["stop", prompts.RECORDING_STOPPED, MENU]


async def test_opt_out_before_the_start_result_stops_once_the_start_lands():
    call = phone_call()
    await call.connect()
    assert kinds(await call.press("*")) == [prompts.RECORDING_STOPPED]
    assert kinds(await call.answer(RecordingCommand.START)) == ["stop"]
    assert kinds(await call.answer(RecordingCommand.STOP)) == [MENU]


async def test_opt_out_before_a_failed_start_sends_nothing_more():
    call = phone_call()
    await call.connect()
    await call.press("*")
    assert kinds(await call.answer(RecordingCommand.START, error="Internal error")) == [MENU]
    assert call.commands() == [RecordingCommand.START]


async def test_opting_out_twice_sends_one_stop():
    call = await call_at_menu()
    await call.press("*")
    assert kinds(await call.press("*")) == [prompts.RECORDING_STOPPED, MENU]
    assert call.commands().count(RecordingCommand.STOP) == 1


async def test_opt_out_in_the_emulator_sends_no_command():
    call = phone_call(channel="emulator")
    await call.connect()
    assert kinds(await call.press("*")) == [prompts.RECORDING_STOPPED, MENU]
    assert call.commands() == []


async def test_agent_works_while_waiting_for_the_start_result():
    call = phone_call()
    await call.connect()
    assert kinds(await call.say("agent")) == [prompts.TRANSFER_HOLD]  # nothing to pause yet


async def test_hang_up_is_safe_to_receive_twice_and_forgets_the_call():
    call = await call_at_menu()
    assert kinds(await call.hang_up()) == []
    assert kinds(await call.hang_up()) == []
    assert len(call.timers) == 0
    assert call.storage.snapshot() == {}


async def test_hang_up_before_anything_else_is_safe():
    call = phone_call()
    assert kinds(await call.hang_up()) == []


async def test_results_after_hang_up_are_ignored():
    call = phone_call()
    await call.connect()
    await call.hang_up()
    assert kinds(await call.answer(RecordingCommand.START)) == []


async def test_no_timer_leaks_after_many_calls():
    for number in range(50):
        call = phone_call(conversation_id=f"call-{number}")
        await call.connect()
        await call.answer(RecordingCommand.START)
        await call.press(OFF_MENU_KEY)
        await call.hang_up()
        assert len(call.timers) == 0
