"""How many calls an instance answers: past its limits an incoming call is rejected as busy.

The real Call Automation SDK answers and rejects through the local ACS stand-in;
the caller on the stand-in hears the menu, or a busy tone. That each rejection is
counted is tested with telemetry, in tests/telemetry/test_acs_telemetry.py.
"""

from __future__ import annotations

import asyncio
import contextlib

from dialogs.main_menu import MAIN_MENU

from .caller import Caller
from .conftest import serve, shared_state


def states(calls) -> list[str]:
    return [call.state if call.state != "rejected" else f"rejected as {call.rejected_as}" for call in calls]


async def test_a_call_past_the_instances_limit_is_rejected_as_busy_and_warned_of(standin, caplog):
    async with serve(standin, ACS_MAX_CONCURRENT_CALLS="2") as line:
        first, second = Caller(await line.call()), Caller(await line.call())
        await first.hears(MAIN_MENU.spoken)
        await second.hears(MAIN_MENU.spoken)
        third = await line.standin.place_call(line.incoming_url)
        await third.answered_or_rejected()
        assert states([first.call, second.call, third]) == ["connected", "connected", "rejected as busy"]
    warned = [r.getMessage() for r in caplog.records if "as busy" in r.getMessage()]
    assert warned == ["Rejected 1 incoming call(s) as busy: 2 in progress here (ACS_MAX_CONCURRENT_CALLS=2, "
                      "ACS_MAX_CALLS_PER_DELIVERY=10)"]


async def test_one_delivery_answers_at_most_its_share_and_rejects_the_rest_as_busy(standin):
    async with serve(standin, ACS_MAX_CALLS_PER_DELIVERY="3", ACS_MAX_CONCURRENT_CALLS="50") as line:
        calls = await line.standin.place_calls(line.incoming_url, 10)
        await asyncio.gather(*(call.answered_or_rejected() for call in calls))
        assert sorted(states(calls)) == ["connected"] * 3 + ["rejected as busy"] * 7


async def test_a_place_is_free_again_as_soon_as_its_call_ends_here(standin, monkeypatch):
    monkeypatch.setattr("callautomation.admission.RECOUNT_EVERY_S", 3600.0)  # no look in the call book
    async with serve(standin, ACS_MAX_CONCURRENT_CALLS="1") as line:
        first = Caller(await line.call())
        await first.hears(MAIN_MENU.spoken)
        turned_away = await line.standin.place_call(line.incoming_url)
        await turned_away.answered_or_rejected()
        await first.call.hang_up()
        await first.call.delivered()
        second = Caller(await line.call())
        await second.hears(MAIN_MENU.spoken)
        assert states([turned_away]) == ["rejected as busy"]


async def test_a_call_that_ended_on_another_instance_frees_its_place_on_the_one_that_answered_it(
    standin, azurite_connection_string, monkeypatch
):
    monkeypatch.setattr("callautomation.admission.RECOUNT_EVERY_S", 0.0)
    shared = {**shared_state(azurite_connection_string), "ACS_MAX_CONCURRENT_CALLS": "1"}
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serve(standin, **shared))
        second = await stack.enter_async_context(serve(standin, **shared))
        caller = Caller(await first.call())
        await caller.hears(MAIN_MENU.spoken)
        standin.route_callbacks_to([second.base_url])  # its hang-up reaches the other instance only
        await caller.call.hang_up()
        await caller.call.delivered()
        again = Caller(await first.call())
        await again.hears(MAIN_MENU.spoken)

