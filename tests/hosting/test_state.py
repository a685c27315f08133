"""Conversation state saves exactly when a turn changed it."""

from __future__ import annotations

from typing import Any

from botbuilder.core import MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from hosting.state import ConversationState


class CountingStorage(MemoryStorage):
    """MemoryStorage that counts writes (the behaviour under test is when writes happen)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes: dict[str, Any]) -> None:
        self.writes += 1
        await super().write(changes)


def turn() -> TurnContext:
    return TurnContext(
        TestAdapter(),
        Activity(
            type=ActivityTypes.message,
            channel_id="telephony",
            conversation=ConversationAccount(id="call-1"),
            from_property=ChannelAccount(id="+14255550123"),
            recipient=ChannelAccount(id="bot"),
            text="9",
        ),
    )


async def test_a_turn_that_changes_nothing_does_not_write_and_one_that_does_writes():
    storage = CountingStorage()
    state = ConversationState(storage)
    dialogs = state.create_property("dialogs")

    first = turn()
    await dialogs.set(first, DialogState([DialogInstance(id="main_menu", state={"misses": 0})]))
    await state.save_changes(first)
    assert storage.writes == 1

    unchanged = turn()
    await dialogs.get(unchanged)
    await state.save_changes(unchanged)
    assert storage.writes == 1

    changed = turn()
    (await dialogs.get(changed)).dialog_stack[0].state["misses"] = 1
    await state.save_changes(changed)
    assert storage.writes == 2

    assert (await dialogs.get(turn())).dialog_stack[0].state == {"misses": 1}


async def test_state_pickle_cannot_hash_is_still_saved_when_changed():
    storage = CountingStorage()
    state = ConversationState(storage)
    callback = state.create_property("callback")

    first = turn()
    await callback.get(first)
    await callback.set(first, lambda: None)
    await state.save_changes(first)

    assert storage.writes == 1
