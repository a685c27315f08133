"""A bot whose turns each test writes, served by botbuilder's real CloudAdapter.

The simulator's own tests need a bot that does exactly the wrong thing on
demand (pause twice, transfer to a bad number), which the sample bot never
does. It runs the SDK's real HTTP and streaming code paths, so the simulator
is checked against the same wire it meets in the end-to-end suite.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from config import DefaultConfig
from .streaming_fix import fix_streaming_response_ids  # noqa: F401  (used by the tests)
from hosting.auth.guarded import GuardedAuthentication
from telephony import COMMAND_ACTIVITY, RecordingCommand

Turn = Callable[[TurnContext], Awaitable[None]]


class ScriptedBot(Bot):
    """Records every activity it receives and runs `script` on each turn."""

    def __init__(self) -> None:
        self.received: list[Activity] = []
        self.script: Turn | None = None
        self._arrived = asyncio.Event()

    async def on_turn(self, context: TurnContext) -> None:
        self.received.append(context.activity)
        self._arrived.set()
        if self.script is not None:
            await self.script(context)

    def of_type(self, activity_type: str) -> list[Activity]:
        return [a for a in self.received if a.type == activity_type]

    async def wait_for(self, activity_type: str, count: int = 1, timeout: float = 10.0) -> list[Activity]:
        """Wait until `count` activities of a type have arrived."""

        async def arrived() -> list[Activity]:
            while len(self.of_type(activity_type)) < count:
                self._arrived.clear()
                await self._arrived.wait()
            return self.of_type(activity_type)

        return await asyncio.wait_for(arrived(), timeout)


def command(name: RecordingCommand, command_id: str) -> Activity:
    return Activity(type=COMMAND_ACTIVITY, name=name.value, value={"commandId": command_id})


def speak(text: str) -> Activity:
    ssml = (
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
        f"<voice name='en-US-JennyNeural'>{text}</voice></speak>"
    )
    return Activity(type="message", text=text, speak=ssml)


class ScriptedBotServer:
    """Serves a ScriptedBot on a free loopback port at /api/messages (POST and GET upgrade)."""

    def __init__(self, bot: ScriptedBot) -> None:
        self.bot = bot
        config = DefaultConfig()
        self.adapter = CloudAdapter(
            GuardedAuthentication(ConfigurationBotFrameworkAuthentication(config), local_mode=config.local_mode)
        )
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        fix_streaming_response_ids()

        async def messages(request: web.Request) -> web.StreamResponse:
            response = await self.adapter.process(request, self.bot, web.WebSocketResponse())
            return response if response is not None else web.Response(status=200)

        app = web.Application()
        app.router.add_route("*", "/api/messages", messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/messages"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


