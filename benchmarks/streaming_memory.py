"""What one misbehaving streaming socket costs the bot in resident memory.

Starts `python app.py` for each attack, opens one raw WebSocket and sends packets
Microsoft's clients never send, then prints the bot's RSS growth and whether
the bot closed the socket:

- `headers`: request headers of about 1 MiB each (JSON that parses into many
  objects), each announcing a 10-byte body that never comes;
- `empty streams`: empty, non-final `S` packets, each with a fresh stream id;
- `empty requests`: empty, non-final `A` packets, each with a fresh id;
- `orphan streams`: empty `S` packets that end their stream, for no request.

    python -m benchmarks.streaming_memory [--headers 150] [--packets 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.loadgen import read_rss_kb
from devtools.processes import serve_app
from tests.hosting.streaming.streaming_peer import RawPeer

PACKETS_PER_FRAME = 1000
SETTLE_S = 1.0


@dataclass(frozen=True)
class Attack:
    name: str
    frames: Iterator[bytes]


@dataclass(frozen=True)
class Outcome:
    name: str
    rss_growth_mib: float
    socket_closed: bool


def large_headers(count: int) -> Iterator[bytes]:
    """Request headers of about 1 MiB that each announce a 10-byte stream and never send it."""
    padding = json.dumps([0] * 500_000, separators=(",", ":"))
    for _ in range(count):
        stream_id = str(uuid.uuid4())
        meta = f'{{"verb":"POST","path":"/api/messages","streams":[{{"id":"{stream_id}","length":10}}],"pad":{padding}}}'
        yield _packets("A", str(uuid.uuid4()), meta.encode())


def empty_packets(kind: str, count: int, end: bool = False) -> Iterator[bytes]:
    """`count` empty packets of `kind`, each with a fresh id, ending their payload or not."""
    for start in range(0, count, PACKETS_PER_FRAME):
        packets = (f"{kind}.000000.{uuid.uuid4()}.{int(end)}\n".encode() for _ in range(min(PACKETS_PER_FRAME, count - start)))
        yield b"".join(packets)


def _packets(kind: str, identifier: str, payload: bytes) -> bytes:
    """`payload` in packets of at most 999,999 bytes (the header's six digits), the last one ending it."""
    chunks = [payload[i : i + 999_999] for i in range(0, len(payload), 999_999)]
    return b"".join(
        f"{kind}.{len(chunk):06d}.{identifier}.{int(i == len(chunks) - 1)}\n".encode() + chunk for i, chunk in enumerate(chunks)
    )


async def measure(url: str, pid: int, attack: Attack) -> Outcome:
    peer = await RawPeer.connect(url)
    before = read_rss_kb(pid)["VmRSS"]
    for frame in attack.frames:
        if peer.closed.is_set():
            break
        peer.send(frame)
        await peer.drain()
    await asyncio.sleep(SETTLE_S)
    after = read_rss_kb(pid)["VmRSS"]
    closed = peer.closed.is_set()
    peer.abort()
    return Outcome(attack.name, (after - before) / 1024, closed)


async def main(headers: int, packets: int) -> list[Outcome]:
    attacks = [
        Attack("headers", large_headers(headers)),
        Attack("empty streams", empty_packets("S", packets)),
        Attack("empty requests", empty_packets("A", packets)),
        Attack("orphan streams", empty_packets("S", packets, end=True)),
    ]
    outcomes = []
    with tempfile.TemporaryDirectory() as logs:
        for attack in attacks:  # a bot of its own each, so one attack's memory is not the next one's
            async with serve_app({"LOG_LEVEL": "WARNING"}, log=Path(logs) / "bot.log") as bot:
                outcomes.append(await measure(bot.messages_url, bot.process.pid, attack))
    return outcomes


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headers", type=int, default=150, help="1 MiB headers on the first socket")
    parser.add_argument("--packets", type=int, default=200_000, help="empty packets on each of the other sockets")
    arguments = parser.parse_args()
    for outcome in asyncio.run(main(arguments.headers, arguments.packets)):
        state = "closed by the bot" if outcome.socket_closed else "still open"
        print(f"{outcome.name}: RSS +{outcome.rss_growth_mib:.0f} MiB, socket {state}")
