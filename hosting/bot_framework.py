"""The bot on the Bot Framework SDK (botbuilder): what `/api/messages` serves with `BOT_SDK=botbuilder`.

The Telephony channel's WebSocket (the Bot Framework streaming protocol, this
project's `hosting/streaming/`) and HTTP channels (the Emulator, Web Chat, the Agents
Playground) on one adapter, `StreamingCloudAdapter`, behind `GuardedAuthentication`.
`hosting/agents/` is the same front door on the Microsoft 365 Agents SDK.
"""

from __future__ import annotations

from aiohttp import web

from config import DefaultConfig
from hosting.adapter import StreamingCloudAdapter, channel_socket
from hosting.auth.authentication import create_authentication
from hosting.auth.guarded import GuardedAuthentication
from hosting.wire.posted_activity import process_posted_activity
from inbound.posted_activity import refuse_unless_upgrade
from telephony.sdk import ActivityHandler



class BotFrameworkHosting:
    """The adapter every channel turn runs on, and the handler of `/api/messages`."""

    def __init__(self, config: DefaultConfig):
        self._local_mode = config.local_mode
        self.authentication = GuardedAuthentication(
            create_authentication(config), local_mode=config.local_mode, serving_messages=config.SERVE_API_MESSAGES
        )
        self.adapter = StreamingCloudAdapter(self.authentication)

    def messages(self, bot: ActivityHandler):
        """The handler of `/api/messages` for `bot`: POST (HTTP) or GET upgraded to a WebSocket (streaming); else 405."""

        async def messages(request: web.Request) -> web.StreamResponse:
            if request.method in ("GET", "HEAD"):
                refuse_unless_upgrade(request)
                socket = channel_socket()
                if not socket.can_prepare(request):
                    raise web.HTTPBadRequest(text="Not a valid WebSocket upgrade")
                await self.adapter.process(request, bot, socket)
                return socket
            return await process_posted_activity(
                request, self.adapter, bot, authentication_required=not self._local_mode
            )

        return messages

    async def stop_serving(self) -> None:
        """Close the channel's sockets (at shutdown; aiohttp waits for open ones otherwise)."""
        await self.adapter.close_sockets()

    async def close(self) -> None:
        await self.authentication.close()
