"""The Bot Framework streaming protocol's packets: a 48-byte header, then its payload.

A header reads `T.LLLLLL.<request or stream id>.E\\n`: the payload type, the
payload's length in six digits, a GUID, and whether this packet ends the
payload. A request (`A`) or response (`B`) payload is JSON that lists the
streams carrying its bodies; each stream (`S`) follows in packets of its own.

Microsoft's clients refuse a header announcing more than 4,096 bytes, so
payloads go out in chunks of that size. They read the socket as one byte
stream, so all packets of a message go out in one WebSocket frame.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterator

HEADER_LENGTH = 48
JSON_CONTENT = "application/json; charset=utf-8"
MAX_CHUNK = 4096
# The largest body a request may carry, as on the HTTP route (aiohttp's `client_max_size`).
BODY_LIMIT = 1024**2

_HEADER = re.compile(rb"([ABSXC])\.(\d{6})\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.([01])\n")


class ProtocolError(ValueError):
    """The peer sent something the streaming protocol does not allow."""


class PayloadType(str, Enum):
    REQUEST = "A"
    RESPONSE = "B"
    STREAM = "S"
    CANCEL_ALL = "X"
    CANCEL_STREAM = "C"


@dataclass(frozen=True)
class Header:
    type: PayloadType
    length: int
    id: str
    end: bool


def parse_header(raw: bytes) -> Header:
    """The header in `raw` (exactly 48 bytes); ProtocolError if it is not one."""
    match = _HEADER.fullmatch(raw)
    if match is None:
        raise ProtocolError("malformed packet header")
    kind, length, identifier, end = match.groups()
    return Header(PayloadType(kind.decode()), int(length), identifier.decode().lower(), end == b"1")


def packets(kind: PayloadType, identifier: str, payload: bytes) -> Iterator[bytes]:
    """`payload` as packets of at most `MAX_CHUNK` bytes, the last one marked as the end."""
    prefix = f"{kind.value}.".encode()
    suffix = f".{identifier}.".encode()
    total = len(payload)
    for start in range(0, total, MAX_CHUNK):
        chunk = payload[start : start + MAX_CHUNK]
        end = b"1\n" if start + MAX_CHUNK >= total else b"0\n"
        yield prefix + b"%06d" % len(chunk) + suffix + end + chunk


def message(kind: PayloadType, identifier: str, meta: dict[str, Any], body: bytes | None) -> bytes:
    """A request or response (`meta` is its JSON) and its body as one stream, all packets together."""
    if not body:
        return b"".join(packets(kind, identifier, json.dumps(meta).encode()))
    stream_id = str(uuid.uuid4())
    meta = {**meta, "streams": [{"id": stream_id, "type": JSON_CONTENT, "length": len(body)}]}
    return b"".join([*packets(kind, identifier, json.dumps(meta).encode()), *packets(PayloadType.STREAM, stream_id, body)])
