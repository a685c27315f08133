"""Recording download jobs with telemetry: a span per attempt, and jobs counted by the state they reach."""

from __future__ import annotations

import os
from dataclasses import replace

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from recordings.jobs import JobState
from recordings.telemetry import JobTelemetry
from recordings.webhook import setup_recordings
from simulator.acs import Fault, client_connector

from ..otel_memory import InMemoryOtel
from .conftest import FAST_BACKOFF, RunningApp, config, publish, recording_event, standin, tls  # noqa: F401
from .test_download import AUDIO


async def test_each_attempt_is_a_span_and_jobs_are_counted_by_state(config, standin):  # noqa: F811 - fixtures
    recorded = InMemoryOtel()
    app = web.Application()
    telemetry = JobTelemetry(recorded.tracer_provider.get_tracer("test"), recorded.meter_provider.get_meter("test"))
    setup_recordings(
        app, config, connector=lambda: client_connector(standin.ca_path), backoff=FAST_BACKOFF, telemetry=telemetry
    )
    server = TestServer(app)
    await server.start_server()
    running = RunningApp(server, aiohttp.ClientSession(), config)
    try:
        chunk = publish(standin, "0-eus-d2-otel", os.urandom(10_000), "call-otel", ["8:acs:a"])
        standin.inject(AUDIO.format("0-eus-d2-otel"), Fault(status=500))
        await running.post([recording_event([chunk])])
        job = await running.settled("0-eus-d2-otel")
    finally:
        await running.close()
    assert job.state is JobState.DONE
    attempts = recorded.named("recording.download")
    assert [a.attributes["ivr.recordings.job.state"] for a in attempts] == ["retrying", "done"]
    assert recorded.count("ivr.recordings.download.jobs", ivr_recordings_job_state="done") == 1
    assert recorded.count("ivr.recordings.download.jobs", ivr_recordings_job_state="retrying") == 1
    exported = " ".join(recorded.spans_and_metrics_exported())
    assert "https://" not in exported  # no signed location
