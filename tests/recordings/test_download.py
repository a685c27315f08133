"""Downloading through the real Call Automation SDK from the ACS stand-in."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from config import DefaultConfig
from app_identity import app_credential
from recordings.jobs import JobState
from simulator.acs import Fault
from simulator.managed_identity import ManagedIdentityEndpoint

from .conftest import HOURS_48, publish, recording_event

AUDIO = "/v1/objects/{}/content/audio"
META = "/v1/objects/{}/content/acsmetadata"


def archived_files(app) -> list[str]:
    root = Path(app.config.RECORDINGS_DIR)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def test_keeps_media_metadata_and_an_index_entry_in_one_folder_per_call(start_app, standin):
    app = await start_app()
    media = os.urandom(700_000)
    chunk = publish(standin, "0-eus-d2-keep", media, "call-keep", ["8:acs:alice", "8:acs:bob"])
    assert (await app.post([recording_event([chunk])])).status == 200
    job = await app.settled("0-eus-d2-keep")
    assert job.state is JobState.DONE and job.call_id == "call-keep"
    root = Path(app.config.RECORDINGS_DIR)
    assert (root / "calls/call-keep/0-eus-d2-keep.wav").read_bytes() == media
    metadata = json.loads((root / "calls/call-keep/0-eus-d2-keep.metadata.json").read_bytes())
    assert [p["participantId"] for p in metadata["participants"]] == ["8:acs:alice", "8:acs:bob"]
    entry = json.loads((root / "calls/call-keep/0-eus-d2-keep.entry.json").read_bytes())
    assert entry["size"] == len(media)
    participant_folders = {f.split("/")[1] for f in archived_files(app) if f.startswith("participants/")}
    assert len(participant_folders) == 2
    assert not any(f.endswith(".partial") for f in archived_files(app))
    assert all(seen.signed for seen in standin.seen)


async def test_retries_with_backoff_after_server_errors(start_app, standin, caplog):
    caplog.set_level(logging.WARNING)
    app = await start_app()
    media = os.urandom(10_000)
    chunk = publish(standin, "0-eus-d2-retry", media, "call-retry", ["8:acs:a"])
    standin.inject(AUDIO.format("0-eus-d2-retry"), Fault(status=500, times=2))
    standin.inject(META.format("0-eus-d2-retry"), Fault(status=503))
    await app.post([recording_event([chunk])])
    job = await app.settled("0-eus-d2-retry")
    assert job.state is JobState.DONE
    assert job.attempts == 3
    assert caplog.text.count("attempt") >= 3
    assert (Path(app.config.RECORDINGS_DIR) / "calls/call-retry/0-eus-d2-retry.wav").read_bytes() == media


async def test_resumes_a_broken_transfer_from_where_it_stopped(start_app, standin):
    app = await start_app()
    media = os.urandom(3 * 1024 * 1024)
    chunk = publish(standin, "0-eus-d2-cut", media, "call-cut", ["8:acs:a"])
    standin.inject(AUDIO.format("0-eus-d2-cut"), Fault(cut_after=1_000_000))
    standin.inject(AUDIO.format("0-eus-d2-cut"), Fault(cut_after=500_000))
    await app.post([recording_event([chunk])])
    assert (await app.settled("0-eus-d2-cut")).state is JobState.DONE
    ranges = [s.range for s in standin.requests_for(AUDIO.format("0-eus-d2-cut"))]
    assert ranges[0] is None and len(ranges) == 3
    offsets = [int(r.removeprefix("bytes=").rstrip("-")) for r in ranges[1:]]
    assert 0 < offsets[0] <= 1_000_000 and offsets[0] < offsets[1] <= offsets[0] + 500_000
    assert (Path(app.config.RECORDINGS_DIR) / "calls/call-cut/0-eus-d2-cut.wav").read_bytes() == media


async def test_a_slow_body_is_still_downloaded_whole(start_app, standin):
    app = await start_app()
    media = os.urandom(1024 * 1024)
    chunk = publish(standin, "0-eus-d2-slow", media, "call-slow", ["8:acs:a"])
    standin.inject(AUDIO.format("0-eus-d2-slow"), Fault(delay_s=0.05))
    await app.post([recording_event([chunk])])
    assert (await app.settled("0-eus-d2-slow")).state is JobState.DONE
    assert (Path(app.config.RECORDINGS_DIR) / "calls/call-slow/0-eus-d2-slow.wav").read_bytes() == media


async def test_a_wrong_access_key_is_rejected_by_the_service_and_the_job_keeps_waiting(start_app, standin, caplog):
    wrong_key = base64.b64encode(os.urandom(32)).decode()
    app = await start_app(ACS_CONNECTION_STRING=standin.connection_string.split("accesskey=")[0] + "accesskey=" + wrong_key)
    chunk = publish(standin, "0-eus-d2-key", os.urandom(100), "call-key", ["8:acs:a"])
    await app.post([recording_event([chunk])])
    while (job := await app.job("0-eus-d2-key")).attempts < 2:
        await asyncio.sleep(0.05)
    assert job.state is JobState.PENDING
    assert "401" in job.last_error
    assert not any(seen.signed for seen in standin.seen)
    assert not (Path(app.config.RECORDINGS_DIR) / "calls").exists()


async def test_a_recording_past_the_48_hour_window_is_marked_expired_and_logged_loudly(start_app, standin, caplog):
    caplog.set_level(logging.ERROR)
    app = await start_app()
    chunk = publish(standin, "0-eus-d2-old", os.urandom(100), "call-old", ["8:acs:a"])
    announced = datetime.now(timezone.utc) - HOURS_48 - timedelta(minutes=1)
    await app.post([recording_event([chunk], at=announced)])
    assert (await app.settled("0-eus-d2-old")).state is JobState.EXPIRED
    assert standin.seen == []
    lost = [r for r in caplog.records if "RECORDING LOST" in r.getMessage()]
    assert lost and lost[0].levelno == logging.ERROR and "0-eus-d2-old" in lost[0].getMessage()


async def test_retries_stop_at_the_48_hour_window(start_app, standin, caplog):
    caplog.set_level(logging.ERROR)
    app = await start_app()
    chunk = publish(standin, "0-eus-d2-late", os.urandom(100), "call-late", ["8:acs:a"])
    standin.inject(META.format("0-eus-d2-late"), Fault(status=500, times=1000))
    announced = datetime.now(timezone.utc) - HOURS_48 + timedelta(seconds=1.5)
    await app.post([recording_event([chunk], at=announced)])
    job = await app.settled("0-eus-d2-late")
    assert job.state is JobState.EXPIRED and job.attempts >= 2
    assert "RECORDING LOST" in caplog.text


async def test_without_an_acs_connection_string_or_endpoint_jobs_wait_with_a_warning(start_app, standin, caplog):
    caplog.set_level(logging.WARNING)
    app = await start_app(ACS_CONNECTION_STRING="")
    assert "ACS_CONNECTION_STRING and ACS_ENDPOINT are empty" in caplog.text
    chunk = publish(standin, "0-eus-d2-nokey", os.urandom(100), "call-nokey", ["8:acs:a"])
    assert (await app.post([recording_event([chunk])])).status == 200
    while (job := await app.job("0-eus-d2-nokey")).attempts < 2:
        await asyncio.sleep(0.05)
    assert job.state is JobState.PENDING and "ACS_CONNECTION_STRING" in job.last_error
    assert standin.seen == []



async def test_with_acs_reached_by_endpoint_a_recording_downloads_with_the_apps_identity(start_app, standin, monkeypatch):
    """No access key: each request to ACS's recording storage carries a token of the app's identity."""
    async with ManagedIdentityEndpoint() as tokens:
        identity = tokens.add_identity()
        standin.grant(tokens, identity.principal_id)
        for name, value in tokens.environment(identity).items():
            monkeypatch.setenv(name, value)
        settings = {"ACS_CONNECTION_STRING": "", "ACS_ENDPOINT": standin.endpoint, "AZURE_CLIENT_ID": identity.client_id}
        credential = app_credential(DefaultConfig(**settings))
        try:
            app = await start_app(credential=credential, **settings)
            media = os.urandom(300_000)
            chunk = publish(standin, "0-eus-d2-identity", media, "call-identity", ["4:+14255550123"])
            assert (await app.post([recording_event([chunk])])).status == 200
            assert (await app.settled("0-eus-d2-identity")).state is JobState.DONE
        finally:
            await credential.close()
    assert standin.seen and all(request.signed for request in standin.seen)
    assert standin.roles.accepted == len(standin.seen), "every file was fetched with the identity's token"
    assert {issued.client_id for issued in tokens.issued} == {identity.client_id}
