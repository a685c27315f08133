"""Card details, the caller's number and what the caller said never reach exported telemetry.

The payment calls of `tests/dialogs/test_card_data_leaks.py`, with telemetry on (in-memory
exporters): every exported span (name, attributes, events), metric attribute and log record
is searched for them.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.payments import DEMO_DECLINED_CARD
from telephony import RecordingCommand
from telephony.testing import CALLER

from ..call_harness import phone_call
from ..dialogs.test_card_data_leaks import card_numbers, enter_card, expiries, security_codes, timings
from ..leak_search import forms, found
from .recorded import Recorded

#: Speech the caller may say mid-number; it must not reach telemetry either.
_SPOKEN = "please hurry up"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=card_numbers, expiry=expiries, code=security_codes, timing=timings, declined=st.booleans())
async def test_card_details_caller_numbers_and_speech_appear_in_no_exported_telemetry(
    card, expiry, code, timing, declined
):
    with Recorded() as recorded:
        call = phone_call(conversation_id="call-leaks", telemetry=recorded.telemetry)
        await enter_card(call, DEMO_DECLINED_CARD if declined else card, expiry, code, timing)
        await call.say(_SPOKEN)
        await call.press("*" if timing.cancel_at_code else "1")
        await call.answer(RecordingCommand.RESUME)
        await call.say("goodbye")
    if declined:
        card = DEMO_DECLINED_CARD
    exported = recorded.everything_exported()
    assert recorded.spans and recorded.audits(), "telemetry recorded nothing: the search would prove nothing"
    for name, secret in {"card number": card, "expiry": expiry, "security code": code}.items():
        assert not found(forms(secret), exported), f"{name} in exported telemetry"
    assert not any(card in text or CALLER in text or CALLER.lstrip("+") in text for text in exported)
    assert not any(_SPOKEN in text for text in exported)
    (audit,) = recorded.audits()
    assert audit["card_entry_while_recording_may_capture"] is False
