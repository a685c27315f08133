"""Card details never leave the payment step: not in logs, state or anything sent.

Many payment calls with generated cards and key timings run against the real
bot. Every log record (at DEBUG, with no redaction installed, so this checks the
first line of defence), every state write and every outgoing activity is kept,
then searched for the card number, expiry and security code. Sealed values in
state are opened with the bot's own key: they may hold card details only while
card entry is under way, and nothing but the charge's outcome once the charge is done.

What telemetry exports is searched the same way in `tests/telemetry/test_card_data_leaks.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.payment import PaymentDialog
from services.payments import DEMO_DECLINED_CARD
from telephony import RecordingCommand
from telephony.sdk import activity_to_json
from telephony.testing import FakeChannel

from ..call_harness import key, phone_call
from ..leak_search import Capture, capture, every_log_record, forms, found, leaves, opened
from ..services.card_numbers import check_digit


def card_number(body: str) -> str:
    """`body` with a non-zero first digit and a Luhn check digit appended."""
    payload = str(int(body[0]) % 9 + 1) + body[1:]
    return payload + check_digit(payload)


card_numbers = st.one_of(
    st.just(DEMO_DECLINED_CARD),
    st.integers(12, 19).flatmap(
        lambda length: st.text("0123456789", min_size=length - 1, max_size=length - 1).map(
            card_number
        )
    ),
)
#: The demo account paid from: typed before the card, and no secret, so it may be kept in clear.
ACCOUNT = "123456"


def not_in_the_account(value: str) -> bool:
    """An expiry of "1234" is found in the account entry kept in clear: no leak, and no test of one."""
    return value not in ACCOUNT


expiries = st.builds(
    lambda month, year: f"{month:02d}{year % 100:02d}",
    st.integers(1, 12),
    st.integers(date.today().year + 1, 2098),
).filter(not_in_the_account)
security_codes = st.text("0123456789", min_size=3, max_size=4).filter(not_in_the_account)


@dataclass(frozen=True)
class Timing:
    """How the caller behaves around the keys."""

    silent_before_card: bool  # a no-input reprompt before the first digit
    early_key_while_pausing: bool  # a key pressed before the card prompt
    speaks_mid_number: bool  # speech in the middle of the number (dropped)
    waits_instead_of_pound: bool  # the inter-digit timeout ends number and code
    cancel_at_code: bool  # `*` instead of the security code


timings = st.builds(Timing, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())


async def enter_card(call: FakeChannel, card: str, expiry: str, code: str, timing: Timing) -> None:
    """From the call's start to the confirmation prompt, or to the middle of the security code."""
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press(key(PaymentDialog))
    await call.press(ACCOUNT)
    await call.press("1")
    if timing.early_key_while_pausing:
        await call.press(card[0])
    await call.answer(RecordingCommand.PAUSE)
    if timing.silent_before_card:
        await call.silence()
    half = len(card) // 2
    await call.press(card[:half])
    if timing.speaks_mid_number:
        await call.say(" ".join(card[half:]))
    await call.press(card[half:])
    await (call.silence() if timing.waits_instead_of_pound else call.press("#"))
    await call.press(expiry)
    if timing.cancel_at_code:
        await call.press(code[:2])
        return
    await call.press(code)
    await (call.silence() if timing.waits_instead_of_pound else call.press("#"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=card_numbers, expiry=expiries, code=security_codes, timing=timings)
async def test_card_details_appear_in_no_log_state_or_activity(card, expiry, code, timing):
    captured = Capture()
    with every_log_record(captured):
        call = phone_call(conversation_id="call-leaks")
        capture(call, captured)
        await enter_card(call, card, expiry, code, timing)
        writes_before_the_end = len(captured.writes)
        # confirm (the charge happens in this turn) or cancel
        await call.press("*" if timing.cancel_at_code else "1")
        await call.answer(RecordingCommand.RESUME)
        await call.hang_up()

    sealer = call.bot.deps.sealer
    secrets = {"card number": card, "expiry": expiry, "security code": code}
    activities = [json.dumps(activity_to_json(a), default=str) for a in call.sent]
    activity_texts = [leaf for a in call.sent for leaf in leaves(activity_to_json(a))]
    for name, secret in secrets.items():
        patterns = forms(secret)
        assert not found(patterns, captured.logs), f"{name} in a log record"
        if secret != card[-4:]:  # the last four are read back, as they may be
            assert not found(patterns, activity_texts), f"{name} in an outgoing activity"
        for write in captured.writes:
            assert not found(patterns, leaves(write)), f"{name} in clear in stored state"
    assert not any(card in text for text in activities + captured.logs)

    every_form = [pattern for secret in secrets.values() for pattern in forms(secret)]
    for index, write in enumerate(captured.writes):
        sealed = opened(sealer, leaves(write), "call-leaks")
        entered = [value for value in sealed if any(secret.startswith(value) for secret in secrets.values())]
        if index >= writes_before_the_end:
            assert entered == [], "sealed card details outlived the charge or the cancel"
        # Anything else sealed is the card entry's result, waiting for the resume: the outcome, no card detail.
        assert not found(every_form, [value for value in sealed if value not in entered])
    assert any(opened(sealer, leaves(write), "call-leaks") for write in captured.writes), "nothing was sealed"
    assert call.storage.snapshot() == {}
