"""Calls in flight at once each keep their own state, through the real app (`python app.py`), on either SDK.

One `ConversationState` serves every call. The Agents SDK 1.9.0's own `save`
writes whichever call's state was loaded last, and a turn loads, sends its
replies (waiting on the channel) and only then saves: so with calls on different
steps, one call's key received another's state. Here half the calls look up a
balance while the other half press a key the menu does not have; each must hear
exactly its own conversation.
"""

from __future__ import annotations

import asyncio

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from simulator import Call, ChannelOptions, ChannelSimulator, Transport
from tests.simulator.fixtures import bot  # noqa: F401  (fixture)

CALLS_OF_EACH_KIND = 15
BALANCE = P.BALANCE.format(amount="42 dollars and 17 cents", due_date="March 3rd")


async def a_balance(channel: ChannelSimulator, n: int) -> Call:
    call = await channel.place_call(caller=f"+1425556{n:04d}")
    await call.wait_for_prompt(MAIN_MENU.spoken, timeout=60)
    await call.press("2")
    await call.wait_for_prompt(P.ACCOUNT_NUMBER, timeout=60)
    await call.press("123456")
    await call.wait_for_prompt(BALANCE, timeout=60)
    return call


async def a_wrong_key(channel: ChannelSimulator, n: int) -> Call:
    call = await channel.place_call(caller=f"+1425557{n:04d}")
    await call.wait_for_prompt(MAIN_MENU.spoken, timeout=60)
    await call.press("7")
    await call.wait_for_prompt(P.NO_MATCH, timeout=60)
    return call


def heard(call: Call) -> list[str]:
    return [prompt.text for prompt in call.prompts]


async def test_calls_on_different_steps_at_once_each_hear_only_their_own_conversation(bot):  # noqa: F811
    async with ChannelSimulator(bot.url, transport=Transport.HTTP, options=ChannelOptions(timeout_s=60)) as channel:
        balances, wrong_keys = await asyncio.gather(
            asyncio.gather(*(a_balance(channel, n) for n in range(CALLS_OF_EACH_KIND))),
            asyncio.gather(*(a_wrong_key(channel, n) for n in range(CALLS_OF_EACH_KIND))),
        )
        for call in balances:
            said = heard(call)
            assert not any(P.NO_MATCH in text or P.ACCOUNT_NOT_FOUND in text for text in said), said
            assert not any(P.SORRY_ERROR in text for text in said), said
        for call in wrong_keys:
            said = heard(call)
            assert sum(P.NO_MATCH in text for text in said) == 1, said
            assert not any(P.ACCOUNT_NUMBER in text for text in said), said
            assert not any(P.SORRY_ERROR in text for text in said), said
        for call in balances + wrong_keys:
            await call.say("goodbye")
            await call.wait_for_prompt(P.GOODBYE, timeout=60)
