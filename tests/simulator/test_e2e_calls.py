"""Whole calls against the real bot (`app.py` in a subprocess), over HTTP and streaming.

Each test follows one path of the call flow (docs/call-flow.md) and checks
what the caller heard and what ended up on the recording.
"""

from __future__ import annotations

import asyncio

from config import DefaultConfig
from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from simulator import (
    ActionKind,
    Call,
    CallStatus,
    ChannelSimulator,
    EndReason,
    EventKind,
    FaultPlan,
    RecordingCommand,
    RecordingState,
)

from .fixtures import FAST_SETTINGS

AGENT = DefaultConfig().AGENT_PHONE_NUMBER


def assert_clean(call: Call) -> None:
    """The bot spoke the protocol properly and did not talk to a finished call."""
    assert call.violations == []
    assert call.after_end == []


async def connected(channel: ChannelSimulator, faults: FaultPlan | None = None) -> Call:
    """A call that has heard the welcome and the main menu."""
    call = await channel.place_call(faults=faults)
    await call.wait_for_prompt(P.WELCOME)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    return call


async def menu_after_failed_start(channel: ChannelSimulator, faults: FaultPlan) -> Call:
    """A call whose recording could not start: the caller hears so, then the main menu."""
    call = await channel.place_call(faults=faults)
    await call.wait_for_prompt(P.RECORDING_FAILED)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    return call


async def expect_transfer(call: Call) -> None:
    """The caller hears the hold message and the call is handed to an agent."""
    await call.wait_for_prompt(P.TRANSFER_HOLD)
    assert await call.wait_for_end() is CallStatus.TRANSFERRED


async def expect_recording_stopped(call: Call) -> None:
    """The caller hears that recording has stopped, and it has."""
    await call.wait_for_prompt(P.RECORDING_STOPPED)
    await call.wait_for_recording(RecordingState.STOPPED)


async def hang_up_cleanly(call: Call) -> None:
    """The caller hangs up, and the bot kept to the protocol throughout."""
    await call.hang_up()
    assert_clean(call)


async def test_consent_is_heard_before_anything_is_recorded(channel):
    call = await connected(channel)
    welcome, menu = call.prompts[:2]
    assert "recorded" in welcome.text and "press star" in welcome.text
    assert not welcome.recorded
    assert menu.recorded
    first_span = call.recording.spans[0]
    assert welcome.seq < first_span.start.seq
    assert call.actions[0].name == RecordingCommand.START.value
    await hang_up_cleanly(call)


async def test_nine_repeats_the_menu(channel):
    call = await connected(channel)
    await call.press("9")
    prompt = await call.wait_for_prompt(MAIN_MENU.spoken)
    assert prompt.text == MAIN_MENU.spoken, "the menu itself, not a reprompt that contains it"
    await hang_up_cleanly(call)


async def test_unrecognised_input_gets_the_no_match_reprompt(channel):
    call = await connected(channel)
    await call.say("pizza")
    prompt = await call.wait_for_prompt(P.NO_MATCH)
    assert MAIN_MENU.spoken in prompt.text
    await hang_up_cleanly(call)


async def test_silence_gets_the_are_you_still_there_reprompt(channel):
    call = await connected(channel)
    await call.stay_silent(float(FAST_SETTINGS["NO_INPUT_TIMEOUT_S"]))
    prompt = await call.wait_for_prompt(P.NO_INPUT)
    assert MAIN_MENU.spoken in prompt.text
    await hang_up_cleanly(call)


async def test_zero_transfers_to_an_agent_with_the_recording_paused(channel):
    call = await connected(channel)
    await call.press("0")
    await expect_transfer(call)
    assert call.transfer_target == AGENT
    transfer = call.timeline.of_kind(EventKind.TRANSFER)[0]
    assert not transfer.recorded  # paused before the transfer was sent
    assert call.recording.files[-1].end_reason is EndReason.TRANSFERRED
    assert_clean(call)


async def test_saying_agent_transfers(channel):
    call = await connected(channel)
    await call.say("agent")
    await expect_transfer(call)
    assert_clean(call)


async def test_a_failed_transfer_resumes_recording_and_offers_more(channel):
    call = await connected(channel, FaultPlan().fail_next_transfer("no route"))
    await call.press("0")
    await call.wait_for_prompt(P.TRANSFER_HOLD)
    await call.wait_for_prompt(P.NO_AGENT)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    await call.wait_for_recording(RecordingState.RECORDING)
    assert call.status is CallStatus.CONNECTED
    await hang_up_cleanly(call)


