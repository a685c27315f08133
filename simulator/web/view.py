"""What the web phone shows of a call, as the JSON the page draws.

The page holds no state of its own about the call: every change on the
call sends it this whole picture again, built here from the simulator's
own records, so the page can never disagree with the timeline file. Caller
input made while the recording was off is masked here, before it leaves
the process (`TimelineEvent.written_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telephony import InputHint

from ..call import ActionKind, BotAction, Call, CallStatus, Prompt
from ..faults import FaultPlan, TransferFault
from ..recording import CallRecording, EndReason
from ..rules import RecordingState
from ..timeline import EventKind, TimelineEvent
from .speech import speech_for


class Indicator(str, Enum):
    """The recording indicator; each has a symbol and words, never a colour alone."""

    RECORDING = "recording"
    PAUSED = "paused"
    STOPPED = "stopped"
    OPTED_OUT = "opted_out"


INDICATOR_LOOK = {
    Indicator.RECORDING: ("●", "Recording"),
    Indicator.PAUSED: ("❚❚", "Paused"),
    Indicator.STOPPED: ("■", "Not recording"),
    Indicator.OPTED_OUT: ("⊘", "Opted out: recording stopped"),
}

STATUS_WORDS = {
    CallStatus.RINGING: "Ringing",
    CallStatus.CONNECTED: "Connected",
    CallStatus.TRANSFERRED: "Transferred to an agent",
    CallStatus.HUNG_UP: "You hung up",
    CallStatus.ENDED_BY_BOT: "The bot hung up",
}


@dataclass(frozen=True)
class BargeIn:
    """What may interrupt a prompt while it plays, by its input hint."""

    keys: bool
    speech: bool
    words: str


BARGE_IN = {
    InputHint.ACCEPTING: BargeIn(True, True, "Barge-in allowed: keys and words interrupt the prompt"),
    InputHint.EXPECTING: BargeIn(True, True, "Waiting for your answer: keys and words interrupt the prompt"),
    InputHint.IGNORING: BargeIn(False, False, "No barge-in: the prompt plays to the end"),
    InputHint.IGNORING_SPEECH: BargeIn(True, False, "Keys interrupt the prompt; words do not"),
    InputHint.IGNORING_NON_SPEECH: BargeIn(False, True, "Words interrupt the prompt; keys do not"),
}
# A message without a hint: the channel treats it as accepting input.
DEFAULT_BARGE_IN = BARGE_IN[InputHint.ACCEPTING]


class StretchKind(str, Enum):
    RECORDED = "recorded"
    PAUSED = "paused"


@dataclass(frozen=True)
class Stretch:
    """A stretch of the timeline bar, between two sequence numbers; `end` None while it lasts."""

    kind: StretchKind
    start: int
    end: int | None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "start": self.start, "end": self.end}


# Timeline entries the bar marks; command results only when refused.
_MARKED = {EventKind.PROMPT, EventKind.KEY, EventKind.SPEECH, EventKind.TRANSFER, EventKind.HANDOFF_STATUS,
           EventKind.CALL_ENDED, EventKind.COMMAND_RESULT}


def indicator(recording: CallRecording) -> Indicator:
    """Opted out is a recording the bot stopped mid-call (the caller's star or "stop recording")."""
    if recording.state is RecordingState.RECORDING:
        return Indicator.RECORDING
    if recording.state is RecordingState.PAUSED:
        return Indicator.PAUSED
    if recording.files and recording.files[-1].end_reason is EndReason.STOPPED:
        return Indicator.OPTED_OUT
    return Indicator.STOPPED


def stretches(recording: CallRecording) -> list[Stretch]:
    """The recorded and paused stretches of every recording made on the call, in order."""
    found: list[Stretch] = []
    for file in recording.files:
        start = file.start.seq
        for pause in file.pauses:
            found.append(Stretch(StretchKind.RECORDED, start, pause.start.seq))
            pause_end = pause.end or file.end
            found.append(Stretch(StretchKind.PAUSED, pause.start.seq, pause_end.seq if pause_end else None))
            if pause_end is None:
                break
            start = pause_end.seq
        else:
            found.append(Stretch(StretchKind.RECORDED, start, file.end.seq if file.end else None))
    return [s for s in found if s.end is None or s.start < s.end]


def mark(event: TimelineEvent) -> dict[str, object]:
    """One mark on the timeline bar: a short label to draw and the words a screen reader reads."""
    text = event.written_text
    masked = text != event.text
    not_recorded = " (masked: not recorded)" if masked else ""
    kind = event.kind
    if kind is EventKind.PROMPT:
        short, words = "▶", f"Bot said: {text}"
    elif kind is EventKind.KEY:
        short, words = text, f"Key {text}{not_recorded}"
    elif kind is EventKind.SPEECH:
        short, words = "“”", f"You said: {text}{not_recorded}"
    elif kind is EventKind.TRANSFER:
        short, words = "⇥", f"Transfer to {text}"
    elif kind is EventKind.HANDOFF_STATUS:
        short, words = "✗", f"Transfer failed: {text}"
    elif kind is EventKind.CALL_ENDED:
        short, words = "end", f"Call ended: {STATUS_WORDS[CallStatus(text)]}"
    else:
        short, words = "✗", f"Recording {text}"
    return {
        "seq": event.seq, "kind": kind.value, "label": short, "text": words,
        "recorded": event.recorded, "masked": masked,
    }


def _marked(event: TimelineEvent) -> bool:
    if event.kind is EventKind.COMMAND_RESULT:
        return "refused" in event.detail
    return event.kind in _MARKED


def transcript(call: Call) -> list[dict[str, object]]:
    """The bot's prompts (with what to speak), the caller's words, and how the call ended, in order."""
    entries: list[tuple[int, dict[str, object]]] = []
    for entry in call.transcript:
        if isinstance(entry, Prompt):
            entries.append((entry.seq, _prompt(entry)))
        elif entry.kind in (ActionKind.TRANSFER, ActionKind.HANG_UP):
            entries.append((entry.seq, _action(entry)))
    for event in call.timeline.of_kind(EventKind.SPEECH):
        entries.append((event.seq, {"seq": event.seq, "from": "caller", "text": event.written_text}))
    for event in call.timeline.of_kind(EventKind.CALL_ENDED):
        entries.append((event.seq, {"seq": event.seq, "from": "action", "text": STATUS_WORDS[CallStatus(event.text)]}))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def _prompt(prompt: Prompt) -> dict[str, object]:
    return {
        "seq": prompt.seq, "from": "bot", "text": prompt.text, "recorded": prompt.recorded,
        "inputHint": prompt.input_hint, "speech": speech_for(prompt.speak, prompt.text).to_json(),
    }


def _action(action: BotAction) -> dict[str, object]:
    if action.kind is ActionKind.TRANSFER:
        target = (action.value or {}).get("TargetPhoneNumber", "") if isinstance(action.value, dict) else ""
        return {"seq": action.seq, "from": "action", "text": f"The bot transfers the call to {target}".strip()}
    return {"seq": action.seq, "from": "action", "text": "The bot hangs up"}


def barge_in(call: Call) -> dict[str, object] | None:
    """The input hint of the latest prompt and what it lets the caller do."""
    prompts = call.prompts
    if not prompts or call.status.ended:
        return None
    hint = prompts[-1].input_hint
    try:
        allowed = BARGE_IN[InputHint(hint)]
    except ValueError:
        allowed = DEFAULT_BARGE_IN
    return {"hint": hint or InputHint.ACCEPTING.value, "keys": allowed.keys, "speech": allowed.speech,
            "words": allowed.words}


def faults_view(faults: FaultPlan) -> dict[str, object]:
    """The faults armed for the next command and transfer, as the page's toggles show them."""
    armed = faults.armed()
    recording = None
    if armed:
        command, fault = armed[0]
        recording = {"command": command.value.rsplit(".", 1)[-1], "fault": fault.kind.value}  # as the page names them
    transfer = any(f.kind is TransferFault.FAIL for f in faults.armed_transfers())
    return {"recording": recording, "failTransfer": transfer}


def call_view(call: Call | None, faults: FaultPlan) -> dict[str, object]:
    """Everything the page draws, for `call` (None before the first call)."""
    if call is None:
        return {"call": None, "faults": faults_view(faults)}
    recording = indicator(call.recording)
    symbol, words = INDICATOR_LOOK[recording]
    events = list(call.timeline)
    return {
        "call": {
            "id": call.call_id,
            "caller": call.address.caller,
            "called": call.address.called,
            "status": call.status.value,
            "statusWords": STATUS_WORDS[call.status],
            "ended": call.status.ended,
            "recording": {"state": recording.value, "symbol": symbol, "words": words},
            "bargeIn": barge_in(call),
            "transcript": transcript(call),
            "timeline": {
                "first": events[0].seq if events else 0,
                "last": events[-1].seq if events else 0,
                "stretches": [s.to_json() for s in stretches(call.recording)],
                "marks": [mark(e) for e in events if _marked(e)],
            },
            "downloads": [
                {"name": name, "url": f"/calls/{call.call_id}/{name}",
                 "words": "Timeline (JSON)" if index == 0 else f"ACS metadata, recording {index}"}
                for index, name in enumerate(call.records())
            ],
            "violations": list(call.violations),
        },
        "faults": faults_view(faults),
    }

