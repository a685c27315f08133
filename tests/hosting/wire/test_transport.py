"""Replies go out over aiohttp: one retry for a busy service URL, a prompt failure for a dead one."""

from __future__ import annotations

import socket

import aiohttp
from aiohttp import web

from config import DefaultConfig
from hosting.auth.authentication import create_authentication
from tests.hosting.auth.test_auth import key_press, post, start_bot
from tests.hosting.conftest import ChannelServiceUrl


async def test_a_reply_refused_once_as_busy_is_sent_again(serve):
    attempts: list[str] = []

    async def busy_once(request: web.Request) -> web.Response:
        attempts.append((await request.json())["text"])
        if len(attempts) == 1:
            return web.Response(status=503)
        return web.json_response({"id": "reply-1"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", busy_once)
    service = ChannelServiceUrl(url=f"http://127.0.0.1:{await serve(app)}/")
    authentication = create_authentication(DefaultConfig())
    bot_url, _bot = await start_bot(serve, authentication)

    status = await post(bot_url, key_press("call-1", service, "5"))

    assert status < 300
    assert attempts == ["Echo: 5", "Echo: 5"]
    await authentication.close()


async def test_an_unreachable_service_url_fails_the_turn_instead_of_hanging(serve):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    service = ChannelServiceUrl(url=f"http://127.0.0.1:{closed_port}/")
    authentication = create_authentication(DefaultConfig())
    bot_url, bot = await start_bot(serve, authentication)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.post(bot_url, json=key_press("call-1", service, "5")) as response:
            status = response.status

    assert status >= 500
    assert len(bot.connector_clients) == 1
    await authentication.close()
