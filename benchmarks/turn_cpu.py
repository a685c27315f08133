"""The bot's CPU time per paced main-menu turn, this tree next to a baseline commit, rounds interleaved.

Wall-clock latency on a shared two-core machine swings with the neighbours'
load; the CPU seconds the bot process itself used (from /proc, read by
`callers.js`) per turn do not. Each round runs paced callers (a key every
`--think-s` seconds or so) against every bot in turn, on every transport asked
for, and the table shows each bot's median round.

    python -m benchmarks.turn_cpu [--baseline REF] [--transports http ws-per-call] [--rounds 5]
    python -m benchmarks.turn_cpu --profile folder    # also each transport under cProfile

With `--profile`, one more bot runs under cProfile (`benchmarks.targets.profiled_bot`)
for each transport and its twenty costliest functions (own time) are printed;
the `.prof` files stay in the folder for `python -m pstats` or snakeviz.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import statistics
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks.run_all import ROOT, baseline_target, bot_target
from benchmarks.transports import BOT_ENV, run_callers
from devtools.processes import ServerProcess, serve

THIS_TREE = "this tree"


def _settings(args: argparse.Namespace, transport: str, bot: ServerProcess) -> dict:
    return {
        "mode": "paced", "transport": transport, "botUrl": bot.messages_url, "botPid": bot.process.pid,
        "calls": args.calls, "turns": args.turns, "thinkS": args.think_s,
    }


async def _warm_up(transport: str, bot: ServerProcess) -> None:
    await run_callers({"mode": "saturate", "transport": transport, "botUrl": bot.messages_url, "calls": 10, "turns": 5})


async def measure(args: argparse.Namespace, workspace: Path) -> dict[tuple[str, str], list[dict]]:
    bots: dict[str, Path] = {THIS_TREE: ROOT}
    if args.baseline:
        bots[f"as of {args.baseline}"] = baseline_target(args.baseline, workspace / "baseline", bot_target("app.py")).cwd
    runs: dict[tuple[str, str], list[dict]] = {}
    async with AsyncExitStack() as stack:
        servers = {
            name: await stack.enter_async_context(
                serve([sys.executable, "app.py"], BOT_ENV, cwd=cwd, log=workspace / f"{len(name)}-{abs(hash(name))}.log")
            )
            for name, cwd in bots.items()
        }
        for transport in args.transports:
            for server in servers.values():
                await _warm_up(transport, server)
        for _ in range(args.rounds):
            for transport in args.transports:
                for name, server in servers.items():
                    runs.setdefault((transport, name), []).append(await run_callers(_settings(args, transport, server)))
    return runs


async def profile(args: argparse.Namespace, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for transport in args.transports:
        out = folder / f"{transport}.prof"
        env = {**BOT_ENV, "PROFILE_OUT": str(out)}
        async with serve([sys.executable, "-m", "benchmarks.targets.profiled_bot"], env, log=folder / f"{transport}.log") as bot:
            await _warm_up(transport, bot)
            await run_callers(_settings(args, transport, bot))
        written.append(out)
    return written


def format_runs(runs: dict[tuple[str, str], list[dict]]) -> str:
    lines = [f"{'transport':<14} {'bot':<22} {'CPU ms/turn':>11} {'p50 ms':>7} {'p99 ms':>7} {'fail':>5}  CPU ms/turn by round"]
    for (transport, name), results in runs.items():
        cpu = [r["botCpuMsPerTurn"] or 0.0 for r in results]
        lines.append(
            f"{transport:<14} {name:<22} {statistics.median(cpu):>11.3f} {statistics.median(r['p50Ms'] for r in results):>7.2f} "
            f"{statistics.median(r['p99Ms'] for r in results):>7.2f} {sum(r['failures'] for r in results):>5}  "
            + ", ".join(f"{c:.3f}" for c in cpu)
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="turn-cpu-") as workspace:
        runs = await measure(args, Path(workspace))
    print(format_runs(runs))
    if args.profile:
        for written in await profile(args, args.profile):
            print(f"\n{written}: the costliest functions by own time")
            pstats.Stats(str(written)).sort_stats("tottime").print_stats(args.profile_rows)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="also measure the bot as of this git commit")
    parser.add_argument("--transports", nargs="+", default=["http", "ws-per-call"], choices=["http", "ws-per-call", "ws-multiplexed"])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--calls", type=int, default=200, help="paced callers per round")
    parser.add_argument("--turns", type=int, default=10, help="keys each caller presses per round")
    parser.add_argument("--think-s", type=float, default=1.0, help="a caller's mean time between keys")
    parser.add_argument("--profile", type=Path, help="also profile each transport; .prof files go here")
    parser.add_argument("--profile-rows", type=int, default=30, help="functions listed per profile")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
