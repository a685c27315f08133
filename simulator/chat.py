"""A local stand-in for a text channel, as Microsoft's 365 Agents Playground plays one.

The Playground (npm `@microsoft/m365agentsplayground`, seen at 0.2.28) is the
maintained successor of the Bot Framework Emulator. Run against a bot that
recorded every request, it:

- probes the endpoint with `HEAD`, then posts each activity with the header
  `x-ms-agents-playground: true`, a fresh GUID conversation id per page
  load, `serviceUrl` `http://localhost:56150/_connector`, and the `channelId`
  chosen with `-c`: `webchat`, `emulator`, `msteams` or `directline`;
- opens a conversation with `conversationUpdate`, `membersAdded` being the
  user and the bot (`msteams` sends an `installationUpdate` first);
- sends what the user types as a plain-text `message` with the channel's own
  entities and `channelData` (below);
- answers the bot's `message` with 201 and `{"id": ...}`, `typing` and
  `trace` with 202 and no body, and everything else (`endOfConversation`, any
  `event` such as `handoff.initiate`, a `command`) with 400
  `{"error": {"code": "BadArgument", "message": "Invalid input"}}`;
- answers 400 to any activity carrying a `null` field, whatever its type (the
  Agents SDK 1.9.0 wrote one on the first message of a `webchat` conversation).

`ChatChannel` does the same against a running bot, so tests need not install
the Playground (its licence is a pre-release evaluation). `refuse` changes the
answer to a type of activity: another status, or None to drop the connection
(a closed chat window).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import aiohttp
from aiohttp import web

#: The text channels the Playground can play.
TEXT_CHANNELS = ("webchat", "emulator", "msteams", "directline")
#: Activity types the Playground takes, and its answer to each.
ACCEPTED = {"message": 201, "typing": 202, "trace": 202}
REFUSED = 400
_INVALID_INPUT = {"error": {"code": "BadArgument", "message": "Invalid input"}}

USER = {"id": "user-id-0", "name": "Alex Wilber"}
BOT = {"id": "00000000-0000-0000-0000-00000000000011", "name": "Test Bot"}
_TENANT = "00000000-0000-0000-0000-0000000000001"
_AAD_OBJECT_ID = "00000000-0000-0000-0000-0000000000020"
#: The channels the Playground dresses as Teams (a tenant, a personal conversation).
_TEAMS_LIKE = frozenset({"emulator", "msteams"})
_CLIENT_INFO = {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web", "timezone": "UTC"}
_CLIENT_CAPABILITIES = {
    "type": "ClientCapabilities", "requiresBotState": True, "supportsListening": True, "supportsTts": True
}


@dataclass
class Chat:
    """One conversation in the stand-in: what the user sent and what the bot's replies met."""

    channel: "ChatChannel"
    channel_id: str
    conversation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: Every activity of the bot the channel took, in order.
    replies: list[dict[str, Any]] = field(default_factory=list)
    #: Every activity of the bot it did not take, with the status it answered (None: the connection dropped).
    refused: list[tuple[dict[str, Any], int | None]] = field(default_factory=list)
    #: The bot's HTTP status for each activity posted to it.
    statuses: list[int] = field(default_factory=list)

    async def open(self) -> list[dict[str, Any]]:
        """The user opens the chat; returns what the bot said meanwhile."""
        if self.channel_id == "msteams":
            data = {"source": {"name": "message"}, "settings": {"selectedChannel": {"id": self.conversation_id}}}
            install = self._activity("installationUpdate", action="add", locale="en-US", entities=[_CLIENT_INFO])
            await self._post({**install, "channelData": {**install["channelData"], **data}})
        return await self._post(self._activity("conversationUpdate", membersAdded=[self._user(named=False), BOT]))

    async def say(self, text: str) -> list[dict[str, Any]]:
        """The user types `text`; returns the bot's messages in that turn."""
        return await self._post(self._message(text))

    def texts(self) -> list[str]:
        return [reply.get("text", "") for reply in self.replies if reply.get("type") == "message"]

    async def _post(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.replies)
        self.statuses.append(await self.channel.post(activity))
        return [reply for reply in self.replies[before:] if reply.get("type") == "message"]

    def _activity(self, kind: str, **fields: Any) -> dict[str, Any]:
        teams_like = self.channel_id in _TEAMS_LIKE
        conversation: dict[str, Any] = {"id": self.conversation_id}
        if teams_like:
            conversation = {"conversationType": "personal", "tenantId": _TENANT, **conversation}
        activity = {
            "type": kind,
            "id": str(uuid.uuid4()),
            "from": self._user(named=kind == "message"),
            "timestamp": _now(),
            "serviceUrl": self.channel.service_url,
            "conversation": conversation,
            "recipient": BOT,
            "channelId": self.channel_id,
            **fields,
        }
        if teams_like:
            activity["channelData"] = {"tenant": {"id": _TENANT}, **activity.get("channelData", {})}
        return activity

    def _message(self, text: str) -> dict[str, Any]:
        if self.channel_id in _TEAMS_LIKE:
            entities = [_CLIENT_INFO]
            channel_data: dict[str, Any] = {}
        else:
            entities = [_CLIENT_CAPABILITIES]
            channel_data = {"clientActivityID": str(uuid.uuid4()), "directLineConversationId": self.conversation_id}
        return self._activity(
            "message",
            text=text,
            localTimestamp=_now(),
            localTimezone="UTC",
            textFormat="plain",
            locale="en-US",
            entities=entities,
            **({"channelData": channel_data} if channel_data else {}),
        )

    def _user(self, named: bool) -> dict[str, Any]:
        if self.channel_id in _TEAMS_LIKE:
            return {**(USER if named else {"id": USER["id"]}), "aadObjectId": _AAD_OBJECT_ID}
        return dict(USER)


