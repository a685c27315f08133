"""The Bot Framework streaming transport, through Microsoft's own client.

A Node process (`ws_client.js`) runs botframework-streaming's `WebSocketClient`
for every call; this module talks to it over pipes. Requests the bot makes over
a socket are answered by the same `BotConnector` that serves the HTTP
`serviceUrl`, so both transports enforce the same rules.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from pathlib import Path
from typing import Any, Awaitable, Callable

from .activities import Activity
from .lines import LineError

SCRIPT = Path(__file__).with_name("ws_client.js")

# (method, path, body, line id) -> (status, JSON body): what the Bot Connector answers.
RequestHandler = Callable[[str, str, bytes, str], Awaitable[tuple[int, dict[str, Any]]]]


class StreamingBridge:
    """Owns the Node process and routes its messages to lines and the connector."""

    def __init__(self, handle_request: RequestHandler, node: str | None = None) -> None:
        self._handle_request = handle_request
        self._node = node or shutil.which("node")
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._write_lock = asyncio.Lock()

    async def start(self) -> None:
        if not self._node:
            raise LineError("the WebSocket transport needs Node.js (`node`) on the PATH")
        self._process = await asyncio.create_subprocess_exec(
            self._node,
            str(SCRIPT),
            cwd=str(SCRIPT.parent),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=16 * 1024 * 1024,
        )
        self._reader = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 5)
        except asyncio.TimeoutError:
            self._process.kill()
            await self._process.wait()
        if self._reader:
            await self._reader
        for task in list(self._tasks):
            task.cancel()
        self._process = None

    async def open_line(self, bot_ws_url: str) -> "StreamingLine":
        line_id = f"L{next(self._ids)}"
        answer = await self._ask(line_id, {"op": "connect", "line": line_id, "url": bot_ws_url})
        if answer.get("error"):
            raise LineError(f"cannot open a WebSocket to {bot_ws_url}: {answer['error']}")
        return StreamingLine(self, line_id)

    async def send(self, line_id: str, activity: Activity) -> int:
        request_id = f"s{next(self._ids)}"
        answer = await self._ask(request_id, {"op": "send", "line": line_id, "id": request_id, "activity": activity})
        if answer.get("error"):
            raise LineError(f"streaming request failed: {answer['error']}")
        return int(answer["status"])

    async def close_line(self, line_id: str) -> None:
        await self._write({"op": "close", "line": line_id})

    async def _ask(self, key: str, message: dict[str, Any]) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        await self._write(message)
        return await future

    async def _write(self, message: dict[str, Any]) -> None:
        if self._process is None or self._process.stdin is None:
            raise LineError("the streaming transport is not running")
        async with self._write_lock:
            self._process.stdin.write(json.dumps(message).encode() + b"\n")
            await self._process.stdin.drain()

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for raw in self._process.stdout:
            message = json.loads(raw)
            event = message.get("ev")
            if event == "connected":
                self._resolve(message["line"], message)
            elif event == "sent":
                self._resolve(message["id"], message)
            elif event == "request":
                task = asyncio.create_task(self._answer(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(LineError("the streaming transport stopped"))
        self._waiting.clear()

    def _resolve(self, key: str, message: dict[str, Any]) -> None:
        future = self._waiting.pop(key, None)
        if future and not future.done():
            future.set_result(message)

    async def _answer(self, message: dict[str, Any]) -> None:
        status, body = await self._handle_request(
            message["verb"], message["path"], message["body"].encode(), message["line"]
        )
        await self._write({"op": "reply", "id": message["id"], "status": status, "body": body})


class StreamingLine:
    """One call's WebSocket to the bot."""

    def __init__(self, bridge: StreamingBridge, line_id: str) -> None:
        self._bridge = bridge
        self.line_id = line_id

    async def send(self, activity: Activity) -> int:
        return await self._bridge.send(self.line_id, activity)

    async def close(self) -> None:
        await self._bridge.close_line(self.line_id)
