"""Fixtures for the simulator's own tests and the end-to-end suite."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from simulator import ChannelOptions, ChannelSimulator, Transport

from .fixtures import bot, channel  # noqa: F401 - fixtures used by the end-to-end tests
from .scripted_bot import ScriptedBot, ScriptedBotServer


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedBot]:
    yield ScriptedBot()


@pytest.fixture(params=[Transport.HTTP, Transport.WEBSOCKET], ids=["http", "websocket"])
async def scripted_channel(request: pytest.FixtureRequest, scripted: ScriptedBot) -> AsyncIterator[ChannelSimulator]:
    """A simulator against a scripted bot, over each transport."""
    server = ScriptedBotServer(scripted)
    await server.start()
    try:
        async with ChannelSimulator(server.url, transport=request.param, options=ChannelOptions(timeout_s=10)) as channel:
            yield channel
    finally:
        await server.stop()
