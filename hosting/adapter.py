"""`CloudAdapter` whose WebSocket path is this project's own streaming stack.

The Telephony channel talks to the bot over the Bot Framework streaming
protocol. botbuilder 4.17's implementation of it logged a traceback on every
normal close, copied every byte through Python lists (turns ran at about half
the speed of HTTP), reserved memory for announced bytes before they arrived,
and sent proactive turns over HTTP to a service URL that is not an HTTP
endpoint. Here `hosting.streaming` speaks the same protocol, and this adapter:

- runs each socket's activities through the SDK's own turn pipeline
  (authentication result, middleware, bot), with replies going back over
  that socket (`SocketConnectorClient`);
- keeps which socket carries which call (`OpenCalls`), so proactive turns
  (timers) go out on the socket the call is on now;
- when a socket closes, ends the calls it still carried with an
  `endOfConversation` turn, as if the caller had hung up: the bot cancels
  their timers and forgets them. A dropped socket is one warning line; a
  normal close logs nothing above debug;
- drops a peer that stops reading (a WebSocket heartbeat) or answering; a
  turn whose socket dies under it is cancelled with the socket's other turns
  (`StreamingConnection`), so a dead socket is one warning, not one per call.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from aiohttp.web import HTTPUnauthorized, Request, Response, WebSocketResponse
from botbuilder.core import Bot, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ConversationReference, EndOfConversationCodes
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity, ConnectorFactory, UserTokenClient

from hosting.streaming.assembly import IncomingRequest
from hosting.streaming.calls import OpenCalls
from hosting.streaming.connection import CloseKind, OutgoingResponse, StreamingConnection
from hosting.streaming.connector import SocketConnectorClient, SocketConnectorFactory
from hosting.wire.activity_shape import ActivityShapeError, read_activity
from hosting.wire.invoke_response import invoke_body
from hosting.wire.turn_context import CallTurnContext
from inbound.json_body import JsonBodyError, parse_json
from inbound.log_safety import loggable

log = logging.getLogger(__name__)

USER_AGENT = "ivr-voice-bot (Bot Framework streaming, Python)"
# A socket the peer has sent nothing on for this long is pinged; no pong within half of it
# and the peer is taken for dead (a half-open connection, a channel that hangs).
HEARTBEAT_S = 10.0


def channel_socket() -> WebSocketResponse:
    """The response that upgrades the channel's GET to its WebSocket, without per-message compression.

    aiohttp accepts permessage-deflate when the client offers it (Microsoft's
    Node client does): every frame of a call, a few hundred bytes of JSON,
    was then deflated on one side and inflated on the other (about 6% of the
    bot's CPU time at 600 paced calls), and each open socket kept zlib state
    (about 100 KB of the 140 KB an idle call on its own socket held).
    Declining the extension leaves the frames as they are; the protocol is
    the same.

    aiohttp's heartbeat (WebSocket pings; Microsoft's Node client answers
    them, through the `ws` package) drops a peer that has stopped reading.
    """
    return WebSocketResponse(compress=False, heartbeat=HEARTBEAT_S)


class StreamingCloudAdapter(CloudAdapter):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._calls: OpenCalls[_Socket] = OpenCalls()
        self._sockets: set[_Socket] = set()

    async def process(self, request: Request, bot: Bot, ws_response: WebSocketResponse = None) -> Optional[Response]:
        if ws_response is None or request.method != "GET" or not ws_response.can_prepare(request):
            return await super().process(request, bot, ws_response)
        try:
            result = await self.bot_framework_authentication.authenticate_streaming_request(
                request.headers.get("Authorization"), request.headers.get("channelid")
            )
        except PermissionError:
            raise HTTPUnauthorized() from None
        await ws_response.prepare(request)
        socket = _Socket(self, self._calls, bot, ws_response, result, request.transport)
        self._sockets.add(socket)
        try:
            await socket.serve()
        finally:
            self._sockets.discard(socket)
        return None

    async def close_sockets(self) -> None:
        """Close every streaming socket (at shutdown; aiohttp waits for open ones otherwise).

        Their calls are released but not ended: the channel may carry them on
        with another instance.
        """
        await asyncio.gather(*(socket.close() for socket in list(self._sockets)))

    async def continue_conversation(
        self,
        reference: ConversationReference,
        callback: Callable,
        bot_app_id: str = None,
        claims_identity=None,
        audience: str = None,
    ):
        socket = self._calls.socket_for(reference.conversation.id) if reference.conversation else None
        if socket is None:
            return await super().continue_conversation(reference, callback, bot_app_id, claims_identity, audience)
        return await socket.run_turn(get_continuation_activity(reference), callback)

    def _create_turn_context(
        self,
        activity: Activity,
        claims_identity: ClaimsIdentity,
        oauth_scope: str,
        connector_client: Any,
        user_token_client: UserTokenClient,
        logic: Callable[[TurnContext], Awaitable],
        connector_factory: ConnectorFactory,
    ) -> TurnContext:
        """The SDK's turn context and services, as a `CallTurnContext` (cheaper copies of what it sends)."""
        context = CallTurnContext(self, activity)
        context.turn_state[self.BOT_IDENTITY_KEY] = claims_identity
        context.turn_state[self.BOT_CONNECTOR_CLIENT_KEY] = connector_client
        context.turn_state[self.USER_TOKEN_CLIENT_KEY] = user_token_client
        context.turn_state[self.BOT_CALLBACK_HANDLER_KEY] = logic
        context.turn_state[self.CONNECTOR_FACTORY_KEY] = connector_factory
        context.turn_state[self.BOT_OAUTH_SCOPE_KEY] = oauth_scope
        return context

    @property
    def open_calls(self) -> int:
        """Calls currently reachable over an open socket."""
        return len(self._calls)


