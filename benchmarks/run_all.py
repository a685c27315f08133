"""Run every benchmark target side by side and print one table (and write JSON).

Each target runs in its own process on a free loopback port; the load generator and
the simulated service URL run in this process. Per target: a warm-up, a load phase of
`--calls` concurrent calls taking `--turns` measured turns each, then an idle phase
that opens `--idle-calls` calls and leaves them at their first prompt to measure
resident-memory growth.

    python -m benchmarks.run_all [--calls 100] [--turns 10] [--idle-calls 1000] [--baseline REF]

The bot is measured with telemetry off (the default) and on (OTLP/HTTP to a local
sink, every span and metric exported); `--baseline REF` adds the bot as of a git
commit (e.g. the one before a change), run from an export of that commit, to
compare side by side.

Then this bot over HTTP and over WebSocket (one socket per call, and every call
on one socket) with one load generator, and a capacity run of paced callers on
each transport (`benchmarks.transports`; `--skip-transports`, `--skip-capacity`).
(`make bench` then runs `benchmarks.acs_path`, the main menu over Call Automation next to HTTP,
and `benchmarks.sdk_cpu`, the bot's CPU per turn on each SDK over HTTP and Call Automation.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from azure.storage.blob.aio import BlobServiceClient

from benchmarks.channel import CallActivities, ServiceUrl
from benchmarks.otlp_sink import OtlpSink
from benchmarks.results import RESULTS_DIR
from benchmarks.transports import TransportReport, add_arguments, format_transports, measure_transports
from benchmarks.loadgen import (
    Call,
    CallScript,
    EchoScript,
    MainMenuScript,
    PaymentScript,
    new_http_session,
    open_idle_calls,
    read_rss_kb,
    run_calls,
)
from devtools.azurite import azurite_blob_service
from devtools.processes import serve
from hosting.state.blob_storage import blob_name

ROOT = Path(__file__).resolve().parent.parent
#: A tree without telemetry (README, "Make it smaller") has no telemetry-on row.
HAS_TELEMETRY = (ROOT / "telemetry").is_dir()
SAMPLES_ECHO = "sdk-echo (samples' wiring)"
CEILING = "bare aiohttp echo (ceiling)"
BLOB_WITH_LEASE = "bot main menu [blob/Azurite]"
BLOB_WITHOUT_LEASE = "bot, blob, no lease (before)"
BOT_OFF = "bot main menu [memory]"
TELEMETRY_ON = "bot, telemetry on (otlp)"
BASELINE = "bot, as of {ref}"
CACHED_ECHO = "sdk-echo + cached clients"


@dataclass
class Target:
    """A bot to measure: how to start it and how a caller talks to it."""

    name: str
    command: list[str]
    script: CallScript
    env: dict[str, str] = field(default_factory=dict)
    needs_blob: bool = False
    needs_otlp: bool = False  # exports to the run's OTLP sink
    cwd: Path | None = None  # where the command runs (a baseline's export); the repository by default


@dataclass
class TargetResult:
    """One row of the table. Latencies in ms, memory in MB (growth per idle call in KB)."""

    name: str
    calls: int
    turns: int = 0
    failures: int = 0
    turns_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    paced_turns_per_s: float = 0.0
    paced_p50_ms: float = 0.0
    paced_p99_ms: float = 0.0
    peak_rss_mb: float = 0.0
    idle_calls: int = 0
    idle_rss_growth_mb: float = 0.0
    idle_rss_per_call_kb: float = 0.0
    state_bytes_per_call: int | None = None
    state_measured_after: str | None = None
    error: str | None = None


async def measure(target: Target, args: argparse.Namespace, extra_env: dict[str, str], log: Path) -> TargetResult:
    """Start the target (its output goes to `log`), load it, and stop it."""
    service = ServiceUrl()
    await service.start()
    http = await new_http_session(limit=max(args.calls, 50))
    try:
        async with serve(target.command, {**target.env, **extra_env}, log=log, cwd=target.cwd or ROOT) as server:
            bot_url, process = server.messages_url, server.process
            await run_calls(bot_url, target.script, calls=10, turns_per_call=5, service=service, http=http)
            await asyncio.sleep(0.5)
            idle_before_kb = read_rss_kb(process.pid)["VmRSS"]
            await open_idle_calls(bot_url, target.script, calls=args.idle_calls, service=service, http=http)
            await asyncio.sleep(1.0)
            growth_kb = read_rss_kb(process.pid)["VmRSS"] - idle_before_kb
            saturated = await run_calls(
                bot_url, target.script, calls=args.calls, turns_per_call=args.turns, service=service, http=http
            )
            paced = await run_calls(
                bot_url,
                target.script,
                calls=args.calls,
                turns_per_call=args.paced_turns,
                service=service,
                http=http,
                think_s=args.think_s,
            )
            peak_kb = read_rss_kb(process.pid)["VmHWM"]
            state_bytes, state_after = None, None
            if target.needs_blob:
                call = Call(CallActivities(f"state-{uuid.uuid4().hex}", service.url), service, http, bot_url)
                await PaymentScript().start(call)
                state_after = "payment" if PaymentScript.completed(call) else "menu only (no payment outcome heard)"
                state_bytes = await blob_state_bytes(
                    extra_env["AZURE_STORAGE_CONNECTION_STRING"],
                    extra_env["STATE_BLOB_CONTAINER"],
                    call.activities.conversation_id,
                )
            return TargetResult(
                name=target.name,
                calls=args.calls,
                turns=len(saturated.latencies),
                failures=saturated.failures + paced.failures,
                turns_per_s=round(saturated.turns_per_s, 1),
                p50_ms=round(saturated.percentile_ms(0.50), 2),
                p99_ms=round(saturated.percentile_ms(0.99), 2),
                paced_turns_per_s=round(paced.turns_per_s, 1),
                paced_p50_ms=round(paced.percentile_ms(0.50), 2),
                paced_p99_ms=round(paced.percentile_ms(0.99), 2),
                peak_rss_mb=round(peak_kb / 1024, 1),
                idle_calls=args.idle_calls,
                idle_rss_growth_mb=round(growth_kb / 1024, 1),
                idle_rss_per_call_kb=round(growth_kb / max(args.idle_calls, 1), 2),
                state_bytes_per_call=state_bytes,
                state_measured_after=state_after,
            )
    finally:
        await http.close()
        await service.stop()


def reference_targets() -> list[Target]:
    """The comparison targets: the SDK sample echo bot (plain and with cached clients) and the ceiling."""
    python = sys.executable
    return [
        Target(SAMPLES_ECHO, [python, "-m", "benchmarks.targets.sdk_echo", "--port", "{port}"], EchoScript()),
        Target(
            CACHED_ECHO,
            [python, "-m", "benchmarks.targets.sdk_echo", "--port", "{port}", "--cached-auth"],
            EchoScript(),
        ),
        Target(CEILING, [python, "-m", "benchmarks.targets.aiohttp_echo", "--port", "{port}"], EchoScript()),
    ]


_BOT_ENV = {"NO_INPUT_TIMEOUT_S": "3600", "LOG_LEVEL": "WARNING", "TRANSFER_DELAY_S": "0"}


def bot_target(bot_command: str) -> Target:
    """This bot's main-menu turn, state in memory, telemetry off."""
    return Target(BOT_OFF, [sys.executable, bot_command], MainMenuScript(), {**_BOT_ENV, "STORAGE": "memory"})


