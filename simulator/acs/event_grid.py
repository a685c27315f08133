"""Event Grid's side of an incoming call: the webhook handshake and the IncomingCall event.

`IncomingCall` does not come from Call Automation but from the resource's Event
Grid system topic, in the Event Grid schema: a JSON array of events, header
``aeg-event-type: Notification``. A subscription is first validated with a
``SubscriptionValidationEvent`` (header ``aeg-event-type: SubscriptionValidation``)
that the webhook answers with ``{"validationResponse": <validationCode>}``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import aiohttp

TOPIC = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/standin/providers/"
         "Microsoft.Communication/communicationServices/standin-resource")
INCOMING_CALL = "Microsoft.Communication.IncomingCall"
RECORDING_FILE_STATUS_UPDATED = "Microsoft.Communication.RecordingFileStatusUpdated"
SUBSCRIPTION_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"


class WebhookRefused(Exception):
    """The webhook answered an Event Grid delivery with a non-2xx status."""

    def __init__(self, status: int, body: str):
        super().__init__(f"webhook answered {status}: {body[:200]}")
        self.status = status


def phone_identifier(number: str) -> dict:
    """A phone number as the CommunicationIdentifierModel wire shape."""
    return {"kind": "phoneNumber", "rawId": f"4:{number}", "phoneNumber": {"value": number}}


def incoming_call_event(caller: str, called: str, server_call_id: str, correlation_id: str, context: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "topic": TOPIC,
        "subject": f"/caller/4:{caller}/recipient/4:{called}",
        "data": {
            "to": phone_identifier(called),
            "from": phone_identifier(caller),
            "serverCallId": server_call_id,
            "callerDisplayName": "",
            "incomingCallContext": context,
            "correlationId": correlation_id,
        },
        "eventType": INCOMING_CALL,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": dt.datetime.now(dt.timezone.utc).isoformat(),
    }


def recording_file_event(call_id: str, server_call_id: str, recording_id: str, chunks: list[dict]) -> dict:
    """A recording's files are ready: the event names the call only in its subject, never a number."""
    return {
        "id": str(uuid.uuid4()),
        "topic": TOPIC,
        "subject": f"/recording/call/{call_id}/serverCallId/{server_call_id}/recordingId/{recording_id}",
        "data": {
            "recordingStorageInfo": {"recordingChunks": chunks},
            "recordingStartTime": dt.datetime.now(dt.timezone.utc).isoformat(),
            "recordingDurationMs": 15000,
            "recordingContentType": "Audio",
            "recordingChannelType": "Mixed",
            "recordingFormatType": "Wav",
            "sessionEndReason": "CallEnded",
        },
        "eventType": RECORDING_FILE_STATUS_UPDATED,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": dt.datetime.now(dt.timezone.utc).isoformat(),
    }


def validation_event(code: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "topic": TOPIC,
        "subject": "",
        "data": {
            "validationCode": code,
            "validationUrl": f"https://rp-standin.eventgrid.azure.net/eventsubscriptions/standin/validate?code={code}",
        },
        "eventType": SUBSCRIPTION_VALIDATION,
        "eventTime": dt.datetime.now(dt.timezone.utc).isoformat(),
        "metadataVersion": "1",
        "dataVersion": "2",
    }


async def deliver(session: aiohttp.ClientSession, url: str, events: list[dict], kind: str) -> str:
    """POST a batch of events as Event Grid does; returns the answer's body, raises WebhookRefused on non-2xx."""
    headers = {
        "Content-Type": "application/json",
        "aeg-event-type": kind,
        "aeg-subscription-name": "STANDIN-INCOMING-CALLS",
        "aeg-delivery-count": "0",
        "aeg-data-version": events[0].get("dataVersion", "1.0"),
        "aeg-metadata-version": "1",
    }
    async with session.post(url, json=events, headers=headers) as response:
        body = await response.text()
        if not 200 <= response.status < 300:
            raise WebhookRefused(response.status, body)
        return body
