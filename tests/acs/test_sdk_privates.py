"""The private parts of its libraries the ACS stand-in relies on still have their shape (docs/sdk-workarounds.md)."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from azure.communication.callautomation._generated import models

STAND_IN = Path(__file__).resolve().parents[2] / "simulator" / "acs"


def test_every_generated_model_the_stand_in_names_is_one_of_the_sdks():
    """The stand-in writes its events and answers with the SDK's own (generated, private) models."""
    named = {name for path in STAND_IN.glob("*.py") for name in re.findall(r"\bm\.([A-Z]\w+)", path.read_text())}

    assert {"CallConnected", "CallDisconnected", "ParticipantsUpdated"} <= named
    assert not [name for name in sorted(named) if not hasattr(models, name)]


async def test_a_request_given_a_route_match_in_match_info_serves_its_parameters():
    """The stand-in routes by host first, resolves the route itself and hands it to the request."""
    async def play(request: web.Request) -> web.Response:
        return web.Response()

    router = web.Application().router
    router.add_post("/calling/callConnections/{call_connection_id}:play", play)
    request = make_mocked_request("POST", "/calling/callConnections/c-1:play")

    request._match_info = await router.resolve(request)

    assert request.match_info["call_connection_id"] == "c-1"