def telemetry_on_target(bot_command: str) -> Target:
    """The same with telemetry on, exporting every span and metric to the run's OTLP sink."""
    env = {**_BOT_ENV, "STORAGE": "memory", "OTEL_METRIC_EXPORT_INTERVAL": "5000"}
    return Target(TELEMETRY_ON, [sys.executable, bot_command], MainMenuScript(), env, needs_otlp=True)


def bot_targets(bot_command: str) -> list[Target]:
    """This bot's main-menu turn: with memory (telemetry off, and on when the tree has it), and with
    blob state (with and without the call's lease)."""
    python = sys.executable
    blob = {**_BOT_ENV, "STORAGE": "blob"}
    return [
        bot_target(bot_command),
        *([telemetry_on_target(bot_command)] if HAS_TELEMETRY else []),
        Target(BLOB_WITH_LEASE, [python, bot_command], MainMenuScript(), blob, needs_blob=True),
        Target(
            BLOB_WITHOUT_LEASE,
            [python, "-m", "benchmarks.targets.bot_without_lease"],
            MainMenuScript(),
            blob,
            needs_blob=True,
        ),
    ]


def format_table(results: list[TargetResult]) -> str:
    header = (
        f"{'target':<30} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} | {'paced/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"| {'fail':>4} {'peakRSS MB':>10} {'idle +MB':>8} {'KB/call':>7} {'state B':>7}"
    )
    lines = [
        f"{'':<30} {'saturated (no think time)':^24} | {'paced (think time)':^23} |",
        header,
        "-" * len(header),
    ]
    for r in results:
        if r.error:
            lines.append(f"{r.name:<30} error: {r.error}")
            continue
        state = "-" if r.state_bytes_per_call is None else str(r.state_bytes_per_call)
        lines.append(
            f"{r.name:<30} {r.turns_per_s:>8.1f} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} | {r.paced_turns_per_s:>7.1f} "
            f"{r.paced_p50_ms:>7.2f} {r.paced_p99_ms:>7.2f} | {r.failures:>4} {r.peak_rss_mb:>10.1f} "
            f"{r.idle_rss_growth_mb:>8.1f} {r.idle_rss_per_call_kb:>7.2f} {state:>7}"
        )
    return "\n".join(lines)


