"""The bot's CPU per turn on each SDK: a main-menu turn over HTTP and a caller's key over Call Automation.

One run: for each SDK (`BOT_SDK=botbuilder`, `BOT_SDK=agents`) a bot process
(`benchmarks.targets.acs_bot`: `python app.py` with Call Automation against the
ACS stand-in) serves both paths, while the load and the ACS stand-in run in this
process, so the stand-in's TLS, signing and callbacks are not counted as the bot's.
The figure is the CPU time the bot process's threads used (the scheduler's count, from
/proc) over a round, divided by the turns the round took; rounds of the four rows alternate and
each row reports its median round.

- **http**: a caller at the menu presses 9 (`MainMenuScript`), the bot answers over
  HTTP to a service URL in this process: one activity in, the menu out.
- **acs**: a caller at the menu presses 9 on the stand-in, and waits for the menu to
  have been played and the bridge to listen again (`acs_path.repeat_menu`): the key's
  callback, the bridge's cancel of the listening and the play (two Call Automation
  REST calls), and between turns the PlayStarted, PlayCompleted and RecognizeCanceled
  callbacks and the bridge's next recognize. What a caller's key costs the bot, whole.

    python -m benchmarks.sdk_cpu [--calls 20] [--turns 10] [--rounds 3] [--out benchmarks/results] [--profile FOLDER]

It prints its table and writes it as JSON to `sdk-cpu-latest.json` in `--out`.

With `--profile`, each SDK's bot runs once more under cProfile for each path, and the
costliest functions (own time) are printed, grouped by where they live.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pstats
import statistics
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.acs_path import PATHS, at_menu, repeat_menu
from benchmarks.channel import CallActivities, ServiceUrl
from benchmarks.loadgen import Call, MainMenuScript, TurnFailed, new_http_session
from benchmarks.results import RESULTS_DIR, write_latest
from benchmarks.transports import BOT_ENV
from devtools.acs_line import AcsLine, acs_settings
from devtools.processes import ServerProcess, serve
from simulator.acs import AcsStandIn, make_tls
from telephony.sdk import SdkName


@dataclass(frozen=True)
class SdkCpuSettings:
    calls: int = 20
    turns: int = 10
    rounds: int = 3


@dataclass
class CpuRow:
    """One SDK's path: the bot's CPU ms per turn in its median round, and in every round."""

    sdk: str
    path: str
    cpu_ms_per_turn: float
    turns: int  # measured, in all rounds
    failures: int
    rounds: list[float] = field(default_factory=list)


@dataclass
class SdkCpuReport:
    settings: SdkCpuSettings
    rows: list[CpuRow] = field(default_factory=list)

    def row(self, sdk: str, path: str) -> CpuRow | None:
        return next((row for row in self.rows if row.sdk == sdk and row.path == path), None)

    @property
    def complete(self) -> bool:
        return len(self.rows) == len(SdkName) * len(PATHS) and all(r.turns and not r.failures for r in self.rows)


def cpu_seconds(pid: int) -> float:
    """CPU time process `pid`'s threads have used so far, to the nanosecond (the scheduler's own count).

    `/proc/PID/stat` counts in clock ticks (10 ms): too coarse for a short round.
    """
    return sum(int((task / "schedstat").read_text().split()[0]) for task in Path(f"/proc/{pid}/task").iterdir()) / 1e9


@contextlib.asynccontextmanager
async def bot_on(sdk: SdkName, standin: AcsStandIn, folder: Path, profile: Path | None = None
                 ) -> AsyncIterator[tuple[ServerProcess, AcsLine]]:
    """The bot on `sdk` in a process of its own, answering the stand-in's calls; and a line to call it on."""
    settings = {**acs_settings(standin, "http://127.0.0.1"), **BOT_ENV, "BOT_SDK": sdk.value}
    del settings["CALLBACK_BASE_URL"]  # the target names its own, with the port `serve` gives it
    command = [sys.executable, "-m", "benchmarks.targets.acs_bot", "--ca", str(standin.ca_path)]
    if profile is not None:
        command += ["--profile", str(profile)]
    async with serve(command, settings, log=folder / f"{sdk.value}.log") as bot:
        yield bot, AcsLine(standin, bot.url, app=None)  # type: ignore[arg-type]  # the app runs in `bot`


async def http_round(bot: ServerProcess, service: ServiceUrl, http: aiohttp.ClientSession, settings: SdkCpuSettings
                     ) -> tuple[float, int, int]:
    """(bot CPU seconds, turns, failures) of main-menu turns over HTTP, the calls already at the menu."""
    script = MainMenuScript("9")
    callers = [Call(CallActivities(f"cpu-{uuid.uuid4().hex}", service.url), service, http, bot.messages_url)
               for _ in range(settings.calls)]
    await asyncio.gather(*(script.start(call) for call in callers))
    before = cpu_seconds(bot.process.pid)

    async def keys(call: Call) -> int:
        failed = 0
        for _ in range(settings.turns):
            try:
                await call.turn(script.measured_turn(call))
            except (TurnFailed, aiohttp.ClientError):
                failed += 1
        return failed

    failures = sum(await asyncio.gather(*(keys(call) for call in callers)))
    used = cpu_seconds(bot.process.pid) - before
    for call in callers:
        service.forget(call.activities.conversation_id)
    return used, settings.calls * settings.turns - failures, failures


