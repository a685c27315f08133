"""The real aiohttp app over HTTP and WebSocket: what callers' mistakes get."""

from __future__ import annotations

import dataclasses
import json

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import create_app
from config import DefaultConfig
from dialogs import prompts
from dialogs.main_menu import MAIN_MENU


class ServiceUrl:
    """Plays the Bot Connector: collects what the bot sends to its serviceUrl."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        self.server = TestServer(app)

    async def _activity(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.json_response({"id": f"sent-{len(self.received)}"})

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))


@pytest.fixture
async def service_url():
    channel = ServiceUrl()
    await channel.server.start_server()
    yield channel
    await channel.server.close()


async def serve(**settings) -> TestServer:
    config = dataclasses.replace(DefaultConfig(), **settings)
    server = TestServer(create_app(config))
    await server.start_server()
    return server


@pytest.fixture
async def bot():
    server = await serve()
    yield server
    await server.close()


def activity(service_url: str, **fields) -> dict:
    return {
        "type": "message",
        "id": "activity-1",
        "channelId": "emulator",
        "serviceUrl": service_url,
        "conversation": {"id": "conversation-1"},
        "from": {"id": "caller"},
        "recipient": {"id": "bot"},
        "text": "hello",
        **fields,
    }


async def post(server: TestServer, body: bytes | str, content_type: str | None = "application/json", **headers):
    if content_type:
        headers["Content-Type"] = content_type
    async with aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/api/messages"), data=body, headers=headers) as response:
            return response.status, await response.text()


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"   ", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b'{"type": 7}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b'{"type": "message"}', None, 415),
    ],
)
async def test_what_is_not_a_json_activity_gets_a_4xx_and_the_server_keeps_serving(bot, body, content_type, status):
    got, text = await post(bot, body, content_type)
    assert got == status
    assert "Traceback" not in text
    async with aiohttp.ClientSession() as session:
        async with session.get(bot.make_url("/healthz")) as response:
            assert response.status == 200


async def test_a_valid_activity_is_answered_at_the_service_url(bot, service_url):
    status, _ = await post(bot, json.dumps(activity(service_url.url)))
    assert status in (200, 201)
    texts = [a.get("text") for a in service_url.received]
    assert texts == [prompts.WELCOME, MAIN_MENU.spoken]
    assert all(a["speak"].startswith("<speak") for a in service_url.received)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_get_without_an_upgrade_and_a_clients_head_probe_are_405_naming_post(bot, method):
    async with aiohttp.ClientSession() as session:
        async with session.request(method, bot.make_url("/api/messages")) as response:
            assert response.status == 405
            assert "POST" in response.headers["Allow"]


@pytest.mark.botbuilder_only
async def test_local_mode_accepts_a_websocket_upgrade_without_a_token(bot):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(bot.make_url("/api/messages")) as socket:
            assert not socket.closed
            await socket.close()
        async with session.get(bot.make_url("/healthz")) as response:
            assert response.status == 200


@pytest.fixture
async def secured_bot():
    server = await serve(MicrosoftAppId="00000000-0000-0000-0000-000000000001", MicrosoftAppPassword="secret")
    yield server
    await server.close()


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc", "Bearer a.b.c"])
async def test_with_an_app_id_a_request_without_a_valid_token_is_401(secured_bot, service_url, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    status, text = await post(secured_bot, json.dumps(activity(service_url.url)), **headers)
    assert status == 401
    assert service_url.received == []


@pytest.mark.botbuilder_only
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
async def test_with_an_app_id_a_websocket_upgrade_without_a_valid_token_is_401(secured_bot, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(secured_bot.make_url("/api/messages"), headers=headers)
        assert refused.value.status == 401
        async with session.get(secured_bot.make_url("/healthz")) as response:
            assert response.status == 200
