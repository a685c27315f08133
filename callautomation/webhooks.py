"""The bridge's two endpoints, and its wiring into the app.

- `POST /api/calls/incoming`: Event Grid delivers `IncomingCall` here (guarded by
  the `?code=` secret, `EVENTGRID_SECRET`, exactly as the recordings webhook); the
  bridge answers each call with a callback URL of its own, or rejects it as busy
  past the instance's limits (`admission.py`).
- `POST /api/calls/{token}/events`: Call Automation's callbacks for one call. A
  callback counts only with a valid ACS token (`callback_auth.py`) and a URL token
  that belongs to a call this app answered.

Bad input is refused with a 4xx and changes nothing: 401 for a missing or wrong
secret or token, 400 for a body that is not events, 404 for a call that is not
(or no longer) ours. Event types the bridge has no use for are ignored with one
log line per request; refused callbacks are warned of at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from azure.communication.callautomation import CallRejectReason
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError
from azure.core.pipeline.transport import AioHttpTransport

from config import DefaultConfig
from inbound.event_grid import MalformedEvents, TooManyEvents, code_matches, read_events, validation_code
from inbound.log_safety import RateLimitedLog, loggable, summary
from telephony import CallTimers, Sealer
from telephony.sdk import BotAdapter, Storage

from .adapter import CallAutomationAdapter
from .admission import CallAdmission, Rejection
from .callback_auth import CallbackAuthenticator, CallbackRejected
from .calls import BridgeCall, CallBook, call_key, new_call_token
from .events import INCOMING_CALL, QUIET_EVENTS, CallEvent, IncomingCall, read_call_event, read_incoming_call
from .settings import CALLBACKS_PATH, INCOMING_PATH, BridgeSettings

if TYPE_CHECKING:
    from telemetry.instruments import CallMetrics
    from telemetry.wiring import Telemetry

log = logging.getLogger(__name__)

# ACS posts one event per callback; a few more is tolerated, thousands are not ACS.
MAX_CALLBACK_EVENTS = 50
Connector = Callable[[], aiohttp.BaseConnector]
# Marks a call's recordings as this app's, by server call id (recordings/claims.py).
ClaimRecordings = Callable[[str], Awaitable[None]]


class CallAutomationBridge:
    """Answers incoming calls and hands each call's callbacks to the adapter."""

    def __init__(
        self,
        config: DefaultConfig,
        adapter: CallAutomationAdapter,
        book: CallBook,
        sealer: Sealer,
        authenticator: CallbackAuthenticator,
        admission: CallAdmission,
        claim_recordings: ClaimRecordings | None = None,
        metrics: CallMetrics | None = None,
    ) -> None:
        self._config = config
        self._claim_recordings = claim_recordings
        self._settings = BridgeSettings.from_config(config)
        self._secret = config.EVENTGRID_SECRET.encode()
        self._adapter = adapter
        self._book = book
        self._sealer = sealer
        self._authenticator = authenticator
        self._admission = admission
        self._metrics = metrics
        self._client: CallAutomationClient | None = None
        self._refusals = RateLimitedLog(log)  # anyone can send a callback without a token
        self._busy = RateLimitedLog(log)  # one line per delivery would be one per call under load

    def connect(self, client: CallAutomationClient) -> None:
        self._client = client
        self._adapter.connect(client)

    async def incoming(self, request: web.Request) -> web.Response:
        if not code_matches(request, self._secret):
            return _problem(401, "missing or wrong code")
        try:
            events = read_events(await request.read())
            calls: list[IncomingCall] = []
            ignored: list[str] = []
            for event in events:
                code = validation_code(event)
                if code is not None:
                    log.info("Event Grid subscription for incoming calls validated")
                    return web.json_response({"validationResponse": code})
                if event.type == INCOMING_CALL:
                    calls.append(read_incoming_call(event))
                else:
                    ignored.append(event.type)
        except TooManyEvents as error:
            return _problem(413, str(error))
        except MalformedEvents as error:
            return _problem(400, str(error))
        if ignored:
            log.info("Ignored %d event(s) sent to %s: %s", len(ignored), INCOMING_PATH, summary(ignored))
        admitted = await self._admission.admit(calls)
        at_once = asyncio.Semaphore(self._config.ACS_MAX_CALLS_PER_DELIVERY)  # rejections too: each is a request to ACS

        async def bounded(work: Awaitable[bool]) -> bool:
            async with at_once:
                return await work

        answered = await asyncio.gather(
            *(bounded(self._answer(call)) for call in admitted.answer),
            *(bounded(self._reject_busy(call, reason)) for call, reason in admitted.reject),
        )
        if admitted.reject:
            self._busy.warning(
                "Rejected %d incoming call(s) as busy: %d in progress here (ACS_MAX_CONCURRENT_CALLS=%d, "
                "ACS_MAX_CALLS_PER_DELIVERY=%d)", len(admitted.reject), self._admission.in_progress,
                self._config.ACS_MAX_CONCURRENT_CALLS, self._config.ACS_MAX_CALLS_PER_DELIVERY,
            )
        return web.json_response(
            {"answered": sum(answered[: len(admitted.answer)]), "rejected": len(admitted.reject), "ignored": len(ignored)}
        )

    async def callback(self, request: web.Request) -> web.Response:
        try:
            await self._authenticator.verify(request.headers.get("Authorization"))
        except CallbackRejected as reason:
            self._refusals.warning("Refused a Call Automation callback: %s", reason)
            return _problem(401, "callback not authenticated")
        try:
            events = read_events(await request.read(), MAX_CALLBACK_EVENTS)
            call_events: list[CallEvent] = []
            unknown: list[str] = []
            for event in events:
                call_event = read_call_event(event)
                if call_event is not None:
                    call_events.append(call_event)
                elif event.type not in QUIET_EVENTS:
                    unknown.append(event.type)
            if unknown:
                log.info("Ignored %d callback(s): %s", len(unknown), summary(unknown))
        except TooManyEvents as error:
            return _problem(413, str(error))
        except MalformedEvents as error:
            return _problem(400, str(error))
        key = call_key(request.match_info["token"])
        call = await self._book.get(key)
        if call is None or any(not _same_call(call, event) for event in call_events):
            return _problem(404, "no such call")
        for event in call_events:
            await self._adapter.on_event(key, event)
        return web.json_response({"accepted": len(call_events), "ignored": len(events) - len(call_events)})

    async def _answer(self, incoming: IncomingCall) -> bool:
        """Answer an admitted call; it keeps its place in the admission if it was answered."""
        token = new_call_token()
        key = call_key(token)
        answered = False
        try:
            answered = await self._answer_as(incoming, token, key)
        finally:
            self._admission.settle(key, answered)
        return answered

    async def _answer_as(self, incoming: IncomingCall, token: str, key: str) -> bool:
        assert self._client is not None, "the bridge has not connected to ACS"
        if self._claim_recordings is not None:  # before answering: no answered call lacks its claim
            await self._claim_recordings(incoming.server_call_id)
        await self._book.save(
            BridgeCall(
                key=key,
                caller=incoming.caller,
                caller_raw_id=incoming.caller_raw_id,
                called=incoming.called,
                sealed_token=self._sealer.seal(token, key),
                server_call_id=incoming.server_call_id,
                correlation_id=incoming.correlation_id,
            )
        )
        try:
            await self._client.answer_call(
                incoming.incoming_call_context,
                self._settings.callback_url(token),
                cognitive_services_endpoint=self._settings.cognitive_services_endpoint,
            )
        except AzureError as error:
            log.warning("Could not answer a call (%s)", type(error).__name__)
            await self._book.forget(key)
            return False
        log.info("Answered a call (correlation id %s)", loggable(incoming.correlation_id))
        return True

    async def _reject_busy(self, incoming: IncomingCall, reason: Rejection) -> bool:
        """Turn the call away: the caller hears a busy tone. False: nothing to count as answered."""
        assert self._client is not None, "the bridge has not connected to ACS"
        if self._metrics is not None:
            self._metrics.calls_rejected.add(1, {"ivr.call.rejection": reason.value})
        try:
            await self._client.reject_call(incoming.incoming_call_context, call_reject_reason=CallRejectReason.BUSY)
        except AzureError as error:  # the caller has hung up, or ACS gave the call to another instance
            log.info("Could not reject a call (%s)", type(error).__name__)
        return False


