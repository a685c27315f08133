"""The Event Grid webhook: handshakes, the shared secret, batches, duplicates, forged URLs."""

from __future__ import annotations

import json
import logging
import os

import pytest

from recordings.events import parse_delivery
from recordings.jobs import JobState

from .conftest import SECRET, cloud_event, event_grid_event, publish, recording_event

AUDIO = "/v1/objects/{}/content/audio"


async def test_answers_the_event_grid_subscription_validation(start_app):
    app = await start_app()
    event = event_grid_event("Microsoft.EventGrid.SubscriptionValidationEvent", {"validationCode": "512d38b6-c7b8"})
    response = await app.post([event])
    assert response.status == 200
    assert await response.json() == {"validationResponse": "512d38b6-c7b8"}


async def test_answers_the_cloudevents_abuse_protection_handshake(start_app):
    app = await start_app()
    response = await app.session.options(app.url(), headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert response.status == 200
    assert response.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"


async def test_abuse_protection_handshake_without_origin_is_a_bad_request(start_app):
    app = await start_app()
    response = await app.session.options(app.url())
    assert response.status == 400


@pytest.mark.parametrize("code", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_refuses_requests_without_the_right_code(start_app, code):
    app = await start_app()
    event = event_grid_event("Microsoft.EventGrid.SubscriptionValidationEvent", {"validationCode": "abc"})
    assert (await app.post([event], code=code)).status == 401
    handshake = await app.session.options(app.url(code), headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert handshake.status == 401


async def test_without_a_configured_secret_everything_is_refused_and_a_warning_logged(start_app, caplog):
    caplog.set_level(logging.WARNING)
    app = await start_app(EVENTGRID_SECRET="")
    assert "EVENTGRID_SECRET is empty" in caplog.text
    event = event_grid_event("Microsoft.EventGrid.SubscriptionValidationEvent", {"validationCode": "abc"})
    assert (await app.post([event], code="")).status == 401
    assert (await app.post([event], code="anything")).status == 401


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"[1, 2]",
        b'"a string"',
        b'[{"id": "1"}]',
        b'[{"id": "1", "subject": "s", "eventType": "x", "dataVersion": "1", "eventTime": "yesterday", "data": {}}]',
        b'{"specversion": "1.0", "id": "1"}',
    ],
)
async def test_malformed_bodies_are_bad_requests(start_app, body):
    app = await start_app()
    response = await app.post(None, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "error" in await response.json()


@pytest.mark.parametrize(
    "chunk",
    [
        {"index": 0, "contentLocation": "https://storage.asm.skype.com/a", "metadataLocation": "https://x.asm.skype.com/b"},
        {"documentId": "../../etc", "contentLocation": "https://a.asm.skype.com/a", "metadataLocation": "https://a.asm.skype.com/b"},
        {"documentId": "0-eus-d1-abc", "metadataLocation": "https://a.asm.skype.com/b"},
    ],
)
async def test_recording_events_with_unusable_chunks_are_bad_requests(start_app, chunk):
    app = await start_app()
    assert (await app.post([recording_event([chunk])])).status == 400


async def test_a_mixed_batch_queues_recordings_and_ignores_other_event_types(start_app, standin):
    app = await start_app()
    first = publish(standin, "0-eus-d1-mixed1", os.urandom(1000), "call-1", ["8:acs:a"])
    second = publish(standin, "0-eus-d1-mixed2", os.urandom(2000), "call-1", ["8:acs:a"])
    batch = [
        event_grid_event("Microsoft.Communication.CallStarted", {"group": {"id": "g"}}),
        recording_event([first, second]),
        event_grid_event("Microsoft.Communication.CallEnded", {}),
    ]
    response = await app.post(batch)
    assert response.status == 200
    assert await response.json() == {"accepted": 2, "duplicates": 0, "refused": 0, "not_ours": 0, "ignored": 2}
    assert (await app.settled("0-eus-d1-mixed1")).state is JobState.DONE
    assert (await app.settled("0-eus-d1-mixed2")).state is JobState.DONE


async def test_accepts_recording_events_in_the_cloudevents_schema(start_app, standin):
    app = await start_app()
    chunk = publish(standin, "0-eus-d1-cloud", os.urandom(1000), "call-2", ["8:acs:a"])
    response = await app.post(recording_event([chunk], cloud=True),
                              headers={"Content-Type": "application/cloudevents+json"})
    assert response.status == 200
    assert (await response.json())["accepted"] == 1
    assert (await app.settled("0-eus-d1-cloud")).state is JobState.DONE
    unknown = cloud_event("Microsoft.Communication.CallEnded", {})
    assert await (await app.post(unknown)).json() == {"accepted": 0, "duplicates": 0, "refused": 0, "not_ours": 0, "ignored": 1}


async def test_a_redelivered_event_does_not_download_twice(start_app, standin):
    app = await start_app()
    chunk = publish(standin, "0-eus-d1-dup", os.urandom(50_000), "call-3", ["8:acs:a"])
    event = recording_event([chunk])
    first = await (await app.post([event, event])).json()
    assert first == {"accepted": 1, "duplicates": 1, "refused": 0, "not_ours": 0, "ignored": 0}
    assert (await app.settled("0-eus-d1-dup")).state is JobState.DONE
    again = await (await app.post([event])).json()
    assert again["duplicates"] == 1
    assert len(standin.requests_for(AUDIO.format("0-eus-d1-dup"))) == 1


@pytest.mark.parametrize(
    "location",
    [
        "https://attacker.example.com/v1/objects/x/content/audio",
        "https://storage.asm.skype.com.attacker.example.com/x",
        "http://storage.asm.skype.com/v1/objects/x/content/audio",
        "https://user:pw@evil.example/@storage.asm.skype.com/x",
        "https://127.0.0.1/v1/objects/x/content/audio",
        "file:///etc/passwd",
    ],
)
async def test_forged_locations_are_refused_and_never_fetched(start_app, standin, location, caplog):
    app = await start_app()
    chunk = publish(standin, "0-eus-d1-forged", os.urandom(100), "call-4", ["8:acs:a"])
    chunk["contentLocation"] = location
    response = await app.post([recording_event([chunk])])
    assert response.status == 200
    assert (await response.json())["refused"] == 1
    assert await app.job("0-eus-d1-forged") is None
    assert standin.seen == []
    assert "not on the host allow-list" in caplog.text


@pytest.mark.parametrize("cloud", [False, True])
def test_a_recording_event_names_its_call_by_server_call_id_in_its_subject(cloud):
    """A server call id is base64 and may hold a slash; the subject is all that says whose call it was."""
    event = recording_event([{"documentId": "0-eus-d1-abc", "contentLocation": "https://storage.asm.skype.com/a",
                              "metadataLocation": "https://storage.asm.skype.com/m"}], cloud=cloud)
    event["subject"] = "/recording/call/c-1/serverCallId/aHR0cHM6Ly9h/cGk=/recordingId/eyJQbGF0Zm9ybUVu"
    (chunk,) = parse_delivery(json.dumps([event]).encode()).chunks
    assert chunk.server_call_id == "aHR0cHM6Ly9h/cGk="
    event["subject"] = "/something/else"
    (chunk,) = parse_delivery(json.dumps([event]).encode()).chunks
    assert chunk.server_call_id is None
