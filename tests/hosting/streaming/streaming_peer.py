"""A streaming peer written from the protocol, for the faults Microsoft's client never makes.

It speaks WebSocket over a plain TCP connection, so a test can send half a
frame and drop the connection, send frames that are not the protocol, or
announce a stream and never send it. It answers every request the bot makes
with 200 and a `ResourceResponse`, as the channel would, and every ping with a
pong, until it stops reading.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import uuid
from typing import Any
from urllib.parse import urlsplit

from hosting.streaming.assembly import Assembler, IncomingRequest, IncomingResponse
from hosting.streaming.frames import PayloadType, message

BINARY, CLOSE, PING, PONG = 0x2, 0x8, 0x9, 0xA


def ws_frame(payload: bytes, opcode: int = BINARY) -> bytes:
    """A masked client frame, as RFC 6455 requires from a client."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if length < 1 << 16 else _mask_large(payload, mask)
    return head + mask + masked


def _mask_large(payload: bytes, mask: bytes) -> bytes:
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


class RawPeer:
    """One raw WebSocket to the bot. `requests` lists what the bot sent over it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer
        self._assembler = Assembler()
        self._answers: dict[str, asyncio.Future[IncomingResponse]] = {}
        self.requests: list[IncomingRequest] = []
        self.answering = True  # False: requests are read and left unanswered
        self.closed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, receive_buffer: int | None = None) -> "RawPeer":
        """Open the socket; `receive_buffer` shrinks the kernel's buffer for what the bot sends."""
        parts = urlsplit(url)
        raw = socket.socket()
        if receive_buffer is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, (parts.hostname, parts.port))
        reader, writer = await asyncio.open_connection(sock=raw)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        status = await reader.readline()
        if b" 101 " not in status:
            raise ConnectionError(f"no upgrade: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        return cls(reader, writer)

    def write(self, raw: bytes) -> None:
        """Raw bytes on the TCP connection (whole frames or not)."""
        self._writer.write(raw)

    def send(self, data: bytes) -> None:
        self.write(ws_frame(data))

    async def drain(self) -> None:
        """Wait until the bytes written so far are on their way (or the connection is gone)."""
        try:
            await self._writer.drain()
        except ConnectionError:
            pass

    async def post(self, activity: dict[str, Any]) -> int:
        """Post an activity as the channel does; returns the bot's status."""
        identifier = str(uuid.uuid4())
        answer = asyncio.get_running_loop().create_future()
        self._answers[identifier] = answer
        body = json.dumps(activity).encode()
        self.send(message(PayloadType.REQUEST, identifier, {"verb": "POST", "path": "/api/messages"}, body))
        return (await asyncio.wait_for(answer, 10)).status

    async def ask(self, data: bytes, identifier: str) -> IncomingResponse:
        """Send raw protocol bytes holding a request with `identifier`; wait for its answer."""
        answer = self.expect(identifier)
        self.send(data)
        return await asyncio.wait_for(answer, 10)

    def expect(self, identifier: str) -> "asyncio.Future[IncomingResponse]":
        """The answer to the request with `identifier`, once it comes."""
        answer: asyncio.Future[IncomingResponse] = asyncio.get_running_loop().create_future()
        self._answers[identifier] = answer
        return answer

    def stop_reading(self) -> None:
        """Read nothing more, answer nothing more, keep the connection open: a peer that hangs."""
        self._task.cancel()
        self._writer.transport.pause_reading()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        self._writer.transport.abort()

    async def close(self) -> None:
        if not self._writer.is_closing():
            self.write(ws_frame(struct.pack("!H", 1000), CLOSE))
            try:
                await asyncio.wait_for(self.closed.wait(), 5)
            finally:
                self._writer.close()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _read(self) -> None:
        try:
            while True:
                head = await self._reader.readexactly(2)
                opcode, length = head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self._reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
                payload = await self._reader.readexactly(length)
                if opcode == CLOSE:
                    if not self._writer.is_closing():
                        self.write(ws_frame(payload[:2], CLOSE))  # answer the close, as RFC 6455 asks
                    break
                if opcode == PING:
                    self.write(ws_frame(payload, PONG))
                elif opcode == BINARY:
                    self._receive(payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed.set()

    def _receive(self, payload: bytes) -> None:
        for item in self._assembler.feed(payload):
            if isinstance(item, IncomingResponse):
                answer = self._answers.pop(item.id, None)
                if answer is not None and not answer.done():
                    answer.set_result(item)
                continue
            self.requests.append(item)
            if not self.answering:
                continue
            reply = json.dumps({"id": f"reply-{len(self.requests)}"}).encode()
            self.send(message(PayloadType.RESPONSE, item.id, {"statusCode": 200}, reply))
