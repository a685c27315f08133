"""The call observer: turns the library's hooks into metrics, recording-command spans and the audit.

A call's running facts (when each recording command left, why a transfer began,
the audit so far) are kept in the call's own state (`telephony.call_notes`):
saved with the call after each turn, read back by the next turn on whichever
instance runs it, forgotten with the call. So a call spread over several
instances gets one complete audit and a latency for every recording command.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator
from enum import Enum

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode, Tracer

from telephony import (
    CallEnding,
    CallObserver,
    CommandResult,
    InputStatus,
    RecordingCommand,
    RecordingState,
    TransferReason,
    call_notes,
)
from telephony.sdk import TurnContext

from .audit import RecordingAudit, as_json
from .instruments import CallMetrics

audit_log = logging.getLogger("telemetry.audit")

#: The observers' note this module keeps a call's facts in.
NOTE = "telemetry"

ATTR_CONVERSATION = "ivr.conversation.id"


class CallOutcome(str, Enum):
    """The values of `ivr.call.outcome` (docs/observability.md)."""

    GOODBYE = "goodbye"
    CALLER_HUNG_UP = "caller-hung-up"
    BOT_FAILED = "bot-failed"
    TRANSFERRED_ASKED = "transferred-asked"
    TRANSFERRED_MISSES = "transferred-misses"
    TRANSFERRED_ERROR = "transferred-error"
    TRANSFERRED_UNSECURED = "transferred-unsecured"

    @classmethod
    def transferred(cls, reason: TransferReason) -> "CallOutcome":
        return cls(f"transferred-{reason.value}")


@dataclass
class _Call:
    audit: RecordingAudit
    transfer: TransferReason | None = None
    #: Per command awaiting its result: when it was sent (wall clock, ns; instances share it).
    sent: dict[str, int] = field(default_factory=dict)
    #: Commands whose wait ran out: a result that comes later was already counted as timed out.
    gave_up: list[str] = field(default_factory=list)

    @classmethod
    def fresh(cls, conversation_id: str) -> "_Call":
        return cls(RecordingAudit(conversation_id))

    @classmethod
    def seen_mid_way(cls, conversation_id: str) -> "_Call":
        """A call whose beginning was not observed: what happened before is unknown."""
        return cls(RecordingAudit(conversation_id, complete=False, state=None))

    @classmethod
    def from_notes(cls, conversation_id: str, notes: dict) -> "_Call":
        transfer = notes["transfer"]
        return cls(
            RecordingAudit.from_notes(conversation_id, notes["audit"]),
            TransferReason(transfer) if transfer is not None else None,
            dict(notes["sent"]),
            list(notes["gave_up"]),
        )

    def as_notes(self) -> dict:
        return {
            "audit": self.audit.as_notes(),
            "transfer": self.transfer.value if self.transfer is not None else None,
            "sent": self.sent,
            "gave_up": self.gave_up,
        }


def command_name(command: RecordingCommand) -> str:
    return command.name.lower()


class CallTelemetry(CallObserver):
    def __init__(self, tracer: Tracer, metrics: CallMetrics):
        self.tracer = tracer
        self.metrics = metrics

    # ---- the call ------------------------------------------------------------
    def call_started(self, context: TurnContext) -> None:
        _keep(context, _Call.fresh(context.activity.conversation.id))
        self.metrics.calls_started.add(1, {"ivr.channel": context.activity.channel_id or ""})
        self.metrics.calls_open.add(1)

    def call_ended(self, context: TurnContext, ending: CallEnding) -> None:
        call = _forget(context)
        if call is None:
            if ending is CallEnding.CHANNEL_ENDED:
                return  # the end of a call already counted (a hang-up after goodbye, or after a transfer)
            call = _Call.seen_mid_way(context.activity.conversation.id)
        else:
            self.metrics.calls_open.add(-1)  # per instance it may go below zero; the sum is the open calls
        outcome = self._outcome(call, ending)
        self.metrics.calls_ended.add(1, {"ivr.call.outcome": outcome, "ivr.channel": context.activity.channel_id or ""})
        record = call.audit.record(outcome)
        text = as_json(record)
        audit_log.info("Recording audit: %s", text, extra={"recording_audit": record})
        span = trace.get_current_span()
        span.add_event(
            "ivr.recording.audit",
            {
                "ivr.call.outcome": outcome,
                "ivr.audit.complete": record["complete"],
                "ivr.audit.card_entry_while_recording_may_capture": record["card_entry_while_recording_may_capture"],
                "ivr.audit.record": text,
            },
        )

    @staticmethod
    def _outcome(call: _Call, ending: CallEnding) -> str:
        if ending is CallEnding.BOT_FAILED:
            outcome = CallOutcome.BOT_FAILED
        elif call.transfer is not None:
            outcome = CallOutcome.transferred(call.transfer)
        else:
            outcome = CallOutcome.GOODBYE if ending is CallEnding.DIALOG_OVER else CallOutcome.CALLER_HUNG_UP
        return outcome.value

    # ---- the recording -------------------------------------------------------------
    def recording_command_sent(self, context: TurnContext, command: RecordingCommand, command_id: str) -> None:
        with _kept(context) as call:
            name = command_name(command)
            call.sent[name] = time.time_ns()
            if name in call.gave_up:
                call.gave_up.remove(name)

    def recording_changed(
        self, context: TurnContext, before: RecordingState, after: RecordingState, result: CommandResult | None
    ) -> None:
        with _kept(context) as call:
            if result is None:
                call.audit.changed(before, after)
                return
            name = command_name(result.command)
            outcome = "success" if result.succeeded else "refused"
            call.audit.changed(before, after, name, outcome)
            if name in call.gave_up:
                call.gave_up.remove(name)  # counted when its wait ran out
                return
            self._command_done(context, call, result.command, outcome)

    def recording_command_timed_out(self, context: TurnContext, command: RecordingCommand) -> None:
        with _kept(context) as call:
            self._command_done(context, call, command, "timed-out")
            call.gave_up.append(command_name(command))

    def _command_done(self, context: TurnContext, call: _Call, command: RecordingCommand, outcome: str) -> None:
        attributes = {"ivr.recording.command": command_name(command), "ivr.recording.result": outcome}
        self.metrics.recording_commands.add(1, attributes)
        sent_ns = call.sent.pop(command_name(command), None)
        if sent_ns is not None:
            self.metrics.recording_command_duration.record(max(0, time.time_ns() - sent_ns) / 1e9, attributes)
        span = self.tracer.start_span(
            f"recording.{command_name(command)}",
            attributes={**attributes, ATTR_CONVERSATION: context.activity.conversation.id},
            start_time=sent_ns,
        )
        if outcome != "success":
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()

    # ---- the caller ------------------------------------------------------------------
    def input_missed(self, context: TurnContext, step_id: str, status: InputStatus) -> None:
        self.metrics.input_misses.add(1, {"ivr.input.status": status.value, "ivr.step": step_id})

    def menu_chosen(self, context: TurnContext, menu_id: str, option: str) -> None:
        self.metrics.menu_choices.add(1, {"ivr.menu": menu_id, "ivr.menu.option": option})

    def transfer_started(self, context: TurnContext, reason: TransferReason) -> None:
        with _kept(context) as call:
            call.transfer = reason

    def transfer_failed(self, context: TurnContext) -> None:
        with _kept(context) as call:
            self.metrics.transfers_failed.add(1, {"ivr.transfer.reason": call.transfer.value if call.transfer else ""})
            call.transfer = None

    def secure_step(self, context: TurnContext, step_id: str, secured: bool) -> None:
        with _kept(context) as call:
            call.audit.secure_step(step_id, secured)

    def sensitive_keys(self, context: TurnContext, step_id: str) -> None:
        with _kept(context) as call:
            call.audit.keys_entered(step_id)

    def outcome(self, context: TurnContext, name: str, value: str) -> None:
        self.metrics.step_outcomes.add(1, {"ivr.step": name, "ivr.step.outcome": value})


# ---- the call's facts, in its state ----------------------------------------------------
@contextmanager
def _kept(context: TurnContext) -> Iterator[_Call]:
    """The call's facts, written back to its state when the block ends.

    A call first seen mid-way (its state began before telemetry was on) starts an incomplete audit.
    """
    notes = call_notes(context)
    stored = notes.get(NOTE) if notes is not None else None
    conversation_id = context.activity.conversation.id
    call = _Call.from_notes(conversation_id, stored) if stored is not None else _Call.seen_mid_way(conversation_id)
    yield call
    _keep(context, call)


def _keep(context: TurnContext, call: _Call) -> None:
    notes = call_notes(context)
    if notes is not None:
        notes[NOTE] = call.as_notes()


def _forget(context: TurnContext) -> _Call | None:
    """The call's facts, now removed from its state; None if there were none (already ended)."""
    notes = call_notes(context)
    stored = notes.pop(NOTE, None) if notes is not None else None
    return _Call.from_notes(context.activity.conversation.id, stored) if stored is not None else None
