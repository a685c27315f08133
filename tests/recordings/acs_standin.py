"""A local stand-in for the ACS recording storage (``storage.asm.skype.com``).

The real SDK talks to it unchanged: the SDK insists on https and on a host under
``*.asm.skype.com``, so the stand-in serves TLS with a certificate for that
name from a throw-away CA, and clients get a connector whose resolver sends
every host to 127.0.0.1 and which trusts that CA. It checks the SDK's
HMAC-SHA256 signature the way ACS does (signed for the ACS endpoint host that
the SDK also sends as ``x-ms-host``), honours ``Range``, counts requests, and
can inject faults: 500s, a connection cut mid-body, a stall, slow bodies.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

STORAGE_HOST = "storage.asm.skype.com"
ACS_HOST = "standin-resource.communication.azure.com"
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


def make_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for *.asm.skype.com; returns (ca, cert, key) paths."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "recordings test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, STORAGE_HOST)]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(STORAGE_HOST), x509.DNSName("*.asm.skype.com")]),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class LoopbackResolver(AbstractResolver):
    """Every host name resolves to 127.0.0.1."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0,
                              flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        return None


def client_connector(ca_path: Path) -> aiohttp.TCPConnector:
    """What the app's ACS client uses to reach the stand-in (call inside a running loop)."""
    return aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=ssl.create_default_context(cafile=str(ca_path)))


class AcsStandIn:
    """Serves recording files at ``https://storage.asm.skype.com:<port>/v1/objects/<id>/content/...``."""

    def __init__(self, tls: tuple[Path, Path, Path]):
        self.ca_path, cert, key = tls
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl.load_cert_chain(str(cert), str(key))
        self.access_key = base64.b64encode(os.urandom(32)).decode()
        self.verify_signatures = True
        self.objects: dict[str, Payload] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.seen: list[Seen] = []
        self.stalled = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def connection_string(self) -> str:
        return f"endpoint=https://{ACS_HOST}/;accesskey={self.access_key}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def url(self, path: str, host: str = STORAGE_HOST) -> str:
        return f"https://{host}:{self.port}{path}"

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

    def _signature_ok(self, request: web.Request) -> bool:
        date = request.headers.get("x-ms-date", "")
        content_hash = request.headers.get("x-ms-content-sha256", "")
        auth = request.headers.get("Authorization", "")
        if request.headers.get("x-ms-host") != ACS_HOST:
            return False
        try:
            if abs((dt.datetime.now(dt.timezone.utc) - parsedate_to_datetime(date)).total_seconds()) > 300:
                return False
        except (TypeError, ValueError):
            return False
        if content_hash != base64.b64encode(hashlib.sha256(b"").digest()).decode():
            return False
        prefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
        if not auth.startswith(prefix):
            return False
        to_sign = f"{request.method}\n{request.path_qs}\n{date};{ACS_HOST};{content_hash}"
        expected = base64.b64encode(
            hmac.new(base64.b64decode(self.access_key), to_sign.encode(), hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(auth[len(prefix):], expected)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        signed = self._signature_ok(request)
        self.seen.append(Seen(request.method, request.path, request.headers.get("Range"), signed))
        if self.verify_signatures and not signed:
            return web.json_response({"error": {"code": "Unauthorized", "message": "bad signature"}}, status=401)
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
