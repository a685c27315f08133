"""A call's telemetry on the fake channel: outcomes, recording commands, payments and the audit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from opentelemetry.trace import StatusCode

from dialogs.main_menu import MenuAction
from dialogs.payment import PaymentDialog
from telephony import OBSERVER_KEY, CallObserver, RecordingCommand
from telephony.sdk import ActivityTypes, Middleware

from ..call_harness import OFF_MENU_KEY, key, kinds, phone_call
from ..dialogs.bank_account import BANK_ACCOUNT, bank_menu
from .recorded import Recorded

CARD, DECLINED_CARD = "4111111111111111", "4000000000000002"


@pytest.fixture
def recorded():
    with Recorded() as recorded:
        yield recorded


async def at_menu(recorded: Recorded, **settings):
    call = phone_call(telemetry=recorded.telemetry, **settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call


async def pay(call, card: str = CARD) -> None:
    await call.press(key(PaymentDialog))
    await call.press("123456")
    await call.press("1")
    await call.answer(RecordingCommand.PAUSE)
    await call.press(card + "#")
    await call.press("1299")
    await call.press("123#")
    await call.press("1")
    await call.answer(RecordingCommand.RESUME)


async def test_a_goodbye_call_is_started_ended_and_its_turns_traced(recorded):
    call = await at_menu(recorded)
    await call.say("goodbye")
    assert recorded.count("ivr.calls.started") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="goodbye") == 1
    assert recorded.count("ivr.calls.open") == 0
    turns = recorded.named("bot.turn")
    assert turns and all(t.attributes["ivr.conversation.id"] == "call-1" for t in turns)
    assert {t.attributes["ivr.activity.type"] for t in turns} >= {"conversationUpdate", "message", "commandResult"}
    replies = recorded.named("bot.reply")
    assert replies and all(r.parent is not None for r in replies)
    assert recorded.named("state.read") and recorded.named("state.write")
    assert recorded.points("ivr.turn.duration")


async def test_a_recording_command_is_a_span_from_send_to_result_with_its_latency(recorded):
    await at_menu(recorded)
    (start,) = recorded.named("recording.start")
    assert start.attributes["ivr.recording.result"] == "success"
    assert start.attributes["ivr.conversation.id"] == "call-1"
    assert start.parent is not None  # inside the turn that carried the result
    assert recorded.count("ivr.recording.commands", ivr_recording_command="start", ivr_recording_result="success") == 1
    ((attrs, latency),) = recorded.points("ivr.recording.command.duration")
    assert attrs["ivr.recording.command"] == "start" and latency.count == 1


async def test_transfers_are_counted_by_reason(recorded):
    call = await at_menu(recorded)
    await call.press(key(MenuAction.TRANSFER))
    await call.silence()
    await call.hang_up()
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="transferred-asked") == 1
    assert recorded.count("ivr.menu.choices", ivr_menu_option="agent") == 1

    missed = await at_menu(recorded, conversation_id="call-2")
    for _ in range(3):
        await missed.silence()
    await missed.silence()
    await missed.hang_up()
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="transferred-misses") == 1
    assert recorded.count("ivr.input.misses", ivr_input_status="no-input") == 3


async def test_a_caller_who_hangs_up_is_counted_once(recorded):
    call = await at_menu(recorded)
    await call.hang_up()
    await call.hang_up()
    assert recorded.count("ivr.calls.ended") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="caller-hung-up") == 1


async def test_payments_by_outcome_and_the_audit_shows_card_entry_while_paused(recorded):
    call = await at_menu(recorded)
    await pay(call)
    await pay(call, DECLINED_CARD)
    await call.say("goodbye")
    assert recorded.count("ivr.step.outcomes", ivr_step="payment", ivr_step_outcome="approved") == 1
    assert recorded.count("ivr.step.outcomes", ivr_step="payment", ivr_step_outcome="declined") == 1
    assert recorded.count("ivr.menu.choices", ivr_menu="main-menu.prompt", ivr_menu_option="payment") == 2
    (audit,) = recorded.audits()
    assert audit["outcome"] == "goodbye" and audit["complete"] is True
    assert audit["card_entry_while_recording_may_capture"] is False
    assert {step["recording"] for step in audit["card_entry_steps"]} == {"paused"}
    assert {step["step"] for step in audit["card_entry_steps"]} >= {"payment.card-number", "payment.security-code"}
    moves = [(c["before"], c["after"], c["command"], c["result"]) for c in audit["recording_changes"]]
    assert moves[:4] == [
        ("idle", "starting", "", ""),
        ("starting", "recording", "start", "success"),
        ("recording", "pausing", "", ""),
        ("pausing", "paused", "pause", "success"),
    ]
    (event,) = [e for t in recorded.named("bot.turn") for e in t.events if e.name == "ivr.recording.audit"]
    assert event.attributes["ivr.audit.card_entry_while_recording_may_capture"] is False


async def test_a_refused_pause_is_an_unsecured_payment_and_a_refused_command(recorded):
    call = await at_menu(recorded)
    await call.press(key(PaymentDialog))
    await call.press("123456")
    await call.press("1")
    await call.answer(RecordingCommand.PAUSE, error="Internal error")
    await call.answer(RecordingCommand.PAUSE, error="Internal error")
    await call.silence()
    await call.hang_up()
    assert recorded.count("ivr.recording.commands", ivr_recording_command="pause", ivr_recording_result="refused") == 2
    assert recorded.count("ivr.step.outcomes", ivr_step="payment", ivr_step_outcome="unsecured") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="transferred-unsecured") == 1
    (audit,) = recorded.audits()
    assert audit["secure_steps"][0]["secured"] is False
    assert audit["card_entry_steps"] == [] and audit["card_entry_while_recording_may_capture"] is False


async def pause_unanswered(recorded: Recorded):
    """A call whose pause, asked for before card entry, got no result in time."""
    call = await at_menu(recorded)
    await call.press(key(PaymentDialog))
    await call.press("123456")
    await call.press("1")
    await call.silence()
    return call


async def test_a_pause_with_no_result_times_out(recorded):
    await pause_unanswered(recorded)
    assert recorded.count("ivr.recording.commands", ivr_recording_command="pause", ivr_recording_result="timed-out") == 1
    (span,) = recorded.named("recording.pause")
    assert span.status.description == "timed-out"


async def test_a_result_that_comes_after_its_timeout_is_not_counted_again(recorded):
    call = await pause_unanswered(recorded)
    await call.answer(RecordingCommand.PAUSE)  # the channel answers at last
    await call.hang_up()
    assert recorded.count("ivr.recording.commands", ivr_recording_command="pause") == 1
    assert len(recorded.named("recording.pause")) == 1
    (audit,) = recorded.audits()
    assert [change["command"] for change in audit["recording_changes"] if change["result"]] == ["start", "pause"]


async def test_an_error_transfer_is_its_own_outcome_and_the_turn_span_names_only_the_error_type(recorded):
    from ..bots.test_turn_errors import SECRET_LOOKING, FailingStorage

    storage = FailingStorage()
    call = phone_call(storage=storage, telemetry=recorded.telemetry)
    await call.connect()
    await call.answer(RecordingCommand.START)
    storage.armed = True
    await call.press(OFF_MENU_KEY)
    await call.answer(RecordingCommand.PAUSE)
    await call.silence()
    await call.hang_up()
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="transferred-error") == 1
    (audit,) = recorded.audits()
    assert audit["complete"] is True, "the call's notes outlive the bot's recovery"
    assert audit["recording_changes"][1]["command"] == "start"
    assert not any(SECRET_LOOKING in text for text in recorded.everything_exported())


async def test_a_forks_own_secure_step_is_counted_by_its_name_and_audited_with_no_change_here(recorded):
    call = phone_call(telemetry=recorded.telemetry, menu=bank_menu())
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press("3")
    await call.answer(RecordingCommand.PAUSE)
    await call.press("12345678#")
    await call.answer(RecordingCommand.RESUME)
    await call.press("3")
    await call.answer(RecordingCommand.PAUSE, error="Internal error")
    await call.silence()
    await call.hang_up()
    assert recorded.count("ivr.step.outcomes", ivr_step=BANK_ACCOUNT, ivr_step_outcome="taken") == 1
    assert recorded.count("ivr.step.outcomes", ivr_step=BANK_ACCOUNT, ivr_step_outcome="unsecured") == 1
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="transferred-unsecured") == 1
    (audit,) = recorded.audits()
    assert [step["secured"] for step in audit["secure_steps"]] == [True, False]
    assert audit["card_entry_steps"] and audit["card_entry_while_recording_may_capture"] is False


async def test_a_refused_goodbye_is_no_error_in_the_calls_trace_and_ends_the_call_as_a_goodbye(recorded):
    call = phone_call(channel="webchat", telemetry=recorded.telemetry)
    await call.connect()
    call.fail_sends(ActivityTypes.end_of_conversation.value, 400)
    await call.say("goodbye")
    assert recorded.spans, "the turns were traced"
    assert all(span.status.status_code is not StatusCode.ERROR for span in recorded.spans)
    assert recorded.count("ivr.calls.ended", ivr_call_outcome="goodbye") == 1


class _Broken(CallObserver):
    """An observer whose every hook raises."""

    def __getattribute__(self, name):
        if name.startswith("_"):
            return object.__getattribute__(self, name)

        def hook(*args, **kwargs):
            raise RuntimeError("observer bug")

        return hook


class _Installs(Middleware):
    async def on_turn(self, context, logic):
        context.turn_state[OBSERVER_KEY] = _Broken()
        return await logic()


@dataclass
class _BrokenTelemetry:
    def turn_middleware(self):
        return _Installs()

    def traced(self, storage):
        return storage


async def test_an_observer_that_raises_never_changes_the_call(caplog):
    from dialogs import prompts

    call = phone_call(telemetry=_BrokenTelemetry())
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press(OFF_MENU_KEY)
    sent = await call.say("goodbye")
    assert kinds(sent) == [prompts.GOODBYE, "endOfConversation"]
    assert "A call observer failed: RuntimeError" in caplog.text
