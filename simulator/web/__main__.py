"""`python -m simulator.web` (or `make phone`): a web phone that calls a running bot; open the address it prints."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from ..lines import Transport, add_line_arguments
from .server import serve


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator.web", description=__doc__)
    add_line_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="the address to serve the page on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PHONE_PORT", "3979")),
                        help="the page's port (default 3979, or PHONE_PORT; 0 picks a free one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        asyncio.run(serve(args.bot, Transport(args.transport), host=args.host, port=args.port, out=args.out))
    except OSError as error:  # the port taken
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
