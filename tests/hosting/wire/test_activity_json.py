"""Activities read from and written to JSON exactly as msrest reads and writes them.

The reference is msrest itself (`Activity.deserialize`, `Serializer._serialize`),
compared value by value with types, over every activity a call carries: the
Telephony channel's, the Emulator's, the Call Automation bridge's, the bot's own,
and generated ones with wrong types, nulls and unknown keys in every field.
"""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
from botbuilder.schema import Activity, ActivityTypes, InputHints
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msrest.serialization import Model, Serializer

from hosting.wire.activity_json import read_activity_json, write_model
from simulator import activities as channel
from telephony import Refusal, RecordingCommand

from .test_connector import everything_a_call_sends

MODELS = Activity._infer_class_models()
MSREST = Serializer(MODELS)


def msrest_read(document: Any) -> Any:
    try:
        return Activity.deserialize(copy.deepcopy(document))
    except Exception as error:  # the comparison is of what each raises, too
        return type(error)


def ours_read(document: Any) -> Any:
    try:
        return read_activity_json(copy.deepcopy(document))
    except Exception as error:
        return type(error)


def msrest_write(activity: Activity) -> Any:
    try:
        return json.dumps(MSREST._serialize(copy.deepcopy(activity), is_xml=False))
    except Exception as error:
        return type(error)


def ours_write(activity: Activity) -> Any:
    try:
        return json.dumps(write_model(copy.deepcopy(activity)))
    except Exception as error:
        return type(error)


def same(left: Any, right: Any, path: str = "") -> None:
    """Equal value by value, with the same types and, except for unknown keys, the same key order."""
    assert type(left) is type(right), f"{path}: {type(left).__name__} vs {type(right).__name__}"
    if isinstance(left, Model):
        assert list(vars(left)) == list(vars(right)), f"{path}: attributes in another order"
        for name in vars(left):
            same(getattr(left, name), getattr(right, name), f"{path}.{name}")
    elif isinstance(left, dict):
        if path.endswith("additional_properties"):  # msrest collects them through a set
            assert set(left) == set(right), path
        else:
            assert list(left) == list(right), f"{path}: keys differ or are in another order"
        for key in left:
            same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, list):
        assert len(left) == len(right), path
        for index, (a, b) in enumerate(zip(left, right)):
            same(a, b, f"{path}[{index}]")
    else:
        assert left == right, f"{path}: {left!r} vs {right!r}"


def reads_alike(document: Any) -> Any:
    ours, theirs = ours_read(document), msrest_read(document)
    same(ours, theirs)
    return ours


def telephony_channel_activities() -> list[dict[str, Any]]:
    address = channel.CallAddress("call-1", "+14255550123", "+14255550199", "https://channel.example/")
    return [
        channel.call_placed(address),
        channel.key_press(address, "9"),
        channel.speech(address, "agent"),
        channel.command_result(address, RecordingCommand.START, "c-1", None),
        channel.command_result(address, RecordingCommand.PAUSE, "c-2", Refusal("RecordingNotStarted", "Not started")),
        channel.handoff_failed(address, "No answer"),
        channel.end_of_conversation(address, "completedSuccessfully"),
    ]


def emulator_activities() -> list[dict[str, Any]]:
    """What the Bot Framework Emulator posts: client capabilities, local time zone, channel data."""
    common = {
        "channelId": "emulator",
        "conversation": {"id": "6f3c1a20-b0a4-11ef-9c43-a3c1f6a2c1ad|livechat"},
        "from": {"id": "r_1733000000", "name": "User", "role": "user"},
        "recipient": {"id": "c1f3a0e0-b0a4-11ef-9c43-a3c1f6a2c1ad", "name": "Bot", "role": "bot"},
        "serviceUrl": "http://localhost:57413",
        "localTimestamp": "2026-11-30T15:10:00-08:00",
        "localTimezone": "America/Los_Angeles",
        "timestamp": "2026-11-30T23:10:00.123Z",
        "locale": "en-US",
    }
    return [
        {**common, "type": "conversationUpdate", "id": "a1", "membersAdded": [{"id": "c1f3", "name": "Bot"}, {"id": "r_1", "name": "User"}]},
        {
            **common,
            "type": "message",
            "id": "b2",
            "text": "1",
            "textFormat": "plain",
            "attachments": [],
            "entities": [{"type": "ClientCapabilities", "requiresBotState": True, "supportsListening": True, "supportsTts": True}],
            "channelData": {"clientActivityID": "1733000000000abc", "clientTimestamp": "2026-11-30T23:10:00.120Z"},
        },
        {**common, "type": "message", "id": "b3", "text": "hi", "timestamp": "2026-11-30T23:10:00.1234567Z"},
        {**common, "type": "endOfConversation", "id": "b4", "code": "userCancelled"},
    ]


