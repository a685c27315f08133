"""A turn's outgoing activities are copied as `copy.deepcopy` copies them, and sent as the SDK sends them."""

from __future__ import annotations

import copy
import datetime

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from msrest.serialization import Model

from config import DefaultConfig
from hosting.adapter import StreamingCloudAdapter
from hosting.auth.authentication import create_authentication
from hosting.auth.guarded import GuardedAuthentication
from hosting.wire.turn_context import CallTurnContext, copy_activity

from .test_activity_json import same
from .test_connector import everything_a_call_sends


class Opaque:
    """Not a model: copied by `copy.deepcopy` itself."""

    def __init__(self, items: list[int]):
        self.items = items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.items == self.items


def every_object_in(value, found=None):
    found = [] if found is None else found
    if isinstance(value, (list, dict, Model, Opaque)):
        found.append(value)
        children = value if isinstance(value, list) else value.values() if isinstance(value, dict) else vars(value).values()
        for child in children:
            every_object_in(child, found)
    return found


async def test_every_activity_a_call_sends_copies_equal_and_sharing_nothing_mutable():
    sent = await everything_a_call_sends()
    sent.append(
        Activity(
            type=ActivityTypes.message,
            entities=[Entity(type="x")],
            value={"nested": [{"a": 1}], "when": datetime.datetime(2026, 1, 1)},
            channel_data=Opaque([1, 2]),
        )
    )

    for activity in sent:
        copied = copy_activity(activity)
        same(copied, copy.deepcopy(activity))
        originals = {id(item) for item in every_object_in(activity)}
        assert not originals & {id(item) for item in every_object_in(copied)}


async def test_a_sent_activity_is_addressed_to_the_call_and_the_senders_object_is_left_alone():
    incoming = Activity(
        type=ActivityTypes.message,
        id="in-1",
        channel_id="telephony",
        service_url="https://channel.example/",
        conversation=ConversationAccount(id="call-1"),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
        locale="en-US",
    )
    outgoing = Activity(text="Hello", speak="<speak>Hello</speak>", entities=[Entity(type="x")])
    before = copy.deepcopy(outgoing)
    adapters = TestAdapter(), TestAdapter()

    await TurnContext(adapters[0], copy.deepcopy(incoming)).send_activity(copy.deepcopy(outgoing))
    await CallTurnContext(adapters[1], copy.deepcopy(incoming)).send_activity(outgoing)

    same(outgoing, before)
    sdk, ours = (adapter.activity_buffer[-1] for adapter in adapters)
    same(ours, sdk)
    assert ours.reply_to_id == "in-1" and ours.input_hint == "acceptingInput"


async def test_the_apps_adapter_runs_every_turn_on_a_call_turn_context():
    adapter = StreamingCloudAdapter(GuardedAuthentication(create_authentication(DefaultConfig()), local_mode=True))
    seen = []

    async def logic(context: TurnContext) -> None:
        seen.append(type(context))

    activity = Activity(
        type=ActivityTypes.message,
        channel_id="telephony",
        service_url="https://channel.example/",
        conversation=ConversationAccount(id="call-1"),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
    )
    await adapter.process_activity("", activity, logic)

    assert seen == [CallTurnContext]
