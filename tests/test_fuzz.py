"""Mutated requests against the real app: no 5xx, no traceback, and the server healthy after.

`make test` sends FUZZ_REQUESTS (default 2,000) requests; `make fuzz` sends 10,000.
FUZZ_SEED picks another reproducible stream. The figures are printed (`pytest -s`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections import Counter

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import create_app
from config import DefaultConfig
from tests.request_fuzzer import FuzzedRequest, RequestFuzzer, Target
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
