"""What a channel's refusal, or its absence, looks like from each connector, as `telephony.send_failure` reads it.

The bot decides what a failed send means by what was sent (docs/call-flow.md,
section 9); for that it must first recognise the failure, whichever client
sent the reply: this template's connector (direct, or through msrest's
pipeline on aiohttp), botbuilder's own (msrest on `requests`), or a
streaming socket. Each is pointed at a real service URL that answers 400,
403, 404 or 500, or drops the connection without answering.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient as SdkConnectorClient
from msrest.authentication import BasicTokenAuthentication

from hosting.wire.connector import ConnectorClient
from hosting.streaming.connection import ConnectionClosed
from hosting.streaming.connector import ActivityRefused
from hosting.wire.transport import aiohttp_pipeline
from telephony import SendFailure, send_failure

HANG_UP = Activity(type=ActivityTypes.end_of_conversation)


class Credentials:
    microsoft_app_id = "app-1"

    def get_access_token(self) -> str:
        return "token-1"


async def channel(serve, status: int | None) -> str:
    """A service URL that answers every activity with `status`, or drops the connection (None)."""

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        if status is None:
            request.transport.close()
            return web.Response()
        return web.json_response({"error": {"code": "BadArgument", "message": "Invalid input"}}, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return f"http://127.0.0.1:{await serve(app)}/"


async def raised_by(client_kind: str, url: str) -> BaseException:
    async with aiohttp.ClientSession() as session:
        if client_kind == "sdk":
            client = SdkConnectorClient(BasicTokenAuthentication({"access_token": "t"}), base_url=url)
            client.config.retry_policy.retries = 0
        else:
            client = ConnectorClient(Credentials(), base_url=url)
            if client_kind == "direct":
                client.use_aiohttp(session)
            else:
                client.config.pipeline = aiohttp_pipeline(client.config, client.config.credentials, session)
        with pytest.raises(Exception) as raised:
            await client.conversations.reply_to_activity("call-1", "activity-1", HANG_UP)
        return raised.value


CLIENTS = ["direct", "pipeline", "sdk"]


@pytest.mark.parametrize("status", [400, 403, 404, 500])
@pytest.mark.parametrize("client_kind", CLIENTS)
async def test_a_refusal_reads_as_the_channels_status(serve, client_kind, status):
    error = await raised_by(client_kind, await channel(serve, status))
    assert send_failure(error) == SendFailure(status, type(error).__name__)
    assert not send_failure(error).lost


@pytest.mark.parametrize("client_kind", CLIENTS)
async def test_a_dropped_connection_reads_as_a_channel_that_could_not_be_reached(serve, client_kind):
    error = await raised_by(client_kind, await channel(serve, None))
    failure = send_failure(error)
    assert failure is not None and failure.lost
    assert "could not be reached" in failure.describe()


def test_a_streaming_socket_refusal_or_close_reads_the_same():
    assert send_failure(ActivityRefused(404)) == SendFailure(404, "ActivityRefused")
    assert send_failure(ConnectionClosed("the socket is closed")).lost
    assert send_failure(asyncio.TimeoutError()).lost


@pytest.mark.parametrize("error", [RuntimeError("storage is down"), KeyError("x"), ValueError("bad"), SystemError()])
def test_anything_else_is_not_the_channels_answer(error):
    assert send_failure(error) is None
