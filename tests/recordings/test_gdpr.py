"""Export and erasure per participant, and retention, through `python -m recordings`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from recordings.jobs import JobState

from simulator.acs import BytesPayload
from .conftest import metadata_for, publish, recording_event

ROOT = Path(__file__).resolve().parents[2]
ALICE = "8:acs:29bd5ea9-e0fc-4d00-8f6f-339b1f0ee2e2_00000008-6ad3-6540-99c6-593a0d00c367"
BOB = "8:acs:29bd5ea9-e0fc-4d00-8f6f-339b1f0ee2e2_31d5c120-90a9-409d-8f48-a3463c35f58e"
CAROL = "8:acs:29bd5ea9-e0fc-4d00-8f6f-339b1f0ee2e2_4e0c1a2b-0000-4000-8000-000000000003"


async def cli(config, *args: str) -> tuple[int, str]:
    env = {**os.environ, "RECORDINGS_DIR": config.RECORDINGS_DIR, "RECORDINGS_STORE": "local"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "recordings", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode, out.decode()


def every_byte_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


async def test_export_then_erase_removes_everything_of_one_participant_and_nothing_else(
    start_app, standin, tmp_path
):
    app = await start_app()
    media = {name: os.urandom(200_000) for name in ("shared", "alone", "other")}
    chunks = [
        publish(standin, "0-eus-d5-shared", media["shared"], "call-ab", [ALICE, BOB]),
        publish(standin, "0-eus-d5-alone", media["alone"], "call-a", [ALICE]),
        publish(standin, "0-eus-d5-other", media["other"], "call-c", [CAROL]),
    ]
    event = recording_event(chunks)
    await app.post([event])
    for chunk in chunks:
        assert (await app.settled(chunk["documentId"])).state is JobState.DONE
    root = Path(app.config.RECORDINGS_DIR)

    status, out = await cli(app.config, "export", "--participant", ALICE, "--out", str(tmp_path / "export"))
    assert status == 0 and "exported 2 recording(s)" in out
    manifest = json.loads((tmp_path / "export/manifest.json").read_text())
    assert manifest["participantId"] == ALICE
    exported = {r["documentId"]: r for r in manifest["recordings"]}
    assert set(exported) == {"0-eus-d5-shared", "0-eus-d5-alone"}
    for document_id, key in (("0-eus-d5-shared", "shared"), ("0-eus-d5-alone", "alone")):
        item = exported[document_id]
        data = (tmp_path / "export" / item["media"]["path"]).read_bytes()
        assert data == media[key]
        assert item["media"]["sha256"] == hashlib.sha256(data).hexdigest()
        assert json.loads((tmp_path / "export" / item["metadata"]["path"]).read_text())["participants"]

    status, out = await cli(app.config, "erase", "--participant", ALICE)
    assert status == 0 and "erased 2 recording(s)" in out and "1 also held other participants" in out

    assert ALICE.encode() not in every_byte_under(root / "calls")
    assert ALICE.encode() not in every_byte_under(root / "participants")
    assert ALICE.encode() not in (root / "audit.log").read_bytes()
    assert not (root / "calls/call-a").exists() and not (root / "calls/call-ab").exists()
    assert (root / "calls/call-c/0-eus-d5-other.wav").read_bytes() == media["other"]

    status, out = await cli(app.config, "list")
    assert status == 0 and "0-eus-d5-other" in out and "0-eus-d5-shared" not in out
    status, out = await cli(app.config, "list", "--participant", BOB)
    assert status == 0 and out.strip() == "", "the shared recording is gone for Bob too"
    status, out = await cli(app.config, "export", "--participant", ALICE, "--out", str(tmp_path / "again"))
    assert "exported 0 recording(s)" in out

    audit = [json.loads(line) for line in (root / "audit.log").read_text().splitlines()]
    assert [a["action"] for a in audit] == ["export", "erase", "export"]
    assert audit[1]["participant"] == "sha256:" + hashlib.sha256(ALICE.encode()).hexdigest()

    # Event Grid delivers at least once: a late copy must not bring the recording back.
    assert (await app.job("0-eus-d5-alone")).state is JobState.ERASED
    requests_before = len(standin.seen)
    assert (await (await app.post([event])).json())["duplicates"] == 3
    await asyncio.sleep(0.2)
    assert len(standin.seen) == requests_before
    assert not (root / "calls/call-a").exists()


async def test_purge_deletes_recordings_older_than_the_retention(start_app, standin):
    app = await start_app()
    old_start = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat()
    old = standin.add_recording("0-eus-d5-old", BytesPayload(b"old" * 1000),
                                metadata_for("call-old", [CAROL], start=old_start))
    new = publish(standin, "0-eus-d5-new", b"new" * 1000, "call-new", [CAROL])
    await app.post([recording_event([old, new])])
    await app.settled("0-eus-d5-old")
    await app.settled("0-eus-d5-new")

    status, out = await cli(app.config, "purge", "--older-than", "30")
    assert status == 0 and "purged 1 recording(s)" in out
    root = Path(app.config.RECORDINGS_DIR)
    assert not (root / "calls/call-old").exists()
    assert (root / "calls/call-new/0-eus-d5-new.wav").exists()
    status, out = await cli(app.config, "list", "--participant", CAROL)
    assert "0-eus-d5-new" in out and "0-eus-d5-old" not in out


async def test_the_command_line_rejects_bad_arguments(standin, config):
    status, out = await cli(config, "purge", "--older-than", "soon")
    assert status == 2 and "whole number" in out
    status, out = await cli(config, "erase")
    assert status == 2 and "--participant" in out
