"""Which recordings are this app's, when several bots share one ACS resource.

Every bot subscribed to the resource's `RecordingFileStatusUpdated` events receives every
recording of the resource: the event names no phone number, only the call, in its subject
(`/recording/call/<call id>/serverCallId/<server call id>/recordingId/<recording id>`).
With `RECORDINGS_SCOPE=own-calls` the app exports only recordings of calls it answered:
the bridge claims a call's server call id before answering it (so no answered call lacks
its claim), and a recording counts as this app's only when its event's subject names a
claimed server call id. Other bots' recordings are acknowledged and left alone.

A claim is an empty object `claims/<SHA-256 of the server call id>` in the recordings
store: shared by every instance, and naming neither caller nor number.
"""

from __future__ import annotations

import hashlib

from .store import RecordingStore

CLAIMS_PREFIX = "claims/"


def claim_name(server_call_id: str) -> str:
    return CLAIMS_PREFIX + hashlib.sha256(server_call_id.encode("utf-8")).hexdigest()


class RecordingClaims:
    """The calls whose recordings this app exports."""

    def __init__(self, store: RecordingStore):
        self._store = store

    async def claim(self, server_call_id: str) -> None:
        """Mark the call's recordings as this app's (claiming twice is harmless)."""
        await self._store.create(claim_name(server_call_id), b"")

    async def owns(self, server_call_id: str | None) -> bool:
        return server_call_id is not None and await self._store.size(claim_name(server_call_id)) is not None
