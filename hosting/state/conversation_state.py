"""Conversation state that notices changes cheaply.

botbuilder's `BotState` decides whether to save by hashing the whole state with
jsonpickle: when a turn loads it, when it checks for changes and again after
saving. Profiled on the main-menu turn that was the largest single cost (over 40 %
of a turn's CPU under cProfile). `ConversationState` here hashes with `pickle`, which
is C code and an order of magnitude faster, and not again after saving; with this
process's `MemoryStorage`, whose items are pickles already, the pickle read is the
hash of the state loaded. Everything else is the SDK's.

A pickle of equal state can differ (dict insertion order, shared references), which
only means an unneeded save, never a missed one. State pickle cannot handle falls
back to the SDK's hash.

A save that loses its ETag check (another turn of the call saved first: possible only
when a turn lost its lease, see `hosting/state/turn_lease.py`) drops the turn's changes
instead of failing the turn: the call's state stays what the other turn made of it,
and the caller hears no error.
"""

from __future__ import annotations

import logging
import pickle

from botbuilder.core import ConversationState as SdkConversationState
from botbuilder.core import TurnContext
from botbuilder.core.bot_state import CachedBotState

from hosting.state.e_tags import ABSENT_E_TAG, E_TAG, StateConflictError, without_e_tag
from hosting.state.memory_storage import MemoryStorage
from hosting.state.turn_lease import forget_call_lease, turn_lease

log = logging.getLogger(__name__)


class _PickleHashedState(CachedBotState):
    @classmethod
    def read_as(cls, state: dict, pickled: bytes) -> "_PickleHashedState":
        """State read from `pickled`, the pickle of it without its e_tag: that is its hash already.

        Should a pickle of the state read differ from it (it does not for the state's
        plain data), the turn would save once unneeded, never fail to save.
        """
        cached = cls.__new__(cls)
        cached.state = state
        cached.hash = pickled
        return cached

    def compute_hash(self, obj: object) -> bytes | str:
        """The state as pickle writes it, leaving out the `e_tag` the store sets on each save."""
        try:
            return pickle.dumps(without_e_tag(obj), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return super().compute_hash(obj)


class ConversationState(SdkConversationState):
    """The SDK's `ConversationState`, with pickle-based change detection.

    State loaded for a call that has none yet carries `ABSENT_E_TAG`, so its first
    save creates it only if no other instance did meanwhile (the SDK's first save is
    unconditional: two instances starting one call would silently overwrite).
    """

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = self.get_cached_state(turn_context)
        if force or not cached or not cached.state:
            key = self.get_storage_key(turn_context)
            if type(self._storage) is MemoryStorage:  # its pickle is the state's hash as read (a subclass may read otherwise)
                stored = (await self._storage.read_pickled([key])).get(key)
                if stored is not None:
                    turn_context.turn_state[self._context_service_key] = _PickleHashedState.read_as(*stored)
                    return
            items = await self._storage.read([key])
            state = items.get(key)
            if state is None:
                state = {E_TAG: ABSENT_E_TAG}
            turn_context.turn_state[self._context_service_key] = _PickleHashedState(state)

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        """The SDK's save, hashing the state once: a save changes only its `e_tag`, which the hash leaves out,
        so the hash that found the change is the hash of what was saved."""
        cached = self.get_cached_state(turn_context)
        try:
            if force or not isinstance(cached, _PickleHashedState):
                await super().save_changes(turn_context, force)
                return
            current = cached.compute_hash(cached.state)
            if current != cached.hash:
                await self._storage.write({self.get_storage_key(turn_context): cached.state})
                cached.hash = current
        except StateConflictError:
            lease = turn_lease(turn_context)
            log.warning(
                "Another turn of the call saved first%s: this turn's state changes are dropped",
                " (this turn had lost the call's lease)" if lease is not None and lease.lost else "",
            )
            turn_context.turn_state.pop(self._context_service_key, None)

    async def delete(self, turn_context: TurnContext) -> None:
        await super().delete(turn_context)
        forget_call_lease(turn_context)
