"""What a forged, clumsy or oversized delivery, a hostile redirect or odd metadata can do: nothing harmful."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from recordings.jobs import JobState

from simulator.acs import BytesPayload, Fault
from .conftest import metadata_for, publish, recording_event
from .test_gdpr import cli

AUDIO = "/v1/objects/{}/content/audio"
# Event Grid delivers at most 5,000 events per batch.
EVENT_GRID_BATCH = 5000


@pytest.fixture
async def off_list_host():
    """A plain-http server that must never be reached; it records any request it gets."""
    hits: list[str] = []

    async def record(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=b"off-list bytes")

    app = web.Application()
    app.router.add_get("/{path:.*}", record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, hits
    await server.close()


async def test_a_redirect_off_the_allow_list_is_not_followed_and_the_job_is_refused(start_app, standin, off_list_host):
    server, hits = off_list_host
    app = await start_app()
    chunk = publish(standin, "0-eus-d7-redirect", os.urandom(5000), "call-r", ["8:acs:a"])
    standin.inject(AUDIO.format("0-eus-d7-redirect"), Fault(redirect_to=str(server.make_url("/stolen")), times=99))

    assert (await app.post([recording_event([chunk])])).status == 200
    job = await app.settled("0-eus-d7-redirect")

    assert job.state is JobState.REFUSED
    assert hits == []
    assert not list(Path(app.config.RECORDINGS_DIR).rglob("*.wav"))


async def test_a_redirect_within_the_allow_list_is_followed(start_app, standin):
    app = await start_app()
    media = os.urandom(5000)
    chunk = publish(standin, "0-eus-d7-moved", media, "call-m", ["8:acs:a"])
    standin.objects["/v1/objects/0-eus-d7-moved/content/audio-moved"] = BytesPayload(media)
    moved = standin.url("/v1/objects/0-eus-d7-moved/content/audio-moved")
    standin.inject(AUDIO.format("0-eus-d7-moved"), Fault(redirect_to=moved))

    await app.post([recording_event([chunk])])

    assert (await app.settled("0-eus-d7-moved")).state is JobState.DONE
    assert (Path(app.config.RECORDINGS_DIR) / "calls/call-m/0-eus-d7-moved.wav").read_bytes() == media


async def test_a_document_id_with_a_trailing_newline_is_refused(start_app, standin):
    app = await start_app()
    chunk = publish(standin, "doc-1", os.urandom(1000), "call-n", ["8:acs:a"])
    assert (await app.post([recording_event([chunk])])).status == 200
    await app.settled("doc-1")

    response = await app.post([recording_event([{**chunk, "documentId": "doc-1\n"}])])

    assert response.status == 400
    assert len(standin.requests_for(AUDIO.format("doc-1"))) == 1


async def test_an_erased_recording_cannot_be_brought_back_by_a_re_post_with_a_trailing_newline(start_app, standin):
    app = await start_app()
    chunk = publish(standin, "0-eus-d7-erased", os.urandom(1000), "call-e", ["8:acs:erin"])
    await app.post([recording_event([chunk])])
    await app.settled("0-eus-d7-erased")
    status, _ = await cli(app.config, "erase", "--participant", "8:acs:erin")
    assert status == 0

    await app.post([recording_event([{**chunk, "documentId": "0-eus-d7-erased\n"}])])

    status, out = await cli(app.config, "list", "--participant", "8:acs:erin")
    assert status == 0 and out.strip() == ""
    assert not list(Path(app.config.RECORDINGS_DIR).rglob("*.wav"))


@pytest.mark.parametrize("odd_id", ["\udcff", "", 7, None], ids=["lone-surrogate", "empty", "number", "null"])
async def test_a_participant_id_that_cannot_be_indexed_is_left_out_and_the_rest_is_archived_once(
    start_app, standin, odd_id
):
    app = await start_app()
    document = "0-eus-d7-odd"
    metadata = metadata_for("call-odd", ["8:acs:olga"])
    metadata["participants"].append({"participantId": odd_id})
    chunk = standin.add_recording(document, BytesPayload(os.urandom(3000)), metadata)

    await app.post([recording_event([chunk])])
    job = await app.settled(document)

    assert job.state is JobState.DONE and job.attempts == 0
    assert len(standin.requests_for(AUDIO.format(document))) == 1
    status, out = await cli(app.config, "list", "--participant", "8:acs:olga")
    assert status == 0 and document in out


async def test_when_archiving_fails_after_the_media_is_committed_the_retry_does_not_download_it_again(
    start_app, standin
):
    app = await start_app()
    document = "0-eus-d7-commit"
    chunk = publish(standin, document, os.urandom(20_000), "call-c", ["8:acs:a"])
    entry = Path(app.config.RECORDINGS_DIR) / f"calls/call-c/{document}.entry.json"
    entry.mkdir(parents=True)  # the entry cannot be written until this is gone

    await app.post([recording_event([chunk])])
    while (await app.job(document)).attempts < 2:
        await asyncio.sleep(0.02)
    shutil.rmtree(entry)
    job = await app.settled(document)

    assert job.state is JobState.DONE
    assert len(standin.requests_for(AUDIO.format(document))) == 1
    assert json.loads(entry.read_bytes())["document_id"] == document


@pytest.mark.parametrize(
    "host",
    ["st\\orage.asm.skype.com", "a%2f.asm.skype.com", "a\x00.asm.skype.com", "a b.asm.skype.com"],
    ids=["backslash", "percent-2f", "nul", "space"],
)
async def test_a_location_whose_host_is_not_a_host_name_is_refused_at_once(start_app, standin, host):
    app = await start_app()
    chunk = publish(standin, "0-eus-d7-host", os.urandom(100), "call-h", ["8:acs:a"])
    chunk["contentLocation"] = f"https://{host}/v1/objects/0-eus-d7-host/content/audio"

    response = await app.post([recording_event([chunk])])

    assert (await response.json())["refused"] == 1
    assert await app.job("0-eus-d7-host") is None


def _chunk(n: int) -> dict:
    return {
        "documentId": f"d{n}",
        "contentLocation": f"https://s.asm.skype.com/{n}",
        "metadataLocation": f"https://s.asm.skype.com/{n}m",
    }


async def test_a_delivery_with_more_events_than_an_event_grid_batch_is_413(start_app):
    app = await start_app()
    event = {"id": "1", "subject": "s", "eventType": "x", "dataVersion": "1", "eventTime": "2024-05-01T10:00:00Z",
             "data": {}}  # small: the batch stays under the 1 MiB body limit
    response = await app.post([event] * (EVENT_GRID_BATCH + 1))
    assert response.status == 413


async def test_a_delivery_with_more_chunks_than_a_batch_can_carry_is_413_and_records_nothing(start_app):
    app = await start_app()
    response = await app.post([recording_event([_chunk(n) for n in range(EVENT_GRID_BATCH + 1)])])
    assert response.status == 413
    assert await app.job("d0") is None


async def test_a_large_delivery_is_recorded_whole(start_app):
    app = await start_app(ACS_CONNECTION_STRING="")  # jobs are kept, not fetched
    response = await app.post([recording_event([_chunk(n) for n in range(2000)])])
    assert response.status == 200
    assert (await response.json())["accepted"] == 2000
    assert (await app.job("d1999")).state is JobState.PENDING


@pytest.mark.parametrize("depth", [100, 5000])
async def test_deeply_nested_json_is_a_bad_request(start_app, depth):
    app = await start_app()
    body = b"[" * depth + b"]" * depth
    response = await app.post(None, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400


@pytest.mark.parametrize(
    "args, says",
    [
        (["list", "--participant", "\udcff"], "not valid UTF-8"),
        (["purge", "--older-than", "1000000"], "between 0 and"),
        (["purge", "--older-than", "-1"], "between 0 and"),
        (["erase", "--participant", ""], "must not be empty"),
        (["frobnicate"], "invalid choice"),
    ],
)
async def test_every_bad_command_line_argument_is_one_line_and_status_2(config, args, says):
    status, out = await cli(config, *args)
    assert status == 2
    assert says in out
    assert len(out.strip().splitlines()) == 1
    assert "Traceback" not in out
