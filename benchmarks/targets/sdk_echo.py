"""A plain botbuilder-python echo bot, wired as the SDK samples wire it.

`CloudAdapter` over `ConfigurationBotFrameworkAuthentication`, an `ActivityHandler`
that echoes messages, and the samples' `/api/messages` route. With `--cached-auth`
the same bot uses this project's `CachingBotFrameworkAuthentication` instead (cached
connector clients that send over aiohttp and serialize replies in one pass), which
isolates what the outbound path is worth without this bot's dialogs and state.
With `--streaming` it also accepts the channel's WebSocket on `/api/messages`
through this project's streaming stack (`hosting.adapter.StreamingCloudAdapter`),
so the echo bot can be loaded over both transports as this bot is.
"""

from __future__ import annotations

import argparse

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import BotFrameworkAuthentication

from config import DefaultConfig
from hosting.adapter import StreamingCloudAdapter, channel_socket
from hosting.auth.authentication import create_authentication
from hosting.auth.guarded import GuardedAuthentication


class SampleConfig:
    """The samples' config object: app id and password from the environment (empty here)."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))

    async def on_members_added_activity(self, members_added, turn_context: TurnContext) -> None:
        for member in members_added:
            if member.id != turn_context.activity.recipient.id:
                await turn_context.send_activity("Hello and welcome!")


def create_app(
    authentication: BotFrameworkAuthentication, bot: ActivityHandler | None = None, *, streaming: bool = False
) -> web.Application:
    """The samples' app: `bot` (an `EchoBot` unless given) behind a `CloudAdapter` on `/api/messages`.

    With `streaming`, the adapter is this project's `StreamingCloudAdapter` and a GET upgraded
    to a WebSocket is served on the same route. Cached clients held by `authentication` are
    released when the app shuts down.
    """
    adapter = StreamingCloudAdapter(authentication) if streaming else CloudAdapter(authentication)
    bot = bot if bot is not None else EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)

    async def socket(request: web.Request) -> web.StreamResponse:
        ws_response = channel_socket()
        await adapter.process(request, bot, ws_response)
        return ws_response

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    if streaming:
        app.router.add_get("/api/messages", socket)
        app.on_shutdown.append(lambda _app: adapter.close_sockets())
    close = getattr(authentication, "close", None)
    if close is not None:

        async def close_clients(_app: web.Application) -> None:
            await close()

        app.on_cleanup.append(close_clients)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cached-auth", action="store_true")
    parser.add_argument("--streaming", action="store_true", help="also serve the WebSocket (this project's stack)")
    args = parser.parse_args()
    config = DefaultConfig()
    auth = create_authentication(config) if args.cached_auth else ConfigurationBotFrameworkAuthentication(SampleConfig())
    if args.streaming:  # sockets authenticated as this bot's are: without an app id, local mode lets them in
        auth = GuardedAuthentication(auth, local_mode=config.local_mode)
    web.run_app(create_app(auth, streaming=args.streaming), host="127.0.0.1", port=args.port, access_log=None, print=None)
