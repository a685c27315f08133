"""Replies serialize to exactly the JSON msrest's full path produces, only faster."""

from __future__ import annotations

import copy

import aiohttp
import pytest
from aiohttp import web
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity
from botframework.connector.aio import ConnectorClient as SdkConnectorClient
from msrest.async_client import ServiceClientAsync
from msrest.authentication import BasicTokenAuthentication
from msrest.serialization import Serializer

from hosting.wire.connector import ConnectorClient, ModelSerializer
from hosting.wire.transport import aiohttp_pipeline
from telephony import RecordingCommand

from ...call_harness import call_at_menu


def serializers() -> tuple[Serializer, ModelSerializer]:
    sdk = SdkConnectorClient(BasicTokenAuthentication({"access_token": "t"}), base_url="https://channel.invalid/")
    ours = ConnectorClient(BasicTokenAuthentication({"access_token": "t"}), base_url="https://channel.invalid/")
    return sdk.conversations._serialize, ours.conversations._serialize


async def everything_a_call_sends() -> list[Activity]:
    """Prompts, SSML, recording commands, the payment outcome, a transfer and a hang-up."""
    call = await call_at_menu()
    await call.press("2123456")  # balance of the demo account
    await call.press("1123456")  # payment: account, then the offer
    await call.press("1")  # pay: recording pauses first
    await call.answer(RecordingCommand.PAUSE)
    await call.press("4111111111111111#1229123#1")
    await call.answer(RecordingCommand.RESUME)
    await call.press("0")  # transfer to an agent: hold prompt, pause, handoff
    await call.answer(RecordingCommand.PAUSE)
    await call.silence()
    await call.handoff_failed()
    await call.answer(RecordingCommand.RESUME)
    await call.press("9")
    await call.hang_up()
    return call.sent


async def test_every_activity_of_a_call_serializes_as_msrest_does_in_one_pass(monkeypatch):
    sdk, ours = serializers()
    sent = await everything_a_call_sends()
    kinds = {(activity.type, activity.name) for activity in sent}
    assert len(kinds) >= 5, f"the call sent too little to compare: {kinds}"

    expected = [sdk.body(copy.deepcopy(activity), "Activity") for activity in sent]
    full_path = []
    monkeypatch.setattr(Serializer, "body", lambda *args, **kwargs: full_path.append(args))
    assert [ours.body(copy.deepcopy(activity), "Activity") for activity in sent] == expected
    assert full_path == [], "a typed activity took msrest's rebuild-then-serialize path"


@pytest.mark.parametrize(
    "activity",
    [
        # plain dicts where the schema expects models: msrest rebuilds them first
        Activity(type=ActivityTypes.message, text="hi", recipient={"id": "+14255550123"}),
        Activity(type=ActivityTypes.message, text="hi", entities=[{"type": "x", "extra": 1}]),
        Activity(
            type=ActivityTypes.message,
            text="hi",
            from_property=ChannelAccount(id="bot"),
            conversation=ConversationAccount(id="call-1"),
            entities=[Entity(type="y")],
            channel_data={"any": ["json", 1]},
            value={"commandId": "c-1"},
        ),
    ],
)
def test_bodies_msrest_must_rebuild_come_out_the_same(activity):
    sdk, ours = serializers()

    assert ours.body(copy.deepcopy(activity), "Activity") == sdk.body(copy.deepcopy(activity), "Activity")


def test_other_bodies_take_msrest_path():
    sdk, ours = serializers()
    members = [ChannelAccount(id="a"), ChannelAccount(id="b")]

    assert ours.body(members, "[ChannelAccount]") == sdk.body(members, "[ChannelAccount]")
    assert ours.body({"id": "a"}, "ChannelAccount") == sdk.body({"id": "a"}, "ChannelAccount")


def test_a_client_like_the_sdks_keeps_its_configuration():
    sdk = SdkConnectorClient(BasicTokenAuthentication({"access_token": "t"}), base_url="https://channel.invalid/")

    ours = ConnectorClient.like(sdk)

    assert ours.config is sdk.config
    assert ours.config.base_url == "https://channel.invalid/"
    assert isinstance(ours.conversations._serialize, ModelSerializer)
    assert ConnectorClient.like(ours) is ours


class Credentials:
    """An app's credentials: a token for every reply."""

    microsoft_app_id = "app-1"

    def get_access_token(self) -> str:
        return "token-1"


async def a_reply_as_received(serve, send, status: int = 200, answer: bytes = b'{"id": "reply-1"}'):
    """What a service URL received from `send(client)`, and what the call returned or raised."""
    received = []

    async def record(request: web.Request) -> web.Response:
        headers = [(name, value) for name, value in request.raw_headers if name.lower() != b"host"]
        received.append((request.method, request.raw_path, headers, await request.read()))
        return web.Response(status=status, body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    port = await serve(app)
    outcomes = []
    for direct in (False, True):
        async with aiohttp.ClientSession() as session:
            client = ConnectorClient(Credentials(), base_url=f"http://127.0.0.1:{port}/base")
            if direct:
                client.use_aiohttp(session)
            else:
                client.config.pipeline = aiohttp_pipeline(client.config, client.config.credentials, session)
            try:
                result = await send(client)
                outcomes.append(("returned", type(result), vars(result) if result is not None else None))
            except Exception as error:
                details = getattr(error, "error", None)
                outcomes.append(("raised", type(error), str(error), vars(details) if details is not None else None))
    return received, outcomes


@pytest.mark.parametrize(
    "status,answer",
    [(200, b'{"id": "reply-1"}'), (201, b'{"id": "r", "extra": 1}'), (202, b""), (404, b'{"error": {"code": "NotFound", "message": "No call"}}'), (400, b"not json")],
)
async def test_a_reply_sent_directly_is_the_request_the_sdks_pipeline_sends(serve, status, answer):
    activity = Activity(type=ActivityTypes.message, text="Hello", speak="<speak>Hello</speak>", input_hint="expectingInput")

    async def reply(client):
        return await client.conversations.reply_to_activity("call/1 é?", "act 1", copy.deepcopy(activity))

    async def send(client):
        return await client.conversations.send_to_conversation("call/1 é?", copy.deepcopy(activity))

    for operation in (reply, send):
        received, outcomes = await a_reply_as_received(serve, operation, status, answer)
        assert received[0] == received[1]
        assert outcomes[0] == outcomes[1]
        assert dict(received[1][2])[b"Authorization"] == b"Bearer token-1"


async def test_replies_sent_directly_skip_msrests_pipeline(serve, monkeypatch):
    activity = Activity(type=ActivityTypes.message, text="Hello")

    def refuse(*args, **kwargs):
        raise AssertionError("the pipeline ran")

    async def reply(client):
        if len(clients) == 1:  # the second client sends directly
            monkeypatch.setattr(ServiceClientAsync, "async_send", refuse)
        clients.append(client)
        return await client.conversations.reply_to_activity("call-1", "act-1", activity)

    clients = []

    _, outcomes = await a_reply_as_received(serve, reply)
    assert [outcome[0] for outcome in outcomes] == ["returned", "returned"]
