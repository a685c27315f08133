"""Tokens on inbound requests, validated against a local stand-in for the channel's OpenID metadata.

The stand-in serves the metadata document and a key set over TLS on its own
thread (as the real host is another machine: a bot that blocks its event loop
on the fetch must not also block the stand-in). Tokens are signed with the
stand-in's key, or forged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from botframework.connector.auth import ChannelValidation
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app import ADAPTER, TIMERS, create_app
from config import DefaultConfig
from hosting.auth import signing_keys
from hosting.auth.authentication import create_authentication
from hosting.auth.guarded import GuardedAuthentication
from hosting.wire import tokens
from telephony._timers import log as timers_log
from tests.hosting.auth.test_auth import self_signed_certificate

APP_ID = "00000000-0000-0000-0000-0000000000b1"
ISSUER = "https://api.botframework.com"
SERVICE_URL = "https://smba.trafficmanager.net/teams/"
KEY_ID = "key-1"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class MetadataHost:
    """The channel's OpenID metadata and key set. `delay_s` slows every answer; `down` refuses them."""

    key: rsa.RSAPrivateKey
    endorsements: list[str]
    delay_s: float = 0.0
    down: bool = False
    requests: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host.requests.append(self.path)
                time.sleep(host.delay_s)
                if host.down:
                    self.send_error(503)
                    return
                base = host.url.rsplit("/v1/", 1)[0]
                if self.path.endswith("openidconfiguration"):
                    body = {"issuer": ISSUER, "jwks_uri": f"{base}/v1/keys"}
                else:
                    jwk = json.loads(RSAAlgorithm.to_jwk(host.key.public_key()))
                    body = {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "endorsements": host.endorsements}]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                host.answered.append(self.path)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler


@pytest.fixture
def metadata_host(tmp_path, monkeypatch) -> Iterator[MetadataHost]:
    cert_path, key_path = self_signed_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))  # requests (the fetch) trusts the stand-in
    host = MetadataHost(key=rsa_key(), endorsements=["telephony", "emulator"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), host.handler())
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    host.url = f"https://localhost:{server.server_address[1]}/v1/.well-known/openidconfiguration"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", host.url)
    signing_keys.forget_all()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield host
    server.shutdown()
    signing_keys.forget_all()


def token(
    key: rsa.RSAPrivateKey | None,
    *,
    audience: str = APP_ID,
    expires_in: timedelta = timedelta(hours=1),
    algorithm: str = "RS256",
    key_id: str = KEY_ID,
) -> str:
    now = datetime.now(timezone.utc)
    claims = {"iss": ISSUER, "aud": audience, "serviceurl": SERVICE_URL, "nbf": now - timedelta(minutes=1),
              "exp": now + expires_in}
    signing_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) if key is not None else None
    return jwt.encode(claims, signing_key, algorithm=algorithm, headers={"kid": key_id})


def call_activity(channel_id: str = "telephony") -> dict[str, Any]:
    return {
        "type": "message",
        "id": "a-1",
        "channelId": channel_id,
        "serviceUrl": SERVICE_URL,
        "conversation": {"id": "call-1"},
        "from": {"id": "+14255550123"},
        "recipient": {"id": "bot"},
        "text": "1",
    }


@pytest.fixture
async def secured_bot():
    config = dataclasses.replace(DefaultConfig(), MicrosoftAppId=APP_ID, MicrosoftAppPassword="secret")
    server = TestServer(create_app(config))
    await server.start_server()
    yield server
    await server.close()


async def post_activity(server: TestServer, bearer: str, body: dict[str, Any] | None = None) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {bearer}"}
        response = await session.post(server.make_url("/api/messages"), json=body or call_activity(), headers=headers)
        await response.read()
        return response


def guarded() -> GuardedAuthentication:
    config = DefaultConfig(MicrosoftAppId=APP_ID, MicrosoftAppPassword="secret")
    return GuardedAuthentication(create_authentication(config), local_mode=False)


async def test_a_token_signed_with_the_published_key_is_accepted(metadata_host):
    authentication = guarded()
    result = await authentication.authenticate_request(
        Activity().deserialize(call_activity()), f"Bearer {token(metadata_host.key)}"
    )
    assert result.claims_identity.get_claim_value("aud") == APP_ID
    await authentication.close()


def forged_tokens(host: MetadataHost) -> dict[str, str]:
    other_key = rsa_key()
    return {
        "signed-with-another-key": token(other_key),
        "expired": token(host.key, expires_in=timedelta(hours=-1)),
        "for-another-bot": token(host.key, audience="00000000-0000-0000-0000-0000000000ff"),
        "alg-none": token(None, algorithm="none"),
        "unknown-key-id": token(other_key, key_id="key-unknown"),
        "hs256": jwt.encode(
            {"iss": ISSUER, "aud": APP_ID}, b"a-shared-secret-of-32-bytes-or-so", algorithm="HS256",
            headers={"kid": KEY_ID},
        ),
    }


@pytest.mark.parametrize(
    "kind",
    ["signed-with-another-key", "expired", "for-another-bot", "alg-none", "unknown-key-id",
     "hs256"],
)
async def test_every_forged_or_misdirected_token_is_401(metadata_host, secured_bot, caplog, kind):
    response = await post_activity(secured_bot, forged_tokens(metadata_host)[kind])
    assert response.status == 401
    assert not any(record.exc_info for record in caplog.records)


