"""The library's call steps on its own fake channel: secure step, transfer, recording policy.

Each test hosts a small dialog the way a fork would: the recording is started
first (as a call's start does), then the step under test runs.
"""

from __future__ import annotations

from typing import Callable

import jsonpickle
import pytest

from hosting.state.memory_storage import MemoryStorage
from telephony import (
    Goal,
    InputPolicy,
    InputResult,
    InputStatus,
    MenuError,
    MenuOption,
    RecordingCommand,
    RecordingPolicy,
    RecordingStepDialog,
    RecordingStepOptions,
    ResultSeal,
    Sealer,
    SecureResult,
    SecureStep,
    StepOutcome,
    TransferOptions,
    TransferReason,
    TransferStep,
    DigitSpec,
    DigitsPrompt,
    Refusal,
    Voice,
    spoken,
)
from telephony.sdk import Activity, ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from telephony.testing import FakeChannel, kinds

PAUSING, ENTER, HOLD, SORRY, NO_AGENT, ONE_MOMENT, CALL_US = (
    "pausing", "enter four digits", "please hold", "sorry, something failed", "no agent", "one moment", "call us"
)
SEALER = Sealer.generate()
RESULT_TIMEOUT_S, DELAY_S = 5.0, 3.0
OPT_OUT = MenuOption("opt-out", "*", "To stop recording, press star.", ("stop recording",))


def say(text: str) -> Callable[..., Activity]:
    return lambda *args: spoken(Voice(), text)


