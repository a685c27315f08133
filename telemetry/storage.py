"""Spans around the conversation state's reads, writes and deletes (whichever `Storage` is configured)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Dict, Iterator, List

from opentelemetry.trace import Status, StatusCode, Tracer

from telephony.sdk import Storage


class TracedStorage(Storage):
    """Delegates to `inner`; the spans carry how many keys, never the keys' contents."""

    def __init__(self, inner: Storage, tracer: Tracer):
        self.inner = inner
        self.tracer = tracer

    async def read(self, keys: List[str]) -> Dict[str, Any]:
        with self._span("state.read", len(keys)):
            return await self.inner.read(keys)

    async def write(self, changes: Dict[str, Any]) -> None:
        with self._span("state.write", len(changes)):
            await self.inner.write(changes)

    async def delete(self, keys: List[str]) -> None:
        with self._span("state.delete", len(keys)):
            await self.inner.delete(keys)

    @contextmanager
    def _span(self, name: str, keys: int) -> Iterator[None]:
        """A failure is recorded by its type only: a store's message may quote what it held."""
        with self.tracer.start_as_current_span(
            name, attributes={"ivr.state.keys": keys}, record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise

    def __getattr__(self, name: str) -> Any:  # close(), and anything else the store offers
        return getattr(self.inner, name)
