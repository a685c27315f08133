"""Storage backends for recordings: a local directory or Azure Blob Storage."""

from __future__ import annotations

from config import DefaultConfig

from .base import RecordingStore, StoreError, Upload
from .blob import BlobStore
from .local import LocalStore

__all__ = ["BlobStore", "LocalStore", "RecordingStore", "StoreError", "Upload", "open_store"]


async def open_store(config: DefaultConfig) -> RecordingStore:
    """The store `RECORDINGS_STORE` names."""
    if config.RECORDINGS_STORE == "blob":
        return await BlobStore.open(config.AZURE_STORAGE_CONNECTION_STRING, config.RECORDINGS_BLOB_CONTAINER)
    return LocalStore(config.RECORDINGS_DIR)
