"""The real app over HTTP: whatever a caller gets wrong is a 4xx with a reason, never a 5xx or a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import create_app
from config import DefaultConfig
from hosting import request_guards
from tests.test_app_http import activity, bot, post, secured_bot, service_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]


def without(fields: dict, *names: str) -> dict:
    return {k: v for k, v in fields.items() if k not in names}


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return not any(record.exc_info for record in caplog.records) and "Traceback" not in caplog.text


# What the SDK's msrest deserializer raised on, and what the bot could not answer.
MALFORMED = {
    "from-is-a-string": {"from": "x"},
    "conversation-is-a-list": {"conversation": [1]},
    "recipient-is-a-number": {"recipient": 7},
    "entities-is-an-object": {"entities": {}},
    "members-added-is-a-string": {"membersAdded": "everyone"},
    "attachments-holds-numbers": {"attachments": [1]},
    "timestamp-is-not-a-date": {"timestamp": "yesterday"},
    "listen-for-is-a-string": {"listenFor": "x"},
    "text-is-an-object": {"text": {"a": 1}},
    "type-is-a-number": {"type": 7},
    "conversation-id-is-null": {"conversation": {"id": None}},
    "channel-id-is-null": {"channelId": None},
    "service-url-is-not-http": {"serviceUrl": "file:///etc/passwd"},
    "service-url-is-a-bare-word": {"serviceUrl": "localhost"},
    "members-added-holds-null": {"type": "conversationUpdate", "membersAdded": [None]},
    "members-removed-holds-null": {"type": "conversationUpdate", "membersRemoved": [{"id": "caller"}, None]},
    "service-url-host-holds-a-brace": {"serviceUrl": "http://a{b/"},
    "service-url-host-holds-a-space": {"serviceUrl": "http://a b/"},
    "service-url-path-holds-a-brace": {"serviceUrl": "http://127.0.0.1:1/{conversationId}/"},
    "service-url-port-is-out-of-range": {"serviceUrl": "http://127.0.0.1:70000/"},
}


@pytest.mark.parametrize("fields", MALFORMED.values(), ids=MALFORMED.keys())
async def test_an_activity_of_the_wrong_shape_is_400_with_a_one_line_reason(bot, service_url, caplog, fields):
    status, text = await post(bot, json.dumps(activity(service_url.url, **fields)))
    assert status == 400
    assert len(text.splitlines()) == 1
    assert service_url.received == []
    assert no_tracebacks(caplog)


@pytest.mark.parametrize("channel", ["telephony", "emulator"])
@pytest.mark.parametrize(
    "invoke, status",
    [
        ({"name": "adaptiveCard/action", "value": {}}, 400),
        ({"name": "adaptiveCard/action", "value": {"action": {"type": "Action.Submit"}}}, 400),
        ({"name": "adaptiveCard/action", "value": {"action": {"type": "Action.Execute", "verb": "pay"}}}, 501),
        ({"name": "composeExtension/query", "value": {}}, 501),
        ({"name": "anything/else"}, 501),
    ],
    ids=["card-action-without-action", "card-action-not-execute", "card-action", "compose-extension", "unknown"],
)
async def test_an_invoke_the_bot_does_not_handle_gets_the_protocols_answer_never_a_500(
    bot, service_url, caplog, channel, invoke, status
):
    posted = activity(service_url.url, type="invoke", channelId=channel, **invoke)
    answer_status, text = await post(bot, json.dumps(posted))
    assert answer_status == status
    if status == 400:  # the Adaptive Card error response, as the protocol describes it
        answer = json.loads(text)
        assert answer["statusCode"] == 400 and answer["type"] == "application/vnd.microsoft.error"
        assert answer["value"]["code"] in ("BadRequest", "NotSupported") and answer["value"]["message"]
    assert no_tracebacks(caplog)


@pytest.mark.parametrize("missing", ["conversation", "channelId", "from", "recipient", "serviceUrl", "type"])
async def test_an_activity_without_a_field_the_bot_needs_is_400_and_never_reaches_the_bot(
    bot, service_url, caplog, missing
):
    status, text = await post(bot, json.dumps(without(activity(service_url.url), missing)))
    assert status == 400 and missing in text
    assert service_url.received == []
    assert no_tracebacks(caplog)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"type": "message", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"type": "message", "id": ' + b"9" * 5000 + b"}",
        b'{"type": "message", "value": NaN}',
    ],
    ids=["nested-1000-deep", "nested-100000-deep", "5000-digit-integer", "nan"],
)
async def test_json_a_server_cannot_take_safely_is_400(bot, caplog, body):
    status, _ = await post(bot, body)
    assert status == 400
    assert no_tracebacks(caplog)


async def test_a_body_in_another_charset_is_415(bot, service_url, caplog):
    body = json.dumps(activity(service_url.url)).encode("utf-16")
    status, text = await post(bot, body, "application/json; charset=utf-16")
    assert status == 415 and "UTF-8" in text
    status, _ = await post(bot, body, "application/json")
    assert status == 400
    assert no_tracebacks(caplog)


async def test_a_websocket_upgrade_without_a_key_is_400(bot, caplog):
    async with aiohttp.ClientSession() as session:
        headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
        async with session.get(bot.make_url("/api/messages"), headers=headers) as response:
            assert response.status == 400
    assert no_tracebacks(caplog)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (json.dumps({"type": "message", "from": "x"}), "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b"not json", "text/plain"),
        (b"", None),
    ],
    ids=["malformed-activity", "deep-json", "not-json", "empty"],
)
async def test_with_credentials_set_a_request_without_a_token_is_401_whatever_the_body(
    secured_bot, caplog, body, content_type
):
    status, _ = await post(secured_bot, body, content_type)
    assert status == 401
    assert no_tracebacks(caplog)


async def test_a_valid_activity_still_gets_its_answer(bot, service_url):
    status, _ = await post(bot, json.dumps(activity(service_url.url)))
    assert status in (200, 201)
    assert len(service_url.received) == 2


async def test_a_reply_is_not_sent_on_when_the_service_url_redirects(bot, caplog):
    """The reply carries the bot's token: it goes where the channel said, and nowhere else."""
    elsewhere: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/elsewhere/" + request.path)

    async def record(request: web.Request) -> web.Response:
        elsewhere.append(request.path)
        return web.json_response({"id": "stolen"})

    app = web.Application()
    app.router.add_post("/v3/{tail:.*}", redirect)
    app.router.add_post("/elsewhere/{tail:.*}", record)
    channel = TestServer(app)
    await channel.start_server()
    try:
        status, _ = await post(bot, json.dumps(activity(str(channel.make_url("/")))))
    finally:
        await channel.close()
    assert status < 500
    assert elsewhere == []


