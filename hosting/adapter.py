"""`CloudAdapter` for calls that arrive over a WebSocket.

The Telephony channel talks to the bot over the Bot Framework streaming
protocol. botbuilder 4.17 handles that, with two gaps this adapter closes:

- every turn on a socket built a new `ConnectorClient` (msrest pipeline and
  retry policy included), the largest per-turn cost left on that path; here a
  socket builds one (`hosting.connector.ConnectorClient`) and reuses it;
- a proactive turn (a no-input timer, a result timeout) went out over HTTP to
  the activity's `serviceUrl`, which on a streaming connection is not an HTTP
  endpoint; here a call that arrived over a socket is continued over that
  same socket for as long as it is open.
"""

from __future__ import annotations

import contextvars
from typing import Awaitable, Callable, Optional

from aiohttp.web import Request, Response, WebSocketResponse
from botbuilder.core import Bot, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.auth import AuthenticateRequestResult, ConnectorFactory

from hosting.connector import ConnectorClient

# The calls seen on the socket whose `process` is running in this task's context.
_SOCKET_CALLS: contextvars.ContextVar[Optional[set]] = contextvars.ContextVar("socket_calls", default=None)


class _OneClientPerSocket(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory):
        self._inner = inner
        self._client: ConnectorClient | None = None

    async def create(self, service_url: str, audience: str) -> ConnectorClient:
        if self._client is None:
            self._client = ConnectorClient.like(await self._inner.create(service_url, audience))
        return self._client


class StreamingCloudAdapter(CloudAdapter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._open_calls: dict[str, AuthenticateRequestResult] = {}

    async def process(self, request: Request, bot: Bot, ws_response: WebSocketResponse = None) -> Optional[Response]:
        if ws_response is None:
            return await super().process(request, bot, ws_response)
        calls: set = set()
        token = _SOCKET_CALLS.set(calls)
        try:
            return await super().process(request, bot, ws_response)
        finally:
            _SOCKET_CALLS.reset(token)
            for conversation_id in calls:  # the socket is closed: its calls can no longer be reached
                self._open_calls.pop(conversation_id, None)

    async def process_activity(
        self,
        auth_header_or_authenticate_request_result: str | AuthenticateRequestResult,
        activity: Activity,
        logic: Callable[[TurnContext], Awaitable],
    ):
        result = auth_header_or_authenticate_request_result
        calls = _SOCKET_CALLS.get()
        if isinstance(result, AuthenticateRequestResult) and calls is not None:
            if not isinstance(result.connector_factory, _OneClientPerSocket):
                result.connector_factory = _OneClientPerSocket(result.connector_factory)
            if activity.conversation and activity.conversation.id:
                calls.add(activity.conversation.id)
                self._open_calls[activity.conversation.id] = result
        return await super().process_activity(result, activity, logic)

    async def continue_conversation(
        self,
        reference: ConversationReference,
        callback: Callable,
        bot_app_id: str = None,
        claims_identity=None,
        audience: str = None,
    ):
        socket = self._open_calls.get(reference.conversation.id) if reference.conversation else None
        if socket is None:
            return await super().continue_conversation(reference, callback, bot_app_id, claims_identity, audience)
        return await CloudAdapter.process_activity(self, socket, get_continuation_activity(reference), callback)

    @property
    def open_calls(self) -> int:
        """Calls currently reachable over an open socket."""
        return len(self._open_calls)
