"""The real app over HTTP and WebSocket with telemetry on in-memory exporters, driven by the channel simulator.

The official aiohttp server instrumentation makes the request spans; the bot's
turns, replies, state access and recording commands are spans inside them; the
call's metrics and audit come out at its end, and no card digit, caller number
or speech is among anything exported.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest
from aiohttp.test_utils import TestServer
from opentelemetry.trace import SpanKind

from app import create_app
from config import DefaultConfig
from simulator import ChannelOptions, ChannelSimulator, Transport
from simulator.channel import DEFAULT_CALLER
from telemetry.setup import instrument_aiohttp, uninstrument_aiohttp

from ..simulator.test_e2e_payment import APPROVED, CARD, CODE, EXPIRY, at_menu, pay_by_card
from .recorded import Recorded

FAST = {"NO_INPUT_TIMEOUT_S": 3.0, "TRANSFER_DELAY_S": 0.2, "RECORDING_RESULT_TIMEOUT_S": 2.0}


@pytest.fixture
async def traced_bot():
    """The app in this process, with telemetry on and the aiohttp server instrumented."""
    with Recorded() as recorded:
        instrument_aiohttp(recorded.tracer_provider, recorded.meter_provider)
        try:
            config = dataclasses.replace(DefaultConfig(), **FAST)
            server = TestServer(create_app(config, telemetry=recorded.telemetry))
            await server.start_server()
        finally:
            uninstrument_aiohttp()  # only this app is instrumented
        try:
            yield server, recorded
        finally:
            await server.close()


async def until(condition, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("telemetry never showed it")


@pytest.mark.parametrize("transport", [Transport.HTTP, Transport.WEBSOCKET], ids=["http", "websocket"])
async def test_a_paid_call_produces_its_spans_metrics_and_audit_and_nothing_sensitive(traced_bot, transport):
    server, recorded = traced_bot
    url = str(server.make_url("/api/messages"))
    async with ChannelSimulator(url, transport=transport, options=ChannelOptions(timeout_s=15)) as channel:
        call = await at_menu(channel)
        await pay_by_card(call)
        await call.wait_for_prompt(APPROVED)
        await call.hang_up()
        await until(lambda: recorded.audits())
    conversation_id = call.address.conversation_id

    turns = recorded.named("bot.turn")
    assert turns and {t.attributes["ivr.conversation.id"] for t in turns} == {conversation_id}
    requests = [s for s in recorded.spans if s.kind is SpanKind.SERVER and s.attributes.get("http.route")]
    assert requests, "the aiohttp server instrumentation made no span"
    if transport is Transport.HTTP:
        request_ids = {s.context.span_id for s in requests}
        posted = [t for t in turns if t.attributes.get("ivr.activity.name") != "ContinueConversation"]
        assert posted and all(t.parent is not None and t.parent.span_id in request_ids for t in posted)
    for command in ("start", "pause", "resume"):
        (span,) = recorded.named(f"recording.{command}")
        assert span.attributes["ivr.recording.result"] == "success"
        assert span.end_time > span.start_time
    assert recorded.named("bot.reply") and recorded.named("state.read") and recorded.named("state.write")

    assert recorded.count("ivr.calls.started") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="caller-hung-up") == 1
    assert recorded.count("ivr.step.outcomes", ivr_step="payment", ivr_step_outcome="approved") == 1
    assert recorded.count("ivr.recording.commands", ivr_recording_result="success") == 3
    (audit,) = recorded.audits()
    assert audit["card_entry_while_recording_may_capture"] is False and audit["complete"] is True

    exported = recorded.everything_exported()
    for secret in (CARD, EXPIRY, CODE, DEFAULT_CALLER, DEFAULT_CALLER.lstrip("+")):
        digits = re.compile(rf"(?<!\d){re.escape(secret)}(?!\d)")
        assert not any(digits.search(text) for text in exported), f"{secret} in exported telemetry"
