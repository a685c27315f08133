"""What every request gets, whatever its route: bounded body reads and 4xx for callers' mistakes.

A caller can only ever cause a 4xx. A body that trickles in (a byte every few
seconds, from hundreds of connections) is cut off with 408 instead of holding a
connection open for minutes. A client that goes away mid-request is a normal
event: one INFO line, no traceback. Authentication that cannot be decided for
want of signing keys, or a reply that cannot be sent for want of the bot's own
token, is a 503 with `Retry-After`, the one 5xx a caller can see, and it says
"try again", not "broken".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from aiohttp import ClientPayloadError, web

from hosting.unavailable import AuthenticationUnavailable
from inbound.log_safety import loggable

log = logging.getLogger(__name__)

# A whole body (at most 1 MiB) arrives well within this on any working link.
BODY_READ_TIMEOUT_S = 15.0
# aiohttp closes a connection that has not sent a whole request head, or sat idle, this
# long (its keep-alive timeout): `python app.py` serves with it. Under gunicorn, --keep-alive decides.
IDLE_CONNECTION_TIMEOUT_S = 15.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reads the body within `BODY_READ_TIMEOUT_S`, then maps what the handler raises to a status."""
    try:
        response = await _answer(request, handler)
    except web.HTTPException as refusal:
        _close_unless_upgraded(request, refusal)
        raise
    _close_unless_upgraded(request, response)
    return response


def _close_unless_upgraded(request: web.Request, response: web.StreamResponse) -> None:
    """After an `Upgrade` request that was refused, aiohttp goes on reading the connection as the
    new protocol, so a next request on it would never be answered: close it instead."""
    if "Upgrade" in request.headers and response.status != 101 and not response.prepared:
        response.force_close()


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.body_exists:
            await _read_body_in_time(request)
        return await handler(request)
    except web.HTTPException:
        raise
    except (ConnectionResetError, ClientPayloadError) as error:
        log.info("%s %s: the client went away (%s)", request.method, loggable(request.path), type(error).__name__)
        response = web.HTTPBadRequest(text="The request was not received whole")
        response.force_close()
        raise response from None
    except web.RequestPayloadError:  # e.g. `Content-Encoding: gzip` on a body that is not
        log.info("%s %s: the body could not be decoded", request.method, loggable(request.path))
        response = web.HTTPBadRequest(text="The body could not be decoded as its Content-Encoding says")
        response.force_close()  # aiohttp would otherwise read the rest of it, and fail again
        raise response from None
    except AuthenticationUnavailable as error:
        # The cause was warned of once, where it failed; here one line per request.
        log.info("%s %s: %s", request.method, loggable(request.path), error)
        raise web.HTTPServiceUnavailable(
            text="Authentication is unavailable for a moment; try again",
            headers={"Retry-After": str(error.retry_after_s)},
        ) from None
    except PermissionError:
        raise web.HTTPUnauthorized(text="Unauthorized") from None
    except Exception:
        log.exception("Request to %s failed", loggable(request.path))
        raise web.HTTPInternalServerError(text="Internal error") from None


async def _read_body_in_time(request: web.Request) -> None:
    """Read the body now; aiohttp keeps it, so the handler's own `read()` returns it.

    A body that has all arrived (an activity usually comes in the packet with its head)
    is read at once, without the task and timer a time limit costs.
    """
    if request.content.is_eof():
        await request.read()
        return
    try:
        await asyncio.wait_for(request.read(), BODY_READ_TIMEOUT_S)
    except asyncio.TimeoutError:
        log.info("%s %s: the body did not arrive within %g s", request.method, loggable(request.path), BODY_READ_TIMEOUT_S)
        response = web.HTTPRequestTimeout(text="The request body did not arrive in time")
        response.force_close()
        raise response from None
