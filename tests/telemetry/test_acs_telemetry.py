"""The Call Automation path with telemetry on: callbacks are request spans, the bot's turns are inside them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import uuid

import pytest
from aiohttp import web
from opentelemetry.trace import SpanKind

from app import create_app
from config import DefaultConfig
from devtools.acs_line import DEFAULT_CALLER, INCOMING_SECRET, AcsLine, acs_line, acs_settings
from simulator.acs import client_connector
from telemetry.setup import instrument_aiohttp, uninstrument_aiohttp

from tests.azurite import azurite_connection_string  # noqa: F401 - fixture

from ..callautomation.caller import Caller
from ..callautomation.conftest import FAST_SETTINGS, standin, tls  # noqa: F401 - fixtures
from ..callautomation.test_calls_over_acs import (
    APPROVED,
    CARD,
    accept_payment_offer,
    at_menu,
    enter_card,
)
from .recorded import Recorded
from .test_e2e_telemetry import until


@pytest.fixture
async def traced_line(standin):  # noqa: F811 - the fixture
    with Recorded() as recorded:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = DefaultConfig.from_env({**acs_settings(standin, base_url), **FAST_SETTINGS}, env_file=None)
        instrument_aiohttp(recorded.tracer_provider, recorded.meter_provider)
        try:
            app = create_app(
                config, acs_connector=lambda: client_connector(standin.ca_path), telemetry=recorded.telemetry
            )
        finally:
            uninstrument_aiohttp()
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            yield AcsLine(standin, base_url, app), recorded
        finally:
            await runner.cleanup()


async def paid_and_said_goodbye(line: AcsLine) -> Caller:
    """A call over Call Automation that pays by card, hears it approved and says goodbye."""
    caller: Caller = await at_menu(line)
    await accept_payment_offer(caller)
    await enter_card(caller)
    await caller.hears(APPROVED)
    await caller.say("goodbye")
    await caller.ended()
    return caller


async def test_a_paid_call_over_call_automation_is_traced_counted_and_audited(traced_line):
    line, recorded = traced_line
    await paid_and_said_goodbye(line)
    await until(lambda: recorded.audits())

    turns = recorded.named("bot.turn")
    assert turns and all(t.attributes["ivr.conversation.id"] for t in turns)
    callbacks = {s.context.span_id for s in recorded.spans if s.kind is SpanKind.SERVER}
    assert any(t.parent is not None and t.parent.span_id in callbacks for t in turns)
    assert recorded.count("ivr.payments", ivr_payment_outcome="approved") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="goodbye") == 1
    (audit,) = recorded.audits()
    assert audit["card_entry_while_recording_may_capture"] is False
    assert {step["recording"] for step in audit["card_entry_steps"]} == {"paused"}
    exported = " ".join(recorded.everything_exported())
    for secret in (CARD, DEFAULT_CALLER, DEFAULT_CALLER.lstrip("+"), INCOMING_SECRET):
        assert secret not in exported


async def test_a_call_spread_over_two_instances_is_audited_once_completely_and_every_command_timed(
    standin, azurite_connection_string  # noqa: F811 - fixtures
):
    """Each instance has its own telemetry, as two processes would; the call's facts travel in its state."""
    shared = {
        **FAST_SETTINGS,
        "STORAGE": "blob",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string,
        "STATE_BLOB_CONTAINER": f"audit-{uuid.uuid4().hex[:12]}",
        "CARD_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    with Recorded() as first, Recorded() as second:
        async with contextlib.AsyncExitStack() as stack:
            lines = [
                await stack.enter_async_context(acs_line(standin, shared, telemetry=recorded.telemetry))
                for recorded in (first, second)
            ]
            standin.route_callbacks_to([line.base_url for line in lines])
            caller = await paid_and_said_goodbye(lines[0])
            await until(lambda: first.audits())
            assert len({url for _kind, url in caller.call.delivered_to}) == 2, "callbacks reached both instances"

    (audit,) = first.audits()  # the audit logger is the process's: both instances' records are here
    assert audit["complete"] is True
    assert audit["outcome"] == "goodbye"
    assert [change["after"] for change in audit["recording_changes"] if change["result"]] == [
        "recording",
        "paused",
        "recording",
    ]
    assert audit["card_entry_while_recording_may_capture"] is False
    answered = sum(r.count("ivr.recording.commands", ivr_recording_result="success") for r in (first, second))
    timed = sum(point.count for r in (first, second) for _, point in r.points("ivr.recording.command.duration"))
    assert answered == 3 and timed == answered
    assert sum(r.count("ivr.calls.started") for r in (first, second)) == 1
    assert sum(r.count("ivr.calls.open") for r in (first, second)) == 0


async def test_calls_rejected_as_busy_are_counted_by_reason(standin):  # noqa: F811 - the fixture
    with Recorded() as recorded:
        settings = {**FAST_SETTINGS, "ACS_MAX_CONCURRENT_CALLS": "3", "ACS_MAX_CALLS_PER_DELIVERY": "2"}
        async with acs_line(standin, settings, telemetry=recorded.telemetry) as line:
            first = await standin.place_calls(line.incoming_url, 3)  # two answered, one over the delivery's share
            await asyncio.gather(*(call.answered_or_rejected() for call in first))
            second = await standin.place_calls(line.incoming_url, 2)  # one place left in the instance
            await asyncio.gather(*(call.answered_or_rejected() for call in second))
            assert [call.state for call in first + second] == ["connected", "connected", "rejected", "connected", "rejected"]
            assert recorded.count("ivr.calls.rejected", ivr_call_rejection="delivery-full") == 1
            assert recorded.count("ivr.calls.rejected", ivr_call_rejection="instance-full") == 1
