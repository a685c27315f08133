"""The per-call recording audit: the evidence that card entry happened with the recording paused.

Built from what the bot itself saw during the call (the recording state machine's
moves, driven only by the channel's results) and emitted once when the call ends,
as a log record on the `telemetry.audit` logger and as the `ivr.recording.audit`
event of the last turn's span. docs/observability.md says how to read it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from telephony import Recording, RecordingState


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def may_be_capturing(state: RecordingState | None) -> bool:
    """Unknown counts as capturing: the audit never assumes the safe answer."""
    return state is None or Recording(state=state).may_be_capturing


@dataclass(frozen=True)
class RecordingChange:
    at: str
    before: str
    after: str
    #: The recording command whose result moved the state, and that result; empty for a sent command.
    command: str = ""
    result: str = ""


@dataclass(frozen=True)
class SecureStepBegun:
    """A step that needs the recording paused began (`secured`) or was refused, and the recording's state then."""

    at: str
    step: str
    recording: str
    secured: bool


@dataclass(frozen=True)
class CardEntry:
    """Card keys arrived in a step: when first, and what the recording was doing then."""

    at: str
    step: str
    recording: str


@dataclass
class RecordingAudit:
    """What one call's recording did, while the call lasts; `record()` is the final form.

    Kept between turns in the call's state (`as_notes`, `from_notes`), so it follows
    the call from instance to instance.
    """

    conversation_id: str
    #: False when the call's beginning was not seen (its state began before telemetry was on).
    complete: bool = True
    state: RecordingState | None = RecordingState.IDLE
    changes: list[RecordingChange] = field(default_factory=list)
    secure_steps: list[SecureStepBegun] = field(default_factory=list)
    keyed_steps: list[CardEntry] = field(default_factory=list)
    card_keys_while_capturing: bool = False

    def changed(self, before: RecordingState, after: RecordingState, command: str = "", result: str = "") -> None:
        self.changes.append(RecordingChange(now_iso(), before.value, after.value, command, result))
        self.state = after

    def secure_step(self, step: str, secured: bool) -> None:
        self.secure_steps.append(SecureStepBegun(now_iso(), step, self._state_name(), secured))

    def keys_entered(self, step: str) -> None:
        """Card keys arrived: note the step once per state, and whether anything may have been capturing."""
        if may_be_capturing(self.state):
            self.card_keys_while_capturing = True
        state = self._state_name()
        if not any(seen.step == step and seen.recording == state for seen in self.keyed_steps):
            self.keyed_steps.append(CardEntry(now_iso(), step, state))

    def record(self, outcome: str) -> dict:
        """The audit record: plain JSON types, no caller data."""
        return {
            "conversation_id": self.conversation_id,
            "outcome": outcome,
            "complete": self.complete,
            "recording_changes": [asdict(change) for change in self.changes],
            "secure_steps": [asdict(step) for step in self.secure_steps],
            "card_entry_steps": [asdict(step) for step in self.keyed_steps],
            "card_entry_while_recording_may_capture": self.card_keys_while_capturing,
        }

    def as_notes(self) -> dict:
        """Plain JSON values, for the call's state."""
        return {
            "complete": self.complete,
            "state": self.state.value if self.state is not None else None,
            "changes": [asdict(change) for change in self.changes],
            "secure_steps": [asdict(step) for step in self.secure_steps],
            "keyed_steps": [asdict(step) for step in self.keyed_steps],
            "card_keys_while_capturing": self.card_keys_while_capturing,
        }

    @classmethod
    def from_notes(cls, conversation_id: str, notes: dict) -> "RecordingAudit":
        state = notes["state"]
        return cls(
            conversation_id,
            complete=notes["complete"],
            state=RecordingState(state) if state is not None else None,
            changes=[RecordingChange(**change) for change in notes["changes"]],
            secure_steps=[SecureStepBegun(**step) for step in notes["secure_steps"]],
            keyed_steps=[CardEntry(**step) for step in notes["keyed_steps"]],
            card_keys_while_capturing=notes["card_keys_while_capturing"],
        )

    def _state_name(self) -> str:
        return self.state.value if self.state is not None else "unknown"


def as_json(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), sort_keys=True)
