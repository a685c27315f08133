"""Pytest fixtures that run the real bot and drive it through the simulator.

    from tests.simulator.fixtures import bot, channel, running_bot  # noqa: F401

`bot` starts `python app.py` once per test session on a free port with short
timeouts; `channel` is a `ChannelSimulator` against it, once per transport
(HTTP, a WebSocket per call, and every call on one WebSocket), so every test that uses it
runs over each. With `BOT_SDK=agents` (which has no streaming protocol) that is HTTP only.
`running_bot(log, **settings)` starts a separately configured bot for tests that
need other settings.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from devtools.processes import serve_app
from simulator import ChannelOptions, ChannelSimulator, Transport
from telephony.sdk import SDK, SdkName

# Short waits so the whole call flow runs in seconds, long enough for a busy
# two-core machine not to time out by accident.
FAST_SETTINGS = {
    "NO_INPUT_TIMEOUT_S": "3",  # long enough that a busy machine does not look like a silent caller
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


@contextlib.asynccontextmanager
async def running_bot(log: Path, **settings: str) -> AsyncIterator[RunningBot]:
    """Run `python app.py` with `settings` over FAST_SETTINGS until the block ends; its output goes to `log`."""
    merged = {**FAST_SETTINGS, **settings}
    async with serve_app({**merged, "MicrosoftAppId": "", "MicrosoftAppPassword": ""}, log=log) as server:
        yield RunningBot(server.messages_url, merged)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningBot]:
    """The real bot, once for the session."""
    async with running_bot(tmp_path_factory.mktemp("bot") / "app.log") as running:
        yield running


#: The transports the bot serves on the SDK this run loaded.
TRANSPORTS = list(Transport) if SDK is SdkName.BOTBUILDER else [Transport.HTTP]


@pytest.fixture(params=TRANSPORTS, ids=[transport.value for transport in TRANSPORTS])
async def channel(request: pytest.FixtureRequest, bot: RunningBot) -> AsyncIterator[ChannelSimulator]:
    """A simulated Telephony channel against `bot`, over each transport in turn."""
    async with ChannelSimulator(bot.url, transport=request.param, options=ChannelOptions(timeout_s=15)) as simulator:
        yield simulator
