"""`python -m simulator call`: a terminal phone against a running bot.

(The web phone is `python -m simulator.web`; a terminal phone through Call Automation, which
runs the app itself, is `python -m devtools.acs_phone`.)"""

from __future__ import annotations

import argparse
import asyncio
import sys

from .channel import DEFAULT_CALLED, DEFAULT_CALLER
from .lines import Transport, add_line_arguments
from .phone import run_phone


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    call = commands.add_parser("call", help="call a running bot from this terminal")
    add_line_arguments(call)
    call.add_argument("--caller", default=DEFAULT_CALLER, help="the caller's number, E.164")
    call.add_argument("--called", default=DEFAULT_CALLED, help="the bot's number, E.164")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(run_phone(args.bot, Transport(args.transport), args.caller, args.called, args.out))
    except OSError as error:  # the bot unreachable, the port taken
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
