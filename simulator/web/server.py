"""The web phone's own small web server: the page, its WebSocket, the call files.

`python -m simulator phone` serves this on localhost. The page and its
scripts are plain files in `static/`, served as they are (no build step,
nothing from another site: the Content-Security-Policy allows this origin
only, on every answer, refusals included). Each WebSocket is one
`PhoneSession`; the calls themselves run on one `ChannelSimulator` for the
server's life, the same channel `make call` uses.

Only the server's own page may use it. A request must name the address it
reached (its Host), and the socket's Origin must be that address too: a page
of another site whose name an attacker points at 127.0.0.1 (DNS rebinding)
names that other site, so it is refused (403) rather than placing calls or
reading the call files. Reached on a loopback address, the server answers
to `localhost`, `127.0.0.1` and `[::1]`; on another address, to that address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import WSMsgType, web

from ..call import Call, ChannelOptions
from ..channel import ChannelSimulator
from ..lines import Transport
from .session import PhoneSession, write_records

LOG = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
KEPT_CALLS = 50  # calls whose files can still be downloaded
MAX_MESSAGE_BYTES = 64 * 1024
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
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
    app = web.Application(middlewares=[_own_address_only], client_max_size=MAX_MESSAGE_BYTES)
    app.on_response_prepare.append(_security_headers)
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


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer as it goes out: pages, files, refusals, the socket's upgrade."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def _own_address_only(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    own = _own_hosts(request)
    if request.host not in own:
        raise web.HTTPForbidden(text="the web phone answers at its own address only")
    origin = request.headers.get("Origin")
    if request.path == "/ws" and origin is not None and origin not in {f"http://{host}" for host in own}:
        raise web.HTTPForbidden(text="the web phone answers its own page only")
    return await handler(request)


def _own_hosts(request: web.Request) -> set[str]:
    """The `host:port` values that name the address this request reached."""
    transport = request.transport
    local = transport.get_extra_info("sockname") if transport is not None else None
    if not local:
        return set()
    address, port = str(local[0]).split("%", 1)[0], local[1]
    ip = ipaddress.ip_address(address)
    names = LOOPBACK_NAMES if ip.is_loopback else (f"[{address}]" if ip.version == 6 else address,)
    return {f"{name}:{port}" for name in names}


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


async def _socket(request: web.Request) -> web.StreamResponse:
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
            await session.handle(message.data)
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
