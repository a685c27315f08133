"""The job book: one durable record per recording chunk, keyed by its document id.

A job is written to the store before the webhook answers 200, so Event Grid's
delivery is never acknowledged for work that only lived in memory. The record
is created exclusively: a re-delivered event finds its job already there and
changes nothing, whatever state the job is in (even after the recording was
erased, so an old delivery cannot bring erased data back).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from .events import RecordingChunk
from .store import RecordingStore

# Job records a delivery writes at once (the store's thread pool bounds it further).
SUBMIT_CONCURRENCY = 32
# ACS deletes a recording 48 hours after announcing it.
RETENTION_AT_SOURCE = timedelta(hours=48)
JOBS_PREFIX = "jobs/"


class JobState(str, Enum):
    """Where a job stands. Only PENDING jobs are worked on."""

    PENDING = "pending"
    DONE = "done"
    EXPIRED = "expired"
    REFUSED = "refused"
    ERASED = "erased"


@dataclass(frozen=True)
class RecordingJob:
    """Everything needed to fetch one chunk, plus its retry bookkeeping."""

    document_id: str
    chunk_index: int
    content_location: str
    metadata_location: str
    delete_location: str | None
    format: str | None
    available_at: datetime
    state: JobState = JobState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    call_id: str | None = None

    @property
    def expires_at(self) -> datetime:
        return self.available_at + RETENTION_AT_SOURCE

    @classmethod
    def for_chunk(cls, chunk: RecordingChunk) -> "RecordingJob":
        return cls(
            document_id=chunk.document_id,
            chunk_index=chunk.index,
            content_location=chunk.content_location,
            metadata_location=chunk.metadata_location,
            delete_location=chunk.delete_location,
            format=chunk.format,
            available_at=chunk.available_at,
        )

    def to_json(self) -> bytes:
        record = asdict(self)
        record["state"] = self.state.value
        for key in ("available_at", "next_attempt_at"):
            record[key] = record[key].isoformat() if record[key] else None
        return json.dumps(record, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "RecordingJob":
        record = json.loads(raw)
        record["state"] = JobState(record["state"])
        for key in ("available_at", "next_attempt_at"):
            record[key] = datetime.fromisoformat(record[key]) if record[key] else None
        return cls(**record)

    def with_(self, **changes: object) -> "RecordingJob":
        return replace(self, **changes)


class JobBook:
    """Reads and writes job records in the store."""

    def __init__(self, store: RecordingStore):
        self._store = store

    @staticmethod
    def _name(document_id: str) -> str:
        return f"{JOBS_PREFIX}{document_id}.json"

    async def submit(self, chunk: RecordingChunk) -> RecordingJob | None:
        """Record a new job; None when this chunk was already submitted."""
        job = RecordingJob.for_chunk(chunk)
        created = await self._store.create(self._name(job.document_id), job.to_json())
        return job if created else None

    async def submit_all(self, chunks: list[RecordingChunk]) -> list[RecordingJob | None]:
        """`submit` each chunk, many at a time: a delivery of thousands is answered in seconds."""
        slots = asyncio.Semaphore(SUBMIT_CONCURRENCY)

        async def submit(chunk: RecordingChunk) -> RecordingJob | None:
            async with slots:
                return await self.submit(chunk)

        return list(await asyncio.gather(*(submit(chunk) for chunk in chunks)))

    async def get(self, document_id: str) -> RecordingJob | None:
        raw = await self._store.get(self._name(document_id))
        return RecordingJob.from_json(raw) if raw is not None else None

    async def save(self, job: RecordingJob) -> None:
        await self._store.put(self._name(job.document_id), job.to_json())

    async def all(self) -> list[RecordingJob]:
        jobs = []
        for name in await self._store.list(JOBS_PREFIX):
            raw = await self._store.get(name)
            if raw is not None:
                jobs.append(RecordingJob.from_json(raw))
        return jobs

    async def pending(self) -> list[RecordingJob]:
        return [job for job in await self.all() if job.state is JobState.PENDING]

    async def mark(self, document_id: str, state: JobState) -> None:
        """Set a job's state, when the job exists (recordings can outlive their job records)."""
        job = await self.get(document_id)
        if job is not None:
            await self.save(job.with_(state=state))
