"""Storage backends for recordings: a local directory or Azure Blob Storage."""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential

from config import DefaultConfig
from app_identity import blob_service

from .base import RecordingStore, StoreError, Upload
from .blob import BlobStore
from .local import LocalStore

__all__ = ["BlobStore", "LocalStore", "RecordingStore", "StoreError", "Upload", "open_store"]


async def open_store(config: DefaultConfig, credential: AsyncTokenCredential | None = None) -> RecordingStore:
    """The store `RECORDINGS_STORE` names; blobs are reached with `credential` unless a connection string is set."""
    if config.RECORDINGS_STORE == "blob":
        return await BlobStore.open(blob_service(config, credential), config.RECORDINGS_BLOB_CONTAINER)
    return LocalStore(config.RECORDINGS_DIR)
