"""This bot as `python app.py` runs it, answering calls through an ACS stand-in in another process.

`benchmarks.sdk_cpu` runs it (on each SDK, by `BOT_SDK`) so that the bot's process holds
the bot alone: the stand-in's own work (its TLS, its signing, its callbacks) is done
in the benchmark's process and is not counted as the bot's. The only difference from
`app.main` is how ACS hosts are reached: the stand-in's names all resolve to loopback,
and its certificate authority is trusted (`--ca`); callbacks come to its own port.

    python -m benchmarks.targets.acs_bot --ca /path/to/ca.pem [--profile bot.prof]

With `--profile` it runs under cProfile and writes the profile when it stops: the
profiler slows every Python call, so its figures are shares of a turn, not times.
"""

from __future__ import annotations

import argparse
import cProfile
import os
from pathlib import Path

from aiohttp import web

from app import create_app, load_config
from hosting.request_guards import IDLE_CONNECTION_TIMEOUT_S
from simulator.acs import client_connector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ca", type=Path, required=True, help="the stand-in's certificate authority")
    parser.add_argument("--profile", type=Path, help="run under cProfile; write the profile here when stopped")
    args = parser.parse_args()
    ca = args.ca
    os.environ.setdefault("CALLBACK_BASE_URL", f"http://127.0.0.1:{os.environ['PORT']}")  # loopback, as the stand-in calls back
    config = load_config()
    app = create_app(config, acs_connector=lambda: client_connector(ca))
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        web.run_app(app, host=config.HOST, port=config.PORT, keepalive_timeout=IDLE_CONNECTION_TIMEOUT_S, print=None)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
