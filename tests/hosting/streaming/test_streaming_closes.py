"""Every way a streaming socket ends: normal ones log nothing, broken ones one warning line.

The channel side is Microsoft's own npm client (through the simulator); the
faults it never makes (half a frame, garbage, a huge frame) come from a raw
peer. Each test counts the log records at WARNING and above, and the tasks
left running, once the socket is gone.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from dialogs.main_menu import MAIN_MENU
from hosting.streaming.assembly import Assembler
from hosting.streaming.connection import FRAME_LIMIT
from hosting.streaming.frames import PayloadType, packets
from simulator import ChannelOptions, ChannelSimulator, Transport

from .streaming_bot import StreamingBot, eventually, streaming_bot, tasks_settle
from .streaming_peer import RawPeer, ws_frame

SETTINGS = {"NO_INPUT_TIMEOUT_S": 30.0}  # a timer stays armed while a call waits at the menu


def call_start(conversation_id: str, service_url: str = "http://127.0.0.1:9/") -> dict:
    return {
        "type": "conversationUpdate",
        "id": f"{conversation_id}-1",
        "channelId": "telephony",
        "serviceUrl": service_url,
        "conversation": {"id": conversation_id},
        "from": {"id": "+14255550123"},
        "recipient": {"id": "28:bot", "name": "+18005550199"},
        "membersAdded": [{"id": "+14255550123"}],
        "locale": "en-US",
    }


async def at_menu(channel: ChannelSimulator):
    call = await channel.place_call()
    await call.wait_for_prompt(MAIN_MENU.spoken)
    return call


async def raw_call_at_menu(bot: StreamingBot) -> tuple[RawPeer, str]:
    """A raw socket carrying one call that has heard the menu (its timer armed)."""
    peer = await RawPeer.connect(bot.url)
    conversation_id = f"raw-{uuid.uuid4()}"
    assert await peer.post(call_start(conversation_id)) == 200
    return peer, conversation_id


def assert_forgotten(bot: StreamingBot, conversation_id: str) -> None:
    assert bot.open_calls == 0
    assert bot.pending_timers == 0
    assert not bot.remembers(conversation_id)


@pytest.mark.parametrize("transport", [Transport.WEBSOCKET, Transport.WEBSOCKET_MULTIPLEXED])
async def test_a_caller_who_hangs_up_leaves_no_log_record_no_call_and_no_task(transport, capfd):
    async with streaming_bot(**SETTINGS) as bot:
        async with ChannelSimulator(bot.url, transport=transport) as channel:
            first = await at_menu(channel)  # opens the shared socket, if the calls share one
            await first.hang_up()
            await first.close()
            await tasks_settle(set())
            baseline = set(asyncio.all_tasks())
            call = await at_menu(channel)
            assert await eventually(lambda: bot.pending_timers == 1)
            await call.hang_up()
            await call.close()
            assert await tasks_settle(baseline) == []
            assert_forgotten(bot, call.address.conversation_id)
            assert call.violations == []
        assert bot.warnings() == []
    assert "Traceback" not in capfd.readouterr().err


async def test_a_socket_the_channel_closes_mid_call_ends_the_call_without_a_log_record():
    options = ChannelOptions(end_of_conversation_on_hang_up=False)
    async with streaming_bot(**SETTINGS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET, options=options) as channel:
            baseline = set(asyncio.all_tasks())
            call = await at_menu(channel)
            await call.hang_up()
            await call.close()  # the socket closes; the bot was never told the caller left
            assert await tasks_settle(baseline) == []
            assert_forgotten(bot, call.address.conversation_id)
        assert bot.warnings() == []


async def test_shutting_the_bot_down_with_calls_on_open_sockets_logs_nothing_and_leaves_no_task(capfd):
    async with streaming_bot(**SETTINGS) as bot:
        baseline = set(asyncio.all_tasks())
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel:
            baseline |= set(asyncio.all_tasks())
            await asyncio.gather(at_menu(channel), at_menu(channel))
            await asyncio.wait_for(bot.stop(), 10)
            assert await tasks_settle(baseline) == []
            assert bot.open_calls == 0
            assert bot.pending_timers == 0
        assert bot.warnings() == []
    assert "Traceback" not in capfd.readouterr().err


async def broken_mid_frame(peer: RawPeer) -> None:
    frame = ws_frame(b"A.000100." + b"0" * 200)
    peer.write(frame[: len(frame) // 2])
    await asyncio.sleep(0.05)
    peer.abort()


async def garbage(peer: RawPeer) -> None:
    peer.send(b"this is not the streaming protocol at all, but it is longer than a header")


async def oversized(peer: RawPeer) -> None:
    peer.send(b"\0" * (FRAME_LIMIT + 1))


async def deeply_nested(peer: RawPeer) -> None:
    """A request header nested deeper than Python's parser recurses."""
    header = b'{"verb":"POST","path":"/api/messages","x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    peer.send(b"".join(packets(PayloadType.REQUEST, str(uuid.uuid4()), header)))


@pytest.mark.parametrize(
    "fault", [broken_mid_frame, garbage, oversized, deeply_nested], ids=["dropped-mid-frame", "garbage", "oversized", "deeply-nested"]
)
async def test_a_broken_socket_is_one_warning_and_ends_only_its_own_calls(fault, capfd):
    async with streaming_bot(**SETTINGS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel:
            bystander = await at_menu(channel)
            assert await eventually(lambda: bot.pending_timers == 1)
            baseline = set(asyncio.all_tasks())
            peer, broken_call = await raw_call_at_menu(bot)
            assert await eventually(lambda: bot.open_calls == 2 and bot.pending_timers == 2)

            await fault(peer)
            await asyncio.wait_for(peer.closed.wait(), 10)
            assert await tasks_settle(baseline | {peer._task}) == []

            assert [r.levelname for r in bot.problems] == ["WARNING"], bot.warnings()
            assert "dropped" in bot.problems[0].getMessage()
            assert not bot.remembers(broken_call)
            assert bot.open_calls == 1
            assert bot.pending_timers == 1
            await bystander.press("9")
            await bystander.wait_for_prompt(MAIN_MENU.spoken)
            assert bystander.said.count(MAIN_MENU.spoken) >= 2
            assert bystander.violations == []
    assert "Traceback" not in capfd.readouterr().err


async def test_a_fault_in_reading_a_socket_ends_that_socket_and_its_calls_never_the_http_handler(monkeypatch):
    feed = Assembler.feed

    def failing_feed(assembler: Assembler, data: bytes) -> list:
        if b"fault-here" in data:
            raise RuntimeError("a fault in reading")
        return feed(assembler, data)

    monkeypatch.setattr(Assembler, "feed", failing_feed)
    async with streaming_bot(**SETTINGS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel:
            bystander = await at_menu(channel)
            peer, broken_call = await raw_call_at_menu(bot)
            assert await eventually(lambda: bot.open_calls == 2 and bot.pending_timers == 2)

            peer.send(b"fault-here")
            await asyncio.wait_for(peer.closed.wait(), 10)

            assert await eventually(lambda: len(bot.problems) == 2)
            assert [(r.levelname, r.name) for r in bot.problems] == [
                ("ERROR", "hosting.streaming.connection"),
                ("WARNING", "hosting.adapter"),
            ], bot.warnings()
            assert not bot.remembers(broken_call)
            assert bot.open_calls == 1 and bot.pending_timers == 1
            await bystander.press("9")
            await bystander.wait_for_prompt(MAIN_MENU.spoken)
