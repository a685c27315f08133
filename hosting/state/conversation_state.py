"""Conversation state that notices changes cheaply, keeps each turn's own, and never overwrites another's.

On either SDK (`telephony.sdk`), one `ConversationState` serves every call. Three things
about the SDKs' own are not good enough for a phone line, and this class changes them:

- **cost.** botbuilder decides whether to save by hashing the whole state with jsonpickle,
  three times a turn (over 40 % of a main-menu turn's CPU under cProfile); the Agents SDK
  hashes `str()` of it. Here the hash is the state's `pickle` (C code, an order of
  magnitude faster), taken once to find a change and kept after the save; with this
  process's `MemoryStorage`, whose items are pickles already, the pickle read is the hash
  of the state loaded. A pickle of equal state can differ (dict insertion order, shared
  references), which only means an unneeded save, never a missed one; state pickle cannot
  handle is hashed with jsonpickle.
- **whose state a save writes.** Agents SDK 1.9.0's `save` writes whichever call's state was
  loaded last (`telephony.sdk.ConversationState`); here every load and save is the turn's own.
- **conflicts.** State loaded for a call that has none yet carries `ABSENT_E_TAG`, so its first
  save creates it only if no other instance did meanwhile (neither SDK's first save is
  conditional). A save that loses its ETag check (another turn of the call saved first:
  possible only when a turn lost its lease, see `hosting/state/turn_lease.py`) drops the
  turn's changes instead of failing the turn: the call's state stays what the other turn
  made of it, and the caller hears no error.

The SDKs' property accessors, `DialogSet` included, read and write through the cached
state this class keeps: botbuilder asks for it with `get_cached_state(context)`, the
Agents SDK reads `_cached_state`, which `load` sets to the turn's own before returning
(docs/sdk-workarounds.md).
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

import jsonpickle

from hosting.state.e_tags import ABSENT_E_TAG, E_TAG, StateConflictError, without_e_tag
from hosting.state.memory_storage import MemoryStorage
from hosting.state.turn_lease import forget_call_lease, turn_lease
from telephony.sdk import ConversationState as SdkConversationState
from telephony.sdk import TurnContext

log = logging.getLogger(__name__)


class CallState:
    """A call's state as one turn holds it, and the hash of it as last read or saved."""

    def __init__(self, state: dict[str, Any], hash_: bytes | str | None = None):
        self.state = state
        self.hash = self.compute_hash() if hash_ is None else hash_

    def compute_hash(self) -> bytes | str:
        """The state as pickle writes it, leaving out the `e_tag` the store sets on each save."""
        plain = without_e_tag(self.state)
        try:
            return pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return jsonpickle.encode(plain, unpicklable=False)

    @property
    def is_changed(self) -> bool:
        return self.compute_hash() != self.hash


class ConversationState(SdkConversationState):
    """The SDK's `ConversationState` (its keys and accessors), with its own load, save and delete."""

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = turn_context.turn_state.get(self._context_service_key)
        if force or not isinstance(cached, CallState) or not cached.state:
            cached = await self._read(turn_context)
            turn_context.turn_state[self._context_service_key] = cached
        self._cached_state = cached  # where the Agents SDK's accessors look, right after this returns

    async def _read(self, turn_context: TurnContext) -> CallState:
        key = self.get_storage_key(turn_context)
        if type(self._storage) is MemoryStorage:  # its pickle is the state's hash as read (a subclass may read otherwise)
            stored = (await self._storage.read_pickled([key])).get(key)
            if stored is not None:
                return CallState(*stored)
        state = (await self._storage.read([key])).get(key)
        return CallState(state if state is not None else {E_TAG: ABSENT_E_TAG})

    def get_cached_state(self, turn_context: TurnContext | None = None) -> CallState | None:
        """The turn's state, where botbuilder's accessors ask for it."""
        return turn_context.turn_state.get(self._context_service_key) if turn_context is not None else None

    async def save(self, turn_context: TurnContext, force: bool = False) -> None:
        """Write the turn's own state if it changed, hashing it once: a save changes only its `e_tag`,
        which the hash leaves out, so the hash that found the change is the hash of what was saved."""
        cached = turn_context.turn_state.get(self._context_service_key)
        if not isinstance(cached, CallState):
            return
        current = cached.compute_hash()
        if not force and current == cached.hash:
            return
        try:
            await self._storage.write({self.get_storage_key(turn_context): cached.state})
        except StateConflictError:
            lease = turn_lease(turn_context)
            log.warning(
                "Another turn of the call saved first%s: this turn's state changes are dropped",
                " (this turn had lost the call's lease)" if lease is not None and lease.lost else "",
            )
            turn_context.turn_state.pop(self._context_service_key, None)
            return
        cached.hash = current

    save_changes = save  # botbuilder's name for it (`telephony.sdk.save_state` calls each SDK's)

    async def delete(self, turn_context: TurnContext) -> None:
        """Forget the call's state, in this turn and in storage, and its lease when the turn ends."""
        turn_context.turn_state.pop(self._context_service_key, None)
        await self._storage.delete([self.get_storage_key(turn_context)])
        forget_call_lease(turn_context)
