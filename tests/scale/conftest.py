"""Several bot processes sharing state in Azurite, and the channel's service URL they reply to."""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from devtools.processes import ChildProcess, serve_app
from telephony import TELEPHONY_CHANNEL
from tests.azurite import azurite_connection_string  # noqa: F401  (fixture)


CALLER = "+14255550123"


def call_activity(conversation_id: str, activity_id: str, service_url: str, activity_type: str, **fields: Any) -> dict[str, Any]:
    """An activity of a Telephony channel call from `CALLER`, as the channel posts it to the bot."""
    return {
        "type": activity_type,
        "id": activity_id,
        "channelId": TELEPHONY_CHANNEL,
        "serviceUrl": service_url,
        "conversation": {"id": conversation_id},
        "from": {"id": CALLER, "name": CALLER},
        "recipient": {"id": "bot", "name": "+14255550199"},
        **fields,
    }


@dataclass
class ServiceUrl:
    """The channel's service URL: every activity the bots sent, in arrival order."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def since(self, index: int) -> list[dict[str, Any]]:
        return self.received[index:]

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], since: int, timeout_s: float) -> dict[str, Any]:
        """The first activity from `since` on that matches, waiting up to `timeout_s` for it."""
        deadline = time.monotonic() + timeout_s
        while True:
            for activity in self.received[since:]:
                if predicate(activity):
                    return activity
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"nothing matching arrived within {timeout_s} s")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                pass


@pytest.fixture
async def service_url() -> AsyncIterator[ServiceUrl]:
    service = ServiceUrl()

    async def receive(request: web.Request) -> web.Response:
        service.received.append(await request.json())
        service.arrived.set()
        return web.json_response({"id": f"reply-{len(service.received)}"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", receive)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    service.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    yield service
    await runner.cleanup()


@dataclass
class Instance:
    """One `python app.py` process."""

    name: str
    url: str
    process: ChildProcess


@pytest.fixture
async def start_instances(azurite_connection_string, tmp_path) -> AsyncIterator[Callable[..., Awaitable[list[Instance]]]]:
    """Start bot processes that share one state container (and one card-data key)."""
    shared = {
        "STORAGE": "blob",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string,
        "STATE_BLOB_CONTAINER": f"calls-{uuid.uuid4().hex[:12]}",
        "CARD_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
        "TRANSFER_DELAY_S": "0",
        "RECORDING_RESULT_TIMEOUT_S": "30",
        "NO_INPUT_TIMEOUT_S": "600",
        "LOG_LEVEL": "WARNING",
    }
    started = 0

    async def start(*per_instance: dict[str, str]) -> list[Instance]:
        """Start one instance per settings dict, side by side, and wait until all listen."""
        nonlocal started
        first, started = started, started + len(per_instance)
        names = [f"instance-{number}" for number in range(first, started)]
        async with asyncio.TaskGroup() as group:
            servers = [
                group.create_task(
                    processes.enter_async_context(serve_app({**shared, **settings}, log=tmp_path / f"{name}.log"))
                )
                for name, settings in zip(names, per_instance)
            ]
        return [Instance(name, server.result().messages_url, server.result().process) for name, server in zip(names, servers)]

    async with AsyncExitStack() as processes:
        yield start


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
