"""Leases on blobs, for instances that share state in Blob Storage.

Each lease is a blob lease on an empty lock blob beside the call's state blob, named
`leases/<state blob name>`: a literal `/` never occurs in a state blob's name, so lock
blobs cannot collide with state. Not the state blob itself: a leased blob refuses every
write and delete that does not carry the lease id, which would tie the state store to
the turn, and a call that has no state yet has no blob to lease.

The lock blob is created on a call's first turn and deleted with the lease when a turn
forgets the call's state. A call forgotten after its turn failed (the SDK runs the error
handler once the turn's middleware is done, so without the lease) keeps its empty lock
blob. Blob leases last 15 to 60 seconds (the service's limits).
A turn that has to wait queues an empty blob named by its ticket under
`waiting/<state blob name>/` and deletes it once it holds the lease.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob.aio import BlobLeaseClient, ContainerClient

from hosting.state.blob_storage import blob_name

LOCK_PREFIX = "leases/"
QUEUE_PREFIX = "waiting/"
MIN_PERIOD_S, MAX_PERIOD_S = 15, 60
# "LeaseAlreadyPresent", "LeaseIdMismatchWithLeaseOperation", ...: someone else holds it.
CONFLICT = 409
PRECONDITION_FAILED = 412


def lock_blob_name(name: str) -> str:
    return LOCK_PREFIX + blob_name(name)


def queue_prefix(name: str) -> str:
    return f"{QUEUE_PREFIX}{blob_name(name)}/"


class BlobLeases:
    """Leases on lock blobs in `container`; `ready` creates the container once."""

    def __init__(self, container: ContainerClient, ready: Callable[[], Awaitable[None]], period_s: int = MIN_PERIOD_S):
        if not MIN_PERIOD_S <= period_s <= MAX_PERIOD_S:
            raise ValueError(f"a blob lease lasts {MIN_PERIOD_S} to {MAX_PERIOD_S} seconds, not {period_s}")
        self._container = container
        self._ready = ready
        self._period_s = period_s

    @property
    def period_s(self) -> float:
        return float(self._period_s)

    @property
    def shared_by_instances(self) -> bool:
        return True

    async def acquire(self, name: str, lease_id: str) -> bool:
        await self._ready()
        lock = self._container.get_blob_client(lock_blob_name(name))
        for _ in range(2):
            try:
                await BlobLeaseClient(lock, lease_id).acquire(lease_duration=self._period_s)
                return True
            except ResourceNotFoundError:
                await self._create_lock(name)  # the call's first turn, or its lock was just forgotten
            except HttpResponseError as error:
                if error.status_code == CONFLICT:
                    return False
                raise
        return False  # forgotten again between creating and leasing: try later

    async def renew(self, name: str, lease_id: str) -> bool:
        lock = self._container.get_blob_client(lock_blob_name(name))
        try:
            await BlobLeaseClient(lock, lease_id).renew()
        except ResourceNotFoundError:
            return False
        except HttpResponseError as error:
            if error.status_code == CONFLICT:
                return False
            raise
        return True

    async def release(self, name: str, lease_id: str, *, forget: bool = False) -> None:
        lock = self._container.get_blob_client(lock_blob_name(name))
        try:
            if forget:
                await lock.delete_blob(lease=lease_id)
            else:
                await BlobLeaseClient(lock, lease_id).release()
        except ResourceNotFoundError:
            pass
        except HttpResponseError as error:
            if error.status_code not in (CONFLICT, PRECONDITION_FAILED):  # lost meanwhile: not ours to release
                raise

    async def waiting(self, name: str) -> list[str]:
        await self._ready()
        prefix = queue_prefix(name)
        return [blob.name[len(prefix):] async for blob in self._container.list_blobs(name_starts_with=prefix)]

    async def join(self, name: str, ticket: str) -> None:
        await self._container.get_blob_client(queue_prefix(name) + ticket).upload_blob(b"", overwrite=True)

    async def leave(self, name: str, ticket: str) -> None:
        try:
            await self._container.delete_blob(queue_prefix(name) + ticket)
        except ResourceNotFoundError:
            pass

    async def _create_lock(self, name: str) -> None:
        lock = self._container.get_blob_client(lock_blob_name(name))
        try:
            await lock.upload_blob(b"", match_condition=MatchConditions.IfMissing)
        except ResourceExistsError:
            pass
        except HttpResponseError as error:
            if error.status_code not in (CONFLICT, PRECONDITION_FAILED):  # exists, and leased
                raise
