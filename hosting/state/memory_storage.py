"""Conversation and user state in this process's memory, kept pickled.

The SDK's `MemoryStorage` deep-copies every item twice per write (slow Python code)
and keeps every call's state as a tree of live objects, which each full garbage
collection walks again. Here each item is one `bytes` value: pickled and unpickled
in C, and invisible to the collector (`read_pickled` lets conversation state use
that pickle as its change hash too, instead of pickling what it read again).
Writes follow the same `e_tag` rules as
`BlobStorage`, so the default store behaves like the shared one; unlike the SDK's,
an item read is a copy, so a turn's changes reach the store only when it saves.
"""

from __future__ import annotations

import pickle
from typing import Any, Iterable

from hosting.state.e_tags import (
    ABSENT_E_TAG,
    StateConflictError,
    as_stored,
    read_as,
    required_version,
    set_e_tag,
    without_e_tag,
)
from telephony.sdk import Storage


class MemoryStorage(Storage):
    """A `Storage` of either SDK (`telephony.sdk`) in a dict: key → (version, pickled item)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, bytes]] = {}
        self._versions = 0

    async def read(self, keys: list[str], *, target_cls: type | None = None, **_: Any) -> dict[str, Any]:
        """The items stored under `keys`; `target_cls` is the Agents SDK's way to ask for them as a class."""
        return {key: read_as(value, target_cls) for key, (value, _) in (await self.read_pickled(keys)).items()}

    async def read_pickled(self, keys: list[str]) -> dict[str, tuple[Any, bytes]]:
        """What `read` returns, each item beside the pickle it was read from (its state without the e_tag)."""
        found: dict[str, tuple[Any, bytes]] = {}
        for key in keys or ():
            stored = self._items.get(key)
            if stored is not None:
                version, data = stored
                value = pickle.loads(data)
                set_e_tag(value, version)
                found[key] = (value, data)
        return found

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        encoded = {key: self._encode(key, as_stored(value)) for key, value in changes.items()}
        for key, value in changes.items():
            expected = required_version(key, value)
            stored = self._items.get(key)
            if expected == ABSENT_E_TAG:
                if stored is not None:
                    raise StateConflictError(key)
            elif expected is not None and (stored is None or stored[0] != expected):
                raise StateConflictError(key)
        for key, value in changes.items():
            self._versions += 1
            version = str(self._versions)
            self._items[key] = (version, encoded[key])
            set_e_tag(value, version)

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._items.pop(key, None)

    def snapshot(self) -> dict[str, Any]:
        """A decoded copy of every stored item, for inspection."""
        return {key: pickle.loads(data) for key, (_, data) in self._items.items()}

    @staticmethod
    def _encode(key: str, value: Any) -> bytes:
        try:
            return pickle.dumps(without_e_tag(value), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise TypeError(f"state for {key!r} cannot be stored: {error}") from None