def format_ratios(results: list[TargetResult]) -> str:
    """Every target against the ceiling (p99), the samples' echo bot (throughput) and, paced, the echo bot
    with this template's clients (the fair reference for this bot's latency)."""
    by_name = {r.name: r for r in results if r.error is None}
    ceiling, echo, cached_echo = by_name.get(CEILING), by_name.get(SAMPLES_ECHO), by_name.get(CACHED_ECHO)
    lines = []
    for r in by_name.values():
        if r.name in (CEILING, SAMPLES_ECHO):
            continue
        parts = []
        if echo is not None and echo.turns_per_s:
            parts.append(f"turns/s {r.turns_per_s / echo.turns_per_s:.1f}x the samples' echo")
        if ceiling is not None and ceiling.p99_ms and ceiling.paced_p99_ms:
            parts.append(
                f"p99 {r.p99_ms / ceiling.p99_ms:.1f}x (saturated) and "
                f"{r.paced_p99_ms / ceiling.paced_p99_ms:.1f}x (paced) the ceiling's"
            )
        if cached_echo is not None and cached_echo.paced_p99_ms and r is not cached_echo:
            parts.append(f"paced p99 {r.paced_p99_ms / cached_echo.paced_p99_ms:.2f}x the echo bot's with this template's clients")
        if parts:
            lines.append(f"{r.name}: " + "; ".join(parts))
    leased, unleased = by_name.get(BLOB_WITH_LEASE), by_name.get(BLOB_WITHOUT_LEASE)
    if leased is not None and unleased is not None and unleased.turns_per_s:
        lines.append(
            "the call's lease, per turn (blob with it vs without): "
            f"p50 {leased.p50_ms - unleased.p50_ms:+.1f} ms saturated, "
            f"{leased.paced_p50_ms - unleased.paced_p50_ms:+.1f} ms paced; "
            f"turns/s {leased.turns_per_s / unleased.turns_per_s:.2f}x"
        )
    lines.extend(telemetry_ratios(by_name))
    return "\n".join(lines)


def telemetry_ratios(by_name: dict[str, TargetResult]) -> list[str]:
    """Telemetry off against the baseline commit (no cost when off) and on against off (its cost)."""
    lines = []
    off, on = by_name.get(BOT_OFF), by_name.get(TELEMETRY_ON)
    baseline = next((r for name, r in by_name.items() if name.startswith(BASELINE.split("{")[0])), None)
    for label, row, reference in (("telemetry off vs the baseline", off, baseline), ("telemetry on vs off", on, off)):
        if row is not None and reference is not None and reference.turns_per_s:
            lines.append(
                f"{label}: turns/s {row.turns_per_s / reference.turns_per_s - 1:+.1%}; "
                f"p50 {row.p50_ms - reference.p50_ms:+.2f} ms, p99 {row.p99_ms - reference.p99_ms:+.2f} ms saturated; "
                f"paced p50 {row.paced_p50_ms - reference.paced_p50_ms:+.2f} ms; "
                f"peak RSS {row.peak_rss_mb - reference.peak_rss_mb:+.1f} MB"
            )
    return lines


