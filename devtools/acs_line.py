"""The app answering calls through the local ACS stand-in, in this process.

Tests, the ACS benchmark and `python -m devtools.acs_phone` share it:

    async with AcsStandIn(make_tls(folder)) as standin, acs_line(standin) as line:
        call = await line.call("+14255550123")

The app is `app.create_app` with Call Automation configured against the stand-in
(its connection string, OpenID configuration and resource id), served on a
loopback port that its callback URLs name. The real Call Automation SDK is its
client; only the host names and the certificate authority are the stand-in's.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from simulator.acs import AcsStandIn, StandInCall, client_connector

if TYPE_CHECKING:
    from app import Telemetry

INCOMING_SECRET = "local-incoming-secret"
DEFAULT_CALLER = "+14255550123"
DEFAULT_CALLED = "+18005550199"


@dataclass
class AcsLine:
    """One app instance answering the stand-in's calls."""

    standin: AcsStandIn
    base_url: str
    app: web.Application

    @property
    def incoming_url(self) -> str:
        return f"{self.base_url}/api/calls/incoming?code={INCOMING_SECRET}"

    async def call(self, caller: str = DEFAULT_CALLER, called: str = DEFAULT_CALLED,
                   timeout: float = 10) -> StandInCall:
        """Ring the app; returns once it has answered."""
        call = await self.standin.place_call(self.incoming_url, caller=caller, called=called)
        await call.answered(timeout=timeout)
        return call


def acs_settings(standin: AcsStandIn, base_url: str) -> dict[str, str]:
    return {
        "CALLBACK_BASE_URL": base_url,
        "ACS_CONNECTION_STRING": standin.connection_string,
        "ACS_RESOURCE_ID": standin.resource_id,
        "ACS_OPENID_CONFIGURATION_URL": standin.openid_configuration_url,
        "COGNITIVE_SERVICES_ENDPOINT": "https://standin-ai.cognitiveservices.azure.com/",
        "EVENTGRID_SECRET": INCOMING_SECRET,
    }


@contextlib.asynccontextmanager
async def acs_line(
    standin: AcsStandIn, settings: Mapping[str, str] | None = None, telemetry: "Telemetry | None" = None
) -> AsyncIterator[AcsLine]:
    """Serve the app until the block ends; `settings` add to (or override) the stand-in's; traced with `telemetry`."""
    from app import create_app  # the app, not the simulator, is what this serves
    from config import DefaultConfig
    from hosting.request_guards import IDLE_CONNECTION_TIMEOUT_S

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = DefaultConfig.from_env({**acs_settings(standin, base_url), **(settings or {})}, env_file=None)
    app = create_app(config, acs_connector=lambda: client_connector(standin.ca_path), telemetry=telemetry)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=IDLE_CONNECTION_TIMEOUT_S)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield AcsLine(standin, base_url, app)
    finally:
        await runner.cleanup()
