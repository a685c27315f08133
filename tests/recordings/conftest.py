"""Fixtures for the recordings tests: the ACS stand-in, the app with its webhook, events."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.core.credentials_async import AsyncTokenCredential

from config import DefaultConfig
from recordings.jobs import JobBook, JobState, RecordingJob
from recordings.store import open_store
from recordings.webhook import EVENTS_PATH, setup_recordings
from recordings.worker import Backoff
from tests.azurite import azurite_connection_string  # noqa: F401  (fixture)

from simulator.acs import AcsStandIn, BytesPayload, client_connector
from tests.acs_standin import standin, tls  # noqa: F401  (fixtures)

SECRET = "s3cret-code"
FAST_BACKOFF = Backoff(first_s=0.05, factor=2.0, cap_s=0.5)
RECORDING_EVENT = "Microsoft.Communication.RecordingFileStatusUpdated"



@pytest.fixture
def config(tmp_path: Path, standin: AcsStandIn) -> DefaultConfig:
    return DefaultConfig(
        RECORDINGS_DIR=str(tmp_path / "recordings"),
        ACS_CONNECTION_STRING=standin.connection_string,
        EVENTGRID_SECRET=SECRET,
    )


class RunningApp:
    """The app with only the recordings part wired, served over real HTTP."""

    def __init__(self, server: TestServer, session: aiohttp.ClientSession, config: DefaultConfig):
        self.server = server
        self.session = session
        self.config = config

    def url(self, code: str | None = SECRET) -> str:
        return str(self.server.make_url(EVENTS_PATH)) + (f"?code={code}" if code is not None else "")

    async def post(self, body: Any, code: str | None = SECRET, **kwargs: Any) -> aiohttp.ClientResponse:
        kwargs.setdefault("json", body)
        return await self.session.post(self.url(code), **kwargs)

    async def job(self, document_id: str) -> RecordingJob | None:
        store = await open_store(self.config)
        try:
            return await JobBook(store).get(document_id)
        finally:
            await store.close()

    async def settled(self, document_id: str, timeout_s: float = 30.0) -> RecordingJob:
        """Wait until the job for `document_id` has left PENDING."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            job = await self.job(document_id)
            if job is not None and job.state is not JobState.PENDING:
                return job
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"job {document_id} still {job and job.state} after {timeout_s} s")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.session.close()
        await self.server.close()


StartApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def start_app(config: DefaultConfig, standin: AcsStandIn) -> AsyncIterator[StartApp]:
    """Start the app (several times if a test restarts it); all are closed at the end."""
    running: list[RunningApp] = []

    async def start(*, credential: AsyncTokenCredential | None = None, **overrides: Any) -> RunningApp:
        app_config = replace(config, **overrides)
        app = web.Application()
        setup_recordings(app, app_config, connector=lambda: client_connector(standin.ca_path), backoff=FAST_BACKOFF,
                         credential=credential)
        server = TestServer(app)
        await server.start_server()
        instance = RunningApp(server, aiohttp.ClientSession(), app_config)
        running.append(instance)
        return instance

    yield start
    for instance in running:
        await instance.close()


def metadata_for(call_id: str, participants: list[str], chunk_index: int = 0, start: str | None = None) -> dict:
    """A metadata file shaped like docs/recording-metadata-example.json."""
    return {
        "resourceId": "29bd5ea9-e0fc-4d00-8f6f-339b1f0ee2e2",
        "callId": call_id,
        "chunkDocumentId": "unused",
        "chunkIndex": chunk_index,
        "chunkStartTime": start or datetime.now(timezone.utc).isoformat(),
        "chunkDuration": 15000.0,
        "pauseResumeIntervals": [],
        "recordingInfo": {"contentType": "mixed", "channelType": "audio", "format": "wav"},
        "participants": [{"participantId": p} for p in participants],
    }


def recording_data(chunks: list[dict]) -> dict:
    return {
        "recordingStorageInfo": {"recordingChunks": chunks},
        "recordingStartTime": "2024-05-01T10:00:00Z",
        "recordingDurationMs": 15000,
        "recordingContentType": "Audio",
        "recordingChannelType": "Mixed",
        "recordingFormatType": "Wav",
        "sessionEndReason": "CallEnded",
    }


def event_grid_event(event_type: str, data: dict, at: datetime | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/CommunicationServices/z",
        "subject": "/recording/call/c/serverCallId/s/recordingId/r",
        "eventType": event_type,
        "data": data,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": (at or datetime.now(timezone.utc)).isoformat(),
    }


def cloud_event(event_type: str, data: dict, at: datetime | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "source": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/CommunicationServices/z",
        "specversion": "1.0",
        "type": event_type,
        "subject": "/recording/call/c/serverCallId/s/recordingId/r",
        "time": (at or datetime.now(timezone.utc)).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def recording_event(chunks: list[dict], *, cloud: bool = False, at: datetime | None = None) -> dict:
    build = cloud_event if cloud else event_grid_event
    return build(RECORDING_EVENT, recording_data(chunks), at)


def publish(standin: AcsStandIn, document_id: str, media: bytes, call_id: str, participants: list[str]) -> dict:
    """Put a recording on the stand-in; returns its chunk as an event would list it."""
    return standin.add_recording(document_id, BytesPayload(media), metadata_for(call_id, participants))


HOURS_48 = timedelta(hours=48)
