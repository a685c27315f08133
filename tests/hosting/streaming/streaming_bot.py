"""The real bot app in the test's own event loop, so tests can count its log records and tasks.

    async with streaming_bot(NO_INPUT_TIMEOUT_S=30) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel: ...

`bot.problems` holds every log record at WARNING or above emitted after the
app started (start-up warnings about local defaults are not counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from aiohttp import web

from app import ADAPTER, STORAGE, TIMERS, create_app
from config import DefaultConfig
from devtools.processes import free_port


class _Problems(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _Server:
    def __init__(self, app: web.Application):
        self.app = app
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def close(self) -> None:
        await self._runner.cleanup()


@dataclass
class StreamingBot:
    server: _Server
    url: str
    problems: list[logging.LogRecord] = field(default_factory=list)

    @property
    def open_calls(self) -> int:
        return self.server.app[ADAPTER].open_calls

    @property
    def pending_timers(self) -> int:
        return len(self.server.app[TIMERS])

    def remembers(self, conversation_id: str) -> bool:
        """Whether any state of the call is still stored."""
        return any(conversation_id in key for key in self.server.app[STORAGE].snapshot())

    def warnings(self) -> list[str]:
        return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in self.problems]

    async def stop(self) -> None:
        await self.server.close()


@contextlib.asynccontextmanager
async def streaming_bot(**settings: Any) -> AsyncIterator[StreamingBot]:
    port = free_port()
    config = dataclasses.replace(DefaultConfig(), **settings)
    # The runner `web.run_app` and gunicorn use (TestServer would cancel handlers on a lost connection).
    server = _Server(create_app(config))
    await server.start(port)
    problems = _Problems()
    logging.getLogger().addHandler(problems)
    bot = StreamingBot(server, f"http://127.0.0.1:{port}/api/messages", problems.records)
    try:
        yield bot
    finally:
        logging.getLogger().removeHandler(problems)
        await server.close()


def _channel_side(task: asyncio.Task[Any]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and any(part in code.co_filename for part in (f"{os.sep}simulator{os.sep}", f"{os.sep}tests{os.sep}"))


async def tasks_settle(baseline: set[asyncio.Task[Any]], timeout: float = 5.0) -> list[str]:
    """Wait for every bot task started since `baseline` to finish; returns those still running.

    The channel's own tasks (the simulator, the raw peer) run in the same loop and are not counted.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        extra = [t for t in asyncio.all_tasks() if t not in baseline and not t.done() and not _channel_side(t)]
        if not extra or loop.time() > deadline:
            return [repr(t.get_coro()) for t in extra]
        await asyncio.sleep(0.05)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether `condition` holds within `timeout` seconds (a turn may still be finishing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True
