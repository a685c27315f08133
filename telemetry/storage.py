"""Spans around the conversation state's reads, writes and deletes (whichever `Storage` is configured)."""

from __future__ import annotations

from typing import Any, Dict, List

from botbuilder.core import Storage
from opentelemetry.trace import Tracer


class TracedStorage(Storage):
    """Delegates to `inner`; the spans carry how many keys, never the keys' contents."""

    def __init__(self, inner: Storage, tracer: Tracer):
        self.inner = inner
        self.tracer = tracer

    async def read(self, keys: List[str]) -> Dict[str, Any]:
        with self.tracer.start_as_current_span("state.read", attributes={"ivr.state.keys": len(keys)}):
            return await self.inner.read(keys)

    async def write(self, changes: Dict[str, Any]) -> None:
        with self.tracer.start_as_current_span("state.write", attributes={"ivr.state.keys": len(changes)}):
            await self.inner.write(changes)

    async def delete(self, keys: List[str]) -> None:
        with self.tracer.start_as_current_span("state.delete", attributes={"ivr.state.keys": len(keys)}):
            await self.inner.delete(keys)

    def __getattr__(self, name: str) -> Any:  # close(), and anything else the store offers
        return getattr(self.inner, name)
