"""Seeded mutation of the requests the bot takes: activities and Event Grid deliveries.

Each request starts from a valid one (a call's first activity, a key press, a
hang-up, a recording event in either Event Grid schema, a subscription
validation) and is mutated as JSON (a value replaced by one of another type, a
key dropped or added, deep nesting, huge numbers) or as bytes (flipped,
truncated, spliced, re-encoded), then sent with a Content-Type that may be wrong.
The same seed gives the same requests.
"""

from __future__ import annotations

import copy
import json
import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any


class Target(Enum):
    """Where a fuzzed request goes."""

    MESSAGES = "/api/messages"
    MESSAGES_WITH_CREDENTIALS = "/api/messages (app id set)"
    RECORDING_EVENTS = "/api/recordings/events"


@dataclass(frozen=True)
class FuzzedRequest:
    target: Target
    method: str
    body: bytes
    headers: dict[str, str]


# Bodies beyond the server's 1 MiB limit are worth sending, but not gigabytes of them.
MAX_BODY = 2 * 1024 * 1024

CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json; charset=bogus",
    "application/cloudevents+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    None,
]

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**63, 10**30, 1.5e308, -0.0, "", " ", "x" * 5000, "\u0000", "\udcff",
    "doc-1\n", "../../etc/passwd", "http://127.0.0.1:1/", "file:///etc/passwd", "2024-13-45T99:99:99Z",
    [], [None], [1, "a"], {}, {"id": None}, {"id": 7}, {"type": None}, ["x"] * 300,
]


def activity_seeds(service_url: str) -> list[dict[str, Any]]:
    base = {
        "id": "a-1",
        "channelId": "telephony",
        "serviceUrl": service_url,
        "timestamp": "2024-05-01T10:00:00.000Z",
        "conversation": {"id": "call-1"},
        "from": {"id": "+14255550123", "name": "caller"},
        "recipient": {"id": "bot", "role": "bot"},
        "locale": "en-US",
    }
    return [
        {**base, "type": "conversationUpdate", "membersAdded": [{"id": "+14255550123"}, {"id": "bot"}]},
        {**base, "type": "message", "text": "1", "entities": [{"type": "DTMF", "value": "1"}]},
        {**base, "type": "message", "text": "I want to pay", "channelData": {"speech": {"confidence": 0.9}}},
        {**base, "type": "event", "name": "RecordingResult", "value": {"status": "Started"}},
        {**base, "type": "endOfConversation", "code": "completedSuccessfully"},
        {**base, "channelId": "emulator", "type": "message", "text": "hello", "attachments": [{"contentType": "x"}]},
    ]


