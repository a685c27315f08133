"""Recording files, and their metadata in the format Azure Communication Services writes.

One file per recording (start..stop, or start..end of call), its metadata shaped like the
`*-metadata.json` ACS stores beside each recording chunk: `participants` carry
ACS identities, the key the project's GDPR export and erasure look things up by.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from .timeline import Tick

# Fixed namespace so one phone number always maps to the same ACS identity,
# as it would on a real resource: erasure by caller can then be tested.
_IDENTITY_NAMESPACE = uuid.UUID("6f1c2a52-3b0e-4d4e-9a57-0c8f1b5e7d21")


class EndReason(str, Enum):
    """Why a recording file was closed."""

    STOPPED = "stopped"
    HUNG_UP = "callEnded"
    TRANSFERRED = "transferred"


@dataclass
class PauseInterval:
    start: Tick
    end: Tick | None = None


@dataclass
class RecordingFile:
    """What ACS makes for one start..stop: one file, pauses appended in place."""

    index: int
    start: Tick
    pauses: list[PauseInterval] = field(default_factory=list)
    end: Tick | None = None
    end_reason: EndReason | None = None


@dataclass(frozen=True)
class AcsResource:
    """The (fictional) ACS resource the simulated calls are recorded on."""

    resource_id: str = "5e5c9a3e-1d7b-4f0a-8c39-2f6a0c1b9d44"

    def participant_id(self, phone_number: str) -> str:
        """The ACS identity (MRI) standing for a phone number on this resource."""
        return f"8:acs:{self.resource_id}_{uuid.uuid5(_IDENTITY_NAMESPACE, phone_number)}"


def acs_time(at: datetime) -> str:
    """ACS writes times with seven fractional digits and a `Z`."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _ms(start: Tick, end: Tick) -> float:
    return round((end.at - start.at).total_seconds() * 1000, 3)


def recording_metadata(
    file: RecordingFile, *, call_id: str, resource: AcsResource, participants: list[str]
) -> dict[str, object]:
    """The metadata document for one recording file (its single chunk)."""
    end = file.end
    return {
        "resourceId": resource.resource_id,
        "callId": call_id,
        "chunkDocumentId": f"0-sim-{uuid.uuid5(_IDENTITY_NAMESPACE, f'{call_id}/{file.index}').hex}",
        "chunkIndex": 0,
        "chunkStartTime": acs_time(file.start.at),
        "chunkDuration": _ms(file.start, end) if end else 0.0,
        "pauseResumeIntervals": [
            {"startTime": acs_time(p.start.at), "duration": _ms(p.start, p.end) if p.end else 0.0}
            for p in file.pauses
        ],
        "recordingInfo": {
            "contentType": "mixed",
            "channelType": "audio",
            "format": "wav",
            "audioConfiguration": {"sampleRate": "16000", "bitRate": 256000, "channels": 1},
        },
        "participants": [{"participantId": resource.participant_id(p)} for p in participants],
    }
