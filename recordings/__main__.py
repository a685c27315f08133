"""Command line for recordings kept by the bot: list, export, erase, purge.

    python -m recordings list [--participant ID]
    python -m recordings export --participant ID --out DIR
    python -m recordings erase --participant ID
    python -m recordings purge --older-than DAYS

It reads the same settings as the bot (environment and `.env`), so it works on
the local directory or the Blob container the bot writes to.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Mapping, NoReturn, Sequence

from config import ConfigError, DefaultConfig
from app_identity import app_credential

from .archive import RecordingArchive
from .gdpr import DataSubjectRequests
from .jobs import JobBook
from .store import StoreError, open_store


# A retention period longer than this (about 270 years) is a typo, and far enough
# back that the cut-off date would fall before year 1.
MAX_DAYS = 100_000


class _OneLineErrors(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (and exit status 2), not usage plus a line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive_days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if not 0 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_DAYS}")
    return days


def _participant_id(raw: str) -> str:
    """A participant id as given; one that is empty or not valid text cannot be in the index."""
    if not raw:
        raise argparse.ArgumentTypeError("must not be empty")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8 on the command line
        raise argparse.ArgumentTypeError("is not valid UTF-8 text") from None
    return raw


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineErrors(prog="python -m recordings", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineErrors)
    listing = commands.add_parser("list", help="list archived recordings")
    listing.add_argument("--participant", type=_participant_id, help="only those this participant appears in")
    export = commands.add_parser("export", help="copy a participant's recordings, with a manifest")
    export.add_argument("--participant", required=True, type=_participant_id)
    export.add_argument("--out", required=True, type=Path)
    erase = commands.add_parser("erase", help="delete every recording a participant appears in")
    erase.add_argument("--participant", required=True, type=_participant_id)
    purge = commands.add_parser("purge", help="delete recordings older than a number of days")
    purge.add_argument("--older-than", required=True, type=_positive_days, metavar="DAYS")
    return parser


async def _run(args: argparse.Namespace, config: DefaultConfig) -> int:
    credential = app_credential(config)  # in Azure, the app's identity reaches the recordings
    store = await open_store(config, credential)
    try:
        requests = DataSubjectRequests(RecordingArchive(store), JobBook(store))
        if args.command == "list":
            for rec in await requests.list(args.participant):
                print(
                    f"{rec.call_id}\t{rec.document_id}\tchunk {rec.chunk_index}\t{rec.size} bytes\t"
                    f"{rec.chunk_start_time or '-'}\t{len(rec.participant_ids)} participant(s)"
                )
        elif args.command == "export":
            exported = await requests.export(args.participant, args.out)
            print(f"exported {exported.recordings} recording(s); manifest: {exported.manifest}")
        elif args.command == "erase":
            erased = await requests.erase(args.participant)
            print(
                f"erased {erased.recordings} recording(s) ({erased.objects} objects); "
                f"{erased.shared_with_others} also held other participants"
            )
        else:
            purged = await requests.purge(timedelta(days=args.older_than))
            print(f"purged {purged.recordings} recording(s) ({purged.objects} objects)")
    finally:
        await store.close()
        if credential is not None:
            await credential.close()
    return 0


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        config = DefaultConfig.from_env(env)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args, config))
    except (OSError, StoreError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
