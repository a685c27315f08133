"""Calls spread over two instances, with a channel that answers while the turn that asked still runs.

Every post of a call goes to the other instance than the one before; command results
and `handoff.status` arrive during the turn that caused them (`hasty_channel.py`). The
calls must go exactly as on one instance, with no conflict, no error heard, nothing left
in storage after the caller hangs up; and a call whose turn dies with its instance goes
on, on the other instance, once the turn's lease has lapsed.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
from azure.storage.blob.aio import BlobServiceClient

from dialogs.main_menu import MAIN_MENU
from dialogs.payment import PAY_OFFER
from dialogs.prompts import (
    ACCOUNT_NUMBER,
    CARD_EXPIRY,
    CARD_NUMBER,
    NO_AGENT,
    PAUSING_FOR_CARD,
    RECORDING_STOPPED,
    SECURITY_CODE,
    SOMETHING_WENT_WRONG,
    TRANSFER_HOLD,
)
from hosting.state.blob_leases import MIN_PERIOD_S
from telephony import COMMAND_ACTIVITY, HANDOFF_INITIATE, RecordingCommand
from tests.scale.hasty_channel import HastyCall, HastyChannel, Heard

CALLS = 100
AT_ONCE = 10
MENU = MAIN_MENU.spoken
CARD = "4111111111111111"
# The transfer follows the pause by 1 s (3 s by default), not 0: with no delay the pause
# result and the transfer's failed status are two answers in flight at once, and the
# order in which they reach the bot decides which turn runs first, on one instance or two.
QUICK_TRANSFER = {"TRANSFER_DELAY_S": "1"}
START, PAUSE, RESUME = (RecordingCommand.START.value, RecordingCommand.PAUSE.value, RecordingCommand.RESUME.value)
# What an instance logs when turns of a call race (start-up warnings about unset settings are not trouble).
TROUBLE = ("ERROR", "Traceback", "StateConflictError", "lease", "dropped")


async def pay_by_card(call: HastyCall, at: int) -> int:
    """Payment: recording paused for the card (the pause result brings the card prompt), then resumed."""
    call.press("1")
    at = await call.heard(ACCOUNT_NUMBER, at)
    await call.press_all("123456")
    at = await call.heard(PAY_OFFER.spoken, at)
    call.press("1")
    at = await call.heard(PAUSING_FOR_CARD, at)
    at = await call.heard(CARD_NUMBER, at)
    await call.press_all(CARD + "#")
    at = await call.heard(CARD_EXPIRY, at)
    await call.press_all("1230")
    at = await call.heard(SECURITY_CODE, at)
    await call.press_all("123#")
    at = await call.heard("ending in 1 1 1 1", at)
    call.press("1")
    at = await call.heard("was approved", at)  # once the resume result is in
    return await call.heard(MENU, at)


async def fail_to_transfer(call: HastyCall, at: int) -> int:
    """Transfer: pause, `handoff.initiate` from a timer's turn, failed at once, resume, menu."""
    call.press("0")
    at = await call.heard(TRANSFER_HOLD, at)
    at = await call.heard(NO_AGENT, at)
    return await call.heard(MENU, at)


async def opt_out(call: HastyCall, at: int) -> int:
    call.press("*")
    return await call.heard(RECORDING_STOPPED, at)


Scenario = Callable[[HastyCall, int], Awaitable[int]]
SCENARIOS: list[Scenario] = [pay_by_card, fail_to_transfer, opt_out]


async def place(call: HastyCall, scenario: Scenario) -> None:
    """Start result, menu, repeat, the scenario, hang-up."""
    call.connect()
    at = await call.heard(MENU, 0)  # once the start result is in
    call.press("9")
    at = await call.heard(MENU, at)
    await scenario(call, at)
    await call.settle()
    call.hang_up()
    await call.settle()


def actions(transcript: list[Heard]) -> list[str]:
    return [heard.name for heard in transcript if heard.type == COMMAND_ACTIVITY or heard.name == HANDOFF_INITIATE]


