"""Replies serialize to exactly the JSON msrest's full path produces, only faster."""

from __future__ import annotations

import copy

import pytest
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity
from botframework.connector.aio import ConnectorClient as SdkConnectorClient
from msrest.authentication import BasicTokenAuthentication
from msrest.serialization import Serializer

from hosting.connector import ConnectorClient, ModelSerializer
from telephony import RecordingCommand

from ..call_harness import call_at_menu


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
