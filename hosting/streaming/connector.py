"""The bot's replies over a streaming socket, in place of the SDK's `ConnectorClient`.

The SDK sent each reply through a whole msrest pipeline with a driver that
re-encoded the request as a list of ints; here a reply is serialized once
(`hosting.wire.connector.ModelSerializer`) and sent as one frame. Only the
activity operations are offered: they are all a turn uses, and all a
channel's socket serves.
"""

from __future__ import annotations

import json
from typing import Callable, Optional
from urllib.parse import quote

from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector import models
from botframework.connector.auth import ConnectorFactory

from hosting.wire.connector import ModelSerializer

from .connection import StreamingConnection

_SERIALIZER = ModelSerializer({k: v for k, v in models.__dict__.items() if isinstance(v, type)})


class ActivityRefused(Exception):
    """The channel answered an activity with an error status."""

    def __init__(self, status: int):
        super().__init__(f"the channel answered {status}")
        self.status = status


class SocketConversations:
    """`ConversationsOperations`' activity methods, over one socket.

    `on_hang_up(conversation_id)` is told when the bot has sent a call's
    `endOfConversation`, so the socket can forget the call.
    """

    def __init__(self, connection: StreamingConnection, on_hang_up: Callable[[str], None]):
        self._connection = connection
        self._on_hang_up = on_hang_up

    async def send_to_conversation(self, conversation_id: str, activity: Activity, **_: object) -> ResourceResponse:
        return await self._post(f"/v3/conversations/{_segment(conversation_id)}/activities", conversation_id, activity)

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **_: object
    ) -> ResourceResponse:
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        return await self._post(path, conversation_id, activity)

    async def update_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **_: object
    ) -> ResourceResponse:
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        return await self._send("PUT", path, activity)

    async def delete_activity(self, conversation_id: str, activity_id: str, **_: object) -> None:
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        await self._send("DELETE", path, None)

    async def _post(self, path: str, conversation_id: str, activity: Activity) -> ResourceResponse:
        response = await self._send("POST", path, activity)
        if activity.type == ActivityTypes.end_of_conversation:
            self._on_hang_up(conversation_id)
        return response

    async def _send(self, verb: str, path: str, activity: Optional[Activity]) -> ResourceResponse:
        body = json.dumps(_SERIALIZER.body(activity, "Activity")).encode() if activity is not None else None
        response = await self._connection.request(verb, path, body)
        if response.status >= 300:
            raise ActivityRefused(response.status)
        return _resource_response(response.body)


class SocketConnectorClient:
    """What a turn on a socket finds under `BOT_CONNECTOR_CLIENT_KEY`."""

    def __init__(self, connection: StreamingConnection, on_hang_up: Callable[[str], None]):
        self.conversations = SocketConversations(connection, on_hang_up)


class SocketConnectorFactory(ConnectorFactory):
    """Hands every turn of a socket the socket's one client, whatever the service URL."""

    def __init__(self, client: SocketConnectorClient):
        self._client = client

    async def create(self, service_url: str, audience: str) -> SocketConnectorClient:  # type: ignore[override]
        return self._client


def _segment(value: str) -> str:
    return quote(value or "", safe="")


def _resource_response(body: bytes | None) -> ResourceResponse:
    if not body:
        return ResourceResponse()
    try:
        value = json.loads(body)
    except ValueError:
        return ResourceResponse()
    return ResourceResponse(id=value.get("id")) if isinstance(value, dict) else ResourceResponse()
