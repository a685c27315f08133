"""One simulated phone call: what the caller does and how the channel reacts.

The channel side follows the Telephony channel's documented behaviour:
prompts play in the order the bot sends them, recording commands are answered
once the bot's turn is over (after a short latency), the recording changes
state when a command is answered with success, transfers and hang-ups stop
the recording. Everything lands on the call's timeline with a sequence number.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from telephony import (
    COMMAND_ACTIVITY,
    DTMF_KEYS,
    HANDOFF_INITIATE,
    HANDOFF_TARGET_KEY,
    RecordingCommand,
)

from . import activities
from .activities import Activity, CallAddress
from .conformance import command_problems, is_e164, prompt_problems
from .faults import FaultKind, FaultPlan, TransferFault
from .lines import HttpLine, Line
from .metadata import AcsResource
from .recording import CallRecording, EndReason
from .rules import RecordingState, Refusal
from .timeline import EventKind, LogicalClock, TimelineEvent, Timeline

INVALID_TARGET = "The transfer target is not an E.164 phone number"


class CallStatus(str, Enum):
    RINGING = "ringing"
    CONNECTED = "connected"
    TRANSFERRED = "transferred"
    HUNG_UP = "hung_up"  # by the caller
    ENDED_BY_BOT = "ended_by_bot"

    @property
    def ended(self) -> bool:
        return self in (CallStatus.TRANSFERRED, CallStatus.HUNG_UP, CallStatus.ENDED_BY_BOT)


class ActionKind(str, Enum):
    RECORDING_COMMAND = "recording_command"
    TRANSFER = "transfer"
    HANG_UP = "hang_up"
    OTHER = "other"


@dataclass(frozen=True)
class Prompt:
    """Something the bot said: display text, SSML, barge-in hint."""

    seq: int
    text: str
    speak: str
    input_hint: str | None
    recorded: bool


@dataclass(frozen=True)
class BotAction:
    """Something the bot did that is not speech."""

    seq: int
    kind: ActionKind
    name: str
    value: Any = None


@dataclass(frozen=True)
class ChannelOptions:
    """How the simulated channel behaves on every call."""

    command_latency_s: float = 0.05
    end_of_conversation_on_hang_up: bool = True
    end_of_conversation_on_transfer: bool = True
    timeout_s: float = 10.0
    resource: AcsResource = field(default_factory=AcsResource)


class CallTimeout(AssertionError):
    """The bot did not do what a test waited for."""


class BotRejected(AssertionError):
    """The bot answered an activity with an HTTP error status."""


class Call:
    """A phone call between a simulated caller and the bot."""

    def __init__(self, address: CallAddress, options: ChannelOptions, faults: FaultPlan | None = None):
        self.address = address
        self.call_id = str(uuid.uuid4())
        self.faults = faults or FaultPlan()
        self.status = CallStatus.RINGING
        self.transcript: list[Prompt | BotAction] = []
        self.violations: list[str] = []
        self.undelivered: list[str] = []  # late answers the bot did not take (it had gone)
        self.after_end: list[Activity] = []
        self.timeline = Timeline()
        self.recording = CallRecording(
            self.timeline,
            call_id=self.call_id,
            participants=[address.caller, address.called],
            resource=options.resource,
        )
        self.transfer_target: str | None = None
        self._line: Line | None = None
        self._options = options
        self._clock = LogicalClock()
        self._send_lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._heard = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_change: list[Callable[[], None]] = []

    # --- what the caller does -------------------------------------------------

    @property
    def streaming(self) -> bool:
        """True when the call is connected over a WebSocket (not plain HTTP)."""
        return self._line is not None and not isinstance(self._line, HttpLine)

    @property
    def line_id(self) -> str | None:
        """The socket that carries the call now (None over HTTP)."""
        return getattr(self._line, "line_id", None)

    def move_to(self, line: Line) -> Line | None:
        """The channel carries the call over `line` from now on; returns the line it used before."""
        previous, self._line = self._line, line
        return previous

    async def dial(self, line: Line) -> None:
        """Connect the call over `line`: the bot gets a `conversationUpdate` with the caller."""
        self._line = line
        self.status = CallStatus.CONNECTED
        await self._caller_sends(EventKind.CALL_PLACED, self.address.caller, activities.call_placed(self.address))

    async def press(self, keys: str) -> list[TimelineEvent]:
        """Press keys one at a time; returns their timeline entries."""
        unknown = set(keys) - DTMF_KEYS
        if unknown:
            raise ValueError(f"not phone keys: {''.join(sorted(unknown))}")
        pressed = []
        for key in keys:
            pressed.append(await self._caller_sends(EventKind.KEY, key, activities.key_press(self.address, key)))
        return pressed

    async def say(self, text: str) -> TimelineEvent:
        """Speak: the bot receives the recognised text."""
        return await self._caller_sends(EventKind.SPEECH, text, activities.speech(self.address, text))

    async def stay_silent(self, seconds: float) -> None:
        """Say nothing: the channel sends nothing, the bot's timers must act."""
        self.timeline.add(self._clock.tick(), EventKind.SILENCE, f"{seconds:g}s", recorded=self.recording.is_recording)
        await asyncio.sleep(seconds)

    async def hang_up(self) -> None:
        """The caller hangs up: the recording stops and the bot is told."""
        if self.status.ended:
            return
        async with self._send_lock:
            self._end(CallStatus.HUNG_UP, EndReason.HUNG_UP)
            if self._options.end_of_conversation_on_hang_up:
                await self._deliver(activities.end_of_conversation(self.address, "completedSuccessfully"))
        await self._notify()

    # --- waiting for the bot ----------------------------------------------------

    @property
    def prompts(self) -> list[Prompt]:
        return [entry for entry in self.transcript if isinstance(entry, Prompt)]

    @property
    def said(self) -> list[str]:
        """The display text of everything the bot said, in order."""
        return [p.text for p in self.prompts]

    @property
    def actions(self) -> list[BotAction]:
        return [entry for entry in self.transcript if isinstance(entry, BotAction)]

    async def wait_for_prompt(self, contains: str = "", timeout: float | None = None) -> Prompt:
        """The next prompt not yet waited for whose text contains `contains`.

        Prompts before the match are passed over, so successive waits walk
        through the call in order.
        """
        needle = contains.lower()
        found: list[Prompt] = []

        def match() -> bool:
            prompts = self.prompts
            for index in range(self._heard, len(prompts)):
                if needle in prompts[index].text.lower():
                    found.append(prompts[index])
                    self._heard = index + 1
                    return True
            return False

        await self._wait(match, timeout, f"a prompt containing {contains!r}")
        return found[0]

    async def wait_for_end(self, timeout: float | None = None) -> CallStatus:
        """Wait until the call is over (transferred, hung up by either side)."""
        await self._wait(lambda: self.status.ended, timeout, "the end of the call")
        return self.status

    async def wait_for_recording(self, state: RecordingState, timeout: float | None = None) -> None:
        await self._wait(lambda: self.recording.state is state, timeout, f"the recording to be {state.value}")

    async def wait_for_action(self, kind: ActionKind, name: str = "", timeout: float | None = None) -> BotAction:
        found: list[BotAction] = []

        def match() -> bool:
            found[:] = [a for a in self.actions if a.kind is kind and (not name or a.name == name)]
            return bool(found)

        await self._wait(match, timeout, f"the bot to do {kind.value} {name}".strip())
        return found[0]

    async def settle(self) -> None:
        """Wait until every pending channel answer (command results, statuses) is sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever the bot says or does something (used by the phone)."""
        self._on_change.append(listener)

    # --- records -------------------------------------------------------------------

    def records(self) -> dict[str, dict[str, object]]:
        """The call's files by name: its timeline, then one ACS metadata document per recording."""
        spans = [
            {"startSeq": s.start.seq, "endSeq": s.end.seq if s.end else None} for s in self.recording.spans
        ]
        files: dict[str, dict[str, object]] = {
            f"{self.call_id}-timeline.json": {
                "callId": self.call_id, "status": self.status.value, "recordedSpans": spans,
                "events": self.timeline.to_json(),
            }
        }
        for index, document in enumerate(self.recording.metadata()):
            files[f"{self.call_id}-{index}-metadata.json"] = document
        return files

    def write_records(self, directory: Path) -> list[Path]:
        """Write the timeline and one ACS metadata file per recording; returns the paths."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, document in self.records().items():
            path = directory / name
            path.write_text(json.dumps(document, indent=2))
            paths.append(path)
        return paths

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._line is not None:
            await self._line.close()

    # --- what the bot sends (through the connector) ----------------------------------

    async def receive_from_bot(self, activity: Activity) -> str:
        """Handle one activity the bot sent to this call; returns its new id."""
        activity_id = str(uuid.uuid4())
        if self.status.ended:
            self.after_end.append(activity)
            return activity_id
        kind = activity["type"]
        name = activity.get("name") or ""
        if kind == "message":
            self._hear(activity)
        elif kind == COMMAND_ACTIVITY:
            self._take_command(activity)
        elif kind == "event" and name == HANDOFF_INITIATE:
            self._take_transfer(activity)
        elif kind == "endOfConversation":
            self.transcript.append(BotAction(self._clock.tick().seq, ActionKind.HANG_UP, kind))
            self._end(CallStatus.ENDED_BY_BOT, EndReason.HUNG_UP)
        else:
            self.transcript.append(BotAction(self._clock.tick().seq, ActionKind.OTHER, name or kind, activity.get("value")))
        await self._notify()
        return activity_id

    def _hear(self, activity: Activity) -> None:
        self.violations.extend(prompt_problems(activity))
        text = activity.get("text") or ""
        tick = self._clock.tick()
        recorded = self.recording.is_recording
        self.transcript.append(Prompt(tick.seq, text, activity.get("speak") or "", activity.get("inputHint"), recorded))
        self.timeline.add(tick, EventKind.PROMPT, text, recorded=recorded)

    def _take_command(self, activity: Activity) -> None:
        tick = self._clock.tick()
        try:
            command = RecordingCommand(activity.get("name"))
        except ValueError:
            self.violations.append(f"unknown command {activity.get('name')!r}")
            return
        self.violations.extend(command_problems(activity))
        value = activity.get("value") if isinstance(activity.get("value"), dict) else {}
        command_id = str(value.get("commandId") or "")
        self.transcript.append(BotAction(tick.seq, ActionKind.RECORDING_COMMAND, command.value, activity.get("value")))
        self.timeline.add(tick, EventKind.COMMAND, _short(command), recorded=self.recording.is_recording)
        self._spawn(self._answer_command(command, command_id))

    async def _answer_command(self, command: RecordingCommand, command_id: str) -> None:
        fault = self.faults.take(command)
        if fault and fault.kind is FaultKind.NEVER_ANSWER:
            return
        delay = self._options.command_latency_s + (fault.delay_s if fault else 0.0)
        await asyncio.sleep(delay)
        async with self._send_lock:
            if self.status.ended:
                return
            refusal: Refusal | None
            if fault and fault.kind is FaultKind.FAIL:
                refusal = fault.refusal
            else:
                refusal = self.recording.apply(command, self._clock.tick())
            answered_id = str(uuid.uuid4()) if fault and fault.kind is FaultKind.WRONG_COMMAND_ID else command_id
            result_text = _short(command) + (f": {refusal.message}" if refusal else "")
            detail = {"refused": refusal.message} if refusal else {}
            self.timeline.add(
                self._clock.tick(), EventKind.COMMAND_RESULT, result_text, recorded=self.recording.is_recording, **detail
            )
            # Listeners see the new recording state before the bot hears of it and answers.
            self._tell_listeners()
            result = activities.command_result(self.address, command, answered_id, refusal)
            await self._deliver(result)
            if fault and fault.kind is FaultKind.ANSWER_TWICE:
                await self._deliver(activities.command_result(self.address, command, answered_id, refusal))
        await self._notify()

    def _take_transfer(self, activity: Activity) -> None:
        tick = self._clock.tick()
        value = activity.get("value") if isinstance(activity.get("value"), dict) else {}
        target = value.get(HANDOFF_TARGET_KEY)
        self.transcript.append(BotAction(tick.seq, ActionKind.TRANSFER, HANDOFF_INITIATE, activity.get("value")))
        self.timeline.add(tick, EventKind.TRANSFER, str(target), recorded=self.recording.is_recording)
        if not is_e164(target):
            self.violations.append(f"transfer target {target!r} is not E.164 in `{HANDOFF_TARGET_KEY}`")
            self._spawn(self._report_transfer_failure(INVALID_TARGET))
            return
        fault = self.faults.take_transfer()
        if fault and fault.kind is TransferFault.FAIL:
            self._spawn(self._report_transfer_failure(fault.message))
        elif fault is None:
            self.transfer_target = target
            self._end(CallStatus.TRANSFERRED, EndReason.TRANSFERRED)
            if self._options.end_of_conversation_on_transfer:
                self._spawn(self._tell_bot_it_left())

    async def _report_transfer_failure(self, message: str) -> None:
        await asyncio.sleep(self._options.command_latency_s)
        async with self._send_lock:
            if self.status.ended:
                return
            self.timeline.add(self._clock.tick(), EventKind.HANDOFF_STATUS, message, recorded=self.recording.is_recording)
            await self._deliver(activities.handoff_failed(self.address, message))
        await self._notify()

    async def _tell_bot_it_left(self) -> None:
        async with self._send_lock:
            await self._deliver(activities.end_of_conversation(self.address, "transferred"))

    # --- plumbing ------------------------------------------------------------------------

    def _end(self, status: CallStatus, reason: EndReason) -> None:
        tick = self._clock.tick()
        self.recording.end(tick, reason)
        self.status = status
        self.timeline.add(self._clock.tick(), EventKind.CALL_ENDED, status.value, recorded=False)

    async def _caller_sends(self, kind: EventKind, text: str, activity: Activity) -> TimelineEvent:
        if self.status.ended:
            raise RuntimeError(f"the call is over ({self.status.value})")
        async with self._send_lock:
            event = self.timeline.add(self._clock.tick(), kind, text, recorded=self.recording.is_recording)
            self._tell_listeners()
            status = await self._deliver(activity)
        if status >= 400:
            raise BotRejected(f"the bot answered {status} to a {activity['type']}")
        return event

    async def _deliver(self, activity: Activity) -> int:
        """Send to the bot; the caller of this holds the send lock (one turn at a time)."""
        if self._line is None:
            raise RuntimeError("the call has not been dialled")
        try:
            status = await asyncio.wait_for(self._line.send(activity), self._options.timeout_s)
        except asyncio.TimeoutError:
            self.violations.append(f"the bot did not finish its turn for a {activity['type']} in time")
            raise CallTimeout(
                f"the bot did not answer a {activity['type']} within {self._options.timeout_s:g}s"
            ) from None
        if status >= 400:
            self.violations.append(f"the bot answered {status} to a {activity['type']} {activity.get('name') or ''}".strip())
        return status

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        """A late answer the bot could not take any more (its socket closed, it stopped) is noted, not raised."""
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.undelivered.append(f"{type(task.exception()).__name__}: {task.exception()}")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
        self._tell_listeners()

    def _tell_listeners(self) -> None:
        for listener in self._on_change:
            listener()

    async def _wait(self, predicate: Callable[[], bool], timeout: float | None, what: str) -> None:
        limit = self._options.timeout_s if timeout is None else timeout
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), limit)
            except asyncio.TimeoutError:
                heard = "\n  ".join(self.said) or "(nothing)"
                raise CallTimeout(f"waited {limit:g}s for {what}; the bot said:\n  {heard}") from None


def _short(command: RecordingCommand) -> str:
    return command.value.rsplit(".", 1)[-1]
