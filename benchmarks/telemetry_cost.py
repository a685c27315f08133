"""What telemetry costs: this bot with it off, on, and as of an earlier commit, measured in alternation.

Each variant runs in its own process for the whole run; rounds of saturated load
go to each in turn, in a shuffled order each round, so a noisy neighbour on the
machine weighs on all of them alike. Two figures per round and variant:

- turns/s, as the callers saw it (wall clock: moves with everything else the machine does);
- the bot's CPU per turn (its event loop's time on a core, read from the kernel's
  scheduler statistics): what a turn costs the bot, whatever else runs. Its
  inverse is the turns one core can serve, the throughput of a CPU-bound bot.

Variants are compared round by round (each round's pair ran within seconds of each
other) and the median of those ratios is reported with its middle half.

    python -m benchmarks.telemetry_cost [--baseline REF] [--rounds 15] [--calls 50] [--turns 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.channel import ServiceUrl
from benchmarks.loadgen import MainMenuScript, cpu_seconds, new_http_session, run_calls
from benchmarks.otlp_sink import OtlpSink
from benchmarks.run_all import ROOT, Target, baseline_target, bot_target, telemetry_on_target
from devtools.processes import serve

OFF = "telemetry off"
ON = "telemetry on (otlp)"


@dataclass
class Variant:
    name: str
    url: str
    pid: int
    turns_per_s: list[float] = field(default_factory=list)
    cpu_us_per_turn: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    """One variant against another, round by round: ratios of turns per CPU-second and of turns/s."""

    name: str
    reference: str
    cpu_throughput: list[float]
    wall_throughput: list[float]

    def lines(self) -> list[str]:
        return [
            f"{self.name} vs {self.reference}: throughput per CPU-second {_spread(self.cpu_throughput)}; "
            f"turns/s {_spread(self.wall_throughput)} ({len(self.cpu_throughput)} paired rounds)"
        ]


def _spread(ratios: list[float]) -> str:
    """The median change and the middle half of the rounds' changes."""
    changes = sorted(r - 1 for r in ratios)
    if len(changes) < 4:
        return f"{statistics.median(changes):+.1%}"
    low, _, high = statistics.quantiles(changes, n=4)
    return f"{statistics.median(changes):+.1%} (middle half {low:+.1%} to {high:+.1%})"


async def measure_round(variant: Variant, args: argparse.Namespace, service: ServiceUrl, http: aiohttp.ClientSession):
    before = cpu_seconds(variant.pid)
    run = await run_calls(
        variant.url, MainMenuScript(), calls=args.calls, turns_per_call=args.turns, service=service, http=http
    )
    used = cpu_seconds(variant.pid) - before
    variant.turns_per_s.append(run.turns_per_s)
    variant.cpu_us_per_turn.append(used * 1e6 / max(1, len(run.latencies)))  # calls' starts included


def compare(variants: dict[str, Variant], name: str, reference: str) -> Comparison:
    row, ref = variants[name], variants[reference]
    return Comparison(
        name,
        reference,
        [r / c for c, r in zip(row.cpu_us_per_turn, ref.cpu_us_per_turn)],
        [w / r for w, r in zip(row.turns_per_s, ref.turns_per_s)],
    )


async def run(args: argparse.Namespace, targets: list[tuple[str, Target, dict[str, str]]]) -> dict[str, Variant]:
    """Serve every target and give them `args.rounds` rounds of load in alternation."""
    async with AsyncExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="telemetry-cost-")))
        service = ServiceUrl()
        await service.start()
        stack.push_async_callback(service.stop)
        http = await new_http_session(limit=max(args.calls, 50))
        stack.push_async_callback(http.close)
        variants: dict[str, Variant] = {}
        for name, target, extra in targets:
            server = await stack.enter_async_context(
                serve(target.command, {**target.env, **extra}, cwd=target.cwd or ROOT, log=workspace / f"{len(variants)}.log")
            )
            variants[name] = Variant(name, server.messages_url, server.process.pid)
            await run_calls(server.messages_url, MainMenuScript(), calls=10, turns_per_call=20, service=service, http=http)
        order = list(variants.values())
        shuffle = random.Random(args.seed)
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr, flush=True)
            shuffle.shuffle(order)
            for variant in order:
                await measure_round(variant, args, service, http)
        return variants


def report(variants: dict[str, Variant]) -> list[str]:
    lines = [f"{'variant':<24} {'median turns/s':>14} {'min':>7} {'max':>7} {'median CPU us/turn':>18}"]
    for v in variants.values():
        lines.append(
            f"{v.name:<24} {statistics.median(v.turns_per_s):>14.1f} {min(v.turns_per_s):>7.1f} "
            f"{max(v.turns_per_s):>7.1f} {statistics.median(v.cpu_us_per_turn):>18.0f}"
        )
    for name in variants:
        if name != OFF:
            # Off is the reference for the cost of turning it on, and the baseline for the cost of it existing.
            pair = (OFF, name) if name != ON else (name, OFF)
            lines.extend(compare(variants, *pair).lines())
    return lines


async def main(args: argparse.Namespace) -> int:
    async with AsyncExitStack() as stack:
        sink = OtlpSink()
        await sink.start()
        stack.push_async_callback(sink.stop)
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="telemetry-baseline-")))
        off, on = bot_target("app.py"), telemetry_on_target("app.py")
        targets = [(OFF, off, {})]
        if args.baseline:
            targets.append((f"as of {args.baseline}", baseline_target(args.baseline, workspace / "baseline", off), {}))
        if not args.skip_on:
            targets.append((ON, on, {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.url}))
        variants = await run(args, targets)
    print("\n".join(report(variants)))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=50, help="concurrent calls per round")
    parser.add_argument("--turns", type=int, default=20, help="measured turns per call per round")
    parser.add_argument("--seed", type=int, default=1, help="for the order of variants within each round")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="also measure the bot as of this git commit")
    parser.add_argument("--skip-on", action="store_true", help="leave out telemetry on (off against the baseline only)")
    add_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
