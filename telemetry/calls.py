"""The call observer: turns the library's hooks into metrics, recording-command spans and the audit.

A call's running facts (when each recording command left, why a transfer began,
the audit so far) live in this process while the call lasts and are dropped when
it ends; a call whose turns are spread over instances gets an audit marked
`complete: false` from the instance that sees it end.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum

from botbuilder.core import TurnContext
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
)

from .audit import RecordingAudit, as_json
from .instruments import CallMetrics

audit_log = logging.getLogger("telemetry.audit")

#: Calls remembered at once; the oldest are dropped first (calls whose end never came).
MAX_OPEN_CALLS = 10_000

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
    #: Per command: the monotonic and the wall-clock (ns) time it was sent.
    sent: dict[RecordingCommand, tuple[float, int]] = field(default_factory=dict)


def command_name(command: RecordingCommand) -> str:
    return command.name.lower()


class CallTelemetry(CallObserver):
    def __init__(self, tracer: Tracer, metrics: CallMetrics):
        self.tracer = tracer
        self.metrics = metrics
        self._calls: OrderedDict[str, _Call] = OrderedDict()

    # ---- the call ------------------------------------------------------------
    def call_started(self, context: TurnContext) -> None:
        conversation_id = context.activity.conversation.id
        self._calls[conversation_id] = _Call(RecordingAudit(conversation_id))
        while len(self._calls) > MAX_OPEN_CALLS:
            self._calls.popitem(last=False)
        self.metrics.calls_started.add(1, {"ivr.channel": context.activity.channel_id or ""})
        self.metrics.calls_open.add(1)

    def call_ended(self, context: TurnContext, ending: CallEnding) -> None:
        call = self._calls.pop(context.activity.conversation.id, None)
        if call is None:
            if ending is CallEnding.CHANNEL_ENDED:
                return  # the end of a call already counted (a hang-up after goodbye, or after a transfer)
            call = _Call(RecordingAudit(context.activity.conversation.id, complete=False, state=None))
        else:
            self.metrics.calls_open.add(-1)
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
        self._call(context).sent[command] = (time.monotonic(), time.time_ns())

    def recording_changed(
        self, context: TurnContext, before: RecordingState, after: RecordingState, result: CommandResult | None
    ) -> None:
        call = self._call(context)
        if result is None:
            call.audit.changed(before, after)
            return
        outcome = "success" if result.succeeded else "refused"
        call.audit.changed(before, after, command_name(result.command), outcome)
        self._command_done(context, call, result.command, outcome)

    def recording_command_timed_out(self, context: TurnContext, command: RecordingCommand) -> None:
        self._command_done(context, self._call(context), command, "timed-out")

    def _command_done(self, context: TurnContext, call: _Call, command: RecordingCommand, outcome: str) -> None:
        attributes = {"ivr.recording.command": command_name(command), "ivr.recording.result": outcome}
        self.metrics.recording_commands.add(1, attributes)
        sent = call.sent.pop(command, None)
        if sent is not None:
            self.metrics.recording_command_duration.record(time.monotonic() - sent[0], attributes)
        span = self.tracer.start_span(
            f"recording.{command_name(command)}",
            attributes={**attributes, ATTR_CONVERSATION: context.activity.conversation.id},
            start_time=sent[1] if sent is not None else None,
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
        self._call(context).transfer = reason

    def transfer_failed(self, context: TurnContext) -> None:
        call = self._call(context)
        self.metrics.transfers_failed.add(1, {"ivr.transfer.reason": call.transfer.value if call.transfer else ""})
        call.transfer = None

    def secure_step(self, context: TurnContext, step_id: str, secured: bool) -> None:
        self._call(context).audit.secure_step(step_id, secured)

    def sensitive_keys(self, context: TurnContext, step_id: str) -> None:
        self._call(context).audit.keys_entered(step_id)

    def outcome(self, context: TurnContext, name: str, value: str) -> None:
        if name == "payment":
            self.metrics.payments.add(1, {"ivr.payment.outcome": value})

    # ---- internals --------------------------------------------------------------------
    def _call(self, context: TurnContext) -> _Call:
        """The call's facts; a call first seen mid-way (another instance began it) starts an incomplete audit."""
        conversation_id = context.activity.conversation.id
        call = self._calls.get(conversation_id)
        if call is None:
            call = _Call(RecordingAudit(conversation_id, complete=False, state=None))
            self._calls[conversation_id] = call
        return call
