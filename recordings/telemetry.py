"""A span per download attempt and a count of jobs by how the attempt left them.

Uses the process's OpenTelemetry providers (set by `telemetry.start_telemetry`);
with telemetry off they are the API's no-ops, and downloads are rare enough
that nothing else is needed. Attributes name the job's chunk and state, never
its locations (they are signed URLs).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from opentelemetry import metrics, trace
from opentelemetry.metrics import Meter
from opentelemetry.trace import Status, StatusCode, Tracer

from .jobs import RecordingJob

#: The value of `ivr.recordings.job.state` for an attempt that failed and will be retried.
RETRYING = "retrying"


class JobTelemetry:
    def __init__(self, tracer: Tracer | None = None, meter: Meter | None = None):
        self._tracer = tracer or trace.get_tracer("recordings")
        self._jobs = (meter or metrics.get_meter("recordings")).create_counter(
            "ivr.recordings.download.jobs",
            "{job}",
            "Recording download attempts, by the state they left the job in (`ivr.recordings.job.state`).",
        )

    @contextmanager
    def attempt(self, job: RecordingJob) -> Iterator["_Attempt"]:
        with self._tracer.start_as_current_span(
            "recording.download",
            attributes={"ivr.recordings.document.id": job.document_id, "ivr.recordings.attempt": job.attempts + 1},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            outcome = _Attempt()
            yield outcome
            span.set_attribute("ivr.recordings.job.state", outcome.state)
            if outcome.state != "done":
                span.set_status(Status(StatusCode.ERROR, outcome.state))
            self._jobs.add(1, {"ivr.recordings.job.state": outcome.state})


class _Attempt:
    state: str = RETRYING

    def left(self, state: str) -> None:
        self.state = state
