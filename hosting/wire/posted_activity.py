"""A POST to /api/messages: authentication first, then the body's shape, then the turn.

The SDK's `CloudAdapter.process` reads the body before it looks at the
Authorization header, so with credentials set a malformed body without a token
was a 500 rather than a 401. Here, when authentication is on, a request without
a bearer token is refused before its body is read; a body that is not a UTF-8
JSON activity of the SDK's schema is a 400 with a one-line reason; and only then
does the adapter authenticate the token and run the turn, as `process` would.
"""

from __future__ import annotations

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter

from hosting.wire.activity_shape import ActivityShapeError, read_activity
from hosting.wire.invoke_response import invoke_body
from inbound.json_body import JsonBodyError, parse_json


async def process_posted_activity(
    request: web.Request, adapter: CloudAdapter, bot: Bot, *, authentication_required: bool
) -> web.Response:
    """The response to one posted activity: 401, 415, 400, or what the turn answered."""
    auth_header = request.headers.get("Authorization", "")
    if authentication_required and not auth_header.startswith("Bearer "):
        raise web.HTTPUnauthorized(text="Unauthorized: a bearer token is required")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Content-Type must be application/json")
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise web.HTTPUnsupportedMediaType(text="The body must be UTF-8 (charset=utf-8)")
    try:
        activity = read_activity(parse_json(await request.read()))
    except (JsonBodyError, ActivityShapeError) as error:
        raise web.HTTPBadRequest(text=f"Not an activity: {error}") from None
    try:
        invoke_response = await adapter.process_activity(auth_header, activity, bot.on_turn)
    except PermissionError:
        raise web.HTTPUnauthorized(text="Unauthorized") from None
    if invoke_response:
        return web.json_response(data=invoke_body(invoke_response.body), status=invoke_response.status)
    return web.Response(status=201)
