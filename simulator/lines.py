"""How activities reach the bot: one `Line` per call, over HTTP or streaming."""

from __future__ import annotations

import argparse
import os
from enum import Enum
from pathlib import Path
from typing import Protocol

import aiohttp

from .activities import Activity


class Transport(str, Enum):
    """How the channel reaches the bot."""

    HTTP = "http"
    WEBSOCKET = "websocket"  # one socket per call
    WEBSOCKET_MULTIPLEXED = "websocket-multiplexed"  # every call of the channel on one socket

    @property
    def streaming(self) -> bool:
        return self is not Transport.HTTP


def add_line_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every phone of the simulator takes: which bot, over which transport, where to write."""
    default_url = f"http://127.0.0.1:{os.environ.get('PORT', '3978')}/api/messages"
    parser.add_argument("--bot", default=default_url, help=f"the bot's messaging endpoint (default {default_url})")
    parser.add_argument("--transport", choices=[t.value for t in Transport], default=Transport.HTTP.value)
    parser.add_argument("--out", type=Path, default=Path("data/simulator"), help="where to write the timeline and metadata")


class LineError(ConnectionError):
    """The bot could not be reached at all."""


class Line(Protocol):
    """One call's connection to the bot."""

    async def send(self, activity: Activity) -> int:
        """Deliver an activity; returns the bot's status code once its turn is over."""

    async def close(self) -> None:
        """Hang the connection up."""


class HttpLine:
    """POSTs each activity to the bot's messaging endpoint, as the HTTP channels do."""

    def __init__(self, session: aiohttp.ClientSession, bot_url: str) -> None:
        self._session = session
        self._bot_url = bot_url

    async def send(self, activity: Activity) -> int:
        try:
            async with self._session.post(self._bot_url, json=activity) as response:
                await response.read()
                return response.status
        except aiohttp.ClientError as error:
            raise LineError(f"cannot reach the bot at {self._bot_url}: {error}") from error

    async def close(self) -> None:
        """Nothing to hang up: each activity is its own request."""


class SharedLine:
    """A call's view of a socket other calls use too: hanging up leaves the socket open."""

    def __init__(self, line: Line) -> None:
        self._line = line
        self.line_id = getattr(line, "line_id", None)

    async def send(self, activity: Activity) -> int:
        return await self._line.send(activity)

    async def close(self) -> None:
        """The socket stays: the channel closes it when it stops."""
