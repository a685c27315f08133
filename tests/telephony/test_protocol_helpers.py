"""Commands, results, DTMF and call control, as the protocol document states them."""

import pytest

from telephony import (
    RecordingCommand,
    command_activity,
    hang_up_activity,
    is_e164,
    parse_command_result,
    parse_handoff_status,
    pressed_key,
    transfer_activity,
)
from telephony.sdk import Activity, Entity, activity_to_json


@pytest.mark.parametrize("command", list(RecordingCommand))
def test_each_command_has_its_wire_name_and_a_fresh_command_id(command):
    first, second = command_activity(command), command_activity(command)
    assert first.type == "command" and first.name == command.value
    assert set(first.value) == {"commandId"} and first.value["commandId"] != second.value["commandId"]
    serialized = activity_to_json(first)
    assert "data" not in serialized and serialized["name"].startswith("channel/vnd.microsoft.telephony.recording.")


def result_activity(name=RecordingCommand.START.value, value=None, **extra):
    return Activity(type="commandResult", name=name, value=value, **extra)


def test_a_result_without_value_is_a_success():
    result = parse_command_result(result_activity())
    assert result.command is RecordingCommand.START and result.succeeded and result.command_id is None


def test_a_result_with_an_error_is_a_failure_with_code_and_message():
    result = parse_command_result(
        result_activity(value={"commandId": "c1", "error": {"code": "Conflict", "message": "Recording is already in progress"}})
    )
    assert not result.succeeded
    assert (result.command_id, result.error_code, result.error_message) == ("c1", "Conflict", "Recording is already in progress")
    assert "Conflict" in result.describe()


@pytest.mark.parametrize("error", [None, {}, ""])
def test_an_empty_error_is_a_success(error):
    assert parse_command_result(result_activity(value={"commandId": "c1", "error": error})).succeeded


def test_an_error_that_is_only_a_string_is_still_a_failure():
    result = parse_command_result(result_activity(value={"error": "boom"}))
    assert not result.succeeded and result.error_message == "boom"


@pytest.mark.parametrize("activity", [result_activity(name="channel/vnd.other.thing"), Activity(type="message", text="1")])
def test_other_activities_are_not_results(activity):
    assert parse_command_result(activity) is None


def dtmf(text, channel="telephony", entity="DTMF"):
    return Activity(type="message", text=text, channel_id=channel, entities=[Entity(type=entity)] if entity else None)


@pytest.mark.parametrize("key", list("0123456789*#"))
def test_a_dtmf_message_is_a_key_press(key):
    assert pressed_key(dtmf(key)) == key


def test_on_the_phone_a_digit_without_the_dtmf_entity_is_speech():
    assert pressed_key(dtmf("1", entity=None)) is None


def test_elsewhere_a_single_typed_key_is_a_key_press():
    assert pressed_key(dtmf("5", channel="emulator", entity=None)) == "5"
    assert pressed_key(dtmf("55", channel="emulator", entity=None)) is None
    assert pressed_key(dtmf("a", channel="emulator", entity=None)) is None


@pytest.mark.parametrize("number", ["+14255550123", "+442071234567", "+8613800138000"])
def test_valid_e164_numbers(number):
    assert is_e164(number)
    assert activity_to_json(transfer_activity(number))["value"] == {"TargetPhoneNumber": number}


@pytest.mark.parametrize("number", ["14255550123", "+1 425 555 0123", "+1-425-555-0123", "tel:+14255550123", "+0123456", "", "+1"])
def test_anything_but_e164_is_refused_for_a_transfer(number):
    assert not is_e164(number)
    with pytest.raises(ValueError, match="E.164"):
        transfer_activity(number)


def test_transfer_is_a_handoff_initiate_event():
    activity = transfer_activity("+14255550123")
    assert (activity.type, activity.name) == ("event", "handoff.initiate")


def test_hang_up_is_end_of_conversation():
    assert hang_up_activity().type == "endOfConversation"


def test_handoff_status_failed_and_others():
    failed = parse_handoff_status(Activity(type="event", name="handoff.status", value={"state": "failed", "message": "busy"}))
    assert failed.failed and failed.message == "busy"
    assert not parse_handoff_status(Activity(type="event", name="handoff.status", value={"state": "completed"})).failed
    assert parse_handoff_status(Activity(type="event", name="handoff.status")).state == ""
    assert parse_handoff_status(Activity(type="event", name="other")) is None
