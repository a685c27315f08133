"""A phone in the terminal: call a running bot, hear it, press keys, talk.

Each prompt is marked ● when it went onto the recording and ○ when not; a
line in brackets shows each change of the recording state. Lines typed are keys when they hold only 0-9, * and #, and speech otherwise.
`/hangup` (or end of input) hangs up; `/status` shows the recording state.
At the end the timeline and the recording metadata are written to `--out`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from telephony import DTMF_KEYS

from .call import Call, Prompt
from .channel import ChannelSimulator
from .lines import Transport
from .rules import RecordingState

INDICATOR = {
    RecordingState.RECORDING: "● recording",
    RecordingState.PAUSED: "❚❚ paused",
    RecordingState.STOPPED: "■ not recording",
}


class TerminalPhone:
    """Prints what the bot says as it says it; reads the caller's lines."""

    def __init__(self, call: Call, output: TextIO = sys.stdout) -> None:
        self._call = call
        self._out = output
        self._shown = 0
        self._state = call.recording.state
        self._ended_shown = False

    def show_news(self) -> None:
        """Print new prompts and recording changes (called on every change)."""
        prompts = self._call.prompts
        for prompt in prompts[self._shown :]:
            self._print_prompt(prompt)
        self._shown = len(prompts)
        if self._call.recording.state is not self._state:
            self._state = self._call.recording.state
            self._print(f"   [{INDICATOR[self._state]}]")
        if self._call.status.ended and not self._ended_shown:
            self._ended_shown = True
            self._print(f"   [call {self._call.status.value}]")

    def _print_prompt(self, prompt: Prompt) -> None:
        mark = "●" if prompt.recorded else "○"
        self._print(f"bot {mark} {prompt.text}")

    def _print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False once the call is over."""
        text = line.strip()
        if self._call.status.ended:
            return False
        if text in ("/hangup", "/quit", "/q"):
            await self._call.hang_up()
            return False
        if text == "/status":
            self._print(f"   [{INDICATOR[self._call.recording.state]}] call {self._call.status.value}")
        elif text and set(text) <= DTMF_KEYS:
            await self._call.press(text)
        elif text:
            await self._call.say(text)
        return not self._call.status.ended


async def run_phone(bot_url: str, transport: Transport, caller: str, called: str, out: Path) -> int:
    """Place one call and run it from the terminal until either side hangs up."""
    async with ChannelSimulator(bot_url, transport=transport) as channel:
        call = channel.new_call(caller, called)
        phone = TerminalPhone(call)
        call.on_change(phone.show_news)
        print(f"Calling {called} from {caller} via {bot_url} ({transport.value}). "
              "Type keys (0-9 * #) or words; /hangup to end.")
        await channel.connect(call)
        loop = asyncio.get_running_loop()
        while True:
            ended = asyncio.ensure_future(call.wait_for_end(timeout=24 * 3600))
            typed = loop.run_in_executor(None, sys.stdin.readline)
            done, _ = await asyncio.wait({ended, typed}, return_when=asyncio.FIRST_COMPLETED)
            if ended in done:
                break
            ended.cancel()
            line = typed.result()
            if not line or not await phone.handle(line):
                if not call.status.ended:
                    await call.hang_up()
                break
        await call.settle()
        phone.show_news()
        for path in call.write_records(out):
            print(f"wrote {path}")
        for problem in call.violations:
            print(f"protocol problem: {problem}")
        return 0
