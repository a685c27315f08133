"""The bot on the Microsoft 365 Agents SDK: what `/api/messages` serves with `BOT_SDK=agents`.

HTTP channels only (the Emulator, Web Chat and Direct Line, the Agents Playground,
Teams): the Agents SDK has no Bot Framework streaming protocol, so the Telephony
channel's WebSocket upgrade is answered 400 with the reason, and start-up says so.
Phone calls reach this bot through Call Automation (`callautomation/`), which needs no
channel protocol.

A POST is answered as `hosting/bot_framework.py` answers it (the same guards, the same
statuses): with an app id set, no bearer token is 401 before the body is read; a body
that is not UTF-8 JSON is 415 or 400; a malformed activity is 400 with a one-line reason
(the SDK's own `process` answered it with a 500 and a traceback); a token the SDK's
`JwtTokenValidator` refuses, or issued for another service URL, is 401. Then the turn
runs on the SDK's `CloudAdapter`, with the replies' clients kept between turns
(`clients.py`). In local mode (no app id) the turn is anonymous and replies carry no token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, JwtTokenValidator

from config import DefaultConfig
from hosting.local_mode import warn_authentication_off
from inbound.posted_activity import read_posted_activity, refuse_unless_upgrade
from telephony.sdk import Activity, ActivityHandler

from .activity_shape import read_activity
from .clients import KeptClients
from .invoke_response import invoke_body
from .settings import auth_configuration, connection_manager

log = logging.getLogger(__name__)

#: What a Telephony channel's WebSocket upgrade is told.
NO_STREAMING = (
    "This bot runs on the Microsoft 365 Agents SDK (BOT_SDK=agents), which has no Bot Framework streaming: "
    "the Telephony channel's WebSocket needs BOT_SDK=botbuilder"
)
#: Loggers of the SDK that say at ERROR, with a traceback, what the bot already says once:
#: the connector logs every refused reply (the bot hears of it as `telephony.Undelivered`;
#: it also logs every reply at INFO, with the conversation id), and the activity model every
#: document it cannot read (`read_activity` has answered it 400 with the reason).
QUIETENED_SDK_LOGGERS = (
    "microsoft_agents.hosting.core.connector.client.connector_client",
    "microsoft_agents.activity.activity",
)


class AgentsHosting:
    """The adapter every HTTP channel turn runs on, and the handler of `/api/messages`."""

    def __init__(self, config: DefaultConfig):
        self._local_mode = config.local_mode
        connections = connection_manager(config)
        self._validator = None if config.local_mode else JwtTokenValidator(auth_configuration(config))
        self.clients = KeptClients(connections, config.MicrosoftAppId)
        self.adapter = CloudAdapter(channel_service_client_factory=self.clients)
        for name in QUIETENED_SDK_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if config.SERVE_API_MESSAGES:
            log.info("The bot runs on the Microsoft 365 Agents SDK: the Telephony channel needs BOT_SDK=botbuilder")
            if config.local_mode:
                warn_authentication_off()

    def messages(self, bot: ActivityHandler):
        """The handler of `/api/messages` for `bot`: activities POSTed by HTTP channels."""

        async def messages(request: web.Request) -> web.StreamResponse:
            if request.method in ("GET", "HEAD"):
                refuse_unless_upgrade(request)
                log.info("Refused a WebSocket upgrade: the Telephony channel needs BOT_SDK=botbuilder")
                raise web.HTTPBadRequest(text=NO_STREAMING)
            return await self._posted(request, bot)

        return messages

    async def _posted(self, request: web.Request, bot: ActivityHandler) -> web.Response:
        auth_header, activity = await read_posted_activity(
            request, read_activity, authentication_required=not self._local_mode
        )
        claims = await self._claims(auth_header, activity)
        try:
            invoke_response = await self.adapter.process_activity(claims, activity, bot.on_turn)
        except PermissionError:
            raise web.HTTPUnauthorized(text="Unauthorized") from None
        if invoke_response is not None:
            return web.json_response(data=invoke_body(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    async def _claims(self, auth_header: str, activity: Activity) -> ClaimsIdentity:
        """Who sent the activity: anonymous in local mode, else what its bearer token proves (401 otherwise)."""
        if self._validator is None:
            return ClaimsIdentity()
        try:
            claims = await self._validator.validate_token(auth_header.removeprefix("Bearer ").strip())
        except Exception as error:  # noqa: BLE001 - the validator refuses tokens with many exception types
            log.info("refused a bearer token (%s)", type(error).__name__)  # its message may quote claims
            raise web.HTTPUnauthorized(text="Unauthorized") from None
        claimed = claims.get_claim_value("serviceurl")
        if claimed and _host(claimed) != _host(activity.service_url):
            log.info("refused a bearer token issued for another service URL")
            raise web.HTTPUnauthorized(text="Unauthorized")
        return claims

    async def stop_serving(self) -> None:
        """Nothing to close before shutdown: no channel keeps a connection open to this bot."""

    async def close(self) -> None:
        await self.clients.close()


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").casefold()