async def test_goodbye_ends_the_call(channel):
    call = await connected(channel)
    await call.say("goodbye")
    await call.wait_for_prompt(P.GOODBYE)
    assert await call.wait_for_end() is CallStatus.ENDED_BY_BOT
    assert call.recording.state is RecordingState.STOPPED
    assert call.recording.files[0].end_reason is EndReason.HUNG_UP
    assert_clean(call)


async def test_star_stops_the_recording_for_the_rest_of_the_call(channel):
    call = await connected(channel)
    await call.press("*")
    await expect_recording_stopped(call)
    await call.settle()
    (pressed,) = await call.press("9")
    later = [p for p in call.prompts if p.seq > pressed.seq]
    assert later and not any(p.recorded for p in later)
    await call.hang_up()
    starts = [a for a in call.actions if a.name == RecordingCommand.START.value]
    assert len(starts) == 1
    assert call.recording.files[0].end_reason is EndReason.STOPPED
    assert_clean(call)


async def test_saying_stop_recording_opts_out(channel):
    call = await connected(channel)
    await call.say("stop recording")
    await expect_recording_stopped(call)
    await hang_up_cleanly(call)


async def test_a_failed_start_is_announced_and_the_call_goes_on(channel):
    call = await menu_after_failed_start(channel, FaultPlan().fail_next(RecordingCommand.START))
    assert call.recording.files == []
    await hang_up_cleanly(call)


async def test_a_start_never_answered_counts_as_failed(channel):
    call = await menu_after_failed_start(channel, FaultPlan().never_answer_next(RecordingCommand.START))
    await hang_up_cleanly(call)


async def test_input_before_the_start_result_gets_one_moment(channel):
    call = await channel.place_call(faults=FaultPlan().delay_next(RecordingCommand.START, 1.0))
    await call.say("hello")
    await call.wait_for_prompt(P.ONE_MOMENT)
    await call.wait_for_prompt(MAIN_MENU.spoken)
    await hang_up_cleanly(call)


async def test_a_result_with_the_wrong_command_id_still_counts(channel):
    call = await connected(channel, FaultPlan().wrong_id_next(RecordingCommand.START))
    assert P.RECORDING_FAILED not in call.said
    assert call.recording.state is RecordingState.RECORDING
    await hang_up_cleanly(call)


async def test_a_result_answered_twice_shows_the_menu_once(channel):
    call = await connected(channel, FaultPlan().answer_twice_next(RecordingCommand.START))
    await call.settle()
    await call.press("9")
    await call.wait_for_prompt(MAIN_MENU.spoken)
    assert sum(MAIN_MENU.spoken in text for text in call.said) == 2
    await hang_up_cleanly(call)


async def test_three_misses_transfer_to_an_agent(channel):
    call = await connected(channel)
    for _ in range(3):
        await call.say("pizza")
    await expect_transfer(call)
    assert_clean(call)


async def test_hanging_up_closes_the_recording_with_acs_metadata(channel, tmp_path):
    call = await connected(channel)
    await call.hang_up()
    (metadata,) = call.recording.metadata()
    assert metadata["pauseResumeIntervals"] == []
    participant_ids = [p["participantId"] for p in metadata["participants"]]
    assert participant_ids[0] == channel.options.resource.participant_id(call.address.caller)
    assert len(call.write_records(tmp_path)) == 2
    assert_clean(call)


async def test_a_hundred_calls_at_once_all_complete(channel):
    async def one_call(n: int) -> Call:
        call = await channel.place_call(caller=f"+1425555{n:04d}")
        await call.wait_for_prompt(MAIN_MENU.spoken, timeout=60)
        await call.say("goodbye")
        await call.wait_for_prompt(P.GOODBYE, timeout=60)
        await call.wait_for_end(timeout=60)
        return call

    calls = await asyncio.gather(*(one_call(n) for n in range(100)))
    for call in calls:
        assert call.status is CallStatus.ENDED_BY_BOT
        assert not call.prompts[0].recorded and call.prompts[1].recorded
        assert [a.kind for a in call.actions][-1] is ActionKind.HANG_UP
        assert_clean(call)