class Recorded(ComponentDialog):
    """Starts the recording (when `record`), then runs `step` with `options`."""

    def __init__(self, step: Dialog, recorder, timers, options=None, record: bool = True):
        super().__init__("recorded")
        self.add_dialog(RecordingStepDialog("start", recorder, timers, RESULT_TIMEOUT_S))
        self.add_dialog(step)
        self.add_dialog(WaterfallDialog("recorded.steps", [self._start, self._run, self._end]))
        self.initial_dialog_id = "recorded.steps"
        self.step_id, self.step_options, self.record = step.id, options, record

    async def _start(self, step: WaterfallStepContext) -> DialogTurnResult:
        if not self.record:
            return await step.next(None)
        return await step.begin_dialog("start", RecordingStepOptions(Goal.RECORDING))

    async def _run(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(self.step_id, self.step_options)

    async def _end(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(step.result)


def secure_call(record: bool = True, **channel) -> FakeChannel:
    def make(timers, recorder):
        entry = DigitsPrompt("digits", timers, InputPolicy(max_misses=2), say(ENTER), DigitSpec(length=4))
        secure = SecureStep(
            "secure", entry, recorder=recorder, timers=timers, result_timeout_s=RESULT_TIMEOUT_S,
            pausing_prompt=say(PAUSING), sealer=SEALER, hold_prompt=say(ONE_MOMENT),
        )
        return Recorded(secure, recorder, timers, record=record)

    return FakeChannel.for_dialog(make, **channel)


async def recording_secure_call(**channel) -> FakeChannel:
    call = secure_call(**channel)
    await call.connect()
    assert kinds(await call.answer(RecordingCommand.START)) == [PAUSING, "pause"]
    return call


# ---- the secure step ---------------------------------------------------------


async def test_the_inner_step_starts_only_once_the_channel_confirms_the_pause():
    call = await recording_secure_call()
    assert kinds(await call.press("1")) == [ONE_MOMENT], "a key while pausing is not entry"
    assert kinds(await call.answer(RecordingCommand.PAUSE)) == [ENTER]


@pytest.mark.parametrize("how", ["refused", "never answered"])
async def test_while_the_recording_may_be_capturing_the_inner_step_never_runs(how):
    call = await recording_secure_call()
    if how == "refused":
        await call.answer(RecordingCommand.PAUSE, error="Internal error")
    else:
        await call.silence()  # the result timeout
    assert call.result == SecureResult(secured=False)
    assert ENTER not in kinds(call.sent)


async def test_after_the_inner_step_the_recording_resumes_before_the_result_is_given():
    call = await recording_secure_call()
    await call.answer(RecordingCommand.PAUSE)
    assert kinds(await call.press("1234")) == ["resume"]
    assert call.results == [], "nothing is said until the resume is answered"
    await call.answer(RecordingCommand.RESUME)
    assert call.result == SecureResult(secured=True, result=InputResult(InputStatus.RECOGNIZED, "1234"))


async def test_an_inner_step_out_of_tries_leaves_the_recording_paused_for_the_transfer():
    call = await recording_secure_call()
    await call.answer(RecordingCommand.PAUSE)
    await call.say("what")
    await call.say("what")
    assert call.result.result.status is InputStatus.EXHAUSTED
    assert call.commands() == [RecordingCommand.START, RecordingCommand.PAUSE]


async def test_with_nothing_recording_the_inner_step_runs_at_once():
    call = secure_call(record=False)
    assert kinds(await call.connect()) == [ENTER]
    await call.press("1234")
    assert call.result.secured and call.commands() == []


async def test_the_fake_channel_answers_by_the_channel_rules():
    call = secure_call(answer_commands=True)
    assert kinds(await call.connect()) == ["start", PAUSING, "pause", ENTER]
    assert kinds(await call.press("1234")) == ["resume"]
    assert call.result.secured


async def test_the_fake_channel_can_refuse_a_command():
    call = secure_call(answer_commands=True)
    call.refuse(RecordingCommand.PAUSE, Refusal("RecordingError", "Internal error"))
    await call.connect()
    assert call.result == SecureResult(secured=False)


@pytest.mark.parametrize("channel", ["webchat", "emulator", "msteams", "directline"])
async def test_in_a_chat_the_inner_step_never_runs(channel):
    call = secure_call(record=False, channel=channel)
    assert kinds(await call.connect()) == []
    assert call.result == SecureResult(secured=False)


async def test_a_pause_the_channel_refuses_to_take_is_a_refused_pause():
    call = secure_call(answer_commands=True)
    call.fail_sends(RecordingCommand.PAUSE.value, status=400)
    assert kinds(await call.connect()) == ["start", PAUSING]
    assert call.result == SecureResult(secured=False)
    assert ENTER not in kinds(call.sent)


async def test_the_inner_result_waits_for_the_resume_sealed():
    call = await recording_secure_call(storage=MemoryStorage())
    await call.answer(RecordingCommand.PAUSE)
    await call.press("1234")
    waiting = jsonpickle.encode(call.storage.snapshot(), unpicklable=True, make_refs=False)
    assert '"1234"' not in waiting and '"secure.steps"' in waiting
    await call.answer(RecordingCommand.RESUME)
    assert call.result.result == InputResult(InputStatus.RECOGNIZED, "1234")


def test_a_secure_step_needs_a_sealer():
    def make(timers, recorder):
        entry = DigitsPrompt("digits", timers, InputPolicy(), say(ENTER), DigitSpec(length=4))
        return SecureStep("secure", entry, recorder=recorder, timers=timers, result_timeout_s=1,
                          pausing_prompt=say(PAUSING), sealer=None)

    with pytest.raises(TypeError, match="SecureStep 'secure' needs a Sealer"):
        FakeChannel.for_dialog(make)


class Unsealable(Dialog):
    """A step that declares nothing about what it returns."""

    async def begin_dialog(self, dc, options=None):
        return await dc.end_dialog({"account": "12345678"})


def test_a_step_whose_result_cannot_be_sealed_is_refused_when_the_bot_is_built():
    def make(timers, recorder):
        return SecureStep("secure", Unsealable("bank"), recorder=recorder, timers=timers, result_timeout_s=1,
                          pausing_prompt=say(PAUSING), sealer=SEALER)

    with pytest.raises(ValueError, match="SecureStep 'secure' cannot seal what 'bank' returns"):
        FakeChannel.for_dialog(make)


async def test_a_step_given_a_result_seal_has_its_result_sealed_and_opened():
    seal = ResultSeal(to_text=lambda result: result["account"], from_text=lambda text: {"account": text})

    def make(timers, recorder):
        return SecureStep("secure", Unsealable("bank"), recorder=recorder, timers=timers, result_timeout_s=1,
                          pausing_prompt=say(PAUSING), sealer=SEALER, result_seal=seal)

    call = FakeChannel.for_dialog(make)
    await call.connect()
    assert call.result == SecureResult(secured=True, result={"account": "12345678"})


# ---- the transfer --------------------------------------------------------------


def transfer_call(reason=TransferReason.ASKED, record=True, target="+14255550100", **channel) -> FakeChannel:
    def make(timers, recorder):
        policy = RecordingPolicy(recorder, opt_out=OPT_OUT)
        transfer = TransferStep(
            "transfer", target=target, delay_s=DELAY_S, timers=timers, policy=policy,
            hold_prompt=lambda why: spoken(Voice(), SORRY if why is TransferReason.ERROR else HOLD),
            no_agent_prompt=say(NO_AGENT), chat_prompt=lambda why: spoken(Voice(), f"{why.value}: {CALL_US}"),
        )
        return Recorded(transfer, recorder, timers, TransferOptions(reason), record=record)

    return FakeChannel.for_dialog(make, answer_commands=True, **channel)


async def test_a_transfer_holds_pauses_and_hands_off_after_the_delay_without_holding_up_the_turn():
    call = transfer_call()
    assert kinds(await call.connect()) == ["start", HOLD, "pause"]
    assert kinds(await call.wait(DELAY_S - 0.5)) == []
    assert kinds(await call.wait(0.5)) == ["handoff.initiate"]
    assert call.transfers()[0].value == {"TargetPhoneNumber": "+14255550100"}


async def test_an_error_transfer_apologises_instead_of_the_hold_prompt():
    call = transfer_call(TransferReason.ERROR)
    assert SORRY in kinds(await call.connect())


async def test_a_failed_transfer_resumes_what_it_paused_and_tells_the_caller():
    call = transfer_call()
    await call.connect()
    await call.wait(DELAY_S)
    assert kinds(await call.handoff_failed()) == ["resume", NO_AGENT]
    assert call.result is StepOutcome.DONE


async def test_a_failed_transfer_resumes_nothing_that_was_not_recording():
    call = transfer_call(record=False)
    assert kinds(await call.connect()) == [HOLD]
    await call.wait(DELAY_S)
    assert kinds(await call.handoff_failed()) == [NO_AGENT]


@pytest.mark.parametrize("reason", list(TransferReason))
@pytest.mark.parametrize("channel", ["webchat", "emulator", "msteams", "directline"])
async def test_in_a_chat_the_transfer_says_how_to_reach_an_agent_and_the_conversation_goes_on(channel, reason):
    call = transfer_call(reason, channel=channel)
    assert kinds(await call.connect()) == [f"{reason.value}: {CALL_US}"]
    assert call.result is StepOutcome.DONE
    assert len(call.timers) == 0


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_a_transfer_the_channel_refuses_to_start_leaves_the_caller_with_the_bot(status):
    call = transfer_call()
    call.fail_sends("handoff.initiate", status)
    await call.connect()
    assert kinds(await call.wait(DELAY_S)) == ["resume", NO_AGENT]
    assert call.result is StepOutcome.DONE
    assert len(call.undelivered) == 1, "no second attempt"


def test_the_transfer_target_must_be_e164():
    with pytest.raises(ValueError, match="must be an E.164 number"):
        transfer_call(target="+1 425 555 0100\n")


# ---- the recording policy ---------------------------------------------------------


def test_the_opt_out_row_is_checked_like_any_menu_row():
    with pytest.raises(MenuError, match="says 'press pound'"):
        RecordingPolicy(None, opt_out=MenuOption("opt-out", "*", "To stop recording, press pound."))


async def test_a_line_that_does_not_pause_for_transfers_sends_no_pause():
    def make(timers, recorder):
        policy = RecordingPolicy(recorder, opt_out=OPT_OUT, pause_for_transfer=False)
        transfer = TransferStep(
            "transfer", target="+14255550100", delay_s=DELAY_S, timers=timers, policy=policy,
            hold_prompt=say(HOLD), no_agent_prompt=say(NO_AGENT), chat_prompt=say(CALL_US),
        )
        return Recorded(transfer, recorder, timers)

    call = FakeChannel.for_dialog(make, answer_commands=True)
    assert kinds(await call.connect()) == ["start", HOLD]