@pytest.mark.parametrize("document", telephony_channel_activities() + emulator_activities(), ids=lambda d: d["type"])
def test_a_channels_activity_reads_as_msrest_reads_it(document):
    activity = reads_alike(document)

    assert isinstance(activity, Activity)


async def test_every_activity_the_bot_sends_writes_as_msrest_writes_it():
    sent = await everything_a_call_sends()

    for activity in sent:
        assert ours_write(activity) == msrest_write(activity)
        reads_alike(json.loads(ours_write(activity)))  # and what it wrote reads back alike


def test_an_activity_reads_back_from_what_it_wrote():
    for document in telephony_channel_activities():
        activity = read_activity_json(document)
        again = read_activity_json(json.loads(ours_write(activity)))
        same(again, activity)


# --- generated activities: right and wrong types in every field ------------------------------

JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
TIMES = st.sampled_from(
    ["2026-11-30T23:10:00Z", "2026-11-30T23:10:00.1234567Z", "2026-11-30T15:10:00.5-08:00", "2026-11-30T23:10:00+00:00", "not a time", "2026-13-40T99:00:00Z"]
)


def value_of(type_name: str, depth: int) -> st.SearchStrategy[Any]:
    """A value for a field of `type_name`: usually the declared type, sometimes anything JSON holds."""
    if type_name.startswith("["):
        right = st.lists(value_of(type_name[1:-1], depth + 1) | st.none(), max_size=3)
    elif type_name.startswith("{"):
        right = st.dictionaries(st.text(max_size=5), value_of(type_name[1:-1], depth + 1) | st.none(), max_size=2)
    elif type_name == "str":
        right = st.text(max_size=10)
    elif type_name == "bool":
        right = st.booleans()
    elif type_name == "int":
        right = st.integers(-1000, 1000)
    elif type_name == "iso-8601":
        right = TIMES
    elif type_name == "object":
        right = JSON
    elif depth > 2:
        right = st.just({})
    else:
        right = document_of(MODELS[type_name], depth + 1)
    return st.one_of(right, right, right, JSON)


def document_of(model: type[Model], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    fields = {entry["key"]: value_of(entry["type"], depth) for entry in model._attribute_map.values()}
    return st.fixed_dictionaries({}, optional=fields).flatmap(
        lambda known: st.dictionaries(st.text(min_size=1, max_size=6), JSON, max_size=2).map(lambda extra: {**extra, **known})
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document_of(Activity))
def test_any_json_document_reads_as_msrest_reads_it(document):
    reads_alike(document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document_of(Activity))
def test_any_activity_msrest_reads_writes_as_msrest_writes_it(document):
    activity = msrest_read(document)
    if isinstance(activity, Activity):
        assert ours_write(activity) == msrest_write(activity)


@pytest.mark.parametrize(
    "activity",
    [
        Activity(type="message", text=5),  # msrest makes a string of it
        Activity(type="message", entities=({"type": "x"},)),  # a tuple for a list
        Activity(type="message", timestamp="2026-11-30T23:10:00Z"),  # a string for a time
        Activity(type="message", value={"at": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}),
        Activity(type="message", recipient={"id": "a"}),  # a dict where a model belongs
        Activity(type="message", history_disclosed=1),
        Activity(type=ActivityTypes.message, input_hint=InputHints.expecting_input, value=ActivityTypes.message),
    ],
)
def test_values_outside_the_plans_are_left_to_msrest(activity):
    assert ours_write(activity) == msrest_write(activity)


async def test_a_calls_activities_never_take_msrests_walk(monkeypatch):
    documents = telephony_channel_activities() + emulator_activities()
    sent = await everything_a_call_sends()

    def refuse(*args, **kwargs):
        raise AssertionError("msrest's walk ran")

    monkeypatch.setattr("msrest.serialization.Deserializer._deserialize", refuse)
    monkeypatch.setattr("msrest.serialization.Serializer._serialize", refuse)
    for document in documents:
        read_activity_json(document)
    for activity in sent:
        write_model(activity)
