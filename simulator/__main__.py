"""`python -m simulator call`: a terminal phone against a running bot; `phone`: a web phone.

(A terminal phone through Call Automation runs the app itself: `python -m devtools.acs_phone`.)"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from .channel import DEFAULT_CALLED, DEFAULT_CALLER
from .lines import Transport
from .phone import run_phone
from .web import serve


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    default_url = f"http://127.0.0.1:{os.environ.get('PORT', '3978')}/api/messages"
    call = commands.add_parser("call", help="call a running bot from this terminal")
    phone = commands.add_parser("phone", help="serve a web phone that calls a running bot")
    for sub in (call, phone):
        sub.add_argument("--bot", default=default_url, help=f"the bot's messaging endpoint (default {default_url})")
        sub.add_argument("--transport", choices=[t.value for t in Transport], default=Transport.HTTP.value)
        sub.add_argument("--out", type=Path, default=Path("data/simulator"), help="where to write the timeline and metadata")
    call.add_argument("--caller", default=DEFAULT_CALLER, help="the caller's number, E.164")
    call.add_argument("--called", default=DEFAULT_CALLED, help="the bot's number, E.164")
    phone.add_argument("--host", default="127.0.0.1", help="the address to serve the page on (default 127.0.0.1)")
    phone.add_argument("--port", type=int, default=int(os.environ.get("PHONE_PORT", "3979")),
                       help="the page's port (default 3979, or PHONE_PORT; 0 picks a free one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "phone":
            logging.basicConfig(level=logging.INFO, format="%(message)s")
            asyncio.run(serve(args.bot, Transport(args.transport), host=args.host, port=args.port, out=args.out))
            return 0
        return asyncio.run(run_phone(args.bot, Transport(args.transport), args.caller, args.called, args.out))
    except OSError as error:  # the bot unreachable, the port taken
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
