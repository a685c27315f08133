"""An activity POSTed to `/api/messages`, read the same way whichever SDK hosts the bot.

Authentication first: when it is on, a request without a bearer token is refused
(401) before its body is read. Then the body: not `application/json` in UTF-8 is
415; not JSON within limits, or not an activity (the hosting's `read_activity`:
the bot's rules and the SDK's schema), is 400 with a one-line reason. Only then
does the hosting check the token itself and run the turn.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from aiohttp import web

from inbound.activity_rules import ActivityShapeError
from inbound.json_body import JsonBodyError, parse_json

A = TypeVar("A")


def refuse_unless_upgrade(request: web.Request) -> None:
    """A GET or HEAD on `/api/messages` that is not a WebSocket upgrade is told to POST (405).

    The HEAD is a client checking that the bot is up (the Agents Playground's probe).
    """
    if request.method == "HEAD" or request.headers.get("Upgrade", "").lower() != "websocket":
        raise web.HTTPMethodNotAllowed(
            request.method, ["POST"], text="POST activities here; GET needs a WebSocket upgrade"
        )


async def read_posted_activity(
    request: web.Request, read_activity: Callable[[Any], A], *, authentication_required: bool
) -> tuple[str, A]:
    """The request's Authorization header and the activity it carries, or the HTTP error that refuses it."""
    auth_header = request.headers.get("Authorization", "")
    if authentication_required and not auth_header.startswith("Bearer "):
        raise web.HTTPUnauthorized(text="Unauthorized: a bearer token is required")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Content-Type must be application/json")
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise web.HTTPUnsupportedMediaType(text="The body must be UTF-8 (charset=utf-8)")
    try:
        return auth_header, read_activity(parse_json(await request.read()))
    except (JsonBodyError, ActivityShapeError) as error:
        raise web.HTTPBadRequest(text=f"Not an activity: {error}") from None