async def test_a_body_that_trickles_in_is_cut_off_with_408(bot, monkeypatch):
    monkeypatch.setattr(request_guards, "BODY_READ_TIMEOUT_S", 0.5)
    reader, writer = await asyncio.open_connection(bot.host, bot.port)
    writer.write(
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    writer.close()
    assert b" 408 " in status_line
    assert b"Connection: close" in headers


async def test_a_client_that_goes_away_mid_body_is_one_info_line(bot, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection((bot.host, bot.port)) as raw:
        raw.sendall(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{\"type\"")
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as session:
        async with session.get(bot.make_url("/healthz")) as response:
            assert response.status == 200
    assert no_tracebacks(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "went away" not in r.getMessage()]
    assert any("went away" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


async def test_local_mode_warns_at_start_up_that_nothing_is_authenticated(caplog):
    caplog.set_level(logging.WARNING)
    create_app(DefaultConfig())
    assert "authentication is OFF" in caplog.text
    caplog.clear()
    create_app(DefaultConfig(MicrosoftAppId="00000000-0000-0000-0000-000000000001", MicrosoftAppPassword="x"))
    assert "authentication is OFF" not in caplog.text


def test_the_bot_listens_on_loopback_unless_host_says_otherwise():
    assert DefaultConfig.from_env({}, env_file=None).HOST == "127.0.0.1"
    assert DefaultConfig.from_env({"HOST": "0.0.0.0"}, env_file=None).HOST == "0.0.0.0"
    assert "HOST=127.0.0.1" in (ROOT / ".env.example").read_text()


async def raw_exchange(server: TestServer, request: bytes) -> bytes:
    """Send raw bytes as one request; the answer's status line."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    return status_line


UNREADABLE_HEADS = {
    "a-9-kb-header": b"POST /api/messages HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 9000 + b"\r\n\r\n",
    "a-9-kb-request-line": b"POST /api/recordings/events?code=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "a-9-kb-header-name": b"POST /api/calls/incoming HTTP/1.1\r\nHost: x\r\n" + b"X" * 9000 + b": 1\r\n\r\n",
    "a-header-without-a-colon": b"POST /api/messages HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "a-bad-content-length": b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "a-second-request-that-is-garbage": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01 garbage\r\n\r\n",
    "a-body-that-is-not-the-gzip-it-says": b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("head", UNREADABLE_HEADS.values(), ids=UNREADABLE_HEADS.keys())
async def test_a_request_head_the_server_cannot_read_is_a_4xx_in_one_line_without_a_traceback(bot, caplog, head):
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    status_line = await raw_exchange(bot, head)
    assert status_line.split()[1].startswith(b"4") or b" 200 " in status_line, status_line
    await asyncio.sleep(0.1)  # aiohttp logs once the connection is done with
    assert no_tracebacks(caplog), caplog.text
    server_lines = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert len(server_lines) <= 1 and all(len(r.getMessage().splitlines()) == 1 for r in server_lines)
    assert all(r.levelno <= logging.INFO for r in server_lines)
