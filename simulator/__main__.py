"""`python -m simulator call`: a terminal phone against a running bot."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from .channel import DEFAULT_CALLED, DEFAULT_CALLER
from .lines import Transport
from .phone import run_phone


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    call = commands.add_parser("call", help="call a running bot from this terminal")
    default_url = f"http://127.0.0.1:{os.environ.get('PORT', '3978')}/api/messages"
    call.add_argument("--bot", default=default_url, help=f"the bot's messaging endpoint (default {default_url})")
    call.add_argument("--transport", choices=[t.value for t in Transport], default=Transport.HTTP.value)
    call.add_argument("--caller", default=DEFAULT_CALLER, help="the caller's number, E.164")
    call.add_argument("--called", default=DEFAULT_CALLED, help="the bot's number, E.164")
    call.add_argument("--out", type=Path, default=Path("data/simulator"), help="where to write the timeline and metadata")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(run_phone(args.bot, Transport(args.transport), args.caller, args.called, args.out))
    except ConnectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
