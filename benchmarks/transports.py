"""This bot over HTTP and over WebSocket, side by side, with one load generator.

`callers.js` plays the channel for every transport (Node's HTTP client, or
Microsoft's botframework-streaming `WebSocketClient`), so no transport is
favoured by its client. The saturated rows run in the same bot process,
transports interleaved round by round, and report each transport's median
round; the soaks then place whole calls ending in normal hang-ups on that bot
and count the error and warning records it logged meanwhile; the capacity run adds paced callers (a key every ~3 s) to a fresh bot
until a step's p99 passes the limit, and reports how many calls the instance
held below it; the idle run measures resident memory per open call (and, over
WebSocket, per open socket). The paced comparison loads this bot and the SDK
echo bot with this template's clients (and its streaming stack) with paced
callers on each transport, rounds interleaved, and reports this bot's p99 as a
multiple of the echo bot's: what the call flow itself adds to a turn's tail.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.processes import serve

ROOT = Path(__file__).resolve().parent.parent
CALLERS = ROOT / "benchmarks" / "callers.js"
TRANSPORTS = ("http", "ws-per-call", "ws-multiplexed")
CAPACITY_TRANSPORTS = ("http", "ws-per-call")
PACED_TRANSPORTS = ("http", "ws-per-call")
ECHO_COMMAND = ["-m", "benchmarks.targets.sdk_echo", "--port", "{port}", "--cached-auth", "--streaming"]
BOT_ENV = {"NO_INPUT_TIMEOUT_S": "3600", "LOG_LEVEL": "WARNING", "TRANSFER_DELAY_S": "0", "STORAGE": "memory"}


@dataclass
class SaturatedRow:
    """One transport's saturated main-menu turns: the median round, and every round's turns/s."""

    transport: str
    turns_per_s: float
    p50_ms: float
    p99_ms: float
    failures: int
    rounds: list[float] = field(default_factory=list)
    bot_cpu_ms_per_turn: float = 0.0  # median over rounds: the bot's own cost of a turn


@dataclass
class CapacityRow:
    """How many paced calls one instance held with p99 under the limit, and each step on the way."""

    transport: str
    held_calls: int
    limit_ms: float
    steps: list[dict[str, Any]]
    idle_calls: int = 0
    idle_kb_per_call: float = 0.0


@dataclass
class SoakRow:
    """Whole calls with normal hang-ups, and what the bot logged meanwhile."""

    transport: str
    calls: int
    failures: int
    error_records: int
    warning_records: int
    tracebacks: int


@dataclass
class PacedRow:
    """Paced turns on one transport: this bot and the echo bot with this template's clients, median rounds."""

    transport: str
    bot_p50_ms: float
    bot_p99_ms: float
    echo_p50_ms: float
    echo_p99_ms: float
    failures: int
    p99_ratios: list[float] = field(default_factory=list)  # this bot's p99 / the echo bot's, round by round

    @property
    def p99_ratio(self) -> float:
        return self.bot_p99_ms / self.echo_p99_ms if self.echo_p99_ms else float("nan")


@dataclass
class TransportReport:
    saturated: list[SaturatedRow] = field(default_factory=list)
    soaks: list[SoakRow] = field(default_factory=list)
    capacity: list[CapacityRow] = field(default_factory=list)
    paced: list[PacedRow] = field(default_factory=list)


async def run_callers(settings: dict[str, Any]) -> dict[str, Any]:
    """Run `callers.js` with `settings`; its JSON result."""
    process = await asyncio.create_subprocess_exec(
        "node", str(CALLERS), json.dumps(settings), cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"callers.js failed: {err.decode(errors='replace')[-500:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def measure_saturated(args: Any, log: Path) -> tuple[list[SaturatedRow], list[SoakRow]]:
    """Every transport against one bot process, in interleaved rounds; then the soaks on it."""
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in TRANSPORTS}
    soaks = []
    async with serve([sys.executable, "app.py"], BOT_ENV, log=log) as bot:
        for transport in TRANSPORTS:  # warm-up
            await run_callers({"mode": "saturate", "transport": transport, "botUrl": bot.messages_url, "calls": 10, "turns": 5})
        for _ in range(args.ws_rounds):
            for transport in TRANSPORTS:
                settings = {"mode": "saturate", "transport": transport, "botUrl": bot.messages_url, "botPid": bot.process.pid}
                runs[transport].append(await run_callers({**settings, "calls": args.ws_calls, "turns": args.ws_turns}))
        for transport in TRANSPORTS[1:]:
            soaks.append(await soak(transport, bot.messages_url, args, log))
    return _median_rows(runs), soaks


