"""How long /healthz waits while forged tokens wait on a slow or dead OpenID metadata host.

The bot runs with an app id (authentication on); the channel's metadata host is a
local TLS stand-in on its own thread that answers after `--delay` seconds, or
with 503 (`--down`). Two clients post activities with forged tokens (each needs
the signing keys) while a third asks /healthz every 10 ms; the figures are the
/healthz latencies and what the forged requests got.

    python -m benchmarks.slow_metadata [--delay 3] [--down] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import ssl
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from botframework.connector.auth import ChannelValidation  # noqa: E402

from app import create_app  # noqa: E402
from config import DefaultConfig  # noqa: E402
from tests.hosting.auth.test_auth import self_signed_certificate  # noqa: E402
from tests.hosting.auth.test_inbound_tokens import APP_ID, MetadataHost, call_activity, rsa_key, token  # noqa: E402


def start_metadata_host(delay_s: float, down: bool) -> tuple[MetadataHost, ThreadingHTTPServer]:
    cert_path, key_path = self_signed_certificate(Path(tempfile.mkdtemp()))
    os.environ["REQUESTS_CA_BUNDLE"] = str(cert_path)
    host = MetadataHost(key=rsa_key(), endorsements=["telephony"], delay_s=delay_s, down=down)
    server = ThreadingHTTPServer(("127.0.0.1", 0), host.handler())
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    host.url = f"https://localhost:{server.server_address[1]}/v1/.well-known/openidconfiguration"
    ChannelValidation.open_id_metadata_endpoint = host.url
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return host, server


async def measure(delay_s: float, down: bool, seconds: float) -> None:
    host, metadata_server = start_metadata_host(delay_s, down)
    config = dataclasses.replace(DefaultConfig(), MicrosoftAppId=APP_ID, MicrosoftAppPassword="unused")
    bot = TestServer(create_app(config))
    await bot.start_server()
    forged = [token(rsa_key()) for _ in range(10)]  # made before the clock starts: RSA keys take a while
    latencies: list[float] = []
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:

        async def post_forged() -> None:
            for _ in range(5):
                headers = {"Authorization": f"Bearer {forged.pop()}"}
                async with session.post(bot.make_url("/api/messages"), json=call_activity(), headers=headers) as r:
                    statuses.append(r.status)

        async def probe() -> None:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                started = time.perf_counter()
                async with session.get(bot.make_url("/healthz")) as r:
                    await r.read()
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.01)

        await asyncio.gather(post_forged(), post_forged(), probe())
    await bot.close()
    metadata_server.shutdown()
    latencies.sort()
    condition = "answering 503" if down else f"answering after {delay_s:g} s"
    print(
        f"metadata host {condition}: /healthz max {latencies[-1] * 1000:.1f} ms, "
        f"median {latencies[len(latencies) // 2] * 1000:.1f} ms ({len(latencies)} probes); "
        f"forged-token answers {sorted(set(statuses))}; metadata requests {len(host.requests)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=3.0, help="seconds the metadata host takes per answer")
    parser.add_argument("--down", action="store_true", help="the metadata host answers 503")
    parser.add_argument("--seconds", type=float, default=8.0, help="how long /healthz is probed")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    asyncio.run(measure(args.delay, args.down, args.seconds))


if __name__ == "__main__":
    main()
