"""An OTLP/HTTP collector that accepts and counts what it is sent, for the telemetry-on rows.

It stands where a real collector (or Azure Monitor) would be, so the bot pays
the whole cost of telemetry on: building spans and metrics, encoding them and
sending them over HTTP.
"""

from __future__ import annotations

from typing import Optional

from aiohttp import web


class OtlpSink:
    def __init__(self) -> None:
        self._runner: Optional[web.AppRunner] = None
        self.url = ""
        self.requests = 0
        self.bytes = 0

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/{signal}", self._accept)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _accept(self, request: web.Request) -> web.Response:
        self.bytes += len(await request.read())
        self.requests += 1
        return web.Response(body=b"", content_type="application/x-protobuf")
