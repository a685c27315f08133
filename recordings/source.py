"""Fetching recording files from Azure Communication Services.

Uses the SDK's `CallAutomationClient.download_recording`, which signs each
request with the resource's access key (HMAC-SHA256 over the method, path,
date, the ACS endpoint host and the body hash), or sends a bearer token of the
app's identity when the resource is reached by endpoint. What the SDK does with
the URL matters for safety and for testing:

* the URL from the event is requested as given; the SDK does not rewrite its
  host, it only adds ``x-ms-host: <ACS endpoint host>`` and signs for that host;
* it refuses non-https URLs and hosts outside its own list (``*.asm.skype.com``,
  ``*.asyncgw.teams.microsoft.com``, ``*.ams.gov.teams.microsoft.us``); our
  allow-list is checked first so a refusal is ours and is logged as such;
* ``offset`` becomes ``Range: bytes=<offset>-`` only when it is non-zero;
* it follows redirects (azure-core's default policy) without checking where
  they lead, so ours replaces it: a redirect is followed only to a URL the
  allow-list permits (https, allowed host), and anything else ends the job as
  refused, before a byte is requested from the new location.

Bodies are streamed in blocks straight into a store `Upload`; a transfer that
breaks after making progress is resumed at once with ``offset``, anything else
is left to the job's retry with backoff.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, Protocol
from urllib.parse import urljoin

import aiohttp
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import HttpResponseError, IncompleteReadError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import AsyncRedirectPolicy
from azure.core.pipeline.transport import AioHttpTransport
from azure.core.rest import AsyncHttpResponse

from .hosts import HostAllowList
from .store import Upload

log = logging.getLogger(__name__)

BLOCK_SIZE = 256 * 1024
METADATA_LIMIT = 4 * 1024 * 1024
CONTENT_RANGE = re.compile(r"bytes (?:[0-9]+-[0-9]+|\*)/([0-9]+)")


class RecordingSource(Protocol):
    """Where recording files come from (ACS in production)."""

    async def fetch(self, url: str, upload: Upload) -> int:
        """Stream the file at `url` into `upload`, resuming at `upload.offset`; returns its size."""

    async def fetch_small(self, url: str, limit: int = METADATA_LIMIT) -> bytes:
        """The whole file at `url`, refusing anything larger than `limit` bytes."""

    async def close(self) -> None:
        """Release connections."""


class DownloadError(RuntimeError):
    """A file could not be fetched whole; the job will try again."""


class SizeMismatch(DownloadError):
    """More bytes arrived than the service announced: what is held cannot be trusted."""


class LocationRefused(DownloadError):
    """The URL is not on the allow-list; fetching it is never attempted."""


class AllowListedRedirects(AsyncRedirectPolicy):
    """azure-core's redirect policy, refusing any hop the host allow-list does not permit."""

    def __init__(self, allowed_hosts: HostAllowList, **kwargs: Any):
        super().__init__(**kwargs)
        self._allowed = allowed_hosts

    def get_redirect_location(self, response: PipelineResponse) -> Any:
        location = super().get_redirect_location(response)
        if location and not self._allowed.permits(urljoin(response.http_request.url, location)):
            raise LocationRefused("a redirect led off the host allow-list")
        return location