class _Socket:
    """One channel connection: its requests become turns, its calls are kept in the adapter's map."""

    def __init__(
        self,
        adapter: StreamingCloudAdapter,
        calls: OpenCalls["_Socket"],
        bot: Bot,
        ws: WebSocketResponse,
        auth: AuthenticateRequestResult,
        transport: asyncio.BaseTransport | None,
    ):
        self._adapter = adapter
        self._calls = calls
        self._bot = bot
        self._connection = StreamingConnection(ws, self._answer, transport)
        self._auth = auth
        auth.connector_factory = SocketConnectorFactory(SocketConnectorClient(self._connection, self._hung_up))
        self._references: dict[str, ConversationReference] = {}
        self._shutting_down = False

    async def close(self) -> None:
        self._shutting_down = True
        await self._connection.close()

    async def serve(self) -> None:
        try:
            closure = await self._connection.serve()
        finally:
            ended = self._calls.release(self)
        if self._shutting_down:
            log.debug("A streaming connection closed at shutdown with %d call(s)", len(ended))
            return
        if closure.kind is CloseKind.DROPPED:
            log.warning("A streaming connection dropped (%s); ending its %d call(s)", closure.reason, len(ended))
        else:
            log.debug("A streaming connection closed (%s); ending its %d call(s)", closure.reason, len(ended))
        code = EndOfConversationCodes.channel_failed if closure.kind is CloseKind.DROPPED else EndOfConversationCodes.unknown
        references = [self._references.pop(conversation_id, None) for conversation_id in ended]
        self._references.clear()
        for reference in references:
            if reference is not None:
                await self._end_call(reference, code)

    async def run_turn(self, activity: Activity, logic: Callable[[TurnContext], Awaitable]) -> Any:
        """A proactive turn of one of this socket's calls; cancelled if the socket closes."""
        return await self._connection.run(CloudAdapter.process_activity(self._adapter, self._auth, activity, logic))

    async def _answer(self, request: IncomingRequest) -> OutgoingResponse:
        if request.too_large:
            return OutgoingResponse(413)
        if request.verb == "GET" and request.path == "/api/version":
            return OutgoingResponse.json(200, {"userAgent": USER_AGENT})
        if request.verb != "POST":
            return OutgoingResponse(405)
        activity = _activity(request.body)
        if activity is None:
            return OutgoingResponse(400)
        conversation_id = activity.conversation.id if activity.conversation else None
        if conversation_id:
            self._calls.carry(conversation_id, self)
            if conversation_id not in self._references:
                self._references[conversation_id] = TurnContext.get_conversation_reference(activity)
        invoke_response = await CloudAdapter.process_activity(self._adapter, self._auth, activity, self._bot.on_turn)
        if conversation_id and activity.type == ActivityTypes.end_of_conversation:
            self._hung_up(conversation_id)
        if invoke_response is None:
            return OutgoingResponse(200)
        return OutgoingResponse.json(invoke_response.status, invoke_body(invoke_response.body))

    def _hung_up(self, conversation_id: str) -> None:
        self._calls.end(conversation_id, self)
        self._references.pop(conversation_id, None)

    async def _end_call(self, reference: ConversationReference, code: str) -> None:
        """The socket is gone: tell the bot the call ended, as a hang-up would."""
        activity = get_continuation_activity(reference)
        activity.type = ActivityTypes.end_of_conversation
        activity.code = code
        try:
            await CloudAdapter.process_activity(self._adapter, self._auth, activity, self._bot.on_turn)
        except Exception:  # the bot's own error handler has run; one line is enough here
            log.warning("Ending a call after its socket closed failed")


def _activity(body: bytes | None) -> Activity | None:
    """The activity in a request body, or None if it is not one (answered 400).

    The same checks as an activity posted over HTTP (`hosting.wire.activity_shape`),
    so a malformed activity on a socket never reaches the SDK's deserializer or
    the bot.
    """
    if not body:
        return None
    try:
        return read_activity(parse_json(body), replies_over_http=False)
    except (JsonBodyError, ActivityShapeError) as error:
        log.info("Refused a streamed request: %s", loggable(error, limit=200))
        return None
