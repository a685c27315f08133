"""One local stand-in for Azure Communication Services, on one TLS port, for every ACS host.

- ``storage.asm.skype.com``: recording files (recording_files).
- ``standin-resource.communication.azure.com``: the Call Automation REST API (call_automation),
  HMAC-checked like the resource, or reached with a bearer token of an identity that has
  a role on it (entra_check).
- ``acscallautomation.communication.azure.com``: the OpenID configuration and JWKS that
  callback tokens verify against (callbacks).

It also plays Event Grid for incoming calls (event_grid) and posts the mid-call callbacks.
The real SDKs talk to it unchanged through `client_connector`.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from . import errors
from .call_automation import CallAutomation, Faults
from .callbacks import JWKS_PATH, OPENID_PATH, CallbackQueue, CallbackRouter, CallbackSigner, CallbackToken
from .calls import StandInCall
from .event_grid import deliver, incoming_call_event, recording_file_event, validation_event
from .entra_check import RoleAssignments, TokenIssuer
from .hmac_check import signature_ok
from .recording_files import Fault, Payload, RecordingFiles, Seen
from .tls import ACS_HOST, CALLBACK_ISSUER_HOST, STORAGE_HOST, server_context


class AcsStandIn:
    """The ACS resource, its recording storage and its callback issuer, served locally."""

    def __init__(self, tls: tuple[Path, Path, Path]):
        self.ca_path, cert, key = tls
        self._ssl = server_context(cert, key)
        self.access_key = base64.b64encode(os.urandom(32)).decode()
        self.resource_id = str(uuid.uuid4())
        self.play_seconds: float | None = 0.0
        self.key_fetches = 0  # requests for the OpenID configuration and its keys
        self.port = 0
        self.roles = RoleAssignments()
        self.files = RecordingFiles(self.url, self._authorised)
        self._signer = CallbackSigner(self.resource_id)
        self._router = CallbackRouter()
        self._calls = CallAutomation(self._new_queue, lambda: self.play_seconds)
        self._resource = web.UrlDispatcher()
        for method, path, handler in self._calls.routes():
            self._resource.add_route(method, path, self._rest(handler))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        await self._calls.close()
        if self._runner:
            await self._runner.cleanup()
        if self._session:
            await self._session.close()

    # ---- addresses ------------------------------------------------------------------------------
    @property
    def connection_string(self) -> str:
        return f"endpoint=https://{ACS_HOST}:{self.port}/;accesskey={self.access_key}"

    @property
    def endpoint(self) -> str:
        """The resource's endpoint, as `ACS_ENDPOINT` names it for an app signing in with its identity."""
        return f"https://{ACS_HOST}:{self.port}/"

    def grant(self, issuer: TokenIssuer, principal_id: str) -> None:
        """Give an identity a role on the resource: its bearer tokens from `issuer` are accepted from now on."""
        self.roles.grant(issuer, principal_id)

    @property
    def openid_configuration_url(self) -> str:
        return f"https://{CALLBACK_ISSUER_HOST}:{self.port}{OPENID_PATH}"

    def url(self, path: str, host: str = STORAGE_HOST) -> str:
        return f"https://{host}:{self.port}{path}"

    # ---- calls ----------------------------------------------------------------------------------
    def rotate_signing_key(self) -> None:
        """ACS rolls its callback signing key: callbacks carry a new key id from now on."""
        self._signer.rotate()

    def callback_token(self) -> str:
        """A valid callback token, as ACS would sign it (for tests that post callbacks themselves)."""
        authorization = self._signer.authorization(CallbackToken.VALID)
        assert authorization is not None
        return authorization.removeprefix("Bearer ")

    @property
    def calls(self) -> list[StandInCall]:
        return self._calls.calls

    @property
    def faults(self) -> Faults:
        return self._calls.faults

    def route_callbacks_to(self, bases: list[str]) -> None:
        """Deliver callbacks round-robin to these base URLs (path and query kept)."""
        self._router.route_to(bases)

    async def place_call(self, incoming_url: str, caller: str = "+14255550123",
                         called: str = "+18005550100") -> StandInCall:
        """A PSTN call arrives: Event Grid posts IncomingCall to the app's webhook."""
        (call,) = await self.place_calls(incoming_url, 1, caller, called)
        return call

    async def place_calls(self, incoming_url: str, count: int, caller: str = "+14255550123",
                          called: str = "+18005550100") -> list[StandInCall]:
        """`count` PSTN calls arrive at once: Event Grid posts their IncomingCall events in one delivery."""
        calls = [self._calls.new_call(caller, called) for _ in range(count)]
        events = [incoming_call_event(caller, called, c.server_call_id, c.correlation_id, c.incoming_call_context)
                  for c in calls]
        await deliver(self._client(), incoming_url, events, "Notification")
        return calls

    async def validate_subscription(self, incoming_url: str) -> dict:
        """Event Grid's subscription handshake; returns the webhook's JSON answer."""
        body = await deliver(self._client(), incoming_url, [validation_event(str(uuid.uuid4()))],
                             "SubscriptionValidation")
        return json.loads(body)

    def recording_files_ready(self, call: StandInCall, media: Payload) -> dict:
        """The call's last recording is written: its files are served, and this is the
        `RecordingFileStatusUpdated` event Event Grid delivers to every recordings subscription."""
        recording = call.recordings[-1]
        document_id = f"0-standin-{uuid.uuid4().hex[:24]}"
        metadata = {
            "resourceId": self.resource_id, "callId": call.correlation_id, "chunkDocumentId": document_id,
            "chunkIndex": 0, "chunkStartTime": recording.started.isoformat(), "chunkDuration": 15000.0,
            "pauseResumeIntervals": [], "recordingInfo": {"contentType": "mixed", "channelType": "audio", "format": "wav"},
            "participants": [{"participantId": f"4:{call.caller}"}, {"participantId": f"4:{call.called}"}],
        }
        chunk = self.files.add_recording(document_id, media, metadata)
        return recording_file_event(call.correlation_id, call.server_call_id, recording.id, [chunk])

    async def deliver_event(self, url: str, event: dict) -> dict:
        """Event Grid delivers `event` to one subscription's webhook; returns the webhook's JSON answer."""
        return json.loads(await deliver(self._client(), url, [event], "Notification"))

    # ---- recording files (the storage host) ------------------------------------------------------------
    @property
    def verify_signatures(self) -> bool:
        return self.files.verify_signatures

    @verify_signatures.setter
    def verify_signatures(self, value: bool) -> None:
        self.files.verify_signatures = value

    @property
    def objects(self) -> dict[str, Payload]:
        return self.files.objects

    @property
    def seen(self) -> list[Seen]:
        return self.files.seen

    @property
    def stalled(self):  # noqa: ANN201 - asyncio.Event
        return self.files.stalled

    def add_recording(self, document_id: str, media: Payload, metadata: dict) -> dict:
        return self.files.add_recording(document_id, media, metadata)

    def inject(self, path: str, fault: Fault) -> None:
        self.files.inject(path, fault)

    def requests_for(self, path: str) -> list[Seen]:
        return self.files.requests_for(path)

    # ---- internals -----------------------------------------------------------------------------
    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("start() the stand-in first")
        return self._session

    def _new_queue(self, on_delivered) -> CallbackQueue:  # noqa: ANN001
        return CallbackQueue(self._client, self._signer, self.faults.token_mode, self._router, on_delivered)

    def _authorised(self, request: web.Request, body: bytes) -> bool:
        """Signed with the access key, or a bearer token of an identity with a role here."""
        return signature_ok(request, body, self.access_key, ACS_HOST, self.port) or self.roles.allows(request)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        if host == ACS_HOST:
            match = await self._resource.resolve(request)
            if match.http_exception is not None:
                return errors.AcsError(match.http_exception.status, "8523", "Unknown operation.").response()
            request._match_info = match  # route parameters for the handler
            return await match.handler(request)
        if host == CALLBACK_ISSUER_HOST and request.method == "GET":
            self.key_fetches += request.path in (OPENID_PATH, JWKS_PATH)
            if request.path == OPENID_PATH:
                return web.json_response(self._signer.openid_configuration(f"https://{CALLBACK_ISSUER_HOST}:{self.port}"))
            if request.path == JWKS_PATH:
                return web.json_response(self._signer.jwks())
            return web.json_response({"error": {"code": "NotFound", "message": "Not found."}}, status=404)
        if request.method == "GET":
            return await self.files.serve(request)
        return web.Response(status=405)

    def _rest(self, handler):  # noqa: ANN001, ANN202
        async def checked(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            if not self._authorised(request, raw):
                refusal = errors.NOT_AUTHORISED if request.headers.get("Authorization", "").startswith("Bearer ") \
                    else errors.HMAC_FAILED
                return refusal.response()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return errors.INVALID_REQUEST.response()
            try:
                return await handler(request, body)
            except errors.AcsError as e:
                return e.response()
            except Exception:  # a malformed body the models could not read
                return errors.INVALID_REQUEST.response()

        return checked
