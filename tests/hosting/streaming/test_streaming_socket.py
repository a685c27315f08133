"""The channel's socket is accepted without per-message compression: frames go as they are."""

from __future__ import annotations

import aiohttp

from .streaming_bot import streaming_bot


async def test_a_socket_offering_compression_is_accepted_uncompressed():
    async with streaming_bot() as bot, aiohttp.ClientSession() as session:
        async with session.ws_connect(bot.url.replace("http", "ws", 1), compress=15) as socket:
            assert socket.compress == 0

