"""The Bot Connector side: the `serviceUrl` a bot sends its activities to.

Answers `POST /v3/conversations/{id}/activities[/{replyToId}]` with a
`ResourceResponse` (`{"id": ...}`) as the Bot Connector service does, and
hands each activity to the call it belongs to. The same handler serves
requests that arrive over a streaming WebSocket.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

if TYPE_CHECKING:
    from .call import Call

_ACTIVITIES = re.compile(r"^/?v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<reply_to>[^/]+))?/?$")


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message}}


class BotConnector:
    """Routes the bot's activities to simulated calls by conversation id."""

    def __init__(self) -> None:
        self._calls: dict[str, "Call"] = {}

    def register(self, call: "Call") -> None:
        self._calls[call.address.conversation_id] = call

    async def handle(
        self, method: str, path: str, body: bytes, line: str | None = None, *, over_http: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """One request from the bot: returns the status and JSON body to answer.

        `line` is the WebSocket the request came over. `over_http` marks requests
        that came to the HTTP `serviceUrl` instead: the real channel's streaming
        calls cannot be reached that way, nor over a socket that no longer
        carries them, so the call records either as a violation.
        """
        match = _ACTIVITIES.match(path.split("?", 1)[0])
        if not match:
            return _error(404, "NotFound", f"no such resource: {path}")
        if method.upper() != "POST":
            return _error(405, "MethodNotAllowed", f"{method} is not supported on {path}")
        try:
            activity = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "BadSyntax", "the body is not JSON")
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            return _error(400, "MissingProperty", "an activity needs a 'type'")
        call = self._calls.get(unquote(match["conversation"]))
        if call is None:
            return _error(404, "ConversationNotFound", "no call with that conversation id")
        if over_http and call.streaming:
            call.violations.append(f"the bot sent a {activity['type']} over HTTP to a call connected over a WebSocket")
        if line is not None and line != call.line_id:
            call.violations.append(f"the bot sent a {activity['type']} over a WebSocket that no longer carries the call")
        activity_id = await call.receive_from_bot(activity)
        return 200, {"id": activity_id}

    def web_app(self) -> web.Application:
        """An aiohttp app serving this connector at any path under the serviceUrl."""

        async def serve(request: web.Request) -> web.Response:
            status, payload = await self.handle(request.method, request.path, await request.read(), over_http=True)
            return web.json_response(payload, status=status)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", serve)
        return app