def baseline_target(ref: str, folder: Path, like: Target) -> Target:
    """The bot as of `ref`, exported from git into `folder` and run with this run's environment."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return Target(BASELINE.format(ref=ref), like.command, like.script, like.env, cwd=folder)


async def main(args: argparse.Namespace) -> int:
    targets = reference_targets()
    async with AsyncExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        if not args.skip_bot:
            bot = bot_targets(args.bot_command)
            if args.baseline:
                bot.insert(1, baseline_target(args.baseline, workspace / "baseline", bot[0]))
            targets = bot[:-2] + targets + bot[-2:]  # the blob rows last: they start Azurite
        if args.only:
            targets = [t for t in targets if any(word in t.name for word in args.only)]
        results: list[TargetResult] = []
        blob_env: dict[str, str] = {}
        sink: OtlpSink | None = None
        for number, target in enumerate(targets):
            print(f"measuring {target.name} ...", file=sys.stderr, flush=True)
            try:
                if target.needs_blob and not blob_env:
                    connection_string = await stack.enter_async_context(azurite_blob_service(workspace))
                    blob_env = {"AZURE_STORAGE_CONNECTION_STRING": connection_string, "STATE_BLOB_CONTAINER": "bench-state"}
                if target.needs_otlp and sink is None:
                    sink = OtlpSink()
                    await sink.start()
                    stack.push_async_callback(sink.stop)
                extra_env = blob_env if target.needs_blob else {}
                if target.needs_otlp:
                    extra_env = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.url}
                results.append(await measure(target, args, extra_env, workspace / f"target-{number}.log"))
            except Exception as error:  # a failed target is reported in the table, not fatal to the run
                results.append(TargetResult(target.name, args.calls, error=str(error)[:300]))
        transports = TransportReport()
        if not args.skip_transports and (not args.only or any("transport" in word for word in args.only)):
            print("measuring this bot by transport ...", file=sys.stderr, flush=True)
            transports = await measure_transports(args, workspace)
        print(format_table(results))
        print(format_ratios(results))
        if sink is not None:
            print(f"telemetry on: the OTLP sink received {sink.requests} exports, {sink.bytes / 1024:.0f} KB")
    for r in results:
        if r.state_measured_after:
            print(f"state of {r.name} weighed after: {r.state_measured_after}")
    if transports.saturated or transports.capacity or transports.paced:
        print(format_transports(transports))
    _write_json(results, transports, args)
    return 0 if all(r.error is None for r in results) else 1


async def blob_state_bytes(connection_string: str, container: str, conversation_id: str) -> int:
    """Bytes of every state blob stored for one conversation."""
    marker = blob_name(conversation_id)
    total = 0
    async with BlobServiceClient.from_connection_string(connection_string) as service:
        async for blob in service.get_container_client(container).list_blobs():
            if marker in blob.name:
                total += blob.size
    return total


def _write_json(results: list[TargetResult], transports: TransportReport, args: argparse.Namespace) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "calls": args.calls,
            "turns_per_call": args.turns,
            "paced_turns_per_call": args.paced_turns,
            "think_s": args.think_s,
            "idle_calls": args.idle_calls,
        },
        "results": [asdict(r) for r in results],
        "transports": asdict(transports),
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in (args.out / f"bench-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'latest.json'}", file=sys.stderr)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100, help="concurrent calls in the load phase")
    parser.add_argument("--turns", type=int, default=10, help="measured turns per call")
    parser.add_argument("--paced-turns", type=int, default=20, help="measured turns per call with think time")
    parser.add_argument("--think-s", type=float, default=1.0, help="mean think time between a caller's keys")
    parser.add_argument("--bot-command", default="app.py", help="script that serves this bot on $PORT")
    parser.add_argument("--idle-calls", type=int, default=1000, help="calls left idle to measure memory")
    parser.add_argument("--skip-bot", action="store_true", help="measure only the reference targets")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON results")
    parser.add_argument("--baseline", help="also measure the bot as of this git commit (e.g. main)")
    parser.add_argument("--only", nargs="*", help="measure only targets whose name contains one of these words")
    add_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
