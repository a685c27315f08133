"""Conversation and user state in Azure Blob Storage, shared by every instance of the bot.

One blob per storage key. Each read hands back the blob's ETag as the item's `e_tag`;
each write that carries an `e_tag` is conditional on it (If-Match), so two instances
that both loaded a call's state cannot silently overwrite each other: the second
write fails with `StateConflictError` (rules in `hosting/state/e_tags.py`).

Values are encoded with jsonpickle, as the SDK's own Azure stores do, because dialog
state holds objects (`DialogState`, `DialogInstance`) that must come back as objects.
The container is trusted: decoding a blob may construct any class it names.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any, Iterable, Optional
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient, ContainerClient
from jsonpickle import Pickler, Unpickler

from hosting.state.e_tags import (
    ABSENT_E_TAG,
    StateConflictError,
    as_stored,
    read_as,
    required_version,
    set_e_tag,
    without_e_tag,
)
from telephony.sdk import Storage

MAX_BLOB_NAME = 1024


def blob_name(key: str) -> str:
    """A blob name for any storage key: percent-encoded, dots included, at most 1024 characters.

    Slashes, spaces and unicode in keys (conversation ids carry them) are all encoded,
    so the name is flat and unambiguous; dots are encoded because names may not end
    in one. Keys too long to encode are named by their SHA-256.
    """
    name = quote(key, safe="").replace(".", "%2E")
    if len(name) > MAX_BLOB_NAME:
        return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return name


class BlobStorage(Storage):
    """A `Storage` of either SDK (`telephony.sdk`) on one blob container, with ETag optimistic concurrency."""

    def __init__(self, service: BlobServiceClient, container: str):
        self._service = service
        self._container: ContainerClient = self._service.get_container_client(container)
        self._container_ready = False
        self._container_lock = asyncio.Lock()

    @classmethod
    def from_connection_string(cls, connection_string: str, container: str) -> "BlobStorage":
        return cls(BlobServiceClient.from_connection_string(connection_string), container)

    async def read(self, keys: list[str], *, target_cls: type | None = None, **_: Any) -> dict[str, Any]:
        """The items stored under `keys`; `target_cls` is the Agents SDK's way to ask for them as a class."""
        if not keys:
            return {}
        await self.ensure_container()
        found = await asyncio.gather(*(self._read_one(key) for key in keys))
        return {key: read_as(value, target_cls) for key, value in zip(keys, found) if value is not None}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        await self.ensure_container()
        await asyncio.gather(*(self._write_one(key, value) for key, value in changes.items()))

    async def delete(self, keys: Iterable[str]) -> None:
        await self.ensure_container()
        await asyncio.gather(*(self._delete_one(key) for key in keys))

    @property
    def container(self) -> ContainerClient:
        """The container the state is in (the call leases beside it use it too)."""
        return self._container

    async def close(self) -> None:
        """Release the HTTP session."""
        await self._service.close()

    async def _read_one(self, key: str) -> Optional[Any]:
        try:
            downloader = await self._container.download_blob(blob_name(key))
            content = await downloader.readall()
        except ResourceNotFoundError:
            return None
        value = Unpickler().restore(json.loads(content))
        set_e_tag(value, downloader.properties.etag)
        return value

    async def _write_one(self, key: str, value: Any) -> None:
        e_tag = required_version(key, value)
        conditions: dict[str, Any] = {}
        if e_tag == ABSENT_E_TAG:
            conditions = {"match_condition": MatchConditions.IfMissing}
        elif e_tag is not None:
            conditions = {"etag": e_tag, "match_condition": MatchConditions.IfNotModified}
        data = json.dumps(Pickler(make_refs=False).flatten(without_e_tag(as_stored(value))), separators=(",", ":"))
        try:
            stored = await self._container.get_blob_client(blob_name(key)).upload_blob(
                data.encode("utf-8"), overwrite=True, **conditions
            )
        except (ResourceModifiedError, ResourceExistsError):
            raise StateConflictError(key) from None
        except ResourceNotFoundError:
            if conditions:  # the item was deleted since it was read
                raise StateConflictError(key) from None
            raise
        set_e_tag(value, stored["etag"])

    async def _delete_one(self, key: str) -> None:
        try:
            await self._container.delete_blob(blob_name(key))
        except ResourceNotFoundError:
            pass

    async def ensure_container(self) -> None:
        """Create the container on first use (once per process)."""
        if self._container_ready:
            return
        async with self._container_lock:
            if self._container_ready:
                return
            try:
                await self._container.create_container()
            except ResourceExistsError:
                pass
            self._container_ready = True

