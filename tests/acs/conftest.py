"""The ACS stand-in driven by the real Call Automation SDK, with a tiny app as the callback receiver."""

from __future__ import annotations

from typing import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.pipeline.transport import AioHttpTransport

from simulator.acs import AcsStandIn, client_connector
from tests.acs_standin import standin, tls  # noqa: F401  (fixtures)



def sdk_client(standin: AcsStandIn, connection_string: str | None = None) -> CallAutomationClient:
    session = aiohttp.ClientSession(connector=client_connector(standin.ca_path))
    transport = AioHttpTransport(session=session, session_owner=True)
    return CallAutomationClient.from_connection_string(
        connection_string or standin.connection_string, transport=transport, retry_total=0
    )


@pytest.fixture
async def client(standin: AcsStandIn) -> AsyncIterator[CallAutomationClient]:
    async with sdk_client(standin) as sdk:
        yield sdk


class Receiver:
    """Records Event Grid deliveries and callbacks as they arrive; answers validation."""

    def __init__(self) -> None:
        self.incoming: list[dict] = []
        self.callbacks: list[tuple[dict, str | None]] = []
        self.server: TestServer | None = None

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    async def incoming_call(self, request: web.Request) -> web.Response:
        events = await request.json()
        if request.headers.get("aeg-event-type") == "SubscriptionValidation":
            return web.json_response({"validationResponse": events[0]["data"]["validationCode"]})
        self.incoming.extend(events)
        return web.Response()

    async def callback(self, request: web.Request) -> web.Response:
        for event in await request.json():
            self.callbacks.append((event, request.headers.get("Authorization")))
        return web.Response()

    def types(self) -> list[str]:
        return [event["type"].removeprefix("Microsoft.Communication.") for event, _ in self.callbacks]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/api/calls/incoming", receiver.incoming_call)
    app.router.add_post("/api/calls/callback", receiver.callback)
    receiver.server = TestServer(app)
    await receiver.server.start_server()
    yield receiver
    await receiver.server.close()
