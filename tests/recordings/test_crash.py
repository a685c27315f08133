"""A crash in the middle of a download loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from recordings.jobs import JobState

from simulator.acs import Fault
from .conftest import SECRET, publish, recording_event

ROOT = Path(__file__).resolve().parents[2]
AUDIO = "/v1/objects/0-eus-d3-crash/content/audio"


async def test_after_a_crash_mid_download_a_restart_completes_the_file_once(start_app, standin, config):
    media = os.urandom(4 * 1024 * 1024)
    chunk = publish(standin, "0-eus-d3-crash", media, "call-crash", ["8:acs:a"])
    standin.inject(AUDIO, Fault(stall_after=1_500_000))
    env = {**os.environ, "RECORDINGS_DIR": config.RECORDINGS_DIR, "EVENTGRID_SECRET": SECRET,
           "ACS_CONNECTION_STRING": config.ACS_CONNECTION_STRING}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.recordings.app_process", str(standin.ca_path),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )
    try:
        port = int(await asyncio.wait_for(process.stdout.readline(), 30))
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/api/recordings/events?code={SECRET}"
            async with session.post(url, json=[recording_event([chunk])]) as response:
                assert response.status == 200
        await asyncio.wait_for(standin.stalled.wait(), 30)
        await asyncio.sleep(0.2)  # let the process write what it received
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    root = Path(config.RECORDINGS_DIR)
    assert not (root / "calls/call-crash/0-eus-d3-crash.wav").exists()

    app = await start_app()
    job = await app.settled("0-eus-d3-crash")
    assert job.state is JobState.DONE
    assert (root / "calls/call-crash/0-eus-d3-crash.wav").read_bytes() == media
    call_files = sorted(p.name for p in (root / "calls/call-crash").iterdir())
    assert call_files == ["0-eus-d3-crash.entry.json", "0-eus-d3-crash.metadata.json", "0-eus-d3-crash.wav"]
    ranges = [s.range for s in standin.requests_for(AUDIO)]
    assert len(ranges) == 2 and ranges[0] is None
    assert ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-", "the restart resumes, it does not start over"
