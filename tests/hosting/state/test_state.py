"""Conversation state saves exactly when a turn changed it."""

from __future__ import annotations

import pickle
from typing import Any

from botbuilder.core import MemoryStorage
from botbuilder.dialogs import DialogInstance, DialogState

from hosting.state.conversation_state import ConversationState
from hosting.state.memory_storage import MemoryStorage as VersionedMemoryStorage
from tests.hosting.conftest import call_turn


class CountingStorage(MemoryStorage):
    """MemoryStorage that counts writes (the behaviour under test is when writes happen)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes: dict[str, Any]) -> None:
        self.writes += 1
        await super().write(changes)


async def test_a_turn_that_changes_nothing_does_not_write_and_one_that_does_writes():
    storage = CountingStorage()
    state = ConversationState(storage)
    dialogs = state.create_property("dialogs")

    first = call_turn(text="9")
    await dialogs.set(first, DialogState([DialogInstance(id="main_menu", state={"misses": 0})]))
    await state.save_changes(first)
    assert storage.writes == 1

    unchanged = call_turn(text="9")
    await dialogs.get(unchanged)
    await state.save_changes(unchanged)
    assert storage.writes == 1

    changed = call_turn(text="9")
    (await dialogs.get(changed)).dialog_stack[0].state["misses"] = 1
    await state.save_changes(changed)
    assert storage.writes == 2

    assert (await dialogs.get(call_turn(text="9"))).dialog_stack[0].state == {"misses": 1}


async def test_state_pickle_cannot_hash_is_still_saved_when_changed():
    storage = CountingStorage()
    state = ConversationState(storage)
    callback = state.create_property("callback")

    first = call_turn(text="9")
    await callback.get(first)
    await callback.set(first, lambda: None)
    await state.save_changes(first)

    assert storage.writes == 1


class CountingVersionedStorage(VersionedMemoryStorage):
    """This project's memory store, which sets a new e_tag on what it saves, counting writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes: dict[str, Any]) -> None:
        self.writes += 1
        await super().write(changes)


async def test_within_one_turn_a_second_save_writes_only_what_changed_since_the_first():
    storage = CountingVersionedStorage()
    state = ConversationState(storage)
    dialogs = state.create_property("dialogs")
    turn = call_turn(text="9")

    await dialogs.set(turn, DialogState([DialogInstance(id="main_menu", state={"misses": 0})]))
    await state.save_changes(turn)
    await state.save_changes(turn)  # the store set a new e_tag: not a change of the call's
    assert storage.writes == 1

    (await dialogs.get(turn)).dialog_stack[0].state["misses"] = 1
    await state.save_changes(turn)
    await state.save_changes(turn)
    assert storage.writes == 2
    assert (await dialogs.get(call_turn(text="9"))).dialog_stack[0].state == {"misses": 1}


async def test_with_memory_state_a_turn_pickles_its_state_to_see_whether_it_changed_and_to_save_it_only(monkeypatch):
    storage = VersionedMemoryStorage()
    state = ConversationState(storage)
    dialogs = state.create_property("dialogs")
    first = call_turn(text="9")
    await dialogs.set(first, DialogState([DialogInstance(id="main_menu", state={"misses": 0})]))
    await state.save_changes(first)
    pickled = []
    dumps = pickle.dumps
    monkeypatch.setattr(pickle, "dumps", lambda *args, **kwargs: pickled.append(1) or dumps(*args, **kwargs))

    changed = call_turn(text="9")
    (await dialogs.get(changed)).dialog_stack[0].state["misses"] = 1
    await state.save_changes(changed)
    unchanged = call_turn(text="9")
    await dialogs.get(unchanged)
    await state.save_changes(unchanged)

    assert len(pickled) == 3  # the changed turn: its check and its save; the unchanged one: its check
    assert (await dialogs.get(call_turn(text="9"))).dialog_stack[0].state == {"misses": 1}