async def acs_round(bot: ServerProcess, line: AcsLine, settings: SdkCpuSettings) -> tuple[float, int, int]:
    """(bot CPU seconds, turns, failures) of a caller's key at the menu, over Call Automation."""
    callers = await asyncio.gather(*(at_menu(line, f"+1425558{n:04d}") for n in range(settings.calls)))
    failures = 0
    before = cpu_seconds(bot.process.pid)

    async def keys(call) -> int:
        for taken in range(settings.turns):
            try:
                await repeat_menu(call)
            except asyncio.TimeoutError:
                return settings.turns - taken
        return 0

    failures = sum(await asyncio.gather(*(keys(call) for call in callers)))
    used = cpu_seconds(bot.process.pid) - before
    for call in callers:
        await call.hang_up()
    for call in callers:
        await call.delivered()
    return used, settings.calls * settings.turns - failures, failures


async def measure_sdk_cpu(settings: SdkCpuSettings) -> SdkCpuReport:
    rounds: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
    service = ServiceUrl()
    await service.start()
    http = await new_http_session(limit=max(settings.calls, 50))
    try:
        with tempfile.TemporaryDirectory(prefix="sdk-cpu-") as folder:
            standin = AcsStandIn(make_tls(Path(folder) / "tls"))
            await standin.start()
            try:
                async with contextlib.AsyncExitStack() as stack:
                    bots = {sdk: await stack.enter_async_context(bot_on(sdk, standin, Path(folder))) for sdk in SdkName}
                    for bot, line in bots.values():  # warm-up: imports, connections, TLS, the callbacks' keys
                        await http_round(bot, service, http, SdkCpuSettings(4, 2, 1))
                        await acs_round(bot, line, SdkCpuSettings(2, 2, 1))
                    for _ in range(settings.rounds):
                        for sdk, (bot, line) in bots.items():
                            rounds.setdefault((sdk.value, "http"), []).append(await http_round(bot, service, http, settings))
                            rounds.setdefault((sdk.value, "acs"), []).append(await acs_round(bot, line, settings))
            finally:
                await standin.close()
    finally:
        await http.close()
        await service.stop()
    return SdkCpuReport(settings, [_row(sdk, path, results) for (sdk, path), results in rounds.items()])


def _row(sdk: str, path: str, results: list[tuple[float, int, int]]) -> CpuRow:
    per_turn = [1000 * seconds / turns if turns else 0.0 for seconds, turns, _ in results]
    return CpuRow(sdk, path, round(statistics.median(per_turn), 3), sum(t for _, t, _ in results),
                  sum(f for _, _, f in results), [round(ms, 3) for ms in per_turn])


async def profile(settings: SdkCpuSettings, folder: Path) -> list[Path]:
    """Each SDK's bot under cProfile, once per path; returns the `.prof` files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    service = ServiceUrl()
    await service.start()
    http = await new_http_session(limit=max(settings.calls, 50))
    standin = AcsStandIn(make_tls(folder / "tls"))
    await standin.start()
    try:
        for sdk in SdkName:
            for path in PATHS:
                out = folder / f"{sdk.value}-{path}.prof"
                async with bot_on(sdk, standin, folder, out) as (bot, line):
                    if path == "http":
                        await http_round(bot, service, http, settings)
                    else:
                        await acs_round(bot, line, settings)
                written.append(out)
    finally:
        await standin.close()
        await http.close()
        await service.stop()
    return written


def format_sdk_cpu(report: SdkCpuReport) -> str:
    settings = report.settings
    lines = [
        "",
        f"The bot's CPU per turn on each SDK (one bot process per SDK, the ACS stand-in and the load in another; "
        f"{settings.calls} calls x {settings.turns} turns; median of {settings.rounds} interleaved rounds)",
        f"{'sdk':<11} {'path':<5} {'CPU ms/turn':>11} {'turns':>6} {'fail':>5}  by round",
    ]
    for row in report.rows:
        lines.append(f"{row.sdk:<11} {row.path:<5} {row.cpu_ms_per_turn:>11.3f} {row.turns:>6} {row.failures:>5}  "
                     + ", ".join(f"{ms:.3f}" for ms in row.rounds))
    for sdk in SdkName:
        http, acs = report.row(sdk.value, "http"), report.row(sdk.value, "acs")
        if http and acs and http.cpu_ms_per_turn:
            lines.append(f"{sdk.value}: a key over Call Automation costs {acs.cpu_ms_per_turn / http.cpu_ms_per_turn:.2f}x "
                         "a menu turn over HTTP")
    return "\n".join(lines)



def summarize_profile(written: Path, rows: int) -> None:
    stats = pstats.Stats(str(written))
    print(f"\n{written.name}: the costliest functions by own time")
    stats.sort_stats("tottime").print_stats(rows)


async def main(argv: list[str] | None = None) -> int:
    defaults = SdkCpuSettings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=defaults.calls, help="concurrent calls per round")
    parser.add_argument("--turns", type=int, default=defaults.turns, help="turns per call per round")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="interleaved rounds per row")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON results")
    parser.add_argument("--profile", type=Path, help="also profile each SDK and path; .prof files go here")
    parser.add_argument("--profile-rows", type=int, default=25)
    args = parser.parse_args(argv)
    settings = SdkCpuSettings(args.calls, args.turns, args.rounds)
    report = await measure_sdk_cpu(settings)
    print(format_sdk_cpu(report))
    print(f"wrote {write_latest(report, 'sdk_cpu', args.out)}", file=sys.stderr)
    if args.profile:
        for written in await profile(settings, args.profile):
            summarize_profile(written, args.profile_rows)
    return 0 if report.complete else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
