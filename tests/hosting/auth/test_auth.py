"""Outbound clients are built once and reused, with tokens acquired once and renewed on expiry."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from botframework.connector.auth import (
    BotFrameworkAuthentication,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from config import DefaultConfig
from hosting.auth.authentication import (
    CachingBotFrameworkAuthentication,
    CloudEndpoints,
    create_authentication,
)
from hosting.wire import tokens
from tests.hosting.conftest import ChannelServiceUrl

APP_ID = "00000000-0000-0000-0000-00000000b07"
APP_PASSWORD = "local-test-secret"


class EchoBot(ActivityHandler):
    """The samples' echo bot, noting which outbound clients the adapter gave each turn."""

    def __init__(self) -> None:
        self.connector_clients: list[object] = []
        self.token_clients: list[object] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        self.connector_clients.append(turn_context.turn_state[CloudAdapter.BOT_CONNECTOR_CLIENT_KEY])
        self.token_clients.append(turn_context.turn_state[CloudAdapter.USER_TOKEN_CLIENT_KEY])
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


async def start_bot(serve: Callable[..., Awaitable[int]], authentication: BotFrameworkAuthentication) -> tuple[str, EchoBot]:
    """The echo bot wired as the SDK samples wire it (a `CloudAdapter` on /api/messages), served over HTTP;
    returns its messages URL and the bot. Clients cached by `authentication` are released at cleanup."""
    adapter = CloudAdapter(authentication)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    close = getattr(authentication, "close", None)
    if close is not None:
        app.on_cleanup.append(lambda _app: close())
    return f"http://127.0.0.1:{await serve(app)}/api/messages", bot


def key_press(conversation: str, service: ChannelServiceUrl, key: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"{conversation}-{key}",
        "channelId": "telephony",
        "serviceUrl": service.url,
        "conversation": {"id": conversation},
        "from": {"id": "+14255550123"},
        "recipient": {"id": "bot"},
        "text": key,
        "entities": [{"type": "DTMF"}],
    }


