"""Two bots on one ACS resource, each with its own number and its own subscriptions.

Event Grid gives each bot's incoming-call subscription only the calls to its number, but
every bot's recordings subscription receives every recording of the resource: the event
names the call only in its subject (`.../serverCallId/<id>/recordingId/<id>`), never a
number. With `RECORDINGS_SCOPE=own-calls` each bot claims the server call id of each call
it answers, and exports only recordings whose subject names a call it claimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from config import DefaultConfig
from dialogs import prompts as P
from recordings.jobs import JobBook, JobState, RecordingJob
from recordings.store import open_store
from recordings.webhook import EVENTS_PATH
from simulator.acs import BytesPayload, StandInCall

from .caller import Caller
from .conftest import SECRET, PhoneLine, serve

FIRST_NUMBER, SECOND_NUMBER = "+18005550101", "+18005550102"


@dataclass
class Bot:
    line: PhoneLine
    number: str
    recordings_dir: Path

    @property
    def recordings_webhook(self) -> str:
        return f"{self.line.base_url}{EVENTS_PATH}?code={SECRET}"

    async def recorded_call(self) -> StandInCall:
        """A caller rings this bot's number, hears the consent notice while recording starts, and hangs up."""
        caller = Caller(await self.line.call(called=self.number))
        await caller.hears(P.WELCOME)
        await caller.recording_is("active")
        await caller.call.hang_up()
        assert await caller.ended() == "disconnected"
        return caller.call

    async def job(self, document_id: str) -> RecordingJob | None:
        store = await open_store(DefaultConfig(RECORDINGS_DIR=str(self.recordings_dir)))
        try:
            return await JobBook(store).get(document_id)
        finally:
            await store.close()

    async def exported(self, document_id: str, timeout_s: float = 20.0) -> RecordingJob:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while (job := await self.job(document_id)) is None or job.state is JobState.PENDING:
            assert asyncio.get_running_loop().time() < deadline, f"{document_id} not exported: {job}"
            await asyncio.sleep(0.05)
        return job


@contextlib.asynccontextmanager
async def two_bots(standin, tmp_path: Path, scope: str = "own-calls"):
    async with contextlib.AsyncExitStack() as stack:
        bots = []
        for name, number in (("first", FIRST_NUMBER), ("second", SECOND_NUMBER)):
            folder = tmp_path / name
            line = await stack.enter_async_context(serve(standin, RECORDINGS_DIR=str(folder), RECORDINGS_SCOPE=scope))
            bots.append(Bot(line, number, folder))
        yield bots


def document_of(event: dict) -> str:
    (chunk,) = event["data"]["recordingStorageInfo"]["recordingChunks"]
    return chunk["documentId"]


async def test_each_bot_exports_only_the_recordings_of_calls_it_answered(standin, tmp_path):
    async with two_bots(standin, tmp_path) as (first, second):
        first_call = await first.recorded_call()
        second_call = await second.recorded_call()
        events = [standin.recording_files_ready(call, BytesPayload(os.urandom(2048))) for call in (first_call, second_call)]
        # Event Grid delivers every recording of the resource to both recordings subscriptions.
        answers = {
            (bot.number, document_of(event)): await standin.deliver_event(bot.recordings_webhook, event)
            for bot in (first, second) for event in events
        }
        first_document, second_document = (document_of(event) for event in events)
        assert answers[(FIRST_NUMBER, first_document)]["accepted"] == 1
        assert answers[(FIRST_NUMBER, second_document)]["not_ours"] == 1 and answers[(FIRST_NUMBER, second_document)]["accepted"] == 0
        assert answers[(SECOND_NUMBER, second_document)]["accepted"] == 1
        assert answers[(SECOND_NUMBER, first_document)]["not_ours"] == 1 and answers[(SECOND_NUMBER, first_document)]["accepted"] == 0

        assert (await first.exported(first_document)).state is JobState.DONE
        assert (await second.exported(second_document)).state is JobState.DONE
        assert await first.job(second_document) is None
        assert await second.job(first_document) is None


async def test_a_recording_event_for_an_unknown_call_is_acknowledged_and_left_alone(standin, tmp_path):
    """A recording of a call no bot here answered (a third bot's, or a forged subject) is nobody's export."""
    async with two_bots(standin, tmp_path) as (first, _second):
        call = await first.recorded_call()
        event = standin.recording_files_ready(call, BytesPayload(b"x" * 512))
        event["subject"] = event["subject"].replace(call.server_call_id, "c29tZW9uZS1lbHNlcw")
        answer = await standin.deliver_event(first.recordings_webhook, event)
        assert answer["accepted"] == 0 and answer["not_ours"] == 1
        assert await first.job(document_of(event)) is None


async def test_with_the_resource_scope_a_bot_exports_every_recording_of_the_resource(standin, tmp_path):
    """The Telephony channel's setting: the bot cannot tell whose a recording is, so it takes them all."""
    async with two_bots(standin, tmp_path, scope="resource") as (first, second):
        second_call = await second.recorded_call()
        event = standin.recording_files_ready(second_call, BytesPayload(b"y" * 512))
        answer = await standin.deliver_event(first.recordings_webhook, event)
        assert answer["accepted"] == 1 and answer["not_ours"] == 0
        assert (await first.exported(document_of(event))).state is JobState.DONE
