"""A POST to /api/messages: authentication first, then the body's shape, then the turn.

The SDK's `CloudAdapter.process` reads the body before it looks at the
Authorization header, so with credentials set a malformed body without a token
was a 500 rather than a 401. Here, when authentication is on, a request without
a bearer token is refused before its body is read; a body that is not a UTF-8
JSON activity of the SDK's schema is a 400 with a one-line reason (both as
`inbound.posted_activity` reads every posted activity); and only then does the
adapter authenticate the token and run the turn, as `process` would.
"""

from __future__ import annotations

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter

from hosting.wire.activity_shape import read_activity
from hosting.wire.invoke_response import invoke_body
from inbound.posted_activity import read_posted_activity


async def process_posted_activity(
    request: web.Request, adapter: CloudAdapter, bot: Bot, *, authentication_required: bool
) -> web.Response:
    """The response to one posted activity: 401, 415, 400, or what the turn answered."""
    auth_header, activity = await read_posted_activity(
        request, read_activity, authentication_required=authentication_required
    )
    try:
        invoke_response = await adapter.process_activity(auth_header, activity, bot.on_turn)
    except PermissionError:
        raise web.HTTPUnauthorized(text="Unauthorized") from None
    if invoke_response:
        return web.json_response(data=invoke_body(invoke_response.body), status=invoke_response.status)
    return web.Response(status=201)
