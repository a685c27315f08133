"""Instructions per turn: the bot's work on a main-menu turn, counted by Valgrind, for variants side by side.

Timings on a shared machine move by ten percent from one round to the next (other
work, caches, the collector), which hides a 2 % question. The number of machine
instructions the bot executes for a turn does not depend on the machine's load.
Each variant runs under Valgrind's `cachegrind` (instruction counting only) twice,
taking a small and a large number of turns from one sequential caller; the
difference of the two totals, divided by the difference in turns, is the cost of
a turn, with start-up and shutdown cancelled out.

Valgrind slows the bot about thirty-fold, so this takes minutes, and only turns'
work is comparable: waiting, the network and other processes are not counted.

    python -m benchmarks.instructions [--baseline REF] [--on] [--turns 50 250]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp

from benchmarks.channel import ServiceUrl
from benchmarks.loadgen import MainMenuScript, new_http_session, run_calls
from benchmarks.otlp_sink import OtlpSink
from benchmarks.run_all import ROOT, Target, baseline_target, bot_target, telemetry_on_target
from devtools.processes import LOOPBACK, child_process, free_port, wait_for_port

START_TIMEOUT_S = 600.0  # importing the bot takes a few seconds natively, minutes under Valgrind
STOP_TIMEOUT_S = 600.0
_TOTAL = re.compile(r"^summary:\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Count:
    name: str
    turns: tuple[int, int]
    instructions: tuple[int, int]

    @property
    def per_turn(self) -> float:
        return (self.instructions[1] - self.instructions[0]) / (self.turns[1] - self.turns[0])


async def count_instructions(
    target: Target, extra_env: dict[str, str], turns: int, folder: Path, service: ServiceUrl, http: aiohttp.ClientSession
) -> int:
    """Instructions the bot executed from start to exit, having served one caller `turns` main-menu turns."""
    out = folder / f"cachegrind-{abs(hash((target.name, turns)))}.out"
    port = free_port()
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}", *target.command]
    env = {**os.environ, **target.env, **extra_env, "PORT": str(port), "PYTHONHASHSEED": "0"}
    with child_process(command, cwd=target.cwd or ROOT, env=env, log=folder / f"{out.name}.log") as process:
        await wait_for_port(LOOPBACK, port, START_TIMEOUT_S, process)
        url = f"http://{LOOPBACK}:{port}/api/messages"
        run = await run_calls(url, MainMenuScript(), calls=1, turns_per_call=turns, service=service, http=http)
        if run.failures:
            raise RuntimeError(f"{target.name}: {run.failures} of {turns} turns failed under Valgrind")
        process.popen.send_signal(signal.SIGINT)  # aiohttp shuts down cleanly; Valgrind then writes its counts
        await asyncio.to_thread(process.popen.wait, STOP_TIMEOUT_S)
    return total_instructions(out)


def total_instructions(cachegrind_out: Path) -> int:
    """The total instruction count (`summary:` line) of a cachegrind output file."""
    match = _TOTAL.search(cachegrind_out.read_text())
    if match is None:
        raise RuntimeError(f"no instruction count in {cachegrind_out}")
    return int(match.group(1))


async def measure(targets: list[tuple[Target, dict[str, str]]], turns: tuple[int, int]) -> list[Count]:
    async with AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="instructions-")))
        service = ServiceUrl()
        await service.start()
        stack.push_async_callback(service.stop)
        http = await new_http_session(limit=4)
        stack.push_async_callback(http.close)
        counts = []
        for target, extra_env in targets:
            totals = []
            for n in turns:
                print(f"counting {target.name}, {n} turns ...", file=sys.stderr, flush=True)
                totals.append(await count_instructions(target, extra_env, n, folder, service, http))
            counts.append(Count(target.name, turns, (totals[0], totals[1])))
        return counts


def report(off: Count, baseline: Count | None, on: Count | None) -> list[str]:
    """The table, then telemetry off against the baseline (what it costs to exist) and on against off."""
    counts = [count for count in (off, baseline, on) if count is not None]
    lines = [f"{'variant':<28} {'instructions per turn':>22}"]
    lines.extend(f"{count.name:<28} {count.per_turn:>22,.0f}" for count in counts)
    for first, second in ((off, baseline), (on, off)):
        if first is not None and second is not None:
            change = first.per_turn / second.per_turn - 1
            lines.append(f"{first.name} vs {second.name}: instructions per turn {change:+.2%}")
    lines.append(f"(one caller's {off.turns[0]} and {off.turns[1]} main-menu turns, counted by Valgrind's cachegrind)")
    return lines


async def main(args: argparse.Namespace) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    async with AsyncExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="instructions-baseline-")))
        off, on = bot_target("app.py"), telemetry_on_target("app.py")
        off = replace(off, name="telemetry off")
        targets: list[tuple[Target, dict[str, str]]] = [(off, {})]
        if args.baseline:
            targets.append((baseline_target(args.baseline, workspace / "baseline", off), {}))
        if args.on:
            sink = OtlpSink()
            await sink.start()
            stack.push_async_callback(sink.stop)
            targets.append((on, {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.url}))
        counts = iter(await measure(targets, tuple(args.turns)))
        lines = report(next(counts), next(counts) if args.baseline else None, next(counts) if args.on else None)
    print("\n".join(lines))
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="also count the bot as of this git commit")
    parser.add_argument("--on", action="store_true", help="also count the bot with telemetry on (OTLP to a local sink)")
    parser.add_argument("--turns", type=int, nargs=2, default=[50, 250], metavar=("FEW", "MANY"))
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
