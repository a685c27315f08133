"""`python -m devtools.acs_phone`: a terminal phone through Call Automation.

It runs the local ACS stand-in and the app (answering through the stand-in, with
the real Call Automation SDK) in this process, places one call and lets you be
the caller: what the bot says is printed as ACS plays it (● while the recording
runs, ○ when not), keys (0-9 * #) and words are sent as ACS would send them,
`/hangup` (or end of input) hangs up. Settings from the environment (and `.env`)
apply, as with `python app.py`; the stand-in's own replace the ACS ones.

It lives here, not in `simulator/`, because it runs the app: the stand-ins never
import the app they stand in front of.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from simulator.acs import AcsStandIn, StandInCall, make_tls
from telephony import DTMF_KEYS

from .acs_line import DEFAULT_CALLED, DEFAULT_CALLER, acs_line

INDICATOR = {"active": "● recording", "paused": "❚❚ paused", "stopped": "■ not recording", None: "■ not recording"}
POLL_S = 0.05


class AcsTerminalPhone:
    """Prints each prompt once and each change of the recording and the call."""

    def __init__(self, call: StandInCall, output: TextIO = sys.stdout) -> None:
        self._call = call
        self._out = output
        self._shown = 0
        self._recording: str | None = None
        self._state = call.state

    def show_news(self) -> None:
        for play in self._call.plays[self._shown :]:
            mark = "●" if play.recording_state == "active" else "○"
            self._print(f"bot {mark} {self._call.heard[self._shown]}")
            self._shown += 1
        recording = self._call.recording.state if self._call.recording else None
        if recording != self._recording:
            self._recording = recording
            self._print(f"   [{INDICATOR[recording]}]")
        if self._call.state != self._state:
            self._state = self._call.state
            if self._call.state in ("transferred", "disconnected"):
                self._print(f"   [call {self._call.state}]")

    def _print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    @property
    def ended(self) -> bool:
        return self._call.state in ("transferred", "disconnected")

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False once the call is over."""
        text = line.strip()
        if self.ended:
            return False
        if text in ("/hangup", "/quit", "/q"):
            await self._call.hang_up()
            return False
        if text == "/status":
            self._print(f"   [{INDICATOR[self._recording]}] call {self._call.state}")
        elif text and set(text) <= DTMF_KEYS:
            await self._call.press_keys(text)
        elif text and not await self._call.say(text):
            self._print("   [nobody is listening for speech right now: try keys]")
        return not self.ended


async def run_acs_phone(caller: str, called: str) -> int:
    logging.basicConfig(level=logging.ERROR, format="   [%(levelname)s %(name)s: %(message)s]")
    with tempfile.TemporaryDirectory() as folder:
        standin = AcsStandIn(make_tls(Path(folder)))
        await standin.start()
        try:
            settings = {k: v for k, v in os.environ.items() if k.isupper()}
            async with acs_line(standin, settings) as line:
                print(f"Calling {called} from {caller} through the local ACS stand-in. "
                      "Type keys (0-9 * #) or words; /hangup to end.")
                call = await line.call(caller, called)
                phone = AcsTerminalPhone(call)
                await _talk(call, phone)
        finally:
            await standin.close()
    return 0


async def _talk(call: StandInCall, phone: AcsTerminalPhone) -> None:
    loop = asyncio.get_running_loop()
    typed = loop.run_in_executor(None, sys.stdin.readline)
    while True:
        phone.show_news()
        if phone.ended:
            return
        done, _ = await asyncio.wait({typed}, timeout=POLL_S)
        if not done:
            continue
        line = typed.result()
        if not line or not await phone.handle(line):
            if not phone.ended:
                await call.hang_up()
            await asyncio.sleep(0.2)
            phone.show_news()
            return
        typed = loop.run_in_executor(None, sys.stdin.readline)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.acs_phone",
        description="A terminal phone through Call Automation: the local ACS stand-in and the app, in this process.",
    )
    parser.add_argument("--caller", default=DEFAULT_CALLER, help="the caller's number, E.164")
    parser.add_argument("--called", default=DEFAULT_CALLED, help="the bot's number, E.164")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(run_acs_phone(args.caller, args.called))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
