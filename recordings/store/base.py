"""The one storage interface the recordings archive is written against.

Names are relative, "/"-separated keys (``calls/<call>/<document>.mp4``). Both
backends give the same guarantees, which the rest of the package relies on:

* `put` and `Upload.commit` are atomic: a reader sees the old object or the new
  one, never half of it.
* `create` is exclusive: of two concurrent creators exactly one wins. Jobs use
  it to make a re-delivered event a no-op.
* An `Upload` that was interrupted (crash, broken transfer) can be reopened and
  reports, as `offset`, how many bytes it already holds durably, so a download
  resumes instead of starting again.
"""

from __future__ import annotations

from typing import AsyncIterator, Protocol


class Upload(Protocol):
    """A large object being written in pieces, invisible until committed."""

    @property
    def offset(self) -> int:
        """Bytes already held by this upload (where a resumed download starts)."""

    async def write(self, data: bytes) -> None:
        """Append `data`."""

    async def commit(self) -> int:
        """Publish the object under its final name; returns its size in bytes."""

    async def discard(self) -> None:
        """Forget everything written so far."""

    async def close(self) -> None:
        """Stop writing but keep what is held, for a later resume."""


class RecordingStore(Protocol):
    """Where recordings, their index and the job book live."""

    async def put(self, name: str, data: bytes) -> None:
        """Write a small object atomically, replacing any previous one."""

    async def create(self, name: str, data: bytes) -> bool:
        """Write a small object only if `name` is free; False when it already exists."""

    async def get(self, name: str) -> bytes | None:
        """Read a small object; None when it does not exist."""

    async def delete(self, name: str) -> bool:
        """Remove an object; False when there was nothing to remove."""

    async def size(self, name: str) -> int | None:
        """The size of a committed object in bytes; None when it does not exist."""

    async def list(self, prefix: str) -> list[str]:
        """Names of committed objects under `prefix`, sorted."""

    def read(self, name: str) -> AsyncIterator[bytes]:
        """Stream a committed object in chunks (for exports)."""

    async def open_upload(self, name: str) -> Upload:
        """Start, or resume, writing the large object `name`."""

    async def append_line(self, name: str, line: str) -> None:
        """Append one line to a log object, creating it when missing."""

    async def close(self) -> None:
        """Release network clients."""


class StoreError(RuntimeError):
    """The store could not complete an operation."""
