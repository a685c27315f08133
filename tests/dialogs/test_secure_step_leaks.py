"""A fork's own secure step keeps nothing in clear: a bank account number behind `SecureStep`.

A fork adds "3 = pay from a bank account" as README's "Make it yours" says
(`bank_account.py`): a `DigitsPrompt` with no sealer of its own, here with
speech allowed, wrapped in `SecureStep`. Many calls with generated numbers and
key timings run against the real bot; every log record, every state write
(while the keys arrive and while the result waits for `recording.resume`) and
every outgoing activity is searched for the number and for any run of six or
more of its first digits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import prompts
from telephony import RecordingCommand
from telephony.sdk import activity_to_json

from ..call_harness import kinds, phone_call
from ..leak_search import Capture, capture, every_log_record, forms, found, leaves, opened
from .bank_account import DETAILS, ENTER_ACCOUNT, THANKS, BankAccountDialog, bank_menu

PAUSING = prompts.PAUSING_FOR.format(details=DETAILS)
SHORTEST_PREFIX = 6


class SpokenBankAccountDialog(BankAccountDialog):
    """The fork's step with spoken digits allowed: what speech-to-text wrote down is sealed too."""

    keypad_only = False


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
        call = phone_call(conversation_id="call-bank", menu=bank_menu(SpokenBankAccountDialog))
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