async def test_a_token_whose_key_is_endorsed_for_another_channel_is_401(metadata_host, secured_bot, caplog):
    metadata_host.endorsements = ["msteams"]
    response = await post_activity(secured_bot, token(metadata_host.key))
    assert response.status == 401
    assert not any(record.exc_info for record in caplog.records)


async def test_with_the_metadata_unreachable_and_no_keys_held_the_answer_is_503_with_retry_after(
    metadata_host, secured_bot
):
    metadata_host.down = True
    first = await post_activity(secured_bot, token(metadata_host.key))
    second = await post_activity(secured_bot, token(metadata_host.key))

    assert first.status == second.status == 503
    assert 1 <= int(first.headers["Retry-After"]) <= signing_keys.FAILURE_MEMORY_S
    assert len(metadata_host.requests) == 1, "a failed fetch is remembered, not repeated at once"


async def test_keys_once_held_keep_serving_while_the_metadata_is_down(metadata_host, secured_bot, monkeypatch):
    authentication = guarded()
    activity = Activity().deserialize(call_activity())
    await authentication.authenticate_request(activity, f"Bearer {token(metadata_host.key)}")
    metadata_host.down = True
    monkeypatch.setattr(signing_keys, "KEYS_LIFETIME_S", 0.0)  # the keys are due for a refresh

    result = await authentication.authenticate_request(activity, f"Bearer {token(metadata_host.key)}")

    assert result.claims_identity.is_authenticated
    forged = await post_activity(secured_bot, token(rsa_key()))
    assert forged.status == 401
    await authentication.close()


async def test_requests_arriving_together_share_one_fetch(metadata_host, secured_bot):
    metadata_host.delay_s = 0.3
    statuses = await asyncio.gather(*(post_activity(secured_bot, token(rsa_key())) for _ in range(8)))
    assert {response.status for response in statuses} == {401}
    assert metadata_host.requests.count("/v1/.well-known/openidconfiguration") == 1


async def test_a_slow_metadata_host_does_not_hold_up_other_requests(metadata_host, secured_bot):
    metadata_host.delay_s = 2.0
    pending = asyncio.ensure_future(post_activity(secured_bot, token(rsa_key())))
    while not metadata_host.requests:
        await asyncio.sleep(0.01)

    async with aiohttp.ClientSession() as session:
        async with session.get(secured_bot.make_url("/healthz")) as health:
            assert health.status == 200
    assert metadata_host.answered == [], "/healthz waited for the metadata host"
    await pending


@dataclass
class DeadEnd:
    """A TCP port that takes each connection and drops it at once, counting them."""

    port: int = 0
    connections: int = 0


@pytest.fixture
async def token_service_unreachable(monkeypatch) -> Iterator[DeadEnd]:
    """Every https request but to this machine goes through a proxy that drops it: AAD is unreachable."""
    dead_end = DeadEnd()

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        dead_end.connections += 1
        writer.transport.abort()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    dead_end.port = server.sockets[0].getsockname()[1]
    for variable in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{dead_end.port}")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, "localhost,127.0.0.1")
    yield dead_end
    server.close()


async def test_with_the_token_service_unreachable_a_signed_activity_is_503_with_retry_after_in_one_line(
    metadata_host, token_service_unreachable, secured_bot, caplog
):
    first = await post_activity(secured_bot, token(metadata_host.key))
    tried = token_service_unreachable.connections
    second = await post_activity(secured_bot, token(metadata_host.key))

    assert first.status == second.status == 503
    assert 1 <= int(first.headers["Retry-After"]) <= tokens.FAILURE_MEMORY_S
    assert tried >= 1 and token_service_unreachable.connections == tried, "a failed fetch is remembered"
    assert not any(record.exc_info or record.exc_text for record in caplog.records), caplog.text
    ours = [r.name for r in caplog.records if r.levelno >= logging.WARNING and not r.name.startswith("urllib3")]
    assert ours == [tokens.log.name], caplog.text  # the cause, once; each request is one INFO line


async def test_the_token_service_is_asked_again_once_its_failure_is_forgotten(
    metadata_host, token_service_unreachable, secured_bot, monkeypatch
):
    monkeypatch.setattr(tokens, "FAILURE_MEMORY_S", 0.3)
    assert (await post_activity(secured_bot, token(metadata_host.key))).status == 503
    tried = token_service_unreachable.connections
    await asyncio.sleep(0.4)
    assert (await post_activity(secured_bot, token(metadata_host.key))).status == 503
    assert token_service_unreachable.connections > tried


async def test_a_timer_that_fires_while_the_token_service_is_unreachable_is_one_warning_without_a_traceback(
    token_service_unreachable, secured_bot, caplog
):
    app = secured_bot.app
    reprompt = TurnContext(app[ADAPTER], Activity().deserialize(call_activity()))
    app[TIMERS].arm(reprompt, 0)

    for _ in range(200):
        if any(record.name == timers_log.name for record in caplog.records):
            break
        await asyncio.sleep(0.05)

    assert token_service_unreachable.connections >= 1
    assert not any(record.exc_info or record.exc_text for record in caplog.records), caplog.text
    (warning,) = [r for r in caplog.records if r.name == timers_log.name]
    assert warning.levelno == logging.WARNING and "could not be reached" in warning.getMessage()
