"""The background worker: turns pending jobs into archived recordings.

Jobs are worked on by a few concurrent tasks. A failed attempt is saved with
its next attempt time (exponential backoff with jitter), so a restart resumes
the same schedule. Nothing is retried past ACS's 48-hour window: a job still
pending then is marked EXPIRED and logged at ERROR, because the recording is
gone for good.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from .archive import ArchivedRecording, RecordingArchive, RecordingMetadata, media_name
from .hosts import HostAllowList
from .jobs import JobBook, JobState, RecordingJob
from .source import DownloadError, LocationRefused, RecordingSource, SizeMismatch
from .telemetry import RETRYING, JobTelemetry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt n+1: first * factor**(n-1), capped, with ±20% jitter."""

    first_s: float = 5.0
    factor: float = 2.0
    cap_s: float = 900.0

    def delay(self, attempts: int) -> timedelta:
        base = min(self.cap_s, self.first_s * self.factor ** max(0, attempts - 1))
        return timedelta(seconds=base * random.uniform(0.8, 1.2))


class SourceNotConfigured(DownloadError):
    """Neither an ACS connection string nor ACS_ENDPOINT: jobs wait until one is configured."""


class RecordingWorker:
    """Schedules and runs jobs; `start` resumes whatever was pending."""

    def __init__(
        self,
        book: JobBook,
        archive: RecordingArchive,
        source: RecordingSource | None,
        allowed_hosts: HostAllowList,
        *,
        backoff: Backoff = Backoff(),
        concurrency: int = 2,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        telemetry: JobTelemetry | None = None,
    ):
        self._book = book
        self._archive = archive
        self._source = source
        self._allowed = allowed_hosts
        self._backoff = backoff
        self._concurrency = concurrency
        self._clock = clock
        self._telemetry = telemetry or JobTelemetry()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._scheduled: set[str] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self._source is None:
            log.warning(
                "ACS_CONNECTION_STRING and ACS_ENDPOINT are empty: recordings are queued but not downloaded "
                "until one is set"
            )
        self._tasks = [asyncio.create_task(self._run(), name=f"recording-worker-{i}") for i in range(self._concurrency)]
        pending = await self._book.pending()
        if pending:
            log.info("resuming %d pending recording job(s)", len(pending))
        for job in pending:
            self.schedule(job)

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def schedule(self, job: RecordingJob) -> None:
        """Queue `job` now, or at its next attempt time."""
        if job.document_id in self._scheduled:
            return
        self._scheduled.add(job.document_id)
        wait = (job.next_attempt_at - self._clock()).total_seconds() if job.next_attempt_at else 0
        if wait <= 0:
            self._queue.put_nowait(job.document_id)
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def due() -> None:
            self._timers.discard(timer)
            self._queue.put_nowait(job.document_id)

        timer = loop.call_later(wait, due)
        self._timers.add(timer)

    async def _run(self) -> None:
        while True:
            document_id = await self._queue.get()
            self._scheduled.discard(document_id)
            try:
                job = await self._book.get(document_id)
                if job is not None and job.state is JobState.PENDING:
                    await self._attempt(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("recording job %s could not be processed; it stays pending", document_id)

    async def _attempt(self, job: RecordingJob) -> None:
        with self._telemetry.attempt(job) as attempt:
            attempt.left(await self._attempt_once(job))

    async def _attempt_once(self, job: RecordingJob) -> str:
        """One try at the job; returns the state it left the job in (`RETRYING` if still pending)."""
        now = self._clock()
        if now >= job.expires_at:
            await self._book.save(job.with_(state=JobState.EXPIRED, next_attempt_at=None))
            log.error(
                "RECORDING LOST: chunk %s (document %s) was not downloaded within 48 hours; "
                "ACS has deleted it (%d attempt(s), last error: %s)",
                job.chunk_index, job.document_id, job.attempts, job.last_error or "none",
            )
            return JobState.EXPIRED.value
        if not (self._allowed.permits(job.content_location) and self._allowed.permits(job.metadata_location)):
            await self._book.save(job.with_(state=JobState.REFUSED))
            log.error("recording job %s refused: its locations are not on the host allow-list", job.document_id)
            return JobState.REFUSED.value
        try:
            call_id = await self._download(job)
        except LocationRefused as e:
            await self._book.save(job.with_(state=JobState.REFUSED, next_attempt_at=None, last_error=str(e)))
            log.error("recording job %s refused: %s", job.document_id, e)
            return JobState.REFUSED.value
        except Exception as e:  # every failure is retried until the window closes
            attempts = job.attempts + 1
            next_at = min(now + self._backoff.delay(attempts), job.expires_at)
            error = f"{type(e).__name__}: {e}"
            failed = job.with_(attempts=attempts, next_attempt_at=next_at, last_error=error)
            await self._book.save(failed)
            log.warning(
                "recording %s: attempt %d failed (%s); next attempt at %s",
                job.document_id, attempts, error, next_at.isoformat(timespec="seconds"),
            )
            self.schedule(failed)
            return RETRYING
        await self._book.save(job.with_(state=JobState.DONE, call_id=call_id, next_attempt_at=None, last_error=None))
        log.info("recording %s archived under call %s", job.document_id, call_id)
        return JobState.DONE.value

    async def _download(self, job: RecordingJob) -> str:
        if self._source is None:
            raise SourceNotConfigured("ACS_CONNECTION_STRING and ACS_ENDPOINT are empty")
        raw_metadata = await self._source.fetch_small(job.metadata_location)
        metadata = RecordingMetadata.parse(raw_metadata)
        if metadata.refused_participants:
            log.warning(
                "recording %s: %d participant id(s) could not be indexed; export and erase will not find "
                "the recording under them", job.document_id, metadata.refused_participants,
            )
        name = media_name(metadata.call_id, job.document_id, job.format)
        size = await self._archive.store.size(name)  # committed by an attempt that failed later
        if size is None:
            size = await self._fetch_media(job, name)
        await self._archive.add(
            ArchivedRecording(
                call_id=metadata.call_id,
                document_id=job.document_id,
                chunk_index=job.chunk_index,
                media_name=name,
                metadata_name=name.rsplit(".", 1)[0] + ".metadata.json",
                size=size,
                participant_ids=metadata.participant_ids,
                chunk_start_time=metadata.chunk_start_time,
                archived_at=RecordingArchive.now(),
            ),
            raw_metadata,
        )
        return metadata.call_id

    async def _fetch_media(self, job: RecordingJob, name: str) -> int:
        assert self._source is not None
        upload = await self._archive.store.open_upload(name)
        try:
            size = await self._source.fetch(job.content_location, upload)
        except SizeMismatch:
            await upload.discard()  # what we hold disagrees with the service: start over
            raise
        except BaseException:
            await upload.close()
            raise
        await upload.commit()
        return size
