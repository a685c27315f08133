"""A call's turns take turns, across instances: the lease on the call, in memory and on Azurite.

Each "instance" here is its own `TurnLeaseMiddleware` and `ConversationState` over one
shared store, as two processes sharing Blob Storage are.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

import pytest
from azure.storage.blob.aio import BlobServiceClient
from botbuilder.core.adapters import TestAdapter

from app import create_bot
from config import DefaultConfig

from hosting.state.blob_leases import BlobLeases
from hosting.state.blob_storage import BlobStorage
from hosting.state.conversation_state import ConversationState
from hosting.state.memory_leases import MemoryLeases
from hosting.state.memory_storage import MemoryStorage
from hosting.state.storage import create_leases
from hosting.state.turn_lease import TurnLeaseMiddleware
from tests.hosting.conftest import call_turn

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def shared(connection_string):
    """A store and its leases, as every instance of one deployment shares them."""
    if connection_string is None:
        storage = MemoryStorage()
        yield storage, create_leases(storage)
        return
    storage = BlobStorage.from_connection_string(connection_string, f"state-{uuid.uuid4().hex[:12]}")
    yield storage, create_leases(storage)
    await storage.close()


class Instance:
    """One bot process: its middleware and conversation state over the shared store."""

    def __init__(self, storage, leases, **options) -> None:
        self.state = ConversationState(storage)
        self.count = self.state.create_property("count")
        self.lease = TurnLeaseMiddleware(leases, **options)

    async def turn(self, during: Callable[[], Awaitable[None]] | None = None, sent_at: datetime | None = None) -> int:
        """A turn that counts itself in the call's state; `during` runs between its read and its save."""
        context = call_turn()
        context.activity.timestamp = sent_at or datetime.now(timezone.utc)
        seen: list[int] = []

        async def logic() -> None:
            count = await self.count.get(context) or 0
            if during is not None:
                await during()
            await self.count.set(context, count + 1)
            await self.state.save_changes(context)
            seen.append(count + 1)

        await self.lease.on_turn(context, logic)
        return seen[0]

    async def forget(self) -> None:
        context = call_turn()

        async def logic() -> None:
            await self.state.load(context)
            await self.state.delete(context)

        await self.lease.on_turn(context, logic)


async def stored_count(storage) -> int:
    return await Instance(storage, MemoryLeases()).count.get(call_turn()) or 0


async def test_a_turn_on_another_instance_waits_until_the_running_one_has_saved(shared):
    storage, leases = shared
    first, second = Instance(storage, leases), Instance(storage, leases)
    reading = asyncio.Event()
    finish = asyncio.Event()

    async def hold() -> None:
        reading.set()
        await finish.wait()

    running = asyncio.create_task(first.turn(during=hold))
    await reading.wait()
    waiting = asyncio.create_task(second.turn())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    finish.set()

    assert (await running, await waiting) == (1, 2)
    assert await stored_count(storage) == 2


async def test_turns_waiting_for_a_call_run_in_the_order_the_channel_sent_them(shared):
    storage, leases = shared
    holder, late, early = Instance(storage, leases), Instance(storage, leases), Instance(storage, leases)
    reading = asyncio.Event()
    finish = asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        reading.set()
        await finish.wait()

    def noting(name: str) -> Callable[[], Awaitable[None]]:
        async def note() -> None:
            order.append(name)

        return note

    sent = datetime.now(timezone.utc)

    async def hold_then_post_the_next_activity() -> None:
        await holder.turn(during=hold, sent_at=sent)
        # Sent after the waiting one, and here the moment the lease is free: it must still wait.
        await late.turn(during=noting("second"), sent_at=sent + timedelta(milliseconds=20))

    running = asyncio.create_task(hold_then_post_the_next_activity())
    await reading.wait()
    waiting = asyncio.create_task(early.turn(during=noting("first"), sent_at=sent + timedelta(milliseconds=10)))
    await asyncio.sleep(0.3)
    finish.set()
    await asyncio.gather(running, waiting)

    assert order == ["first", "second"]
    assert await leases.waiting("telephony/conversations/call-1") == []


