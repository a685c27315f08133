"""Mutated Event Grid deliveries and Call Automation callbacks against the bridge in the middle of
a call: no 5xx, no traceback, the call goes on.

Bodies are mutated as `tests/request_fuzzer` mutates them, with the callback's token
valid most of the time and forged, missing or oversized otherwise; request heads are
sent as raw bytes (`tests/head_fuzzer`) to the incoming-call webhook and to the call's
own callback URL, with the real secret and token. `make test` sends FUZZ_REQUESTS / 4
(default 500) of each; `make fuzz` sends 2,500.
"""

from __future__ import annotations

import logging
import os
import random
from collections import Counter
from urllib.parse import urlsplit

import aiohttp

from dialogs.main_menu import MAIN_MENU
from simulator.acs.event_grid import incoming_call_event
from tests.head_fuzzer import HeadFuzzer, exchange_head
from tests.request_fuzzer import CONTENT_TYPES, RequestFuzzer

from .caller import Caller, cloud_event
from .conftest import SECRET

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2000")) // 4
SEED = int(os.environ.get("FUZZ_SEED", "16"))
FORGED_AUTHORIZATIONS = ["", "Bearer", "Bearer x", "Bearer a.b.c", "Basic Zm9v", "Bearer " + "e" * 9000,
                         "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0."]


def tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.exc_text or "Traceback" in r.getMessage()]


async def test_fuzzed_deliveries_and_callbacks_get_no_5xx_and_leave_no_traceback(line, caplog):
    caplog.set_level(logging.INFO)
    caller = Caller(await line.call())
    await caller.hears(MAIN_MENU.spoken)
    await caller.call.delivered()
    call = caller.call
    callbacks = [cloud_event(kind, data) for kind, data, _status in call.callbacks]
    incoming = [incoming_call_event("+14255550100", "+18005550199", "server-call", "correlation", "context")]
    fuzzer = RequestFuzzer(SEED, line.base_url)
    choose = random.Random(SEED)
    statuses: Counter[int] = Counter()
    token = line.standin.callback_token()

    async with aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as http:
        for _ in range(REQUESTS):
            to_callback = choose.random() < 0.6
            seed = [choose.choice(callbacks)] if to_callback else incoming
            url = call.callback_url if to_callback else line.incoming_url
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if choose.random() < 0.2:
                headers["Authorization"] = choose.choice(FORGED_AUTHORIZATIONS)
            if choose.random() < 0.2:
                headers["Content-Type"] = choose.choice([t for t in CONTENT_TYPES if t] + ["application/json; charset=\u00e9"])
            async with http.post(url, data=fuzzer.mutated(seed), headers=headers) as response:
                await response.read()
                statuses[response.status] += 1
        async with http.get(f"{line.base_url}/healthz") as health:
            assert health.status == 200

    print(f"\nACS fuzz: {REQUESTS} requests, statuses {dict(sorted(statuses.items()))}; tracebacks: {len(tracebacks(caplog))}")
    assert not [s for s in statuses if s >= 500], statuses
    assert not tracebacks(caplog), [r.getMessage()[:300] for r in tracebacks(caplog)[:5]]
    assert statuses[400] > 0 and statuses[200] > 0 and statuses[401] > 0
    await caller.press("9")
    await caller.hears(MAIN_MENU.spoken)  # the call the fuzz hammered goes on


async def test_fuzzed_request_heads_to_the_bridge_get_no_5xx_and_leave_no_traceback(line, caplog):
    caplog.set_level(logging.INFO)
    caller = Caller(await line.call())
    await caller.hears(MAIN_MENU.spoken)
    callback_path = urlsplit(caller.call.callback_url).path
    fuzzer = HeadFuzzer(SEED, secret=SECRET, token=callback_path.split("/")[3])
    address = urlsplit(line.base_url)
    statuses: Counter[int | str | None] = Counter()
    for _ in range(REQUESTS):
        head = fuzzer.next()
        statuses[await exchange_head(address.hostname, address.port, head.raw)] += 1

    print(f"\nACS heads fuzz: {REQUESTS} heads, statuses {dict(sorted(statuses.items(), key=str))}; "
          f"tracebacks: {len(tracebacks(caplog))}")
    assert not [s for s in statuses if isinstance(s, int) and s >= 500], statuses
    assert not tracebacks(caplog), [r.getMessage()[:300] for r in tracebacks(caplog)[:5]]
    await caller.press("9")
    await caller.hears(MAIN_MENU.spoken)