class ChatChannel:
    """The Playground's connector for a running bot: `async with ChatChannel(url) as channel:`.

    `refuse` maps an activity type to the status the stand-in answers it with
    instead, or to None to drop the connection without answering.
    """

    def __init__(self, bot_url: str, *, refuse: dict[str, int | None] | None = None, host: str = "127.0.0.1"):
        self.bot_url = bot_url
        self.refuse = dict(refuse or {})
        self._host = host
        self._chats: dict[str, Chat] = {}
        self._ids = itertools.count(1796652617360)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.service_url = ""

    async def __aenter__(self) -> "ChatChannel":
        app = web.Application()
        app.router.add_post("/_connector/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post("/_connector/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        self.service_url = f"http://{self._host}:{self._runner.addresses[0][1]}/_connector"
        self._session = aiohttp.ClientSession(headers={"x-ms-agents-playground": "true"})
        async with self._session.head(self.bot_url):
            pass  # the Playground's probe: it only checks that something answers
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def chat(self, channel_id: str) -> Chat:
        """A new conversation on `channel_id` (not opened yet)."""
        chat = Chat(self, channel_id)
        self._chats[chat.conversation_id] = chat
        return chat

    async def post(self, activity: dict[str, Any]) -> int:
        """Post `activity` to the bot; returns its HTTP status."""
        assert self._session is not None, "use ChatChannel in `async with`"
        async with self._session.post(self.bot_url, json=activity) as response:
            await response.read()
            return response.status

    async def _receive(self, request: web.Request) -> web.Response:
        activity = await request.json()
        chat = self._chats.get(request.match_info["conversation"])
        if chat is None:
            return web.json_response(_INVALID_INPUT, status=REFUSED)
        kind = activity.get("type")
        status = self.refuse[kind] if kind in self.refuse else ACCEPTED.get(kind, REFUSED)
        if status is not None and _holds_null(activity):
            status = REFUSED
        if status is None:
            chat.refused.append((activity, None))
            request.transport.close()  # the chat window is gone: no answer at all
            return web.Response()
        if status >= 400:
            chat.refused.append((activity, status))
            return web.json_response(_INVALID_INPUT, status=status)
        chat.replies.append(activity)
        if status == 202:
            return web.Response(status=status)
        return web.json_response({"id": str(next(self._ids))}, status=status)


def _holds_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(item is None or _holds_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_null(item) for item in value)
    return False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