async def test_a_lease_whose_holder_died_lapses_after_its_period_and_the_call_goes_on():
    storage, leases = MemoryStorage(), MemoryLeases(period_s=0.5)
    await leases.acquire("telephony/conversations/call-1", "a turn on a dead instance")
    survivor = Instance(storage, leases)

    started = time.monotonic()
    assert await survivor.turn() == 1

    assert 0.4 <= time.monotonic() - started < 1.5


async def test_a_turn_that_lost_its_lease_drops_its_changes_and_the_caller_hears_no_error(caplog):
    clock = FakeClock()
    storage, leases = MemoryStorage(), MemoryLeases(period_s=15, clock=clock)
    stalled, other = Instance(storage, leases), Instance(storage, leases)

    async def stall_past_the_lease() -> None:
        clock.now += 20  # this instance froze longer than a period: its lease lapsed ...
        assert await other.turn() == 1  # ... and the other instance ran the call's next turn

    assert await stalled.turn(during=stall_past_the_lease) == 1

    assert await stored_count(storage) == 1
    assert "this turn's state changes are dropped" in caplog.text


async def test_a_turn_never_waits_longer_than_its_bound_and_then_runs(caplog):
    storage, leases = MemoryStorage(), MemoryLeases(period_s=60)
    await leases.acquire("telephony/conversations/call-1", "a turn that never ends")
    impatient = Instance(storage, leases, max_wait_s=0.3)

    assert await impatient.turn() == 1
    assert "running its turn without it" in caplog.text


async def test_a_forgotten_call_leaves_no_lease_behind_in_blob_storage(azurite_connection_string):
    storage = BlobStorage.from_connection_string(azurite_connection_string, f"state-{uuid.uuid4().hex[:12]}")
    instance = Instance(storage, create_leases(storage))
    assert isinstance(create_leases(storage), BlobLeases)
    assert isinstance(create_leases(MemoryStorage()), MemoryLeases)

    await instance.turn()
    async with BlobServiceClient.from_connection_string(azurite_connection_string) as service:
        container = service.get_container_client(storage.container.container_name)
        during_call = sorted([blob.name async for blob in container.list_blobs()])
        await instance.forget()
        after_call = [blob.name async for blob in container.list_blobs()]
    await storage.close()

    assert during_call == ["leases/telephony%2Fconversations%2Fcall-1", "telephony%2Fconversations%2Fcall-1"]
    assert after_call == []


async def test_a_blob_lease_is_refused_to_a_second_holder_until_released(azurite_connection_string):
    storage = BlobStorage.from_connection_string(azurite_connection_string, f"state-{uuid.uuid4().hex[:12]}")
    leases = create_leases(storage)

    assert await leases.acquire("call", "first")
    assert not await leases.acquire("call", "second")
    assert await leases.renew("call", "first")
    assert not await leases.renew("call", "second")
    await leases.release("call", "second")  # not its lease: nothing happens
    assert not await leases.acquire("call", "second")
    await leases.release("call", "first")
    assert await leases.acquire("call", "second")
    await storage.close()



async def test_the_bot_takes_a_calls_lease_only_from_a_store_other_instances_share(connection_string):
    if connection_string is None:
        storage = MemoryStorage()
    else:
        storage = BlobStorage.from_connection_string(connection_string, f"state-{uuid.uuid4().hex[:12]}")
    adapter = TestAdapter()

    create_bot(DefaultConfig(), adapter, storage)

    leased = any(isinstance(middleware, TurnLeaseMiddleware) for middleware in adapter._middleware._middleware)
    assert leased == create_leases(storage).shared_by_instances == (connection_string is not None)
    if connection_string is not None:
        await storage.close()
