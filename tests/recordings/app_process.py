"""Runs the recordings webhook in a process of its own, so a test can kill it.

    python -m tests.recordings.app_process <ca.pem>

Settings come from the environment; the ACS hosts are reached through the
stand-in's connector. Prints the listening port, then serves until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web

from config import DefaultConfig
from recordings.webhook import setup_recordings

from simulator.acs import client_connector
from .conftest import FAST_BACKOFF


async def serve(ca_path: Path) -> None:
    app = web.Application()
    setup_recordings(app, DefaultConfig.from_env(env_file=None), connector=lambda: client_connector(ca_path),
                     backoff=FAST_BACKOFF)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