def trouble_in(logs: list[Path]) -> list[str]:
    return [line for log in logs for line in log.read_text().splitlines() if any(word in line for word in TROUBLE)]


async def blobs_of(connection_string: str, calls: list[HastyCall]) -> list[str]:
    """State and lease blobs still stored for any of `calls`."""
    ids = {call.conversation_id for call in calls}
    left = []
    async with BlobServiceClient.from_connection_string(connection_string) as service:
        async for container in service.list_containers(name_starts_with="calls-"):
            async for blob in service.get_container_client(container.name).list_blobs():
                if any(conversation_id in blob.name for conversation_id in ids):
                    left.append(blob.name)
    return left


async def test_calls_alternating_between_instances_go_as_on_one_while_the_channel_answers_mid_turn(
    start_instances, http, tmp_path, azurite_connection_string
):
    solo, first, second = await start_instances(*[QUICK_TRANSFER] * 3)
    async with HastyChannel(http).serving() as channel:
        references = {scenario: channel.call([solo]) for scenario in SCENARIOS}
        for scenario, reference in references.items():
            await place(reference, scenario)
        expected = {scenario: reference.transcript() for scenario, reference in references.items()}
        assert [actions(expected[scenario]) for scenario in SCENARIOS] == [
            [START, PAUSE, RESUME],
            [START, PAUSE, HANDOFF_INITIATE, RESUME],
            [START, RecordingCommand.STOP.value],
        ]
        assert not [heard for heard in sum(expected.values(), []) if heard.text == SOMETHING_WENT_WRONG]

        calls = {channel.call([first, second]): SCENARIOS[number % len(SCENARIOS)] for number in range(CALLS)}
        at_once = asyncio.Semaphore(AT_ONCE)

        async def place_soon(call: HastyCall, scenario: Scenario) -> None:
            async with at_once:
                await place(call, scenario)

        await asyncio.gather(*(place_soon(call, scenario) for call, scenario in calls.items()))

    different = [(call, scenario) for call, scenario in calls.items() if call.transcript() != expected[scenario]]
    names = sorted({scenario.__name__ for _, scenario in different})
    assert not different, f"{len(different)} of {CALLS} calls ({names}) went otherwise than on one instance:\n" + "\n".join(
        difflib.unified_diff(
            [str(heard) for heard in expected[different[0][1]]], [str(heard) for heard in different[0][0].transcript()]
        )
    )
    assert trouble_in(sorted(tmp_path.glob("instance-*.log"))) == []
    assert await blobs_of(azurite_connection_string, [*references.values(), *calls]) == []


async def test_a_call_whose_instance_dies_mid_turn_goes_on_on_the_other_once_the_lease_lapses(
    start_instances, http, tmp_path
):
    doomed, survivor = await start_instances({}, {})
    async with HastyChannel(http).serving() as channel:
        call = channel.call([doomed, survivor])
        call.connect()
        at = await call.heard(MENU, 0)
        await call.settle()

        # The doomed instance's turn hangs sending the prompt, holding the call's lease.
        channel.stall_when(lambda activity: ACCOUNT_NUMBER.lower() in (activity.get("text") or "").lower())
        call.send_to([doomed])
        call.press("1")
        await asyncio.wait_for(channel.stalled.wait(), 10)
        doomed.process.popen.kill()
        doomed.process.popen.wait()
        killed_at = time.monotonic()
        channel.stalls.clear()
        (lost,), _ = await asyncio.wait([call.posts[-1]])
        assert isinstance(lost.exception(), aiohttp.ClientError)

        call.send_to([survivor])
        call.press("1")  # waits for the dead turn's lease to lapse, then runs on the state from before that turn
        at = await call.heard(ACCOUNT_NUMBER, at, timeout_s=MIN_PERIOD_S + 10)
        waited_s = time.monotonic() - killed_at
        await call.press_all("123456")
        await call.heard(PAY_OFFER.spoken, at)

    assert 3 < waited_s <= MIN_PERIOD_S + 2, f"the call waited {waited_s:.1f} s"
    assert trouble_in([tmp_path / "instance-1.log"]) == []
