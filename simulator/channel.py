"""The simulated Telephony channel: places calls to a running bot.

    async with ChannelSimulator("http://127.0.0.1:3978/api/messages") as channel:
        call = await channel.place_call(caller="+14255550123")
        await call.wait_for_prompt("press 1")
        await call.press("2")

It serves the bot's `serviceUrl` on a local port for the whole session. Over
the WebSocket transport a call's activities must come back over its socket,
proactive turns included; one that arrives over HTTP is recorded as a
violation on the call. `Transport.WEBSOCKET` opens a socket per call,
`Transport.WEBSOCKET_MULTIPLEXED` carries every call on one socket.
"""

from __future__ import annotations

import asyncio
import uuid
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from .activities import CallAddress
from .call import Call, ChannelOptions
from .connector import BotConnector
from .faults import FaultPlan
from .lines import HttpLine, Line, SharedLine, Transport
from .streaming import StreamingBridge

DEFAULT_CALLER = "+14255550123"
DEFAULT_CALLED = "+18005550199"


def websocket_url(bot_url: str) -> str:
    """The bot's messaging endpoint as a ws:// (or wss://) URL."""
    parts = urlsplit(bot_url)
    return urlunsplit(parts._replace(scheme="wss" if parts.scheme == "https" else "ws"))


class ChannelSimulator:
    """A local stand-in for the Azure Bot Service Telephony channel."""

    def __init__(
        self,
        bot_url: str,
        *,
        transport: Transport = Transport.HTTP,
        options: ChannelOptions | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.bot_url = bot_url
        self.transport = Transport(transport)
        self.options = options or ChannelOptions()
        self.calls: list[Call] = []
        self._host = host
        self._connector = BotConnector()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._bridge: StreamingBridge | None = None
        self._shared: Line | None = None
        self.service_url = ""

    async def __aenter__(self) -> "ChannelSimulator":
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self._runner = web.AppRunner(self._connector.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.service_url = f"http://{self._host}:{port}/"
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60), connector=aiohttp.TCPConnector(limit=0)
        )
        if self.transport.streaming:
            self._bridge = StreamingBridge(self._connector.handle)
            await self._bridge.start()

    async def stop(self) -> None:
        # Let answers already due (results, the goodbye after a transfer) reach the bot.
        settling = [asyncio.wait_for(call.settle(), self.options.timeout_s) for call in self.calls]
        await asyncio.gather(*settling, return_exceptions=True)
        await asyncio.gather(*(call.close() for call in self.calls), return_exceptions=True)
        if self._shared is not None:
            await self._shared.close()
        if self._bridge:
            await self._bridge.stop()
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    def new_call(
        self, caller: str = DEFAULT_CALLER, called: str = DEFAULT_CALLED, *, faults: FaultPlan | None = None
    ) -> Call:
        """A call that has not rung yet: set `call.faults` then `await channel.connect(call)`."""
        address = CallAddress(
            conversation_id=f"sim-{uuid.uuid4()}", caller=caller, called=called, service_url=self.service_url
        )
        call = Call(address, self.options, faults)
        self._connector.register(call)
        self.calls.append(call)
        return call

    async def connect(self, call: Call) -> Call:
        """Open the call's line to the bot and ring it."""
        await call.dial(await self._open_line())
        return call

    async def reconnect(self, call: Call) -> Line | None:
        """The channel moves `call` to a new socket; returns the old one, still open, for the test to close."""
        return call.move_to(await self._open_line())

    async def place_call(
        self, caller: str = DEFAULT_CALLER, called: str = DEFAULT_CALLED, *, faults: FaultPlan | None = None
    ) -> Call:
        """Ring the bot from `caller` to `called`; returns once the bot's first turn is over."""
        return await self.connect(self.new_call(caller, called, faults=faults))

    async def _open_line(self) -> Line:
        if self._bridge is not None and self.transport is Transport.WEBSOCKET_MULTIPLEXED:
            if self._shared is None:
                self._shared = await self._bridge.open_line(websocket_url(self.bot_url))
            return SharedLine(self._shared)
        if self._bridge is not None:
            return await self._bridge.open_line(websocket_url(self.bot_url))
        assert self._session is not None, "use `async with ChannelSimulator(...)`"
        return HttpLine(self._session, self.bot_url)
