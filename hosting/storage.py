"""Where conversation and user state live, chosen by `STORAGE`."""

from __future__ import annotations

from botbuilder.core import Storage

from config import DefaultConfig
from hosting.blob_storage import BlobStorage
from hosting.memory_storage import MemoryStorage


def create_storage(config: DefaultConfig) -> Storage:
    """`MemoryStorage` for one process (the default), `BlobStorage` when instances share state.
    Both keep items encoded (pickle in memory, jsonpickle in blobs) and refuse stale
    writes. The blob store creates its container on first use and has `async close()`.
    """
    if config.STORAGE == "blob":
        return BlobStorage(config.AZURE_STORAGE_CONNECTION_STRING, config.STATE_BLOB_CONTAINER)
    return MemoryStorage()
