"""What happened on one call, in order, and whether it was on the recording.

Every event gets a sequence number from the call's logical clock as well as a
wall-clock time: sequence numbers order events that happen within the same
millisecond, wall time gives durations for the recording metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Iterator

MASK = "•"


class EventKind(str, Enum):
    """What a timeline entry records."""

    CALL_PLACED = "call_placed"
    PROMPT = "prompt"
    KEY = "key"
    SPEECH = "speech"
    SILENCE = "silence"
    COMMAND = "command"
    COMMAND_RESULT = "command_result"
    RECORDING = "recording"
    TRANSFER = "transfer"
    HANDOFF_STATUS = "handoff_status"
    CALL_ENDED = "call_ended"


@dataclass(frozen=True)
class Tick:
    """One reading of the logical clock."""

    seq: int
    at: datetime


class LogicalClock:
    """Sequence numbers plus wall time for one call."""

    def __init__(self) -> None:
        self._seq = 0

    def tick(self) -> Tick:
        self._seq += 1
        return Tick(self._seq, datetime.now(timezone.utc))


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened on the call.

    `recorded` tells whether the recording was running (not paused, not
    stopped) at that moment, which is what decides if it is on the recording.
    """

    seq: int
    at: datetime
    kind: EventKind
    text: str
    recorded: bool
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def written_text(self) -> str:
        """The text as it may be written down: never more than the recording itself holds.

        Keys pressed and words said while the recording was off (card digits,
        or a caller reading them out) are masked, so neither a timeline file nor
        the web phone is a second place card data could leak from.
        """
        if self.kind in (EventKind.KEY, EventKind.SPEECH) and not self.recorded:
            return MASK if self.kind is EventKind.KEY else MASK * 3
        return self.text

    def to_json(self) -> dict[str, object]:
        """A JSON form with unrecorded caller input masked (see `written_text`)."""
        text = self.written_text
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind.value,
            "text": text,
            "recorded": self.recorded,
            **({"detail": dict(self.detail)} if self.detail else {}),
        }


@dataclass(frozen=True)
class RecordedSpan:
    """A stretch of the call during which the recording was running."""

    start: Tick
    end: Tick | None  # None while still recording

    def contains(self, seq: int) -> bool:
        return self.start.seq < seq and (self.end is None or seq < self.end.seq)


class Timeline:
    """The ordered events of one call, with questions tests ask about them."""

    def __init__(self) -> None:
        self._events: list[TimelineEvent] = []

    def add(self, tick: Tick, kind: EventKind, text: str, *, recorded: bool, **detail: str) -> TimelineEvent:
        event = TimelineEvent(tick.seq, tick.at, kind, text, recorded, detail)
        self._events.append(event)
        return event

    def __iter__(self) -> Iterator[TimelineEvent]:
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def of_kind(self, kind: EventKind) -> list[TimelineEvent]:
        return [e for e in self._events if e.kind is kind]

    @property
    def prompts(self) -> list[TimelineEvent]:
        return self.of_kind(EventKind.PROMPT)

    @property
    def keys(self) -> list[TimelineEvent]:
        return self.of_kind(EventKind.KEY)

    @property
    def recorded_prompts(self) -> list[TimelineEvent]:
        return [e for e in self.prompts if e.recorded]

    @property
    def recorded_keys(self) -> str:
        """The keys that are on the recording, in order."""
        return "".join(e.text for e in self.keys if e.recorded)

    def first_prompt(self, contains: str) -> TimelineEvent | None:
        needle = contains.lower()
        return next((e for e in self.prompts if needle in e.text.lower()), None)

    def to_json(self) -> list[dict[str, object]]:
        return [e.to_json() for e in self._events]
