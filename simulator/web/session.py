"""One open page of the web phone: its calls, its fault toggles, its updates.

The page's requests are carried out one at a time, in the order they came,
as a caller's would be. A change on the call between requests (the bot
speaking up, a timer) queues a fresh picture of it (`view.call_view`) at
once. The changes a request brings about go out as one picture when it is
done, however many keys it pressed (each picture is the whole call: one per
change made a 3,000-key press send gigabytes); but a change of the call's
status or of the recording indicator goes out at once, so the page shows
"Ringing" while the bot answers, and the recording pause before the card
prompt that follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..call import BotRejected, Call, CallStatus, CallTimeout
from ..channel import ChannelSimulator
from ..faults import FaultPlan
from ..lines import LineError
from .messages import Action, BadRequest, CommandFaultChoice, FaultChoice, Request, read_request
from .view import Indicator, call_view, indicator

LOG = logging.getLogger(__name__)

DELAY_S = 3.0  # "answer late": long enough to hear the bot wait, shorter than its default timeout
Send = Callable[[dict[str, Any]], Awaitable[None]]


class PhoneSession:
    """The calls placed from one page, one at a time."""

    def __init__(self, channel: ChannelSimulator, send: Send, *, on_call_ended: Callable[[Call], None]) -> None:
        self._channel = channel
        self._send = send
        self._on_call_ended = on_call_ended
        self._faults = FaultPlan()
        self._call: Call | None = None
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._ended_seen: set[str] = set()
        self._handling = False  # a request is being carried out: its changes wait for its end
        # The call, its status and its recording indicator in the last picture queued.
        self._shown_state: tuple[str, CallStatus, Indicator] | None = None

    @property
    def call(self) -> Call | None:
        return self._call

    async def run_outbox(self) -> None:
        """Send queued pictures to the page, in order, until cancelled."""
        while True:
            await self._send(await self._outbox.get())

    def show(self) -> None:
        """Queue the page's picture of the call as it is now (mid-request, only if its state changed)."""
        call = self._call
        state = (call.call_id, call.status, indicator(call.recording)) if call is not None else None
        if self._handling and state == self._shown_state:
            return  # the request's own picture, at its end, shows it
        self._shown_state = state
        self._outbox.put_nowait({"type": "call", **call_view(call, self._faults)})
        if call is not None and call.status.ended and call.call_id not in self._ended_seen:
            self._ended_seen.add(call.call_id)
            self._on_call_ended(call)

    def complain(self, words: str) -> None:
        self._outbox.put_nowait({"type": "error", "message": words})

    async def handle(self, message: str) -> None:
        """Carry out one message from the page; a mistake becomes a message back, never an exception.

        Whatever it changed goes out as one picture when it is done.
        """
        self._handling = True
        try:
            request = read_request(message)
            await self._carry_out(request)
        except BadRequest as error:
            self.complain(str(error))
        except LineError as error:
            self.complain(f"{error}. Is the bot running (make run)?")
        except (BotRejected, CallTimeout) as error:
            self.complain(str(error).splitlines()[0])
        except RuntimeError as error:  # the call ended while the request was on its way
            self.complain(str(error))
        finally:
            self._handling = False
        self.show()

    async def hang_up(self) -> None:
        """The page went away: put the phone down (a bot that is gone already needs no goodbye)."""
        if self._call is not None and not self._call.status.ended:
            with contextlib.suppress(LineError, CallTimeout, RuntimeError):  # RuntimeError: the channel has stopped
                await self._call.hang_up()

    async def _carry_out(self, request: Request) -> None:
        if request.action is Action.FAULTS:
            assert request.faults is not None
            self._arm(request.faults)
            return
        if request.action is Action.DIAL:
            await self._dial()
            return
        call = self._call
        if call is None or call.status.ended:
            raise BadRequest("there is no call: press Call first")
        if request.action is Action.PRESS:
            await call.press(request.keys)
        elif request.action is Action.SAY:
            await call.say(request.words)
        elif request.action is Action.HANG_UP:
            await call.hang_up()

    async def _dial(self) -> None:
        if self._call is not None and not self._call.status.ended:
            raise BadRequest("a call is already in progress")
        call = self._channel.new_call(faults=self._faults)
        self._call = call
        call.on_change(self.show)
        self.show()
        try:
            await self._channel.connect(call)
        except LineError:
            self._call = None  # it never rang: the page is ready to call again
            raise

    def _arm(self, choice: FaultChoice) -> None:
        """Replace the armed faults with the page's choice (they apply to this call, or the next)."""
        self._faults.disarm()
        if choice.fault is CommandFaultChoice.REFUSE:
            self._faults.fail_next(choice.command)
        elif choice.fault is CommandFaultChoice.DELAY:
            self._faults.delay_next(choice.command, DELAY_S)
        elif choice.fault is CommandFaultChoice.NEVER_ANSWER:
            self._faults.never_answer_next(choice.command)
        if choice.fail_transfer:
            self._faults.fail_next_transfer()


def write_records(call: Call, out: Path) -> None:
    """Write a finished call's timeline and metadata files, as `make call` does."""
    for path in call.write_records(out):
        LOG.info("wrote %s", path)
