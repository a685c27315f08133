"""This bot's main menu over Azure Communication Services Call Automation, next to HTTP.

One app process, one event loop: the app (`devtools.acs_line`, with Call Automation
configured against the local ACS stand-in) serves both `/api/messages` and the
Call Automation webhooks. HTTP rounds drive `/api/messages` with the load
generator of `benchmarks.loadgen` (`MainMenuScript`: press 9, hear the menu
again); ACS rounds place calls on the stand-in, wait at the menu, and have every
call press 9 and wait for the menu's `play` request, over and over. Rounds of the
two paths alternate and each path reports its median round (by turns/s), so noise
from the shared machine falls on both alike.

    python -m benchmarks.acs_path [--calls 50] [--turns 20] [--rounds 3] [--out benchmarks/results]

It prints its table and writes it as JSON to `acs-path-latest.json` in `--out`.

An HTTP turn runs from posting the key's activity to the last reply reaching the
service URL. An ACS turn runs from the moment the stand-in begins to POST the key's
`ContinuousDtmfRecognitionToneReceived` callback (`StandInCall.keys_posted_at`) to
the moment it receives the bot's `play` request for the menu (`Play.requested_at`).
Besides the bot's turn, which both paths share, the ACS figure includes:

- the callback's JWT verification (RS256, against the stand-in's published keys);
- the bridge's state: reading the call from the bot's storage and writing it back;
- two Call Automation REST calls through the real SDK, each over TLS to the stand-in
  and HMAC-signed: cancelling the speech listening the key interrupts, and the play;
- the stand-in's own side of the exchange (it runs in this process too).

An ACS call's turns/s also includes what happens between turns and is not in its
latency: the stand-in's PlayStarted and PlayCompleted callbacks for the menu (each
verified and read like the key's), the bridge's request to listen for speech once the
menu has played, and the RecognizeCanceled callback the next key's cancel causes; a
caller presses the next key once ACS has delivered all of them, as a caller waits for
the menu to end. HTTP has none of these: the channel's own work is not in its figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.channel import ServiceUrl
from benchmarks.loadgen import MainMenuScript, TurnStats, new_http_session, run_calls
from benchmarks.results import RESULTS_DIR, write_latest
from benchmarks.transports import BOT_ENV
from config import DefaultConfig
from devtools.acs_line import AcsLine, acs_line
from dialogs.main_menu import MAIN_MENU
from simulator.acs import AcsStandIn, StandInCall, make_tls

MENU_WORDS = MAIN_MENU.spoken
REPEAT_KEY = "9"
TURN_TIMEOUT_S = 30
PATHS = ("http", "acs")


@dataclass(frozen=True)
class AcsBenchSettings:
    """How hard to load each path: concurrent calls, turns per call, interleaved rounds."""

    calls: int = 50
    turns: int = 20
    rounds: int = 3


@dataclass
class PathRow:
    """One path's main-menu turns: its median round, and every round's turns/s."""

    path: str
    turns_per_s: float
    p50_ms: float
    p99_ms: float
    turns: int  # measured in all rounds
    failures: int  # in all rounds
    rounds: list[float] = field(default_factory=list)


@dataclass
class AcsPathReport:
    settings: AcsBenchSettings
    rows: list[PathRow] = field(default_factory=list)

    def row(self, path: str) -> PathRow | None:
        return next((row for row in self.rows if row.path == path), None)

    @property
    def complete(self) -> bool:
        """Every path took turns and none failed."""
        return bool(self.rows) and all(row.turns and not row.failures for row in self.rows)


# ---- the ACS caller -----------------------------------------------------------------------


async def at_menu(line: AcsLine, caller: str) -> StandInCall:
    """A call that has heard the menu, with recording on and every callback so far delivered."""
    call = await line.call(caller=caller, timeout=TURN_TIMEOUT_S)
    await call.wait_for(
        lambda c: any(MENU_WORDS in spoken for spoken in c.heard)
        and c.recording is not None
        and c.recording.state == "active",
        timeout=TURN_TIMEOUT_S,
    )
    await call.delivered()
    return call


async def repeat_menu(call: StandInCall) -> float:
    """Press 9 and wait for the menu again; seconds from the key's callback to the menu's play request."""
    keys_before, plays_before = len(call.keys_posted_at), len(call.plays)
    await call.press(REPEAT_KEY)

    def menu_again(c: StandInCall) -> bool:
        return len(c.keys_posted_at) > keys_before and any(MENU_WORDS in p.spoken for p in c.plays[plays_before:])

    await call.wait_for(menu_again, timeout=TURN_TIMEOUT_S)
    menu = next(p for p in call.plays[plays_before:] if MENU_WORDS in p.spoken)
    latency = menu.requested_at - call.keys_posted_at[keys_before]
    await call.delivered()  # the menu has played and the bridge listens again: ready for the next key
    return latency


async def run_acs_round(line: AcsLine, calls: int, turns: int) -> TurnStats:
    """`calls` calls at the menu, then all of them repeat it `turns` times at once; then they hang up."""
    placed = await asyncio.gather(*(at_menu(line, f"+1425555{number:04d}") for number in range(calls)))
    stats = TurnStats()

    async def take_turns(call: StandInCall) -> None:
        for taken in range(turns):
            try:
                stats.latencies.append(await repeat_menu(call))
            except asyncio.TimeoutError:
                stats.failures += turns - taken  # the call is lost: its remaining turns fail too
                return

    started = time.perf_counter()
    await asyncio.gather(*(take_turns(call) for call in placed))
    stats.elapsed_s = time.perf_counter() - started
    for call in placed:
        await call.hang_up()
    for call in placed:
        await call.delivered()
    return stats


# ---- both paths, interleaved -------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bench_line(folder: Path, calls: int) -> AsyncIterator[AcsLine]:
    """The stand-in and the app answering it, with the benchmarks' bot settings and room for `calls` at once."""
    async with contextlib.AsyncExitStack() as stack:
        standin = AcsStandIn(make_tls(folder))
        await standin.start()
        stack.push_async_callback(standin.close)
        settings = {**BOT_ENV, "ACS_MAX_CONCURRENT_CALLS": str(max(calls, DefaultConfig.ACS_MAX_CONCURRENT_CALLS))}
        yield await stack.enter_async_context(acs_line(standin, settings))


