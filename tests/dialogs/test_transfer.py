"""Transfer to an agent (docs/call-flow.md, section 6)."""

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU, MenuAction
from telephony import HANDOFF_TARGET_KEY, InputHint, RecordingCommand

from ..call_harness import OFF_MENU_KEY, call_at_menu, key, kinds

AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"



async def test_hold_prompt_then_pause_then_after_the_delay_the_handoff():
    call = await call_at_menu()
    sent = await call.press(key(MenuAction.TRANSFER))
    assert kinds(sent) == [prompts.TRANSFER_HOLD, "pause"]
    assert sent[0].input_hint == InputHint.IGNORING.value
    assert kinds(await call.answer(RecordingCommand.PAUSE)) == []
    handoff = await call.silence()  # the transfer delay runs out
    assert kinds(handoff) == ["handoff.initiate"]
    assert handoff[0].value == {HANDOFF_TARGET_KEY: "+14255550100"}


async def test_the_target_is_the_configured_agent_number():
    call = await call_at_menu(AGENT_PHONE_NUMBER="+442071234567")
    await call.press(key(MenuAction.TRANSFER))
    assert (await call.silence())[0].value == {HANDOFF_TARGET_KEY: "+442071234567"}


async def test_failed_handoff_resumes_recording_and_offers_the_menu_again():
    call = await call_at_menu()
    await call.press(key(MenuAction.TRANSFER))
    await call.answer(RecordingCommand.PAUSE)
    await call.silence()
    assert kinds(await call.handoff_failed()) == ["resume", prompts.NO_AGENT, AGAIN]


async def test_failed_handoff_does_not_resume_a_recording_the_bot_did_not_pause():
    call = await call_at_menu()
    await call.say("stop recording")
    await call.answer(RecordingCommand.STOP)
    await call.press(key(MenuAction.TRANSFER))
    await call.silence()
    assert kinds(await call.handoff_failed()) == [prompts.NO_AGENT, AGAIN]
    assert RecordingCommand.RESUME not in call.commands()


async def test_the_caller_on_hold_is_not_interrupted_by_keys_or_words():
    call = await call_at_menu()
    await call.press(key(MenuAction.TRANSFER))
    assert kinds(await call.press(OFF_MENU_KEY)) == []
    assert kinds(await call.press(MAIN_MENU.keys[0])) == []  # a key some row is on
    assert kinds(await call.say("goodbye")) == []
    assert kinds(await call.press("*")) == []


async def test_a_handoff_status_before_the_handoff_is_ignored():
    call = await call_at_menu()
    await call.press(key(MenuAction.TRANSFER))
    assert kinds(await call.handoff_failed()) == []


async def test_the_transfer_goes_ahead_when_the_pause_result_is_late():
    call = await call_at_menu()
    await call.press(key(MenuAction.TRANSFER))
    assert kinds(await call.silence()) == ["handoff.initiate"]


async def test_transfer_success_ends_with_the_channel_hanging_up_the_bot():
    call = await call_at_menu()
    await call.press(key(MenuAction.TRANSFER))
    await call.silence()
    assert kinds(await call.hang_up()) == []
    assert len(call.timers) == 0
    assert await call.storage.read(["telephony/conversations/call-1/"]) == {}
