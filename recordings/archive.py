"""The archive: where downloaded recordings live and how to find a person's.

Layout in the store (one folder per call):

    calls/<callId>/<documentId>.<mp4|mp3|wav|bin>   the media
    calls/<callId>/<documentId>.metadata.json       the metadata file, as ACS sent it
    calls/<callId>/<documentId>.entry.json          the index entry (`ArchivedRecording`)
    participants/<sha256 of participantId>/<documentId>.json   who appears where

The participant folders are named by a hash so that listing the store does not
disclose who called; the entries inside hold the id, and are deleted with the
recording.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from inbound.json_body import JsonBodyError, parse_json

from .store import RecordingStore

log = logging.getLogger(__name__)

CALLS = "calls/"
PARTICIPANTS = "participants/"
ENTRY_SUFFIX = ".entry.json"
MEDIA_EXTENSIONS = {"mp4": "mp4", "mp3": "mp3", "wav": "wav"}
# Longer than any ACS or phone identifier ("8:acs:<resource>_<guid>", "4:+14255550123").
MAX_PARTICIPANT_ID = 512
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class InvalidMetadata(ValueError):
    """The metadata file is not the JSON document ACS describes."""


@dataclass(frozen=True)
class RecordingMetadata:
    """What the archive needs from an ACS metadata file."""

    call_id: str
    participant_ids: tuple[str, ...]
    chunk_start_time: str | None
    refused_participants: int = 0

    @classmethod
    def parse(cls, raw: bytes) -> "RecordingMetadata":
        """Read a metadata file. A participant whose id cannot be indexed is left out of the
        index (and counted), not allowed to stop the whole recording from being archived."""
        try:
            doc = parse_json(raw)
        except JsonBodyError as error:
            raise InvalidMetadata(f"metadata is not JSON: {error}") from None
        if not isinstance(doc, dict):
            raise InvalidMetadata("metadata is not a JSON object")
        participants = doc.get("participants", [])
        if not isinstance(participants, list):
            raise InvalidMetadata("participants must be a list")
        ids = [p.get("participantId") if isinstance(p, dict) else None for p in participants]
        usable = [pid for pid in ids if _indexable(pid)]
        call_id = doc.get("callId")
        start = doc.get("chunkStartTime")
        return cls(
            call_id=call_id if isinstance(call_id, str) and call_id else "unknown-call",
            participant_ids=tuple(dict.fromkeys(usable)),
            chunk_start_time=start if isinstance(start, str) else None,
            refused_participants=len(ids) - len(usable),
        )


def _indexable(participant_id: object) -> bool:
    """A participant id the index can hold: a non-empty string that encodes as UTF-8."""
    if not isinstance(participant_id, str) or not participant_id or len(participant_id) > MAX_PARTICIPANT_ID:
        return False
    try:
        participant_id.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON can spell but UTF-8 cannot
        return False
    return True


@dataclass(frozen=True)
class ArchivedRecording:
    """The index entry of one archived chunk."""

    call_id: str
    document_id: str
    chunk_index: int
    media_name: str
    metadata_name: str
    size: int
    participant_ids: tuple[str, ...]
    chunk_start_time: str | None
    archived_at: str

    @property
    def entry_name(self) -> str:
        return call_folder(self.call_id) + self.document_id + ENTRY_SUFFIX

    @property
    def recorded_at(self) -> datetime:
        """When the chunk started, falling back to when it was archived."""
        for value in (self.chunk_start_time, self.archived_at):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
            except ValueError:
                continue
            if moment:
                return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "ArchivedRecording":
        record: dict[str, Any] = json.loads(raw)
        record["participant_ids"] = tuple(record["participant_ids"])
        return cls(**record)


def participant_key(participant_id: str) -> str:
    """The hashed folder name under which a participant's index entries live."""
    return hashlib.sha256(participant_id.encode("utf-8")).hexdigest()


def call_folder(call_id: str) -> str:
    # Call ids come from a downloaded file: never let one shape a path.
    safe = call_id if SAFE_NAME.fullmatch(call_id) else "call-" + hashlib.sha256(call_id.encode()).hexdigest()[:32]
    return f"{CALLS}{safe}/"


def media_name(call_id: str, document_id: str, recording_format: str | None) -> str:
    extension = MEDIA_EXTENSIONS.get((recording_format or "").lower(), "bin")
    return f"{call_folder(call_id)}{document_id}.{extension}"


class RecordingArchive:
    """Adds, finds and removes archived recordings and their index."""

    def __init__(self, store: RecordingStore):
        self.store = store

    async def add(self, recording: ArchivedRecording, metadata: bytes) -> None:
        """Record a chunk whose media is already committed. Safe to repeat.

        The entry is written last: it is what `all` lists, so a chunk is listed only
        once every participant's pointer to it exists, and an attempt that stops
        half-way is completed by the next one (which finds the media committed)."""
        for pid in recording.participant_ids:
            pointer = {"participant_id": pid, "entry": recording.entry_name}
            await self.store.put(self._pointer_name(pid, recording.document_id), json.dumps(pointer).encode())
        await self.store.put(recording.metadata_name, metadata)
        await self.store.put(recording.entry_name, recording.to_json())

    @staticmethod
    def _pointer_name(participant_id: str, document_id: str) -> str:
        return f"{PARTICIPANTS}{participant_key(participant_id)}/{document_id}.json"

    async def all(self) -> list[ArchivedRecording]:
        recordings = []
        for name in await self.store.list(CALLS):
            if name.endswith(ENTRY_SUFFIX):
                raw = await self.store.get(name)
                if raw is not None:
                    recordings.append(ArchivedRecording.from_json(raw))
        return recordings

    async def of_participant(self, participant_id: str) -> list[ArchivedRecording]:
        """The participant's recordings. A pointer left behind by an interrupted removal
        (its entry is gone) is deleted here, so a repeated erasure finishes the job."""
        recordings = []
        for name in await self.store.list(f"{PARTICIPANTS}{participant_key(participant_id)}/"):
            raw_pointer = await self.store.get(name)
            if raw_pointer is None:
                continue
            raw = await self.store.get(json.loads(raw_pointer)["entry"])
            if raw is None:
                await self.store.delete(name)
            else:
                recordings.append(ArchivedRecording.from_json(raw))
        return recordings

    async def remove(self, recording: ArchivedRecording) -> int:
        """Delete a chunk's media, metadata, entry and every participant's pointer to it.

        The entry goes before the pointers: if this stops half-way, the pointers left
        are dangling and `of_participant` clears them on the next attempt."""
        names = [recording.media_name, recording.metadata_name, recording.entry_name]
        names += [self._pointer_name(pid, recording.document_id) for pid in recording.participant_ids]
        removed = 0
        for name in names:
            removed += await self.store.delete(name)
        return removed

    @staticmethod
    def now() -> str:
        return datetime.now(timezone.utc).isoformat()
