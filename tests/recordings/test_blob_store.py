"""The Blob Storage backend, against Azurite: same layout, atomic commit, resume after a stop."""

from __future__ import annotations

import asyncio
import os
import uuid

from azure.storage.blob.aio import ContainerClient

from recordings.jobs import JobState

from simulator.acs import Fault
from .conftest import publish, recording_event

AUDIO = "/v1/objects/0-eus-d4-blob/content/audio"


async def test_archives_into_blob_storage_and_resumes_staged_blocks_after_a_restart(
    start_app, standin, azurite_connection_string
):
    container = f"recordings-{uuid.uuid4().hex[:12]}"
    settings = dict(RECORDINGS_STORE="blob", AZURE_STORAGE_CONNECTION_STRING=azurite_connection_string,
                    RECORDINGS_BLOB_CONTAINER=container)
    media = os.urandom(9 * 1024 * 1024)
    chunk = publish(standin, "0-eus-d4-blob", media, "call-blob", ["8:acs:alice", "8:acs:bob"])
    standin.inject(AUDIO, Fault(stall_after=6 * 1024 * 1024))

    first = await start_app(**settings)
    assert (await first.post([recording_event([chunk])])).status == 200
    await asyncio.wait_for(standin.stalled.wait(), 30)
    await asyncio.sleep(0.3)
    await first.close()  # stops the worker mid-download

    async with ContainerClient.from_connection_string(azurite_connection_string, container) as blobs:
        names = [b.name async for b in blobs.list_blobs()]
        assert "calls/call-blob/0-eus-d4-blob.wav" not in names, "nothing is visible before the commit"

        second = await start_app(**settings)
        assert (await second.settled("0-eus-d4-blob")).state is JobState.DONE
        ranges = [s.range for s in standin.requests_for(AUDIO)]
        assert ranges == [None, f"bytes={4 * 1024 * 1024}-"], "resumes after the one staged 4 MiB block"

        stored = await (await blobs.download_blob("calls/call-blob/0-eus-d4-blob.wav")).readall()
        assert stored == media
        names = sorted([b.name async for b in blobs.list_blobs()])
        assert [n for n in names if n.startswith("calls/")] == [
            "calls/call-blob/0-eus-d4-blob.entry.json",
            "calls/call-blob/0-eus-d4-blob.metadata.json",
            "calls/call-blob/0-eus-d4-blob.wav",
        ]
        assert len([n for n in names if n.startswith("participants/")]) == 2
