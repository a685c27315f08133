"""Payloads on a streaming socket: assembled from any framing, bounded by what arrived.

botbuilder's receiver reserved a list slot per announced byte: 40 sockets each
announcing a 999,999-byte stream and sending 4 KiB made the bot hold about
300 MiB. These tests announce much and send little.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hosting.streaming.assembly import PENDING_LIMIT, Assembler, IncomingRequest
from hosting.streaming.frames import BODY_LIMIT, MAX_CHUNK, PayloadType, ProtocolError, message, packets, parse_header

from .streaming_bot import eventually, streaming_bot
from .streaming_peer import RawPeer
from .test_streaming_closes import call_start


def stream_header(identifier: str, length: int) -> bytes:
    return f"S.{length:06d}.{identifier}.1\n".encode()


def announced_but_unsent() -> bytes:
    """A request whose body is announced at 999,999 bytes, of which 4 KiB are sent."""
    request_id, stream_id = str(uuid.uuid4()), str(uuid.uuid4())
    meta = {"verb": "POST", "path": "/api/messages", "streams": [{"id": stream_id, "length": 999_999}]}
    request = b"".join(packets(PayloadType.REQUEST, request_id, json.dumps(meta).encode()))
    return request + stream_header(stream_id, 999_999) + b"x" * 4096


def test_a_long_payload_goes_out_in_chunks_the_npm_client_accepts():
    body = bytes(range(256)) * 40  # 10,240 bytes
    sent = b"".join(packets(PayloadType.STREAM, str(uuid.uuid4()), body))
    headers = [parse_header(sent[i : i + 48]) for i in (0, 48 + MAX_CHUNK, 2 * (48 + MAX_CHUNK))]
    assert [h.length for h in headers] == [MAX_CHUNK, MAX_CHUNK, len(body) - 2 * MAX_CHUNK]
    assert [h.end for h in headers] == [False, False, True]


@settings(max_examples=50, deadline=None)
@given(body=st.binary(min_size=1, max_size=3 * MAX_CHUNK), cuts=st.lists(st.integers(min_value=1, max_value=5000)))
def test_a_request_is_assembled_the_same_however_its_bytes_are_framed(body, cuts):
    data = message(PayloadType.REQUEST, str(uuid.uuid4()), {"verb": "POST", "path": "/api/messages"}, body)
    assembler, received, position = Assembler(), [], 0
    for cut in cuts + [len(data)]:
        received += assembler.feed(data[position : position + cut])
        position += cut
    assert [(r.verb, r.path, r.body) for r in received] == [("POST", "/api/messages", body)]
    assert assembler.held_bytes == 0


def test_memory_follows_the_bytes_that_arrived_not_the_bytes_announced():
    assembler = Assembler()
    assert assembler.feed(announced_but_unsent()) == []
    assert assembler.held_bytes < 8 * 1024


def test_a_body_announced_over_the_http_limit_is_refused_at_once_and_its_bytes_dropped():
    assembler = Assembler()
    request_id, stream_id = str(uuid.uuid4()), str(uuid.uuid4())
    meta = {"verb": "POST", "path": "/api/messages", "streams": [{"id": stream_id, "length": BODY_LIMIT + 1}]}
    received = assembler.feed(b"".join(packets(PayloadType.REQUEST, request_id, json.dumps(meta).encode())))
    assert received == [IncomingRequest(request_id, "POST", "/api/messages", None, too_large=True)]
    for _ in range(300):  # more than the limit, in chunks
        assert assembler.feed(f"S.004096.{stream_id}.0\n".encode() + b"x" * 4096) == []
    assert assembler.held_bytes < 8 * 1024


async def test_forty_sockets_announcing_large_streams_cost_the_bot_what_they_sent():
    async with streaming_bot() as bot:
        peers = [await RawPeer.connect(bot.url) for _ in range(40)]
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for peer in peers:
                peer.send(announced_but_unsent())
            await asyncio.sleep(0.5)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert grown < 4 * 1024 * 1024, f"{grown / 2**20:.1f} MiB held for 40 x 4 KiB"
        for peer in peers:
            await peer.close()
        assert bot.warnings() == []


async def test_a_request_announcing_a_body_over_the_limit_is_answered_413_and_the_socket_stays():
    async with streaming_bot() as bot:
        peer = await RawPeer.connect(bot.url)
        request_id, stream_id = str(uuid.uuid4()), str(uuid.uuid4())
        meta = {"verb": "POST", "path": "/api/messages", "streams": [{"id": stream_id, "length": BODY_LIMIT + 1}]}
        refused = await peer.ask(b"".join(packets(PayloadType.REQUEST, request_id, json.dumps(meta).encode())), request_id)
        assert refused.status == 413
        assert await peer.post(call_start(f"after-{uuid.uuid4()}")) == 200
        await peer.close()
        assert bot.warnings() == []


def _nested(depth: int) -> dict:
    document: dict = {}
    for _ in range(depth):
        document = {"x": document}
    return document


MALFORMED = {
    "from is not an object": {**call_start("bad-from"), "from": "x"},
    "entities is not a list": {**call_start("bad-entities"), "entities": {"type": "DTMF"}},
    "no conversation": {key: value for key, value in call_start("none").items() if key != "conversation"},
    "null channel id": {**call_start("null-channel"), "channelId": None},
    "a bad timestamp": {**call_start("bad-time"), "timestamp": "yesterday"},
    "nested a hundred deep": {**call_start("deep"), "value": _nested(100)},
    "a null member added": {**call_start("null-member"), "membersAdded": [None]},
}


async def test_an_invoke_the_bot_does_not_handle_gets_the_protocols_answer_on_a_socket():
    async with streaming_bot() as bot:
        peer = await RawPeer.connect(bot.url)
        card_action = {**call_start(f"invoke-{uuid.uuid4()}"), "type": "invoke", "name": "adaptiveCard/action", "value": {}}
        assert await peer.post(card_action) == 400
        assert await peer.post({**card_action, "name": "anything/else"}) == 501
        await peer.close()
        assert bot.warnings() == []


async def test_a_malformed_activity_on_a_socket_is_answered_400_and_the_socket_stays():
    async with streaming_bot() as bot:
        peer = await RawPeer.connect(bot.url)
        for reason, activity in MALFORMED.items():
            assert await peer.post(activity) == 400, reason
        assert await peer.post(call_start(f"after-{uuid.uuid4()}")) == 200
        await peer.close()
        assert bot.warnings() == []


def header_announcing_unsent_body(padding: int) -> bytes:
    """A request header padded to `padding` bytes of JSON, announcing a 10-byte body it never sends."""
    meta = {"verb": "POST", "path": "/api/messages", "streams": [{"id": str(uuid.uuid4()), "length": 10}]}
    meta["pad"] = [0] * (padding // 2)
    return b"".join(packets(PayloadType.REQUEST, str(uuid.uuid4()), json.dumps(meta, separators=(",", ":")).encode()))


def test_requests_waiting_for_their_bodies_count_against_the_sockets_bound():
    assembler = Assembler()
    assert assembler.feed(header_announcing_unsent_body(100_000)) == []
    assert assembler.held_bytes >= 100_000
    with pytest.raises(ProtocolError):
        for _ in range(PENDING_LIMIT // 100_000 + 1):
            assembler.feed(header_announcing_unsent_body(100_000))


@pytest.mark.parametrize("kind", ["A", "B", "S"])
def test_stream_and_request_ids_that_never_complete_count_against_the_sockets_bound(kind):
    assembler = Assembler()
    with pytest.raises(ProtocolError):
        for _ in range(PENDING_LIMIT // 16):  # far more ids than the bound allows, even at 16 bytes each
            assembler.feed(f"{kind}.000001.{uuid.uuid4()}.0\n".encode() + b"{")
    assert assembler.held_bytes <= PENDING_LIMIT + 64 * 1024


@pytest.mark.parametrize("kind", ["A", "B", "S"])
def test_an_empty_packet_that_does_not_end_its_payload_breaks_the_protocol(kind):
    with pytest.raises(ProtocolError):
        Assembler().feed(f"{kind}.000000.{uuid.uuid4()}.0\n".encode())


def test_empty_streams_that_end_at_once_and_belong_to_no_request_count_against_the_bound():
    assembler = Assembler()
    with pytest.raises(ProtocolError):
        for _ in range(PENDING_LIMIT // 16):
            assembler.feed(f"S.000000.{uuid.uuid4()}.1\n".encode())


async def test_a_socket_holding_large_headers_whose_bodies_never_come_is_closed_and_costs_little():
    headers = [header_announcing_unsent_body(200_000) for _ in range(4 * PENDING_LIMIT // 200_000)]  # 4x the bound
    async with streaming_bot() as bot:
        peer = await RawPeer.connect(bot.url)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for header in headers:
                if peer.closed.is_set():
                    break
                peer.send(header)
                await peer.drain()
            await asyncio.wait_for(peer.closed.wait(), 10)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert grown < 2 * PENDING_LIMIT, f"{grown / 2**20:.1f} MiB held for one socket"
        assert await eventually(lambda: bot.problems)
        assert [r.levelname for r in bot.problems] == ["WARNING"], bot.warnings()
        assert "too many unfinished payloads" in bot.problems[0].getMessage()
