"""Both state stores (memory, Blob Storage on Azurite): round trips, any key, and no silent overwrites."""

from __future__ import annotations

import uuid

import pytest
from azure.storage.blob.aio import BlobServiceClient
from botbuilder.core import ConversationState, StoreItem
from botbuilder.dialogs import DialogInstance, DialogState

from config import DefaultConfig
from hosting.state.blob_storage import BlobStorage
from hosting.state.conversation_state import ConversationState as CallState
from hosting.state.e_tags import StateConflictError
from hosting.state.memory_storage import MemoryStorage
from hosting.state.storage import create_storage
from tests.hosting.conftest import call_turn


@pytest.fixture
async def storage(connection_string):
    if connection_string is None:
        yield MemoryStorage()
        return
    store = BlobStorage.from_connection_string(connection_string, f"state-{uuid.uuid4().hex[:12]}")
    yield store
    await store.close()


async def test_items_round_trip_with_an_e_tag_and_missing_keys_are_left_out(storage):
    await storage.write({"plain": {"menu": "main", "misses": 2}, "item": StoreItem(step="payment")})

    found = await storage.read(["plain", "item", "never-written"])

    assert set(found) == {"plain", "item"}
    assert found["plain"]["menu"] == "main" and found["plain"]["misses"] == 2
    assert found["plain"]["e_tag"]
    assert found["item"].step == "payment" and found["item"].e_tag


async def test_a_write_with_a_stale_e_tag_is_refused(storage):
    await storage.write({"call": {"step": "menu"}})
    first_reader = (await storage.read(["call"]))["call"]
    second_reader = (await storage.read(["call"]))["call"]

    first_reader["step"] = "payment"
    await storage.write({"call": first_reader})
    second_reader["step"] = "balance"
    with pytest.raises(StateConflictError):
        await storage.write({"call": second_reader})

    assert (await storage.read(["call"]))["call"]["step"] == "payment"


async def test_a_star_e_tag_overwrites_and_a_matching_one_writes(storage):
    await storage.write({"call": {"step": "menu"}})
    stale = (await storage.read(["call"]))["call"]
    await storage.write({"call": {"step": "payment", "e_tag": "*"}})
    with pytest.raises(StateConflictError):
        await storage.write({"call": stale})

    current = (await storage.read(["call"]))["call"]
    current["step"] = "transfer"
    await storage.write({"call": current})
    assert (await storage.read(["call"]))["call"]["step"] == "transfer"


async def test_saving_twice_in_one_turn_is_not_a_conflict(storage):
    await storage.write({"call": {"step": "menu"}})
    item = (await storage.read(["call"]))["call"]

    item["step"] = "payment"
    await storage.write({"call": item})
    item["step"] = "card"
    await storage.write({"call": item})

    assert (await storage.read(["call"]))["call"]["step"] == "card"


@pytest.mark.parametrize(
    "key",
    [
        "telephony/conversations/a:b|c?d#e",
        "telephony/conversations/trailing.",
        "spaces and ünïcödé ☎",
        "percent%2Fslash",
        "x" * 2000,
    ],
)
async def test_any_key_is_stored_under_its_own_blob(storage, key):
    lookalike = key.replace("/", "%2F") if "/" in key else key + "/"
    await storage.write({key: {"owner": "key"}, lookalike: {"owner": "lookalike"}})

    found = await storage.read([key, lookalike])

    assert found[key]["owner"] == "key"
    assert found[lookalike]["owner"] == "lookalike"


async def test_deleted_items_read_as_missing_and_deleting_twice_is_fine(storage):
    await storage.write({"call": {"step": "menu"}})
    await storage.delete(["call"])
    await storage.delete(["call", "never-written"])

    assert await storage.read(["call"]) == {}


async def test_an_item_read_is_a_copy_until_it_is_written(storage):
    await storage.write({"call": {"step": "menu", "keys": ["1"]}})
    item = (await storage.read(["call"]))["call"]

    item["step"] = "payment"
    item["keys"].append("2")

    assert (await storage.read(["call"]))["call"]["keys"] == ["1"]
    assert (await storage.read(["call"]))["call"]["step"] == "menu"


