"""Which socket carries a call: entries go when calls end, moved calls follow their new socket.

The channel side is Microsoft's npm streaming client, through the simulator,
which records a violation whenever the bot sends a call's activity over HTTP
or over a socket that no longer carries that call.
"""

from __future__ import annotations

import asyncio

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from simulator import ChannelSimulator, Transport

from .streaming_bot import eventually, streaming_bot

QUICK_TIMERS = {"NO_INPUT_TIMEOUT_S": 1.0}


async def test_calls_started_and_ended_on_one_socket_leave_no_entry_behind():
    async with streaming_bot(NO_INPUT_TIMEOUT_S=30.0) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET_MULTIPLEXED) as channel:

            async def one_call() -> None:
                call = await channel.place_call()
                await call.wait_for_prompt(MAIN_MENU.spoken)
                await call.hang_up()

            for _ in range(10):
                await asyncio.gather(*(one_call() for _ in range(10)))
            assert await eventually(lambda: bot.open_calls == 0)
            assert bot.pending_timers == 0
            assert all(call.violations == [] for call in channel.calls)
        assert bot.warnings() == []


async def test_many_calls_on_one_socket_each_get_their_replies_and_timers_on_it():
    async with streaming_bot(**QUICK_TIMERS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET_MULTIPLEXED) as channel:
            calls = await asyncio.gather(*(channel.place_call() for _ in range(5)))
            assert bot.open_calls == 5
            await asyncio.gather(*(call.wait_for_prompt(P.NO_INPUT) for call in calls))  # proactive turns
            await asyncio.gather(*(call.press("9") for call in calls))
            for call in calls:
                assert call.said.count(MAIN_MENU.spoken) >= 2
                assert call.violations == []
        assert bot.warnings() == []


async def test_a_call_moved_to_another_socket_is_continued_there_and_survives_the_old_socket_closing():
    async with streaming_bot(**QUICK_TIMERS) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.WEBSOCKET) as channel:
            call = await channel.place_call()
            await call.wait_for_prompt(MAIN_MENU.spoken)
            old_socket = await channel.reconnect(call)
            await call.press("9")  # over the new socket: the bot now routes the call there
            assert old_socket is not None
            await old_socket.close()
            assert await eventually(lambda: bot.open_calls == 1)

            heard = len(call.said)
            await call.wait_for_prompt(P.NO_INPUT)  # a timer: a proactive turn on the new socket
            assert len(call.said) > heard
            assert call.violations == []
            assert bot.open_calls == 1
        assert bot.warnings() == []
