"""Several bot processes sharing state in Azurite, and the channel's service URL they reply to."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from tests.azurite import azurite_connection_string  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0


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
            except asyncio.TimeoutError:
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Instance:
    """One `python app.py` process."""

    name: str
    url: str
    process: subprocess.Popen


async def _wait_until_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"app.py did not listen on {port} within {START_TIMEOUT_S} s")


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
    started: list[Instance] = []

    async def start(*per_instance: dict[str, str]) -> list[Instance]:
        instances = []
        for number, settings in enumerate(per_instance):
            port = _free_port()
            env = {**os.environ, **shared, **settings, "PORT": str(port)}
            log = open(tmp_path / f"instance-{number}.log", "wb")
            process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=log)
            instance = Instance(f"instance-{number}", f"http://127.0.0.1:{port}/api/messages", process)
            started.append(instance)
            instances.append(instance)
        for instance in instances:
            await _wait_until_listening(int(instance.url.split(":")[2].split("/")[0]), instance.process)
        return instances

    yield start
    for instance in started:
        instance.process.send_signal(signal.SIGINT)
    for instance in started:
        try:
            instance.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