async def post(bot_url: str, activity: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.post(bot_url, json=activity) as response:
            return response.status


async def test_replies_reach_each_service_url_through_one_client_per_url(serve, service_url):
    authentication = create_authentication(DefaultConfig())
    bot_url, bot = await start_bot(serve, authentication)
    east, west = await service_url(), await service_url()

    for conversation in ("call-1", "call-2"):
        for key in "123":
            assert await post(bot_url, key_press(conversation, east, key)) < 300
    assert await post(bot_url, key_press("call-3", west, "9")) < 300

    assert east.texts() == ["Echo: 1", "Echo: 2", "Echo: 3"] * 2
    assert west.texts() == ["Echo: 9"]
    east_clients, west_clients = set(map(id, bot.connector_clients[:6])), set(map(id, bot.connector_clients[6:]))
    assert len(east_clients) == 1 and len(west_clients) == 1
    assert east_clients != west_clients
    assert len(set(map(id, bot.token_clients))) == 1
    await authentication.close()


async def test_the_samples_wiring_builds_a_client_every_turn(serve, service_url):
    """The behaviour `CachingBotFrameworkAuthentication` exists to remove."""
    samples_config = SimpleNamespace(APP_ID="", APP_PASSWORD="")  # the samples' config object, with no app id
    bot_url, bot = await start_bot(serve, ConfigurationBotFrameworkAuthentication(samples_config))
    east = await service_url()
    for key in "123":
        await post(bot_url, key_press("call-1", east, key))

    assert east.texts() == ["Echo: 1", "Echo: 2", "Echo: 3"]
    assert len(set(map(id, bot.connector_clients))) == 3


async def test_closing_releases_clients_and_later_turns_still_reply(serve, service_url):
    authentication = create_authentication(DefaultConfig())
    bot_url, bot = await start_bot(serve, authentication)
    east = await service_url()

    await post(bot_url, key_press("call-1", east, "1"))
    await authentication.close()
    await post(bot_url, key_press("call-1", east, "2"))

    assert east.texts() == ["Echo: 1", "Echo: 2"]
    assert bot.connector_clients[0] is not bot.connector_clients[1]
    await authentication.close()


# --- app id and password: tokens from a local stand-in for the login endpoint -------------


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "login.pem", directory / "login-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class LoginEndpoint:
    """An OAuth client-credentials token endpoint that issues token-1, token-2, … with set lifetimes."""

    def __init__(self, lifetimes_s: list[int]):
        self._lifetimes_s = lifetimes_s
        self.grants: list[dict[str, str]] = []
        self.base = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/adfs/.well-known/openid-configuration", self._openid_configuration)
        app.router.add_post("/adfs/oauth2/token", self._token)
        return app

    async def _openid_configuration(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": f"{self.base}/adfs",
                "authorization_endpoint": f"{self.base}/adfs/oauth2/authorize",
                "token_endpoint": f"{self.base}/adfs/oauth2/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.grants.append(form)
        if form.get("client_id") != APP_ID or form.get("client_secret") != APP_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        number = len(self.grants)
        return web.json_response(
            {
                "access_token": f"token-{number}",
                "token_type": "Bearer",
                "expires_in": self._lifetimes_s[min(number, len(self._lifetimes_s)) - 1],
            }
        )


@pytest.fixture
async def login_endpoint(serve, tmp_path, monkeypatch) -> Callable[[list[int]], Awaitable[LoginEndpoint]]:
    cert_path, key_path = self_signed_certificate(tmp_path)
    # msal talks to the login endpoint through requests, which trusts this bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)

    async def start(lifetimes_s: list[int]) -> LoginEndpoint:
        endpoint = LoginEndpoint(lifetimes_s)
        endpoint.base = f"https://localhost:{await serve(endpoint.app(), ssl_context=tls)}"
        return endpoint

    return start


def authenticated_bot(login: LoginEndpoint) -> tuple[CloudAdapter, CachingBotFrameworkAuthentication]:
    authentication = CachingBotFrameworkAuthentication(
        PasswordServiceClientCredentialFactory(APP_ID, APP_PASSWORD),
        # An ADFS-style authority, so msal asks this endpoint (not the internet) for its metadata.
        endpoints=CloudEndpoints(login_endpoint=f"{login.base}/adfs"),
    )
    return CloudAdapter(authentication), authentication


async def reprompt(adapter: CloudAdapter, service: ChannelServiceUrl, text: str) -> None:
    """A proactive turn, as a no-input timer sends one."""
    reference = ConversationReference(
        channel_id="telephony",
        service_url=service.url,
        conversation=ConversationAccount(id="call-1"),
        bot=ChannelAccount(id="bot"),
        user=ChannelAccount(id="+14255550123"),
    )

    async def say(turn_context: TurnContext) -> None:
        await turn_context.send_activity(text)

    await adapter.continue_conversation(reference, say, bot_app_id=APP_ID)


async def test_a_token_is_acquired_once_and_sent_with_every_reply(login_endpoint, service_url):
    login = await login_endpoint([3600])
    adapter, authentication = authenticated_bot(login)
    east = await service_url()

    for text in ("Are you still there?", "Are you still there?", "Goodbye."):
        await reprompt(adapter, east, text)

    assert east.texts() == ["Are you still there?", "Are you still there?", "Goodbye."]
    assert east.authorizations == ["Bearer token-1"] * 3
    assert len(login.grants) == 1
    assert login.grants[0]["grant_type"] == "client_credentials"
    await authentication.close()


async def test_an_expired_token_is_renewed(login_endpoint, service_url, monkeypatch):
    # msal treats a token with under five minutes left as expired: this one expires 2 s after issue.
    # The bot reuses a token for TOKEN_REUSE_S (4 min in production); 1 s here.
    monkeypatch.setattr(tokens, "TOKEN_REUSE_S", 1.0)
    login = await login_endpoint([302, 3600])
    adapter, authentication = authenticated_bot(login)
    east = await service_url()

    await reprompt(adapter, east, "first")
    await asyncio.sleep(2.5)
    await reprompt(adapter, east, "second")
    await reprompt(adapter, east, "third")

    assert east.authorizations == ["Bearer token-1", "Bearer token-2", "Bearer token-2"]
    assert len(login.grants) == 2
    await authentication.close()


async def test_msal_is_asked_on_a_worker_thread_once_per_reuse_window_however_many_turns(
    login_endpoint, service_url, monkeypatch
):
    asked_on: list[bool] = []
    get_access_token = MicrosoftAppCredentials.get_access_token

    def noting_the_thread(credentials, *args, **kwargs):
        asked_on.append(threading.current_thread() is threading.main_thread())
        return get_access_token(credentials, *args, **kwargs)

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", noting_the_thread)
    login = await login_endpoint([3600])
    adapter, authentication = authenticated_bot(login)
    east = await service_url()

    await asyncio.gather(*(reprompt(adapter, east, f"call {n}") for n in range(5)))
    for text in ("again", "and again"):
        await reprompt(adapter, east, text)

    assert len(east.texts()) == 7 and set(east.authorizations) == {"Bearer token-1"}
    assert asked_on == [False], "msal asked more than once, or on the event loop's thread"
    await authentication.close()
