"""Every way a streaming socket ends: normal ones log nothing, broken ones one warning line.

The channel side is Microsoft's own npm client (through the simulator); the
faults it never makes (half a frame, garbage, a huge frame) come from a raw
peer. Each test counts the log records at WARNING and above, and the tasks
left running, once the socket is gone.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from dialogs.main_menu import MAIN_MENU
from hosting import adapter
from hosting.streaming import connection
from hosting.streaming.assembly import Assembler
from hosting.streaming.connection import FRAME_LIMIT
from hosting.streaming.frames import PayloadType, message, packets
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


async def calls_on_one_raw_socket(bot: StreamingBot, count: int) -> tuple[RawPeer, list[str]]:
    peer = await RawPeer.connect(bot.url)
    conversation_ids = [f"raw-{uuid.uuid4()}" for _ in range(count)]
    for conversation_id in conversation_ids:
        assert await peer.post(call_start(conversation_id)) == 200
    assert await eventually(lambda: bot.open_calls == count and bot.pending_timers == count)
    return peer, conversation_ids


def assert_ended_in_one_warning(bot: StreamingBot, conversation_ids: list[str]) -> None:
    assert [r.levelname for r in bot.problems] == ["WARNING"], bot.warnings()
    assert "dropped" in bot.problems[0].getMessage()
    assert bot.open_calls == 0 and bot.pending_timers == 0
    assert not any(bot.remembers(conversation_id) for conversation_id in conversation_ids)


async def test_a_peer_that_stops_reading_is_dropped_by_the_heartbeat_in_one_warning_and_its_calls_end(monkeypatch):
    monkeypatch.setattr(adapter, "HEARTBEAT_S", 0.5)
    # The calls' no-input timers fire while the peer hangs: their reprompts wait for answers that never come.
    async with streaming_bot(NO_INPUT_TIMEOUT_S=0.3, RECORDING_RESULT_TIMEOUT_S=0.3) as bot:
        peer, conversation_ids = await calls_on_one_raw_socket(bot, 20)
        peer.stop_reading()
        assert await eventually(lambda: bot.problems and bot.open_calls == 0, timeout=5), bot.warnings()
        await asyncio.sleep(0.5)  # anything the ended calls would still log
        assert_ended_in_one_warning(bot, conversation_ids)
        assert "PONG" in bot.problems[0].getMessage() or "heartbeat" in bot.problems[0].getMessage()
        peer.abort()


async def test_microsofts_client_answers_the_heartbeat_so_an_idle_call_stays_up(monkeypatch):
    # aiohttp waits half a heartbeat for the PONG: 0.5 s, so a busy machine does not fail the client
    monkeypatch.setattr(adapter, "HEARTBEAT_S", 1.0)
    async with streaming_bot(**SETTINGS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel:
            call = await at_menu(channel)
            await asyncio.sleep(3.5)  # three heartbeats, each answered
            assert bot.open_calls == 1
            await call.press("9")
            await call.wait_for_prompt(MAIN_MENU.spoken)
            assert call.said.count(MAIN_MENU.spoken) >= 2
        assert bot.warnings() == []


async def test_a_peer_that_stops_answering_requests_is_dropped_in_one_warning_and_its_calls_end(monkeypatch):
    monkeypatch.setattr(connection, "ANSWER_TIMEOUT_S", 0.5)
    async with streaming_bot(NO_INPUT_TIMEOUT_S=0.3, RECORDING_RESULT_TIMEOUT_S=0.3) as bot:
        peer, conversation_ids = await calls_on_one_raw_socket(bot, 5)
        peer.answering = False  # it still reads, and answers pings
        assert await eventually(lambda: bot.problems and bot.open_calls == 0, timeout=5), bot.warnings()
        await asyncio.sleep(0.5)
        assert_ended_in_one_warning(bot, conversation_ids)
        assert "did not answer" in bot.problems[0].getMessage()
        await asyncio.wait_for(peer.closed.wait(), 5)


async def test_a_peer_that_sends_but_never_reads_is_dropped_once_a_send_waits_too_long(monkeypatch):
    monkeypatch.setattr(connection, "SEND_TIMEOUT_S", 0.3)
    async with streaming_bot(**SETTINGS) as bot:
        peer, conversation_ids = await calls_on_one_raw_socket(bot, 3)
        peer.stop_reading()  # its sends keep the heartbeat quiet; the bot's answers pile up unread
        asking = b"".join(
            message(PayloadType.REQUEST, str(uuid.uuid4()), {"verb": "GET", "path": "/api/version"}, None) for _ in range(1000)
        )
        for _ in range(40):  # about 10 MiB of answers, more than the kernel buffers for an unread socket
            if bot.problems:
                break
            peer.send(asking)
            await asyncio.sleep(0.05)
        assert await eventually(lambda: bot.problems and bot.open_calls == 0, timeout=5), bot.warnings()
        await asyncio.sleep(0.5)
        assert_ended_in_one_warning(bot, conversation_ids)
        assert "read nothing" in bot.problems[0].getMessage()
        peer.abort()
