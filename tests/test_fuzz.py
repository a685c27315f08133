"""Mutated requests against the real app: no 5xx, no traceback, and the server healthy after.

Three surfaces: request bodies over HTTP (activities, Event Grid deliveries),
request heads as raw bytes, and frames on a streaming (WebSocket) socket.
`make test` sends FUZZ_REQUESTS (default 2,000) bodies and a quarter as many
heads and frames; `make fuzz` sends 10,000 (and runs the Call Automation fuzz
at the same size). FUZZ_SEED picks another reproducible stream. The figures
are printed (`pytest -s`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
import uuid
from collections import Counter

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import create_app
from config import DefaultConfig
from hosting import request_guards
from tests.head_fuzzer import FuzzedHead, HeadFuzzer, exchange_head
from tests.hosting.streaming.streaming_bot import streaming_bot
from tests.hosting.streaming.streaming_peer import RawPeer, ws_frame
from tests.hosting.streaming.test_streaming_closes import call_start
from tests.request_fuzzer import FuzzedRequest, RequestFuzzer, Target
from tests.stream_fuzzer import FuzzedFrame, StreamFuzzer
from tests.test_app_http import service_url  # noqa: F401  (fixture)

FUZZ_REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2000"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "16"))
CONCURRENCY = 8
# Every request is answered well within this; one that is not counts as a failure.
ANSWER_WITHIN = aiohttp.ClientTimeout(total=30)
SECRET = "fuzz-secret"


@pytest.fixture
async def servers(tmp_path):
    local = dataclasses.replace(
        DefaultConfig(), EVENTGRID_SECRET=SECRET, RECORDINGS_DIR=str(tmp_path / "recordings"), LOG_LEVEL="INFO"
    )
    secured = dataclasses.replace(
        local, MicrosoftAppId="00000000-0000-0000-0000-0000000000f2", MicrosoftAppPassword="secret"
    )
    running = {"local": TestServer(create_app(local)), "secured": TestServer(create_app(secured))}
    for server in running.values():
        await server.start_server()
    yield running
    for server in running.values():
        await server.close()


def url_for(servers: dict[str, TestServer], request: FuzzedRequest, wrong_code: bool) -> str:
    if request.target is Target.MESSAGES_WITH_CREDENTIALS:
        return str(servers["secured"].make_url("/api/messages"))
    if request.target is Target.MESSAGES:
        return str(servers["local"].make_url("/api/messages"))
    return str(servers["local"].make_url("/api/recordings/events")) + f"?code={'nope' if wrong_code else SECRET}"


async def test_fuzzed_requests_get_no_5xx_and_leave_no_traceback(servers, service_url, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    fuzzer = RequestFuzzer(FUZZ_SEED, service_url.url)
    numbers = iter(range(FUZZ_REQUESTS))
    statuses: Counter[int] = Counter()
    targets: Counter[str] = Counter()
    server_errors: list[tuple[int, FuzzedRequest]] = []
    unanswered: list[FuzzedRequest] = []

    async def sender(session: aiohttp.ClientSession) -> None:
        for number in numbers:  # shared: each request is made and sent by one sender
            request = fuzzer.next()
            targets[request.target.name] += 1
            url = url_for(servers, request, wrong_code=number % 50 == 0)
            try:
                async with session.request(
                    request.method, url, data=request.body, headers=request.headers, timeout=ANSWER_WITHIN
                ) as response:
                    await response.read()
            except (asyncio.TimeoutError, aiohttp.ClientError):
                unanswered.append(request)
                continue
            statuses[response.status] += 1
            if response.status >= 500:
                server_errors.append((response.status, request))

    started = time.perf_counter()
    async with aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as session:
        await asyncio.gather(*(sender(session) for _ in range(CONCURRENCY)))
        for server in servers.values():
            async with session.get(server.make_url("/healthz")) as health:
                assert health.status == 200
    elapsed = time.perf_counter() - started

    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    print(
        f"\nfuzz: {FUZZ_REQUESTS} requests (seed {FUZZ_SEED}) in {elapsed:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}; 5xx: {len(server_errors)}; unanswered: {len(unanswered)}; "
        f"tracebacks logged: {len(tracebacks)}; "
        f"targets {dict(targets)}"
    )
    assert not server_errors, [
        (status, r.target.name, r.method, r.headers, r.body[:300]) for status, r in server_errors[:5]
    ]
    assert not unanswered, [(r.target.name, r.method, r.headers, r.body[:300]) for r in unanswered[:5]]
    assert not tracebacks, [r.getMessage()[:500] for r in tracebacks[:5]]


# ---------------------------------------------------------------- request heads, as raw bytes

HEAD_CASES = max(50, FUZZ_REQUESTS // 4)


async def test_fuzzed_request_heads_get_no_5xx_and_leave_no_traceback(servers, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(request_guards, "BODY_READ_TIMEOUT_S", 1.0)  # bodies shorter than announced: 408 sooner
    fuzzer = HeadFuzzer(FUZZ_SEED, secret=SECRET, token="t" * 43)
    cases = iter(range(HEAD_CASES))
    statuses: Counter[int | str | None] = Counter()
    server_errors: list[tuple[int, FuzzedHead]] = []

    async def sender() -> None:
        for number in cases:
            head = fuzzer.next()
            server = servers["secured" if number % 3 == 0 else "local"]
            status = await exchange_head(server.host, server.port, head.raw)
            statuses[status] += 1
            if isinstance(status, int) and status >= 500:
                server_errors.append((status, head))

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
    async with aiohttp.ClientSession() as session:
        for server in servers.values():
            async with session.get(server.make_url("/healthz")) as health:
                assert health.status == 200
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    print(
        f"\nfuzzed heads: {HEAD_CASES} (seed {FUZZ_SEED}) in {time.perf_counter() - started:.1f} s; "
        f"statuses {dict(sorted(statuses.items(), key=str))} (None: closed without an answer); "
        f"5xx: {len(server_errors)}; tracebacks logged: {len(tracebacks)}"
    )
    assert not server_errors, [(status, head.mutations, head.raw[:200]) for status, head in server_errors[:5]]
    assert not tracebacks, [r.getMessage()[:500] for r in tracebacks[:5]]
    assert sum(n for status, n in statuses.items() if isinstance(status, int) and 400 <= status < 500) > HEAD_CASES // 4


# ---------------------------------------------------------------- the streaming socket

STREAM_CASES = max(50, FUZZ_REQUESTS // 4)


async def test_fuzzed_streaming_frames_get_no_5xx_and_leave_no_traceback(service_url, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    fuzzer = StreamFuzzer(FUZZ_SEED, service_url.url)
    statuses: Counter[int] = Counter()
    mutations: Counter[str] = Counter()
    server_errors: list[FuzzedFrame] = []
    unanswered: list[FuzzedFrame] = []
    sockets = 1
    started = time.perf_counter()
    async with streaming_bot(NO_INPUT_TIMEOUT_S=30.0) as bot:
        peer, clean = await RawPeer.connect(bot.url), True
        for _ in range(STREAM_CASES):
            frame = fuzzer.next()
            mutations[frame.mutation] += 1
            if peer.closed.is_set() or (frame.request_id and not clean):
                # A request goes on a socket in a known state: after a frame that may leave a packet
                # half read, the bot rightly takes the request's bytes for the rest of that packet.
                sockets += 1
                try:
                    await peer.close()  # the close handshake, answered by the bot however its stream stands
                except asyncio.TimeoutError:
                    unanswered.append(frame)
                peer, clean = await RawPeer.connect(bot.url), True
            answer = peer.expect(frame.request_id) if frame.request_id else None
            peer.write(ws_frame(frame.payload, frame.opcode))
            if answer is None:
                clean = False
                continue
            closing = asyncio.ensure_future(peer.closed.wait())
            await asyncio.wait({answer, closing}, timeout=ANSWER_WITHIN.total, return_when=asyncio.FIRST_COMPLETED)
            closing.cancel()
            if answer.done():
                statuses[answer.result().status] += 1
                if answer.result().status >= 500:
                    server_errors.append(frame)
            elif not peer.closed.is_set():
                unanswered.append(frame)
        await peer.close()
        fresh = await RawPeer.connect(bot.url)
        assert await fresh.post(call_start(f"after-the-fuzz-{uuid.uuid4()}")) == 200
        await fresh.close()
        warnings = len(bot.problems)
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    print(
        f"\nfuzzed streaming frames: {STREAM_CASES} (seed {FUZZ_SEED}) in {time.perf_counter() - started:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}; sockets: {sockets}, of which the bot dropped {warnings} "
        f"(one warning each); 5xx: {len(server_errors)}; unanswered: {len(unanswered)}; "
        f"tracebacks logged: {len(tracebacks)}; mutations {dict(mutations.most_common())}"
    )
    assert not server_errors, [(f.mutation, f.payload[:200]) for f in server_errors[:5]]
    assert not unanswered, [(f.mutation, f.payload[:200]) for f in unanswered[:5]]
    assert not tracebacks, [r.getMessage()[:500] for r in tracebacks[:5]]
    assert statuses[200] > 0 and 0 < warnings <= sockets  # a broken socket is one warning line, no more
