"""Turning caller input into keys, and assembling keys into entries across turns."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony import (
    DigitBuffer,
    DigitSpec,
    Entry,
    InputStatus,
    InvalidReason,
    SealedValueError,
    Sealer,
    keys_from_text,
)

# --- keys_from_text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("1", "1"),
        ("#", "#"),
        ("*", "*"),
        ("123456", "123456"),
        ("12 34 56", "123456"),
        ("1234-5678, 9", "123456789"),
        ("123456#", "123456#"),
        ("four one one one", "4111"),
        ("Four One One One.", "4111"),
        ("one, two, three", "123"),
        ("to too two", "222"),
        ("for four", "44"),
        ("oh o zero", "000"),
        ("double five", "55"),
        ("triple oh", "000"),
        ("one double two three", "1223"),
        ("double 5", "55"),
        ("star", "*"),
        ("pound", "#"),
        ("hash", "#"),
        ("one two three pound", "123#"),
        ("  SEVEN-EIGHT-NINE  ", "789"),
        ("12 three 4", "1234"),
    ],
)
def test_reads_typed_and_spoken_keys(text: str, keys: str) -> None:
    assert keys_from_text(text) == keys


@pytest.mark.parametrize(
    "text",
    ["", "   ", ",", "balance", "I want to pay", "one two buckle my shoe", "double", "five double",
     "double double five", "double 55", "42.17", "forty two", "1a2", "+14255550100"],
)
def test_other_text_is_not_keys(text: str) -> None:
    assert keys_from_text(text) is None


_DIGIT_WORDS = {
    "0": ["0", "zero", "oh", "o", "Zero", "OH"],
    "1": ["1", "one", "One"],
    "2": ["2", "two", "to", "too", "TWO"],
    "3": ["3", "three"],
    "4": ["4", "four", "for", "FOR"],
    "5": ["5", "five"],
    "6": ["6", "six"],
    "7": ["7", "seven"],
    "8": ["8", "eight"],
    "9": ["9", "nine", "Nine"],
}


@st.composite
def spoken_digits(draw: st.DrawFn) -> tuple[str, str]:
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=20))
    words = [draw(st.sampled_from(_DIGIT_WORDS[d])) for d in digits]
    separators = [draw(st.sampled_from([" ", ", ", "-", " - ", ",", "  "])) for _ in words]
    text = "".join(word + sep for word, sep in zip(words, separators)).rstrip(" ,-")
    return digits, text + draw(st.sampled_from(["", ".", "?"]))


@given(spoken_digits())
def test_digits_spoken_in_any_mix_of_words_parse_back(case: tuple[str, str]) -> None:
    digits, text = case
    assert keys_from_text(text) == digits


@given(st.lists(st.sampled_from("0123456789"), min_size=1, max_size=8))
def test_doubled_digits_parse_back(digits: list[str]) -> None:
    text = " ".join(f"double {_DIGIT_WORDS[d][1]}" for d in digits)
    assert keys_from_text(text) == "".join(d * 2 for d in digits)


# --- DigitSpec ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"min_length": 3},
        {"length": 4, "max_length": 4},
        {"length": 0},
        {"length": True},
        {"max_length": 0},
        {"min_length": 5, "max_length": 4},
        {"length": 4, "terminator": "1"},
        {"length": 4, "cancel_key": "##"},
        {"length": 4, "terminator": "#", "cancel_key": "#"},
        {"length": 4, "pattern": "("},
        {"length": 4, "inter_digit_timeout_s": 0},
        {"length": 4, "first_digit_timeout_s": float("inf")},
        {"length": 4, "first_digit_timeout_s": float("nan")},
    ],
)
def test_spec_refuses_contradictory_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DigitSpec(**kwargs)  # type: ignore[arg-type]


# --- DigitBuffer -------------------------------------------------------------

SIX_DIGITS = DigitSpec(length=6, terminator="#")
LONG = DigitSpec(min_length=12, max_length=19, terminator="#", cancel_key="*")
CODE = DigitSpec(min_length=3, max_length=4, terminator="#", cancel_key="*")
MONTH_YEAR = DigitSpec(length=4, pattern=r"(0[1-9]|1[0-2])[0-9]{2}", cancel_key="*")
PIN = DigitSpec(min_length=2, max_length=4)


def complete(value: str) -> Entry:
    return Entry(InputStatus.RECOGNIZED, value=value)


def invalid(reason: InvalidReason) -> Entry:
    return Entry(InputStatus.NO_MATCH, reason=reason)


def feed_one_by_one(buffer: DigitBuffer, keys: str) -> list[Entry]:
    return [buffer.feed(k) for k in keys]


def test_fixed_length_completes_on_the_last_digit() -> None:
    entries = feed_one_by_one(DigitBuffer(SIX_DIGITS), "123456")
    assert [e.status for e in entries[:-1]] == [InputStatus.INCOMPLETE] * 5
    assert entries[-1] == complete("123456")


def test_fixed_length_typed_at_once_with_or_without_terminator() -> None:
    assert DigitBuffer(SIX_DIGITS).feed("123456") == complete("123456")
    assert DigitBuffer(SIX_DIGITS).feed("123456#") == complete("123456")


def test_fixed_length_with_extra_digits_is_too_long() -> None:
    assert DigitBuffer(SIX_DIGITS).feed("1234567") == invalid(InvalidReason.TOO_LONG)
    assert DigitBuffer(SIX_DIGITS).feed("123456##") == invalid(InvalidReason.TOO_LONG)


def test_terminator_before_the_minimum_is_too_short() -> None:
    buffer = DigitBuffer(SIX_DIGITS)
    feed_one_by_one(buffer, "123")
    assert buffer.feed("#") == invalid(InvalidReason.TOO_SHORT)
    assert DigitBuffer(LONG).feed("#") == invalid(InvalidReason.TOO_SHORT)


def test_range_waits_for_the_terminator_and_leaves_it_out() -> None:
    buffer = DigitBuffer(LONG)
    entries = feed_one_by_one(buffer, "4111111111111111")
    assert all(e.status is InputStatus.INCOMPLETE for e in entries)
    assert buffer.feed("#") == complete("4111111111111111")


def test_range_with_terminator_does_not_complete_at_the_maximum() -> None:
    buffer = DigitBuffer(CODE)
    assert buffer.feed("1234") == Entry(InputStatus.INCOMPLETE)
    assert buffer.feed("#") == complete("1234")


def test_range_exceeding_the_maximum_is_too_long() -> None:
    buffer = DigitBuffer(CODE)
    feed_one_by_one(buffer, "1234")
    assert buffer.feed("5") == invalid(InvalidReason.TOO_LONG)
    assert DigitBuffer(LONG).feed("1" * 20 + "#") == invalid(InvalidReason.TOO_LONG)


def test_range_without_terminator_completes_at_the_maximum() -> None:
    assert DigitBuffer(PIN).feed("1234") == complete("1234")


def test_keys_after_the_terminator_in_one_message_are_too_long() -> None:
    assert DigitBuffer(CODE).feed("123#4") == invalid(InvalidReason.TOO_LONG)


def test_cancel_key_cancels_at_any_point() -> None:
    assert DigitBuffer(LONG).feed("*") == Entry(InputStatus.CANCELLED)
    buffer = DigitBuffer(LONG)
    feed_one_by_one(buffer, "41111")
    assert buffer.feed("*") == Entry(InputStatus.CANCELLED)
    assert len(buffer) == 0


def test_a_key_with_no_role_is_unexpected() -> None:
    assert DigitBuffer(PIN).feed("12#") == invalid(InvalidReason.UNEXPECTED_KEY)
    assert DigitBuffer(SIX_DIGITS).feed("*") == invalid(InvalidReason.UNEXPECTED_KEY)


def test_pattern_must_match_the_whole_entry() -> None:
    assert DigitBuffer(MONTH_YEAR).feed("1327") == invalid(InvalidReason.PATTERN_MISMATCH)
    assert DigitBuffer(MONTH_YEAR).feed("1227") == complete("1227")


def test_feed_refuses_non_keys_without_echoing_them() -> None:
    with pytest.raises(ValueError) as raised:
        DigitBuffer(LONG).feed("4111 1111")
    assert "4111" not in str(raised.value)
    with pytest.raises(ValueError):
        DigitBuffer(LONG).feed("")


def test_a_finished_entry_starts_the_buffer_over() -> None:
    buffer = DigitBuffer(SIX_DIGITS)
    assert buffer.feed("1234567") == invalid(InvalidReason.TOO_LONG)
    assert len(buffer) == 0
    assert buffer.feed("654321") == complete("654321")
    assert buffer.feed("1") == Entry(InputStatus.INCOMPLETE)


def test_first_digit_wait_then_inter_digit_wait() -> None:
    spec = DigitSpec(length=6, first_digit_timeout_s=8, inter_digit_timeout_s=3)
    buffer = DigitBuffer(spec)
    assert buffer.next_timeout_s == 8
    buffer.feed("1")
    assert buffer.next_timeout_s == 3
    buffer.feed("23456")
    assert buffer.next_timeout_s == 8


def test_timeout_with_nothing_entered_is_no_input() -> None:
    assert DigitBuffer(LONG).timeout() == Entry(InputStatus.NO_INPUT)


def test_inter_digit_timeout_completes_an_acceptable_entry() -> None:
    buffer = DigitBuffer(CODE)
    buffer.feed("123")
    assert buffer.timeout() == complete("123")
    assert len(buffer) == 0


def test_inter_digit_timeout_on_a_short_entry_is_too_short() -> None:
    buffer = DigitBuffer(SIX_DIGITS)
    buffer.feed("123")
    assert buffer.timeout() == invalid(InvalidReason.TOO_SHORT)
    assert len(buffer) == 0


def test_inter_digit_timeout_checks_the_pattern() -> None:
    spec = DigitSpec(min_length=2, max_length=4, pattern=r"9+")
    buffer = DigitBuffer(spec)
    buffer.feed("98")
    assert buffer.timeout() == invalid(InvalidReason.PATTERN_MISMATCH)


def test_entry_and_buffer_reprs_show_no_digits() -> None:
    buffer = DigitBuffer(LONG)
    buffer.feed("4111111111111111")
    assert "4111" not in repr(buffer)
    entry = buffer.feed("#")
    assert entry.value == "4111111111111111"
    assert "4111" not in repr(entry) and "4111" not in str(entry)


def test_state_round_trips_through_json_mid_entry() -> None:
    buffer = DigitBuffer(SIX_DIGITS)
    buffer.feed("123")
    state = json.loads(json.dumps(buffer.to_state()))
    restored = DigitBuffer.from_state(SIX_DIGITS, state)
    assert restored.feed("456") == complete("123456")


def test_sealed_state_holds_no_digit_in_clear_and_round_trips() -> None:
    sealer = Sealer.generate()
    buffer = DigitBuffer(LONG)
    buffer.feed("411111111111")
    state = json.loads(json.dumps(buffer.to_state(sealer, context="call-1")))
    assert "411111111111" not in json.dumps(state)
    restored = DigitBuffer.from_state(LONG, state, sealer, context="call-1")
    assert restored.feed("1111#") == complete("4111111111111111")


def test_sealed_state_cannot_be_restored_into_another_call() -> None:
    sealer = Sealer.generate()
    buffer = DigitBuffer(LONG)
    buffer.feed("4111")
    state = buffer.to_state(sealer, context="call-1")
    with pytest.raises(SealedValueError):
        DigitBuffer.from_state(LONG, state, sealer, context="call-2")
    with pytest.raises(ValueError):
        DigitBuffer.from_state(LONG, state)


@pytest.mark.parametrize(
    "state",
    [{}, {"v": 2, "digits": "1"}, {"v": 1}, {"v": 1, "digits": 12}, {"v": 1, "digits": "12#"}],
)
def test_foreign_state_is_refused(state: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DigitBuffer.from_state(LONG, state)
