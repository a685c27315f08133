"""Reading what Event Grid and Call Automation post: single events or batches, in
either schema, and the `?code=` secret that guards an Event Grid webhook.

Both schemas are read with the SDK models (`EventGridEvent` for the Event Grid
schema, `azure.core.messaging.CloudEvent` for CloudEvents 1.0). Anything that does
not look like an event raises `MalformedEvents`, which webhooks answer with 400.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent, SystemEventNames

from inbound.json_body import JsonBodyError, parse_json

SUBSCRIPTION_VALIDATION = SystemEventNames.EventGridSubscriptionValidationEventName.value

# Event Grid delivers at most 5,000 events in a batch.
MAX_EVENTS = 5000


class MalformedEvents(ValueError):
    """The request body is not one event or a batch of events."""


class TooManyEvents(MalformedEvents):
    """The request holds more events than an Event Grid batch can."""


@dataclass(frozen=True)
class ReceivedEvent:
    """One event of a delivery, whichever schema carried it."""

    type: str
    data: Any
    time: datetime
    cloud_event: bool
    subject: str = ""


def read_events(body: bytes, max_events: int = MAX_EVENTS) -> list[ReceivedEvent]:
    """The events of a request body holding one event or a JSON array of them."""
    try:
        payload = parse_json(body)
    except JsonBodyError as e:
        raise MalformedEvents(str(e)) from None
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise MalformedEvents("empty batch")
    if len(items) > max_events:
        raise TooManyEvents(f"{len(items)} events: a batch holds at most {max_events}")
    events = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedEvents("each event must be a JSON object")
        events.append(_read_cloud_event(item) if "specversion" in item else _read_event_grid_event(item))
    return events


def validation_code(event: ReceivedEvent) -> str | None:
    """The code of Event Grid's subscription handshake, if `event` is one."""
    if event.type != SUBSCRIPTION_VALIDATION:
        return None
    code = event.data.get("validationCode") if isinstance(event.data, dict) else None
    if not isinstance(code, str) or not code:
        raise MalformedEvents("validation event without data.validationCode")
    return code


def code_matches(request: web.Request, secret: bytes) -> bool:
    """The request's `?code=` is the webhook's secret; never true while no secret is set."""
    given = request.query.get("code", "").encode()
    return bool(secret) and hmac.compare_digest(given, secret)


def _read_event_grid_event(item: dict[str, Any]) -> ReceivedEvent:
    try:
        event = EventGridEvent.from_dict(item)
    except Exception as e:  # the SDK's deserializer raises several types
        raise MalformedEvents(f"not an Event Grid event: {type(e).__name__}") from None
    missing = [k for k in ("id", "event_type", "event_time", "data") if getattr(event, k, None) is None]
    if missing or not isinstance(event.event_type, str) or not isinstance(event.event_time, datetime):
        raise MalformedEvents(f"Event Grid event lacks {', '.join(missing) or 'a valid eventType/eventTime'}")
    subject = event.subject if isinstance(event.subject, str) else ""
    return ReceivedEvent(event.event_type, event.data, utc(event.event_time), cloud_event=False, subject=subject)


def _read_cloud_event(item: dict[str, Any]) -> ReceivedEvent:
    try:
        event = CloudEvent.from_dict(item)
    except Exception as e:
        raise MalformedEvents(f"not a CloudEvent: {e}") from None
    if not isinstance(event.type, str):
        raise MalformedEvents("CloudEvent type must be a string")
    time = event.time if isinstance(event.time, datetime) else datetime.now(timezone.utc)
    subject = event.subject if isinstance(event.subject, str) else ""
    return ReceivedEvent(event.type, event.data, utc(time), cloud_event=True, subject=subject)


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
