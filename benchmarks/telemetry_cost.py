"""What telemetry costs: this bot with it off, on, and as of an earlier commit, measured in alternation.

Each variant runs in its own process for the whole run; rounds of saturated load
go to each in turn (off, baseline, on, off, ...), so a noisy neighbour on the
machine weighs on all of them alike. The medians over the rounds are compared.

    python -m benchmarks.telemetry_cost [--baseline main] [--rounds 7] [--calls 50] [--turns 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks.channel import ServiceUrl
from benchmarks.loadgen import MainMenuScript, new_http_session, run_calls
from benchmarks.otlp_sink import OtlpSink
from benchmarks.run_all import ROOT, baseline_target, bot_targets
from devtools.processes import serve


async def main(args: argparse.Namespace) -> int:
    async with AsyncExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="telemetry-cost-")))
        sink = OtlpSink()
        await sink.start()
        stack.push_async_callback(sink.stop)
        service = ServiceUrl()
        await service.start()
        stack.push_async_callback(service.stop)
        http = await new_http_session(limit=max(args.calls, 50))
        stack.push_async_callback(http.close)
        off, on = bot_targets("app.py")[:2]
        variants = [("telemetry off", off, {})]
        if args.baseline:
            variants.append((f"as of {args.baseline}", baseline_target(args.baseline, workspace / "baseline", off), {}))
        variants.append(("telemetry on (otlp)", on, {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.url}))
        urls = {}
        for name, target, extra in variants:
            server = await stack.enter_async_context(
                serve(target.command, {**target.env, **extra}, cwd=target.cwd or ROOT, log=workspace / f"{len(urls)}.log")
            )
            urls[name] = server.messages_url
            await run_calls(urls[name], MainMenuScript(), calls=10, turns_per_call=5, service=service, http=http)
        rates: dict[str, list[float]] = {name: [] for name in urls}
        p50s: dict[str, list[float]] = {name: [] for name in urls}
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr, flush=True)
            for name, url in urls.items():
                run = await run_calls(url, MainMenuScript(), calls=args.calls, turns_per_call=args.turns, service=service, http=http)
                rates[name].append(run.turns_per_s)
                p50s[name].append(run.percentile_ms(0.50))
    print(f"{'variant':<24} {'median turns/s':>14} {'min':>7} {'max':>7} {'median p50 ms':>13}")
    for name in urls:
        print(
            f"{name:<24} {statistics.median(rates[name]):>14.1f} {min(rates[name]):>7.1f} {max(rates[name]):>7.1f} "
            f"{statistics.median(p50s[name]):>13.2f}"
        )
    off_rate = statistics.median(rates["telemetry off"])
    for name in urls:
        if name != "telemetry off":
            print(f"{name} vs telemetry off: turns/s {statistics.median(rates[name]) / off_rate - 1:+.1%}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="also measure the bot as of this git commit")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50, help="concurrent calls per round")
    parser.add_argument("--turns", type=int, default=10, help="measured turns per call per round")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
