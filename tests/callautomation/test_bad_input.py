"""Bad input to the bridge gets a clear 4xx and changes nothing: a missing or wrong
secret or token is 401, a body that is not events 400, a call that is not ours 404,
and event types the bridge has no use for are ignored with a log line."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import aiohttp
import pytest

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU

from simulator.acs import CallbackToken

from .caller import Caller, cloud_event, signed_post
from .conftest import SECRET, PhoneLine


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


def incoming_url(line: PhoneLine, code: str | None) -> str:
    return f"{line.base_url}/api/calls/incoming" + (f"?code={code}" if code is not None else "")


@pytest.mark.parametrize("code", [None, "", "wrong"])
async def test_incoming_calls_without_the_secret_are_refused(line, http, code):
    body = [{"id": "1", "eventType": "Microsoft.Communication.IncomingCall", "subject": "s", "data": {},
             "dataVersion": "1.0", "eventTime": datetime.now(timezone.utc).isoformat()}]
    async with http.post(incoming_url(line, code), json=body) as response:
        assert response.status == 401
    assert line.standin.calls == []


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"[1]", b'{"eventType": 3}', b"null", "\u00ff".encode("latin-1")])
async def test_an_incoming_body_that_is_not_events_is_400(line, http, body):
    async with http.post(incoming_url(line, SECRET), data=body) as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_an_incoming_call_without_its_context_is_400(line, http):
    event = {"id": "1", "eventType": "Microsoft.Communication.IncomingCall", "subject": "s",
             "data": {"from": {"rawId": "4:+14255550123"}, "to": {"rawId": "4:+18005550199"}},
             "dataVersion": "1.0", "eventTime": datetime.now(timezone.utc).isoformat()}
    async with http.post(incoming_url(line, SECRET), json=[event]) as response:
        assert response.status == 400


async def test_event_grid_validation_is_answered(line):
    answer = await line.standin.validate_subscription(incoming_url(line, SECRET))
    assert "validationResponse" in answer


async def test_unknown_event_types_are_ignored_with_a_log_line(line, http, caplog):
    event = {"id": "1", "eventType": "Microsoft.Communication.SomethingNew", "subject": "s", "data": {},
             "dataVersion": "1.0", "eventTime": datetime.now(timezone.utc).isoformat()}
    with caplog.at_level(logging.INFO):
        async with http.post(incoming_url(line, SECRET), json=[event]) as response:
            assert response.status == 200
            assert (await response.json())["ignored"] == 1
    assert "Microsoft.Communication.SomethingNew" in caplog.text


@pytest.mark.parametrize("token", ["forged", "expired", "wrong_audience", "missing"])
async def test_callbacks_that_are_not_from_acs_are_401_and_reach_no_bot(line, token):
    caller = Caller(await line.call())
    await caller.hears(MAIN_MENU.spoken)
    line.standin.faults.callback_token = CallbackToken(token)
    await caller.press("0")
    await caller.call.delivered()
    rejected = [status for kind, _data, status in caller.call.callbacks if kind.endswith("ToneReceived")]
    assert rejected == [401]
    line.standin.faults.callback_token = CallbackToken.VALID
    await caller.press("9")
    await caller.hears(MAIN_MENU.spoken)
    assert caller.call.transfers == [] and P.TRANSFER_HOLD not in " ".join(caller.call.heard)


async def test_a_callback_for_a_call_that_is_not_ours_is_404(line, http):
    url = f"{line.base_url}/api/calls/{'x' * 43}/events"
    event = cloud_event("Microsoft.Communication.CallConnected", {"callConnectionId": "abc"})
    response = await signed_post(line, http, url, json.dumps([event]).encode())
    assert response.status == 404


async def test_a_callback_for_another_call_connection_is_404(line, http):
    caller = Caller(await line.call())
    await caller.hears(MAIN_MENU.spoken)
    event = cloud_event("Microsoft.Communication.ContinuousDtmfRecognitionToneReceived",
                        {"callConnectionId": "someone-else", "tone": "zero", "sequenceId": 99})
    response = await signed_post(line, http, caller.call.callback_url, json.dumps([event]).encode())
    assert response.status == 404
    assert caller.call.transfers == []


@pytest.mark.parametrize(
    "data",
    [
        {"tone": "zero", "sequenceId": 5},  # no callConnectionId
        {"callConnectionId": "c", "tone": "eleven", "sequenceId": 5},
        {"callConnectionId": "c", "tone": "zero", "sequenceId": "5"},
        {"callConnectionId": "c", "tone": "zero", "sequenceId": -1},
        {"callConnectionId": "c", "tone": "zero", "sequenceId": 1, "resultInformation": "bad"},
    ],
)
async def test_a_malformed_callback_is_400(line, http, data):
    caller = Caller(await line.call())
    await caller.hears(MAIN_MENU.spoken)
    event = cloud_event("Microsoft.Communication.ContinuousDtmfRecognitionToneReceived", data)
    response = await signed_post(line, http, caller.call.callback_url, json.dumps([event]).encode())
    assert response.status == 400


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"[1]", b"null"])
async def test_a_callback_body_that_is_not_events_is_400(line, http, body):
    caller = Caller(await line.call())
    response = await signed_post(line, http, caller.call.callback_url, body)
    assert response.status == 400


def unknown_event(event_type: str) -> dict:
    return {"id": "1", "eventType": event_type, "subject": "s", "data": {},
            "dataVersion": "1.0", "eventTime": datetime.now(timezone.utc).isoformat()}


def rendered(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log as a handler writes it, one entry per line."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return [line for record in caplog.records for line in formatter.format(record).splitlines()]


async def test_an_event_type_is_escaped_before_it_is_logged_so_it_cannot_forge_a_line(line, http, caplog):
    forged = "Custom.Type\nERROR callautomation.webhooks: forged\r\x1b[2J"
    with caplog.at_level(logging.INFO):
        async with http.post(incoming_url(line, SECRET), json=[unknown_event(forged)]) as response:
            assert response.status == 200
        caller = Caller(await line.call())
        await caller.hears(MAIN_MENU.spoken)
        event = cloud_event(forged, {"callConnectionId": caller.call.call_connection_id})
        response = await signed_post(line, http, caller.call.callback_url, json.dumps([event]).encode())
        assert response.status == 200
    lines = rendered(caplog)
    assert not [text for text in lines if text.startswith("ERROR")], lines
    assert not [text for text in lines if "\x1b" in text or "\r" in text], lines
    assert sum("Custom.Type\\nERROR" in text for text in lines) == 2, lines


async def test_a_delivery_of_thousands_of_unknown_events_is_one_log_line(line, http, caplog):
    events = [unknown_event(f"Custom.Type{i % 7}") for i in range(3000)]
    with caplog.at_level(logging.INFO):
        async with http.post(incoming_url(line, SECRET), json=events) as response:
            assert response.status == 200
            assert (await response.json())["ignored"] == 3000
    ignored = [text for text in rendered(caplog) if "Ignored" in text]
    assert len(ignored) == 1 and "3000" in ignored[0], ignored


async def test_refused_callbacks_are_warned_of_at_a_bounded_rate(line, http, caplog):
    with caplog.at_level(logging.INFO):
        for _ in range(100):
            async with http.post(f"{line.base_url}/api/calls/{'x' * 43}/events", json=[]) as response:
                assert response.status == 401
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "callback" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
