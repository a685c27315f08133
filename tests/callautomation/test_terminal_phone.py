"""`python -m devtools.acs_phone`: a terminal phone through the local ACS stand-in."""

from __future__ import annotations

import asyncio
import os
import sys

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU

from ..call_harness import account_step_key
from .test_calls_over_acs import BALANCE

TIMEOUT_S = 30


async def test_the_terminal_phone_calls_the_bot_through_acs():
    phone = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "devtools.acs_phone",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_INPUT_TIMEOUT_S": "600"},
    )
    shown: list[str] = []

    async def until(words: str) -> str:
        while True:
            line = (await asyncio.wait_for(phone.stdout.readline(), TIMEOUT_S)).decode()
            assert line, f"the phone ended before showing {words!r}: {''.join(shown)}"
            shown.append(line)
            if words in line:
                return line

    async def type_line(text: str) -> None:
        phone.stdin.write(text.encode() + b"\n")
        await phone.stdin.drain()

    try:
        assert (await until(P.WELCOME[:40])).startswith("bot ")
        assert "●" in await until(MAIN_MENU.spoken[:40])  # said while recording
        await type_line(account_step_key())
        await until(P.ACCOUNT_NUMBER)
        await type_line("123456")
        await until(BALANCE)
        await type_line("/hangup")
        await until("[call disconnected]")
        assert await asyncio.wait_for(phone.wait(), TIMEOUT_S) == 0
    finally:
        if phone.returncode is None:
            phone.kill()
            await phone.wait()
