"""APPLICATIONINSIGHTS_CONNECTION_STRING sends the bot's telemetry through the Azure Monitor distro.

The real process exports to a local stand-in for the ingestion endpoint (the
connection string's `IngestionEndpoint`), which keeps the envelopes it is sent.
"""

from __future__ import annotations

import gzip
import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from simulator import ChannelOptions, ChannelSimulator, Transport

from ..simulator.fixtures import running_bot
from ..simulator.test_e2e_payment import at_menu
from .test_e2e_telemetry import until


class Ingestion:
    """Answers Application Insights' track endpoint as the service does, keeping each envelope."""

    def __init__(self) -> None:
        self.envelopes: list[dict] = []
        app = web.Application()
        app.router.add_post("/v2.1/track", self._track)
        app.router.add_post("/v2/track", self._track)
        self.server = TestServer(app)

    async def _track(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        text = body.decode()
        items = json.loads(text) if text.lstrip().startswith("[") else [json.loads(line) for line in text.splitlines() if line]
        self.envelopes.extend(items)
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})


def names(ingestion: Ingestion) -> set[str]:
    return {envelope.get("data", {}).get("baseData", {}).get("name") for envelope in ingestion.envelopes}


def audits(ingestion: Ingestion) -> list[str]:
    messages = [envelope.get("data", {}).get("baseData", {}).get("message", "") for envelope in ingestion.envelopes]
    return [message for message in messages if message.startswith("Recording audit")]


@pytest.fixture
async def ingestion():
    stand_in = Ingestion()
    await stand_in.server.start_server()
    yield stand_in
    await stand_in.server.close()


async def test_a_calls_turns_and_audit_reach_application_insights(tmp_path, ingestion):
    endpoint = str(ingestion.server.make_url("")).rstrip("/")
    settings = {
        "APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={endpoint}",
        "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",  # no call to Microsoft's own endpoints from a test
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "TMPDIR": str(tmp_path),  # the exporter's retry files
    }
    async with running_bot(tmp_path / "app.log", **settings) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.HTTP, options=ChannelOptions(timeout_s=15)) as channel:
            call = await at_menu(channel)
            await call.say("goodbye")
            try:
                await until(lambda: "bot.turn" in names(ingestion) and audits(ingestion), timeout_s=20)
            except AssertionError:
                raise AssertionError(f"{names(ingestion)} {(tmp_path / 'app.log').read_text()[-3000:]}") from None
    (audit,) = audits(ingestion)
    assert '"outcome":"goodbye"' in audit
    assert not any(call.address.caller.lstrip("+") in json.dumps(envelope) for envelope in ingestion.envelopes)
