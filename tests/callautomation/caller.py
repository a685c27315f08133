"""A caller on the stand-in's phone: what they hear, in order, and what they do."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import aiohttp

from devtools.acs_line import AcsLine
from simulator.acs import StandInCall

TIMEOUT_S = 15


class Caller:
    """Waits for prompts in the order they are heard: each `hears` looks past the last one found."""

    def __init__(self, call: StandInCall) -> None:
        self.call = call
        self._heard = 0

    async def hears(self, words: str, timeout: float = TIMEOUT_S) -> int:
        """Wait until a prompt not yet looked at contains `words`; returns its index in `call.plays`."""
        found: list[int] = []

        def heard() -> bool:
            for index in range(self._heard, len(self.call.heard)):
                if words in self.call.heard[index]:
                    found.append(index)
                    return True
            return False

        await self.call.wait_for(lambda _call: heard(), timeout=timeout)
        self._heard = found[0] + 1
        return found[0]

    async def say(self, words: str, timeout: float = TIMEOUT_S) -> None:
        """Speak once ACS listens for speech (after the last prompt has played)."""
        await self.call.wait_for(lambda c: c.recognize is not None and c.recognize.hears_speech, timeout=timeout)
        assert await self.call.say(words)

    async def press(self, keys: str) -> None:
        await self.call.press_keys(keys)

    async def recording_is(self, state: str, timeout: float = TIMEOUT_S) -> None:
        await self.call.wait_for(lambda c: c.recording is not None and c.recording.state == state, timeout=timeout)

    async def ended(self, timeout: float = TIMEOUT_S) -> str:
        await self.call.wait_for(lambda c: c.state in ("transferred", "disconnected"), timeout=timeout)
        return self.call.state


def cloud_event(event_type: str, data: dict, time: datetime | None = None) -> dict:
    """A Call Automation callback event, as ACS shapes it."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "calling/callConnections/x",
        "type": event_type,
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "data": data,
    }


async def signed_post(line: AcsLine, http: aiohttp.ClientSession, url: str, body: bytes) -> aiohttp.ClientResponse:
    """POST `body` to a callback URL with a token ACS would have signed."""
    headers = {"Authorization": f"Bearer {line.standin.callback_token()}", "Content-Type": "application/json"}
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        return response
