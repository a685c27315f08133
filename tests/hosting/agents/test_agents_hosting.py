"""The bot on the Microsoft 365 Agents SDK (`BOT_SDK=agents`): what its hosting adds to the SDK's.

Run with `BOT_SDK=agents` (`make test` does); skipped on botbuilder.
"""

from __future__ import annotations

import dataclasses
import logging

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import HOSTING, create_app
from config import DefaultConfig
from telephony import CallTimers, timer_token
from telephony.sdk import Activity, ChannelAccount, ConversationAccount, TurnContext

APP_ID = "00000000-0000-0000-0000-000000000001"


async def serve_app(**settings) -> TestServer:
    server = TestServer(create_app(dataclasses.replace(DefaultConfig(), **settings)))
    await server.start_server()
    return server


def a_call(service_url: str) -> Activity:
    return Activity(
        type="message",
        id="activity-1",
        channel_id="telephony",
        service_url=service_url,
        conversation=ConversationAccount(id="call-1"),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
        text="1",
    )


class FakeTokens:
    """Azure AD's part (no real one can run here): the bot's outbound token, as MSAL would give it."""

    def __init__(self) -> None:
        self.asked = 0

    def get_token_provider(self, claims_identity, service_url):
        return self

    async def get_access_token(self, resource_url, scopes, force_refresh=False):
        self.asked += 1
        return "t0k3n"


async def test_start_up_says_the_telephony_channel_needs_botbuilder(caplog):
    caplog.set_level(logging.INFO)
    server = await serve_app()
    await server.close()
    assert "the Telephony channel needs BOT_SDK=botbuilder" in caplog.text


async def test_a_websocket_upgrade_is_400_saying_the_telephony_channel_needs_botbuilder(caplog):
    server = await serve_app()
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(server.make_url("/api/messages"))
            assert refused.value.status == 400
            headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
            async with session.get(server.make_url("/api/messages"), headers=headers) as response:
                assert response.status == 400
                assert "BOT_SDK=botbuilder" in await response.text()
            async with session.get(server.make_url("/healthz")) as response:
                assert response.status == 200
    finally:
        await server.close()
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("local", [True, False], ids=["local-mode", "with-credentials"])
async def test_a_timer_continues_the_call_and_its_reply_reaches_the_channel(service_url, local):
    settings = {} if local else {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "secret"}
    channel = await service_url()
    server = await serve_app(**settings)
    hosting = server.app[HOSTING]
    tokens = FakeTokens()
    hosting.clients._connections = tokens  # noqa: SLF001 - Azure AD cannot run here
    fired: list[str | None] = []

    async def turn(context: TurnContext) -> None:
        fired.append(timer_token(context))
        await context.send_activity("Are you still there?")

    timers = CallTimers(hosting.adapter, turn, settings.get("MicrosoftAppId", ""))
    try:
        token = timers.arm(TurnContext(hosting.adapter, a_call(channel.url)), 60)
        assert await timers.fire_now("call-1")
    finally:
        await timers.close()
        await server.close()
    assert fired == [token]
    assert channel.texts() == ["Are you still there?"]
    assert channel.authorizations == ([""] if local else ["Bearer t0k3n"])
    assert tokens.asked == (0 if local else 1)


async def test_turns_reply_over_one_kept_connection(serve):
    peers: list[object] = []

    async def reply(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"id": "reply"})

    channel = web.Application()
    channel.router.add_post("/v3/conversations/{conversation}/activities", reply)
    channel.router.add_post("/v3/conversations/{conversation}/activities/{activity}", reply)
    port = await serve(channel)
    bot = await serve_app()
    try:
        async with aiohttp.ClientSession() as session:
            for key in "99":
                posted = {
                    "type": "message",
                    "channelId": "emulator",
                    "text": key,
                    "serviceUrl": f"http://127.0.0.1:{port}/",
                    "conversation": {"id": "chat-1"},
                    "from": {"id": "user"},
                    "recipient": {"id": "bot"},
                }
                async with session.post(bot.make_url("/api/messages"), json=posted) as response:
                    assert response.status == 201
    finally:
        await bot.close()
    assert len(peers) >= 2 and len(set(peers)) == 1, peers


@pytest.mark.parametrize(
    "app_type, tenant, auth_type, expected_tenant",
    [
        ("MultiTenant", "", "ClientSecret", "botframework.com"),
        ("SingleTenant", "contoso.onmicrosoft.com", "ClientSecret", "contoso.onmicrosoft.com"),
        ("UserAssignedMSI", "contoso.onmicrosoft.com", "UserManagedIdentity", "contoso.onmicrosoft.com"),
    ],
)
def test_the_bots_microsoft_settings_are_what_the_agents_sdk_reads(app_type, tenant, auth_type, expected_tenant):
    from hosting.agents.settings import auth_configuration

    config = DefaultConfig(
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="" if app_type == "UserAssignedMSI" else "secret",
        MicrosoftAppType=app_type,
        MicrosoftAppTenantId=tenant,
    )
    configuration = auth_configuration(config)
    assert configuration.CLIENT_ID == APP_ID and configuration.TENANT_ID == expected_tenant
    assert configuration.AUTH_TYPE == auth_type and not configuration.ANONYMOUS_ALLOWED
    assert auth_configuration(DefaultConfig()).ANONYMOUS_ALLOWED
