"""The Event Grid webhook, ``/api/recordings/events``, and its wiring into the app.

Event Grid retries anything but a 2xx, and a 2xx means "delivered": so a job is
written to the store before 200 is sent, and a failure to write answers 500.
The endpoint is protected by a shared secret in the ``code`` query parameter
(Event Grid keeps the subscription URL's query string); without a configured
secret every request is refused, so the endpoint is never open by accident.
With ``RECORDINGS_SCOPE=own-calls`` a recording of a call this app did not answer
(another bot's, on the same ACS resource) is acknowledged and left alone (claims.py).
"""

from __future__ import annotations

import logging
from typing import AsyncIterator, Callable

import aiohttp
from aiohttp import web
from azure.core.credentials_async import AsyncTokenCredential

from config import DefaultConfig, RecordingsScope
from inbound.event_grid import code_matches
from inbound.log_safety import summary

from .archive import RecordingArchive
from .claims import RecordingClaims
from .events import DeliveryTooLarge, MalformedDelivery, RecordingChunk, parse_delivery
from .hosts import HostAllowList
from .jobs import JobBook
from .source import AcsRecordingSource
from .store import RecordingStore, open_store
from .telemetry import JobTelemetry
from .worker import Backoff, RecordingWorker

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/recordings/events"


class RecordingIntake:
    """Accepts deliveries; holds what the handlers need once the app has started."""

    def __init__(
        self,
        config: DefaultConfig,
        connector: Callable[[], aiohttp.BaseConnector] | None,
        backoff: Backoff,
        telemetry: JobTelemetry | None = None,
        credential: AsyncTokenCredential | None = None,
    ):
        self._config = config
        self._credential = credential
        self._telemetry = telemetry
        self._connector = connector
        self._backoff = backoff
        self._secret = config.EVENTGRID_SECRET.encode()
        self._allowed = HostAllowList(config.RECORDING_HOST_ALLOWLIST)
        self._store: RecordingStore | None = None
        self._source: AcsRecordingSource | None = None
        self._book: JobBook | None = None
        self._claims: RecordingClaims | None = None
        self._worker: RecordingWorker | None = None

    async def start(self) -> None:
        if not self._secret:
            log.warning("EVENTGRID_SECRET is empty: %s refuses every request until it is set", EVENTS_PATH)
        self._store = await open_store(self._config, self._credential)
        self._book = JobBook(self._store)
        if self._config.recordings_scope is RecordingsScope.OWN_CALLS:
            self._claims = RecordingClaims(self._store)
        if self._config.ACS_CONNECTION_STRING:
            self._source = AcsRecordingSource.from_connection_string(
                self._config.ACS_CONNECTION_STRING, self._allowed, connector=self._connector
            )
        elif self._config.acs_by_identity and self._credential is not None:
            self._source = AcsRecordingSource.with_identity(
                self._config.ACS_ENDPOINT, self._credential, self._allowed, connector=self._connector
            )
        self._worker = RecordingWorker(
            self._book,
            RecordingArchive(self._store),
            self._source,
            self._allowed,
            backoff=self._backoff,
            telemetry=self._telemetry,
        )
        await self._worker.start()

    async def stop(self) -> None:
        if self._worker:
            await self._worker.stop()
        if self._source:
            await self._source.close()
        if self._store:
            await self._store.close()

    async def claim_call(self, server_call_id: str) -> None:
        """Make the recordings of a call this app answers its own (with `RECORDINGS_SCOPE=own-calls`)."""
        assert self._claims is not None, "claims are kept with RECORDINGS_SCOPE=own-calls only"
        await self._claims.claim(server_call_id)

    def authorised(self, request: web.Request) -> bool:
        return code_matches(request, self._secret)

    async def handle_delivery(self, request: web.Request) -> web.Response:
        if not self.authorised(request):
            return _problem(401, "missing or wrong code")
        try:
            delivery = parse_delivery(await request.read())
        except DeliveryTooLarge as e:
            return _problem(413, str(e))
        except MalformedDelivery as e:
            return _problem(400, str(e))
        if delivery.validation_code is not None:
            log.info("Event Grid subscription validated")
            return web.json_response({"validationResponse": delivery.validation_code})
        assert self._book is not None and self._worker is not None, "recordings intake not started"
        permitted: dict[str, RecordingChunk] = {}  # one job per document, however often it is listed
        refused: list[str] = []
        not_ours = 0
        for chunk in delivery.chunks:
            if self._claims is not None and not await self._claims.owns(chunk.server_call_id):
                not_ours += 1
            elif self._permits(chunk):
                permitted.setdefault(chunk.document_id, chunk)
            else:
                refused.append(chunk.document_id)
        if refused:  # one line for the delivery, however many chunks it held
            log.warning("refused %d recording chunk(s) whose locations are not on the host allow-list: %s",
                        len(refused), summary(refused))
        if not_ours:
            log.info("left %d recording chunk(s) of calls this app did not answer to their own bot", not_ours)
        jobs = [job for job in await self._book.submit_all(list(permitted.values())) if job is not None]
        for job in jobs:
            self._worker.schedule(job)
        return web.json_response(
            {
                "accepted": len(jobs),
                "duplicates": len(delivery.chunks) - len(refused) - not_ours - len(jobs),
                "refused": len(refused),
                "not_ours": not_ours,
                "ignored": delivery.ignored_events,
            }
        )

    def _permits(self, chunk: RecordingChunk) -> bool:
        return self._allowed.permits(chunk.content_location) and self._allowed.permits(chunk.metadata_location)

    async def handle_abuse_protection(self, request: web.Request) -> web.Response:
        """CloudEvents 1.0 webhook validation: allow the origin that asks."""
        if not self.authorised(request):
            return _problem(401, "missing or wrong code")
        origin = request.headers.get("WebHook-Request-Origin", "").strip()
        if not origin:
            return _problem(400, "WebHook-Request-Origin header is required")
        return web.Response(status=200, headers={"WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*"})


RECORDING_INTAKE = web.AppKey("recording_intake", RecordingIntake)


def setup_recordings(
    app: web.Application,
    config: DefaultConfig,
    *,
    connector: Callable[[], aiohttp.BaseConnector] | None = None,
    backoff: Backoff = Backoff(),
    telemetry: JobTelemetry | None = None,
    credential: AsyncTokenCredential | None = None,
) -> RecordingIntake:
    """Add the webhook routes and the background worker (started and stopped with the app).

    `connector` and `backoff` exist for tests: they point the ACS hosts at a local
    stand-in and shorten the retry delays. Production leaves both alone. `telemetry`
    defaults to the process's OpenTelemetry providers (no-ops when telemetry is off).
    `credential` is the app's identity, for Blob Storage and ACS reached without keys.
    """
    intake = RecordingIntake(config, connector, backoff, telemetry, credential)
    app[RECORDING_INTAKE] = intake
    app.router.add_post(EVENTS_PATH, intake.handle_delivery)
    app.router.add_route("OPTIONS", EVENTS_PATH, intake.handle_abuse_protection)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await intake.start()
        yield
        await intake.stop()

    app.cleanup_ctx.append(lifecycle)
    return intake


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
