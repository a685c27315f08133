"""Benchmark: download one large recording through the SDK, next to a plain copy.

    .venv/bin/python benchmarks/recording_download.py [--size-mib 1024]

The ACS stand-in runs in a child process and serves a generated file over TLS.
This process downloads it twice into a temporary directory:
  1. the app's path: `AcsRecordingSource` (Call Automation SDK, HMAC signing,
     streaming) into a `LocalStore` upload, committed and size-checked;
  2. a plain loopback copy: aiohttp GET of the same bytes written to a file.
It prints throughput for both and this process's peak RSS before and after the
SDK download (memory must not grow with the file size).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from recordings.hosts import HostAllowList  # noqa: E402
from recordings.source import AcsRecordingSource  # noqa: E402
from recordings.store import LocalStore  # noqa: E402
from simulator.acs import AcsStandIn, PatternPayload, client_connector, make_tls  # noqa: E402

MIB = 1024 * 1024


def rss_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def serve(size: int, tls_dir: Path) -> None:
    standin = AcsStandIn(make_tls(tls_dir))
    standin.verify_signatures = False  # the plain copy sends no signature; the SDK still signs
    await standin.start()
    chunk = standin.add_recording("0-bench-doc", PatternPayload(size), {"callId": "bench", "participants": []})
    print(standin.port, chunk["contentLocation"], standin.connection_string, flush=True)
    await asyncio.Event().wait()


async def measure(size_mib: int) -> None:
    size = size_mib * MIB
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", str(size), str(work / "tls"), stdout=asyncio.subprocess.PIPE
        )
        try:
            _port, url, connection_string = (await server.stdout.readline()).decode().split()
            ca = work / "tls" / "ca.pem"

            rss_before = rss_mib("VmRSS")
            source = AcsRecordingSource.from_connection_string(
                connection_string, HostAllowList(["*.asm.skype.com"]), connector=lambda: client_connector(ca)
            )
            upload = await LocalStore(work / "store").open_upload("bench.wav")
            started = time.perf_counter()
            received = await source.fetch(url, upload)
            await upload.commit()
            sdk_s = time.perf_counter() - started
            await source.close()
            peak = rss_mib("VmHWM")
            assert received == size, (received, size)

            async with aiohttp.ClientSession(connector=client_connector(ca)) as session:
                started = time.perf_counter()
                async with session.get(url) as response:
                    with open(work / "plain.bin", "wb") as f:
                        async for block in response.content.iter_chunked(256 * 1024):
                            f.write(block)
                plain_s = time.perf_counter() - started
            assert (work / "plain.bin").stat().st_size == size
        finally:
            server.kill()
            await server.wait()

    print(f"file size:            {size_mib} MiB")
    print(f"SDK download:         {sdk_s:6.2f} s  {size_mib / sdk_s:7.1f} MiB/s")
    print(f"plain loopback copy:  {plain_s:6.2f} s  {size_mib / plain_s:7.1f} MiB/s")
    print(f"RSS before download:  {rss_before:6.1f} MiB")
    print(f"peak RSS (VmHWM):     {peak:6.1f} MiB  (+{peak - rss_before:.1f} MiB for a {size_mib} MiB file)")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), Path(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    asyncio.run(measure(parser.parse_args().size_mib))


if __name__ == "__main__":
    main()
