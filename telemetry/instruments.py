"""The call metrics: one OpenTelemetry instrument each, with the names and units docs/observability.md lists.

Attribute values are names from fixed vocabularies (outcomes, commands, menu
options, step ids): nothing a caller said or pressed, no number.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.metrics import Counter, Histogram, Meter, UpDownCounter

#: Where latencies fall for a phone call: a turn is tens of ms, a recording command up to seconds.
_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]


@dataclass(frozen=True)
class CallMetrics:
    calls_started: Counter
    calls_ended: Counter
    calls_open: UpDownCounter
    calls_rejected: Counter
    menu_choices: Counter
    payments: Counter
    recording_commands: Counter
    recording_command_duration: Histogram
    input_misses: Counter
    transfers_failed: Counter
    turn_duration: Histogram

    @classmethod
    def on(cls, meter: Meter) -> "CallMetrics":
        return cls(
            calls_started=meter.create_counter("ivr.calls.started", "{call}", "Calls whose dialog began."),
            calls_ended=meter.create_counter(
                "ivr.calls.ended", "{call}", "Calls that ended, by `ivr.call.outcome`."
            ),
            calls_open=meter.create_up_down_counter("ivr.calls.open", "{call}", "Calls in progress."),
            calls_rejected=meter.create_counter(
                "ivr.calls.rejected", "{call}", "Incoming calls rejected as busy, by `ivr.call.rejection`."
            ),
            menu_choices=meter.create_counter(
                "ivr.menu.choices", "{choice}", "Menu options chosen, by `ivr.menu` and `ivr.menu.option`."
            ),
            payments=meter.create_counter(
                "ivr.payments", "{payment}", "Payment attempts, by `ivr.payment.outcome`."
            ),
            recording_commands=meter.create_counter(
                "ivr.recording.commands",
                "{command}",
                "Recording commands, by `ivr.recording.command` and `ivr.recording.result`.",
            ),
            recording_command_duration=meter.create_histogram(
                "ivr.recording.command.duration",
                "s",
                "From a recording command's sending to the channel's result (or the timeout).",
                explicit_bucket_boundaries_advisory=_SECONDS,
            ),
            input_misses=meter.create_counter(
                "ivr.input.misses", "{miss}", "No-input and no-match misses, by `ivr.input.status` and `ivr.step`."
            ),
            transfers_failed=meter.create_counter(
                "ivr.transfers.failed", "{transfer}", "Transfers the channel could not complete."
            ),
            turn_duration=meter.create_histogram(
                "ivr.turn.duration",
                "s",
                "How long the bot took over one turn, by `ivr.activity.type` and `ivr.channel`.",
                explicit_bucket_boundaries_advisory=_SECONDS,
            ),
        )
