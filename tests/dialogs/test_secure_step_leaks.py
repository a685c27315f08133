"""A fork's own secure step keeps nothing in clear: a bank account number behind `SecureStep`.

A fork adds "3 = pay from a bank account" as README's "Make it yours" says:
a plain `DigitsPrompt` (no sealer of its own, speech allowed) wrapped in
`SecureStep`. Many calls with generated numbers and key timings run against
the real bot; every log record, every state write (while the keys arrive and
while the result waits for `recording.resume`) and every outgoing activity is
searched for the number and for any run of six or more of its first digits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.main_menu import MAIN_MENU
from telephony import DigitsPrompt, Menu, MenuOption, RecordingCommand, SecureResult, SecureStep, StepOutcome
from telephony.sdk import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext, activity_to_json

from ..call_harness import kinds, phone_call
from ..leak_search import Capture, capture, every_log_record, forms, found, leaves, opened

ENTER_ACCOUNT = "Please enter your bank account number, then press pound."
THANKS = "Thank you. The payment will be taken from that account."
PAUSING = "For your security, I'm pausing the recording while you enter your account number."
SHORTEST_PREFIX = 6


class BankAccountDialog(ComponentDialog):
    """The fork's step: the account number with the recording paused, then thanks."""

    def __init__(self, deps):
        super().__init__("bank-account")
        self.deps = deps
        prompts = deps.prompts
        entry = DigitsPrompt(
            "bank-account.number",
            deps.timers,
            deps.input_policy,
            lambda reason, options: prompts.say(ENTER_ACCOUNT),
            deps.digit_spec(min_length=8, max_length=12, terminator="#"),
        )
        self.add_dialog(
            SecureStep(
                "bank-account.secure",
                entry,
                recorder=deps.recorder,
                timers=deps.timers,
                result_timeout_s=deps.config.RECORDING_RESULT_TIMEOUT_S,
                pausing_prompt=lambda: prompts.say(PAUSING),
                sealer=deps.sealer,
            )
        )
        self.add_dialog(WaterfallDialog("bank-account.steps", [self._ask, self._thank]))
        self.initial_dialog_id = "bank-account.steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog("bank-account.secure")

    async def _thank(self, step: WaterfallStepContext) -> DialogTurnResult:
        secure: SecureResult = step.result
        if secure.secured and secure.result.recognized:
            await step.context.send_activity(self.deps.prompts.say(THANKS))
        return await step.end_dialog(StepOutcome.DONE)


def with_bank_account() -> Menu:
    *tasks, agent, repeat, goodbye = MAIN_MENU
    row = MenuOption("bank", "3", "To pay from a bank account, press 3.", ("bank",), step=BankAccountDialog)
    return Menu(*tasks, row, agent, repeat, goodbye)


@dataclass(frozen=True)
class Timing:
    silent_before: bool  # a no-input reprompt before the first digit
    spoken: bool  # the second half said aloud (speech-to-text's digits)
    waits_instead_of_pound: bool  # the inter-digit timeout ends the entry


account_numbers = st.text("0123456789", min_size=8, max_size=12)
timings = st.builds(Timing, st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=account_numbers, timing=timings)
async def test_a_bank_account_number_behind_secure_step_appears_in_no_log_state_or_activity(number, timing):
    captured = Capture()
    with every_log_record(captured):
        call = phone_call(conversation_id="call-bank", menu=with_bank_account())
        capture(call, captured)
        await call.connect()
        await call.answer(RecordingCommand.START)
        assert kinds(await call.press("3")) == [PAUSING, "pause"]
        assert kinds(await call.answer(RecordingCommand.PAUSE)) == [ENTER_ACCOUNT]
        if timing.silent_before:
            await call.silence()
        half = len(number) // 2
        await call.press(number[:half])
        await (call.say(" ".join(number[half:])) if timing.spoken else call.press(number[half:]))
        assert kinds(await (call.silence() if timing.waits_instead_of_pound else call.press("#"))) == ["resume"]
        waiting = len(captured.writes)  # the result waits for the resume's answer in this state
        assert THANKS in kinds(await call.answer(RecordingCommand.RESUME))
        await call.say("goodbye")

    prefixes = [number[:length] for length in range(SHORTEST_PREFIX, len(number) + 1)]
    patterns = [pattern for prefix in prefixes for pattern in forms(prefix)]
    activities = [leaf for a in call.sent for leaf in leaves(activity_to_json(a))]
    assert not found(patterns, captured.logs), "the number in a log record"
    assert not found(patterns, activities), "the number in an outgoing activity"
    assert not any(number in json.dumps(activity_to_json(a), default=str) for a in call.sent)
    for write in captured.writes:
        assert not found(patterns, leaves(write)), "the number in clear in stored state"
        assert number not in json.dumps(write)
    sealed = [opened(call.bot.deps.sealer, leaves(write), "call-bank") for write in captured.writes]
    assert any(number in value for value in sealed[waiting - 1]), "the result waited for the resume, sealed"
    assert call.storage.snapshot() == {}