async def measure_acs_path(settings: AcsBenchSettings) -> AcsPathReport:
    """HTTP and ACS rounds, alternating, against one app; each path's median round."""
    runs: dict[str, list[TurnStats]] = {path: [] for path in PATHS}
    service = ServiceUrl()
    await service.start()
    http = await new_http_session(limit=max(settings.calls, 50))
    try:
        with tempfile.TemporaryDirectory(prefix="acs-bench-") as folder:
            async with bench_line(Path(folder), settings.calls) as line:
                rounds = {
                    "http": lambda calls, turns: _http_round(line, service, http, calls, turns),
                    "acs": lambda calls, turns: run_acs_round(line, calls, turns),
                }
                # Warm-up: connections, TLS sessions, the callback signing keys, the first turns' imports.
                await rounds["acs"](1, 2)
                for path in PATHS:
                    await rounds[path](4, 2)
                for _ in range(settings.rounds):
                    for path in PATHS:
                        runs[path].append(await rounds[path](settings.calls, settings.turns))
    finally:
        await http.close()
        await service.stop()
    return AcsPathReport(settings, [_median_row(path, results) for path, results in runs.items()])


async def _http_round(
    line: AcsLine, service: ServiceUrl, http: aiohttp.ClientSession, calls: int, turns: int
) -> TurnStats:
    return await run_calls(
        f"{line.base_url}/api/messages", MainMenuScript(REPEAT_KEY), calls=calls, turns_per_call=turns,
        service=service, http=http,
    )


def _median_row(path: str, results: list[TurnStats]) -> PathRow:
    median = sorted(results, key=lambda stats: stats.turns_per_s)[len(results) // 2]
    return PathRow(
        path,
        round(median.turns_per_s, 1),
        round(median.percentile_ms(0.50), 2),
        round(median.percentile_ms(0.99), 2),
        sum(len(stats.latencies) for stats in results),
        sum(stats.failures for stats in results),
        [round(stats.turns_per_s, 1) for stats in results],
    )


# ---- the report -----------------------------------------------------------------------------


def format_acs_path(report: AcsPathReport) -> str:
    settings = report.settings
    lines = [
        "",
        f"This bot's main menu over Call Automation next to HTTP (one app process; {settings.calls} calls x "
        f"{settings.turns} turns; median of {settings.rounds} interleaved rounds)",
        f"{'path':<6} {'turns/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'all turns':>9} {'fail':>5}  rounds (turns/s)",
    ]
    for row in report.rows:
        rounds = ", ".join(f"{r:.1f}" for r in row.rounds)
        lines.append(
            f"{row.path:<6} {row.turns_per_s:>8.1f} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f} {row.turns:>9} "
            f"{row.failures:>5}  {rounds}"
        )
    http, acs = report.row("http"), report.row("acs")
    if http and acs and http.turns_per_s and http.p50_ms and http.p99_ms:
        lines.append(
            f"acs/http: turns/s {acs.turns_per_s / http.turns_per_s:.2f}x, p50 {acs.p50_ms / http.p50_ms:.2f}x, "
            f"p99 {acs.p99_ms / http.p99_ms:.2f}x"
        )
    return "\n".join(lines)



def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = AcsBenchSettings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=defaults.calls, help="concurrent calls per round, each path")
    parser.add_argument("--turns", type=int, default=defaults.turns, help="main-menu turns per call per round")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="interleaved rounds per path")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON results")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    report = await measure_acs_path(AcsBenchSettings(args.calls, args.turns, args.rounds))
    print(format_acs_path(report))
    print(f"wrote {write_latest(report, 'acs_path', args.out)}", file=sys.stderr)
    return 0 if report.complete else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(parse_args())))
