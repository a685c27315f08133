"""Pytest fixtures that run the real bot and drive it through the simulator.

    from tests.simulator.fixtures import bot, channel, running_bot  # noqa: F401

`bot` starts `python app.py` once per test session on a free port with short
timeouts; `channel` is a `ChannelSimulator` against it, once per transport
(HTTP and WebSocket streaming), so every test that uses it runs over both.
`running_bot(**settings)` starts a separately configured bot for tests that
need other settings.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from simulator import ChannelOptions, ChannelSimulator, Transport

ROOT = Path(__file__).resolve().parents[2]

# Short waits so the whole call flow runs in seconds, long enough for a busy
# two-core machine not to time out by accident.
FAST_SETTINGS = {
    "NO_INPUT_TIMEOUT_S": "1.5",
    "TRANSFER_DELAY_S": "0.2",
    "RECORDING_RESULT_TIMEOUT_S": "2",
    "MAX_RETRIES": "3",
    "LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class RunningBot:
    """A bot process the tests talk to."""

    url: str
    settings: dict[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_bot(**settings: str) -> Iterator[RunningBot]:
    """Run `python app.py` with `settings` over FAST_SETTINGS until the block ends."""
    port = free_port()
    merged = {**FAST_SETTINGS, **settings}
    env = {**os.environ, **merged, "PORT": str(port), "MicrosoftAppId": "", "MicrosoftAppPassword": ""}
    log = (ROOT / ".pytest_cache").joinpath(f"bot-{port}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_healthy(port, process, log)
            yield RunningBot(f"http://127.0.0.1:{port}/api/messages", merged)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(port: int, process: subprocess.Popen[bytes], log: Path, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"app.py did not answer on port {port} within {limit_s:g}s")


@pytest.fixture(scope="session")
def bot() -> Iterator[RunningBot]:
    """The real bot, once for the session."""
    with running_bot() as running:
        yield running


@pytest.fixture(params=[Transport.HTTP, Transport.WEBSOCKET], ids=["http", "websocket"])
async def channel(request: pytest.FixtureRequest, bot: RunningBot) -> AsyncIterator[ChannelSimulator]:
    """A simulated Telephony channel against `bot`, over each transport in turn."""
    async with ChannelSimulator(bot.url, transport=request.param, options=ChannelOptions(timeout_s=15)) as simulator:
        yield simulator
