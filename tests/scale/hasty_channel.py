"""The Telephony channel at its fastest, spreading each call over several bot instances.

It answers while the turn that asked is still running: a recording command's result
and a transfer's `handoff.status` (failed) are posted the moment the command reaches
the service URL, before the bot's send has even returned, so the answer's turn races
the turn that caused it (a timer's turn included: the transfer is sent from one).
The caller is quick too: the next key goes out as soon as the prompt it waits for
arrives, while the turn that sent the prompt may still be saving. Every post of a call
goes to the next instance in turn, as a load balancer without affinity would send it.

Only answers race; a caller's keys keep their order (each waits for the previous key's
response), as a person's keys, a few hundred milliseconds apart, would. Every post
carries the moment it was sent in `timestamp`, as the channel stamps its activities.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import aiohttp
from aiohttp import web

from telephony import (
    COMMAND_ACTIVITY,
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_FAILED,
    HANDOFF_INITIATE,
    HANDOFF_STATUS,
)
from tests.scale.conftest import CALLER, Instance, call_activity

WAIT_S = 30.0

_MASKED = re.compile(r"\w*\d\w*|\b[A-Z]{6,}\b")
Stall = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Heard:
    """One activity the bot sent, as a comparison sees it: ids dropped, amounts, keys and the
    random confirmation number masked."""

    type: str
    name: str
    text: str

    @classmethod
    def of(cls, activity: dict[str, Any]) -> "Heard":
        return cls(activity.get("type", ""), activity.get("name") or "", _MASKED.sub("#", activity.get("text") or ""))


@dataclass(eq=False)
class HastyCall:
    """One call: what the bot sent it, and the posts the channel made for it."""

    channel: "HastyChannel"
    instances: Iterable[Instance]
    conversation_id: str = field(default_factory=lambda: f"call-{uuid.uuid4().hex}")
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    posts: list[asyncio.Task] = field(default_factory=list)
    _caller_post: asyncio.Task | None = None
    _next_instance: Any = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.send_to(self.instances)

    def send_to(self, instances: Iterable[Instance]) -> None:
        """From now on, post to each of `instances` in turn."""
        self._next_instance = itertools.cycle(list(instances))

    def transcript(self) -> list[Heard]:
        return [Heard.of(activity) for activity in self.received]

    def connect(self) -> None:
        self._caller(self._activity("conversationUpdate", membersAdded=[{"id": CALLER, "name": CALLER}]))

    def press(self, key: str) -> None:
        self._caller(self._activity("message", text=key, entities=[{"type": DTMF_ENTITY_TYPE}]))

    def hang_up(self) -> None:
        self._caller(self._activity("endOfConversation"))

    async def press_all(self, keys: str) -> None:
        for key in keys:
            self.press(key)
            await self._caller_post

    async def heard(self, fragment: str, since: int, timeout_s: float = WAIT_S) -> int:
        """Wait until a message from `since` on contains `fragment`; returns the index after it."""
        try:
            return await asyncio.wait_for(self._heard(fragment.lower(), since), timeout_s)
        except asyncio.TimeoutError:
            heard = [activity.get("text") or activity.get("name") or activity.get("type") for activity in self.received]
            raise AssertionError(f"never heard {fragment!r} within {timeout_s:g} s; the call went: {heard}") from None

    async def _heard(self, fragment: str, since: int) -> int:
        while True:
            for index in range(since, len(self.received)):
                if fragment in (self.received[index].get("text") or "").lower():
                    return index + 1
            self.arrived.clear()
            await self.arrived.wait()

    async def settle(self) -> None:
        """Wait for every post of the call so far, answers included; each must have succeeded."""
        while not all(post.done() for post in self.posts):
            await asyncio.gather(*self.posts)
        for post in self.posts:
            post.result()

    def on_sent(self, activity: dict[str, Any]) -> None:
        """What the bot sent reached the channel: note it, and answer at once if it asks."""
        self.received.append(activity)
        self.arrived.set()
        if activity.get("type") == COMMAND_ACTIVITY:
            value = {"commandId": (activity.get("value") or {}).get("commandId")}
            self._answer(self._activity(COMMAND_RESULT_ACTIVITY, name=activity.get("name"), value=value))
        elif activity.get("type") == "event" and activity.get("name") == HANDOFF_INITIATE:
            value = {"state": HANDOFF_FAILED, "message": "No agent answered"}
            self._answer(self._activity("event", name=HANDOFF_STATUS, value=value))

    def _caller(self, activity: dict[str, Any]) -> None:
        previous = self._caller_post

        async def after_previous() -> None:
            if previous is not None:
                await asyncio.wait([previous])  # its failure is its own (settle reports it)
            await self._post(activity)

        self._caller_post = self._spawn(after_previous())

    def _answer(self, activity: dict[str, Any]) -> None:
        self._spawn(self._post(activity))

    def _spawn(self, post: Any) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(post)
        self.posts.append(task)
        return task

    async def _post(self, activity: dict[str, Any]) -> None:
        instance = next(self._next_instance)
        activity["timestamp"] = datetime.now(timezone.utc).isoformat()  # as the channel stamps what it sends
        async with self.channel.http.post(instance.url, json=activity) as response:
            if response.status >= 300:
                raise AssertionError(f"{instance.name} answered {response.status} to a {activity['type']}")

    def _activity(self, activity_type: str, **fields: Any) -> dict[str, Any]:
        activity_id = f"{self.conversation_id}-{next(self._ids)}"
        return call_activity(self.conversation_id, activity_id, self.channel.url, activity_type, **fields)


@dataclass
class HastyChannel:
    """The service URL every bot instance replies to, and the calls it carries."""

    http: aiohttp.ClientSession
    url: str = ""
    calls: dict[str, HastyCall] = field(default_factory=dict)
    stalls: list[Stall] = field(default_factory=list)
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    _unstall: asyncio.Event = field(default_factory=asyncio.Event)

    def call(self, instances: Iterable[Instance]) -> HastyCall:
        """A new call whose posts cycle through `instances`."""
        call = HastyCall(self, instances)
        self.calls[call.conversation_id] = call
        return call

    def stall_when(self, matches: Stall) -> None:
        """Never answer the bot's send of an activity that `matches`: its turn hangs in that send."""
        self.stalls.append(matches)

    async def _receive(self, request: web.Request) -> web.Response:
        activity = await request.json()
        if any(matches(activity) for matches in self.stalls):
            self.stalled.set()
            await self._unstall.wait()
        call = self.calls.get((activity.get("conversation") or {}).get("id", ""))
        if call is not None:
            call.on_sent(activity)
        return web.json_response({"id": f"reply-{uuid.uuid4().hex[:8]}"})

    @asynccontextmanager
    async def serving(self) -> AsyncIterator["HastyChannel"]:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
        try:
            yield self
        finally:
            self._unstall.set()
            await runner.cleanup()
