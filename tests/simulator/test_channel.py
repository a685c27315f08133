"""The simulated channel, against a bot whose every move the test writes.

Runs over HTTP and over the Bot Framework streaming protocol: the bot is
botbuilder's real CloudAdapter in both cases.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from simulator import (
    ActionKind,
    CallStatus,
    ChannelSimulator,
    EndReason,
    EventKind,
    FaultPlan,
    RecordingCommand,
    RecordingState,
)
from telephony import (
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_FAILED,
    HANDOFF_INITIATE,
    HANDOFF_STATUS,
    HANDOFF_TARGET_KEY,
    TELEPHONY_CHANNEL,
    ChannelError,
)

from .scripted_bot import ScriptedBot, command, speak

START, PAUSE, RESUME, STOP = (
    RecordingCommand.START,
    RecordingCommand.PAUSE,
    RecordingCommand.RESUME,
    RecordingCommand.STOP,
)


def on_call_start(*activities: Activity):
    """A script that sends `activities` when the call connects, and echoes keys."""

    async def script(context: TurnContext) -> None:
        if context.activity.type == "conversationUpdate":
            for activity in activities:
                await context.send_activity(activity)
        elif context.activity.type == "message":
            await context.send_activity(speak(f"heard {context.activity.text}"))

    return script


def results(bot: ScriptedBot) -> list[dict]:
    return [a.value for a in bot.of_type(COMMAND_RESULT_ACTIVITY)]


async def test_a_call_reaches_the_bot_as_the_telephony_channel(scripted, scripted_channel: ChannelSimulator):
    scripted.script = on_call_start(speak("hello"))
    call = await scripted_channel.place_call(caller="+14255550123", called="+18005550100")
    await call.press("7")
    await call.say("balance please")

    update, key, words = scripted.received[:3]
    assert update.type == "conversationUpdate" and update.members_added[0].id == "+14255550123"
    assert {a.channel_id for a in scripted.received} == {TELEPHONY_CHANNEL}
    assert key.from_property.id == "+14255550123" and key.recipient.name == "+18005550100"
    assert key.text == "7" and [e.type for e in key.entities] == [DTMF_ENTITY_TYPE]
    assert words.text == "balance please" and not words.entities
    assert call.said[:2] == ["hello", "heard 7"]


async def test_each_key_is_its_own_message(scripted, scripted_channel):
    scripted.script = on_call_start()
    call = await scripted_channel.place_call()
    await call.press("12#")
    assert [a.text for a in scripted.of_type("message")] == ["1", "2", "#"]


async def test_a_start_command_is_answered_with_success(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "c-1"))
    call = await scripted_channel.place_call()
    (result,) = await scripted.wait_for(COMMAND_RESULT_ACTIVITY)
    assert result.name == START.value
    assert result.value["commandId"] == "c-1" and "error" not in result.value
    assert call.recording.state is RecordingState.RECORDING


async def test_a_second_start_is_refused_as_already_in_progress(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "a"), command(START, "b"))
    call = await scripted_channel.place_call()
    await scripted.wait_for(COMMAND_RESULT_ACTIVITY, 2)
    first, second = results(scripted)
    assert "error" not in first
    assert second["commandId"] == "b"
    assert second["error"]["message"] == ChannelError.ALREADY_IN_PROGRESS.value
    assert call.recording.state is RecordingState.RECORDING


@pytest.mark.parametrize("refused", [PAUSE, STOP, RESUME])
async def test_commands_before_start_are_refused_as_not_started(scripted, scripted_channel, refused):
    scripted.script = on_call_start(command(refused, "x"))
    call = await scripted_channel.place_call()
    (result,) = await scripted.wait_for(COMMAND_RESULT_ACTIVITY)
    assert result.value["error"]["message"] == ChannelError.NOT_STARTED.value
    assert call.recording.state is RecordingState.STOPPED


async def test_pause_when_paused_and_resume_when_recording_are_refused(scripted, scripted_channel):
    scripted.script = on_call_start(
        command(START, "1"), command(RESUME, "2"), command(PAUSE, "3"), command(PAUSE, "4")
    )
    call = await scripted_channel.place_call()
    await scripted.wait_for(COMMAND_RESULT_ACTIVITY, 4)
    errors = ["error" in value for value in results(scripted)]
    assert errors == [False, True, False, True]
    assert call.recording.state is RecordingState.PAUSED


async def test_a_prompt_sent_before_the_start_result_is_not_recorded(scripted, scripted_channel):
    async def script(context: TurnContext) -> None:
        if context.activity.type == "conversationUpdate":
            await context.send_activity(command(START, "s"))
            await context.send_activity(speak("this call may be recorded"))
        elif context.activity.type == COMMAND_RESULT_ACTIVITY:
            await context.send_activity(speak("main menu"))

    scripted.script = script
    call = await scripted_channel.place_call()
    await call.wait_for_prompt("main menu")
    consent, menu = call.prompts
    assert not consent.recorded and menu.recorded
    span = call.recording.spans[0]
    assert consent.seq < span.start.seq < menu.seq


async def test_keys_pressed_while_paused_are_not_recorded(scripted, scripted_channel):
    async def script(context: TurnContext) -> None:
        activity = context.activity
        if activity.type == "conversationUpdate":
            await context.send_activity(command(START, "s"))
        elif activity.type == "message" and activity.text == "1":
            await context.send_activity(command(PAUSE, "p"))
        elif activity.type == "message" and activity.text == "#":
            await context.send_activity(command(RESUME, "r"))

    scripted.script = script
    call = await scripted_channel.place_call()
    await call.wait_for_recording(RecordingState.RECORDING)
    await call.press("1")
    await call.wait_for_recording(RecordingState.PAUSED)
    card = await call.press("4111")
    await call.press("#")
    await call.wait_for_recording(RecordingState.RECORDING)
    after = await call.press("5")

    assert not call.recording.any_recorded(card)
    assert call.recording.any_recorded(after)
    assert call.timeline.recorded_keys == "15"  # "#" was pressed while still paused
    for key in call.timeline.keys:
        assert key.recorded == any(span.contains(key.seq) for span in call.recording.spans)


async def test_hanging_up_stops_the_recording_and_tells_the_bot(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"))
    call = await scripted_channel.place_call()
    await call.wait_for_recording(RecordingState.RECORDING)
    await call.hang_up()
    assert call.status is CallStatus.HUNG_UP
    assert call.recording.state is RecordingState.STOPPED
    assert call.recording.files[0].end_reason is EndReason.HUNG_UP
    assert scripted.received[-1].type == "endOfConversation"


async def test_a_transfer_ends_the_call_and_the_recording(scripted, scripted_channel):
    handoff = Activity(type="event", name=HANDOFF_INITIATE, value={HANDOFF_TARGET_KEY: "+14255550100"})
    scripted.script = on_call_start(command(START, "s"))
    call = await scripted_channel.place_call()
    await call.wait_for_recording(RecordingState.RECORDING)
    scripted.script = on_call_start()

    async def transfer(context: TurnContext) -> None:
        await context.send_activity(handoff)

    scripted.script = transfer
    await call.say("agent")
    assert await call.wait_for_end() is CallStatus.TRANSFERRED
    assert call.transfer_target == "+14255550100"
    assert call.recording.files[0].end_reason is EndReason.TRANSFERRED
    assert call.violations == []


@pytest.mark.parametrize("target", ["14255550100", "+1-425-555-0100", "tel:+14255550100", None])
async def test_a_transfer_to_a_number_that_is_not_e164_fails(scripted, scripted_channel, target):
    scripted.script = on_call_start(Activity(type="event", name=HANDOFF_INITIATE, value={HANDOFF_TARGET_KEY: target}))
    call = await scripted_channel.place_call()
    (status,) = await scripted.wait_for("event")
    assert status.name == HANDOFF_STATUS and status.value["state"] == HANDOFF_FAILED
    assert call.status is CallStatus.CONNECTED
    assert any("E.164" in problem for problem in call.violations)


async def test_an_injected_transfer_failure_keeps_the_caller_with_the_bot(scripted, scripted_channel):
    scripted.script = on_call_start(Activity(type="event", name=HANDOFF_INITIATE, value={HANDOFF_TARGET_KEY: "+14255550100"}))
    call = scripted_channel.new_call(faults=FaultPlan().fail_next_transfer("busy"))
    await scripted_channel.connect(call)
    (status,) = await scripted.wait_for("event")
    assert status.value == {"state": HANDOFF_FAILED, "message": "busy"}
    assert call.status is CallStatus.CONNECTED


async def test_end_of_conversation_from_the_bot_ends_the_call(scripted, scripted_channel):
    scripted.script = on_call_start(speak("goodbye"), Activity(type="endOfConversation"))
    call = await scripted_channel.place_call()
    assert await call.wait_for_end() is CallStatus.ENDED_BY_BOT
    assert call.actions[-1].kind is ActionKind.HANG_UP


async def test_injected_failure_refuses_the_command_and_leaves_the_recording_off(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"))
    call = await scripted_channel.place_call(faults=FaultPlan().fail_next(START))
    (result,) = await scripted.wait_for(COMMAND_RESULT_ACTIVITY)
    assert result.value["error"]["message"]
    assert call.recording.state is RecordingState.STOPPED


async def test_a_command_never_answered_gets_no_result_and_changes_nothing(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"), speak("still here"))
    call = await scripted_channel.place_call(faults=FaultPlan().never_answer_next(START))
    await call.settle()
    assert results(scripted) == []
    assert call.recording.state is RecordingState.STOPPED


async def test_a_command_answered_twice_is_applied_once(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"))
    call = await scripted_channel.place_call(faults=FaultPlan().answer_twice_next(START))
    await scripted.wait_for(COMMAND_RESULT_ACTIVITY, 2)
    assert results(scripted)[0] == results(scripted)[1]
    assert len(call.recording.files) == 1


async def test_a_wrong_command_id_still_names_the_command(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "mine"))
    await scripted_channel.place_call(faults=FaultPlan().wrong_id_next(START))
    (result,) = await scripted.wait_for(COMMAND_RESULT_ACTIVITY)
    assert result.name == START.value and result.value["commandId"] != "mine"


async def test_a_delayed_result_takes_effect_when_it_arrives(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"))
    call = await scripted_channel.place_call(faults=FaultPlan().delay_next(START, 0.5))
    assert call.recording.state is RecordingState.STOPPED
    await call.wait_for_recording(RecordingState.RECORDING)
    result = call.timeline.of_kind(EventKind.COMMAND_RESULT)[0]
    command_sent = call.timeline.of_kind(EventKind.COMMAND)[0]
    assert (result.at - command_sent.at).total_seconds() >= 0.5


async def test_prompts_without_ssml_or_with_long_breaks_are_reported(scripted, scripted_channel):
    too_long = speak("wait <break time='6s'/> done")
    scripted.script = on_call_start(Activity(type="message", text="no speak"), too_long)
    call = await scripted_channel.place_call()
    await call.wait_for_prompt("done")
    assert any("no `speak`" in v for v in call.violations)
    assert any("6000 ms" in v for v in call.violations)


async def test_metadata_has_the_acs_shape_with_pauses_and_participants(scripted, scripted_channel, tmp_path):
    async def script(context: TurnContext) -> None:
        if context.activity.type == "conversationUpdate":
            await context.send_activity(command(START, "s"))
        elif context.activity.text == "1":
            await context.send_activity(command(PAUSE, "p"))
        elif context.activity.text == "2":
            await context.send_activity(command(RESUME, "r"))

    scripted.script = script
    call = await scripted_channel.place_call(caller="+14255550123")
    await call.wait_for_recording(RecordingState.RECORDING)
    await call.press("1")
    await call.wait_for_recording(RecordingState.PAUSED)
    await call.press("9")
    await call.press("2")
    await call.wait_for_recording(RecordingState.RECORDING)
    await call.hang_up()

    (metadata,) = call.recording.metadata()
    assert set(metadata) >= {
        "resourceId", "callId", "chunkDocumentId", "chunkIndex", "chunkStartTime", "chunkDuration",
        "pauseResumeIntervals", "recordingInfo", "participants",
    }
    assert len(metadata["pauseResumeIntervals"]) == 1
    assert metadata["pauseResumeIntervals"][0]["duration"] > 0
    caller_id = call.recording.metadata()[0]["participants"][0]["participantId"]
    assert caller_id.startswith("8:acs:")
    assert caller_id == scripted_channel.options.resource.participant_id("+14255550123")

    timeline_file, metadata_file = call.write_records(tmp_path)
    assert json.loads(metadata_file.read_text()) == metadata
    written = json.loads(timeline_file.read_text())
    keys = [e["text"] for e in written["events"] if e["kind"] == "key"]
    assert keys == ["1", "•", "•"]  # keys pressed while paused are not written down


async def test_stop_then_start_makes_a_second_recording_file(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "1"), command(STOP, "2"), command(START, "3"))
    call = await scripted_channel.place_call()
    await scripted.wait_for(COMMAND_RESULT_ACTIVITY, 3)
    await call.hang_up()
    assert [f.end_reason for f in call.recording.files] == [EndReason.STOPPED, EndReason.HUNG_UP]
    assert len(call.recording.metadata()) == 2


async def test_the_service_url_answers_bad_requests_with_4xx(scripted, scripted_channel):
    scripted.script = on_call_start()
    call = await scripted_channel.place_call()
    base = scripted_channel.service_url.rstrip("/")
    conversation = call.address.conversation_id
    async with aiohttp.ClientSession() as session:
        async def post(path: str, body: bytes) -> int:
            async with session.post(base + path, data=body, headers={"Content-Type": "application/json"}) as r:
                return r.status

        assert await post(f"/v3/conversations/{conversation}/activities", b"{not json") == 400
        assert await post(f"/v3/conversations/{conversation}/activities", b'{"text": "no type"}') == 400
        assert await post("/v3/conversations/nobody/activities", b'{"type": "message"}') == 404
        async with session.get(f"{base}/v3/conversations/{conversation}/activities") as response:
            assert response.status == 405
        reply = await session.post(f"{base}/v3/conversations/{conversation}/activities/abc", json={"type": "typing"})
        assert reply.status == 200 and (await reply.json())["id"]


async def test_many_calls_run_side_by_side(scripted, scripted_channel):
    scripted.script = on_call_start(command(START, "s"), speak("menu"))
    calls = await asyncio.gather(*(scripted_channel.place_call(caller=f"+1425555{n:04d}") for n in range(20)))
    await asyncio.gather(*(call.press("5") for call in calls))
    await asyncio.gather(*(call.wait_for_prompt("heard 5") for call in calls))
    assert all(call.recording.state is RecordingState.RECORDING for call in calls)
    assert len({call.address.conversation_id for call in calls}) == 20
