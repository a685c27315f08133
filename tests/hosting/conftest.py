"""Real HTTP endpoints the hosting tests talk to: a channel service URL and a bot endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telephony.sdk import Activity, ActivityTypes, ChannelAccount, ConversationAccount, TurnContext
from telephony.testing import FakeAdapter
from tests.azurite import azurite_connection_string  # noqa: F401  (fixture)


def call_turn(conversation_id: str = "call-1", text: str = "1") -> TurnContext:
    """A turn of a telephony call (a key press), for tests of state and storage."""
    activity = Activity(
        type=ActivityTypes.message,
        channel_id="telephony",
        conversation=ConversationAccount(id=conversation_id),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
        text=text,
    )
    return TurnContext(FakeAdapter(activity), activity)


@pytest.fixture(params=["memory", "blob"])
def connection_string(request) -> str | None:
    """Run the test on both state stores: None for memory, an Azurite connection string for blob."""
    return request.getfixturevalue("azurite_connection_string") if request.param == "blob" else None


@dataclass
class ChannelServiceUrl:
    """What the channel's service URL received: each reply and its Authorization header."""

    url: str
    replies: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [reply.get("text", "") for reply in self.replies]


async def _serve(app: web.Application, **site_options: Any) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, **site_options)
    await site.start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Serve an aiohttp app on a free loopback port; returns the port."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application, **site_options: Any) -> int:
        runner, port = await _serve(app, **site_options)
        runners.append(runner)
        return port

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
def service_url(serve: Callable[..., Awaitable[int]]) -> Callable[[], Awaitable[ChannelServiceUrl]]:
    """A factory of channel service URLs that record the replies posted to them."""

    async def create() -> ChannelServiceUrl:
        received = ChannelServiceUrl(url="")

        async def reply(request: web.Request) -> web.Response:
            received.replies.append(await request.json())
            received.authorizations.append(request.headers.get("Authorization", ""))
            return web.json_response({"id": f"reply-{len(received.replies)}"})

        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", reply)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", reply)
        received.url = f"http://127.0.0.1:{await serve(app)}/"
        return received

    return create
