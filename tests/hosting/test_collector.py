"""Garbage is collected between turns: never while a turn runs, unless garbage piles up under constant load."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ConversationAccount

from hosting.collector import (
    BACKSTOP_LIMIT,
    BUSY_LIMIT,
    IDLE_LIMIT,
    MIDDLE_EVERY,
    OLD_FLOOR,
    OLD_GROWTH,
    TurnPacedCollector,
)


class Turns:
    """Runs turns through the collector and notes every collection and how many turns were running then."""

    def __init__(self, collector: TurnPacedCollector):
        self.collector = collector
        self.running = 0
        self.collections: list[tuple[int, int]] = []  # (generation, turns running)

    def on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.collections.append((info["generation"], self.running))

    async def turn(self, garbage: int, until: asyncio.Event | None = None) -> None:
        async def logic() -> None:
            self.running += 1
            try:
                cycles = [_cycle() for _ in range(garbage)]
                if until is not None:
                    await until.wait()
                del cycles
            finally:
                self.running -= 1

        activity = Activity(type=ActivityTypes.message, conversation=ConversationAccount(id="call-1"))
        await self.collector.on_turn(TurnContext(TestAdapter(), activity), logic)
        await asyncio.sleep(0)  # the collection scheduled after the turn runs now


def _cycle() -> list:
    node: list = []
    node.append(node)
    return node


@pytest.fixture
def turns():
    collector = TurnPacedCollector()
    collector.start()
    observed = Turns(collector)
    gc.callbacks.append(observed.on_gc)
    try:
        yield observed
    finally:
        gc.callbacks.remove(observed.on_gc)
        collector.stop()


def test_start_hides_what_exists_and_stop_gives_the_thresholds_back():
    before = gc.get_threshold()
    collector = TurnPacedCollector()

    collector.start()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == BACKSTOP_LIMIT
    finally:
        collector.stop()

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_a_finished_turn_is_collected_after_it_when_no_other_turn_runs(turns):
    await turns.turn(garbage=IDLE_LIMIT * 2)

    assert turns.collections, "nothing was collected after the turn"
    assert all(running == 0 for _, running in turns.collections)
    assert gc.get_count()[0] < IDLE_LIMIT


async def test_a_small_turn_is_not_collected_after(turns):
    await turns.turn(garbage=10)

    assert turns.collections == []


async def test_while_another_turn_runs_the_collection_waits_for_it(turns):
    release = asyncio.Event()
    long_turn = asyncio.create_task(turns.turn(garbage=0, until=release))
    await asyncio.sleep(0)

    await turns.turn(garbage=IDLE_LIMIT * 2)
    assert turns.collections == []

    release.set()
    await long_turn
    assert turns.collections and all(running == 0 for _, running in turns.collections)


async def test_under_constant_load_garbage_is_collected_once_it_piles_up(turns):
    release = asyncio.Event()
    long_turn = asyncio.create_task(turns.turn(garbage=0, until=release))
    await asyncio.sleep(0)

    await turns.turn(garbage=BUSY_LIMIT + IDLE_LIMIT)
    assert [running for _, running in turns.collections] == [1]

    release.set()
    await long_turn


async def test_every_tenth_collection_includes_the_middle_generation(turns):
    for _ in range(MIDDLE_EVERY):
        await turns.turn(garbage=IDLE_LIMIT * 2)

    generations = [generation for generation, _ in turns.collections]
    assert generations == [0] * (MIDDLE_EVERY - 1) + [1]


async def test_garbage_in_the_oldest_generation_is_collected_once_that_generation_has_grown(turns):
    class Node:
        pass

    def promoted(count: int) -> list[weakref.ref]:
        """Cycles kept alive over a middle collection, so they end up in the oldest generation."""
        nodes = [Node() for _ in range(count)]
        for node in nodes:
            node.self = node
        kept.extend(nodes)
        return [weakref.ref(node) for node in nodes]

    kept: list = []
    first = promoted(OLD_FLOOR // 2)
    for _ in range(MIDDLE_EVERY):
        await turns.turn(garbage=IDLE_LIMIT)
    kept.clear()  # `first` is now garbage in the oldest generation
    assert 2 not in [generation for generation, _ in turns.collections]
    assert all(ref() is not None for ref in first)

    second = promoted(int(OLD_FLOOR * (1 + OLD_GROWTH)))
    for _ in range(MIDDLE_EVERY):
        await turns.turn(garbage=IDLE_LIMIT)

    assert 2 in [generation for generation, _ in turns.collections]
    assert all(ref() is None for ref in first)
    assert all(ref() is not None for ref in second)
