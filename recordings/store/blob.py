"""`RecordingStore` on Azure Blob Storage (shared by every instance of the app).

Large uploads are staged as blocks and published with one `commit_block_list`,
so a recording appears whole or not at all. Staged blocks survive a crash
(the service keeps uncommitted blocks for a week), so a reopened upload lists
them and the download resumes after the last staged block. Block ids encode
the block's position, which keeps their order without any side record.
"""

from __future__ import annotations

import base64
from typing import AsyncIterator

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobBlock
from azure.storage.blob.aio import BlobClient, BlobServiceClient, ContainerClient

BLOCK_SIZE = 4 * 1024 * 1024


class BlobStore:
    """Objects are block blobs in one container; the log is an append blob."""

    def __init__(self, service: BlobServiceClient, container_name: str):
        self._service = service
        self._container: ContainerClient = service.get_container_client(container_name)

    @classmethod
    async def open(cls, service: BlobServiceClient, container_name: str) -> "BlobStore":
        """Create the container when it does not exist yet."""
        store = cls(service, container_name)
        try:
            await store._container.create_container()
        except ResourceExistsError:
            pass
        return store

    def __repr__(self) -> str:
        return f"BlobStore(container={self._container.container_name!r})"

    async def put(self, name: str, data: bytes) -> None:
        await self._container.upload_blob(name, data, overwrite=True)

    async def create(self, name: str, data: bytes) -> bool:
        try:
            await self._container.upload_blob(name, data, overwrite=False)
        except ResourceExistsError:
            return False
        return True

    async def get(self, name: str) -> bytes | None:
        try:
            downloader = await self._container.download_blob(name)
        except ResourceNotFoundError:
            return None
        return await downloader.readall()

    async def delete(self, name: str) -> bool:
        try:
            await self._container.delete_blob(name, delete_snapshots="include")
        except ResourceNotFoundError:
            return False
        return True

    async def size(self, name: str) -> int | None:
        try:
            properties = await self._container.get_blob_client(name).get_blob_properties()
        except ResourceNotFoundError:
            return None
        return properties.size

    async def list(self, prefix: str) -> list[str]:
        return sorted([b.name async for b in self._container.list_blobs(name_starts_with=prefix)])

    async def read(self, name: str) -> AsyncIterator[bytes]:
        downloader = await self._container.download_blob(name)
        async for chunk in downloader.chunks():
            yield chunk

    async def open_upload(self, name: str) -> "BlobUpload":
        blob = self._container.get_blob_client(name)
        try:
            _committed, uncommitted = await blob.get_block_list("uncommitted")
        except ResourceNotFoundError:
            uncommitted = []
        return BlobUpload(blob, sorted(uncommitted, key=lambda b: b.id))

    async def append_line(self, name: str, line: str) -> None:
        blob = self._container.get_blob_client(name)
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        try:
            await blob.append_block(data)
        except ResourceNotFoundError:
            try:
                await blob.create_append_blob(if_none_match="*")
            except ResourceExistsError:
                pass
            await blob.append_block(data)

    async def close(self) -> None:
        await self._service.close()


class BlobUpload:
    """Buffers up to one block in memory; everything else is staged on the service."""

    def __init__(self, blob: BlobClient, staged: list[BlobBlock]):
        # Only an unbroken run of blocks from position 0 can be resumed.
        self._blob = blob
        self._blocks: list[str] = []
        self._offset = 0
        for position, block in enumerate(staged):
            if block.id != _block_id(position):
                break
            self._blocks.append(block.id)
            self._offset += block.size
        self._buffer = bytearray()

    @property
    def offset(self) -> int:
        return self._offset

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self._offset += len(data)
        while len(self._buffer) >= BLOCK_SIZE:
            await self._stage(bytes(self._buffer[:BLOCK_SIZE]))
            del self._buffer[:BLOCK_SIZE]

    async def _stage(self, data: bytes) -> None:
        block_id = _block_id(len(self._blocks))
        await self._blob.stage_block(block_id, data)
        self._blocks.append(block_id)

    async def commit(self) -> int:
        if self._buffer:
            await self._stage(bytes(self._buffer))
            self._buffer.clear()
        await self._blob.commit_block_list([BlobBlock(block_id=b) for b in self._blocks])
        return self._offset

    async def close(self) -> None:
        # Bytes still buffered were never staged: a resume fetches them again.
        self._offset -= len(self._buffer)
        self._buffer.clear()

    async def discard(self) -> None:
        self._buffer.clear()
        self._blocks.clear()
        self._offset = 0
        # Committing an empty list throws the staged blocks away.
        await self._blob.commit_block_list([])
        await self._blob.delete_blob()


def _block_id(position: int) -> str:
    return base64.b64encode(f"block-{position:08d}".encode()).decode()