def delivery_seeds(event_time: str) -> list[Any]:
    chunk = {
        "documentId": "0-eus-d1-fuzz",
        "index": 0,
        "endReason": "SessionEnded",
        "contentLocation": "https://storage.asm.skype.com/v1/objects/0-eus-d1-fuzz/content/audio",
        "metadataLocation": "https://storage.asm.skype.com/v1/objects/0-eus-d1-fuzz/content/acsmetadata",
        "deleteLocation": "https://storage.asm.skype.com/v1/objects/0-eus-d1-fuzz",
    }
    data = {"recordingStorageInfo": {"recordingChunks": [chunk]}, "recordingFormatType": "Wav"}
    grid = {
        "id": "e-1",
        "topic": "/subscriptions/x",
        "subject": "/recording/call/c",
        "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
        "data": data,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": event_time,
    }
    cloud = {
        "id": "e-2",
        "source": "/subscriptions/x",
        "specversion": "1.0",
        "type": "Microsoft.Communication.RecordingFileStatusUpdated",
        "time": event_time,
        "data": data,
    }
    validation = {**grid, "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                  "data": {"validationCode": "abc"}}
    return [[grid], grid, [cloud], cloud, [validation], [grid, cloud]]


class RequestFuzzer:
    """An endless, reproducible stream of mutated requests."""

    def __init__(self, seed: int, service_url: str):
        self._random = random.Random(seed)
        self._activities = activity_seeds(service_url)
        # Events are dated now: recordings announced 48 hours ago are (rightly) logged as lost.
        self._deliveries = delivery_seeds(datetime.now(timezone.utc).isoformat())

    def next(self) -> FuzzedRequest:
        r = self._random
        roll = r.random()
        if roll < 0.55:
            target = Target.MESSAGES
        elif roll < 0.85:
            target = Target.RECORDING_EVENTS
        else:
            target = Target.MESSAGES_WITH_CREDENTIALS
        seed = copy.deepcopy(r.choice(self._deliveries if target is Target.RECORDING_EVENTS else self._activities))
        self._vary_ids(seed)
        document = self._mutate_json(seed) if r.random() < 0.75 else seed
        body = _expand_markers(json.dumps(document, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass"))
        if r.random() < 0.05:  # a batch: empty, a pair, or thousands (up to about 2 MiB)
            copies = min(r.choice([0, 2, 6000]), MAX_BODY // max(1, len(body)))
            body = b"[" + b",".join([body] * copies) + b"]"
        if r.random() < 0.3:
            body = self._mutate_bytes(body)
        body = body[:MAX_BODY]
        headers: dict[str, str] = {}
        content_type = "application/json" if r.random() < 0.5 else r.choice(CONTENT_TYPES)
        if content_type:
            headers["Content-Type"] = content_type
        if target is Target.MESSAGES_WITH_CREDENTIALS and r.random() < 0.5:
            headers["Authorization"] = r.choice(["Bearer x", "Bearer a.b.c", "Basic Zm9v", "Bearer " + "e" * 3000])
        method = "POST"
        if r.random() < 0.03:
            method = "GET"
            headers.update({"Upgrade": "websocket", "Connection": "Upgrade"})
        return FuzzedRequest(target, method, body, headers)

    def mutated(self, document: Any) -> bytes:
        """A body made from `document` the way `next` makes one from its seeds (for other endpoints)."""
        r = self._random
        document = self._mutate_json(copy.deepcopy(document)) if r.random() < 0.75 else document
        body = _expand_markers(json.dumps(document, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass"))
        if r.random() < 0.3:
            body = self._mutate_bytes(body)
        return body[:MAX_BODY]

    def _vary_ids(self, document: Any) -> None:
        """Fresh ids most of the time, so requests are new calls and new recordings, not repeats."""
        if self._random.random() < 0.2:
            return
        fresh = uuid.UUID(int=self._random.getrandbits(128)).hex
        for node in _containers(document):
            if isinstance(node, dict):
                if "conversation" in node and isinstance(node["conversation"], dict):
                    node["conversation"]["id"] = f"call-{fresh}"
                if "documentId" in node:
                    node["documentId"] = f"0-eus-d1-{fresh}"

    def _mutate_json(self, document: Any) -> Any:
        r = self._random
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            nodes = [n for n in _containers(document) if n]
            if not nodes:
                break
            node = r.choice(nodes)
            key = r.choice(list(node.keys()) if isinstance(node, dict) else list(range(len(node))))
            action = r.random()
            if action < 0.55:
                node[key] = self._odd_value()
            elif action < 0.7 and isinstance(node, dict):
                del node[key]
            elif action < 0.8 and isinstance(node, dict):
                node[r.choice(["from", "conversation", "value", "x", "entities", "data", "specversion"])] = (
                    self._odd_value()
                )
            else:
                node[key] = [node[key]] if r.random() < 0.5 else {"nested": node[key]}
        return document

    def _odd_value(self) -> Any:
        r = self._random
        roll = r.random()
        if roll < 0.08:
            return f"{DEEP}{r.choice([40, 999, 5000])}"
        if roll < 0.12:
            return f"{HUGE}{r.choice([50, 4301, 10_000])}"
        return copy.deepcopy(r.choice(ODD_VALUES))

    def _mutate_bytes(self, body: bytes) -> bytes:
        r = self._random
        data = bytearray(body)
        roll = r.random()
        if roll < 0.25 and data:
            for _ in range(r.randint(1, 8)):
                data[r.randrange(len(data))] = r.randrange(256)
        elif roll < 0.4:
            data = data[: r.randrange(len(data) + 1)]
        elif roll < 0.55:
            at = r.randrange(len(data) + 1)
            data[at:at] = r.choice([b"\x00", b"\xff\xfe", b"[" * 3000, b"\"\\ud800\"", b"NaN", b"1e999999", b"}"])
        elif roll < 0.7:
            text = body.decode("utf-8", "surrogatepass")
            data = bytearray(text.encode(r.choice(["utf-16", "utf-32", "latin-1"]), "replace"))
        elif roll < 0.8:
            data = bytearray(r.randbytes(r.randrange(1, 512)))
        elif roll < 0.9:
            data = bytearray(b"\xef\xbb\xbf") + data  # a UTF-8 byte-order mark
        else:
            data = bytearray()
        return bytes(data)


# json.dumps cannot write what the server must survive (nesting past the recursion
# limit, integers past the digit limit), so such values are markers, expanded in bytes.
DEEP = "marker:deep:"
HUGE = "marker:huge:"
_MARKER = re.compile(rb'"marker:(deep|huge):(\d+)"')


def _expand_markers(body: bytes) -> bytes:
    def expand(match: re.Match[bytes]) -> bytes:
        size = int(match.group(2))
        return b"[" * size + b"]" * size if match.group(1) == b"deep" else b"9" * size

    return _MARKER.sub(expand, body)


def _containers(document: Any) -> list[Any]:
    """Every dict and list in `document`, without recursion (it may be nested thousands deep)."""
    found, stack = [], [document]
    while stack and len(found) < 10_000:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            found.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return found
