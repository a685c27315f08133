"""One call, two instances: with `STORAGE=blob`, a call whose callbacks alternate
between two app instances completes, because the bridge keeps each call's state
(ids, recording, key order) in the shared store, not in memory."""

from __future__ import annotations

import contextlib

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU

from .caller import Caller
from .conftest import serve, shared_state
from .test_calls_over_acs import ACCOUNT, BALANCE


async def test_a_call_whose_callbacks_alternate_between_two_instances_completes(standin, azurite_connection_string):
    shared = shared_state(azurite_connection_string)
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serve(standin, **shared))
        second = await stack.enter_async_context(serve(standin, **shared))
        standin.route_callbacks_to([first.base_url, second.base_url])
        caller = Caller(await first.call())
        await caller.hears(P.WELCOME)
        await caller.hears(MAIN_MENU.spoken)
        await caller.recording_is("active")
        await caller.press("2")
        await caller.hears(P.ACCOUNT_NUMBER)
        await caller.press(ACCOUNT)
        await caller.hears(BALANCE)
        await caller.say("goodbye")
        await caller.hears(P.GOODBYE)
        assert await caller.ended() == "disconnected"
        hosts = {url for _kind, url in caller.call.delivered_to}
        assert len(hosts) == 2, "callbacks reached both instances"
