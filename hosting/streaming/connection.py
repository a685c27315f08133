"""One streaming socket: reads requests and responses, answers requests, sends the bot's own.

Every way a socket can end is an expected event here, never a traceback: the
peer's close handshake (or ours, or the app shutting down) is a normal close;
a connection lost without a handshake, a malformed packet or an oversized
frame is a dropped one, which its owner reports in one warning line. Either
way the turns still running on the socket are cancelled, since nothing they
send could arrive, and requests waiting for an answer fail with
`ConnectionClosed`. A fault in the bot's own reading ends the socket the same
way (with the traceback, once), never the HTTP handler that carries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any, Awaitable, Callable, Coroutine, NoReturn, TypeVar

from aiohttp import WSCloseCode, WSMsgType
from aiohttp.web import WebSocketResponse

from .assembly import Assembler, IncomingRequest, IncomingResponse
from .frames import BODY_LIMIT, HEADER_LENGTH, MAX_CHUNK, PayloadType, ProtocolError, message

if sys.version_info >= (3, 11):
    from asyncio import timeout as _deadline
else:  # aiohttp depends on async-timeout before Python 3.11
    from async_timeout import timeout as _deadline

log = logging.getLogger(__name__)

T = TypeVar("T")

# A frame may hold a whole message: its body plus a header per chunk and the request's own JSON.
FRAME_LIMIT = BODY_LIMIT + (BODY_LIMIT // MAX_CHUNK + 16) * HEADER_LENGTH + 64 * 1024
# The channel answers a request in well under a second; the HTTP transport waits 10 s too.
# A peer that does not answer within it is taken for dead: the socket is dropped.
ANSWER_TIMEOUT_S = 10.0
# How long a send may wait for a peer that has stopped reading before the socket is dropped.
SEND_TIMEOUT_S = 10.0
# aiohttp reports a close frame without a status code (what Microsoft's Node client sends) as 0.
_NORMAL_CLOSE_CODES = frozenset({0, WSCloseCode.OK, WSCloseCode.GOING_AWAY, 1005})


class ConnectionClosed(ConnectionError):
    """The socket closed (or the peer did not answer) before a request was answered."""


class CloseKind(Enum):
    NORMAL = "normal"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Closure:
    """How a socket ended, in words fit for a log line."""

    kind: CloseKind
    reason: str


@dataclass(frozen=True)
class OutgoingResponse:
    status: int
    body: bytes | None = None

    @classmethod
    def json(cls, status: int, value: Any) -> "OutgoingResponse":
        return cls(status, json.dumps(value).encode())


RequestHandler = Callable[[IncomingRequest], Awaitable[OutgoingResponse]]


class StreamingConnection:
    """Serves one upgraded `WebSocketResponse` until it closes.

    `transport` is the connection under it: a peer taken for dead (it did not
    answer a request, or read nothing for `SEND_TIMEOUT_S`) is cut off there,
    since a close handshake would wait on that same peer.
    """

    def __init__(
        self, socket: WebSocketResponse, handle_request: RequestHandler, transport: asyncio.BaseTransport | None = None
    ):
        self._socket = socket
        self._handle_request = handle_request
        self._transport = transport
        self._given_up: str | None = None  # why the bot cut the peer off, if it did
        self._assembler = Assembler()
        self._answers: dict[str, asyncio.Future[IncomingResponse]] = {}
        self._turns: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._closing = False
        self._stopped = asyncio.Event()  # set once the socket's turns are cancelled and done

    async def serve(self) -> Closure:
        """Read until the socket ends; by then no turn of this socket is running."""
        try:
            closure, code = await self._read()
        except asyncio.CancelledError:
            await self._stop()
            if self._closing:  # the app is shutting down
                raise
            # aiohttp cancels the handler when the connection is lost, if `handler_cancellation` is on.
            return Closure(CloseKind.DROPPED, "the connection was lost")
        except Exception:  # a fault in this code ends its socket, never the HTTP handler that carries it
            log.exception("Reading a streaming socket failed")
            closure, code = Closure(CloseKind.DROPPED, "the bot failed reading it"), WSCloseCode.INTERNAL_ERROR
        await self._stop()
        if self._given_up is not None:
            return Closure(CloseKind.DROPPED, self._given_up)
        if code is not None:
            await self._socket.close(code=code)
        if closure.kind is CloseKind.DROPPED:
            self._cut_off()  # e.g. a heartbeat unanswered: what is still unsent would never be read
        return closure

    async def run(self, turn: Coroutine[Any, Any, T]) -> T | None:
        """Run a turn that belongs to this socket; None if the socket closed under it."""
        if self._closed:
            turn.close()
            return None
        task = asyncio.ensure_future(turn)
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        try:
            return await task
        except asyncio.CancelledError:
            if self._closed and task.cancelled():
                return None
            raise

    async def request(self, verb: str, path: str, body: bytes | None) -> IncomingResponse:
        """Send a request to the peer and wait for its answer."""
        if self._closed:
            raise ConnectionClosed("the socket is closed")
        identifier = str(uuid.uuid4())
        answer: asyncio.Future[IncomingResponse] = asyncio.get_running_loop().create_future()
        self._answers[identifier] = answer
        try:
            await self._send(message(PayloadType.REQUEST, identifier, {"verb": verb, "path": path}, body))
            return await asyncio.wait_for(answer, ANSWER_TIMEOUT_S)
        except asyncio.TimeoutError:
            self._give_up(f"the peer did not answer a {verb} within {ANSWER_TIMEOUT_S:g} s")
            await self._gone(f"no answer to {verb} within {ANSWER_TIMEOUT_S:g} s")
        finally:
            self._answers.pop(identifier, None)

    async def close(self) -> None:
        """Close the socket (the app is shutting down); `serve` then returns."""
        self._closing = True
        await self._socket.close(code=WSCloseCode.GOING_AWAY)

    async def _read(self) -> tuple[Closure, WSCloseCode | None]:
        """Read until the socket ends: how it ended, and the close code to send if the bot ends it."""
        socket = self._socket
        while True:
            message = await socket.receive()
            if message.type is WSMsgType.BINARY:
                data = message.data
            elif message.type is WSMsgType.TEXT:
                data = message.data.encode()
            elif message.type is WSMsgType.CLOSE:
                code = message.data
                kind = CloseKind.NORMAL if code in _NORMAL_CLOSE_CODES else CloseKind.DROPPED
                return Closure(kind, f"the peer closed the socket (code {code})"), None
            elif message.type is WSMsgType.CLOSING:
                return Closure(CloseKind.NORMAL, "the bot closed the socket"), None
            elif message.type is WSMsgType.CLOSED:
                return Closure(CloseKind.DROPPED, "the connection was lost without a close handshake"), None
            elif message.type is WSMsgType.ERROR:
                return Closure(CloseKind.DROPPED, f"the socket failed: {message.data}"), None
            else:
                continue
            if len(data) > FRAME_LIMIT:
                reason = f"a frame of {len(data)} bytes is over the limit of {FRAME_LIMIT}"
                return Closure(CloseKind.DROPPED, reason), WSCloseCode.MESSAGE_TOO_BIG
            try:
                completed = self._assembler.feed(data)
            except ProtocolError as error:
                return Closure(CloseKind.DROPPED, f"the peer broke the protocol: {error}"), WSCloseCode.PROTOCOL_ERROR
            for item in completed:
                if isinstance(item, IncomingResponse):
                    answer = self._answers.get(item.id)
                    if answer is not None and not answer.done():
                        answer.set_result(item)
                else:
                    task = asyncio.ensure_future(self._answer(item))
                    self._turns.add(task)
                    task.add_done_callback(self._turns.discard)

    async def _answer(self, request: IncomingRequest) -> None:
        try:
            response = await self._handle_request(request)
        except Exception:
            log.exception("A streaming request to %s failed", request.path)
            response = OutgoingResponse(500)
        try:
            await self._send(message(PayloadType.RESPONSE, request.id, {"statusCode": response.status}, response.body))
        except ConnectionClosed:
            pass  # the peer left before the answer: nobody to tell

    async def _send(self, frame: bytes) -> None:
        if self._closed or self._socket.closed:
            await self._gone("the socket is closed")
        try:
            async with _deadline(SEND_TIMEOUT_S):  # a send waits only while the peer is not reading
                await self._socket.send_bytes(frame)
        except asyncio.TimeoutError:
            self._give_up(f"the peer read nothing for {SEND_TIMEOUT_S:g} s")
            await self._gone("the peer stopped reading")
        except (ConnectionError, RuntimeError):
            await self._gone("the socket closed while sending")

    async def _gone(self, reason: str) -> NoReturn:
        """The socket ended, or is ending, under a send.

        A turn of this socket waits here for `serve` to cancel it, as it cancels
        every turn of a socket that ends: the bot never sees a send fail on a
        socket that is gone (it would log a line for each call, where the
        socket's end is one line for all of them). Anything else, or a turn
        still here after `ANSWER_TIMEOUT_S`, gets `ConnectionClosed`.
        """
        if not self._closed and asyncio.current_task() in self._turns:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), ANSWER_TIMEOUT_S)
        raise ConnectionClosed(reason)

    def _give_up(self, reason: str) -> None:
        """The peer is taken for dead: cut it off; `serve` then ends the socket with `reason`."""
        if self._given_up is None and not self._closed:
            self._given_up = reason
            self._cut_off()

    def _cut_off(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def _stop(self) -> None:
        self._closed = True
        turns = list(self._turns)
        for task in turns:
            task.cancel()
        await asyncio.gather(*turns, return_exceptions=True)
        for answer in self._answers.values():  # requests made outside this socket's turns
            if not answer.done():
                answer.set_exception(ConnectionClosed("the socket closed before the answer"))
        self._stopped.set()