def _same_call(call: BridgeCall, event: CallEvent) -> bool:
    return call.call_connection_id is None or call.call_connection_id == event.call_connection_id


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)


CALL_AUTOMATION = web.AppKey("call_automation", CallAutomationBridge)


def setup_call_automation(
    app: web.Application,
    config: DefaultConfig,
    storage: Storage,
    make_bot: Callable[[BotAdapter], object],
    sealer: Sealer,
    *,
    connector: Connector | None = None,
    credential: AsyncTokenCredential | None = None,
    claim_recordings: ClaimRecordings | None = None,
    telemetry: Telemetry | None = None,
) -> CallAutomationAdapter:
    """Answer calls through Call Automation with a bot of their own (`make_bot(adapter)`).

    `sealer` keeps each call's callback token, and keys waiting for a missing one, sealed
    in storage. `connector` decides how ACS hosts are reached; tests point it at a local stand-in.
    `credential` (the app's identity) signs requests to `ACS_ENDPOINT` when there is no connection string.
    `claim_recordings` is called with each call's server call id before it is answered.
    With `telemetry`, calls rejected as busy are counted.
    """
    book = CallBook(storage)
    admission = CallAdmission(book, config.ACS_MAX_CONCURRENT_CALLS, config.ACS_MAX_CALLS_PER_DELIVERY)
    adapter = CallAutomationAdapter(book, BridgeSettings.from_config(config), sealer, on_call_ended=admission.ended)
    bot = make_bot(adapter)
    adapter.bot_turn = bot.on_turn  # type: ignore[attr-defined]
    timers: CallTimers = bot.timers  # type: ignore[attr-defined]
    authenticator = CallbackAuthenticator(config.ACS_OPENID_CONFIGURATION_URL, config.ACS_RESOURCE_ID, connector)
    metrics = telemetry.metrics if telemetry is not None else None
    bridge = CallAutomationBridge(config, adapter, book, sealer, authenticator, admission, claim_recordings, metrics)
    app[CALL_AUTOMATION] = bridge
    app.router.add_post(INCOMING_PATH, bridge.incoming)
    app.router.add_post(CALLBACKS_PATH, bridge.callback)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        client = _client(config, connector, credential)
        bridge.connect(client)
        yield
        await timers.close()
        await adapter.close()
        await authenticator.close()
        await client.close()

    app.cleanup_ctx.append(lifecycle)
    return adapter


def _client(
    config: DefaultConfig, connector: Connector | None, credential: AsyncTokenCredential | None
) -> CallAutomationClient:
    session = aiohttp.ClientSession(connector=connector() if connector else None, trust_env=True)
    transport = AioHttpTransport(session=session, session_owner=True)
    if config.ACS_CONNECTION_STRING:
        return CallAutomationClient.from_connection_string(config.ACS_CONNECTION_STRING, transport=transport)
    if credential is None:
        raise ValueError("Call Automation by ACS_ENDPOINT needs the app's credential")
    return CallAutomationClient(config.ACS_ENDPOINT, credential, transport=transport)
