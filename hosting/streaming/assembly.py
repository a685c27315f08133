"""Turns the bytes a socket receives into whole requests and responses.

The SDK's receiver allocated a list slot per announced byte before any byte
arrived, so a peer announcing large streams and sending little made the bot
hold megabytes per socket. Here memory follows what has arrived: payloads grow
as their packets come in, a request announcing a body beyond the HTTP body
limit is handed on at once marked `too_large` (answered 413) and its bytes are
dropped as they come, and a socket may hold at most `PENDING_LIMIT` bytes of
unfinished work: payloads, the headers of requests waiting for their bodies,
and `ENTRY_COST` for each id it keeps, so that ids alone (a flood of empty
packets, each naming a new stream) cannot fill memory either. An empty packet
that does not end its payload carries nothing and is never sent by
Microsoft's clients: it breaks the protocol.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from .frames import BODY_LIMIT, HEADER_LENGTH, Header, PayloadType, ProtocolError, parse_header

PENDING_LIMIT = 4 * BODY_LIMIT
# What keeping one unfinished request, response or stream costs beyond its bytes (its
# objects and map entries take about 400 bytes in CPython), counted against the limit.
ENTRY_COST = 512


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
    """A request or response waiting for its streams: what its header said, not the header itself."""

    id: str
    kind: PayloadType
    verb: str
    path: str
    status: int
    cost: int  # counted against the limit while it waits: its header's bytes and its entry
    stream_ids: list[str] = field(default_factory=list)
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
            if not payload and not header.end:
                raise ProtocolError("an empty packet that does not end its payload")
            self._accept(header, payload, completed)
            if self._held > self._pending_limit:  # checked per packet: a frame holds thousands
                raise ProtocolError("too many unfinished payloads on one socket")
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
        control = self._controls.get(header.id)
        if control is None:
            control = self._controls[header.id] = bytearray()
            self._held += ENTRY_COST
        control += payload
        self._held += len(payload)
        if len(control) > self._body_limit:
            raise ProtocolError("a request or response header payload is larger than the body limit")
        if not header.end:
            return
        del self._controls[header.id]
        self._held -= len(control) + ENTRY_COST
        meta = _json_object(bytes(control))
        message = _message(header, meta, cost=len(control) + ENTRY_COST)
        descriptions = _stream_descriptions(meta)
        message.too_large = any((d["length"] or 0) > self._body_limit for d in descriptions)
        for description in descriptions:
            stream = self._stream(description["id"])
            stream.announced = description["length"]
            if message.too_large:  # answered at once; what arrives of its streams is dropped
                self._discard(stream)
                if stream.ended:
                    self._forget_stream(description["id"])
                continue
            stream.owner = header.id
            stream.ended = stream.ended or stream.announced == 0
            message.stream_ids.append(description["id"])
        self._waiting[header.id] = message
        self._held += message.cost
        self._complete_if_ready(message, completed)

    def _accept_stream(self, header: Header, payload: bytes, completed: list[Incoming]) -> None:
        stream = self._stream(header.id)
        stream.ended = stream.ended or header.end
        if stream.discarded:
            if stream.ended:
                self._forget_stream(header.id)
            return
        stream.data += payload
        self._held += len(payload)
        if len(stream.data) > self._body_limit or (stream.announced and len(stream.data) > stream.announced):
            raise ProtocolError("a stream is longer than announced or than the body limit")
        if stream.owner is not None:
            self._complete_if_ready(self._waiting[stream.owner], completed)

    def _stream(self, identifier: str) -> _Stream:
        stream = self._streams.get(identifier)
        if stream is None:
            stream = self._streams[identifier] = _Stream()
            self._held += ENTRY_COST
        return stream

    def _forget_stream(self, identifier: str) -> None:
        stream = self._streams.pop(identifier)
        self._held -= len(stream.data) + ENTRY_COST

    def _discard(self, stream: _Stream) -> None:
        self._held -= len(stream.data)
        stream.data = bytearray()
        stream.discarded = True

    def _complete_if_ready(self, message: _Message, completed: list[Incoming]) -> None:
        streams = [self._streams[identifier] for identifier in message.stream_ids]
        if not all(stream.complete for stream in streams):
            return
        del self._waiting[message.id]
        self._held -= message.cost
        body = bytes(streams[0].data) if streams else None
        for identifier in message.stream_ids:
            self._forget_stream(identifier)
        if message.kind is PayloadType.REQUEST:
            completed.append(IncomingRequest(message.id, message.verb, message.path, body, message.too_large))
        else:
            completed.append(IncomingResponse(message.id, message.status, body))


def _message(header: Header, meta: dict[str, Any], cost: int) -> _Message:
    """What a request's or response's header says, checked; the caller reads its streams."""
    if header.type is PayloadType.REQUEST:
        verb, path = meta.get("verb"), meta.get("path")
        if not isinstance(verb, str) or not isinstance(path, str):
            raise ProtocolError("a request needs a string verb and path")
        return _Message(header.id, header.type, verb, path, 0, cost)
    status = meta.get("statusCode")
    if not isinstance(status, int):
        raise ProtocolError("a response needs an integer statusCode")
    return _Message(header.id, header.type, "", "", status, cost)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("a request or response payload is not JSON") from None
    except RecursionError:
        raise ProtocolError("a request or response payload nests too deep") from None
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
