"""Mutated Event Grid deliveries and Call Automation callbacks, properly authenticated,
against the bridge in the middle of a call: no 5xx, no traceback, the call goes on."""

from __future__ import annotations

import logging
import os
import random
from collections import Counter

import aiohttp

from dialogs.main_menu import MAIN_MENU
from simulator.acs.event_grid import incoming_call_event
from tests.request_fuzzer import RequestFuzzer

from .caller import Caller, cloud_event

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2000")) // 4
SEED = int(os.environ.get("FUZZ_SEED", "16"))


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
            async with http.post(url, data=fuzzer.mutated(seed), headers=headers) as response:
                await response.read()
                statuses[response.status] += 1
        async with http.get(f"{line.base_url}/healthz") as health:
            assert health.status == 200

    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    print(f"\nACS fuzz: {REQUESTS} requests, statuses {dict(sorted(statuses.items()))}")
    assert not [s for s in statuses if s >= 500], statuses
    assert not tracebacks, [r.getMessage()[:300] for r in tracebacks[:5]]
    assert statuses[400] > 0 and statuses[200] > 0
