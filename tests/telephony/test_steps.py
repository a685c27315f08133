"""The library's call steps on its own fake channel: secure step, transfer, recording policy.

Each test hosts a small dialog the way a fork would: the recording is started
first (as a call's start does), then the step under test runs.
"""

from __future__ import annotations

from typing import Callable

import pytest
from botbuilder.dialogs import ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.schema import Activity

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
from telephony.testing import FakeChannel, kinds

PAUSING, ENTER, HOLD, SORRY, NO_AGENT, ONE_MOMENT = (
    "pausing", "enter four digits", "please hold", "sorry, something failed", "no agent", "one moment"
)
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
            pausing_prompt=say(PAUSING), hold_prompt=say(ONE_MOMENT),
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


# ---- the transfer --------------------------------------------------------------


def transfer_call(reason=TransferReason.ASKED, record=True, target="+14255550100", **channel) -> FakeChannel:
    def make(timers, recorder):
        policy = RecordingPolicy(recorder, opt_out=OPT_OUT)
        transfer = TransferStep(
            "transfer", target=target, delay_s=DELAY_S, timers=timers, policy=policy,
            hold_prompt=lambda why: spoken(Voice(), SORRY if why is TransferReason.ERROR else HOLD),
            no_agent_prompt=say(NO_AGENT),
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


async def test_off_the_phone_a_transfer_ends_the_conversation():
    call = transfer_call(channel="emulator")
    assert kinds(await call.connect()) == [HOLD, "endOfConversation"]
    assert call.result is StepOutcome.CALL_ENDED


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
            hold_prompt=say(HOLD), no_agent_prompt=say(NO_AGENT),
        )
        return Recorded(transfer, recorder, timers)

    call = FakeChannel.for_dialog(make, answer_commands=True)
    assert kinds(await call.connect()) == ["start", HOLD]
