"""Call timers: fire proactively, replace, cancel, and never leak."""

import asyncio

from telephony import TIMER_EVENT, CallTimers, timer_token
from telephony.sdk import Activity, ChannelAccount, ConversationAccount, TurnContext
from telephony.testing import FakeAdapter


def a_call(conversation_id: str = "c1") -> Activity:
    """A message of a call, addressed as a channel addresses it (a timer continues its conversation)."""
    return Activity(
        type="message",
        conversation=ConversationAccount(id=conversation_id),
        channel_id="test",
        service_url="https://x/",
        from_property=ChannelAccount(id="caller"),
        recipient=ChannelAccount(id="bot"),
    )


def make(conversation_id="c1"):
    adapter = FakeAdapter(a_call(conversation_id))
    fired: list[tuple[str, str]] = []

    async def turn(context: TurnContext):
        fired.append((context.activity.conversation.id, timer_token(context)))

    timers = CallTimers(adapter, turn)
    context = TurnContext(adapter, a_call(conversation_id))
    return timers, context, fired


async def test_a_timer_continues_the_call_with_its_token_after_the_delay():
    timers, context, fired = make()
    token = timers.arm(context, 0.05)
    assert len(timers) == 1
    await asyncio.sleep(0.2)
    assert fired == [("c1", token)]
    assert len(timers) == 0


async def test_arming_again_replaces_the_pending_timer():
    timers, context, fired = make()
    timers.arm(context, 0.05)
    second = timers.arm(context, 0.05)
    await asyncio.sleep(0.2)
    assert fired == [("c1", second)]


async def test_a_cancelled_timer_never_fires():
    timers, context, fired = make()
    timers.arm(context, 0.05)
    timers.cancel("c1")
    await asyncio.sleep(0.2)
    assert fired == [] and len(timers) == 0


async def test_fire_now_runs_the_pending_timer_at_once():
    timers, context, fired = make()
    token = timers.arm(context, 60)
    assert await timers.fire_now("c1")
    assert fired == [("c1", token)] and len(timers) == 0
    assert not await timers.fire_now("c1")


async def test_close_cancels_everything():
    timers, context, fired = make()
    timers.arm(context, 60)
    await timers.close()
    assert len(timers) == 0 and fired == []


async def test_a_failing_timer_turn_is_logged_not_raised(caplog):
    adapter = FakeAdapter(a_call())

    async def turn(context):
        raise RuntimeError("boom")

    timers = CallTimers(adapter, turn)
    context = TurnContext(adapter, a_call())
    timers.arm(context, 60)
    assert await timers.fire_now("c1")
    assert "Timer turn failed" in caplog.text


def test_timer_token_reads_only_timer_events():
    adapter = FakeAdapter(a_call())
    event = TurnContext(adapter, Activity(type="event", name=TIMER_EVENT, value={"token": "t"}))
    other = TurnContext(adapter, Activity(type="event", name="other", value={"token": "t"}))
    assert timer_token(event) == "t" and timer_token(other) is None
