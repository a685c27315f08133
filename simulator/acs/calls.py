"""A call as the stand-in sees it: what the app asked for, and what the caller does.

The caller's side (`press`, `say`, `silence`, `hang_up`, `finish_play`) and what a
test reads back (`plays`, `heard`, `recording`, `transfers`, `callbacks`) live here;
the REST side that changes it is in call_automation. Two clock readings
(`time.monotonic()`) let a benchmark time a turn the way ACS sees it: when each
key's callback began to be posted (`keys_posted_at`) and when each play was
requested (`Play.requested_at`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from azure.communication.callautomation._generated import models as m

from .callbacks import CallbackQueue, Delivered

TONES = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
    "8": "eight", "9": "nine", "*": "asterisk", "#": "pound", "A": "a", "B": "b", "C": "c", "D": "d",
}
SSML_TAG = re.compile(r"<[^>]+>")


def ssml_text(ssml: str) -> str:
    """The spoken words of an SSML document."""
    return " ".join(SSML_TAG.sub(" ", ssml).split())


def result(code: int, sub_code: int, message: str) -> m.ResultInformation:
    return m.ResultInformation(code=code, sub_code=sub_code, message=message)


def event_data(model: type, **fields: Any) -> dict:
    """Event data exactly as the generated model serializes it (read-only fields included)."""
    instance = model()
    for name, value in fields.items():
        setattr(instance, name, value)
    return instance.serialize(keep_readonly=True)


@dataclass
class Play:
    """One play request (or a recognize prompt), as sent, and how it ended."""

    kind: str  # "text" | "ssml" | "file"
    text: str | None = None
    ssml: str | None = None
    url: str | None = None
    voice_name: str | None = None
    operation_context: str | None = None
    interrupt_call_media_operation: bool = False
    interrupt_prompt: bool | None = None  # set for recognize prompts
    outcome: str = "playing"  # "playing" | "completed" | "canceled" | "failed"
    callback_url: str | None = None
    prompt: bool = False
    recording_state: str | None = None  # the call's recording when the play was asked for; None before any
    started: bool = False  # plays queue: a play asked for while another plays starts after it
    # time.monotonic() when the stand-in received the request: where a benchmark's ACS turn ends
    requested_at: float = field(default_factory=time.monotonic)

    @property
    def spoken(self) -> str:
        if self.kind == "ssml":
            return ssml_text(self.ssml or "")
        return self.text or ""


@dataclass
class Recognize:
    input_type: str  # dtmf | speech | speechOrDtmf | choices
    operation_context: str | None
    callback_url: str | None
    max_tones: int | None
    stop_tones: list[str]
    interrupt_prompt: bool
    prompts: list[Play]
    choices: list[Any]
    tones: list[str] = field(default_factory=list)

    @property
    def hears_keys(self) -> bool:
        return self.input_type in ("dtmf", "speechOrDtmf")

    @property
    def hears_speech(self) -> bool:
        return self.input_type in ("speech", "speechOrDtmf", "choices")


@dataclass
class Recording:
    id: str
    state: str  # "active" | "paused" | "stopped"
    callback_url: str | None
    started: dt.datetime
    history: list[str] = field(default_factory=list)


@dataclass
class DtmfFaults:
    drop: int = 0
    duplicate: int = 0
    reorder: int = 0
    held: list[dict] = field(default_factory=list)


class CallService(Protocol):
    """What a call asks of the Call Automation service that placed it (`CallAutomation`)."""

    def finish_play(self, call: "StandInCall") -> None: ...

    def end_call(self, call: "StandInCall", *, by_app: bool) -> None: ...


class StandInCall:
    """One PSTN call from `caller` to `called` through the stand-in."""

    def __init__(self, service: CallService, caller: str, called: str, ids: dict[str, str], queue: CallbackQueue):
        self._service = service
        self.caller = caller
        self.called = called
        self.call_connection_id = ids["call_connection_id"]
        self.server_call_id = ids["server_call_id"]
        self.correlation_id = ids["correlation_id"]
        self.incoming_call_context = ids["incoming_call_context"]
        self.state = "ringing"  # then "connected" (answered) or "rejected", and at the end "disconnected"
        self.rejected_as: str | None = None  # the reason the app gave for rejecting it
        self.hung_up_by_app = False
        self.callback_url: str | None = None
        self.cognitive_services_endpoint: str | None = None
        self.plays: list[Play] = []
        self.recording: Recording | None = None
        self.recordings: list[Recording] = []
        self.transfers: list[str] = []
        self.callbacks: list[tuple[str, dict, int]] = []
        self.delivered_to: list[tuple[str, str]] = []  # (event type, base URL) of each callback
        # time.monotonic() when each ContinuousDtmfRecognitionToneReceived began to be posted, in
        # posting order (appended once the app has answered it): where a benchmark's ACS turn starts
        self.keys_posted_at: list[float] = []
        self.continuous_dtmf = False
        self.recognize: Recognize | None = None
        self.dtmf_faults = DtmfFaults()
        self._sequence = 0
        self._queue = queue
        self._changed = asyncio.Event()

    # ---- what a test reads -------------------------------------------------------------
    @property
    def heard(self) -> list[str]:
        return [play.spoken for play in self.plays]

    @property
    def caller_raw_id(self) -> str:
        return f"4:{self.caller}"

    async def wait_for(self, predicate: Callable[["StandInCall"], bool], timeout: float = 5) -> None:
        async def until() -> None:
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)

    async def answered(self, timeout: float = 5) -> None:
        """Wait until the app answered and CallConnected was delivered to it."""
        await self.wait_for(lambda c: any(t == "CallConnected" for t, _, _ in c.callbacks), timeout)

    async def answered_or_rejected(self, timeout: float = 5) -> None:
        """Wait until the app either answered the call or rejected it."""
        await self.wait_for(lambda c: c.state == "rejected" or any(t == "CallConnected" for t, _, _ in c.callbacks), timeout)

    async def delivered(self) -> None:
        """Wait until every callback posted so far has been answered by the app."""
        await self._queue.drained()

    # ---- the caller --------------------------------------------------------------------
    async def press(self, key: str) -> None:
        """The caller presses one key: it feeds an active DTMF recognize, else continuous DTMF, else is lost."""
        tone = TONES[key.upper()]
        if self.state != "connected":
            return
        if self.recognize and self.recognize.hears_keys:
            self._feed_recognize(tone)
        elif self.continuous_dtmf:
            self._sequence += 1
            self._tone_event(tone, self._sequence)
        self.changed()

    async def press_keys(self, keys: str) -> None:
        for key in keys:
            await self.press(key)

    async def say(self, text: str) -> bool:
        """The caller speaks: completes a recognize that listens for speech; False if none does."""
        recognize = self.recognize
        if self.state != "connected" or recognize is None or not recognize.hears_speech:
            return False
        self.recognize = None
        self._end_prompts(recognize, "completed")
        if recognize.input_type == "choices":
            choice = next((c for c in recognize.choices
                           if any(p.lower() == text.lower() for p in (c.phrases or []))), None)
            if choice is None:
                self.post(recognize.callback_url, "RecognizeFailed", event_data(
                    m.RecognizeFailed, **self._ids(recognize.operation_context),
                    result_information=result(400, 8547, "Action failed, speech option not matched.")))
                self.changed()
                return True
            self.post(recognize.callback_url, "RecognizeCompleted", event_data(
                m.RecognizeCompleted, **self._ids(recognize.operation_context), recognition_type="choices",
                choice_result=m.ChoiceResult(label=choice.label, recognized_phrase=text),
                result_information=result(200, 8545, "Action completed, speech option matched.")))
        else:
            self.post(recognize.callback_url, "RecognizeCompleted", event_data(
                m.RecognizeCompleted, **self._ids(recognize.operation_context), recognition_type="speech",
                speech_result=m.SpeechResult(speech=text, confidence=0.9),
                result_information=result(200, 8569, "Action completed, speech recognized.")))
        self.changed()
        return True

    async def silence(self) -> None:
        """The caller stays silent: an active recognize fails with InitialSilenceTimeout at once."""
        recognize = self.recognize
        if recognize is None:
            return
        self.recognize = None
        self._end_prompts(recognize, "completed")
        self.post(recognize.callback_url, "RecognizeFailed", event_data(
            m.RecognizeFailed, **self._ids(recognize.operation_context),
            result_information=result(400, 8510, "Action failed, initial silence timeout reached.")))
        self.changed()

    async def finish_play(self) -> None:
        """The current play reaches its end (PlayCompleted)."""
        self._service.finish_play(self)

    async def hang_up(self) -> None:
        """The caller hangs up."""
        self._service.end_call(self, by_app=False)

    # ---- DTMF event faults -----------------------------------------------------------
    def drop_next_tones(self, n: int) -> None:
        self.dtmf_faults.drop += n

    def duplicate_next_tones(self, n: int) -> None:
        self.dtmf_faults.duplicate += n

    def reorder_next_tones(self, n: int) -> None:
        """Hold the next `n` tone events and send them in reverse order."""
        self.dtmf_faults.reorder += n

    # ---- internals -----------------------------------------------------------------------
    def changed(self) -> None:
        self._changed.set()

    def delivered_one(self, delivered: Delivered) -> None:
        self.callbacks.append((delivered.event_type, delivered.data, delivered.status))
        parts = urlsplit(delivered.url)
        self.delivered_to.append((delivered.event_type, f"{parts.scheme}://{parts.netloc}"))
        if delivered.event_type == "ContinuousDtmfRecognitionToneReceived":
            self.keys_posted_at.append(delivered.posted_at)
        self.changed()

    def post(self, url: str | None, event_type: str, data: dict) -> None:
        target = url or self.callback_url
        if target:
            self._queue.post(target, event_type, data, self.call_connection_id)

    def _ids(self, operation_context: str | None = None) -> dict:
        fields = {"call_connection_id": self.call_connection_id, "server_call_id": self.server_call_id,
                  "correlation_id": self.correlation_id}
        if operation_context is not None:
            fields["operation_context"] = operation_context
        return fields

    def _tone_event(self, tone: str, sequence: int) -> None:
        faults = self.dtmf_faults
        data = event_data(m.ContinuousDtmfRecognitionToneReceived, sequence_id=sequence, tone=tone, **self._ids(),
                          result_information=result(200, 0, "Action completed successfully."))
        if faults.drop:
            faults.drop -= 1
            return
        if faults.reorder:
            faults.reorder -= 1
            faults.held.append(data)
            if not faults.reorder:
                for held in reversed(faults.held):
                    self.post(None, "ContinuousDtmfRecognitionToneReceived", held)
                faults.held.clear()
            return
        self.post(None, "ContinuousDtmfRecognitionToneReceived", data)
        if faults.duplicate:
            faults.duplicate -= 1
            self.post(None, "ContinuousDtmfRecognitionToneReceived", data)

    def _feed_recognize(self, tone: str) -> None:
        recognize = self.recognize
        assert recognize is not None
        if recognize.interrupt_prompt:
            self._end_prompts(recognize, "canceled")
        sub_code, message = None, ""
        if tone in recognize.stop_tones:
            sub_code, message = 8514, "Action completed, stop tone detected."
        else:
            recognize.tones.append(tone)
            if recognize.max_tones is not None and len(recognize.tones) >= recognize.max_tones:
                sub_code, message = 8531, "Action completed, max digits received."
        if sub_code is None:
            return
        self.recognize = None
        self._end_prompts(recognize, "completed")
        dtmf = m.DtmfResult()
        dtmf.tones = list(recognize.tones)
        self.post(recognize.callback_url, "RecognizeCompleted", event_data(
            m.RecognizeCompleted, **self._ids(recognize.operation_context), recognition_type="dtmf",
            dtmf_result=dtmf, result_information=result(200, sub_code, message)))

    @staticmethod
    def _end_prompts(recognize: Recognize, outcome: str) -> None:
        for prompt in recognize.prompts:
            if prompt.outcome == "playing":
                prompt.outcome = outcome