class AcsRecordingSource:
    """`RecordingSource` backed by the Call Automation SDK."""

    def __init__(self, client: CallAutomationClient, allowed_hosts: HostAllowList, *, max_resumes: int = 5):
        self._client = client
        self._allowed = allowed_hosts
        self._max_resumes = max_resumes

    @classmethod
    def from_connection_string(
        cls,
        connection_string: str,
        allowed_hosts: HostAllowList,
        *,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> "AcsRecordingSource":
        """Build the client, signing with the resource's access key. `connector` decides how
        hosts are reached (DNS, TLS); tests use it to point the ACS storage hosts at a local
        stand-in. Call from a running loop."""
        options = _client_options(allowed_hosts, connector)
        return cls(CallAutomationClient.from_connection_string(connection_string, **options), allowed_hosts)

    @classmethod
    def with_identity(
        cls,
        endpoint: str,
        credential: AsyncTokenCredential,
        allowed_hosts: HostAllowList,
        *,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> "AcsRecordingSource":
        """Build the client for the resource at `endpoint`, authenticated with the app's identity
        (a bearer token instead of the HMAC signature). Call from a running loop."""
        return cls(CallAutomationClient(endpoint, credential, **_client_options(allowed_hosts, connector)), allowed_hosts)

    async def fetch(self, url: str, upload: Upload) -> int:
        if not self._allowed.permits(url):
            raise LocationRefused("recording location is not on the host allow-list")
        resumes = 0
        while True:
            before = upload.offset
            try:
                total = await self._transfer(url, upload)
            except (IncompleteReadError, ServiceResponseError) as e:
                if upload.offset == before or resumes >= self._max_resumes:
                    raise DownloadError(f"transfer broke at byte {upload.offset}: {type(e).__name__}") from e
                resumes += 1
                log.info("transfer broke at byte %d; resuming (%d/%d)", upload.offset, resumes, self._max_resumes)
                continue
            if total is None or upload.offset == total:
                return upload.offset
            if upload.offset > total:
                raise SizeMismatch(f"received {upload.offset} bytes, the service announced {total}")
            if upload.offset == before or resumes >= self._max_resumes:
                raise DownloadError(f"body ended at byte {upload.offset} of {total}")
            resumes += 1

    async def _transfer(self, url: str, upload: Upload) -> int | None:
        """One request from `upload.offset`; returns the file's full size when the service said it."""
        offset = upload.offset
        try:
            response: AsyncHttpResponse = await self._client.download_recording(
                url, offset=offset or None, headers={"Accept-Encoding": "identity"}
            )
        except ServiceRequestError as e:
            raise DownloadError(f"could not reach the recording host: {type(e).__name__}") from e
        except HttpResponseError as e:
            if e.status_code == 416 and offset and _announced_total(e.response) == offset:
                return offset  # everything was already here when the last attempt stopped
            raise DownloadError(f"recording host answered {e.status_code}") from e
        try:
            total = _announced_total(response)
            skip = offset if response.status_code == 200 else 0  # the host ignored our Range
            async for block in response.iter_raw():
                if skip:
                    dropped = min(skip, len(block))
                    block, skip = block[dropped:], skip - dropped
                if block:
                    await upload.write(block)
        finally:
            await response.close()
        return total

    async def fetch_small(self, url: str, limit: int = METADATA_LIMIT) -> bytes:
        buffer = _MemoryUpload(limit)
        await self.fetch(url, buffer)
        return bytes(buffer.data)

    async def close(self) -> None:
        await self._client.close()


def _client_options(allowed_hosts: HostAllowList, connector: Callable[[], aiohttp.BaseConnector] | None) -> dict[str, Any]:
    session = aiohttp.ClientSession(connector=connector() if connector else None, auto_decompress=False, trust_env=True)
    return {
        "transport": AioHttpTransport(session=session, session_owner=True, connection_data_block_size=BLOCK_SIZE),
        # Retries belong to the job (with backoff, bounded by the 48-hour window), not the pipeline.
        "retry_total": 0,
        "redirect_policy": AllowListedRedirects(allowed_hosts),
    }


def _announced_total(response: object) -> int | None:
    headers = getattr(response, "headers", None) or {}
    content_range = headers.get("Content-Range")
    if content_range:
        match = CONTENT_RANGE.fullmatch(content_range.strip())
        return int(match.group(1)) if match else None
    length = headers.get("Content-Length")
    if getattr(response, "status_code", None) == 200 and length and length.isdigit():
        return int(length)
    return None


class _MemoryUpload:
    """An `Upload` into memory, for files small enough to parse (metadata)."""

    def __init__(self, limit: int):
        self.data = bytearray()
        self._limit = limit

    @property
    def offset(self) -> int:
        return len(self.data)

    async def write(self, data: bytes) -> None:
        if len(self.data) + len(data) > self._limit:
            raise DownloadError(f"file is larger than {self._limit} bytes")
        self.data += data

    async def commit(self) -> int:
        return len(self.data)

    async def close(self) -> None:
        return None

    async def discard(self) -> None:
        self.data.clear()
