"""The web phone's own small web server: the page, its WebSocket, the call files.

`python -m simulator.web` serves this on localhost. The page and its
scripts are plain files in `static/`, served as they are (no build step,
nothing from another site: the Content-Security-Policy allows this origin
only). Each WebSocket is one `PhoneSession`; the calls themselves run on one
`ChannelSimulator` for the server's life, the same channel `make call` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from ..call import Call, ChannelOptions
from ..channel import ChannelSimulator
from ..lines import Transport
from .session import PhoneSession, write_records

LOG = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
KEPT_CALLS = 50  # calls whose files can still be downloaded
MAX_MESSAGE_BYTES = 64 * 1024
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class WebPhone:
    """The channel and the calls the pages have placed."""

    def __init__(self, bot_url: str, transport: Transport, *, out: Path | None, options: ChannelOptions) -> None:
        self.bot_url = bot_url
        self.channel = ChannelSimulator(bot_url, transport=transport, options=options)
        self.calls: OrderedDict[str, Call] = OrderedDict()
        self._out = out

    def keep(self, call: Call) -> None:
        self.calls[call.call_id] = call
        while len(self.calls) > KEPT_CALLS:
            self.calls.popitem(last=False)

    def call_ended(self, call: Call) -> None:
        if self._out is not None:
            write_records(call, self._out)


PHONE = web.AppKey("phone", WebPhone)


def phone_app(
    bot_url: str,
    transport: Transport = Transport.HTTP,
    *,
    out: Path | None = None,
    options: ChannelOptions | None = None,
) -> web.Application:
    """The web phone against the bot at `bot_url`; `out` keeps each finished call's files there."""
    app = web.Application(middlewares=[_security_headers], client_max_size=MAX_MESSAGE_BYTES)
    app[PHONE] = WebPhone(bot_url, transport, out=out, options=options or ChannelOptions(timeout_s=30))
    app.cleanup_ctx.append(_channel)
    app.router.add_get("/", _page)
    app.router.add_get("/ws", _socket)
    app.router.add_get("/calls/{call_id}/{name}", _download)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


async def _channel(app: web.Application) -> AsyncIterator[None]:
    phone = app[PHONE]
    await phone.channel.start()
    yield
    await phone.channel.stop()


@web.middleware
async def _security_headers(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _download(request: web.Request) -> web.Response:
    call = request.app[PHONE].calls.get(request.match_info["call_id"])
    name = request.match_info["name"]
    records = call.records() if call is not None else {}
    if name not in records:
        raise web.HTTPNotFound(text="no such call file")
    return web.json_response(
        records[name],
        dumps=lambda document: json.dumps(document, indent=2),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _same_origin(request: web.Request) -> bool:
    """Only this server's own page may place calls (no other site open in the browser)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def _socket(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        raise web.HTTPForbidden(text="the web phone answers its own page only")
    phone = request.app[PHONE]
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_MESSAGE_BYTES)
    await socket.prepare(request)

    async def send(message: dict[str, object]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):  # the page closed meanwhile
            await socket.send_json(message)

    session = PhoneSession(phone.channel, send, on_call_ended=phone.call_ended)
    outbox = asyncio.create_task(session.run_outbox())
    session.show()
    try:
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                parsed = json.loads(message.data)
            except ValueError:
                session.complain("a message must be JSON")
                continue
            await session.handle(parsed)
            if session.call is not None:
                phone.keep(session.call)
    finally:
        await session.hang_up()
        outbox.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbox
    return socket


async def serve(
    bot_url: str, transport: Transport, *, host: str, port: int, out: Path | None
) -> None:
    """Serve the web phone until interrupted, printing the address to open."""
    runner = web.AppRunner(phone_app(bot_url, transport, out=out), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        shown_host = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
        print(f"Web phone: open http://{shown_host}:{bound}/ in your browser", flush=True)
        print(f"It calls the bot at {bot_url} ({transport.value}). Ctrl+C to stop.", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