async def soak(transport: str, bot_url: str, args: Any, log: Path) -> SoakRow:
    """`--soak-calls` whole calls ending in a normal hang-up; counts what the bot logged during them."""
    start = log.stat().st_size
    result = await run_callers(
        {"mode": "soak", "transport": transport, "botUrl": bot_url, "calls": args.soak_calls, "concurrency": 50}
    )
    await asyncio.sleep(1.0)  # the last sockets' closes are handled
    with log.open("rb") as output:
        output.seek(start)
        logged = output.read().decode(errors="replace").splitlines()
    return SoakRow(
        transport,
        result["calls"],
        result["failures"],
        sum(" ERROR " in line or " CRITICAL " in line for line in logged),
        sum(" WARNING " in line for line in logged),
        sum(line.startswith("Traceback") for line in logged),
    )


def _median_rows(runs: dict[str, list[dict[str, Any]]]) -> list[SaturatedRow]:
    rows = []
    for transport, results in runs.items():
        median = sorted(results, key=lambda r: r["turnsPerS"])[len(results) // 2]
        rows.append(
            SaturatedRow(
                transport,
                round(median["turnsPerS"], 1),
                round(median["p50Ms"], 2),
                round(median["p99Ms"], 2),
                sum(r["failures"] for r in results),
                [round(r["turnsPerS"], 1) for r in results],
                round(statistics.median(r["botCpuMsPerTurn"] or 0.0 for r in results), 2),
            )
        )
    return rows


async def measure_capacity(transport: str, args: Any, log_dir: Path) -> CapacityRow:
    """Idle memory per call on one fresh bot, then paced callers on another until p99 passes the limit."""
    async with serve([sys.executable, "app.py"], BOT_ENV, log=log_dir / f"idle-{transport}.log") as bot:
        idle = await run_callers(
            {"mode": "idle", "transport": transport, "botUrl": bot.messages_url, "calls": args.idle_sockets,
             "botPid": bot.process.pid}
        )
    async with serve([sys.executable, "app.py"], BOT_ENV, log=log_dir / f"capacity-{transport}.log") as bot:
        held = await run_callers(
            {
                "mode": "capacity",
                "transport": transport,
                "botUrl": bot.messages_url,
                "botPid": bot.process.pid,
                "keyIntervalS": args.key_interval_s,
                "firstCalls": args.capacity_first,
                "stepCalls": args.capacity_step,
                "stepS": args.capacity_step_s,
                "minTurns": args.capacity_min_turns,
                "maxCalls": args.capacity_max,
                "p99LimitMs": args.capacity_p99_ms,
            }
        )
    return CapacityRow(
        transport, held["heldCalls"], held["limitMs"], held["steps"], idle["calls"], round(idle["kbPerCall"], 1)
    )


async def measure_paced(args: Any, log_dir: Path) -> list[PacedRow]:
    """This bot and the cached-clients echo bot, both running, paced callers on each in interleaved rounds."""
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    async with serve([sys.executable, "app.py"], BOT_ENV, log=log_dir / "paced-bot.log") as bot, serve(
        [sys.executable, *ECHO_COMMAND], {}, log=log_dir / "paced-echo.log"
    ) as echo:
        targets = {"bot": bot, "echo": echo}
        for transport in PACED_TRANSPORTS:  # warm-up
            for target in targets.values():
                await run_callers({"mode": "saturate", "transport": transport, "botUrl": target.messages_url, "calls": 10, "turns": 5})
        for _ in range(args.paced_rounds):
            for transport in PACED_TRANSPORTS:
                for name, target in targets.items():
                    settings = {"mode": "paced", "transport": transport, "botUrl": target.messages_url,
                                "botPid": target.process.pid, "calls": args.paced_calls, "turns": args.paced_turns,
                                "thinkS": args.think_s}
                    runs.setdefault((transport, name), []).append(await run_callers(settings))
    rows = []
    for transport in PACED_TRANSPORTS:
        bots, echoes = runs[(transport, "bot")], runs[(transport, "echo")]
        rows.append(
            PacedRow(
                transport,
                round(statistics.median(r["p50Ms"] for r in bots), 2),
                round(statistics.median(r["p99Ms"] for r in bots), 2),
                round(statistics.median(r["p50Ms"] for r in echoes), 2),
                round(statistics.median(r["p99Ms"] for r in echoes), 2),
                sum(r["failures"] for r in bots + echoes),
                [round(b["p99Ms"] / e["p99Ms"], 2) for b, e in zip(bots, echoes)],
            )
        )
    return rows


async def measure_transports(args: Any, log_dir: Path) -> TransportReport:
    report = TransportReport()
    if not args.skip_paced:
        report.paced = await measure_paced(args, log_dir)
    if not args.skip_saturated:
        report.saturated, report.soaks = await measure_saturated(args, log_dir / "transports.log")
    if not args.skip_capacity:
        for transport in CAPACITY_TRANSPORTS:
            report.capacity.append(await measure_capacity(transport, args, log_dir))
    return report


def format_transports(report: TransportReport) -> str:
    lines = []
    if report.saturated:
        lines += [
            "",
            "This bot's main menu by transport (one load generator, callers.js; median of interleaved rounds)",
            f"{'transport':<16} {'turns/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5} {'bot CPU ms/turn':>15}  rounds (turns/s)",
        ]
    by_name = {row.transport: row for row in report.saturated}
    for row in report.saturated:
        rounds = ", ".join(f"{r:.1f}" for r in row.rounds)
        lines.append(
            f"{row.transport:<16} {row.turns_per_s:>8.1f} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f} {row.failures:>5} "
            f"{row.bot_cpu_ms_per_turn:>15.2f}  {rounds}"
        )
    http = by_name.get("http")
    if http and http.turns_per_s:
        for name in ("ws-per-call", "ws-multiplexed"):
            row = by_name.get(name)
            if row:
                cpu = f", bot CPU per turn {row.bot_cpu_ms_per_turn / http.bot_cpu_ms_per_turn:.2f}x" if http.bot_cpu_ms_per_turn else ""
                lines.append(
                    f"{name}: turns/s {row.turns_per_s / http.turns_per_s:.2f}x HTTP's, "
                    f"p99 {row.p99_ms / http.p99_ms:.2f}x HTTP's{cpu}"
                )
    if report.paced:
        lines.append("")
        lines.append(
            "Paced callers: this bot next to the SDK echo bot with this template's clients "
            "(callers.js; median of interleaved rounds)"
        )
        lines.append(
            f"{'transport':<16} {'bot p50':>8} {'bot p99':>8} {'echo p50':>9} {'echo p99':>9} {'fail':>5}  p99 bot/echo, rounds"
        )
        for row in report.paced:
            rounds = ", ".join(f"{r:.2f}" for r in row.p99_ratios)
            lines.append(
                f"{row.transport:<16} {row.bot_p50_ms:>8.2f} {row.bot_p99_ms:>8.2f} {row.echo_p50_ms:>9.2f} "
                f"{row.echo_p99_ms:>9.2f} {row.failures:>5}  {row.p99_ratio:.2f}x ({rounds})"
            )
    for soaked in report.soaks:
        lines.append(
            f"soak {soaked.transport}: {soaked.calls} calls hung up normally ({soaked.failures} failed); the bot logged "
            f"{soaked.error_records} errors, {soaked.warning_records} warnings, {soaked.tracebacks} tracebacks"
        )
    for row in report.capacity:
        last = row.steps[-1] if row.steps else {}
        lines.append(
            f"capacity {row.transport}: held {row.held_calls} paced calls with p99 < {row.limit_ms:g} ms "
            f"(last step: {last.get('calls')} calls, p99 {last.get('p99Ms') or float('nan'):.1f} ms, "
            f"RSS {last.get('rssMb') or 0:.0f} MB); idle: {row.idle_kb_per_call:.1f} KB per open "
            f"{'socket and call' if row.transport != 'http' else 'call'} ({row.idle_calls} calls)"
        )
    return "\n".join(lines)


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("transports (HTTP and WebSocket through callers.js)")
    group.add_argument("--skip-transports", action="store_true", help="leave out the transport comparison")
    group.add_argument("--skip-saturated", action="store_true", help="leave out the saturated rounds and the soaks")
    group.add_argument("--skip-paced", action="store_true", help="leave out the paced comparison with the echo bot")
    group.add_argument("--paced-calls", type=int, default=100, help="paced callers per round of the echo comparison")
    group.add_argument("--paced-rounds", type=int, default=3, help="interleaved rounds of the echo comparison")
    group.add_argument("--ws-calls", type=int, default=50, help="concurrent calls per saturated round")
    group.add_argument("--ws-turns", type=int, default=20, help="turns per call per saturated round")
    group.add_argument("--ws-rounds", type=int, default=3, help="interleaved rounds per transport")
    group.add_argument("--soak-calls", type=int, default=1000, help="whole calls per WebSocket soak")
    group.add_argument("--skip-capacity", action="store_true", help="leave out the paced capacity run")
    group.add_argument("--key-interval-s", type=float, default=3.0, help="a paced caller's mean time between keys")
    group.add_argument("--capacity-first", type=int, default=25, help="paced callers in the first capacity step")
    group.add_argument("--capacity-step", type=int, default=200, help="callers added per step once doubling would add more")
    group.add_argument("--capacity-step-s", type=float, default=20.0, help="seconds measured per capacity step")
    group.add_argument("--capacity-min-turns", type=int, default=2000, help="turns a step measures at least (60 s at most)")
    group.add_argument("--capacity-max", type=int, default=3000, help="stop adding callers here")
    group.add_argument("--capacity-p99-ms", type=float, default=50.0, help="the p99 a step must stay under")
    group.add_argument("--idle-sockets", type=int, default=500, help="calls left open to weigh memory per socket")