async def test_state_the_store_cannot_encode_is_refused_by_name_and_nothing_is_written():
    storage = MemoryStorage()

    with pytest.raises(TypeError, match="'call'"):
        await storage.write({"other": {"step": "menu"}, "call": {"on_hangup": lambda: None}})

    assert await storage.read(["other", "call"]) == {}


async def test_two_instances_saving_one_call_cannot_overwrite_each_other(azurite_connection_string):
    container = f"state-{uuid.uuid4().hex[:12]}"
    instance_a = BlobStorage.from_connection_string(azurite_connection_string, container)
    instance_b = BlobStorage.from_connection_string(azurite_connection_string, container)
    state_a, state_b = ConversationState(instance_a), ConversationState(instance_b)
    step_a, step_b = state_a.create_property("step"), state_b.create_property("step")

    setup = call_turn()
    await step_a.set(setup, "menu")
    await state_a.save_changes(setup)

    turn_a, turn_b = call_turn(), call_turn()
    assert await step_a.get(turn_a) == "menu"
    assert await step_b.get(turn_b) == "menu"
    await step_a.set(turn_a, "payment")
    await state_a.save_changes(turn_a)
    await step_b.set(turn_b, "balance")
    with pytest.raises(StateConflictError):
        await state_b.save_changes(turn_b)

    assert await step_b.get(call_turn()) == "payment"
    await instance_a.close()
    await instance_b.close()


async def test_two_instances_starting_one_call_cannot_both_create_its_state(storage, caplog):
    state_a, state_b = CallState(storage), CallState(storage)
    step_a, step_b = state_a.create_property("step"), state_b.create_property("step")
    turn_a, turn_b = call_turn(), call_turn()
    assert await step_a.get(turn_a) is None
    assert await step_b.get(turn_b) is None

    await step_a.set(turn_a, "menu")
    await state_a.save_changes(turn_a)
    await step_b.set(turn_b, "consent")
    await state_b.save_changes(turn_b)  # loses: its changes are dropped, the turn does not fail

    assert await step_b.get(call_turn()) == "menu"
    assert "this turn's state changes are dropped" in caplog.text


async def test_a_call_whose_state_was_deleted_starts_afresh(storage):
    state = CallState(storage)
    step = state.create_property("step")
    first = call_turn()
    await step.set(first, "menu")
    await state.save_changes(first)
    await state.delete(first)

    again = call_turn()
    assert await step.get(again) is None
    await step.set(again, "consent")
    await state.save_changes(again)

    assert await step.get(call_turn()) == "consent"


async def test_dialog_state_comes_back_as_dialog_objects(storage):
    conversation_state = ConversationState(storage)
    dialog_state = conversation_state.create_property("DialogState")
    first = call_turn()
    await dialog_state.set(first, DialogState([DialogInstance(id="main_menu", state={"misses": 1})]))
    await conversation_state.save_changes(first)

    restored = await dialog_state.get(call_turn())

    assert isinstance(restored, DialogState)
    assert isinstance(restored.dialog_stack[0], DialogInstance)
    assert restored.dialog_stack[0].id == "main_menu"
    assert restored.dialog_stack[0].state == {"misses": 1}


async def test_memory_is_the_default_and_blob_creates_its_container_on_first_use(azurite_connection_string):
    assert isinstance(create_storage(DefaultConfig()), MemoryStorage)

    container = f"state-{uuid.uuid4().hex[:12]}"
    config = DefaultConfig(
        STORAGE="blob", AZURE_STORAGE_CONNECTION_STRING=azurite_connection_string, STATE_BLOB_CONTAINER=container
    )
    storage = create_storage(config)
    async with BlobServiceClient.from_connection_string(azurite_connection_string) as service:
        assert not await service.get_container_client(container).exists()
        await storage.write({"call": {"step": "menu"}})
        assert await service.get_container_client(container).exists()
    await storage.close()
