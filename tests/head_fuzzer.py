"""Seeded mutation of HTTP request heads, sent as raw bytes: what no HTTP client library would send.

Each head starts from a valid request to one of the bot's routes (an activity, a
WebSocket upgrade, an Event Grid delivery, a Call Automation callback) and has
its request line or headers mutated: lines over 8 KiB, control and non-ASCII
bytes, bare line feeds, folded lines, duplicate or contradicting framing headers,
hundreds of headers, odd methods and versions, forged tokens. The same seed gives
the same heads.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

PATHS = [
    "/api/messages",
    "/api/recordings/events?code={secret}",
    "/api/calls/incoming?code={secret}",
    "/api/calls/{token}/events",
    "/healthz",
]
BODY = b'{"type":"message","channelId":"telephony","conversation":{"id":"c"},"from":{"id":"f"},"recipient":{"id":"r"}}'

ODD_HEADERS: list[tuple[bytes, bytes]] = [
    (b"X-Padding", b"a" * 9000),
    (b"X-" + b"N" * 9000, b"1"),
    (b"Authorization", b"Bearer " + b"e" * 9000),
    (b"Authorization", b"Bearer a.b.c"),
    (b"Authorization", b"Basic \xff\xfe"),
    (b"Content-Length", b"-1"),
    (b"Content-Length", b"99999999999999999999"),
    (b"Content-Length", b"1, 2"),
    (b"Transfer-Encoding", b"chunked"),
    (b"Transfer-Encoding", b"gzip, chunked"),
    (b"Transfer-Encoding", b"bogus"),
    (b"Content-Type", b"application/json; charset=\x00"),
    (b"Content-Encoding", b"gzip"),
    (b"Expect", b"100-continue"),
    (b"Upgrade", b"websocket"),
    (b"Connection", b"Upgrade, HTTP2-Settings"),
    (b"Sec-WebSocket-Version", b"99"),
    (b"Sec-WebSocket-Key", b"not base64"),
    (b"Host", b""),
    (b"Host", b"a" * 300 + b":99999"),
    (b"X-Control", b"a\x01b\x7fc"),
    (b"X-Unicode", "caf\u00e9 \u2028".encode()),
    (b"Bad Name", b"1"),
    (b"", b"empty name"),
    (b"X-Folded", b"first\r\n second"),
    (b"Origin", b"null"),
    (b"Referer", b"https://example.com/?code=leak"),
]
METHODS = [b"POST", b"GET", b"PUT", b"DELETE", b"OPTIONS", b"HEAD", b"PATCH", b"TRACE", b"CONNECT", b"POS T", b"\x16\x03\x01", b"G" * 200]
VERSIONS = [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.1x", b"", b"HTTP/1.12"]


@dataclass(frozen=True)
class FuzzedHead:
    """A whole request as bytes, and what it was made from (for a failure's message)."""

    raw: bytes
    mutations: tuple[str, ...]


class HeadFuzzer:
    """An endless, reproducible stream of mutated request heads (with a small body)."""

    def __init__(self, seed: int, *, secret: str, token: str):
        self._random = random.Random(seed)
        self._secret = secret
        self._token = token

    def next(self) -> FuzzedHead:
        r = self._random
        method, version = b"POST", b"HTTP/1.1"
        path = r.choice(PATHS).format(secret=self._secret, token=self._token).encode()
        headers: list[tuple[bytes, bytes]] = [
            (b"Host", b"127.0.0.1"),
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(BODY)).encode()),
        ]
        line_end = b"\r\n"
        done: list[str] = []
        for _ in range(r.choice([1, 1, 2, 3])):
            roll = r.random()
            if roll < 0.45:
                header = r.choice(ODD_HEADERS)
                headers.insert(r.randrange(len(headers) + 1), header)
                done.append(f"header {header[0][:20]!r}")
            elif roll < 0.55:
                method = r.choice(METHODS)
                done.append(f"method {method[:20]!r}")
            elif roll < 0.62:
                version = r.choice(VERSIONS)
                done.append(f"version {version!r}")
            elif roll < 0.72:
                path = r.choice([path + b"a" * 9000, b"/api/%0Amessages", b"/api/messages\x00", "/caf\u00e9".encode(),
                                 b"*", b"http://elsewhere/api/messages", b"//api//messages", b"/api/calls/%2e%2e/events",
                                 b"/" + b"%" * 50])
                done.append(f"path {path[:30]!r}")
            elif roll < 0.78:
                headers.extend((f"X-Many-{i}".encode(), b"1") for i in range(r.choice([101, 300])))
                done.append("hundreds of headers")
            elif roll < 0.84:
                line_end = r.choice([b"\n", b"\r", b"\r\r\n"])
                done.append(f"line end {line_end!r}")
            elif roll < 0.9:
                del headers[r.randrange(len(headers))]
                done.append("a header dropped")
            elif roll < 0.95:
                headers.append((b"Content-Length", b"0"))
                done.append("two Content-Lengths")
            else:
                done.append("bytes flipped")
                head = bytearray(self._head(method, path, version, headers, line_end))
                for _ in range(r.randint(1, 6)):
                    head[r.randrange(len(head))] = r.randrange(256)
                return FuzzedHead(bytes(head) + BODY, tuple(done))
        return FuzzedHead(self._head(method, path, version, headers, line_end) + BODY, tuple(done))

    @staticmethod
    def _head(method: bytes, path: bytes, version: bytes, headers: list[tuple[bytes, bytes]], line_end: bytes) -> bytes:
        lines = [b" ".join(part for part in (method, path, version) if part)]
        lines += [name + b": " + value for name, value in headers]
        return line_end.join(lines) + line_end + line_end


# A head whose lines end in a bare "\r" never ends, as far as the server can tell: it waits for the
# rest (`python app.py` closes such a connection after IDLE_CONNECTION_TIMEOUT_S).
HEAD_ANSWER_WITHIN_S = 5.0
WAITING = "waiting for the rest"


async def exchange_head(host: str, port: int, raw: bytes) -> int | str | None:
    """Send a whole request as bytes; the status answered, None if the server closed without one."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        while True:
            status_line = await asyncio.wait_for(reader.readline(), HEAD_ANSWER_WITHIN_S)
            parts = status_line.split()
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            if status is None or status >= 200:
                return status
            while (await asyncio.wait_for(reader.readline(), HEAD_ANSWER_WITHIN_S)).strip():
                pass  # the headers of a "100 Continue": the answer follows
    except (ConnectionError, asyncio.IncompleteReadError):
        return None
    except asyncio.TimeoutError:
        return WAITING
    finally:
        writer.close()
