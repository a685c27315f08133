"""Where conversation and user state live, chosen by `STORAGE`."""

from __future__ import annotations

from botbuilder.core import MemoryStorage, Storage

from config import DefaultConfig
from hosting.blob_storage import BlobStorage


def create_storage(config: DefaultConfig) -> Storage:
    """`MemoryStorage` for one process (the default), `BlobStorage` when instances share state.

    The blob store creates its container on first use and has `async close()`.
    """
    if config.STORAGE == "blob":
        return BlobStorage(config.AZURE_STORAGE_CONNECTION_STRING, config.STATE_BLOB_CONTAINER)
    return MemoryStorage()
