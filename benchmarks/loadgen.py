"""Places simulated calls against a bot endpoint and measures its turns.

A turn's latency runs from the moment the channel starts posting the activity to the
moment the last reply for it arrives at the service URL (the bot's HTTP answer comes
after its replies, so the answer marks the end of the turn).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

import aiohttp

from benchmarks.channel import CallActivities, ServiceUrl
from telephony import COMMAND_ACTIVITY, RecordingCommand


class TurnFailed(RuntimeError):
    """The bot refused a turn or sent no reply to it."""


@dataclass
class Call:
    """One simulated call: its activities, the channel's view of its replies and an HTTP session."""

    activities: CallActivities
    service: ServiceUrl
    http: aiohttp.ClientSession
    bot_url: str

    async def turn(self, activity: dict[str, Any], *, expect_reply: bool = True) -> float:
        """Post one activity; return seconds until its last reply reached the service URL."""
        log = self.service.log(self.activities.conversation_id)
        replies_before = len(log.replies)
        started = time.perf_counter()
        async with self.http.post(self.bot_url, json=activity) as response:
            await response.read()
            if response.status >= 400:
                raise TurnFailed(f"{activity['type']} answered {response.status}")
        if len(log.replies) == replies_before:
            if expect_reply:
                raise TurnFailed(f"no reply to {activity['type']} {activity.get('text', '')!r}")
            return time.perf_counter() - started
        return log.last_reply_at - started

    def replies(self) -> list[dict[str, Any]]:
        return self.service.log(self.activities.conversation_id).replies

    async def answer_recording_commands(self, since: int) -> None:
        """Report success for every recording command the bot sent since reply number `since`."""
        for reply in self.replies()[since:]:
            if reply.get("type") == COMMAND_ACTIVITY and reply.get("name") in _RECORDING_NAMES:
                command_id = (reply.get("value") or {}).get("commandId", "")
                await self.turn(
                    self.activities.command_result(reply["name"], command_id), expect_reply=False
                )


_RECORDING_NAMES = {command.value for command in RecordingCommand}


class CallScript(Protocol):
    """What a simulated caller does: set the call up, then take measured turns."""

    async def start(self, call: Call) -> None: ...

    def measured_turn(self, call: Call) -> dict[str, Any]: ...


@dataclass
class TurnStats:
    """Latencies of the measured turns and the window they ran in."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    elapsed_s: float = 0.0

    @property
    def turns_per_s(self) -> float:
        return len(self.latencies) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[min(int(q * 1000) - 1, len(cuts) - 1)] * 1000


async def run_calls(
    bot_url: str,
    script: CallScript,
    *,
    calls: int,
    turns_per_call: int,
    service: ServiceUrl,
    http: aiohttp.ClientSession,
    think_s: float = 0.0,
) -> TurnStats:
    """Start `calls` calls, then have all of them take `turns_per_call` measured turns at once.

    With `think_s` 0 each caller presses the next key as soon as the last reply is in
    (saturation: latency then mostly measures queueing). Otherwise each caller waits
    a random 0.5–1.5 × `think_s` before each key, as a person listening to a prompt does.
    """
    placed = [
        Call(CallActivities(f"bench-{uuid.uuid4().hex}", service.url), service, http, bot_url)
        for _ in range(calls)
    ]
    await _bounded(placed, script.start, limit=50)
    stats = TurnStats()

    async def take_turns(call: Call) -> None:
        for _ in range(turns_per_call):
            if think_s:
                await asyncio.sleep(think_s * random.uniform(0.5, 1.5))
            try:
                stats.latencies.append(await call.turn(script.measured_turn(call)))
            except (TurnFailed, aiohttp.ClientError):
                stats.failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(take_turns(call) for call in placed))
    stats.elapsed_s = time.perf_counter() - started
    for call in placed:
        service.forget(call.activities.conversation_id)
    return stats


async def open_idle_calls(
    bot_url: str, script: CallScript, *, calls: int, service: ServiceUrl, http: aiohttp.ClientSession
) -> list[Call]:
    """Start `calls` calls and leave them waiting at their first prompt."""
    placed = [
        Call(CallActivities(f"idle-{uuid.uuid4().hex}", service.url), service, http, bot_url)
        for _ in range(calls)
    ]
    await _bounded(placed, script.start, limit=50)
    for call in placed:
        service.forget(call.activities.conversation_id)
    return placed


async def _bounded(calls: list[Call], action: Callable[[Call], Awaitable[None]], *, limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def run(call: Call) -> None:
        async with gate:
            await action(call)

    await asyncio.gather(*(run(call) for call in calls))


class EchoScript:
    """A caller of an echo bot: says hello on connect, then presses 1 again and again."""

    async def start(self, call: Call) -> None:
        await call.turn(call.activities.call_start(), expect_reply=False)

    def measured_turn(self, call: Call) -> dict[str, Any]:
        return call.activities.key_press("1")


class MainMenuScript:
    """A caller of this bot: connects, lets recording start, then asks for the menu again (9)."""

    def __init__(self, repeat_key: str = "9"):
        self._repeat_key = repeat_key

    async def start(self, call: Call) -> None:
        await call.turn(call.activities.call_start())
        await call.answer_recording_commands(since=0)

    def measured_turn(self, call: Call) -> dict[str, Any]:
        return call.activities.key_press(self._repeat_key)


def read_rss_kb(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in KiB."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """CPU time a process's main thread has used, in seconds (nanosecond resolution).

    The bot's turns all run on its event loop, in the main thread; the kernel's
    scheduler statistics count that thread's time in nanoseconds, where
    `/proc/<pid>/stat` counts whole clock ticks (10 ms).
    """
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as schedstat:
        return int(schedstat.read().split()[0]) / 1e9


async def new_http_session(limit: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, force_close=False),
        timeout=aiohttp.ClientTimeout(total=60),
    )


class PaymentScript:
    """A caller who pays the demo account's balance by card, answering every recording command.

    `completed(call)` tells whether the call heard the payment's outcome, so a report
    can say whether state was weighed after a payment or only after the menu.
    """

    CARD_KEYS = "4111111111111111#" "1230" "123#"

    async def start(self, call: Call) -> None:
        await MainMenuScript().start(call)
        for key in "1" + "123456" + "1" + self.CARD_KEYS + "1":
            since = len(call.replies())
            await call.turn(call.activities.key_press(key), expect_reply=False)
            await call.answer_recording_commands(since)

    def measured_turn(self, call: Call) -> dict[str, Any]:
        return call.activities.key_press("9")

    @staticmethod
    def completed(call: Call) -> bool:
        heard = " ".join((reply.get("text") or "").lower() for reply in call.replies())
        return "approved" in heard or "declined" in heard
