"""What the bridge remembers about each call, kept in the bot's `Storage`.

With `STORAGE=blob` every instance reads the same record, so a call whose
callbacks land on different instances carries on where it was. The record is
read and written only inside the call's turn lease (`hosting/state/turn_lease.py`),
so two instances never change it at once.

A call is known by its key: a hash of the unguessable token in its callback URL.
The token itself is stored nowhere; a callback whose token hashes to no record
is for no call of ours. The key is also the bot's conversation id for the call.
Keys the caller pressed wait here only while an earlier key is missing, and
then sealed (`telephony.Sealer`), never in clear.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from telephony import InputHint
from telephony.sdk import Storage

PREFIX = "callautomation/calls/"


def new_call_token() -> str:
    """The secret that goes into one call's callback URL."""
    return secrets.token_urlsafe(32)


def call_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass
class PendingCommand:
    """A recording command sent to ACS and not yet confirmed."""

    name: str  # the bot's command name, answered back in its commandResult
    command_id: str
    expects_active: bool  # the recording state that confirms it


@dataclass
class QueuedPlay:
    """A prompt ACS is playing or will play, and how the caller may interrupt it."""

    operation_context: str
    hint: str

    @property
    def drops_keys(self) -> bool:
        return self.hint in (InputHint.IGNORING.value, InputHint.IGNORING_NON_SPEECH.value)

    @property
    def listens_after(self) -> bool:
        """Speech is listened for once this, the last prompt queued, has played."""
        return self.hint != InputHint.IGNORING.value


@dataclass
class BridgeCall:
    key: str
    caller: str  # E.164 for a phone caller, else the caller's raw id
    caller_raw_id: str
    called: str
    sealed_token: str  # the callback token, sealed: ACS needs it again for the recording's callbacks
    server_call_id: str | None = None
    correlation_id: str | None = None
    call_connection_id: str | None = None
    connected: bool = False
    ended_by_bot: bool = False
    recording_id: str | None = None
    pending: PendingCommand | None = None
    recording_changed_at: str | None = None  # ACS's time of the last RecordingStateChanged applied
    next_sequence: int | None = None  # the tone sequence id expected next
    held: dict[str, str] = field(default_factory=dict)  # sequence id → sealed key, while one is missing
    held_since: float | None = None
    plays: list[QueuedPlay] = field(default_factory=list)
    plays_started: int = 0
    listening: str | None = None  # operation context of the speech recognition running

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "BridgeCall":
        values = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if values.get("pending"):
            values["pending"] = PendingCommand(**values["pending"])
        values["plays"] = [QueuedPlay(**play) for play in values.get("plays") or []]
        return cls(**values)


class CallBook:
    """Reads and writes `BridgeCall` records."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, key: str) -> BridgeCall | None:
        found = (await self._storage.read([PREFIX + key])).get(PREFIX + key)
        if not isinstance(found, dict):
            return None
        return BridgeCall.from_json({k: v for k, v in found.items() if k != "e_tag"})

    async def save(self, call: BridgeCall) -> None:
        await self._storage.write({PREFIX + call.key: call.to_json()})

    async def forget(self, key: str) -> None:
        await self._storage.delete([PREFIX + key])

    async def present(self, keys: set[str]) -> set[str]:
        """Which of `keys` still have a record (their call has not ended)."""
        found = await self._storage.read([PREFIX + key for key in keys])
        return {key for key in keys if PREFIX + key in found}
