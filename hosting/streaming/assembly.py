"""Turns the bytes a socket receives into whole requests and responses.

The SDK's receiver allocated a list slot per announced byte before any byte
arrived, so a peer announcing large streams and sending little made the bot
hold megabytes per socket. Here memory follows what has arrived: payloads grow
as their packets come in, a request announcing a body beyond the HTTP body
limit is handed on at once marked `too_large` (answered 413) and its bytes are
dropped as they come, and a socket may hold at most `PENDING_LIMIT` bytes of
unfinished payloads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from .frames import BODY_LIMIT, HEADER_LENGTH, Header, PayloadType, ProtocolError, parse_header

PENDING_LIMIT = 4 * BODY_LIMIT


@dataclass(frozen=True)
class IncomingRequest:
    """A request the peer made: `body` is its first stream, if any."""

    id: str
    verb: str
    path: str
    body: bytes | None
    too_large: bool = False


@dataclass(frozen=True)
class IncomingResponse:
    """The peer's answer to one of our requests."""

    id: str
    status: int
    body: bytes | None


Incoming = Union[IncomingRequest, IncomingResponse]


@dataclass
class _Stream:
    data: bytearray = field(default_factory=bytearray)
    announced: int | None = None
    ended: bool = False
    discarded: bool = False
    owner: str | None = None

    @property
    def complete(self) -> bool:
        return self.ended or (bool(self.announced) and len(self.data) >= (self.announced or 0))


@dataclass
class _Message:
    id: str
    kind: PayloadType
    meta: dict[str, Any]
    stream_ids: list[str]
    too_large: bool = False


class Assembler:
    """Feed it each binary frame; it returns the messages those bytes completed."""

    def __init__(self, body_limit: int = BODY_LIMIT, pending_limit: int = PENDING_LIMIT):
        self._body_limit = body_limit
        self._pending_limit = pending_limit
        self._unread = bytearray()
        self._header: Header | None = None
        self._controls: dict[str, bytearray] = {}
        self._streams: dict[str, _Stream] = {}
        self._waiting: dict[str, _Message] = {}
        self._held = 0

    @property
    def held_bytes(self) -> int:
        """Bytes of unfinished payloads and unparsed input this socket holds."""
        return self._held + len(self._unread)

    def feed(self, data: bytes) -> list[Incoming]:
        completed: list[Incoming] = []
        unread = self._unread
        unread += data
        position = 0
        while True:
            if self._header is None:
                if len(unread) - position < HEADER_LENGTH:
                    break
                self._header = parse_header(bytes(unread[position : position + HEADER_LENGTH]))
                position += HEADER_LENGTH
            header = self._header
            if len(unread) - position < header.length:
                break
            payload = bytes(unread[position : position + header.length])
            position += header.length
            self._header = None
            self._accept(header, payload, completed)
        if position == len(unread):
            self._unread = bytearray()  # an idle socket keeps no buffer
        else:
            del unread[:position]
        if self.held_bytes > self._pending_limit:
            raise ProtocolError("too many unfinished payloads on one socket")
        return completed

    def _accept(self, header: Header, payload: bytes, completed: list[Incoming]) -> None:
        if header.type in (PayloadType.REQUEST, PayloadType.RESPONSE):
            self._accept_control(header, payload, completed)
        elif header.type is PayloadType.STREAM:
            self._accept_stream(header, payload, completed)
        # Cancellations carry nothing to keep: a cancelled stream simply never completes its request.

    def _accept_control(self, header: Header, payload: bytes, completed: list[Incoming]) -> None:
        control = self._controls.setdefault(header.id, bytearray())
        control += payload
        self._held += len(payload)
        if len(control) > self._body_limit:
            raise ProtocolError("a request or response header payload is larger than the body limit")
        if not header.end:
            return
        del self._controls[header.id]
        self._held -= len(control)
        meta = _json_object(bytes(control))
        message = _Message(header.id, header.type, meta, [])
        descriptions = _stream_descriptions(meta)
        message.too_large = any((d["length"] or 0) > self._body_limit for d in descriptions)
        for description in descriptions:
            stream = self._streams.setdefault(description["id"], _Stream())
            stream.announced = description["length"]
            if message.too_large:  # answered at once; what arrives of its streams is dropped
                self._discard(stream)
                if stream.ended:
                    del self._streams[description["id"]]
                continue
            stream.owner = header.id
            stream.ended = stream.ended or stream.announced == 0
            message.stream_ids.append(description["id"])
        self._waiting[header.id] = message
        self._complete_if_ready(message, completed)

    def _accept_stream(self, header: Header, payload: bytes, completed: list[Incoming]) -> None:
        stream = self._streams.setdefault(header.id, _Stream())
        stream.ended = stream.ended or header.end
        if stream.discarded:
            if stream.ended:
                del self._streams[header.id]
            return
        stream.data += payload
        self._held += len(payload)
        if len(stream.data) > self._body_limit or (stream.announced and len(stream.data) > stream.announced):
            raise ProtocolError("a stream is longer than announced or than the body limit")
        if stream.owner is not None:
            self._complete_if_ready(self._waiting[stream.owner], completed)

    def _discard(self, stream: _Stream) -> None:
        self._held -= len(stream.data)
        stream.data = bytearray()
        stream.discarded = True

    def _complete_if_ready(self, message: _Message, completed: list[Incoming]) -> None:
        streams = [self._streams[identifier] for identifier in message.stream_ids]
        if not all(stream.complete for stream in streams):
            return
        del self._waiting[message.id]
        for identifier, stream in zip(message.stream_ids, streams):
            del self._streams[identifier]
            self._held -= len(stream.data)
        body = bytes(streams[0].data) if streams else None
        if message.kind is PayloadType.REQUEST:
            verb, path = message.meta.get("verb"), message.meta.get("path")
            if not isinstance(verb, str) or not isinstance(path, str):
                raise ProtocolError("a request needs a string verb and path")
            completed.append(IncomingRequest(message.id, verb, path, body, message.too_large))
        else:
            status = message.meta.get("statusCode")
            if not isinstance(status, int):
                raise ProtocolError("a response needs an integer statusCode")
            completed.append(IncomingResponse(message.id, status, body))


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("a request or response payload is not JSON") from None
    if not isinstance(value, dict):
        raise ProtocolError("a request or response payload is not a JSON object")
    return value


def _stream_descriptions(meta: dict[str, Any]) -> list[dict[str, Any]]:
    streams = meta.get("streams") or []
    if not isinstance(streams, list):
        raise ProtocolError("'streams' is not a list")
    descriptions = []
    for stream in streams:
        identifier = stream.get("id") if isinstance(stream, dict) else None
        length = stream.get("length") if isinstance(stream, dict) else None
        if not isinstance(identifier, str) or len(identifier) != 36:
            raise ProtocolError("a stream description needs a GUID id")
        if length is not None and (not isinstance(length, int) or length < 0):
            raise ProtocolError("a stream length must be a non-negative integer")
        descriptions.append({"id": identifier.lower(), "length": length})
    return descriptions
