"""Sends the connector's requests over aiohttp instead of `requests` on a thread pool.

msrest's default async transport runs `requests` in the default executor: every reply
costs a thread hand-off, competes for the GIL with the event loop, and waits for a
free worker when many calls reply at once. This transport sends on the event loop
through one shared `aiohttp.ClientSession` with keep-alive connections.

It keeps what the SDK's pipeline does (user agent, bearer token, response decoding,
logging) and replaces its retries with one bounded retry on a lost connection or a
"try again" status, so an unreachable service URL fails a reply in seconds rather
than the ~10 s msrest's retry schedule takes. Redirects are not followed: a service
URL is where the channel said replies go, and a reply carries the bot's token.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import aiohttp
from msrest.pipeline import AsyncHTTPSender, AsyncPipeline, Request, Response, SansIOHTTPPolicy
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse
from multidict import CIMultiDict

from hosting.wire.tokens import token_keeper

RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_DELAY_S = 0.2
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=3)


class BearerToken(SansIOHTTPPolicy):
    """Adds the bearer token, as the SDK's `AppCredentials.signed_session` does.

    The token is the one `hosting.wire.tokens` keeps; `hosting.auth.authentication` refreshes it off the
    event loop before each turn sends, so this does not block.
    """

    def __init__(self, credentials: Any):
        self._tokens = token_keeper(credentials)

    def on_request(self, request: Request, **kwargs: Any) -> None:
        self.add_to(request.http_request.headers)

    def add_to(self, headers: Any) -> None:
        """Add the Authorization header to `headers`, if the credentials call for one."""
        if self._tokens.needs_token:
            headers["Authorization"] = f"Bearer {self._tokens.current()}"


class _BufferedResponse(AsyncClientResponse):
    """An aiohttp response read whole, in the shape msrest's deserializers expect."""

    def __init__(self, request: ClientRequest, response: aiohttp.ClientResponse, body: bytes):
        super().__init__(request, response)
        self.status_code = response.status
        self.headers = CIMultiDict(response.headers)
        self.reason = response.reason
        self._body = body

    def body(self) -> bytes:
        return self._body


class AiohttpSender(AsyncHTTPSender):
    """msrest pipeline sender on a shared aiohttp session (the session is owned by the caller)."""

    def __init__(self, session: aiohttp.ClientSession):
        self._session = session

    async def __aenter__(self) -> "AiohttpSender":
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        return None

    def build_context(self) -> None:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http_request = request.http_request
        headers = {k: v for k, v in http_request.headers.items() if k.lower() != "content-length"}
        data = http_request.data.encode("utf-8") if isinstance(http_request.data, str) else http_request.data
        return Response(request, await send_once_retried(self._session, http_request, headers, data))


async def send_once_retried(
    session: aiohttp.ClientSession, http_request: ClientRequest, headers: dict[str, str], data: Optional[bytes]
) -> AsyncClientResponse:
    """Send `http_request` with `headers` and `data`, retried once on a lost connection or a "try again" status."""
    for attempt in (1, 2):
        try:
            async with session.request(
                http_request.method,
                http_request.url,
                headers=headers,
                data=data,
                timeout=REQUEST_TIMEOUT,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                if response.status not in RETRY_STATUSES or attempt == 2:
                    return _BufferedResponse(http_request, response, body)
        except aiohttp.ClientConnectionError:
            if attempt == 2:
                raise
        await asyncio.sleep(RETRY_DELAY_S)
    raise AssertionError("unreachable")


def aiohttp_pipeline(
    config: Any, credentials: Any, session: aiohttp.ClientSession, bearer_token: Optional[BearerToken] = None
) -> AsyncPipeline:
    """The connector pipeline: the SDK's policies, a bearer token, and `AiohttpSender`."""
    policies: list[Any] = [config.user_agent_policy, bearer_token or BearerToken(credentials), RawDeserializer()]
    logger: Optional[Any] = getattr(config, "http_logger_policy", None)
    if logger is not None:
        policies.append(logger)
    return AsyncPipeline(policies, AiohttpSender(session))
