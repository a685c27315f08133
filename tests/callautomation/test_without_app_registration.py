"""A Call Automation line deployed without an Entra app registration.

`SERVE_API_MESSAGES=false` leaves `/api/messages` unserved: nothing reaches the bot but
the calls ACS delivers, so no Bot Framework identity has to lock that route.
"""

from __future__ import annotations

import logging

import aiohttp

from dialogs import prompts as P

from .caller import Caller
from .conftest import serve


async def test_api_messages_is_not_served_and_calls_are_still_answered(standin, caplog):
    caplog.set_level(logging.WARNING)
    async with serve(standin, SERVE_API_MESSAGES="false") as line:
        assert "authentication is OFF" not in caplog.text, "nothing unauthenticated is served"
        async with aiohttp.ClientSession() as http:
            for method in ("GET", "POST"):
                async with http.request(method, f"{line.base_url}/api/messages", json={"type": "message"}) as response:
                    assert response.status == 404
            async with http.get(f"{line.base_url}/healthz") as response:
                assert response.status == 200
        caller = Caller(await line.call())
        await caller.hears(P.WELCOME)
        await caller.recording_is("active")
