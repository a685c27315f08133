"""Where conversation and user state live, chosen by `STORAGE`."""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential
from config import DefaultConfig
from app_identity import blob_service
from hosting.state.blob_leases import BlobLeases
from hosting.state.blob_storage import BlobStorage
from hosting.state.leases import Leases
from hosting.state.memory_leases import MemoryLeases
from hosting.state.memory_storage import MemoryStorage
from telephony.sdk import Storage


def create_storage(config: DefaultConfig, credential: AsyncTokenCredential | None = None) -> Storage:
    """`MemoryStorage` for one process (the default), `BlobStorage` when instances share state.
    Both keep items encoded (pickle in memory, jsonpickle in blobs) and refuse stale
    writes. The blob store creates its container on first use and has `async close()`;
    it signs in with `credential` (the app's identity) unless a connection string is set.
    """
    if config.STORAGE == "blob":
        return BlobStorage(blob_service(config, credential), config.STATE_BLOB_CONTAINER)
    return MemoryStorage()


def create_leases(storage: Storage) -> Leases:
    """Where a call's turn lease is kept: beside its state (`hosting/state/turn_lease.py`).

    Blob leases in the state container for `BlobStorage`; this process's memory for any
    other store, which only this process can reach.
    """
    if isinstance(storage, BlobStorage):
        return BlobLeases(storage.container, storage.ensure_container)
    return MemoryLeases()
