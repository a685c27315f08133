"""Seeded mutation of what a channel sends on a streaming socket, as raw WebSocket frames.

Each case starts from a valid request (an activity posted to /api/messages, a
GET of /api/version) and is mutated as an activity (the body fuzzing of
`request_fuzzer`), as protocol packets (a header's type, length, id or end
flag; the request's JSON header: verb, path, streams with bad ids, negative,
huge or many lengths; packets truncated, repeated, empty or never finished) or
as WebSocket frames (text, ping, continuation, a reserved opcode). The same
seed gives the same cases.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from hosting.streaming.frames import PayloadType, message, packets

from .request_fuzzer import RequestFuzzer, activity_seeds

BINARY, TEXT, CONTINUATION, PING, RESERVED = 0x2, 0x1, 0x0, 0x9, 0x3


@dataclass(frozen=True)
class FuzzedFrame:
    """One WebSocket frame's payload and opcode; `request_id` is the id to expect an answer to, if any."""

    payload: bytes
    opcode: int
    request_id: str | None
    mutation: str


class StreamFuzzer:
    """An endless, reproducible stream of frames to send on a streaming socket."""

    def __init__(self, seed: int, service_url: str):
        self._random = random.Random(seed)
        self._bodies = RequestFuzzer(seed, service_url)
        self._activities = activity_seeds(service_url)

    def next(self) -> FuzzedFrame:
        r = self._random
        roll = r.random()
        identifier = str(uuid.UUID(int=r.getrandbits(128)))
        if roll < 0.45:
            body = self._bodies.mutated(r.choice(self._activities))
            return FuzzedFrame(self._request(identifier, "POST", "/api/messages", body), BINARY, identifier, "activity")
        if roll < 0.85:
            data, mutation = self._mutated_packets(identifier)
            return FuzzedFrame(data, BINARY, None, mutation)
        opcode = r.choice([TEXT, CONTINUATION, PING, RESERVED])
        data = self._request(identifier, "GET", "/api/version", None)
        return FuzzedFrame(data, opcode, identifier if opcode == TEXT else None, f"opcode {opcode}")

    @staticmethod
    def _request(identifier: str, verb: str, path: str, body: bytes | None) -> bytes:
        return message(PayloadType.REQUEST, identifier, {"verb": verb, "path": path}, body)

    def _mutated_packets(self, identifier: str) -> tuple[bytes, str]:
        r = self._random
        body = json.dumps(r.choice(self._activities)).encode()
        valid = self._request(identifier, "POST", "/api/messages", body)
        roll = r.random()
        if roll < 0.2:
            data = bytearray(valid)
            for _ in range(r.randint(1, 4)):
                data[r.randrange(min(len(data), 48))] = r.randrange(256)  # within the first header
            return bytes(data), "header bytes flipped"
        if roll < 0.3:
            return valid[: r.randrange(1, len(valid))], "truncated"
        if roll < 0.4:
            return valid * r.randint(2, 5), "repeated"
        if roll < 0.5:
            kind = r.choice("ABSXC")
            return f"{kind}.000000.{identifier}.{r.choice('01')}\n".encode(), f"empty {kind} packet"
        if roll < 0.75:
            meta, mutation = self._mutated_meta()
            return b"".join(packets(PayloadType.REQUEST, identifier, meta)), mutation
        if roll < 0.85:
            stream = str(uuid.UUID(int=r.getrandbits(128)))
            length = r.choice([0, 1, 4096, 999_999])
            return f"S.{length:06d}.{stream}.{r.choice('01')}\n".encode() + b"x" * min(length, 4096), "a stream for no request"
        return r.randbytes(r.randrange(1, 600)), "random bytes"

    def _mutated_meta(self) -> tuple[bytes, str]:
        r = self._random
        stream = {"id": str(uuid.UUID(int=r.getrandbits(128))), "type": "application/json", "length": 10}
        meta: dict[str, Any] = {"verb": "POST", "path": "/api/messages", "streams": [stream]}
        roll = r.random()
        if roll < 0.15:
            meta["verb"] = r.choice([None, 7, "", "DELETE", "GET", "x" * 5000])
            what = "verb"
        elif roll < 0.3:
            meta["path"] = r.choice([None, [], "", "/api/version", "/../../etc", "/api/messages\n", "x" * 5000])
            what = "path"
        elif roll < 0.45:
            stream["length"] = r.choice([-1, None, "10", 1.5, 2**63, 10**30, 1024**2 + 1])
            what = "stream length"
        elif roll < 0.6:
            stream["id"] = r.choice([None, 7, "", "not-a-guid", "0" * 36, str(uuid.uuid4()).upper()])
            what = "stream id"
        elif roll < 0.7:
            meta["streams"] = r.choice([None, {}, "x", [None], [stream] * 2000])
            what = "streams"
        elif roll < 0.8:
            return b'{"verb":"POST","path":"/api/messages","x":' + b"[" * 5000 + b"]" * 5000 + b"}", "nested meta"
        elif roll < 0.9:
            return r.choice([b"", b"null", b"[]", b"{", b"\xff\xfe", b"1e999999", b'{"verb":NaN}']), "not a JSON object"
        else:
            meta = {"statusCode": r.choice([200, "200", None])}
            what = "a response header in a request"
        return json.dumps(meta).encode(), what
