"""Card details never leave the payment step: not in logs, state, anything sent, or telemetry.

Many payment calls with generated cards and key timings run against the real
bot. Every log record (at DEBUG, with no redaction installed, so this checks the
first line of defence), every state write and every outgoing activity is kept,
then searched for the card number, expiry and security code. Sealed values in
state are opened with the bot's own key: they may hold card details only while
card entry is under way, and nothing but the charge's outcome once the charge is done.

With telemetry on (in-memory exporters), every exported span (name, attributes,
events), metric attribute and log record is searched too, for the card details,
the caller's number and what the caller said.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date

import jsonpickle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.payments import DEMO_DECLINED_CARD
from telephony import RecordingCommand, SealedValueError
from telephony.testing import CALLER, FakeChannel

from ..call_harness import phone_call
from ..services.card_numbers import check_digit
from ..telemetry.recorded import Recorded

# Fields and values that are random ids, counters or dates: digits in them are noise, not card data
# (the demo account's due date, 2027-03-03, would otherwise match a security code of 2027).
_NOISE_KEYS = {"command_id", "commandId", "timer", "e_tag", "eTag", "id", "timestamp", "local_timestamp"}
_NOISE_VALUE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\d{4}-\d{2}-\d{2}"
)


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
expiries = st.builds(
    lambda month, year: f"{month:02d}{year % 100:02d}",
    st.integers(1, 12),
    st.integers(date.today().year + 1, 2098),
)
security_codes = st.text("0123456789", min_size=3, max_size=4)


@dataclass(frozen=True)
class Timing:
    """How the caller behaves around the keys."""

    silent_before_card: bool  # a no-input reprompt before the first digit
    early_key_while_pausing: bool  # a key pressed before the card prompt
    speaks_mid_number: bool  # speech in the middle of the number (dropped)
    waits_instead_of_pound: bool  # the inter-digit timeout ends number and code
    cancel_at_code: bool  # `*` instead of the security code


timings = st.builds(Timing, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())


@dataclass
class Capture:
    logs: list[str] = field(default_factory=list)
    writes: list[dict] = field(default_factory=list)


class _Keep(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__(logging.DEBUG)
        self.into = into
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record) + " " + json.dumps(_extras(record), default=str))


def _extras(record: logging.LogRecord) -> dict:
    standard = vars(logging.makeLogRecord({}))
    return {k: v for k, v in vars(record).items() if k not in standard}


def capture(call: FakeChannel, into: Capture) -> None:
    write = call.storage.write

    async def keep_and_write(changes):
        into.writes.append(json.loads(jsonpickle.encode(changes, unpicklable=True, make_refs=False)))
        await write(changes)

    call.storage.write = keep_and_write


async def enter_card(call: FakeChannel, card: str, expiry: str, code: str, timing: Timing) -> None:
    """From the call's start to the confirmation prompt, or to the middle of the security code."""
    await call.connect()
    await call.answer(RecordingCommand.START)
    await call.press("1")
    await call.press("123456")
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


def _forms(secret: str) -> list[re.Pattern]:
    """The secret as a whole digit run, plain or spaced out as a read-back would say it.

    A run inside a longer token of letters and digits (a sealed value's base64,
    an id) is chance, not the secret: a three-digit code turns up in random
    base64 about once in a few hundred values.
    """
    return [
        re.compile(rf"(?<![\w+/])(?<!\d ){re.escape(form)}(?! \d)(?![\w+/=])") for form in (secret, " ".join(secret))
    ]


def _leaves(value, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    elif isinstance(value, str) and key not in _NOISE_KEYS and not _NOISE_VALUE.fullmatch(value):
        yield value


def _found(patterns: list[re.Pattern], texts) -> list[str]:
    return [text for text in texts for pattern in patterns if pattern.search(text)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=card_numbers, expiry=expiries, code=security_codes, timing=timings)
async def test_card_details_appear_in_no_log_state_or_activity(card, expiry, code, timing):
    captured = Capture()
    keeper = _Keep(captured.logs)
    root = logging.getLogger()
    level = root.level
    root.addHandler(keeper)
    root.setLevel(logging.DEBUG)
    try:
        call = phone_call(conversation_id="call-leaks")
        capture(call, captured)
        await enter_card(call, card, expiry, code, timing)
        writes_before_the_end = len(captured.writes)
        # confirm (the charge happens in this turn) or cancel
        await call.press("*" if timing.cancel_at_code else "1")
        await call.answer(RecordingCommand.RESUME)
        await call.hang_up()
    finally:
        root.removeHandler(keeper)
        root.setLevel(level)

    sealer = call.bot.deps.sealer
    secrets = {"card number": card, "expiry": expiry, "security code": code}
    activities = [json.dumps(a.serialize(), default=str) for a in call.sent]
    activity_texts = [leaf for a in call.sent for leaf in _leaves(a.serialize())]
    for name, secret in secrets.items():
        patterns = _forms(secret)
        assert not _found(patterns, captured.logs), f"{name} in a log record"
        if secret != card[-4:]:  # the last four are read back, as they may be
            assert not _found(patterns, activity_texts), f"{name} in an outgoing activity"
        for write in captured.writes:
            assert not _found(patterns, _leaves(write)), f"{name} in clear in stored state"
    assert not any(card in text for text in activities + captured.logs)

    every_form = [pattern for secret in secrets.values() for pattern in _forms(secret)]
    for index, write in enumerate(captured.writes):
        opened = _opened(sealer, _leaves(write), "call-leaks")
        entered = [value for value in opened if any(secret.startswith(value) for secret in secrets.values())]
        if index >= writes_before_the_end:
            assert entered == [], "sealed card details outlived the charge or the cancel"
        # Anything else sealed is the card entry's result, waiting for the resume: the outcome, no card detail.
        assert not _found(every_form, [value for value in opened if value not in entered])
    assert any(_opened(sealer, _leaves(write), "call-leaks") for write in captured.writes), "nothing was sealed"
    assert call.storage.snapshot() == {}


def _opened(sealer, texts, context: str) -> list[str]:
    """Every leaf that is a value sealed for this call, opened."""
    opened = []
    for text in texts:
        try:
            opened.append(sealer.open(text, context))
        except (SealedValueError, ValueError):
            continue
    return opened


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
        assert not _found(_forms(secret), exported), f"{name} in exported telemetry"
    assert not any(card in text or CALLER in text or CALLER.lstrip("+") in text for text in exported)
    assert not any(_SPOKEN in text for text in exported)
    (audit,) = recorded.audits()
    assert audit["card_entry_while_recording_may_capture"] is False
