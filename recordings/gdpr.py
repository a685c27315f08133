"""Data-subject requests and retention: export, erase, purge.

Every action writes one JSON line to ``audit.log`` in the store (and to the
``recordings.audit`` logger). The line names the participant by the same hash
as the index, never in clear: after an erasure the log must not itself keep the
person's identifier, yet whoever holds the id can still find their line.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .archive import ArchivedRecording, RecordingArchive, participant_key
from .jobs import JobBook, JobState

AUDIT_LOG = "audit.log"
MANIFEST = "manifest.json"

audit_log = logging.getLogger("recordings.audit")


@dataclass(frozen=True)
class ExportResult:
    recordings: int
    manifest: Path


@dataclass(frozen=True)
class RemovalResult:
    recordings: int
    objects: int
    shared_with_others: int


class DataSubjectRequests:
    """The operations the CLI offers, on one archive and its job book."""

    def __init__(self, archive: RecordingArchive, book: JobBook):
        self._archive = archive
        self._book = book

    async def export(self, participant_id: str, out_dir: Path) -> ExportResult:
        """Copy the participant's media and metadata into `out_dir`, with a manifest."""
        recordings = await self._archive.of_participant(participant_id)
        out_dir.mkdir(parents=True, exist_ok=True)
        items = []
        for rec in recordings:
            files = {}
            for kind, name in (("media", rec.media_name), ("metadata", rec.metadata_name)):
                relative = Path(name).relative_to("calls")
                target = out_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with open(target, "wb") as f:
                    async for chunk in self._archive.store.read(name):
                        f.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                files[kind] = {"path": relative.as_posix(), "bytes": size, "sha256": digest.hexdigest()}
            items.append(
                {
                    "callId": rec.call_id,
                    "documentId": rec.document_id,
                    "chunkIndex": rec.chunk_index,
                    "chunkStartTime": rec.chunk_start_time,
                    **files,
                }
            )
        manifest = out_dir / MANIFEST
        manifest.write_text(
            json.dumps(
                {"participantId": participant_id, "exportedAt": _now(), "recordings": items}, indent=2
            ),
            encoding="utf-8",
        )
        await self._audit("export", participant_id, recordings=len(items))
        return ExportResult(recordings=len(items), manifest=manifest)

    async def erase(self, participant_id: str) -> RemovalResult:
        """Delete every recording the participant appears in.

        A recording holds everyone on the call; it cannot be cut per person, so it
        is deleted whole and the other participants lose that recording too (the
        count is reported). Recordings without this participant are not touched.
        """
        recordings = await self._archive.of_participant(participant_id)
        result = await self._remove(recordings, shared_by=participant_id)
        await self._audit(
            "erase", participant_id, recordings=result.recordings, objects=result.objects,
            shared_with_others=result.shared_with_others,
        )
        return result

    async def purge(self, older_than: timedelta) -> RemovalResult:
        """Delete recordings that started more than `older_than` ago."""
        cutoff = datetime.now(timezone.utc) - older_than
        old = [rec for rec in await self._archive.all() if rec.recorded_at < cutoff]
        result = await self._remove(old, shared_by=None)
        await self._audit("purge", None, older_than_days=older_than.days, recordings=result.recordings,
                          objects=result.objects)
        return result

    async def list(self, participant_id: str | None = None) -> list[ArchivedRecording]:
        if participant_id is None:
            return await self._archive.all()
        return await self._archive.of_participant(participant_id)

    async def _remove(self, recordings: list[ArchivedRecording], shared_by: str | None) -> RemovalResult:
        objects = shared = 0
        for rec in recordings:
            objects += await self._archive.remove(rec)
            # Keep the job record, marked: a late re-delivery must not download it again.
            await self._book.mark(rec.document_id, JobState.ERASED)
            if shared_by is not None and any(pid != shared_by for pid in rec.participant_ids):
                shared += 1
        return RemovalResult(recordings=len(recordings), objects=objects, shared_with_others=shared)

    async def _audit(self, action: str, participant_id: str | None, **details: object) -> None:
        line = {"at": _now(), "action": action}
        if participant_id is not None:
            line["participant"] = "sha256:" + participant_key(participant_id)
        line.update(details)
        text = json.dumps(line, sort_keys=True)
        await self._archive.store.append_line(AUDIT_LOG, text)
        audit_log.info(text)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
