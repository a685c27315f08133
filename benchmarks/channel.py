"""The channel's side of the Bot Framework protocol, minimal and fast enough to load a bot.

`ServiceUrl` is the endpoint a bot replies to (the activity's `serviceUrl`); it notes
when each reply for a conversation arrives. `CallActivities` builds what the Telephony
channel posts for one call: call start, key presses and speech.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

from telephony import DTMF_ENTITY_TYPE, TELEPHONY_CHANNEL

BOT_ID = "28:telephony-bot"
BOT_NUMBER = "+14255550199"


@dataclass
class ConversationLog:
    """Replies one conversation received, and when the last one arrived."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    last_reply_at: float = 0.0


class ServiceUrl:
    """An aiohttp server standing in for the channel's service URL."""

    def __init__(self) -> None:
        self._conversations: dict[str, ConversationLog] = {}
        self._ids = itertools.count(1)
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._reply)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def log(self, conversation_id: str) -> ConversationLog:
        return self._conversations.setdefault(conversation_id, ConversationLog())

    def forget(self, conversation_id: str) -> None:
        self._conversations.pop(conversation_id, None)

    async def _reply(self, request: web.Request) -> web.Response:
        activity = await request.json()
        log = self.log(request.match_info["conversation"])
        log.replies.append(activity)
        log.last_reply_at = time.perf_counter()
        return web.json_response({"id": f"reply-{next(self._ids)}"})


class CallActivities:
    """Activities the Telephony channel posts for one call."""

    def __init__(self, conversation_id: str, service_url: str, caller: str = "+14255550123"):
        self.conversation_id = conversation_id
        self._service_url = service_url
        self._caller = caller
        self._ids = itertools.count(1)

    def _base(self, activity_type: str) -> dict[str, Any]:
        return {
            "type": activity_type,
            "id": f"{self.conversation_id}-{next(self._ids)}",
            "channelId": TELEPHONY_CHANNEL,
            "serviceUrl": self._service_url,
            "conversation": {"id": self.conversation_id},
            "from": {"id": self._caller, "name": self._caller},
            "recipient": {"id": BOT_ID, "name": BOT_NUMBER},
            "locale": "en-US",
        }

    def call_start(self) -> dict[str, Any]:
        activity = self._base("conversationUpdate")
        activity["membersAdded"] = [{"id": self._caller, "name": self._caller}]
        return activity

    def key_press(self, key: str) -> dict[str, Any]:
        activity = self._base("message")
        activity["text"] = key
        activity["entities"] = [{"type": DTMF_ENTITY_TYPE}]
        return activity

    def speech(self, text: str) -> dict[str, Any]:
        activity = self._base("message")
        activity["text"] = text
        return activity

    def command_result(self, name: str, command_id: str) -> dict[str, Any]:
        activity = self._base("commandResult")
        activity["name"] = name
        activity["value"] = {"commandId": command_id}
        return activity
