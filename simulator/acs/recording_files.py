"""Recording files on the ACS storage host (``storage.asm.skype.com``).

Serves each chunk's media and metadata at ``/v1/objects/<id>/content/...``,
honours ``Range``, counts requests, and can inject faults: 500s, a connection
cut mid-body, a stall, slow bodies, redirects. Requests must carry the SDK's
HMAC signature for the ACS resource (see hmac_check), or a bearer token of an identity
with a role on it (see entra_check).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Callable, Protocol

from aiohttp import web

PIECE = 256 * 1024
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class Payload(Protocol):
    size: int

    def slice(self, start: int, end: int) -> bytes: ...


@dataclass(frozen=True)
class BytesPayload:
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def slice(self, start: int, end: int) -> bytes:
        return self.data[start:end]


@dataclass(frozen=True)
class PatternPayload:
    """`size` bytes of a repeating pattern, produced on demand (for large files)."""

    size: int
    block: bytes = field(default_factory=lambda: hashlib.sha256(b"pattern").digest() * 8192)

    def slice(self, start: int, end: int) -> bytes:
        n = len(self.block)
        first = start % n
        out = bytearray()
        while len(out) < end - start:
            out += self.block[first:]
            first = 0
        return bytes(out[: end - start])


@dataclass
class Fault:
    """What to do to the next request(s) for one path."""

    status: int | None = None  # answer this status instead of the body
    cut_after: int | None = None  # close the connection after this many body bytes
    stall_after: int | None = None  # stop sending (forever) after this many body bytes
    delay_s: float = 0.0  # pause between body pieces
    redirect_to: str | None = None  # answer 302 with this Location
    times: int = 1


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    range: str | None
    signed: bool


class RecordingFiles:
    """The storage host's objects and its request log; `url` builds the public location."""

    def __init__(self, url: Callable[[str], str], signed: Callable[[web.Request, bytes], bool]):
        self.url = url
        self._signed = signed
        self.verify_signatures = True
        self.objects: dict[str, Payload] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.seen: list[Seen] = []
        self.stalled = asyncio.Event()

    def add_recording(self, document_id: str, media: Payload, metadata: dict) -> dict:
        """Publish a chunk; returns its `recordingChunks[]` item as ACS would send it."""
        base = f"/v1/objects/{document_id}"
        self.objects[f"{base}/content/audio"] = media
        self.objects[f"{base}/content/acsmetadata"] = BytesPayload(json.dumps(metadata).encode())
        return {
            "documentId": document_id,
            "index": metadata.get("chunkIndex", 0),
            "endReason": "SessionEnded",
            "contentLocation": self.url(f"{base}/content/audio"),
            "metadataLocation": self.url(f"{base}/content/acsmetadata"),
            "deleteLocation": self.url(base),
        }

    def inject(self, path: str, fault: Fault) -> None:
        self.faults.setdefault(path, []).append(fault)

    def requests_for(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        signed = self._signed(request, await request.read())
        self.seen.append(Seen(request.method, request.path, request.headers.get("Range"), signed))
        if self.verify_signatures and not signed:
            return web.json_response({"error": {"code": "7509", "message": "HMAC-SHA256 validation failed"}}, status=401)
        payload = self.objects.get(request.path)
        if payload is None:
            return web.json_response({"error": {"code": "NotFound", "message": "no such object"}}, status=404)
        fault = self._take_fault(request.path)
        if fault and fault.status:
            return web.json_response({"error": {"code": "Injected", "message": "injected"}}, status=fault.status)
        if fault and fault.redirect_to:
            return web.Response(status=302, headers={"Location": fault.redirect_to})
        start, end, status = 0, payload.size, 200
        if range_header := request.headers.get("Range"):
            match = RANGE.match(range_header)
            start = int(match.group(1)) if match else payload.size
            end = min(payload.size, int(match.group(2)) + 1) if match and match.group(2) else payload.size
            if not match or start >= payload.size or start >= end:
                return web.Response(status=416, headers={"Content-Range": f"bytes */{payload.size}"})
            status = 206
        response = web.StreamResponse(status=status)
        response.content_type = "application/octet-stream"
        response.content_length = end - start
        if status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{payload.size}"
        await response.prepare(request)
        sent = 0
        position = start
        while position < end:
            piece = payload.slice(position, min(end, position + PIECE))
            limit = fault.cut_after if fault and fault.cut_after is not None else None
            limit = fault.stall_after if fault and fault.stall_after is not None else limit
            if limit is not None and sent + len(piece) > limit:
                piece = piece[: limit - sent]
                if piece:
                    await response.write(piece)
                if fault.stall_after is not None:
                    self.stalled.set()
                    await asyncio.Event().wait()
                assert request.transport is not None
                request.transport.close()
                return response
            await response.write(piece)
            sent += len(piece)
            position += len(piece)
            if fault and fault.delay_s:
                await asyncio.sleep(fault.delay_s)
        await response.write_eof()
        return response

    def _take_fault(self, path: str) -> Fault | None:
        queue = self.faults.get(path)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault
