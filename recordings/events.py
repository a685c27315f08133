"""Reading Event Grid deliveries: which recordings are ready, or a handshake.

Both delivery schemas are parsed with the SDK models (`EventGridEvent` for the
Event Grid schema, `azure.core.messaging.CloudEvent` for CloudEvents 1.0); the
rest of the package only sees `RecordingChunk`s. Anything that does not look
like a delivery raises `MalformedDelivery`, which the webhook answers with 400;
a delivery larger than any Event Grid sends raises `DeliveryTooLarge` (413).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure.eventgrid import SystemEventNames

from inbound.event_grid import MAX_EVENTS, MalformedEvents, TooManyEvents, read_events, validation_code

RECORDING_FILE_STATUS_UPDATED = SystemEventNames.AcsRecordingFileStatusUpdatedEventName.value

# Document ids become object names: accept only what ACS produces
# ("0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8").
DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")

# A recording event lists a few chunks. More than this in one request is not Event Grid.
MAX_CHUNKS = 5000

# The subject of RecordingFileStatusUpdated: which call, and which of its recordings.
# A server call id is base64 and may hold "/"; a call id and a recording id do not.
RECORDING_SUBJECT = re.compile(
    r"^/recording/call/(?P<call>[^/]+)/serverCallId/(?P<server_call>.+)/recordingId/(?P<recording>[^/]+)$"
)


class MalformedDelivery(ValueError):
    """The request body is not an Event Grid delivery this webhook understands."""


class DeliveryTooLarge(MalformedDelivery):
    """The request holds more events or chunks than an Event Grid batch can."""


@dataclass(frozen=True)
class RecordingChunk:
    """One recording file ACS holds for us (for 48 hours from `available_at`)."""

    document_id: str
    index: int
    content_location: str
    metadata_location: str
    delete_location: str | None
    end_reason: str | None
    format: str | None
    available_at: datetime
    server_call_id: str | None = None  # from the event's subject: the call the recording belongs to


@dataclass(frozen=True)
class Delivery:
    """What one webhook request carried."""

    validation_code: str | None = None
    chunks: list[RecordingChunk] = field(default_factory=list)
    ignored_events: int = 0


def parse_delivery(body: bytes) -> Delivery:
    """Parse a request body holding one event or a batch (JSON array) of events."""
    try:
        events = read_events(body, MAX_EVENTS)
    except TooManyEvents as e:
        raise DeliveryTooLarge(str(e)) from None
    except MalformedEvents as e:
        raise MalformedDelivery(str(e)) from None
    delivery = Delivery()
    for event in events:
        try:
            code = validation_code(event)
        except MalformedEvents as e:
            raise MalformedDelivery(str(e)) from None
        if code is not None:
            return Delivery(validation_code=code)
        if event.type == RECORDING_FILE_STATUS_UPDATED:
            delivery.chunks.extend(_read_chunks(event.data, event.time, _server_call_id(event.subject)))
            if len(delivery.chunks) > MAX_CHUNKS:
                raise DeliveryTooLarge(f"more than {MAX_CHUNKS} recording chunks in one delivery")
        else:
            delivery = Delivery(delivery.validation_code, delivery.chunks, delivery.ignored_events + 1)
    return delivery


def _server_call_id(subject: str) -> str | None:
    match = RECORDING_SUBJECT.match(subject)
    return match.group("server_call") if match else None


def _read_chunks(data: Any, available_at: datetime, server_call_id: str | None) -> list[RecordingChunk]:
    try:
        raw_chunks = data["recordingStorageInfo"]["recordingChunks"]
    except (TypeError, KeyError):
        raise MalformedDelivery("recording event without data.recordingStorageInfo.recordingChunks") from None
    if not isinstance(raw_chunks, list):
        raise MalformedDelivery("recordingChunks must be a list")
    recording_format = data.get("recordingFormatType")
    chunks = []
    for raw in raw_chunks:
        if not isinstance(raw, dict):
            raise MalformedDelivery("each recording chunk must be an object")
        document_id = raw.get("documentId")
        if not isinstance(document_id, str) or not DOCUMENT_ID.fullmatch(document_id):
            raise MalformedDelivery("recording chunk with a missing or invalid documentId")
        locations = [raw.get("contentLocation"), raw.get("metadataLocation")]
        if not all(isinstance(loc, str) and loc for loc in locations):
            raise MalformedDelivery(f"recording chunk {document_id} lacks contentLocation or metadataLocation")
        index = raw.get("index", 0)
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise MalformedDelivery(f"recording chunk {document_id} has an invalid index")
        chunks.append(
            RecordingChunk(
                document_id=document_id,
                index=index,
                content_location=locations[0],
                metadata_location=locations[1],
                delete_location=_optional_str(raw.get("deleteLocation")),
                end_reason=_optional_str(raw.get("endReason")),
                format=_optional_str(recording_format),
                available_at=available_at,
                server_call_id=server_call_id,
            )
        )
    return chunks


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
